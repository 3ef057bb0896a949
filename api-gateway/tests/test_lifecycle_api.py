"""POST /orders with payLater and a card, POST /orders/{id}/payment and /cancel: the contract's
202/200/404/409/410 with JSON errors, nothing changed on a refusal; the card never returned."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketing_common import keys, lifecycle

from .conftest import order_body

DECIDE_LUA = (Path(__file__).resolve().parents[2] / "order-worker/order_worker/decide_order.lua").read_text()
CARD = {"number": "4242 4242 4242 4242"}


def reserve(r, order_id: str) -> list:
    """What a worker does first: decide_order.lua on the order's stream entry."""
    r.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    [[_, entries]] = r.xreadgroup(keys.CONSUMER_GROUP, "w", {keys.ORDER_STREAM: ">"})
    [entry_id] = [i for i, f in entries if f[keys.STREAM_ORDER_ID_FIELD] == order_id]
    step_keys, args = lifecycle.reserve_call(
        order_id, entry_id=entry_id, now="2026-01-01T00:00:00.000Z", hold_ms=600_000
    )
    return r.register_script(DECIDE_LUA)(keys=step_keys, args=args)


@pytest.fixture
def held(real_client, real_redis):
    """A payLater order, reserved: 2 adult and 1 vip held."""
    response = real_client.post("/orders", json=order_body(payLater=True))
    assert response.status_code == 201
    order_id = response.get_json()["orderId"]
    assert reserve(real_redis, order_id) == ["reserved", "1"]
    return order_id


def stock(r, ticket: str) -> tuple[int, int, int]:
    return tuple(int(r.hget(h, ticket) or 0) for h in (keys.STOCK, keys.STOCK_HELD, keys.STOCK_SOLD))


def test_a_card_is_stored_for_the_worker_and_never_returned(real_client, real_redis):
    response = real_client.post("/orders", json=order_body(card=CARD, payLater=True))
    assert response.status_code == 201
    order_id = response.get_json()["orderId"]
    assert real_redis.hget(keys.order_key(order_id), "cardNumber") == "4242424242424242"
    assert real_redis.hget(keys.order_key(order_id), "payLater") == "1"
    order = real_client.get(f"/orders/{order_id}").get_json()
    assert order["payLater"] is True and "4242" not in str(order)


@pytest.mark.parametrize("number", ["4242", "4242 4242 4242 424x", "1" * 20, ""])
def test_a_bad_card_number_is_refused_naming_the_field(real_client, real_redis, number):
    response = real_client.post("/orders", json=order_body(card={"number": number}))
    assert response.status_code == 400
    assert response.get_json()["field"] == "card.number"
    assert real_redis.xlen(keys.ORDER_STREAM) == 0


def test_a_reserved_order_shows_its_hold_and_payment_queues_it(real_client, real_redis, held):
    order = real_client.get(f"/orders/{held}").get_json()
    assert order["status"] == "reserved" and order["holdExpiresAt"].endswith("Z")
    assert stock(real_redis, "vip") == (4, 1, 0)
    response = real_client.post(f"/orders/{held}/payment", json={"paymentMethod": "paypal", "card": CARD})
    assert response.status_code == 202
    assert response.get_json()["status"] == "paying" and response.get_json()["orderId"] == held
    stored = real_redis.hgetall(keys.order_key(held))
    assert (stored["status"], stored["paymentMethod"], stored["cardNumber"]) == ("paying", "paypal", "4242424242424242")
    assert real_redis.xrange(keys.ORDER_STREAM)[-1][1] == {keys.STREAM_ORDER_ID_FIELD: held}
    assert real_redis.zscore(keys.HOLDS, held) is None
    # paying already: a second payment or a cancel is a conflict, and changes nothing
    again = real_client.post(f"/orders/{held}/payment", json={"paymentMethod": "paypal"})
    assert again.status_code == 409 and "paying" in again.get_json()["error"]
    assert real_client.post(f"/orders/{held}/cancel").status_code == 409
    assert real_redis.xlen(keys.ORDER_STREAM) == 2
    assert stock(real_redis, "vip") == (4, 1, 0)


