import pytest

from ticketing_common import keys
from ticketing_common.status import OrderStatus

from .conftest import order_body


def test_an_order_is_answered_201_pending_priced_from_the_catalogue(real_client):
    response = real_client.post("/orders", json=order_body())
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["grandTotal"] == 2 * 40.00 + 150.00
    assert body["currency"] == "EUR"
    assert body["message"]
    assert response.headers["Location"] == f"/orders/{body['orderId']}"


def test_the_order_and_its_stream_entry_are_both_written(real_client, real_redis):
    order_id = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    assert real_redis.hget(keys.order_key(order_id), "status") == OrderStatus.PENDING
    entries = real_redis.xrange(keys.ORDER_STREAM)
    assert [fields for _, fields in entries] == [{keys.STREAM_ORDER_ID_FIELD: order_id}]


def test_every_price_comes_from_the_catalogue(real_client):
    # (A client cannot even send one: unitPrice and grandTotal are unknown fields, refused with 400.)
    body = order_body(items=[{"ticketId": "adult", "qty": 1}])
    created = real_client.post("/orders", json=body).get_json()
    assert created["grandTotal"] == 40.00
    order = real_client.get(f"/orders/{created['orderId']}").get_json()
    assert order["items"] == [{"ticketId": "adult", "type": "adult", "qty": 1, "unitPrice": 40.0, "total": 40.0}]


def test_get_order_returns_the_spec_order(real_client):
    created = real_client.post("/orders", json=order_body()).get_json()
    order = real_client.get(f"/orders/{created['orderId']}").get_json()
    assert order["orderId"] == created["orderId"]
    assert order["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert order["items"][1] == {"ticketId": "vip", "type": "vip", "qty": 1, "unitPrice": 150.0, "total": 150.0}
    assert order["grandTotal"] == 230.0
    assert order["status"] == "pending"
    assert order["createdAt"].endswith("Z")
    assert "reason" not in order


def test_a_rejected_order_shows_its_reason(real_client, real_redis):
    order_id = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    real_redis.hset(keys.order_key(order_id), mapping={"status": "rejected", "reason": "insufficient_stock"})
    order = real_client.get(f"/orders/{order_id}").get_json()
    assert (order["status"], order["reason"]) == ("rejected", "insufficient_stock")


@pytest.mark.parametrize("order_id", ["no-such-order", "x" * 500])
def test_an_unknown_order_is_404_with_a_json_error(real_client, order_id):
    response = real_client.get(f"/orders/{order_id}")
    assert response.status_code == 404
    assert "not found" in response.get_json()["error"]


def test_every_route_is_served_under_v1_too(real_client):
    created = real_client.post("/v1/orders", json=order_body())
    assert created.status_code == 201
    assert created.headers["Location"].startswith("/v1/orders/")
    assert real_client.get(created.headers["Location"]).status_code == 200
    assert real_client.get("/v1/tickets").status_code == 200
    assert real_client.get("/v1/openapi.json").status_code == 200


def test_intake_does_not_check_stock_an_order_for_a_sold_out_ticket_is_still_accepted(real_client, real_redis):
    # Intake does not check stock: that decision is the worker's, atomically.
    real_redis.hset(keys.STOCK, "vip", 0)
    response = real_client.post("/orders", json=order_body(items=[{"ticketId": "vip", "qty": 1}]))
    assert response.status_code == 201


def test_payment_methods_are_the_shared_enum_in_the_request_and_the_document(client):
    from api_gateway import models
    from ticketing_common.payment import PaymentMethod

    assert models.CreateOrderRequest.model_fields["paymentMethod"].annotation is PaymentMethod
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["PaymentMethod"]["enum"] == [m.value for m in PaymentMethod]


def test_every_payment_method_is_accepted(real_client):
    from ticketing_common.payment import PaymentMethod

    for method in PaymentMethod:
        response = real_client.post("/orders", json=order_body(paymentMethod=method.value))
        assert response.status_code == 201, response.get_json()
