"""The live-updates service with REDIS_SHARDS=3, on one real redis-server and on a Redis Cluster (one
events reader per shard there): the changes of orders of
shards 0 and 2 (made by the real Lua steps on each order's shard) all arrive; event ids are the
shard's stream's (``2:<entry id>`` on shard 2, plain on shard 0); a reconnect with either format
replays what was missed; the stock channel merges every shard's stock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import cast

import pytest
import redis

from ticketing_common import keys, lifecycle, redis_client
from ticketing_common.order_record import GENERATION, OrderLine, new_order_fields, utc_timestamp

from .conftest import DECIDE_LUA, NOW, Live, running_service

pytestmark = pytest.mark.integration

SHARDS = keys.Shards(3)


@pytest.fixture(scope="module", params=["single", pytest.param("cluster", marks=pytest.mark.cluster)])
def store(request: pytest.FixtureRequest) -> tuple[str, bool]:
    """(URL, cluster?): the module's tests once on one Redis, once on the local Redis Cluster."""
    cluster = request.param == "cluster"
    return request.getfixturevalue("redis_cluster_url" if cluster else "redis_url"), cluster


@pytest.fixture
def real_redis(store: tuple[str, bool]) -> Iterator[redis.Redis]:
    url, cluster = store
    client = cast("redis.Redis", redis_client.connect(url, cluster=cluster))
    client.flushdb()  # on a cluster: every master
    yield client
    client.close()


@pytest.fixture(scope="module")
def sharded_service(store: tuple[str, bool]) -> Iterator[str]:
    url, cluster = store
    with running_service(url, REDIS_CLUSTER="true" if cluster else "false", REDIS_SHARDS=str(SHARDS.count)) as base:
        yield base


@pytest.fixture
def live(sharded_service: str, real_redis: redis.Redis) -> Iterator[Live]:
    client = Live(sharded_service)
    yield client
    client.close()


