"""The worker's payment flow against a real Redis and the test provider (tests/fake_provider.py):
charge once by the order id, retry errors and timeouts with backoff, ask for the truth after a timeout,
confirm or release, refund a charge whose order was released meanwhile, and sweep expired holds."""

from __future__ import annotations

import asyncio

import pytest

from order_worker.consumer import Decision, OrderConsumer, ensure_group
from order_worker.decisions import StreamEntry
from tests.fake_provider import APPROVE, DECLINE, ERROR, TIMEOUT, FakeProvider, RunningProvider
from ticketing_common import keys, lifecycle
from ticketing_common.lifecycle import PaymentRecord
from ticketing_common.order_record import utc_timestamp
from ticketing_common.status import TERMINAL_STATUSES, OrderStatus, PaymentStatus

from .conftest import queue_order, run, until, worker_settings

PAYMENT = {"worker_payment_timeout_seconds": 0.5, "worker_payment_max_attempts": 3, "worker_payment_backoff_ms": 10}


@pytest.fixture
def provider():
    with RunningProvider(FakeProvider()) as p:
        yield p


def ledger(r) -> tuple[int, int, int]:
    return tuple(int(r.hget(h, "adult") or 0) for h in (keys.STOCK, keys.STOCK_HELD, keys.STOCK_SOLD))


def card_order(r, card: str | None, qty: int = 1, pay_later: bool = False) -> str:
    order_id, _ = queue_order(r, ("adult", qty))
    if card:
        r.hset(keys.order_key(order_id), "cardNumber", card)
    if pay_later:
        r.hset(keys.order_key(order_id), "payLater", "1")
    return order_id


def consume_until(redis_url, provider, order_ids, settle=None, **settings):
    """Run a consumer (read, recovery and expiry loops) until every order is terminal (or `settle`)."""
    import redis.asyncio as aioredis

    async def done(client):
        statuses = [await client.hget(keys.order_key(o), "status") for o in order_ids]
        return all(s in TERMINAL_STATUSES for s in statuses)

    async def main():
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            await ensure_group(client)
            url = provider.url if provider else ""
            consumer = OrderConsumer(
                client, worker_settings(redis_url, worker_payment_provider_url=url, **{**PAYMENT, **settings})
            )
            stop = asyncio.Event()
            task = asyncio.create_task(consumer.run(stop))
            await until(lambda: (settle or done)(client), timeout=30)
            stop.set()
            await task
            return consumer.stats
        finally:
            await client.aclose()

    return run(main())


