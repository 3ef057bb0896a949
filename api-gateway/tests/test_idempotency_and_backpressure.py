"""Idempotent intake and backpressure, on the real Redis (they live in the enqueue Lua step)."""

import time

import pytest

from api_gateway.app import create_app
from ticketing_common import keys

from .conftest import order_body


def post(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/orders", json=body, headers=headers)


def test_a_retry_with_the_same_key_and_body_returns_the_same_order_and_buys_nothing_twice(real_client, real_redis):
    first = post(real_client, order_body(), key="retry-1")
    again = post(real_client, order_body(), key="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert real_redis.xlen(keys.ORDER_STREAM) == 1
    assert len(list(real_redis.scan_iter(keys.order_key("*")))) == 1


def test_the_same_body_is_recognised_whatever_its_formatting(real_client, real_redis):
    body = order_body()
    reordered = {
        "paymentMethod": body["paymentMethod"],
        "items": body["items"],
        "customer": {"email": "ada@example.com", "name": "  Ada Lovelace "},
    }
    first = post(real_client, body, key="k").get_json()
    assert post(real_client, reordered, key="k").get_json()["orderId"] == first["orderId"]


def test_the_same_key_with_another_body_is_409_and_changes_nothing(real_client, real_redis):
    post(real_client, order_body(), key="k2")
    other = order_body(items=[{"ticketId": "adult", "qty": 1}])
    response = post(real_client, other, key="k2")
    assert response.status_code == 409
    assert response.get_json()["field"] == "Idempotency-Key"
    assert real_redis.xlen(keys.ORDER_STREAM) == 1


def test_different_keys_make_different_orders(real_client, real_redis):
    a = post(real_client, order_body(), key="a").get_json()["orderId"]
    b = post(real_client, order_body(), key="b").get_json()["orderId"]
    assert a != b and real_redis.xlen(keys.ORDER_STREAM) == 2


def test_an_idempotency_key_is_forgotten_after_its_window(settings, real_redis):
    settings.idempotency_ttl_seconds = 1
    client = create_app(settings, real_redis).test_client()
    first = post(client, order_body(), key="short").get_json()["orderId"]
    time.sleep(1.2)  # past the window: the same key now makes a new order
    again = post(client, order_body(), key="short")
    assert "Idempotent-Replayed" not in again.headers
    assert again.get_json()["orderId"] != first
    assert real_redis.xlen(keys.ORDER_STREAM) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_idempotency_key_is_400(real_client, real_redis, key):
    response = real_client.post("/orders", json=order_body(), headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.get_json()["field"] == "Idempotency-Key"
    assert not real_redis.exists(keys.ORDER_STREAM)


def full_backlog_client(settings, real_redis, bound):
    settings.max_stream_backlog = bound
    return create_app(settings, real_redis).test_client()


def test_intake_answers_503_with_retry_after_when_the_backlog_is_full(settings, real_redis):
    client = full_backlog_client(settings, real_redis, bound=3)
    for _ in range(3):
        assert post(client, order_body()).status_code == 201
    response = post(client, order_body())
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "retry" in response.get_json()["error"]
    assert real_redis.xlen(keys.ORDER_STREAM) == 3
    # Reads keep working.
    assert client.get("/tickets").status_code == 200
    assert client.get("/system/status").status_code == 200


def test_the_backlog_counts_undecided_entries_only(settings, real_redis):
    client = full_backlog_client(settings, real_redis, bound=2)
    post(client, order_body()), post(client, order_body())
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0")
    [[_, entries]] = real_redis.xreadgroup(keys.CONSUMER_GROUP, "w", {keys.ORDER_STREAM: ">"})
    real_redis.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, entries[0][0])  # one decided
    assert post(client, order_body()).status_code == 201  # backlog 1 < 2
    assert post(client, order_body()).status_code == 503  # backlog 2


def test_a_replay_is_answered_even_when_the_backlog_is_full(settings, real_redis):
    client = full_backlog_client(settings, real_redis, bound=1)
    first = post(client, order_body(), key="before-the-rush")
    assert post(client, order_body()).status_code == 503
    assert post(client, order_body(), key="before-the-rush").get_json() == first.get_json()
