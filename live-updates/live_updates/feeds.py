"""What each channel reads, as plain functions of a Redis client (or an HTTP client), and the few
reader loops that run them once per process for every subscriber (app.py starts them).

- orders: one task XREADs every shard's events:orders stream (BLOCK; one XREAD of all of them on one
  Redis, one task per shard on a Redis Cluster, where a multi-stream XREAD would span slots) and fans
  each entry out to the subscribers of its order; only then is the order hash read, once per batch,
  for the orders someone follows. An order's changes are all in its shard's stream (its id names the
  shard), so a subscriber's event ids are that stream's: ``<entry id>`` on shard 0 (as with one shard),
  ``<shard>:<entry id>`` on any other; a Last-Event-ID of either form replays what was missed.
- queue: once a second, one pipeline of ZRANK/ZSCORE for every (sale, visitor) followed (and each sale's
  room and catalogue record, for its rate and opening time).
- stock: up to 4 times a second the three stock hashes of every shard (a MULTI per shard), merged,
  sent on change.
- dashboard: once a second the gateway's GET /system/status over HTTP, and the room of the default
  sale and of every sale whose room is on (GET /sales lists every event's).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import httpx
import redis.asyncio as redis

from ticketing_common import keys, room_view
from ticketing_common import redis_client as ticketing_redis
from ticketing_common.order_record import order_from_fields
from ticketing_common.status import TERMINAL_STATUSES

from . import sse
from .hub import CLOSE, Hub, Subscriber

log = logging.getLogger(__name__)

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)
ORDER_ID, STATUS, AT = keys.ORDER_EVENT_FIELDS
Fields = dict[str, str]
Entry = tuple[str, Fields]


# Stream ids -----------------------------------------------------------------------------------


def parse_id(entry_id: str) -> tuple[int, int] | None:
    """A stream id "<ms>-<seq>" as a comparable pair; None if it is not one."""
    ms, _, seq = entry_id.partition("-")
    if not ms.isdigit() or not (seq.isdigit() or seq == ""):
        return None
    if len(ms) > 20 or len(seq) > 20:
        return None
    return int(ms), int(seq or 0)


def after(entry_id: str, other: str) -> bool:
    a, b = parse_id(entry_id), parse_id(other)
    return a is not None and b is not None and a > b


def event_id(shard: int, entry_id: str) -> str:
    """An SSE event id: the entry id of shard 0's stream as it is (the one-shard format), else
    ``<shard>:<entry id>``."""
    return entry_id if shard == 0 else f"{shard}:{entry_id}"


def parse_event_id(value: str) -> tuple[int, str] | None:
    """(shard, entry id) of a Last-Event-ID in either format of `event_id`; None if it is neither."""
    shard, sep, entry_id = value.strip().rpartition(":")
    if not sep:
        shard, entry_id = "0", value.strip()
    if not shard.isdigit() or len(shard) > 3 or parse_id(entry_id) is None:
        return None
    return int(shard), entry_id


# Orders ----------------------------------------------------------------------------------------


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


def order_change(order: dict[str, Any], status: str) -> dict[str, Any]:
    """An `order` event's data: the order as stored, with the status of the change it announces (the
    hash may already be further on; its next change comes as its own event)."""
    return {**order, "status": status}


async def order_snapshot(
    client: redis.Redis, order_id: str, shards: keys.Shards = keys.ONE_SHARD
) -> tuple[dict[str, Any] | None, str]:
    """(the order as the gateway's GET /orders/{id} shows it, or None; its shard's events stream's last
    id), read in one MULTI (one shard: one slot) so that every change after that id is one the snapshot
    does not show yet. An id naming a shard this deployment does not have is no order."""
    if not shards.owns(order_id):
        return None, "0-0"
    k = shards.of_order(order_id)
    pipe = await ticketing_redis.transaction_pipeline(client)
    pipe.hgetall(shards.order(order_id))
    pipe.xrevrange(shards.order_events(k), count=1)
    fields, tip = await pipe.execute()
    order = order_from_fields(cast("Fields", fields)) if fields else None
    return order, (tip[0][0] if tip else "0-0")


async def changes_since(
    client: redis.Redis,
    order_id: str,
    last_id: str,
    until: str,
    limit: int,
    shards: keys.Shards = keys.ONE_SHARD,
) -> list[Entry] | None:
    """The order's status changes after `last_id` up to `until` (entry ids of its shard's events
    stream), oldest first; None when they cannot all be known (the stream was trimmed past `last_id`,
    or more than `limit` entries lie between): the caller sends a snapshot instead."""
    if parse_id(last_id) is None or not shards.owns(order_id):
        return None
    stream = shards.order_events(shards.of_order(order_id))
    oldest = cast("list[Entry]", await client.xrange(stream, count=1))
    if oldest and after(oldest[0][0], last_id) and last_id != "0-0":
        return None  # entries between last_id and the oldest kept one may have been trimmed
    found: list[Entry] = []
    cursor, scanned = "(" + last_id, 0
    while scanned < limit:
        batch = cast(
            "list[Entry]",
            await client.xrange(stream, min=cursor, max=until, count=min(1000, limit - scanned)),
        )
        if not batch:
            return found
        scanned += len(batch)
        found += [(eid, f) for eid, f in batch if f.get(ORDER_ID) == order_id]
        cursor = "(" + batch[-1][0]
        if batch[-1][0] == until:
            return found
    return None


async def fan_out_order_events(
    client: redis.Redis, hub: Hub, entries: Sequence[Entry], shards: keys.Shards = keys.ONE_SHARD, shard: int = 0
) -> int:
    """Queue each entry of shard `shard`'s events stream for the subscribers of its order; the orders
    are read once, in one pipeline, and only those someone follows. Returns the frames queued."""
    followed = [
        (eid, f)
        for eid, f in entries
        if hub.subscribers(("orders", f.get(ORDER_ID, ""))) and shard_of(shards, f.get(ORDER_ID, "")) == shard
    ]
    if not followed:
        return 0
    order_ids = list(dict.fromkeys(f[ORDER_ID] for _, f in followed))
    pipe = client.pipeline(transaction=False)
    for order_id in order_ids:
        pipe.hgetall(shards.order(order_id))
    orders = {oid: order_from_fields(h) if h else None for oid, h in zip(order_ids, await pipe.execute(), strict=True)}
    queued = 0
    for eid, f in followed:
        order, status = orders[f[ORDER_ID]], f.get(STATUS, "")
        if order is None:
            continue  # deleted meanwhile (a demo reset): nothing to show
        text = sse.frame("order", order_change(order, status), event_id(shard, eid))
        for sub in list(hub.subscribers(("orders", f[ORDER_ID]))):
            # (id, frame): the stream skips what its first frames already showed (app.relay).
            queued += hub.offer(sub, (eid, text))
            if is_terminal(status):
                hub.offer(sub, CLOSE)
    return queued


def shard_of(shards: keys.Shards, order_id: str) -> int | None:
    """The shard an order id names, None if this deployment has no such shard."""
    return shards.of_order(order_id) if shards.owns(order_id) else None


async def stream_tip(client: redis.Redis, stream: str = keys.ORDER_EVENTS) -> str:
    tip = cast("list[Entry]", await client.xrevrange(stream, count=1))
    return tip[0][0] if tip else "0-0"


async def read_order_events(
    client: redis.Redis,
    hub: Hub,
    block_ms: int,
    count: int,
    shards: keys.Shards = keys.ONE_SHARD,
    tailed: Sequence[int] | None = None,
) -> None:
    """A reader of the events streams of the shards `tailed` (default: all) in one XREAD, each from its
    tip at start, forever. On one Redis one reader tails every shard; on a Redis Cluster run one per
    shard (a multi-stream XREAD must stay in one slot)."""
    streams = {shards.order_events(k): k for k in (shards.all() if tailed is None else tailed)}
    last_ids: dict[str, str] | None = None
    while True:
        try:
            if last_ids is None:
                last_ids = {stream: await stream_tip(client, stream) for stream in streams}
            reply = cast(
                "list[tuple[str, list[Entry]]]",
                await client.xread(cast("dict[Any, Any]", last_ids), count=count, block=block_ms),
            )
            for stream, entries in reply or []:
                if not entries:
                    continue
                last_ids[stream] = entries[-1][0]
                await fan_out_order_events(client, hub, entries, shards, streams[stream])
        except REDIS_DOWN as e:
            log.warning("events stream unreadable, retrying: %s", e)
            await asyncio.sleep(1)


# The waiting room ------------------------------------------------------------------------------


ROOM_READ = ["state", "rate", "opensAt"]  # of the room hash (keys.ROOM_FIELDS)


def room_rate(room: Sequence[str | None], now_ms: int) -> float:
    """The admission rate a visitor sees, as the gateway's VisitorStatus gives it (room_view.admitting_rate
    of the room's state, rate and opensAt: ms or '')."""
    state, rate, opens_at = [*room, None, None, None][:3]
    try:
        figure = float(rate or 0)
    except ValueError:
        figure = 0.0
    opens = int(opens_at) if opens_at and opens_at.isdigit() else None
    return round(room_view.admitting_rate(state, figure, opens, now_ms), 3)


