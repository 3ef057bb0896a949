"""The demo reset (`make reset`): every order deleted, the stock back to the catalogue, safe under load."""

from __future__ import annotations

import redis

from ticketing_common import keys, order_record

from .catalogue import Catalogue


def reset_demo(client: redis.Redis, catalogue: Catalogue) -> int:
    """Delete every order, the order streams, the stock and the holds, then initialise the stock afresh.

    An explicit operator action (``python -m api_gateway reset-demo``), never done at start.
    Safe while orders arrive and workers decide: one transaction increments the stock
    generation, drops the streams and resets the stock. Every order is stamped with the
    generation it was accepted in (enqueue_order.lua), and decide_order.lua only acknowledges
    an order of another generation ('stale'), so an order read before the reset can never be
    decided against the fresh stock. Then only the order hashes of older generations are
    deleted; an order accepted after the transaction is kept and decided normally.
    Returns the number of orders deleted.
    """
    pipe = client.pipeline(transaction=True)
    pipe.incr(keys.GENERATION)
    # Holds too: the orders holding them are of the old generation, and every lifecycle step refuses those.
    pipe.unlink(
        keys.ORDER_STREAM,
        keys.DEAD_LETTER_STREAM,
        keys.STOCK,
        keys.STOCK_INITIAL,
        keys.STOCK_SOLD,
        keys.STOCK_HELD,
        keys.HOLDS,
        keys.TOTALS_ENDED,
        keys.TOTALS_PAYMENTS,
    )
    for t in catalogue.tickets:
        pipe.hset(keys.STOCK, t.id, t.stock)
        pipe.hset(keys.STOCK_INITIAL, t.id, t.stock)
    generation = pipe.execute()[0]
    deleted = 0
    batch: list[str] = []
    for key in client.scan_iter(match=keys.order_key("*"), count=1000):
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
