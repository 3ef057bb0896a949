"""THE RECOVERY POLICY: what happens to entries a worker took and never acknowledged.

Run by every worker every WORKER_RECOVERY_INTERVAL_MS:
1. An entry unacknowledged for WORKER_CLAIM_IDLE_MS whose delivery count has reached
   WORKER_MAX_DELIVERIES is given up on: dead-lettered, its order marked failed.
2. Every other entry idle that long is claimed (XAUTOCLAIM) by this worker and decided
   again: its first holder died or is stuck. Deciding is idempotent (an order no longer
   pending is only acknowledged), so a slow first holder finishing late is harmless.
3. Consumers that hold nothing and whose worker is dead are removed from the group. Dead, not
   quiet: every worker heartbeats (`heartbeat`, at the start of each pass) and a consumer is
   stale when its heartbeat is missing or older than WORKER_STALE_CONSUMER_MS.
4. The stream is trimmed below the oldest entry that any group still needs.
Errors talking to Redis are retried with capped exponential backoff (`Backoff`).
"""

from __future__ import annotations

import random
from typing import TypedDict, cast

import redis.asyncio as redis

from ticketing_common import keys

from .decisions import RawEntry, StreamEntry, dead_letter, parse_entries
from .scripts import Scripts


class PendingEntry(TypedDict):
    """One XPENDING range row as redis-py parses it with decode_responses=True (hinted bytes|str|int)."""

    message_id: str
    consumer: str
    time_since_delivered: int
    times_delivered: int


class Backoff:
    """Capped exponential backoff with jitter: 0.1 s, 0.2 s, 0.4 s ... up to `cap` seconds."""

    def __init__(self, base: float = 0.1, cap: float = 5.0) -> None:
        self.base, self.cap, self.attempt = base, cap, 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.attempt = 0


async def dead_letter_exhausted(
    client: redis.Redis,
    scripts: Scripts,
    *,
    min_idle_ms: int,
    max_deliveries: int,
    count: int,
    order_ttl: int,
) -> int:
    """Step 1: dead-letter idle entries delivered `max_deliveries` times (their orders failed, any held
    stock released). Returns how many. An order failed while paying is noted as a refund due by the
    dead-letter script itself (keys.REFUNDS_DUE), in the same step."""
    pending = cast(
        "list[PendingEntry]",
        await client.xpending_range(
            keys.ORDER_STREAM, keys.CONSUMER_GROUP, min="-", max="+", count=count, idle=min_idle_ms
        ),
    )
    moved = 0
    for p in pending:
        if p["times_delivered"] < max_deliveries:
            continue
        entry_id = p["message_id"]
        found = cast("list[RawEntry] | None", await client.xrange(keys.ORDER_STREAM, entry_id, entry_id))
        entry = parse_entries(found)[0] if found else StreamEntry(entry_id, None)
        # -1: another worker got there first: it dead-lettered, decided or claimed the entry since
        # the XPENDING read (the script checks pending, idle time and deliveries again).
        result = await dead_letter(
            client, scripts, entry, min_deliveries=max_deliveries, min_idle_ms=min_idle_ms, order_ttl=order_ttl
        )
        if result != -1:
            moved += 1
    return moved


async def claim_idle(client: redis.Redis, consumer: str, *, min_idle_ms: int, count: int) -> list[StreamEntry]:
    """Step 2: take over up to `count` entries idle for `min_idle_ms` in any consumer's pending list."""
    _cursor, claimed, *_deleted = await client.xautoclaim(
        keys.ORDER_STREAM, keys.CONSUMER_GROUP, consumer, min_idle_time=min_idle_ms, start_id="0-0", count=count
    )
    return parse_entries(claimed)


async def heartbeat(client: redis.Redis, scripts: Scripts, me: str, *, stale_ms: int, decided: int = 0) -> int:
    """Say this worker is alive, with the orders it has `decided` so far (heartbeat.lua, on Redis's
    clock). Returns the heartbeat, ms."""
    return await scripts.heartbeat(
        keys=[keys.CONSUMER_HEARTBEATS, keys.CONSUMER_DECIDED], args=[me, stale_ms, decided], client=client
    )


async def remove_idle_consumer(client: redis.Redis, scripts: Scripts, name: str, *, stale_ms: int) -> int:
    """Remove `name` from the group if it holds nothing and its heartbeat is missing or `stale_ms` old.

    1 removed (and its heartbeat and decided count), 0 it holds entries, -1 it is alive (remove_idle_consumer.lua).
    """
    return await scripts.remove_idle_consumer(
        keys=[keys.ORDER_STREAM, keys.CONSUMER_HEARTBEATS, keys.CONSUMER_DECIDED],
        args=[keys.CONSUMER_GROUP, name, stale_ms],
        client=client,
    )


async def remove_stale_consumers(client: redis.Redis, scripts: Scripts, me: str, *, stale_ms: int) -> list[str]:
    """Step 3: remove dead consumers that hold no entry. Returns their names.

    XINFO's idle time (since the consumer last got an entry) only preselects: a live worker
    waiting for orders is idle too, and the script keeps it while its heartbeat is fresh.
    """
    removed = []
    for c in await client.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP):
        quiet = c["name"] != me and int(c["pending"]) == 0 and int(c["idle"]) >= stale_ms
        if quiet and await remove_idle_consumer(client, scripts, c["name"], stale_ms=stale_ms) == 1:
            removed.append(c["name"])
    return removed


async def leave(client: redis.Redis, scripts: Scripts, me: str) -> bool:
    """A worker stopping gracefully: drop its heartbeat and count and, if it holds nothing, its consumer.

    Entries it still holds stay pending in its name; without a heartbeat the others treat it
    as dead and reclaim them after WORKER_CLAIM_IDLE_MS. Returns whether the consumer was removed.
    """
    pipe = client.pipeline(transaction=True)
    pipe.zrem(keys.CONSUMER_HEARTBEATS, me)
    pipe.hdel(keys.CONSUMER_DECIDED, me)
    await pipe.execute()
    return await remove_idle_consumer(client, scripts, me, stale_ms=0) == 1


def _id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def trim_acknowledged(client: redis.Redis) -> int:
    """Step 4: drop the entries every group has acknowledged; never one still needed.

    For each group, everything before its oldest pending entry (or, with nothing
    pending, up to its last delivered entry) is acknowledged. The safe point is the
    lowest over all groups, and it only moves forward: new entries get higher ids and
    pending entries only leave. Returns the number of entries removed.
    """
    groups = await client.xinfo_groups(keys.ORDER_STREAM)
    if not groups:
        return 0
    keep_from = []
    for g in groups:
        oldest_pending = None
        if int(g["pending"]) > 0:
            # None if they were all acknowledged since XINFO: then last-delivered is safe.
            oldest_pending = (await client.xpending(keys.ORDER_STREAM, g["name"]))["min"]
        keep_from.append(oldest_pending or g["last-delivered-id"])
    threshold = min(keep_from, key=_id)
    if threshold == "0-0":
        return 0
    return await client.xtrim(keys.ORDER_STREAM, minid=threshold, approximate=False)