class ShardedOrders:
    """Orders of a shard moved by the real Lua steps, on that shard's keys (lifecycle's calls)."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        for k, ticket in ((0, "a-adult"), (2, "b-adult")):
            r.hset(SHARDS.stock(k), ticket, 100)
            r.hset(SHARDS.stock_initial(k), ticket, 100)
            r.xgroup_create(SHARDS.order_stream(k), keys.CONSUMER_GROUP, id="0", mkstream=True)
        self.decide = r.register_script(DECIDE_LUA)
        self.start = r.register_script(lifecycle.lua("start_payment.lua"))
        self.confirm_script = r.register_script(lifecycle.lua("confirm_order.lua"))
        self.entries: dict[str, str] = {}

    def create(self, shard: int) -> str:
        order_id = SHARDS.new_order_id(shard)
        ticket = "a-adult" if shard == 0 else "b-adult"
        fields = new_order_fields(
            order_id=order_id,
            customer_name="Ada",
            customer_email="ada@example.com",
            payment_method="card",
            lines=[OrderLine(ticket, "Adult", 1, Decimal("10.00"))],
            currency="EUR",
            created_at=utc_timestamp(),
        )
        stream = SHARDS.order_stream(shard)
        self.r.hset(SHARDS.order(order_id), mapping={**fields, GENERATION: "0"})
        self.r.xadd(stream, {keys.STREAM_ORDER_ID_FIELD: order_id})
        got = self.r.xreadgroup(keys.CONSUMER_GROUP, "w", {stream: ">"})
        self.entries[order_id] = got[0][1][-1][0]
        return order_id

    def reserve(self, order_id: str) -> None:
        step_keys, args = lifecycle.reserve_call(order_id, entry_id=self.entries[order_id], now=NOW, shards=SHARDS)
        assert self.decide(keys=step_keys, args=args)[0] == "reserved"

    def pay(self, order_id: str) -> None:
        step_keys, args = lifecycle.start_payment_call(order_id, now=NOW, shards=SHARDS)
        assert self.start(keys=step_keys, args=args)[0] == "paying"

    def confirm(self, order_id: str) -> None:
        step_keys, args = lifecycle.confirm_call(order_id, now=NOW, shards=SHARDS)
        assert self.confirm_script(keys=step_keys, args=args)[0] == "confirmed"


@pytest.fixture
def orders(real_redis: redis.Redis) -> ShardedOrders:
    return ShardedOrders(real_redis)


def shard_entries(r: redis.Redis, shard: int, order_id: str) -> list[str]:
    return [eid for eid, f in r.xrange(SHARDS.order_events(shard)) if f["orderId"] == order_id]


def test_changes_of_orders_on_every_shard_arrive_with_their_shards_event_ids(live, orders, real_redis):
    on_0, on_2 = orders.create(0), orders.create(2)
    first, second = live.stream(f"/orders/{on_0}"), live.stream(f"/orders/{on_2}")
    assert first.next().data["status"] == second.next().data["status"] == "pending"
    for order_id in (on_2, on_0):
        orders.reserve(order_id)
        orders.pay(order_id)
        orders.confirm(order_id)
    got_0, got_2 = first.until_closed(), second.until_closed()
    assert [e.data["status"] for e in got_0] == [e.data["status"] for e in got_2] == ["reserved", "paying", "confirmed"]
    assert all(e.data["orderId"] == on_2 for e in got_2)
    # Shard 0 keeps the one-shard format; shard 2's ids name their stream.
    assert [e.id for e in got_0] == shard_entries(real_redis, 0, on_0)
    assert [e.id for e in got_2] == [f"2:{eid}" for eid in shard_entries(real_redis, 2, on_2)]
    assert not real_redis.exists(SHARDS.order_events(1))


@pytest.mark.parametrize("shard", [0, 2])
def test_a_reconnect_with_last_event_id_replays_the_missed_changes_of_its_shard(live, orders, shard):
    order_id = orders.create(shard)
    sse = live.stream(f"/orders/{order_id}")
    assert sse.next().data["status"] == "pending"
    orders.reserve(order_id)
    reserved = sse.next()
    assert reserved.data["status"] == "reserved"
    sse.response.close()
    orders.pay(order_id)
    orders.confirm(order_id)
    again = live.stream(f"/orders/{order_id}", headers={"Last-Event-ID": reserved.id})
    assert [e.data["status"] for e in again.until_closed()] == ["paying", "confirmed"]


def test_a_last_event_id_of_another_shard_gets_the_order_as_it_is(live, orders, real_redis):
    order_id = orders.create(2)
    orders.reserve(order_id)
    [entry] = shard_entries(real_redis, 2, order_id)
    # The plain (shard 0) form of shard 2's entry id: another stream's position, so no replay from it.
    events = live.stream(f"/orders/{order_id}", headers={"Last-Event-ID": entry})
    first = events.next()
    assert first.data["status"] == "reserved" and first.id == f"2:{entry}"


def test_an_order_id_of_a_shard_the_deployment_has_not_is_404(live):
    response = live.http.get("/orders/s5-00000000-0000-4000-8000-000000000001")
    assert response.status_code == 404 and "no order" in response.json()["error"]


def test_the_stock_channel_merges_every_shards_stock(live, orders, real_redis):
    sse = live.stream("/stock")
    assert {t["id"]: t["available"] for t in sse.next().data["tickets"]} == {"a-adult": 100, "b-adult": 100}
    orders.reserve(orders.create(2))
    changed = sse.next()
    assert {t["id"]: (t["available"], t["held"]) for t in changed.data["tickets"]} == {
        "a-adult": (100, 0),
        "b-adult": (99, 1),
    }


def test_a_visitors_place_is_read_from_the_room_in_its_events_shard(live, real_redis):
    sale = next(f"gig-{i}" for i in range(1000) if SHARDS.of_event(f"gig-{i}") == 2)
    visitor = "00000000-0000-4000-8000-00000000000a"
    real_redis.hset(SHARDS.room(2, sale), mapping={"state": "open", "rate": "2"})
    real_redis.zadd(SHARDS.room_waiting(2, sale), {"someone-else": 1, visitor: 2})
    sse = live.stream(f"/sales/{sale}/queue/{visitor}")
    first = sse.next()
    assert first.data["position"] == 2 and first.data["admissionRatePerSecond"] == 2.0
    real_redis.zrem(SHARDS.room_waiting(2, sale), visitor)
    real_redis.zadd(SHARDS.room_admitted(2, sale), {visitor: 1})
    assert [e.data["status"] for e in sse.until_closed()] == ["admitted"]
