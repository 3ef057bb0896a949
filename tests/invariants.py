"""The invariants of design.md, checked on the real Redis after a run, in every shard.

- for every ticket: initial stock = available + held + tickets in its confirmed orders; never negative;
  once every order is terminal nothing is held and the hold index is empty;
- every order answered 201 reached a terminal status and is stored, in the shard its id names;
- no order was applied twice (the stock equation and the sold counter would be off);
- every stored order belongs to its shard's current stock generation (a reset deletes the older ones).

Every helper takes the deployment's `shards` (keys.ONE_SHARD by default) and a client that may be a
redis.RedisCluster: plain reads go in non-transactional pipelines (a cluster pipeline batches them per
node), and a MULTI never spans two shards (on a cluster it must stay within one slot).
"""

from __future__ import annotations

import json
import time
from collections import Counter

from ticketing_common import keys, order_record, redis_client
from ticketing_common.status import TERMINAL_STATUSES, OrderStatus

Client = redis_client.SyncClient


def wait_until_all_terminal(
    r: Client, order_ids: list[str], timeout: float = 180.0, shards: keys.Shards = keys.ONE_SHARD
) -> dict[str, str]:
    """Poll until every order is terminal (bounded); returns {order id: status}."""
    deadline = time.monotonic() + timeout
    while True:
        pipe = r.pipeline(transaction=False)
        for order_id in order_ids:
            pipe.hget(shards.order(order_id), "status")
        statuses = dict(zip(order_ids, pipe.execute(), strict=True))
        open_orders = [o for o, s in statuses.items() if s not in TERMINAL_STATUSES]
        if not open_orders:
            return statuses
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(open_orders)} orders not terminal after {timeout}s, e.g. {open_orders[:3]}")
        time.sleep(0.2)


def shard_order_ids(r: Client, shards: keys.Shards, shard: int) -> list[str]:
    """The ids of the orders stored in `shard`. There is no order index: a SCAN of the shard's order
    prefix (on a cluster redis-py's scan_iter walks every master's cursor to its end)."""
    prefix = shards.order_prefix(shard)
    return [k.removeprefix(prefix) for k in r.scan_iter(prefix + "*", count=1000)]


def all_order_ids(r: Client, shards: keys.Shards = keys.ONE_SHARD) -> list[str]:
    return [o for k in shards for o in shard_order_ids(r, shards, k)]


def check_invariants(r: Client, order_ids: list[str], shards: keys.Shards = keys.ONE_SHARD) -> Counter:
    """Assert the invariants over every order in Redis, in every shard, and that the orders answered 201
    (`order_ids`) are exactly the orders stored, each in the shard its id names; returns the count of
    orders per status."""
    assert len(set(order_ids)) == len(order_ids), "an order id was answered twice"
    statuses: Counter = Counter()
    for shard in shards:
        statuses += _check_shard(r, shards, shard, {o for o in order_ids if shards.of_order(o) == shard})
    return statuses


def _check_shard(r: Client, shards: keys.Shards, shard: int, answered: set[str]) -> Counter:
    stored = shard_order_ids(r, shards, shard)
    assert set(stored) == answered, (
        f"shard {shard}: {len(answered - set(stored))} answered orders missing, "
        f"{len(set(stored) - answered)} stored orders never answered 201"
    )
    pipe = r.pipeline(transaction=False)
    for order_id in stored:
        pipe.hmget(shards.order(order_id), ["status", "items", order_record.GENERATION])
    records = pipe.execute()
    generation = r.get(shards.generation(shard)) or "0"

    statuses: Counter = Counter()
    confirmed_qty: Counter = Counter()
    for order_id, (status, items, order_generation) in zip(stored, records, strict=True):
        assert status in TERMINAL_STATUSES, f"order {order_id} is {status!r}, not terminal"
        assert (order_generation or "0") == generation, (
            f"order {order_id} is of generation {order_generation}, not shard {shard}'s current {generation}"
        )
        statuses[status] += 1
        if status == OrderStatus.CONFIRMED:
            for item in json.loads(items):
                confirmed_qty[item["ticketId"]] += item["qty"]

    initial = {t: int(v) for t, v in r.hgetall(shards.stock_initial(shard)).items()}
    available = {t: int(v) for t, v in r.hgetall(shards.stock(shard)).items()}
    sold = {t: int(v) for t, v in r.hgetall(shards.stock_sold(shard)).items()}
    held = {t: int(v) for t, v in r.hgetall(shards.stock_held(shard)).items()}
    assert r.zcard(shards.holds(shard)) == 0, (
        f"shard {shard}: holds left in the deadline index though every order is terminal"
    )
    assert set(confirmed_qty) <= set(initial), f"shard {shard}: confirmed orders of tickets it has no stock of"
    for ticket, start in initial.items():
        assert available[ticket] >= 0, f"{ticket}: stock went negative ({available[ticket]})"
        assert held.get(ticket, 0) == 0, f"{ticket}: {held[ticket]} tickets still held by terminal orders"
        assert start == available[ticket] + confirmed_qty[ticket], (
            f"{ticket}: initial {start} != available {available[ticket]} + confirmed {confirmed_qty[ticket]}"
        )
        assert sold.get(ticket, 0) == confirmed_qty[ticket], f"{ticket}: sold counter disagrees with orders"
    return statuses


def sample_ledger(r: Client, shards: keys.Shards = keys.ONE_SHARD) -> dict[str, dict[str, int]]:
    """initial, available, held and sold per ticket, each shard read in one MULTI: a step moves tickets
    between a shard's hashes atomically, so read apart they could show a drift that is not there. (A
    ticket is of one event, so of one shard: one MULTI per shard sees all of its ledger at once.)"""
    ledger: dict[str, dict[str, int]] = {}
    for shard in shards:
        pipe = r.pipeline(transaction=True)  # one shard's keys: one slot
        for h in (shards.stock_initial(shard), shards.stock(shard), shards.stock_held(shard), shards.stock_sold(shard)):
            pipe.hgetall(h)
        initial, available, held, sold = pipe.execute()
        for t, i in initial.items():
            assert t not in ledger, f"ticket {t} has stock in two shards"
            ledger[t] = {
                "initial": int(i),
                "available": int(available.get(t, 0)),
                "held": int(held.get(t, 0)),
                "sold": int(sold.get(t, 0)),
            }
    return ledger


def assert_ledger_balanced(ledger: dict[str, dict[str, int]]) -> None:
    """initial = available + held + sold for every ticket, none negative (of one `sample_ledger`)."""
    for ticket, f in ledger.items():
        assert min(f["available"], f["held"], f["sold"]) >= 0, f"{ticket}: a negative count {f}"
        assert f["initial"] == f["available"] + f["held"] + f["sold"], f"{ticket}: drift {f}"
