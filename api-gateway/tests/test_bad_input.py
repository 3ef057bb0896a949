"""Every malformed request gets its 4xx with a JSON error naming the problem, and changes nothing."""

import json

import pytest
from pydantic import SecretStr

from api_gateway.app import create_app

from .conftest import order_body

ADMIN_TOKEN = "an-admin-token-for-the-tests"


@pytest.fixture
def admin_client(settings, real_redis):
    return create_app(settings.model_copy(update={"admin_token": SecretStr(ADMIN_TOKEN)}), real_redis).test_client()


def snapshot(r) -> dict:
    """Everything in Redis, to compare before and after a request."""
    dump = {}
    for key in r.scan_iter("*"):
        kind = r.type(key)
        dump[key] = (
            r.hgetall(key)
            if kind == "hash"
            else r.xrange(key)
            if kind == "stream"
            else r.get(key)
            if kind == "string"
            else kind
        )
    return dump


def without(path: str) -> dict:
    body = order_body()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    del node[int(last) if last.isdigit() else last]
    return body


def with_value(path: str, value) -> dict:
    body = order_body()
    *parents, last = path.split(".")
    node = body
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[int(last) if last.isdigit() else last] = value
    return body


BAD_ORDERS = [
    # (name, body, expected field)
    ("missing customer", without("customer"), "customer"),
    ("missing items", without("items"), "items"),
    ("missing payment method", without("paymentMethod"), "paymentMethod"),
    ("missing name", without("customer.name"), "customer.name"),
    ("missing email", without("customer.email"), "customer.email"),
    ("missing ticket id", without("items.0.ticketId"), "items[0].ticketId"),
    ("missing qty", without("items.1.qty"), "items[1].qty"),
    ("empty items", with_value("items", []), "items"),
    ("items not a list", with_value("items", {"ticketId": "adult"}), "items"),
    ("unknown ticket", with_value("items.1.ticketId", "balcony"), "items[1].ticketId"),
    ("ticket listed twice", with_value("items.1.ticketId", "adult"), "items[1].ticketId"),
    ("qty zero", with_value("items.0.qty", 0), "items[0].qty"),
    ("qty negative", with_value("items.0.qty", -3), "items[0].qty"),
    ("qty as a string", with_value("items.0.qty", "2"), "items[0].qty"),
    ("qty fractional", with_value("items.0.qty", 1.5), "items[0].qty"),
    ("qty boolean", with_value("items.0.qty", True), "items[0].qty"),
    ("qty above the per-order limit", with_value("items.0.qty", 11), "items[0].qty"),
    (
        "order total above the limit",
        order_body(items=[{"ticketId": "adult", "qty": 9}, {"ticketId": "vip", "qty": 2}]),
        "items",
    ),
    ("malformed email", with_value("customer.email", "not-an-email"), "customer.email"),
    ("email not a string", with_value("customer.email", 42), "customer.email"),
    ("empty name", with_value("customer.name", "   "), "customer.name"),
    ("name not a string", with_value("customer.name", ["Ada"]), "customer.name"),
    ("customer not an object", with_value("customer", "Ada"), "customer"),
    ("unknown payment method", with_value("paymentMethod", "iou"), "paymentMethod"),
    ("ticket id not a string", with_value("items.0.ticketId", 7), "items[0].ticketId"),
]


