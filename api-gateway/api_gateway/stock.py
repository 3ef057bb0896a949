"""The stock in Redis: the catalogue seeded and every event's stock initialised at start, and again if
Redis (or one shard's node) comes back empty.

The check runs in a small background thread of each gunicorn worker (StockKeeper), not in the
readiness probe: a probe must only read, or at Redis's maxmemory every gateway's readiness
fails at once; and not on the intake path, which should cost one round trip per order.
"""

from __future__ import annotations

import logging

import redis
from redis.commands.core import Script

from ticketing_common import keys

from .catalogue import Catalogue, initialise_all_stock, seed_catalogue
from .periodic import PeriodicStep

log = logging.getLogger(__name__)

ONE_SHARD = keys.ONE_SHARD


def initialise_stock(
    client: redis.Redis, seed: Catalogue, shards: keys.Shards = ONE_SHARD, script: Script | None = None
) -> int:
    """Write the seed's events Redis does not have, then give every event's tickets their stock where
    they have none, and finish any organiser's write a crash left half-way (with `script`).

    Idempotent, so that restarting the gateway or running many replicas never resets stock that was
    sold: HSETNX writes a ticket's stock only where none exists, and its initial stock beside it in the
    same transaction, so the two always agree. Returns how many tickets were initialised now.
    """
    _, stocked = seed_catalogue(client, shards, seed)
    return stocked + initialise_all_stock(client, script, shards)


class StockKeeper(PeriodicStep):
    """Every `interval` seconds, give the catalogue and its stock again to a Redis that lost them.

    Reads only (one HLEN of the ticket map and one of each shard's stock) while every ticket has its
    stock, so it writes nothing at maxmemory; when tickets are missing (a Redis, or a cluster node,
    restarted without its data), initialise_stock writes them, idempotently, so several gateways doing
    it at once agree. A write claimed but not finished (its stock not written yet) also counts as
    missing: finishing it is idempotent too.
    """

    def __init__(
        self,
        client: redis.Redis,
        seed: Catalogue,
        interval: float,
        shards: keys.Shards = ONE_SHARD,
        script: Script | None = None,
    ) -> None:
        super().__init__(self.check, interval, name="stock-keeper", what="stock check")
        self.client, self.seed, self.shards, self.script = client, seed, shards, script

    def check(self) -> int:
        """One check: how many tickets were initialised now (0 while the stock is there)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hlen(keys.CATALOGUE_TICKETS)
        for shard in self.shards:
            pipe.hlen(self.shards.stock(shard))
        tickets, *stocked = pipe.execute()
        if tickets and sum(stocked) >= tickets:
            return 0
        initialised = initialise_stock(self.client, self.seed, self.shards, self.script)
        if initialised:
            log.warning(
                "the stock was missing in redis; initialised again from the catalogue", extra={"tickets": initialised}
            )
        return initialised
