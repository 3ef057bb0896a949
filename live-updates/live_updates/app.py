"""The live-updates HTTP API: thin routes over feeds.py and hub.py.

Each stream route validates its path, checks that what it follows exists (404 JSON otherwise),
subscribes, and then only relays the frames the readers queue for it, with a `: keep-alive` comment
when nothing came for LIVE_KEEPALIVE_SECONDS. Errors are JSON `{"error": ...}`: 404 unknown order or
visitor, 422 a malformed id, 503 when Redis is unreachable or the process has as many streams as it
accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, cast

import httpx
import redis.asyncio as redis
from fastapi import FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from ticketing_common import redis_client as ticketing_redis

from . import __version__, feeds, metrics, sse
from .hub import CLOSE, DROPPED, Full, Hub, Subscriber
from .settings import LiveSettings

log = logging.getLogger(__name__)

# Ids as the gateway makes them (order ids are UUIDs; sale ids are catalogue ids): anything else is
# malformed rather than unknown.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
STREAM_HEADERS = {
    "Cache-Control": "no-cache",
    # nginx must pass each event on at once, whatever its proxy_buffering says.
    "X-Accel-Buffering": "no",
}


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def redis_client(settings: LiveSettings) -> redis.Redis:
    # Plain Redis or a Redis Cluster (REDIS_CLUSTER); typed as the plain client, whose commands it shares.
    return cast("redis.Redis", ticketing_redis.from_settings(settings, asyncio=True))


def check_id(value: str, what: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise ApiError(422, f"{what}: must be 1-100 of A-Z a-z 0-9 . _ : - (got {value[:100]!r})")
    return value


def check_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(422, f"{what}: must be a UUID (got {value[:100]!r})") from None


async def relay(hub: Hub, sub: Subscriber, first: list[str], keepalive: float) -> AsyncIterator[str]:
    """The frames of one stream: the retry hint and `first`, then whatever the readers queue, until a
    CLOSE or a drop; the subscriber leaves the hub however the stream ends (a disconnect included)."""
    try:
        for text in first:
            yield text
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), keepalive)
            except TimeoutError:
                yield sse.KEEP_ALIVE
                continue
            if item is CLOSE or item is DROPPED:
                return
            if isinstance(item, tuple):  # a change from the events stream: once, in stream order
                entry_id, item = item
                if not feeds.after(entry_id, sub.seen_id):
                    continue
                sub.seen_id = entry_id
            yield item
    finally:
        hub.unsubscribe(sub)


def create_app(
    settings: LiveSettings, client: redis.Redis | None = None, http: httpx.AsyncClient | None = None
) -> FastAPI:
    client = client if client is not None else redis_client(settings)
    http = (
        http
        if http is not None
        else httpx.AsyncClient(base_url=settings.live_gateway_url, timeout=settings.live_gateway_timeout_seconds)
    )
    hub = Hub(settings.live_queue_size, settings.live_max_subscribers)
    shards = settings.shards
    retry = sse.retry(settings.live_retry_ms)
    keepalive = settings.live_keepalive_seconds

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # On one Redis one reader XREADs every shard's events stream at once; on a Redis Cluster one reader
        # per shard (a multi-stream XREAD must stay in one slot).
        tailed = [[k] for k in shards] if ticketing_redis.is_cluster(client) else [list(shards)]
        readers = [
            *(
                asyncio.create_task(
                    feeds.read_order_events(
                        client, hub, settings.live_read_block_ms, settings.live_read_count, shards, ks
                    ),
                    name="orders" if len(ks) == shards.count else f"orders-{ks[0]}",
                )
                for ks in tailed
            ),
            asyncio.create_task(
                feeds.every(settings.live_poll_seconds, lambda: feeds.poll_queue(client, hub, shards), "queue"),
                name="queue",
            ),
            asyncio.create_task(
                feeds.every(settings.live_stock_seconds, lambda: feeds.poll_stock(client, hub, shards), "stock"),
                name="stock",
            ),
            asyncio.create_task(
                feeds.every(
                    settings.live_poll_seconds, lambda: feeds.poll_dashboard(client, http, hub, shards), "dashboard"
                ),
                name="dashboard",
            ),
        ]
        log.info("live updates ready", extra={"gateway": settings.live_gateway_url, "queueSize": hub.queue_size})
        try:
            yield
        finally:
            for task in readers:
                task.cancel()
            for task in readers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # Open streams end with the process: their browsers reconnect (Last-Event-ID) to another.
            for topic in list(hub.topics):
                hub.publish(topic, CLOSE)
            await http.aclose()
            await client.aclose()

    app = FastAPI(title="Live updates", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.hub = hub

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        return error_response(e.status, e.message)

    @app.exception_handler(Full)
    async def _full(request: Request, e: Full):
        return error_response(503, str(e))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        first = e.errors()[0]
        return error_response(422, f"{'.'.join(str(p) for p in first.get('loc', ())[1:])}: {first.get('msg')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return error_response(e.status_code, str(e.detail).lower())

    @app.exception_handler(redis.RedisError)
    async def _redis_error(request: Request, e: redis.RedisError):
        log.warning("redis error: %s", e)
        return error_response(503, f"the live-updates store is unavailable ({type(e).__name__}); retry")

    def stream(sub: Subscriber, first: list[str]) -> StreamingResponse:
        return StreamingResponse(
            relay(hub, sub, [retry, *first], keepalive), media_type="text/event-stream", headers=STREAM_HEADERS
        )

    @app.get("/orders/{orderId}", response_class=StreamingResponse, responses={404: {}, 422: {}, 503: {}})
    async def order_stream(orderId: str, last_event_id: Annotated[str | None, Header()] = None):
        """`order` events: the order now, then every status change (Last-Event-ID: the changes after it).
        Event ids are entry ids of the order's shard's events stream (`feeds.event_id`)."""
        order_id = check_id(orderId, "orderId")
        sub = hub.subscribe(("orders", order_id))
        try:
            order, tip = await feeds.order_snapshot(client, order_id, shards)
            if order is None:
                raise ApiError(404, f"no order {order_id!r}")
            shard = shards.of_order(order_id)
            replayed = None
            last = feeds.parse_event_id(last_event_id) if last_event_id else None
            # A Last-Event-ID of another shard's stream cannot place this order's changes: a snapshot.
            if last is not None and last[0] == shard:
                replayed = await feeds.changes_since(client, order_id, last[1], tip, settings.live_replay_limit, shards)
            if replayed is None:
                first = [sse.frame("order", order, feeds.event_id(shard, tip))]
                done = feeds.is_terminal(order["status"])
            else:
                first = [
                    sse.frame("order", feeds.order_change(order, f[feeds.STATUS]), feeds.event_id(shard, eid))
                    for eid, f in replayed
                ]
                done = bool(replayed) and feeds.is_terminal(replayed[-1][1][feeds.STATUS])
            sub.seen_id = tip
        except BaseException:
            hub.unsubscribe(sub)
            raise
        if done:
            hub.offer(sub, CLOSE)
        return stream(sub, first)

    @app.get("/sales/{saleId}/queue/{visitorId}", response_class=StreamingResponse, responses={404: {}, 422: {}})
    async def queue_stream(saleId: str, visitorId: str):
        """`queue` events: the visitor's place whenever it changes, then {status: admitted} and the end."""
        sale_id, visitor_id = check_id(saleId, "saleId"), check_uuid(visitorId, "visitorId")
        sub = hub.subscribe(("queue", sale_id, visitor_id))
        try:
            status = (await feeds.visitor_statuses(client, [(sale_id, visitor_id)], shards))[(sale_id, visitor_id)]
            if status is None:
                raise ApiError(404, f"visitor {visitor_id} is not in the line of sale {sale_id!r}")
        except BaseException:
            hub.unsubscribe(sub)
            raise
        sub.last, sub.ready = status, True
        if status["status"] == "admitted":
            hub.offer(sub, CLOSE)
        return stream(sub, [sse.frame("queue", status)])

    @app.get("/stock", response_class=StreamingResponse)
    async def stock_stream():
        """`stock` events: available, held and sold per ticket, on change (at most ~4 a second)."""
        sub = hub.subscribe(("stock",))
        try:
            state = await feeds.stock_state(client, shards)
        except BaseException:
            hub.unsubscribe(sub)
            raise
        sub.last, sub.ready = state, True
        return stream(sub, [sse.frame("stock", state)])

    @app.get("/dashboard", response_class=StreamingResponse)
    async def dashboard_stream():
        """`status` (the gateway's GET /system/status) and `room` (each sale's public room) ~1/s."""
        sub = hub.subscribe(("dashboard",))
        return stream(sub, [])

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {}})
    async def readyz():
        try:
            await client.ping()
        except feeds.REDIS_DOWN as e:
            return JSONResponse({"status": "unavailable", "error": f"redis: {type(e).__name__}"}, status_code=503)
        return {"status": "ready"}

    @app.get("/metrics", response_class=Response)
    async def prometheus_metrics():
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app
