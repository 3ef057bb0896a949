"""THE RECOVERY POLICY: what happens to entries a worker took and never acknowledged.

Run by every worker every WORKER_RECOVERY_INTERVAL_MS, on every shard's stream in turn (each step
below is per shard: its keys are one shard's; the heartbeat is the worker's, global):
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
from ticketing_common.redis_client import AsyncClient

from .decisions import ONE_SHARD, RawEntry, StreamEntry, dead_letter, parse_entries
from .scripts import Scripts


def stream_was_reset(error: redis.ResponseError) -> bool:
    """Whether Redis refused because the stream or its group is gone: a reset, or no worker yet.

    NOGROUP (no group), "no such key" (XINFO on a missing stream), "requires the key to exist"
    (XGROUP CREATECONSUMER on a missing stream), and UNBLOCKED (a blocking read whose stream or
    group was deleted under it, as a reset does). Not a worker error.
    """
    message = str(error)
    return (
        "NOGROUP" in message
        or "no such key" in message.lower()
        or "requires the key to exist" in message
        or ("UNBLOCKED" in message and "no longer exists" in message)
    )


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
    client: AsyncClient,
    scripts: Scripts,
    *,
    min_idle_ms: int,
    max_deliveries: int,
    count: int,
    order_ttl: int,
    shard: int = 0,
    shards: keys.Shards = ONE_SHARD,
) -> int:
    """Step 1, on shard `shard`: dead-letter idle entries delivered `max_deliveries` times (their orders
    failed, any held stock released). Returns how many. An order failed while paying is noted as a refund
    due by the dead-letter script itself (the shard's refunds:due), in the same step."""
    stream = shards.order_stream(shard)
    pending = cast(
        "list[PendingEntry]",
        await client.xpending_range(stream, keys.CONSUMER_GROUP, min="-", max="+", count=count, idle=min_idle_ms),
    )
    moved = 0
    for p in pending:
        if p["times_delivered"] < max_deliveries:
            continue
        entry_id = p["message_id"]
        found = cast("list[RawEntry] | None", await client.xrange(stream, entry_id, entry_id))
        entry = parse_entries(found, shard)[0] if found else StreamEntry(entry_id, None)
        # -1: another worker got there first: it dead-lettered, decided or claimed the entry since
        # the XPENDING read (the script checks pending, idle time and deliveries again).
        result = await dead_letter(
            client,
            scripts,
            entry,
            min_deliveries=max_deliveries,
            min_idle_ms=min_idle_ms,
            order_ttl=order_ttl,
            shard=shard,
            shards=shards,
        )
        if result != -1:
            moved += 1
    return moved


async def claim_idle(
    client: AsyncClient,
    consumer: str,
    *,
    min_idle_ms: int,
    count: int,
    shard: int = 0,
    shards: keys.Shards = ONE_SHARD,
) -> list[StreamEntry]:
    """Step 2, on shard `shard`: take over up to `count` entries idle for `min_idle_ms` in any consumer's
    pending list of the shard's stream."""
    _cursor, claimed, *_deleted = await client.xautoclaim(
        shards.order_stream(shard),
        keys.CONSUMER_GROUP,
        consumer,
        min_idle_time=min_idle_ms,
        start_id="0-0",
        count=count,
    )
    return parse_entries(claimed, shard)


async def heartbeat(client: AsyncClient, scripts: Scripts, me: str, *, stale_ms: int, decided: int = 0) -> int:
    """Say this worker is alive, with the orders it has `decided` so far (heartbeat.lua, on Redis's
    clock). Returns the heartbeat, ms."""
    return await scripts.heartbeat(
        keys=[keys.CONSUMER_HEARTBEATS, keys.CONSUMER_DECIDED], args=[me, stale_ms, decided], client=client
    )


async def forget_if_dead(client: AsyncClient, scripts: Scripts, name: str, *, stale_ms: int) -> bool:
    """Drop `name`'s heartbeat and decided count if its heartbeat is missing or `stale_ms` old (a dead
    worker, forget_consumer.lua on the {consumers} keys). Whether it was dead; False: alive, kept."""
    dead = await scripts.forget_consumer(
        keys=[keys.CONSUMER_HEARTBEATS, keys.CONSUMER_DECIDED], args=[name, stale_ms], client=client
    )
    return dead == 1


async def remove_from_group(
    client: AsyncClient, scripts: Scripts, name: str, *, shard: int = 0, shards: keys.Shards = ONE_SHARD
) -> bool:
    """Remove `name` from shard `shard`'s group unless it holds entries there (remove_idle_consumer.lua).
    Whether it is out of that group now."""
    removed = await scripts.remove_idle_consumer(
        keys=[shards.order_stream(shard)], args=[keys.CONSUMER_GROUP, name], client=client
    )
    return removed == 1


async def remove_idle_consumer(
    client: AsyncClient,
    scripts: Scripts,
    name: str,
    *,
    stale_ms: int,
    shards: keys.Shards = ONE_SHARD,
    only: list[int] | None = None,
) -> int:
    """Remove `name` from the group of every shard (or of the shards `only`) where it holds nothing, if its
    heartbeat is missing or `stale_ms` old. Two steps, as the keys are in two slots: the heartbeat is
    checked and dropped first (with its decided count), then each shard's group is left.

    1 removed everywhere asked, 0 it still holds entries in some shard (left there, for the others to
    reclaim), -1 it is alive: nothing removed.
    """
    if not await forget_if_dead(client, scripts, name, stale_ms=stale_ms):
        return -1
    removed = [
        await remove_from_group(client, scripts, name, shard=k, shards=shards)
        for k in (shards.all() if only is None else only)
    ]
    return 1 if all(removed) else 0


async def remove_stale_consumers(
    client: AsyncClient, scripts: Scripts, me: str, *, stale_ms: int, shards: keys.Shards = ONE_SHARD
) -> list[str]:
    """Step 3: remove dead consumers from the groups of the shards where they hold no entry. Returns the
    names removed from every group where they were found quiet.

    XINFO's idle time (since the consumer last got an entry) only preselects: a live worker
    waiting for orders is idle too, and its fresh heartbeat keeps it. A shard without a stream or
    group yet (nothing queued there since a reset) has nothing to remove.
    """
    quiet: dict[str, list[int]] = {}
    for k in shards:
        try:
            consumers = await client.xinfo_consumers(shards.order_stream(k), keys.CONSUMER_GROUP)
        except redis.ResponseError as e:
            if stream_was_reset(e):
                continue  # no stream or group on this shard yet
            raise
        for c in consumers:
            if c["name"] != me and int(c["pending"]) == 0 and int(c["idle"]) >= stale_ms:
                quiet.setdefault(c["name"], []).append(k)
    removed = []
    for name, shards_quiet in quiet.items():
        if await remove_idle_consumer(client, scripts, name, stale_ms=stale_ms, shards=shards, only=shards_quiet) == 1:
            removed.append(name)
    return removed


async def leave(client: AsyncClient, scripts: Scripts, me: str, *, shards: keys.Shards = ONE_SHARD) -> bool:
    """A worker stopping gracefully: drop its heartbeat and count and, where it holds nothing, its consumer.

    Entries it still holds stay pending in its name; without a heartbeat the others treat it
    as dead and reclaim them after WORKER_CLAIM_IDLE_MS. Returns whether the consumer was removed
    from every shard's group. A shard without its stream yet is skipped.
    """
    await forget_if_dead(client, scripts, me, stale_ms=0)
    removed = True
    for k in shards:
        try:
            removed = await remove_from_group(client, scripts, me, shard=k, shards=shards) and removed
        except redis.ResponseError as e:
            if not stream_was_reset(e):
                raise
    return removed


def _id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def trim_acknowledged(client: AsyncClient, *, shard: int = 0, shards: keys.Shards = ONE_SHARD) -> int:
    """Step 4, on shard `shard`: drop the entries every group has acknowledged; never one still needed.

    For each group, everything before its oldest pending entry (or, with nothing
    pending, up to its last delivered entry) is acknowledged. The safe point is the
    lowest over all groups, and it only moves forward: new entries get higher ids and
    pending entries only leave. Returns the number of entries removed.
    """
    stream = shards.order_stream(shard)
    groups = await client.xinfo_groups(stream)
    if not groups:
        return 0
    keep_from = []
    for g in groups:
        oldest_pending = None
        if int(g["pending"]) > 0:
            # None if they were all acknowledged since XINFO: then last-delivered is safe.
            oldest_pending = (await client.xpending(stream, g["name"]))["min"]
        keep_from.append(oldest_pending or g["last-delivered-id"])
    threshold = min(keep_from, key=_id)
    if threshold == "0-0":
        return 0
    return await client.xtrim(stream, minid=threshold, approximate=False)