def test_cancelling_a_reserved_order_releases_its_tickets_once(real_client, real_redis, held):
    response = real_client.post(f"/orders/{held}/cancel")
    assert response.status_code == 200
    assert response.get_json() == {"orderId": held, "status": "cancelled"}
    assert stock(real_redis, "vip") == (5, 0, 0) and stock(real_redis, "adult") == (100, 0, 0)
    order = real_client.get(f"/orders/{held}").get_json()
    assert (order["status"], order["reason"]) == ("cancelled", "cancelled_by_customer")
    assert real_client.post(f"/orders/{held}/cancel").status_code == 409
    assert real_client.post(f"/orders/{held}/payment", json={"paymentMethod": "paypal"}).status_code == 409
    assert stock(real_redis, "vip") == (5, 0, 0)


@pytest.mark.parametrize("action", ["payment", "cancel"])
def test_after_the_deadline_payment_and_cancel_answer_410_and_the_hold_is_released(
    real_client, real_redis, held, action
):
    real_redis.hset(keys.order_key(held), "holdExpiresAtMs", 1)
    response = real_client.post(f"/orders/{held}/{action}", json={"paymentMethod": "paypal"})
    assert response.status_code == 410 and "expired" in response.get_json()["error"]
    assert real_redis.hget(keys.order_key(held), "status") == "expired"
    assert stock(real_redis, "vip") == (5, 0, 0)
    assert real_client.post(f"/orders/{held}/{action}", json={"paymentMethod": "paypal"}).status_code == 410


def test_unknown_orders_are_404_and_bad_bodies_400(real_client, held):
    for path in ("/orders/nope/payment", "/orders/nope/cancel", f"/orders/{'x' * 100}/cancel"):
        response = real_client.post(path, json={"paymentMethod": "paypal"})
        assert response.status_code == 404 and "not found" in response.get_json()["error"]
    bad = real_client.post(f"/orders/{held}/payment", json={"paymentMethod": "cash"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "paymentMethod"
    assert real_client.post(f"/orders/{held}/payment", json={}).status_code == 400


def test_only_a_reserved_pay_later_order_can_be_paid(real_client, real_redis):
    pending = real_client.post("/orders", json=order_body(payLater=True)).get_json()["orderId"]
    response = real_client.post(f"/orders/{pending}/payment", json={"paymentMethod": "paypal"})
    assert response.status_code == 409 and "pending" in response.get_json()["error"]
    plain = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    assert reserve(real_redis, plain) == ["reserved", "0"]
    response = real_client.post(f"/orders/{plain}/payment", json={"paymentMethod": "paypal"})
    assert response.status_code == 409 and "payLater" in response.get_json()["error"]
    assert real_redis.hget(keys.order_key(plain), "status") == "reserved"


def test_the_record_shows_the_payment_once_tried(real_client, real_redis, held):
    real_redis.hset(
        keys.order_key(held),
        mapping={"status": "confirmed", "paymentStatus": "approved", "paymentAttempts": 2, "chargeId": "ch_1"},
    )
    order = real_client.get(f"/orders/{held}").get_json()
    assert order["payment"] == {"status": "approved", "attempts": 2, "chargeId": "ch_1"}


def test_status_and_metrics_show_held_stock_and_a_zero_drift(real_client, real_redis, held):
    vip = next(s for s in real_client.get("/system/status").get_json()["stock"] if s["ticketId"] == "vip")
    assert (vip["available"], vip["held"], vip["sold"], vip["drift"]) == (4, 1, 0, 0)
    metrics = real_client.get("/metrics").get_data(as_text=True)
    assert 'ticketing_stock_held_tickets{ticket_id="vip"} 1.0' in metrics
    assert 'ticketing_stock_drift_tickets{ticket_id="vip"} 0.0' in metrics