@pytest.mark.parametrize("name, body, field", BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS])
def test_a_malformed_order_is_400_naming_the_field_and_changes_nothing(real_client, real_redis, name, body, field):
    before = snapshot(real_redis)
    response = real_client.post("/orders", json=body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()
    assert error["field"] == field
    assert error["error"].startswith(field)
    assert snapshot(real_redis) == before


@pytest.mark.parametrize(
    "data, content_type",
    [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
        ("", "application/json"),
        ('{"customer": NaN}', "application/json"),
        ("\xff\xfe{", "application/json"),
    ],
    ids=["broken JSON", "a JSON list", "a JSON string", "empty body", "NaN", "not UTF-8"],
)
def test_a_body_that_is_not_a_json_object_is_400_and_changes_nothing(real_client, real_redis, data, content_type):
    before = snapshot(real_redis)
    response = real_client.post("/orders", data=data.encode("latin-1"), content_type=content_type)
    assert response.status_code == 400
    expected = "body: must be a JSON object" if data.startswith(("[", '"')) else "body: is not valid JSON"
    assert response.get_json() == {"error": expected, "field": "body"}
    assert snapshot(real_redis) == before


@pytest.mark.parametrize("path", ["/orders", "/redis"])
@pytest.mark.parametrize(
    "data, content_type",
    [
        (json.dumps(order_body()), "text/plain"),
        ("customer=ada", "application/x-www-form-urlencoded"),
        (json.dumps(order_body()), None),
    ],
    ids=["JSON sent as text/plain", "a form", "no Content-Type"],
)
def test_a_body_of_another_content_type_is_415_and_changes_nothing(admin_client, real_redis, path, data, content_type):
    before = snapshot(real_redis)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = admin_client.post(path, data=data, content_type=content_type, headers=headers)
    assert response.status_code == 415
    assert response.get_json() == {"error": "body: Content-Type must be application/json", "field": "body"}
    assert snapshot(real_redis) == before


@pytest.mark.parametrize(
    "body, field",
    [
        (order_body(grandTotal=0.01), "grandTotal"),
        (order_body(items=[{"ticketId": "adult", "qty": 1, "unitPrice": 0.01}]), "items[0].unitPrice"),
        (with_value("customer.phone", "+44"), "customer.phone"),
    ],
    ids=["grandTotal", "unitPrice", "a field of the customer"],
)
def test_an_unknown_field_is_400_naming_it(real_client, real_redis, body, field):
    before = snapshot(real_redis)
    response = real_client.post("/orders", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": f"{field}: unknown field", "field": field}
    assert snapshot(real_redis) == before


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/redis", {"key": "k", "value": {}, "ttl": 5}, "ttl"),
        ("/redis/k", {"value": {}, "key": "other"}, "key"),
    ],
)
def test_an_unknown_field_in_an_admin_body_is_400_naming_it(admin_client, real_redis, path, body, field):
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    real_redis.set("admin:k", "{}")
    method = admin_client.post if path == "/redis" else admin_client.put
    response = method(path, json=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {"error": f"{field}: unknown field", "field": field}


@pytest.mark.parametrize(
    "name", ["Ada\x00Lovelace", "Ada\nLovelace", "Ada\x1b[2J", "Ada\x7f", "Ada\u0085Lovelace", "Ada\ud800"]
)
def test_a_name_with_control_characters_is_400_and_changes_nothing(real_client, real_redis, name):
    before = snapshot(real_redis)
    body = json.dumps(with_value("customer.name", name))  # json.dumps escapes the lone surrogate as JSON does
    response = real_client.post("/orders", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["field"] == "customer.name"
    if "\ud800" not in name:  # pydantic refuses a lone surrogate itself, in its own words
        assert response.get_json()["error"] == "customer.name: must not contain control characters"
    assert snapshot(real_redis) == before


def test_a_ticket_id_with_control_characters_is_400(real_client):
    response = real_client.post("/orders", json=with_value("items.0.ticketId", "adult\x00"))
    assert response.status_code == 400
    assert response.get_json()["field"] == "items[0].ticketId"


def test_a_body_over_the_size_limit_is_413_and_changes_nothing(real_client, real_redis):
    before = snapshot(real_redis)
    body = with_value("customer.name", "A" * 10_000)  # the test settings allow 4 KiB
    response = real_client.post("/orders", json=body)
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]
    assert snapshot(real_redis) == before


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/no/such/route", 404),
        ("delete", "/orders", 405),
        ("put", "/tickets", 405),
        ("get", "/orders/00000000-0000-0000-0000-000000000000", 404),
        ("get", "/tickets?min_price=cheap", 400),
    ],
)
def test_other_bad_requests_get_a_json_error_and_change_nothing(real_client, real_redis, method, path, status):
    before = snapshot(real_redis)
    response = getattr(real_client, method)(path)
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]
    assert snapshot(real_redis) == before
