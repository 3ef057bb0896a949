"""A read-only snapshot of the system for the dashboard: backlog, totals, workers, stock."""

from __future__ import annotations

from typing import Any

import redis
from pydantic import BaseModel

from ticketing_common import keys
from ticketing_common.backlog import group_backlog, queue_backlog_reads, sum_backlogs
from ticketing_common.order_record import utc_timestamp

from .catalogue import Catalogue
from .models import (
    ConsumerStatus,
    EndedTotals,
    PaymentTotals,
    StockStatus,
    StreamStatus,
    SystemStatus,
    Totals,
    WorkerStatus,
)


def totals(
    stream_info: dict[str, Any] | Exception,
    groups: list[dict[str, Any]] | Exception,
    backlog: dict,
    ended: dict[str, str],
    payments: dict[str, str],
) -> Totals:
    """Orders accepted (the stream's entries-added) and acknowledged by the group (entries-read - pending);
    orders ended per status and charges per outcome (the shard's totals hashes), for one shard.

    Both restart at a reset (the stream is deleted). Redis reports entries-read as nil before the
    group's first read (and when it cannot tell): then what was read is what was added less the lag.
    """
    accepted = int(stream_info.get("entries-added") or 0) if isinstance(stream_info, dict) else 0
    group = next(
        (g for g in (groups if isinstance(groups, list) else []) if g.get("name") == keys.CONSUMER_GROUP), None
    )
    by_status = EndedTotals(**counts(ended, EndedTotals))
    paid = PaymentTotals(**counts(payments, PaymentTotals))
    if group is None:
        return Totals(accepted=accepted, decided=0, byStatus=by_status, payments=paid)
    read = group.get("entries-read")
    read = accepted - backlog["lag"] if read is None else int(read)
    decided = max(min(read, accepted) - backlog["pending"], 0)
    return Totals(accepted=accepted, decided=decided, byStatus=by_status, payments=paid)


def counts(raw: dict[str, str], model: type[BaseModel]) -> dict[str, int]:
    """A totals hash (keys.TOTALS_ENDED, TOTALS_PAYMENTS) as the model's counts: a word not counted yet is 0
    (the fields are status.py's words; a test checks they agree)."""
    return {word: int(raw.get(word) or 0) for word in model.model_fields}


def workers(now_ms: int, heartbeats: list[tuple[str, float]], decided: dict[str, str]) -> list[WorkerStatus]:
    """The heartbeat registry: each running worker with its heartbeat's age and its decisions so far."""
    return [
        WorkerStatus(name=name, heartbeatAgeMs=max(now_ms - int(beat), 0), decided=int(decided.get(name) or 0))
        for name, beat in sorted(heartbeats)
    ]


def _sum_totals(parts: list[Totals]) -> Totals:
    """The system's totals: every shard's summed."""

    def summed(model: type[BaseModel], field: str) -> dict[str, int]:
        return {word: sum(getattr(getattr(t, field), word) for t in parts) for word in model.model_fields}

    return Totals(
        accepted=sum(t.accepted for t in parts),
        decided=sum(t.decided for t in parts),
        byStatus=EndedTotals(**summed(EndedTotals, "byStatus")),
        payments=PaymentTotals(**summed(PaymentTotals, "payments")),
    )


def _shard_reads(client: redis.Redis, shards: keys.Shards, k: int, ids: list[str]) -> list[Any]:
    # MULTI: a lifecycle step moves tickets between the stock hashes atomically; read apart, they
    # could show a drift that is not there. One per shard: a transaction cannot span two on a cluster.
    pipe = client.pipeline(transaction=True)
    queue_backlog_reads(pipe, shards, k)
    pipe.xinfo_consumers(shards.order_stream(k), keys.CONSUMER_GROUP)
    pipe.xlen(shards.dead_letter_stream(k))
    pipe.hmget(shards.stock_initial(k), ids)
    pipe.hmget(shards.stock(k), ids)
    pipe.hmget(shards.stock_sold(k), ids)
    pipe.hmget(shards.stock_held(k), ids)
    pipe.xinfo_stream(shards.order_stream(k))
    pipe.hgetall(shards.totals_ended(k))
    pipe.hgetall(shards.totals_payments(k))
    replies = pipe.execute(raise_on_error=False)
    # Before the first order (no stream) or the first worker (no group), XINFO answers an
    # error: there is simply nothing to report yet. Any other read failing is a real error.
    length, _groups, _consumers, *others, _stream_info, ended, payments = replies
    for reply in (length, *others, ended, payments):
        if isinstance(reply, Exception):
            raise reply
    return replies


def system_status(client: redis.Redis, catalogue: Catalogue, shards: keys.Shards = keys.ONE_SHARD) -> SystemStatus:
    """The dashboard's snapshot: every shard's figures summed (stock per ticket, from the shard that
    has it: an absent ticket reads 0), consumers merged (every worker reads every shard's stream)."""
    ids = [t.id for t in catalogue.tickets]
    zeros = [0] * len(ids)
    initial, available, sold, held = list(zeros), list(zeros), list(zeros), list(zeros)
    backlogs: list[dict[str, int]] = []
    parts: list[Totals] = []
    dead = 0
    consumer_pending: dict[str, int] = {}
    consumer_idle: dict[str, int] = {}
    for k in shards:
        length, groups, consumers, dead_k, i_k, a_k, s_k, h_k, stream_info, ended, payments = _shard_reads(
            client, shards, k, ids
        )
        backlog = group_backlog(groups, length)
        backlogs.append(backlog)
        parts.append(totals(stream_info, groups, backlog, ended, payments))
        dead += int(dead_k)
        for figures, read in ((initial, i_k), (available, a_k), (sold, s_k), (held, h_k)):
            for j, value in enumerate(read):
                figures[j] += int(value or 0)
        for c in consumers if isinstance(consumers, list) else []:
            name = c["name"]
            consumer_pending[name] = consumer_pending.get(name, 0) + int(c["pending"])
            consumer_idle[name] = min(consumer_idle.get(name, int(c["idle"])), int(c["idle"]))
    # Redis's clock: the heartbeats are written on it. (A command of its own: on a cluster a pipeline
    # routes by key, and TIME has none.)
    now = client.time()
    pipe = client.pipeline(transaction=False)
    pipe.zrange(keys.CONSUMER_HEARTBEATS, 0, -1, withscores=True)
    pipe.hgetall(keys.CONSUMER_DECIDED)
    heartbeats, decided = pipe.execute()
    seconds, micros = now
    return SystemStatus(
        time=utc_timestamp(),
        stream=StreamStatus(**sum_backlogs(backlogs), deadLetter=dead),
        totals=_sum_totals(parts),
        consumers=[
            ConsumerStatus(name=name, pending=consumer_pending[name], idleMs=consumer_idle[name])
            for name in sorted(consumer_pending)
        ],
        workers=workers(seconds * 1000 + micros // 1000, heartbeats, decided),
        stock=[
            StockStatus(
                ticketId=t.id,
                type=t.type,
                initial=i,
                available=a,
                held=h,
                sold=s,
                drift=i - a - h - s,
            )
            for t, i, a, s, h in zip(catalogue.tickets, initial, available, sold, held, strict=True)
        ],
    )
