"""Every event's sale has a room (issue 17): the dashboard shows the default sale's room and every other
that is on; the queue channel follows visitors of several sales at once, each room in its event's shard
(fakeredis: units of one round)."""

from __future__ import annotations

import asyncio
import json

import fakeredis
import httpx

from live_updates import feeds
from live_updates.hub import Hub
from ticketing_common import keys, room_view

SHARDS = keys.Shards(3)
SALES = [
    {"saleId": "alpha", "room": {"state": "off"}},  # the default event's: always shown
    {"saleId": "gamma", "room": {"state": "open"}},
    {"saleId": "delta", "room": {"state": "off"}},
    {"saleId": "jazz-brunch", "room": {"state": "paused"}},
]


def test_the_dashboard_shows_the_default_sales_room_and_every_room_that_is_on():
    assert feeds.dashboard_sales(SALES) == ["alpha", "gamma", "jazz-brunch"]
    assert feeds.dashboard_sales([{"saleId": 3}, "x", {"room": {}}]) == []
    assert feeds.dashboard_sales(None) == []

    def gateway(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/system/status":
            return httpx.Response(200, json={})
        return httpx.Response(200, json={"sales": SALES})

    async def main():
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        k = SHARDS.of_event("gamma")
        await client.hset(SHARDS.room(k, "gamma"), mapping={"state": "open", "rate": "7"})
        await client.zadd(SHARDS.room_waiting(k, "gamma"), {"v1": 1})
        hub = Hub(queue_size=8, max_subscribers=10)
        sub = hub.subscribe(("dashboard",))
        async with httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url="http://gw") as http:
            await feeds.poll_dashboard(client, http, hub, SHARDS)
        await client.aclose()
        return [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]

    rooms = [json.loads(f.split("data: ", 1)[1]) for f in asyncio.run(main()) if f.startswith("event: room")]
    assert [r["saleId"] for r in rooms] == ["alpha", "gamma", "jazz-brunch"]
    assert rooms[1] == {"saleId": "gamma", "state": "open", "queueLength": 1, "admissionRatePerSecond": 7.0}


def test_the_queue_channel_follows_visitors_of_two_sales_in_their_shards_at_once():
    async def main():
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        for sale, rate, line in (("alpha", "10", ["a1", "a2"]), ("gamma", "2", ["g1", "g2", "g3"])):
            k = SHARDS.of_event(sale)
            await client.hset(SHARDS.room(k, sale), mapping={"state": "open", "rate": rate})
            await client.zadd(SHARDS.room_waiting(k, sale), {v: i for i, v in enumerate(line)})
        await client.zadd(SHARDS.room_admitted(SHARDS.of_event("gamma"), "gamma"), {"g0": 1})
        wanted = [("alpha", "a2"), ("gamma", "g3"), ("gamma", "g0"), ("gamma", "a1")]
        found = await feeds.visitor_statuses(client, wanted, SHARDS)
        await client.aclose()
        return found

    found = asyncio.run(main())
    assert found[("alpha", "a2")] == {
        "status": "waiting",
        "position": 2,
        "ahead": 1,
        "queueLength": 2,
        "admissionRatePerSecond": 10.0,
        "estimatedWaitSeconds": 0.1,
    }
    assert found[("gamma", "g3")]["position"] == 3 and found[("gamma", "g3")]["estimatedWaitSeconds"] == 1.0
    assert found[("gamma", "g0")] == {"status": "admitted"}
    assert found[("gamma", "a1")] is None  # in alpha's line, not gamma's


def test_the_place_and_wait_are_the_shared_room_view_the_gateway_uses_too():
    assert room_view.waiting(4, 2.0) == {"position": 5, "ahead": 4, "estimatedWaitSeconds": 2.0}
    assert room_view.estimated_wait_seconds(3, 0.0) is None
    assert room_view.poll_after_ms(0, 5.0) == room_view.POLL_MIN_MS  # never more often than once a second
    assert room_view.poll_after_ms(10_000, 1.0) == room_view.POLL_MAX_MS
    assert room_view.poll_after_ms(300, 10.0) == 3_000  # a tenth of the 30 s wait
    assert room_view.admitting_rate("open", 5.0, 2_000, now_ms=1_999) == 0.0
    assert room_view.admitting_rate("paused", 5.0, None, now_ms=0) == 0.0
    live = feeds.visitor_status(4, None, ["open", "2", ""], 9, now_ms=0)
    assert live is not None
    assert {k: live[k] for k in ("position", "ahead", "estimatedWaitSeconds")} == room_view.waiting(4, 2.0)


def test_a_scheduled_sales_visitors_see_no_rate_before_the_sale_opens_as_the_gateway_says():
    record = {"id": "jazz-brunch", "saleState": "scheduled", "saleOpensAt": "2099-01-01T10:00:00+00:00"}

    async def main(state: str) -> dict:
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        k = SHARDS.of_event("jazz-brunch")
        await client.hset(SHARDS.room(k, "jazz-brunch"), mapping={"state": "open", "rate": "5", "opensAt": ""})
        await client.zadd(SHARDS.room_waiting(k, "jazz-brunch"), {"v1": 0, "v2": 1})
        await client.hset(keys.CATALOGUE_EVENTS, "jazz-brunch", json.dumps({**record, "saleState": state}))
        found = await feeds.visitor_statuses(client, [("jazz-brunch", "v2")], SHARDS)
        await client.aclose()
        return found[("jazz-brunch", "v2")]

    before = asyncio.run(main("scheduled"))
    assert (before["admissionRatePerSecond"], before["estimatedWaitSeconds"]) == (0.0, None)
    opened = asyncio.run(main("open"))  # the organiser opened the sale: the room's rate again
    assert (opened["admissionRatePerSecond"], opened["estimatedWaitSeconds"]) == (5.0, 0.2)
    assert feeds.sale_opening_ms("not json") is None and feeds.sale_opening_ms(None) is None
