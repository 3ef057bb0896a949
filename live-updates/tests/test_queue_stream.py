"""GET /sales/{saleId}/queue/{visitorId}: the place in line as it changes, then admitted, over real
HTTP from the real service, the room's keys (keys.py) written as the gateway's room keeps them."""

from __future__ import annotations

import uuid

import pytest

from ticketing_common import keys

pytestmark = pytest.mark.integration

SALE = "aurora-2027"


def join(r, count: int) -> list[str]:
    visitors = [str(uuid.uuid4()) for _ in range(count)]
    r.hset(keys.room_key(SALE), mapping={"state": "open", "rate": "2"})
    r.zadd(keys.room_waiting_key(SALE), {v: i + 1 for i, v in enumerate(visitors)})
    return visitors


def test_the_queue_channel_sends_each_change_of_place_then_admitted_and_ends(live, real_redis):
    first, second, third = join(real_redis, 3)
    sse = live.stream(f"/sales/{SALE}/queue/{third}")
    event = sse.next()
    assert event.event == "queue"
    assert event.data == {
        "status": "waiting",
        "position": 3,
        "ahead": 2,
        "queueLength": 3,
        "admissionRatePerSecond": 2.0,
        "estimatedWaitSeconds": 1.0,
    }
    real_redis.zrem(keys.room_waiting_key(SALE), first)  # the first leaves: everyone moves up
    moved = sse.next()
    assert (moved.data["position"], moved.data["ahead"], moved.data["queueLength"]) == (2, 1, 2)

    real_redis.hset(keys.room_key(SALE), "state", "paused")  # no admissions: the rate seen is 0
    paused = sse.next()
    assert paused.data["admissionRatePerSecond"] == 0 and paused.data["estimatedWaitSeconds"] is None

    pipe = real_redis.pipeline(transaction=True)  # admitted, as admit.lua moves them
    pipe.zrem(keys.room_waiting_key(SALE), second, third)
    pipe.zadd(keys.room_admitted_key(SALE), {second: 1, third: 2})
    pipe.execute()
    assert [e.data for e in sse.until_closed()] == [{"status": "admitted"}]


def test_an_unchanged_place_is_not_sent_again(live, real_redis):
    [visitor] = join(real_redis, 1)
    sse = live.stream(f"/sales/{SALE}/queue/{visitor}")
    assert sse.next().data["position"] == 1
    import queue

    with pytest.raises(queue.Empty):
        sse.next(timeout=0.6)  # six polling rounds, nothing changed


def test_a_visitor_never_in_line_is_404_and_a_bad_id_422(live, real_redis):
    join(real_redis, 1)
    response = live.http.get(f"/sales/{SALE}/queue/{uuid.uuid4()}")
    assert response.status_code == 404 and "not in the line" in response.json()["error"]
    response = live.http.get(f"/sales/{SALE}/queue/not-a-uuid")
    assert response.status_code == 422 and "visitorId" in response.json()["error"]


def test_the_stock_channel_sends_the_tickets_then_each_change(live, real_redis):
    real_redis.hset(keys.STOCK, mapping={"adult": 10, "vip": 2})
    sse = live.stream("/stock")
    first = sse.next()
    assert first.event == "stock"
    assert first.data == {
        "tickets": [
            {"id": "adult", "available": 10, "held": 0, "sold": 0},
            {"id": "vip", "available": 2, "held": 0, "sold": 0},
        ]
    }
    pipe = real_redis.pipeline(transaction=True)
    pipe.hincrby(keys.STOCK, "vip", -1)
    pipe.hincrby(keys.STOCK_HELD, "vip", 1)
    pipe.execute()
    assert sse.next().data["tickets"][1] == {"id": "vip", "available": 1, "held": 1, "sold": 0}


def test_metrics_count_subscribers_by_channel(live, real_redis):
    real_redis.hset(keys.STOCK, mapping={"adult": 1})
    sse = live.stream("/stock")
    sse.next()
    text = live.http.get("/metrics").text
    line = next(l for l in text.splitlines() if l.startswith('live_subscribers{channel="stock"}'))
    assert float(line.split()[-1]) >= 1
