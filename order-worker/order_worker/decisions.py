"""Deciding a batch of stream entries: one pipelined round trip of decide_order.lua calls (reserve),
and the lifecycle's later steps for many orders at once (`run_steps`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis

from ticketing_common import keys, lifecycle
from ticketing_common.lifecycle import Call
from ticketing_common.order_record import utc_timestamp
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


def parse_entries(raw: Sequence[RawEntry]) -> list[StreamEntry]:
    """Entries as XREADGROUP and XAUTOCLAIM return them: [(id, {field: value} or None), ...]."""
    return [StreamEntry(entry_id, (fields or {}).get(keys.STREAM_ORDER_ID_FIELD)) for entry_id, fields in raw]


async def decide_batch(
    client: redis.Redis, scripts: Scripts, entries: list[StreamEntry], order_ttl: int, hold_ms: int = 900_000
) -> list[tuple[str, str] | Exception]:
    """Reserve (or reject) every entry's order; per entry, (outcome, detail) from decide_order.lua or
    the error it raised.

    Entries without an order id cannot ever be decided and go straight to the dead-letter
    stream (outcome `DecisionOutcome.MALFORMED`). An entry whose script failed stays unacknowledged: it is
    retried by recovery and dead-lettered after too many deliveries.
    """
    now = utc_timestamp()
    pipe = client.pipeline(transaction=False)
    for entry in entries:
        if entry.order_id is None:
            # Just delivered to us: any idle time, one delivery is enough to give up on it.
            await dead_letter(pipe, scripts, entry, min_deliveries=1, min_idle_ms=0, order_ttl=order_ttl, now=now)
        else:
            step_keys, args = lifecycle.reserve_call(
                entry.order_id, entry_id=entry.entry_id, now=now, order_ttl=order_ttl, hold_ms=hold_ms
            )
            await scripts.decide_order(keys=step_keys, args=args, client=pipe)
    results = await pipe.execute(raise_on_error=False)
    return [
        (DecisionOutcome.MALFORMED, "")
        if entry.order_id is None and not isinstance(result, Exception)
        else result
        if isinstance(result, Exception)
        else (result[0], result[1])
        for entry, result in zip(entries, results, strict=True)
    ]


async def dead_letter(
    client: redis.Redis,
    scripts: Scripts,
    entry: StreamEntry,
    *,
    min_deliveries: int,
    min_idle_ms: int,
    order_ttl: int,
    now: str | None = None,
) -> Any:  # the script's int; the pipeline itself when queued on one (decide_batch)
    """Move an entry to the dead-letter stream and fail its order if still pending (dead_letter.lua).

    Only if, when the script runs, the entry is still pending, idle for `min_idle_ms` and delivered
    `min_deliveries` times: an entry another worker claimed meanwhile is left to it (returns -1).
    """
    step_keys, args = lifecycle.dead_letter_call(
        entry.order_id or "",
        entry_id=entry.entry_id,
        min_deliveries=min_deliveries,
        now=now or utc_timestamp(),
        order_ttl=order_ttl,
        dead_letter_maxlen=DEAD_LETTER_MAXLEN,
        min_idle_ms=min_idle_ms,
    )
    return await scripts.dead_letter(keys=step_keys, args=args, client=client)


async def run_steps(client: redis.Redis, steps: Sequence[tuple[Any, Call]]) -> list[tuple[str, str] | Exception]:
    """Run lifecycle steps (script, its KEYS and ARGV) for many orders in one pipelined round trip:
    per step, (outcome, detail) or the error it raised."""
    pipe = client.pipeline(transaction=False)
    for script, (step_keys, args) in steps:
        await script(keys=step_keys, args=args, client=pipe)
    results = await pipe.execute(raise_on_error=False)
    return [r if isinstance(r, Exception) else (r[0], r[1]) for r in results]
