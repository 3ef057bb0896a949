"""The worker's FastAPI app: runs the consumer for its lifetime and answers health, stats, metrics."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import redis.asyncio as redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ticketing_common import redis_client as redis_clients
from ticketing_common import swagger_ui
from ticketing_common.backlog import backlog_exposition, queue_all_backlog_reads, shard_backlogs, sum_backlogs

from . import metrics
from .consumer import OrderConsumer
from .settings import WorkerSettings

log = logging.getLogger(__name__)


def redis_client(settings: WorkerSettings) -> redis_clients.AsyncClient:
    """The worker's client: plain or cluster (REDIS_CLUSTER), through the one factory every service uses.

    On a cluster a batch's steps run concurrently (no scripts in cluster pipelines), all on one master
    when the shards share it, so the client must allow a connection per entry in hand to one node, plus
    one blocking read per shard and a few for the background loops: redis-py's asyncio cluster client
    allows 100 unless told, and fails the next call with MaxConnectionsError.
    """
    connections = settings.entries_in_hand + settings.redis_shards + BACKGROUND_CONNECTIONS
    return redis_clients.from_settings(settings, asyncio=True, max_connections=connections)


# Recovery, expiry, heartbeat and stats: each loop holds at most one connection at a time.
BACKGROUND_CONNECTIONS = 8


def create_app(settings: WorkerSettings) -> FastAPI:
    client = redis_client(settings)
    consumer = OrderConsumer(client, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = asyncio.Event()
        task = app.state.consumer_task = asyncio.create_task(consumer.run(stop), name="order-consumer")
        yield
        # SIGTERM: uvicorn stops serving, then we stop reading; the batch in hand is
        # decided and acknowledged before run() returns.
        log.info("shutting down: finishing the batch in hand")
        stop.set()
        await task
        await client.aclose()

    # docs_url=None: FastAPI's page loads Swagger UI from a CDN; the shared one works offline.
    app = FastAPI(title="Order worker", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    swagger_ui.mount_on_fastapi(app)
    app.state.consumer = consumer
    app.state.consumer_task = None

    @app.get("/healthz")
    async def healthz():
        # Alive means consuming: a consumer task that ended is a worker to restart.
        task = app.state.consumer_task
        if task is not None and task.done():
            return JSONResponse({"status": "consumer stopped", "consumer": consumer.name}, status_code=503)
        return {"status": "ok", "consumer": consumer.name}

    @app.get("/readyz")
    async def readyz():
        try:
            await client.ping()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as e:
            return JSONResponse({"status": "unavailable", "error": f"redis: {type(e).__name__}"}, status_code=503)
        return {"status": "ready"}

    @app.get("/stats")
    async def stats():
        return consumer.stats.as_dict()

    @app.get("/metrics")
    async def prometheus_metrics():
        backlog = None
        try:
            # Summed over the shards (plain reads: a cluster pipeline sends each shard's to its node).
            pipe = client.pipeline(transaction=False)
            queue_all_backlog_reads(pipe, consumer.shards)
            backlog = sum_backlogs(shard_backlogs(await pipe.execute(raise_on_error=False)))
        except (redis.RedisError, OSError):
            pass  # /readyz reports the outage; the counters still export
        return Response(generate_latest(metrics.REGISTRY) + backlog_exposition(backlog), media_type=CONTENT_TYPE_LATEST)

    return app
