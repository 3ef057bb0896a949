"""The invariants of design.md, checked on the real Redis after a run.

- for every ticket: initial stock = available + held + tickets in its confirmed orders; never negative;
  once every order is terminal nothing is held and the hold index is empty;
- every order answered 201 reached a terminal status;
- no order was applied twice (the stock equation and the sold counter would be off);
- every stored order belongs to the current stock generation (a reset deletes the older ones).
"""

from __future__ import annotations

import json
import time
from collections import Counter

import redis

from ticketing_common import keys, order_record
from ticketing_common.status import TERMINAL_STATUSES, OrderStatus


def wait_until_all_terminal(r: redis.Redis, order_ids: list[str], timeout: float = 180.0) -> dict[str, str]:
    """Poll until every order is terminal (bounded); returns {order id: status}."""
    deadline = time.monotonic() + timeout
    while True:
        pipe = r.pipeline(transaction=False)
        for order_id in order_ids:
            pipe.hget(keys.order_key(order_id), "status")
        statuses = dict(zip(order_ids, pipe.execute(), strict=True))
        open_orders = [o for o, s in statuses.items() if s not in TERMINAL_STATUSES]
        if not open_orders:
            return statuses
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(open_orders)} orders not terminal after {timeout}s, e.g. {open_orders[:3]}")
        time.sleep(0.2)


def all_order_ids(r: redis.Redis) -> list[str]:
    return [k.removeprefix(keys.ORDER_PREFIX) for k in r.scan_iter(keys.order_key("*"), count=1000)]


def check_invariants(r: redis.Redis, order_ids: list[str]) -> Counter:
    """Assert the invariants over every order in Redis, and that the orders answered 201 (`order_ids`)
    are exactly the orders stored; returns the count of orders per status."""
    assert len(set(order_ids)) == len(order_ids), "an order id was answered twice"
    stored = all_order_ids(r)
    assert set(stored) == set(order_ids), (
        f"{len(set(order_ids) - set(stored))} answered orders missing, "
        f"{len(set(stored) - set(order_ids))} stored orders never answered 201"
    )
    pipe = r.pipeline(transaction=False)
    for order_id in stored:
        pipe.hmget(keys.order_key(order_id), ["status", "items", order_record.GENERATION])
    records = pipe.execute()
    generation = r.get(keys.GENERATION) or "0"

    statuses: Counter = Counter()
    confirmed_qty: Counter = Counter()
    for order_id, (status, items, order_generation) in zip(stored, records, strict=True):
        assert status in TERMINAL_STATUSES, f"order {order_id} is {status!r}, not terminal"
        assert (order_generation or "0") == generation, (
            f"order {order_id} is of generation {order_generation}, not the current {generation}"
        )
        statuses[status] += 1
        if status == OrderStatus.CONFIRMED:
            for item in json.loads(items):
                confirmed_qty[item["ticketId"]] += item["qty"]

    initial = {t: int(v) for t, v in r.hgetall(keys.STOCK_INITIAL).items()}
    available = {t: int(v) for t, v in r.hgetall(keys.STOCK).items()}
    sold = {t: int(v) for t, v in r.hgetall(keys.STOCK_SOLD).items()}
    held = {t: int(v) for t, v in r.hgetall(keys.STOCK_HELD).items()}
    assert r.zcard(keys.HOLDS) == 0, "holds left in the deadline index though every order is terminal"
    for ticket, start in initial.items():
        assert available[ticket] >= 0, f"{ticket}: stock went negative ({available[ticket]})"
        assert held.get(ticket, 0) == 0, f"{ticket}: {held[ticket]} tickets still held by terminal orders"
        assert start == available[ticket] + confirmed_qty[ticket], (
            f"{ticket}: initial {start} != available {available[ticket]} + confirmed {confirmed_qty[ticket]}"
        )
        assert sold.get(ticket, 0) == confirmed_qty[ticket], f"{ticket}: sold counter disagrees with orders"
    return statuses


def sample_ledger(r: redis.Redis) -> dict[str, dict[str, int]]:
    """initial, available, held and sold per ticket, read in one MULTI: a step moves tickets between the
    hashes atomically, so read apart they could show a drift that is not there."""
    pipe = r.pipeline(transaction=True)
    for h in (keys.STOCK_INITIAL, keys.STOCK, keys.STOCK_HELD, keys.STOCK_SOLD):
        pipe.hgetall(h)
    initial, available, held, sold = pipe.execute()
    return {
        t: {
            "initial": int(i),
            "available": int(available.get(t, 0)),
            "held": int(held.get(t, 0)),
            "sold": int(sold.get(t, 0)),
        }
        for t, i in initial.items()
    }


def assert_ledger_balanced(ledger: dict[str, dict[str, int]]) -> None:
    """initial = available + held + sold for every ticket, none negative (of one `sample_ledger`)."""
    for ticket, f in ledger.items():
        assert min(f["available"], f["held"], f["sold"]) >= 0, f"{ticket}: a negative count {f}"
        assert f["initial"] == f["available"] + f["held"] + f["sold"], f"{ticket}: drift {f}"