def test_an_approved_charge_confirms_the_order_and_sells_its_held_tickets(stocked, redis_url, provider):
    order_id = card_order(stocked, APPROVE, qty=3)
    consume_until(redis_url, provider, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert order["status"] == "confirmed"
    assert (order["paymentStatus"], order["paymentAttempts"]) == ("approved", "1")
    assert order["chargeId"] == provider.charges[order_id]["chargeId"]
    assert "cardNumber" not in order
    assert provider.charges[order_id]["amount"] == "30.00" and provider.posts[order_id] == 1
    assert ledger(stocked) == (7, 0, 3)
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_a_declined_card_releases_the_tickets(stocked, redis_url, provider):
    order_id = card_order(stocked, DECLINE, qty=2)
    consume_until(redis_url, provider, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert (order["status"], order["reason"], order["paymentStatus"]) == (
        "payment_failed",
        "payment_declined",
        "declined",
    )
    assert ledger(stocked) == (10, 0, 0)


def test_errors_are_retried_until_the_attempts_run_out_then_the_tickets_are_released(stocked, redis_url, provider):
    order_id = card_order(stocked, ERROR)
    consume_until(redis_url, provider, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert (order["status"], order["reason"], order["paymentStatus"]) == ("payment_failed", "payment_error", "error")
    assert order["paymentAttempts"] == "3" and provider.posts[order_id] == 3
    assert order_id not in provider.charges  # a 503 records nothing: nobody paid
    assert ledger(stocked) == (10, 0, 0)


def test_after_a_timeout_the_worker_asks_for_the_truth_and_confirms_the_recorded_charge(stocked, redis_url, provider):
    order_id = card_order(stocked, TIMEOUT)
    consume_until(redis_url, provider, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert (order["status"], order["paymentStatus"]) == ("confirmed", "approved")
    assert provider.posts[order_id] == 1  # the lookup found it: no second charge call
    assert ledger(stocked) == (9, 0, 1)


def test_with_payments_off_an_order_is_confirmed_right_after_reserving(stocked, redis_url):
    order_id = card_order(stocked, None, qty=2)
    consume_until(redis_url, None, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert order["status"] == "confirmed" and "paymentStatus" not in order
    assert ledger(stocked) == (8, 0, 2)


def test_a_pay_later_order_waits_reserved_then_is_paid_through_a_new_entry(stocked, redis_url, provider):
    order_id = card_order(stocked, None, qty=2, pay_later=True)

    async def reserved(client):
        return await client.hget(keys.order_key(order_id), "status") == "reserved"

    consume_until(redis_url, provider, [order_id], settle=reserved)
    assert ledger(stocked) == (8, 2, 0)
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0
    assert provider.posts[order_id] == 0
    # POST /orders/{id}/payment's step: reserved -> paying and a new entry, at once
    step_keys, args = lifecycle.start_payment_call(
        order_id, now=utc_timestamp(), enqueue=True, pay_later_only=True, card_number=APPROVE
    )
    assert stocked.register_script(lifecycle.lua("start_payment.lua"))(keys=step_keys, args=args)[0] == "paying"
    consume_until(redis_url, provider, [order_id])
    assert stocked.hget(keys.order_key(order_id), "status") == "confirmed"
    assert ledger(stocked) == (8, 0, 2)


def test_an_abandoned_hold_is_expired_by_the_sweep_and_its_tickets_return(stocked, redis_url, provider):
    order_id = card_order(stocked, None, qty=4, pay_later=True)
    stats = consume_until(redis_url, provider, [order_id], worker_hold_seconds=0.3, worker_expiry_interval_ms=50)
    assert stocked.hmget(keys.order_key(order_id), ["status", "reason"]) == ["expired", "hold_expired"]
    assert ledger(stocked) == (10, 0, 0)
    assert stats.expired == 1 and stocked.zcard(keys.HOLDS) == 0


def test_an_approved_charge_whose_order_was_released_meanwhile_is_refunded(stocked, redis_url, provider):
    import redis.asyncio as aioredis

    order_id = card_order(stocked, APPROVE)
    entry_id = stocked.xrange(keys.ORDER_STREAM)[0][0]
    provider.charges[order_id] = {"chargeId": "ch_x", "idempotencyKey": order_id, "status": "approved",
                                  "amount": "10.00", "currency": "EUR", "createdAt": ""}  # fmt: skip
    stocked.hset(keys.order_key(order_id), mapping={"status": "failed", "reason": "max_deliveries_exceeded"})

    async def main():
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            await ensure_group(client)
            settings = worker_settings(redis_url, worker_payment_provider_url=provider.url, **PAYMENT)
            consumer = OrderConsumer(client, settings)
            record = PaymentRecord(PaymentStatus.APPROVED, 1, "ch_x")
            await consumer._finish([Decision(StreamEntry(entry_id, order_id), None, record)])
            await consumer.refund(order_id)  # a second worker's refund of the same charge
            await consumer.payments.aclose()
            return consumer.stats
        finally:
            await client.aclose()

    stats = run(main())
    assert provider.charges[order_id]["status"] == "refunded" and stats.refunds == 2
    assert stocked.hmget(keys.order_key(order_id), ["status", "paymentStatus"]) == ["failed", "refunded"]
    # Refused confirm: no approval counted; the refund counted once however often it was recorded.
    assert stocked.hgetall(keys.TOTALS_PAYMENTS) == {"refunded": "1"}


def test_a_payment_provider_url_must_be_http():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="http"):
        worker_settings("redis://127.0.0.1:1/0", worker_payment_provider_url="ftp://x")
    assert OrderStatus.PAYING not in TERMINAL_STATUSES


def test_a_paying_order_dead_lettered_releases_its_stock_and_its_charge_is_refunded(stocked, redis_url, provider):
    import time

    import redis.asyncio as aioredis

    order_id = card_order(stocked, APPROVE, qty=2)
    stocked.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0")
    stocked.xreadgroup(keys.CONSUMER_GROUP, "dead-worker", {keys.ORDER_STREAM: ">"})
    # As a worker left it: reserved, then paying, charged at the provider, then it died for good.
    stocked.hset(keys.order_key(order_id), mapping={"status": "paying", "holdExpiresAtMs": 1})
    stocked.hincrby(keys.STOCK, "adult", -2)
    stocked.hincrby(keys.STOCK_HELD, "adult", 2)
    provider.charge({"idempotencyKey": order_id, "amount": "20.00", "currency": "EUR", "cardNumber": APPROVE})
    time.sleep(2.1)  # idle past WORKER_CLAIM_IDLE_MS

    async def main():
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            settings = worker_settings(
                redis_url,
                worker_payment_provider_url=provider.url,
                worker_claim_idle_ms=2000,
                worker_max_deliveries=1,
                worker_batch_size=5,
                **PAYMENT,
            )
            consumer = OrderConsumer(client, settings)
            await consumer.recover_once()
            await consumer.payments.aclose()
            return consumer.stats
        finally:
            await client.aclose()

    stats = run(main())
    assert stats.dead_lettered == 1 and stats.refunds == 1
    assert stocked.hmget(keys.order_key(order_id), ["status", "reason", "paymentStatus"]) == [
        "failed",
        "max_deliveries_exceeded",
        "refunded",
    ]
    assert ledger(stocked) == (10, 0, 0)
    assert provider.charges[order_id]["status"] == "refunded"
    assert stocked.hgetall(keys.TOTALS_ENDED) == {"failed": "1"}
    assert stocked.hgetall(keys.TOTALS_PAYMENTS) == {"refunded": "1"}


def test_an_unreachable_provider_is_retried_then_the_order_fails_as_payment_error(stocked, redis_url):
    from tools.redis_server import free_port

    class Down:
        url = f"http://127.0.0.1:{free_port()}"  # nothing listens: connection refused every time

    order_id = card_order(stocked, APPROVE, qty=2)
    consume_until(redis_url, Down, [order_id])
    order = stocked.hgetall(keys.order_key(order_id))
    assert (order["status"], order["reason"], order["paymentStatus"]) == ("payment_failed", "payment_error", "error")
    assert order["paymentAttempts"] == "3"
    assert ledger(stocked) == (10, 0, 0)


def _consumer_run(redis_url, provider, step):
    """Run `step(consumer)` on a consumer with payments on, and close it."""
    import redis.asyncio as aioredis

    async def main():
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            consumer = OrderConsumer(
                client, worker_settings(redis_url, worker_payment_provider_url=provider.url, **PAYMENT)
            )
            try:
                return await step(consumer)
            finally:
                await consumer.payments.aclose()
        finally:
            await client.aclose()

    return run(main())


def test_a_refund_the_provider_cannot_take_now_stays_due_and_a_later_round_makes_it(stocked, redis_url, provider):
    order_id = card_order(stocked, APPROVE)
    provider.charges[order_id] = {"chargeId": "ch_y", "idempotencyKey": order_id, "status": "approved",
                                  "amount": "10.00", "currency": "EUR", "createdAt": ""}  # fmt: skip
    stocked.hset(keys.order_key(order_id), mapping={"status": "payment_failed", "reason": "payment_error"})
    refund, down = provider.refund, {"on": True}
    provider.refund = lambda key: (503, {"error": "down"}) if down["on"] else refund(key)

    async def outage_then_recovery(consumer):
        await consumer.refund(order_id)  # every attempt refused: the refund stays due
        still_due = await consumer.client.zscore(keys.REFUNDS_DUE, order_id) is not None
        down["on"] = False
        return still_due, await consumer.settle_refunds()

    still_due, refunded = _consumer_run(redis_url, provider, outage_then_recovery)
    assert still_due and refunded == 1
    assert provider.charges[order_id]["status"] == "refunded"
    assert stocked.hget(keys.order_key(order_id), "paymentStatus") == "refunded"
    assert stocked.zcard(keys.REFUNDS_DUE) == 0


def test_settling_refunds_leaves_a_paying_order_and_refunds_nothing_that_was_not_taken(stocked, redis_url, provider):
    paying, confirmed, uncharged_old, uncharged_new = (card_order(stocked, APPROVE) for _ in range(4))
    for order_id, status in ((paying, "paying"), (confirmed, "confirmed"), (uncharged_old, "payment_failed"),
                             (uncharged_new, "payment_failed")):  # fmt: skip
        stocked.hset(keys.order_key(order_id), "status", status)
        provider.charges[order_id] = {"chargeId": "c", "idempotencyKey": order_id, "status": "approved",
                                      "amount": "10.00", "currency": "EUR", "createdAt": ""}  # fmt: skip
    del provider.charges[uncharged_old], provider.charges[uncharged_new]
    now_ms = int(stocked.time()[0]) * 1000
    stocked.zadd(
        keys.REFUNDS_DUE, {paying: now_ms, confirmed: now_ms, uncharged_new: now_ms, uncharged_old: now_ms - 600_000}
    )

    async def settle(consumer):
        return await consumer.settle_refunds()

    assert _consumer_run(redis_url, provider, settle) == 0
    # Paying: its worker decides it. No charge recorded yet, recently due: the provider may still record it.
    assert set(stocked.zrange(keys.REFUNDS_DUE, 0, -1)) == {paying, uncharged_new}
    assert provider.charges[paying]["status"] == provider.charges[confirmed]["status"] == "approved"