def sale_opening_ms(record: str | None) -> int | None:
    """When the event's sale opens (ms) while it is `scheduled`, from its catalogue record (JSON,
    docs/events.md); None for an open or closed sale, no record, or one that does not parse."""
    if not record:
        return None
    try:
        event = json.loads(record)
        if event.get("saleState") != "scheduled" or not event.get("saleOpensAt"):
            return None
        return int(datetime.fromisoformat(event["saleOpensAt"]).timestamp() * 1000)
    except (ValueError, TypeError, AttributeError):
        return None


def not_before(room: Sequence[str | None], opens_ms: int | None) -> list[str | None]:
    """The room's figures (ROOM_READ) with its opening at the later of its own and `opens_ms`, as the
    gateway's visitor status shows it (waiting_room.Room.not_before)."""
    state, rate, opens_at = [*room, None, None, None][:3]
    own = int(opens_at) if opens_at and opens_at.isdigit() else None
    if opens_ms is not None and (own is None or opens_ms > own):
        opens_at = str(opens_ms)
    return [state, rate, opens_at]


def redis_ms(reply: Sequence[int]) -> int:
    seconds, micros = reply
    return int(seconds) * 1000 + int(micros) // 1000


def visitor_status(
    rank: int | None, admitted: float | None, room: Sequence[str | None], queue_length: int, now_ms: int
) -> dict[str, Any] | None:
    """A `queue` event's data, or None for a visitor who is neither waiting nor admitted."""
    if admitted is not None:
        return {"status": "admitted"}
    if rank is None:
        return None
    rate = room_rate(room, now_ms)
    place = room_view.waiting(rank, rate)  # the gateway's computation (ticketing_common.room_view)
    return {
        "status": "waiting",
        "position": place["position"],
        "ahead": place["ahead"],
        "queueLength": queue_length,
        "admissionRatePerSecond": rate,
        "estimatedWaitSeconds": place["estimatedWaitSeconds"],
    }


