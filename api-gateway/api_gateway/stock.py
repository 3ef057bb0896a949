"""The stock in Redis: initialised from the catalogue at start, and again if Redis comes back empty.

The check runs in a small background thread of each gunicorn worker (StockKeeper), not in the
readiness probe: a probe must only read, or at Redis's maxmemory every gateway's readiness
fails at once; and not on the intake path, which should cost one round trip per order.
"""

from __future__ import annotations

import logging

import redis

from ticketing_common import keys

from .catalogue import Catalogue
from .periodic import PeriodicStep

log = logging.getLogger(__name__)


def initialise_stock(client: redis.Redis, catalogue: Catalogue, shards: keys.Shards = keys.ONE_SHARD) -> int:
    """Give every catalogue ticket its initial stock, unless it already has one.

    Idempotent, so that restarting the gateway or running many replicas never resets
    stock that was sold: HSETNX writes a ticket's stock only where none exists, and
    the initial stock beside it in the same transaction, so the two always agree.
    Returns how many tickets were initialised now. The stock is in the shard of the catalogue's event.
    """
    # TODO(events): per event of the catalogue, each in its shard.
    k = shards.of_event(catalogue.sale_id)
    pipe = client.pipeline(transaction=True)
    for t in catalogue.tickets:
        pipe.hsetnx(shards.stock(k), t.id, t.stock)
        pipe.hsetnx(shards.stock_initial(k), t.id, t.stock)
    results = pipe.execute()
    return sum(results[0::2])


class StockKeeper(PeriodicStep):
    """Every `interval` seconds, give the catalogue's stock again to a Redis that lost it.

    Reads only (EXISTS) while the stock is there, so it writes nothing at maxmemory; when the
    stock is gone (a Redis restarted without its data), initialise_stock writes it, idempotently,
    so several gateways doing it at once agree.
    """

    def __init__(
        self, client: redis.Redis, catalogue: Catalogue, interval: float, shards: keys.Shards = keys.ONE_SHARD
    ) -> None:
        super().__init__(self.check, interval, name="stock-keeper", what="stock check")
        self.client = client
        self.catalogue = catalogue
        self.shards = shards

    def check(self) -> int:
        """One check: how many tickets were initialised now (0 while the stock is there)."""
        if self.client.exists(self.shards.stock(self.shards.of_event(self.catalogue.sale_id))):
            return 0
        initialised = initialise_stock(self.client, self.catalogue, self.shards)
        if initialised:
            log.warning(
                "the stock was missing in redis; initialised again from the catalogue", extra={"tickets": initialised}
            )
        return initialised
