"""Response bodies are built through the models that document them: the logic hands the routes models."""

import pytest
from pydantic import ValidationError

from api_gateway import models
from api_gateway.catalogue import load_catalogue
from api_gateway.orders import get_order
from api_gateway.system_status import system_status
from api_gateway.tickets import list_tickets
from ticketing_common import keys

from .conftest import order_body


def test_the_logic_returns_the_documented_models(real_client, real_redis, catalogue_path):
    catalogue = load_catalogue(catalogue_path)
    order_id = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    assert isinstance(get_order(real_redis, order_id), models.Order)
    assert all(isinstance(t, models.Ticket) for t in list_tickets(real_redis, keys.Shards(1), catalogue.default_event))
    assert isinstance(system_status(real_redis, catalogue), models.SystemStatus)


def test_a_stored_field_the_order_model_does_not_document_cannot_reach_a_body():
    with pytest.raises(ValidationError):
        models.Order.model_validate(
            {
                "orderId": "o",
                "customer": {"name": "A", "email": "a@b.co"},
                "items": [],
                "grandTotal": 0,
                "currency": "EUR",
                "paymentMethod": "paypal",
                "status": "pending",
                "createdAt": "2027-01-01T00:00:00.000Z",
                "internalNote": "secret",
            }
        )


def test_an_order_body_leaves_out_what_is_not_set_yet(real_client, real_redis):
    order_id = real_client.post("/orders", json=order_body()).get_json()["orderId"]
    body = real_client.get(f"/orders/{order_id}").get_json()
    assert "decidedAt" not in body and "reason" not in body
    real_redis.hset(
        keys.order_key(order_id),
        mapping={"status": "rejected", "reason": "insufficient_stock", "decidedAt": "2027-01-01T00:00:00.000Z"},
    )
    body = real_client.get(f"/orders/{order_id}").get_json()
    assert body["reason"] == "insufficient_stock" and body["decidedAt"] == "2027-01-01T00:00:00.000Z"
    assert models.Order.model_validate(body).status == "rejected"
