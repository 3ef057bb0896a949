"""The dashboard channel: the gateway's status fetched once per round for every subscriber, and each
sale's public room (fakeredis: a unit test of one round)."""

from __future__ import annotations

import asyncio
import json

import fakeredis
import httpx

from live_updates import feeds
from live_updates.hub import Hub
from ticketing_common import keys


def test_one_round_fetches_the_gateway_once_for_all_subscribers_and_sends_status_and_room():
    calls: list[str] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/system/status":
            return httpx.Response(200, json={"backlog": {"lag": 3}})
        return httpx.Response(200, json={"sales": [{"saleId": "aurora-2027", "name": "Aurora"}]})

    async def main():
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        await client.hset(keys.room_key("aurora-2027"), mapping={"state": "open", "rate": "25", "secret": "x"})
        await client.zadd(keys.room_waiting_key("aurora-2027"), {"v1": 1, "v2": 2})
        hub = Hub(queue_size=8, max_subscribers=10)
        subs = [hub.subscribe(("dashboard",)) for _ in range(3)]
        async with httpx.AsyncClient(transport=httpx.MockTransport(gateway), base_url="http://gw") as http:
            await feeds.poll_dashboard(client, http, hub)
        await client.aclose()
        return [[sub.queue.get_nowait() for _ in range(sub.queue.qsize())] for sub in subs]

    frames = asyncio.run(main())
    assert sorted(calls) == ["/sales", "/system/status"]  # once, for the three subscribers
    for sent in frames:
        assert [f.split("\n")[0] for f in sent] == ["event: status", "event: room"]
        room = json.loads(sent[1].split("data: ", 1)[1])
        assert room == {"saleId": "aurora-2027", "state": "open", "queueLength": 2, "admissionRatePerSecond": 25.0}


def test_an_unreachable_gateway_sends_nothing_and_does_not_fail():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async def main():
        client = fakeredis.FakeAsyncRedis(decode_responses=True)
        hub = Hub(queue_size=8, max_subscribers=10)
        sub = hub.subscribe(("dashboard",))
        async with httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://gw") as http:
            await feeds.poll_dashboard(client, http, hub)
        await client.aclose()
        return sub.queue.qsize()

    assert asyncio.run(main()) == 0


def test_nobody_subscribed_no_call():
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("called")

    async def main():
        async with httpx.AsyncClient(transport=httpx.MockTransport(fail), base_url="http://gw") as http:
            await feeds.poll_dashboard(fakeredis.FakeAsyncRedis(), http, Hub(8, 10))

    asyncio.run(main())
