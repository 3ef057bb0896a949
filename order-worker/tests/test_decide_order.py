"""decide_order.lua, the stock decision (the lifecycle's reserve step), against a real Redis."""

import pytest

from api_gateway.catalogue import Catalogue
from api_gateway.models import CreateOrderRequest
from api_gateway.orders import ENQUEUE_ORDER_LUA, IntakeLimits, place_order
from order_worker.decisions import StreamEntry, decide_batch
from ticketing_common import keys

from .conftest import STOCK, queue_order, run, with_consumer


def decide(redis_url, *entries, ttl=0):
    async def body(consumer):
        return await decide_batch(consumer.client, consumer.scripts, list(entries), ttl)

    return run(with_consumer(redis_url, body))


def read_as_worker(r, name="test-worker", count=100):
    """Deliver entries to a consumer, as XREADGROUP does, so they are pending."""
    response = r.xreadgroup(keys.CONSUMER_GROUP, name, {keys.ORDER_STREAM: ">"}, count=count)
    return [StreamEntry(i, f[keys.STREAM_ORDER_ID_FIELD]) for i, f in response[0][1]] if response else []


@pytest.fixture
def group(stocked):
    stocked.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    return stocked


def test_an_order_with_every_item_available_is_reserved_and_holds_all_its_stock_until_a_deadline(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 3), ("vip", 2))
    before_ms = int(group.time()[0]) * 1000
    [result] = decide(redis_url, *read_as_worker(group))
    assert result == ("reserved", "0")
    assert group.hmget(keys.STOCK, ["adult", "vip"]) == ["7", "0"]
    assert group.hmget(keys.STOCK_HELD, ["adult", "vip"]) == ["3", "2"]
    assert not group.exists(keys.STOCK_SOLD)
    order = group.hgetall(keys.order_key(order_id))
    assert order["status"] == "reserved" and "reason" not in order and "decidedAt" not in order
    deadline = int(order["holdExpiresAtMs"])
    assert before_ms + 900_000 <= deadline <= before_ms + 902_000  # the default 15 min window, Redis clock
    assert group.zscore(keys.HOLDS, order_id) == deadline
    # Not acknowledged: the entry stays with the worker until the order is terminal.
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 1


def test_a_pay_later_order_is_reserved_and_its_entry_acknowledged(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 1))
    group.hset(keys.order_key(order_id), "payLater", "1")
    assert decide(redis_url, *read_as_worker(group)) == [("reserved", "1")]
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0
    assert group.zscore(keys.HOLDS, order_id) is not None


def test_an_order_short_of_one_item_is_rejected_and_touches_no_stock(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 3), ("vip", 3))
    [result] = decide(redis_url, *read_as_worker(group))
    assert result == ("rejected", "insufficient_stock")
    assert group.hmget(keys.STOCK, ["adult", "vip"]) == ["10", "2"]
    assert not group.exists(keys.STOCK_SOLD)
    assert group.hget(keys.order_key(order_id), "reason") == "insufficient_stock"


def test_an_order_for_a_ticket_without_stock_entry_is_rejected_as_unknown(group, redis_url):
    _order_id, _ = queue_order(group, ("adult", 1), ("balcony", 1))
    [result] = decide(redis_url, *read_as_worker(group))
    assert result == ("rejected", "unknown_ticket")
    assert group.hget(keys.STOCK, "adult") == "10"


def test_a_rejection_acknowledges_the_entry(group, redis_url):
    queue_order(group, ("adult", 11))
    decide(redis_url, *read_as_worker(group))
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_a_redelivered_entry_is_only_acknowledged_never_applied_twice(group, redis_url):
    _order_id, _entry_id = queue_order(group, ("adult", 4))
    [entry] = read_as_worker(group)
    assert decide(redis_url, entry) == [("reserved", "0")]
    # The same entry again, as after a worker died before paying: resumed, not reserved twice.
    assert decide(redis_url, entry) == [("resume", "reserved")]
    assert group.hget(keys.STOCK, "adult") == "6"
    assert group.hget(keys.STOCK_HELD, "adult") == "4"
    # Once the order is terminal, a redelivery is only acknowledged.
    group.hset(keys.order_key(_order_id), "status", "confirmed")
    assert decide(redis_url, entry) == [("duplicate", "confirmed")]
    assert group.hget(keys.STOCK, "adult") == "6"
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_an_entry_whose_order_is_gone_is_acknowledged_as_missing(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 1))
    group.delete(keys.order_key(order_id))
    assert decide(redis_url, *read_as_worker(group)) == [("missing", "")]
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0
    assert group.hget(keys.STOCK, "adult") == "10"


def test_an_order_with_unreadable_items_raises_writes_nothing_and_stays_pending(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 1))
    group.hset(keys.order_key(order_id), "items", '[{"ticketId": "adult", "qty": -5}]')
    [result] = decide(redis_url, *read_as_worker(group))
    assert isinstance(result, Exception)
    assert group.hget(keys.order_key(order_id), "status") == "pending"
    assert group.hget(keys.STOCK, "adult") == "10"
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 1


def test_one_bad_entry_does_not_stop_the_rest_of_its_batch(group, redis_url):
    bad, _ = queue_order(group, ("adult", 1))
    group.hset(keys.order_key(bad), "items", "not json")
    _good, _ = queue_order(group, ("adult", 2))
    results = decide(redis_url, *read_as_worker(group))
    assert isinstance(results[0], Exception)
    assert results[1] == ("reserved", "0")
    assert group.hget(keys.STOCK, "adult") == "8"


def test_an_entry_without_an_order_id_goes_straight_to_the_dead_letter_stream(group, redis_url):
    group.xadd(keys.ORDER_STREAM, {"something": "else"})
    response = group.xreadgroup(keys.CONSUMER_GROUP, "test-worker", {keys.ORDER_STREAM: ">"})
    entries = [StreamEntry(i, None) for i, _ in response[0][1]]
    assert decide(redis_url, *entries) == [("malformed", "")]
    assert group.xlen(keys.DEAD_LETTER_STREAM) == 1
    assert group.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_decided_orders_expire_when_a_ttl_is_set(group, redis_url):
    order_id, _ = queue_order(group, ("adult", 11))  # rejected: decided by this step
    decide(redis_url, *read_as_worker(group), ttl=3600)
    assert 0 < group.ttl(keys.order_key(order_id)) <= 3600


def test_pending_orders_never_expire(group):
    # Written by the gateway's own intake (enqueue_order.lua, with an Idempotency-Key so the path
    # that sets a TTL on the idempotency record runs too): a TTL on the order would lose it.
    catalogue = Catalogue.model_validate(
        {
            "currency": "EUR",
            "tickets": [{"id": t, "name": t, "type": t, "price": 10, "stock": n} for t, n in STOCK.items()],
        }
    )
    request = CreateOrderRequest.model_validate(
        {
            "customer": {"name": "T", "email": "t@example.com"},
            "items": [{"ticketId": "adult", "qty": 1}],
            "paymentMethod": "paypal",
        }
    )
    limits = IntakeLimits(max_tickets=10, max_backlog=0, idempotency_ttl=3600)
    response, _replayed = place_order(
        group, group.register_script(ENQUEUE_ORDER_LUA), request, catalogue, limits, idempotency_key="never-expire"
    )
    order_key = keys.order_key(response.orderId)
    assert group.hget(order_key, "status") == "pending"
    assert group.ttl(order_key) == -1