async def visitor_statuses(
    client: redis.Redis, visitors: Iterable[tuple[str, str]], shards: keys.Shards = keys.ONE_SHARD
) -> dict[tuple[str, str], dict[str, Any] | None]:
    """Every (sale, visitor)'s status, in one pipelined round trip (each room in its event's shard)."""
    visitors = list(visitors)
    sales = list(dict.fromkeys(sale for sale, _ in visitors))
    pipe = client.pipeline(transaction=False)
    clustered = ticketing_redis.is_cluster(client)
    if not clustered:  # a cluster pipeline refuses TIME (no key to route by): a call of its own there
        pipe.time()
    for sale in sales:
        k = shards.of_event(sale)
        pipe.hmget(shards.room(k, sale), ROOM_READ)
        pipe.zcard(shards.room_waiting(k, sale))
    for sale in sales:  # the event's record: a scheduled sale's room lets nobody in before it opens
        pipe.hget(keys.CATALOGUE_EVENTS, sale)
    for sale, visitor in visitors:
        k = shards.of_event(sale)
        pipe.zrank(shards.room_waiting(k, sale), visitor)
        pipe.zscore(shards.room_admitted(k, sale), visitor)
    replies = await pipe.execute()
    now_ms = redis_ms(await client.time() if clustered else replies.pop(0))
    records = replies[2 * len(sales) : 3 * len(sales)]
    rooms = {
        sale: (not_before(replies[2 * i], sale_opening_ms(records[i])), int(replies[2 * i + 1]))
        for i, sale in enumerate(sales)
    }
    base = 3 * len(sales)
    out: dict[tuple[str, str], dict[str, Any] | None] = {}
    for i, (sale, visitor) in enumerate(visitors):
        room, length = rooms[sale]
        out[(sale, visitor)] = visitor_status(replies[base + 2 * i], replies[base + 2 * i + 1], room, length, now_ms)
    return out


def send_if_changed(hub: Hub, sub: Subscriber, event: str, data: Any) -> None:
    if sub.ready and data != sub.last:
        sub.last = data
        hub.offer(sub, sse.frame(event, data))


async def poll_queue(client: redis.Redis, hub: Hub, shards: keys.Shards = keys.ONE_SHARD) -> None:
    """One round for every queue subscriber of this process: changed places are sent; an admitted
    visitor gets {status: admitted} and the stream ends, as it does for one who left."""
    topics = list(hub.topics_of("queue"))
    if not topics:
        return
    statuses = await visitor_statuses(client, [(str(t[1]), str(t[2])) for t in topics], shards)
    for topic in topics:
        status = statuses[(str(topic[1]), str(topic[2]))]
        for sub in list(hub.subscribers(topic)):
            if status is not None:
                send_if_changed(hub, sub, "queue", status)
            if sub.ready and (status is None or status["status"] == "admitted"):
                hub.offer(sub, CLOSE)


