"""Deciding a batch of stream entries: one pipelined round trip of decide_order.lua calls (reserve),
and the lifecycle's later steps for many orders at once (`run_steps`).

A batch is always one shard's (read from that shard's stream), so every step in it has that shard's
keys. On a Redis Cluster the steps are not pipelined: redis-py's cluster pipeline does not carry
scripts (EVALSHA), so they are sent concurrently instead, one call each (`_run_calls`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ticketing_common import keys, lifecycle
from ticketing_common.lifecycle import Call
from ticketing_common.order_record import utc_timestamp
from ticketing_common.redis_client import AsyncClient, script_pipeline_safe
from ticketing_common.status import DecisionOutcome

from .scripts import Scripts

DEAD_LETTER_MAXLEN = 100_000

# An entry as XRANGE, XREADGROUP and XAUTOCLAIM return it with decode_responses=True: (id, fields),
# fields None for an entry deleted meanwhile. redis-py types it bytes|str, so callers cast to this.
RawEntry = tuple[str, dict[str, str] | None]


@dataclass(frozen=True)
class StreamEntry:
    entry_id: str
    order_id: str | None  # None: the entry has no order id (malformed) or was deleted

    @property
    def enqueued_at(self) -> float:
        """When the gateway added the entry: stream ids start with a millisecond timestamp."""
        return int(self.entry_id.split("-", 1)[0]) / 1000


ONE_SHARD = keys.Shards(1)


def parse_entries(raw: Sequence[RawEntry], shard: int = 0) -> list[StreamEntry]:
    """Entries of shard `shard`'s stream as XREADGROUP and XAUTOCLAIM return them: [(id, {field: value}
    or None), ...]. An order id that names another shard is taken for none: its order's keys are another
    shard's, so no step of this shard can decide it (it is dead-lettered as malformed)."""
    entries = []
    for entry_id, fields in raw:
        order_id = (fields or {}).get(keys.STREAM_ORDER_ID_FIELD)
        if order_id is not None and keys.shard_of_order(order_id) != shard:
            order_id = None
        entries.append(StreamEntry(entry_id, order_id))
    return entries


async def _run_calls(client: Any, calls: Sequence[Callable[[Any], Awaitable[Any]]]) -> list[Any]:
    """Run script calls in one round trip: a pipeline on one Redis; concurrently on a cluster (no scripts
    in its pipelines). Per call its reply or the error it raised, in order."""
    if not script_pipeline_safe(client):
        return list(await asyncio.gather(*(call(client) for call in calls), return_exceptions=True))
    pipe = client.pipeline(transaction=False)
    for call in calls:
        await call(pipe)
    return await pipe.execute(raise_on_error=False)


async def decide_batch(
    client: AsyncClient,
    scripts: Scripts,
    entries: list[StreamEntry],
    order_ttl: int,
    hold_ms: int = 900_000,
    *,
    shard: int = 0,
    shards: keys.Shards = ONE_SHARD,
) -> list[tuple[str, str] | Exception]:
    """Reserve (or reject) every entry's order; per entry, (outcome, detail) from decide_order.lua or
    the error it raised.

    Entries without an order id cannot ever be decided and go straight to the dead-letter
    stream (outcome `DecisionOutcome.MALFORMED`). An entry whose script failed stays unacknowledged: it is
    retried by recovery and dead-lettered after too many deliveries.
    """
    now = utc_timestamp()

    def step(entry: StreamEntry) -> Callable[[Any], Awaitable[Any]]:
        if entry.order_id is None:
            # Just delivered to us: any idle time, one delivery is enough to give up on it.
            return lambda c: dead_letter(
                c,
                scripts,
                entry,
                min_deliveries=1,
                min_idle_ms=0,
                order_ttl=order_ttl,
                now=now,
                shard=shard,
                shards=shards,
            )
        step_keys, args = lifecycle.reserve_call(
            entry.order_id, entry_id=entry.entry_id, now=now, order_ttl=order_ttl, hold_ms=hold_ms, shards=shards
        )
        return lambda c: scripts.decide_order(keys=step_keys, args=args, client=c)

    results = await _run_calls(client, [step(entry) for entry in entries])
    return [
        (DecisionOutcome.MALFORMED, "")
        if entry.order_id is None and not isinstance(result, Exception)
        else result
        if isinstance(result, Exception)
        else (result[0], result[1])
        for entry, result in zip(entries, results, strict=True)
    ]


async def dead_letter(
    client: AsyncClient,
    scripts: Scripts,
    entry: StreamEntry,
    *,
    min_deliveries: int,
    min_idle_ms: int,
    order_ttl: int,
    now: str | None = None,
    shard: int = 0,
    shards: keys.Shards = ONE_SHARD,
) -> Any:  # the script's int; the pipeline itself when queued on one (decide_batch)
    """Move an entry to the dead-letter stream and fail its order if still pending (dead_letter.lua).

    Only if, when the script runs, the entry is still pending, idle for `min_idle_ms` and delivered
    `min_deliveries` times: an entry another worker claimed meanwhile is left to it (returns -1).
    `shard` is the shard whose stream holds the entry (`parse_entries` made sure its order id is of it).
    """
    step_keys, args = lifecycle.dead_letter_call(
        entry.order_id or "",
        entry_id=entry.entry_id,
        min_deliveries=min_deliveries,
        now=now or utc_timestamp(),
        order_ttl=order_ttl,
        dead_letter_maxlen=DEAD_LETTER_MAXLEN,
        min_idle_ms=min_idle_ms,
        shard=shard,
        shards=shards,
    )
    return await scripts.dead_letter(keys=step_keys, args=args, client=client)


async def run_steps(client: AsyncClient, steps: Sequence[tuple[Any, Call]]) -> list[tuple[str, str] | Exception]:
    """Run lifecycle steps (script, its KEYS and ARGV) for many orders in one pipelined round trip:
    per step, (outcome, detail) or the error it raised."""

    def call(script: Any, step_keys: list[str], args: list[str | int]) -> Callable[[Any], Awaitable[Any]]:
        return lambda c: script(keys=step_keys, args=args, client=c)

    results = await _run_calls(client, [call(script, step_keys, args) for script, (step_keys, args) in steps])
    return [r if isinstance(r, Exception) else (r[0], r[1]) for r in results]
