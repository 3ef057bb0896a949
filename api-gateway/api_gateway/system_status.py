"""A read-only snapshot of the system for the dashboard: backlog, totals, workers, stock."""

from __future__ import annotations

from typing import Any

import redis
from pydantic import BaseModel

from ticketing_common import keys
from ticketing_common.backlog import group_backlog, queue_backlog_reads
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
    orders ended per status and charges per outcome (the hashes keys.TOTALS_ENDED, TOTALS_PAYMENTS).

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


def system_status(client: redis.Redis, catalogue: Catalogue) -> SystemStatus:
    ids = [t.id for t in catalogue.tickets]
    # MULTI: a lifecycle step moves tickets between the stock hashes atomically; read apart, they
    # could show a drift that is not there.
    pipe = client.pipeline(transaction=True)
    queue_backlog_reads(pipe)
    pipe.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)
    pipe.xlen(keys.DEAD_LETTER_STREAM)
    pipe.hmget(keys.STOCK_INITIAL, ids)
    pipe.hmget(keys.STOCK, ids)
    pipe.hmget(keys.STOCK_SOLD, ids)
    pipe.hmget(keys.STOCK_HELD, ids)
    pipe.xinfo_stream(keys.ORDER_STREAM)
    # Redis's clock: the heartbeats are written on it.
    pipe.time()
    pipe.zrange(keys.CONSUMER_HEARTBEATS, 0, -1, withscores=True)
    pipe.hgetall(keys.CONSUMER_DECIDED)
    pipe.hgetall(keys.TOTALS_ENDED)
    pipe.hgetall(keys.TOTALS_PAYMENTS)
    (
        length,
        groups,
        consumers,
        dead,
        initial,
        available,
        sold,
        held,
        stream_info,
        now,
        heartbeats,
        decided,
        ended,
        payments,
    ) = pipe.execute(raise_on_error=False)
    # Before the first order (no stream) or the first worker (no group), XINFO answers an
    # error: there is simply nothing to report yet. Any other read failing is a real error.
    for reply in (length, dead, initial, available, sold, held, now, heartbeats, decided, ended, payments):
        if isinstance(reply, Exception):
            raise reply
    backlog = group_backlog(groups, length)
    consumers = consumers if isinstance(consumers, list) else []
    seconds, micros = now
    return SystemStatus(
        time=utc_timestamp(),
        stream=StreamStatus(**backlog, deadLetter=dead),
        totals=totals(stream_info, groups, backlog, ended, payments),
        consumers=sorted(
            (ConsumerStatus(name=c["name"], pending=int(c["pending"]), idleMs=int(c["idle"])) for c in consumers),
            key=lambda c: c.name,
        ),
        workers=workers(seconds * 1000 + micros // 1000, heartbeats, decided),
        stock=[
            StockStatus(
                ticketId=t.id,
                type=t.type,
                initial=int(i or 0),
                available=int(a or 0),
                held=int(h or 0),
                sold=int(s or 0),
                drift=int(i or 0) - int(a or 0) - int(h or 0) - int(s or 0),
            )
            for t, i, a, s, h in zip(catalogue.tickets, initial, available, sold, held, strict=True)
        ],
    )
