"""A read-only snapshot of the system for the dashboard: backlog, workers, stock."""

from __future__ import annotations

import redis

from ticketing_common import keys
from ticketing_common.backlog import group_backlog, queue_backlog_reads
from ticketing_common.order_record import utc_timestamp

from .catalogue import Catalogue
from .models import ConsumerStatus, StockStatus, StreamStatus, SystemStatus


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
    length, groups, consumers, dead, initial, available, sold, held = pipe.execute(raise_on_error=False)
    # Before the first order (no stream) or the first worker (no group), XINFO answers an
    # error: there is simply nothing to report yet.
    backlog = group_backlog(groups, length)
    consumers = consumers if isinstance(consumers, list) else []
    return SystemStatus(
        time=utc_timestamp(),
        stream=StreamStatus(**backlog, deadLetter=dead),
        consumers=sorted(
            (ConsumerStatus(name=c["name"], pending=int(c["pending"]), idleMs=int(c["idle"])) for c in consumers),
            key=lambda c: c.name,
        ),
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
