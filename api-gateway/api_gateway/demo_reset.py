"""The demo reset (`make reset`): every order deleted, the stock back to the catalogue, safe under load."""

from __future__ import annotations

import redis

from ticketing_common import keys, order_record

from .catalogue import Catalogue


def reset_demo(client: redis.Redis, catalogue: Catalogue, shards: keys.Shards = keys.ONE_SHARD) -> int:
    """Delete every order, the order streams, the stock and the holds, then initialise the stock afresh,
    in every shard.

    An explicit operator action (``python -m api_gateway reset-demo``), never done at start.
    Safe while orders arrive and workers decide: per shard, one transaction increments the shard's stock
    generation, drops its streams and resets its stock. Every order is stamped with the generation of its
    shard it was accepted in (enqueue_order.lua), and decide_order.lua only acknowledges an order of
    another generation ('stale'), so an order read before the reset can never be decided against the
    fresh stock. Then only the order hashes of older generations are deleted; an order accepted after
    the transaction is kept and decided normally. Shards are reset one after the other: each on its own
    is atomic, and no step ever spans two.
    Returns the number of orders deleted.
    """
    # Each event's stock is in its shard (the catalogue records say which).
    by_shard = catalogue.tickets_by_shard()
    deleted = 0
    for k in shards:
        pipe = client.pipeline(transaction=True)
        pipe.incr(shards.generation(k))
        # Holds too: the orders holding them are of the old generation, and every lifecycle step refuses those.
        pipe.unlink(
            shards.order_stream(k),
            shards.dead_letter_stream(k),
            shards.stock(k),
            shards.stock_initial(k),
            shards.stock_sold(k),
            shards.stock_held(k),
            shards.holds(k),
            shards.totals_ended(k),
            shards.totals_payments(k),
        )
        for t in by_shard.get(k, []):
            pipe.hset(shards.stock(k), t.id, t.stock)
            pipe.hset(shards.stock_initial(k), t.id, t.stock)
        generation = pipe.execute()[0]
        deleted += _delete_orders_older(client, shards.order_prefix(k), generation)
    return deleted


def _delete_orders_older(client: redis.Redis, order_prefix: str, generation: int) -> int:
    """Delete the order hashes under `order_prefix` (one shard's) of a generation before `generation`."""
    deleted = 0
    batch: list[str] = []
    for key in client.scan_iter(match=order_prefix + "*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            deleted += _delete_older(client, batch, generation)
            batch.clear()
    if batch:
        deleted += _delete_older(client, batch, generation)
    return deleted


def _delete_older(client: redis.Redis, order_keys: list[str], generation: int) -> int:
    """Delete the orders among `order_keys` stamped with a generation before `generation`.

    An order's generation never changes once written, so reading it, then deleting, is safe.
    """
    pipe = client.pipeline(transaction=False)
    for key in order_keys:
        pipe.hget(key, order_record.GENERATION)
    older = [k for k, g in zip(order_keys, pipe.execute(), strict=True) if int(g or 0) < generation]
    return client.unlink(*older) if older else 0
