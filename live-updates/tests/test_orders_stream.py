"""GET /orders/{id}: every status change, in order, over real HTTP from the real service, fed by the
real Lua steps on a real redis-server; reconnecting with Last-Event-ID replays what was missed."""

from __future__ import annotations

import pytest

from ticketing_common import keys

pytestmark = pytest.mark.integration


def test_every_status_change_of_an_order_is_delivered_in_order_then_the_stream_ends(live, orders, real_redis):
    order_id = orders.create(qty=2)
    sse = live.stream(f"/orders/{order_id}")
    first = sse.next()
    assert first.event == "order" and first.data["orderId"] == order_id and first.data["status"] == "pending"
    assert first.data["items"][0]["qty"] == 2  # the gateway's Order shape (order_from_fields)
    assert sse.retry == 2000

    assert orders.reserve(order_id) == ["reserved", "0"]
    assert orders.pay(order_id) == ["paying", ""]
    assert orders.confirm(order_id) == ["confirmed", ""]

    rest = sse.until_closed()
    assert [e.data["status"] for e in rest] == ["reserved", "paying", "confirmed"]
    assert all(e.event == "order" and e.data["orderId"] == order_id for e in rest)
    # Each change carries the id of its entry in the events stream, in stream order.
    entries = [eid for eid, f in real_redis.xrange(keys.ORDER_EVENTS) if f["orderId"] == order_id]
    assert [e.id for e in rest] == entries


def test_only_the_followed_order_is_sent(live, orders):
    followed, other = orders.create(), orders.create()
    sse = live.stream(f"/orders/{followed}")
    assert sse.next().data["status"] == "pending"
    orders.reserve(other)
    orders.reserve(followed)
    event = sse.next()
    assert (event.data["orderId"], event.data["status"]) == (followed, "reserved")


def test_a_reconnect_with_last_event_id_replays_the_changes_missed(live, orders):
    order_id = orders.create()
    sse = live.stream(f"/orders/{order_id}")
    assert sse.next().data["status"] == "pending"
    orders.reserve(order_id)
    reserved = sse.next()
    assert reserved.data["status"] == "reserved"
    sse.response.close()  # the connection drops

    orders.pay(order_id)  # missed while away
    orders.confirm(order_id)

    again = live.stream(f"/orders/{order_id}", headers={"Last-Event-ID": reserved.id})
    assert [e.data["status"] for e in again.until_closed()] == ["paying", "confirmed"]


def test_a_terminal_order_is_sent_once_and_the_stream_ends(live, orders):
    order_id = orders.create()
    orders.reserve(order_id)
    orders.pay(order_id)
    orders.confirm(order_id)
    events = live.stream(f"/orders/{order_id}").until_closed()
    assert [e.data["status"] for e in events] == ["confirmed"]


def test_an_unknown_order_is_404_json(live):
    response = live.http.get("/orders/00000000-0000-4000-8000-999999999999")
    assert response.status_code == 404
    assert "no order" in response.json()["error"]


def test_a_malformed_order_id_is_422_json(live):
    response = live.http.get("/orders/" + "x" * 200)
    assert response.status_code == 422 and "orderId" in response.json()["error"]


def test_an_idle_stream_gets_keep_alive_comments(live, orders):
    order_id = orders.create()
    sse = live.stream(f"/orders/{order_id}")
    sse.next()
    import time

    deadline = time.monotonic() + 5
    while not sse.comments and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sse.comments and sse.comments[0] == ": keep-alive"