# Stock -----------------------------------------------------------------------------------------


async def stock_state(client: redis.Redis, shards: keys.Shards = keys.ONE_SHARD) -> dict[str, Any]:
    """Available, held and sold per ticket, from every shard (ticket ids are unique across events: each
    ticket's figures are its one shard's)."""
    available: dict[str, str] = {}
    held: dict[str, str] = {}
    sold: dict[str, str] = {}
    for k in shards:
        # One instant (a hold moves stock between two hashes); one shard, so one slot on a cluster.
        pipe = await ticketing_redis.transaction_pipeline(client)
        pipe.hgetall(shards.stock(k))
        pipe.hgetall(shards.stock_held(k))
        pipe.hgetall(shards.stock_sold(k))
        available_k, held_k, sold_k = await pipe.execute()
        available.update(available_k)
        held.update(held_k)
        sold.update(sold_k)
    return {
        "tickets": [
            {"id": t, "available": int(available[t]), "held": int(held.get(t, 0)), "sold": int(sold.get(t, 0))}
            for t in sorted(available)
        ]
    }


async def poll_stock(client: redis.Redis, hub: Hub, shards: keys.Shards = keys.ONE_SHARD) -> None:
    if not hub.has("stock"):
        return
    state = await stock_state(client, shards)
    for sub in list(hub.subscribers(("stock",))):
        send_if_changed(hub, sub, "stock", state)


# Dashboard -------------------------------------------------------------------------------------


async def room_summary(client: redis.Redis, sale_id: str, shards: keys.Shards = keys.ONE_SHARD) -> dict[str, Any]:
    """The public summary of a sale's room (no operator figures)."""
    k = shards.of_event(sale_id)
    pipe = client.pipeline(transaction=False)
    pipe.hmget(shards.room(k, sale_id), ROOM_READ)
    pipe.zcard(shards.room_waiting(k, sale_id))
    room, length = await pipe.execute()
    now = await client.time()
    return {
        "saleId": sale_id,
        "state": room[0] or "off",
        "queueLength": int(length),
        "admissionRatePerSecond": room_rate(room, redis_ms(now)),
    }


def dashboard_sales(sales: object) -> list[str]:
    """The sales whose room the dashboard shows, from the gateway's GET /sales (every event's sale, the
    default event's first): the default sale's always, and every other whose room is on (not `off`),
    so that a catalogue of many events costs a room read per room in use, not per event."""
    if not isinstance(sales, list):
        return []
    shown = []
    for i, sale in enumerate(sales):
        if not isinstance(sale, dict) or not isinstance(sale.get("saleId"), str):
            continue
        room = sale.get("room")
        state = room.get("state") if isinstance(room, dict) else None
        if i == 0 or (state is not None and state != "off"):
            shown.append(sale["saleId"])
    return shown


async def gateway_json(http: httpx.AsyncClient, path: str) -> Any | None:
    """The gateway's JSON answer to GET `path`, or None (unreachable, not 200, not JSON)."""
    try:
        response = await http.get(path)
    except httpx.HTTPError as e:
        log.debug("gateway %s: %s", path, e)
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


async def poll_dashboard(
    client: redis.Redis, http: httpx.AsyncClient, hub: Hub, shards: keys.Shards = keys.ONE_SHARD
) -> None:
    """Once for all dashboard subscribers: the gateway's system status, and the rooms dashboard_sales picks."""
    if not hub.has("dashboard"):
        return
    status, sales = await asyncio.gather(gateway_json(http, "/system/status"), gateway_json(http, "/sales"))
    frames = []
    if status is not None:
        frames.append(sse.frame("status", status))
    for sale_id in dashboard_sales((sales or {}).get("sales", [])):
        frames.append(sse.frame("room", await room_summary(client, sale_id, shards)))
    for text in frames:
        hub.publish(("dashboard",), text)


async def every(seconds: float, round_: Callable[[], Awaitable[None]], what: str) -> None:
    """Run `round_` every `seconds`, forever; a failed round is logged and the next one runs."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        try:
            await round_()
        except REDIS_DOWN as e:
            log.warning("%s: redis unreachable: %s", what, e)
        except Exception:
            log.exception("%s round failed", what)
        await asyncio.sleep(max(seconds - (loop.time() - started), 0.01))
