"""The lifecycle's Lua steps against a real redis-server: every status change any script makes is a
move of status.TRANSITIONS, the ledger (initial = available + held + sold) holds after every step, the
expiry sweep releases each overdue hold exactly once however many workers sweep at once, and the
system-wide totals (orders ended per status, charges per outcome) count each transition exactly once."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import pytest

from ticketing_common import keys, lifecycle
from ticketing_common.lifecycle import PaymentRecord
from ticketing_common.status import (
    HOLDING_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    OrderStatus,
    PaymentStatus,
    Reason,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-01-01T00:00:00.000Z"
INITIAL = 100


def lua_script(r, name: str):
    if name in lifecycle.SCRIPTS:
        return r.register_script(lifecycle.lua(name))
    return r.register_script((ROOT / "order-worker/order_worker" / name).read_text())


def redis_ms(r) -> int:
    seconds, micros = r.time()
    return int(seconds) * 1000 + int(micros) // 1000


@pytest.fixture
def r(real_redis):
    real_redis.hset(keys.STOCK, "adult", INITIAL)
    real_redis.hset(keys.STOCK_INITIAL, "adult", INITIAL)
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    return real_redis


def make_order(r, status: OrderStatus, qty: int = 2, *, pay_later: bool = False, hold_ms: int = 60_000) -> str:
    """An order in `status` with the ledger as the lifecycle would have left it."""
    order_id = str(uuid.uuid4())
    fields = {
        "orderId": order_id,
        "status": status.value,
        "items": json.dumps([{"ticketId": "adult", "type": "adult", "qty": qty, "unitPrice": 10, "total": 10 * qty}]),
        "grandTotal": f"{10 * qty}.00",
        "currency": "EUR",
    }
    if status not in TERMINAL_STATUSES:
        fields["cardNumber"] = "4242424242424242"
    if pay_later:
        fields["payLater"] = "1"
    if status in HOLDING_STATUSES:
        fields["holdExpiresAtMs"] = str(redis_ms(r) + hold_ms)
        r.hincrby(keys.STOCK, "adult", -qty)
        r.hincrby(keys.STOCK_HELD, "adult", qty)
        if status == OrderStatus.RESERVED:
            r.zadd(keys.HOLDS, {order_id: int(fields["holdExpiresAtMs"])})
    if status == OrderStatus.CONFIRMED:
        r.hincrby(keys.STOCK, "adult", -qty)
        r.hincrby(keys.STOCK_SOLD, "adult", qty)
    r.hset(keys.order_key(order_id), mapping=fields)
    return order_id


def ledger(r) -> tuple[int, int, int]:
    return tuple(int(r.hget(h, "adult") or 0) for h in (keys.STOCK, keys.STOCK_HELD, keys.STOCK_SOLD))


def assert_ledger(r) -> None:
    available, held, sold = ledger(r)
    assert min(available, held, sold) >= 0
    assert available + held + sold == INITIAL
    # held counts exactly the holding orders' tickets, and the index lists exactly the reserved ones
    holding = reserved = 0
    for key in r.scan_iter(keys.order_key("*")):
        status, items = r.hmget(key, ["status", "items"])
        qty = sum(i["qty"] for i in json.loads(items))
        holding += qty if status in HOLDING_STATUSES else 0
        reserved += status == OrderStatus.RESERVED
    assert held == holding
    assert r.zcard(keys.HOLDS) == reserved


def steps(r):
    """Every lifecycle step, as a function of an order id (each script with each of its uses)."""
    reserve = lua_script(r, "decide_order.lua")
    start = lua_script(r, "start_payment.lua")
    confirm = lua_script(r, "confirm_order.lua")
    release = lua_script(r, "release_order.lua")
    dead = lua_script(r, "dead_letter.lua")

    def run(script, call):
        step_keys, args = call
        return script(keys=step_keys, args=args)

    def entry(order_id):
        entry_id = r.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: order_id})
        r.xreadgroup(keys.CONSUMER_GROUP, "w", {keys.ORDER_STREAM: ">"})
        return entry_id

    payment = PaymentRecord(PaymentStatus.APPROVED, 1, "ch_1")
    declined = PaymentRecord(PaymentStatus.DECLINED, 1)
    return {
        "reserve": lambda o: run(reserve, lifecycle.reserve_call(o, entry_id=entry(o), now=NOW, hold_ms=60_000)),
        "start_payment": lambda o: run(start, lifecycle.start_payment_call(o, now=NOW)),
        "pay_later": lambda o: run(start, lifecycle.start_payment_call(o, now=NOW, enqueue=True, pay_later_only=True)),
        "confirm": lambda o: run(confirm, lifecycle.confirm_call(o, now=NOW, payment=payment)),
        "payment_failed": lambda o: run(
            release,
            lifecycle.release_call(o, OrderStatus.PAYMENT_FAILED, Reason.PAYMENT_DECLINED, now=NOW, payment=declined),
        ),
        "cancel": lambda o: run(
            release,
            lifecycle.release_call(
                o, OrderStatus.CANCELLED, Reason.CANCELLED_BY_CUSTOMER, now=NOW, expire_overdue=True
            ),
        ),
        "dead_letter": lambda o: run(
            dead, lifecycle.dead_letter_call(o, entry_id=entry(o), min_deliveries=1, now=NOW, dead_letter_maxlen=1000)
        ),
    }


STEPS = ["reserve", "start_payment", "pay_later", "confirm", "payment_failed", "cancel", "dead_letter"]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("status", list(OrderStatus), ids=str)
@pytest.mark.parametrize("pay_later", [False, True], ids=["now", "later"])
def test_every_step_from_every_status_is_a_transition_of_the_table_and_keeps_the_ledger(r, step, status, pay_later):
    order_id = make_order(r, status, pay_later=pay_later)
    steps(r)[step](order_id)
    after = OrderStatus(r.hget(keys.order_key(order_id), "status"))
    assert after == status or after in TRANSITIONS[status], f"{step}: {status} -> {after} is not in TRANSITIONS"
    assert_ledger(r)
    # A status change is one entry of the events stream (live updates), written by the same step; no change, none.
    events = [(f["orderId"], f["status"]) for _, f in r.xrange(keys.ORDER_EVENTS)]
    assert events == ([] if after == status else [(order_id, after.value)]), f"{step}: {status} -> {after}"
    if after in TERMINAL_STATUSES:
        assert not r.hexists(keys.order_key(order_id), "cardNumber"), "the card outlived the decision"


def test_terminal_statuses_have_no_way_out_and_every_status_is_in_the_table():
    assert set(TRANSITIONS) == set(OrderStatus)
    assert all(not TRANSITIONS[s] for s in TERMINAL_STATUSES)
    reachable = {OrderStatus.PENDING} | {t for targets in TRANSITIONS.values() for t in targets}
    assert reachable == set(OrderStatus)


def test_the_happy_path_moves_the_tickets_available_held_sold(r):
    order_id = make_order(r, OrderStatus.PENDING, qty=3)
    s = steps(r)
    assert s["reserve"](order_id) == ["reserved", "0"]
    assert ledger(r) == (97, 3, 0)
    assert s["start_payment"](order_id) == ["paying", ""]
    assert r.zscore(keys.HOLDS, order_id) is None  # paying is never expired
    assert s["confirm"](order_id) == ["confirmed", ""]
    assert ledger(r) == (97, 0, 3)
    order = r.hgetall(keys.order_key(order_id))
    assert (order["status"], order["paymentStatus"], order["chargeId"]) == ("confirmed", "approved", "ch_1")
    assert "cardNumber" not in order
    assert s["confirm"](order_id) == ["wrong_state", "confirmed"]  # never twice
    assert ledger(r) == (97, 0, 3)


def test_a_payment_after_the_deadline_is_refused_and_the_hold_expires_there(r):
    order_id = make_order(r, OrderStatus.RESERVED, pay_later=True, hold_ms=-1)
    assert steps(r)["pay_later"](order_id) == ["expired", ""]
    assert r.hmget(keys.order_key(order_id), ["status", "reason"]) == ["expired", "hold_expired"]
    assert ledger(r) == (INITIAL, 0, 0)
    assert r.xlen(keys.ORDER_STREAM) == 0  # nothing queued


def test_paying_a_pay_later_order_queues_it_in_the_same_step(r):
    order_id = make_order(r, OrderStatus.RESERVED, pay_later=True)
    outcome, entry_id = steps(r)["pay_later"](order_id)
    assert outcome == "paying"
    assert r.xrange(keys.ORDER_STREAM) == [(entry_id, {keys.STREAM_ORDER_ID_FIELD: order_id})]
    # an order the worker pays itself (not payLater) cannot be paid this way
    other = make_order(r, OrderStatus.RESERVED)
    assert steps(r)["pay_later"](other) == ["wrong_state", "reserved"]
    assert r.hget(keys.order_key(other), "status") == "reserved"


def test_cancelling_an_overdue_hold_expires_it(r):
    order_id = make_order(r, OrderStatus.RESERVED, hold_ms=-1)
    assert steps(r)["cancel"](order_id) == ["expired", ""]
    assert ledger(r) == (INITIAL, 0, 0)


def test_many_concurrent_sweepers_release_each_overdue_hold_exactly_once(r, redis_url):
    import redis as redis_lib

    overdue = [make_order(r, OrderStatus.RESERVED, qty=1, hold_ms=-1) for _ in range(60)]
    fresh = [make_order(r, OrderStatus.RESERVED, qty=1, hold_ms=600_000) for _ in range(10)]
    paying = make_order(r, OrderStatus.PAYING, qty=1)
    assert ledger(r) == (INITIAL - 71, 71, 0)
    counts: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def sweeper() -> None:
        client = redis_lib.Redis.from_url(redis_url, decode_responses=True)
        script = client.register_script(lifecycle.lua("expire_holds.lua"))
        client.ping()
        mine = 0
        start.wait(timeout=30)
        for _ in range(40):
            step_keys, args = lifecycle.expire_holds_call(batch=1, now=NOW)
            mine += script(keys=step_keys, args=args)
        with lock:
            counts.append(mine)
        client.close()

    threads = [threading.Thread(target=sweeper) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(counts) == len(overdue), counts
    assert sum(1 for c in counts if c) > 1, "only one sweeper did anything: not a concurrency test"
    assert all(r.hget(keys.order_key(o), "status") == "expired" for o in overdue)
    assert all(r.hget(keys.order_key(o), "status") == "reserved" for o in fresh)
    assert r.hget(keys.order_key(paying), "status") == "paying"
    assert ledger(r) == (INITIAL - 11, 11, 0)
    assert_ledger(r)


def totals(r) -> tuple[dict[str, int], dict[str, int]]:
    """The two totals hashes, as counts."""
    return tuple(  # type: ignore[return-value]
        {k: int(v) for k, v in r.hgetall(h).items()} for h in (keys.TOTALS_ENDED, keys.TOTALS_PAYMENTS)
    )


def added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after) if after.get(k, 0) != before.get(k, 0)
    }


# The payment outcome each step records when it ends an order (confirm: approved, payment_failed: declined).
STEP_PAYMENT = {"confirm": PaymentStatus.APPROVED, "payment_failed": PaymentStatus.DECLINED}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("status", list(OrderStatus), ids=str)
@pytest.mark.parametrize("overdue", [False, True], ids=["in_time", "overdue"])
def test_each_step_counts_the_status_it_ends_an_order_in_once_and_a_repeat_counts_nothing(r, step, status, overdue):
    order_id = make_order(r, status, pay_later=step == "pay_later", hold_ms=-1 if overdue else 60_000)
    ended_before, paid_before = totals(r)
    steps(r)[step](order_id)
    after = OrderStatus(r.hget(keys.order_key(order_id), "status"))
    ended, paid = totals(r)
    if after != status and after in TERMINAL_STATUSES:
        assert added(ended_before, ended) == {after.value: 1}
    else:
        assert added(ended_before, ended) == {}, f"{step}: {status} -> {after} counted an end"
    recorded = r.hget(keys.order_key(order_id), "paymentStatus")
    if after != status and step in STEP_PAYMENT and after in TERMINAL_STATUSES:
        assert recorded == STEP_PAYMENT[step]
        assert added(paid_before, paid) == {recorded: 1}
    else:
        assert added(paid_before, paid) == {}
    # A redelivered or duplicate step (the same message again) finds the order moved on: nothing more counted.
    steps(r)[step](order_id)
    assert totals(r) == (ended, paid)


def test_the_expiry_sweep_counts_the_orders_it_expired_and_nothing_more(r):
    overdue = [make_order(r, OrderStatus.RESERVED, qty=1, hold_ms=-1) for _ in range(5)]
    make_order(r, OrderStatus.RESERVED, qty=1)  # not overdue
    make_order(r, OrderStatus.PAYING, qty=1)  # never swept
    script = lua_script(r, "expire_holds.lua")
    step_keys, args = lifecycle.expire_holds_call(batch=100, now=NOW)
    assert script(keys=step_keys, args=args) == len(overdue)
    assert totals(r) == ({"expired": len(overdue)}, {})
    assert sorted(f["orderId"] for _, f in r.xrange(keys.ORDER_EVENTS)) == sorted(overdue)
    assert {f["status"] for _, f in r.xrange(keys.ORDER_EVENTS)} == {"expired"}
    assert script(keys=step_keys, args=args) == 0
    assert totals(r) == ({"expired": len(overdue)}, {})
    assert r.xlen(keys.ORDER_EVENTS) == len(overdue)  # nothing changed, nothing announced


def test_after_a_concurrent_run_the_totals_are_exactly_the_terminal_orders(r, redis_url):
    """Eight clients apply every step to every order in random orders, with sweepers among them: each
    order's end is counted once, in its status, and the counts sum to the terminal orders."""
    import random

    import redis as redis_lib

    orders = (
        [make_order(r, OrderStatus.PENDING, qty=2) for _ in range(30)]
        + [make_order(r, OrderStatus.RESERVED, qty=1, hold_ms=-1) for _ in range(15)]
        + [make_order(r, OrderStatus.RESERVED, qty=1, pay_later=True) for _ in range(15)]
        + [make_order(r, OrderStatus.PAYING, qty=1) for _ in range(15)]
    )
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def client_run(seed: int) -> None:
        client = redis_lib.Redis.from_url(redis_url, decode_responses=True)
        try:
            mine = steps(client)
            sweep = lua_script(client, "expire_holds.lua")
            work = [(o, name) for o in orders for name in STEPS]
            random.Random(seed).shuffle(work)
            start.wait(timeout=30)
            for i, (order_id, name) in enumerate(work[:200]):  # bounded: 8 x 200 steps
                mine[name](order_id)
                if i % 25 == 0:
                    step_keys, args = lifecycle.expire_holds_call(batch=5, now=NOW)
                    sweep(keys=step_keys, args=args)
        except BaseException as e:  # surfaced in the main thread
            errors.append(e)
        finally:
            client.close()

    threads = [threading.Thread(target=client_run, args=(seed,)) for seed in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    records = [r.hmget(keys.order_key(o), ["status", "paymentStatus"]) for o in orders]
    terminal = [(s, p) for s, p in records if s in TERMINAL_STATUSES]
    ended, paid = totals(r)
    assert len({s for s, _ in terminal}) > 2, "too few kinds of ends: not a test of the totals"
    assert ended == {s: sum(1 for t, _ in terminal if t == s) for s in {t for t, _ in terminal}}
    assert sum(ended.values()) == len(terminal)
    assert paid == {p: sum(1 for _, q in terminal if q == p) for p in {q for _, q in terminal if q}}
    assert_ledger(r)


@pytest.mark.parametrize("status", [OrderStatus.PAYING, OrderStatus.RESERVED, OrderStatus.PENDING], ids=str)
def test_dead_lettering_a_paying_order_notes_its_refund_in_the_same_step(r, status):
    order_id = make_order(r, status)
    steps(r)["dead_letter"](order_id)
    assert r.hget(keys.order_key(order_id), "status") == "failed"
    # Only a paying order may have been charged: it is due a refund check, whatever happens to the worker now.
    assert (r.zscore(keys.REFUNDS_DUE, order_id) is not None) == (status == OrderStatus.PAYING)
