"""A read-only snapshot of the system for the dashboard: backlog, totals, workers, stock."""

from __future__ import annotations

from typing import Any

import redis

from ticketing_common import keys
from ticketing_common.backlog import group_backlog, queue_backlog_reads
from ticketing_common.order_record import utc_timestamp

from .catalogue import Catalogue
from .models import ConsumerStatus, StockStatus, StreamStatus, SystemStatus, Totals, WorkerStatus


def totals(stream_info: dict[str, Any] | Exception, groups: list[dict[str, Any]] | Exception, backlog: dict) -> Totals:
    """Orders accepted (the stream's entries-added) and acknowledged by the group (entries-read - pending).

    Both restart at a reset (the stream is deleted). Redis reports entries-read as nil before the
    group's first read (and when it cannot tell): then what was read is what was added less the lag.
    """
    accepted = int(stream_info.get("entries-added") or 0) if isinstance(stream_info, dict) else 0
    group = next(
        (g for g in (groups if isinstance(groups, list) else []) if g.get("name") == keys.CONSUMER_GROUP), None
    )
    if group is None:
        return Totals(accepted=accepted, decided=0)
    read = group.get("entries-read")
    read = accepted - backlog["lag"] if read is None else int(read)
    return Totals(accepted=accepted, decided=max(min(read, accepted) - backlog["pending"], 0))


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
    (length, groups, consumers, dead, initial, available, sold, held, stream_info, now, heartbeats, decided) = (
        pipe.execute(raise_on_error=False)
    )
    # Before the first order (no stream) or the first worker (no group), XINFO answers an
    # error: there is simply nothing to report yet. Any other read failing is a real error.
    for reply in (length, dead, initial, available, sold, held, now, heartbeats, decided):
        if isinstance(reply, Exception):
            raise reply
    backlog = group_backlog(groups, length)
    consumers = consumers if isinstance(consumers, list) else []
    seconds, micros = now
    return SystemStatus(
        time=utc_timestamp(),
        stream=StreamStatus(**backlog, deadLetter=dead),
        totals=totals(stream_info, groups, backlog),
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
