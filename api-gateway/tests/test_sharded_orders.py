"""The order path with REDIS_SHARDS=3, on one real redis-server and on a Redis Cluster: a catalogue of two events on different
shards, served by two gateway apps; each order stored, queued and decided in its event's shard against
that shard's stock only; reads by id, payment and cancel on the id's shard; the dashboard's totals,
stock and backlog summed over shards; the reset of every shard; a sale's waiting room in its shard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import redis

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from api_gateway.waiting_room import AdmissionRule, admit
from ticketing_common import keys, lifecycle

pytestmark = pytest.mark.integration

SHARDS = keys.Shards(3)
DECIDE_LUA = (Path(__file__).resolve().parents[2] / "order-worker/order_worker/decide_order.lua").read_text()
NOW = "2026-01-01T00:00:00.000Z"
PLAIN_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def event_on(shard: int) -> str:
    """An event id that keys.shard_of_event puts on `shard` of 3."""
    return next(f"gig-{i}" for i in range(1000) if SHARDS.of_event(f"gig-{i}") == shard)


# Shard 0 (plain UUID order ids, as with one shard) and shard 2 (ids "s2-<uuid>").
EVENT_0, EVENT_2 = event_on(0), event_on(2)


def event(event_id: str, prefix: str) -> dict:
    return {
        "id": event_id,
        "name": f"Gig {event_id}",
        "currency": "EUR",
        "tickets": [
            {"id": f"{prefix}-adult", "name": "Adult", "type": "adult", "price": 40.00, "stock": 10},
            {"id": f"{prefix}-vip", "name": "VIP", "type": "vip", "price": 150.00, "stock": 1},
        ],
    }


def app_for(tmp_path: Path, real_redis, **overrides):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps([event(EVENT_0, "a"), event(EVENT_2, "b")]))
    settings = GatewaySettings(
        catalogue_path=path,
        redis_shards=3,
        max_tickets_per_order=10,
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
        **overrides,
    )
    return create_app(settings, real_redis).test_client()


@pytest.fixture
def real_redis(redis_target):
    """Every test here twice: on one Redis and on the local Redis Cluster (3 masters: each shard its own)."""
    client = redis_target.client()
    yield client
    client.close()


@pytest.fixture
def gateways(tmp_path, real_redis):
    """Two gateway apps (as two replicas) on the same Redis and catalogue."""
    return app_for(tmp_path, real_redis), app_for(tmp_path, real_redis)


def order(client, ticket: str, qty: int = 1, headers: dict[str, str] | None = None, **extra) -> str:
    body = {
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "items": [{"ticketId": ticket, "qty": qty}],
        "paymentMethod": "credit_card",
        **extra,
    }
    response = client.post("/orders", json=body, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["orderId"]


def decide_all(r, shard: int) -> dict[str, str]:
    """What a worker does on shard `shard`: decide_order.lua on each entry of that shard's stream."""
    stream = SHARDS.order_stream(shard)
    r.xgroup_create(stream, keys.CONSUMER_GROUP, id="0", mkstream=True)
    decide = r.register_script(DECIDE_LUA)
    outcomes = {}
    for _, entries in r.xreadgroup(keys.CONSUMER_GROUP, "w", {stream: ">"}) or []:
        for entry_id, fields in entries:
            order_id = fields[keys.STREAM_ORDER_ID_FIELD]
            step_keys, args = lifecycle.reserve_call(
                order_id, entry_id=entry_id, now=NOW, hold_ms=600_000, shards=SHARDS
            )
            outcomes[order_id] = decide(keys=step_keys, args=args)[0]
    return outcomes


def figures(r, shard: int, ticket: str) -> tuple[int, int, int]:
    return tuple(
        int(r.hget(h, ticket) or 0) for h in (SHARDS.stock(shard), SHARDS.stock_held(shard), SHARDS.stock_sold(shard))
    )


def test_the_events_are_on_different_shards_and_so_is_their_stock(gateways, real_redis):
    assert (SHARDS.of_event(EVENT_0), SHARDS.of_event(EVENT_2)) == (0, 2)
    assert real_redis.hgetall(SHARDS.stock(0)) == {"a-adult": "10", "a-vip": "1"}
    assert real_redis.hgetall(SHARDS.stock(2)) == {"b-adult": "10", "b-vip": "1"}
    assert not real_redis.exists(SHARDS.stock(1))
    if isinstance(real_redis, redis.RedisCluster):  # 3 masters, 3 shards: each shard on its own master
        nodes = {real_redis.get_node_from_key(SHARDS.stock(k)).name for k in SHARDS}
        assert len(nodes) == 3


def test_each_order_is_stored_queued_and_decided_in_its_events_shard(gateways, real_redis):
    a, b = gateways
    a_first, a_second = order(a, "a-vip"), order(a, "a-vip")
    b_first = order(b, "b-vip")
    # Shard 0 keeps plain UUID ids; shard 2's name it.
    assert PLAIN_UUID.fullmatch(a_first) and PLAIN_UUID.fullmatch(a_second)
    assert b_first.startswith("s2-") and PLAIN_UUID.fullmatch(b_first.removeprefix("s2-"))
    assert keys.shard_of_order(b_first) == 2
    assert real_redis.exists(SHARDS.order(a_first), SHARDS.order(a_second), SHARDS.order(b_first)) == 3
    assert real_redis.xlen(SHARDS.order_stream(0)) == 2
    assert real_redis.xlen(SHARDS.order_stream(2)) == 1
    assert not real_redis.exists(SHARDS.order_stream(1))
    # Every order key of shard 2 carries its tag: one slot for each of its steps on a cluster.
    assert all(k.startswith(SHARDS.prefix(2)) for k in real_redis.keys("*") if "s2-" in k)

    # One VIP ticket per event: the second order of event 0 is rejected, event 2's is not affected.
    assert decide_all(real_redis, 0) == {a_first: "reserved", a_second: "rejected"}
    assert decide_all(real_redis, 2) == {b_first: "reserved"}
    assert figures(real_redis, 0, "a-vip") == (0, 1, 0)
    assert figures(real_redis, 2, "b-vip") == (0, 1, 0)


def test_get_pay_and_cancel_go_to_the_shard_the_id_names(gateways, real_redis):
    a, b = gateways
    paid, cancelled = order(b, "b-adult", 2, payLater=True), order(b, "b-adult", 3, payLater=True)
    decide_all(real_redis, 2)
    # Either gateway reads any order: the id says where it is.
    for client in (a, b):
        got = client.get(f"/orders/{paid}")
        assert got.status_code == 200 and got.get_json()["status"] == "reserved"
    response = b.post(f"/orders/{paid}/payment", json={"paymentMethod": "credit_card"})
    assert response.status_code == 202 and response.get_json()["status"] == "paying"
    assert a.post(f"/orders/{cancelled}/cancel").get_json()["status"] == "cancelled"
    assert figures(real_redis, 2, "b-adult") == (8, 2, 0)  # 3 back to available, 2 held by the paying one
    assert real_redis.xlen(SHARDS.order_stream(2)) == 3  # two orders and the payment's entry
    assert not real_redis.exists(SHARDS.order_stream(0))


@pytest.mark.parametrize(
    "order_id",
    ["s7-00000000-0000-4000-8000-000000000001", "s2-00000000-0000-4000-8000-000000000001", "s2-nonsense"],
)
def test_an_id_of_a_missing_shard_or_order_is_404_and_nothing_is_written(gateways, real_redis, order_id):
    a, _ = gateways
    before = set(real_redis.keys("*"))
    assert a.get(f"/orders/{order_id}").status_code == 404
    assert a.post(f"/orders/{order_id}/cancel").status_code == 404
    assert a.post(f"/orders/{order_id}/payment", json={"paymentMethod": "credit_card"}).status_code == 404
    assert "error" in a.get(f"/orders/{order_id}").get_json()
    assert set(real_redis.keys("*")) == before


def test_an_idempotency_key_replays_in_its_events_shard(gateways, real_redis):
    _, b = gateways
    body = {
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "items": [{"ticketId": "b-adult", "qty": 1}],
        "paymentMethod": "credit_card",
    }
    first = b.post("/orders", json=body, headers={"Idempotency-Key": "k-1"})
    again = b.post("/orders", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["orderId"] == first.get_json()["orderId"]
    assert real_redis.exists(SHARDS.idempotency(2, "k-1"))
    assert real_redis.xlen(SHARDS.order_stream(2)) == 1


def test_the_dashboard_sums_totals_and_backlog_over_shards(gateways, real_redis):
    a, b = gateways
    order(a, "a-vip")
    order(a, "a-vip")
    order(b, "b-adult", 4)
    # Shard 0: one rejected (acknowledged), one reserved (its entry stays pending until paid); shard 2's
    # order waits, undelivered (no group there yet).
    decide_all(real_redis, 0)
    status = a.get("/system/status").get_json()
    assert status["totals"]["accepted"] == 3
    assert status["totals"]["decided"] == 1
    assert status["totals"]["byStatus"]["rejected"] == 1
    assert status["stream"] == {"length": 3, "lag": 1, "pending": 1, "deadLetter": 0}
    assert [(c["name"], c["pending"]) for c in status["consumers"]] == [("w", 1)]
    # Every event's tickets, each read from the shard that holds it.
    assert {s["ticketId"]: (s["available"], s["held"]) for s in b.get("/system/status").get_json()["stock"]} == {
        "a-adult": (10, 0),
        "a-vip": (0, 1),
        "b-adult": (10, 0),
        "b-vip": (1, 0),
    }
    metrics = a.get("/metrics").get_data(as_text=True)
    assert "ticketing_stream_length 3.0" in metrics
    assert 'ticketing_stock_held_tickets{ticket_id="a-vip"} 1.0' in metrics
    assert 'ticketing_stock_available_tickets{ticket_id="b-adult"} 10.0' in metrics


def test_a_backlog_bound_holds_per_shard(tmp_path, real_redis):
    # The bound is checked in the enqueue step, which sees only its own shard: each shard's workers get
    # at most MAX_STREAM_BACKLOG waiting orders.
    client = app_for(tmp_path, real_redis, max_stream_backlog=2)
    order(client, "a-adult")
    order(client, "b-adult")
    order(client, "b-adult")
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": "b-adult", "qty": 1}],
        "paymentMethod": "credit_card",
    }
    refused = client.post("/orders", json=body)
    assert refused.status_code == 503 and "error" in refused.get_json()
    assert real_redis.xlen(SHARDS.order_stream(2)) == 2
    order(client, "a-adult")  # shard 0 has room for one more
    assert real_redis.xlen(SHARDS.order_stream(0)) == 2


def test_the_reset_clears_every_shard_and_bumps_each_generation(gateways, real_redis):
    a, b = gateways
    kept_away = order(a, "a-vip")
    order(b, "b-vip")
    decide_all(real_redis, 0)
    decide_all(real_redis, 2)
    response = a.post("/system/reset")
    assert response.status_code == 200 and response.get_json()["deleted"] == 2
    assert [real_redis.get(SHARDS.generation(k)) for k in SHARDS] == ["1", "1", "1"]
    assert not real_redis.exists(SHARDS.order(kept_away))
    for k in SHARDS:
        assert not real_redis.exists(SHARDS.order_stream(k), SHARDS.stock_held(k), SHARDS.holds(k))
    # Each event's stock is back, in its shard.
    assert real_redis.hgetall(SHARDS.stock(0)) == {"a-adult": "10", "a-vip": "1"}
    assert real_redis.hgetall(SHARDS.stock(2)) == {"b-adult": "10", "b-vip": "1"}


def test_the_waiting_room_of_an_event_lives_in_its_shard_and_gates_its_orders(tmp_path, real_redis):
    # The gateway's room is the default event's (DEFAULT_EVENT_ID): event 2's here.
    app_client = app_for(tmp_path, real_redis, default_event_id=EVENT_2)
    app = app_client.application
    s = app.extensions["ticketing"]
    room = f"/sales/{EVENT_2}/room"
    assert app_client.put(room, json={"state": "open", "rate": 100_000}).status_code == 200
    assert real_redis.hget(SHARDS.room(2, EVENT_2), "state") == "open"
    assert not real_redis.exists(keys.room_key(EVENT_2))  # not shard 0's of one shard
    refused = app_client.post(
        "/orders",
        json={
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "items": [{"ticketId": "b-adult", "qty": 1}],
            "paymentMethod": "credit_card",
        },
    )
    assert refused.status_code == 401
    visitor = app_client.post(f"/sales/{EVENT_2}/queue", json={}).get_json()["visitorId"]
    assert real_redis.zscore(SHARDS.room_waiting(2, EVENT_2), visitor) is not None
    for _ in range(1000):  # a step in the same millisecond as the last admits nobody
        admit(s.redis, s.admit_room, EVENT_2, AdmissionRule(), s.shards)
        if real_redis.zscore(SHARDS.room_admitted(2, EVENT_2), visitor) is not None:
            break
    status = app_client.get(f"/sales/{EVENT_2}/queue/{visitor}").get_json()
    assert status["status"] == "admitted"
    order(app_client, "b-adult", headers={"Admission-Token": status["admissionToken"]})
    assert real_redis.hget(SHARDS.room_uses(2, EVENT_2), visitor) == "1"
    assert app_client.get(f"/sales/{EVENT_2}/room").get_json()["admittedTotal"] == 1


def test_an_order_of_tickets_of_two_events_is_422_and_nothing_is_written(gateways, real_redis):
    a, _ = gateways
    before = set(real_redis.keys("*"))
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": "a-adult", "qty": 1}, {"ticketId": "b-adult", "qty": 1}],
        "paymentMethod": "credit_card",
    }
    response = a.post("/orders", json=body)
    assert response.status_code == 422 and "one event" in response.get_json()["error"]
    assert set(real_redis.keys("*")) == before


def test_with_replica_acks_a_201_means_a_replica_holds_the_order(tmp_path, real_redis):
    client = app_for(tmp_path, real_redis, order_replica_acks=1, order_replica_timeout_ms=1000)
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": "b-adult", "qty": 1}],
        "paymentMethod": "credit_card",
    }
    response = client.post("/orders", json=body, headers={"Idempotency-Key": "k-r"})
    if not isinstance(real_redis, redis.RedisCluster):
        # One Redis has no replica: the order is written but not confirmed; a retry replays it.
        assert response.status_code == 503 and response.headers["Retry-After"] == "2"
        assert "Idempotency-Key" in response.get_json()["error"]
        assert real_redis.xlen(SHARDS.order_stream(2)) == 1
        again = client.post("/orders", json=body, headers={"Idempotency-Key": "k-r"})
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert real_redis.xlen(SHARDS.order_stream(2)) == 1
        return
    assert response.status_code == 201
    order_id = response.get_json()["orderId"]
    # The slot's master's replica (3 masters + 3 replicas) holds it: read there, directly.
    master = real_redis.get_node_from_key(SHARDS.order(order_id))
    master_id = real_redis.cluster_myid(master)
    found = []
    for address, node in real_redis.cluster_nodes().items():
        if "slave" in node["flags"] and node["master_id"] == master_id:
            host, port = address.split("@")[0].rsplit(":", 1)
            replica = redis.Redis(host=host, port=int(port), decode_responses=True)
            replica.execute_command("READONLY")
            found.append(replica.hget(SHARDS.order(order_id), "status"))
            replica.close()
    assert found == ["pending"]


def test_the_default_events_room_gates_its_orders_only(gateways, real_redis):
    a, _ = gateways  # the default event: the catalogue's first, EVENT_0
    later = "2099-01-01T00:00:00Z"
    assert a.put(f"/sales/{EVENT_0}/room", json={"state": "open", "opensAt": later}).status_code == 200
    assert a.post("/orders", json=order_json("a-adult")).status_code == 425  # its sale is not open yet
    assert a.put(f"/sales/{EVENT_0}/room", json={"opensAt": None}).status_code == 200
    refused = a.post("/orders", json=order_json("a-adult"))
    assert refused.status_code == 401 and "Admission-Token" in refused.get_json()["error"]
    # Another event's order needs no token of this room (its own room, off, is read in the enqueue step).
    other = order(a, "b-adult")
    assert other.startswith("s2-")
    assert real_redis.xlen(SHARDS.order_stream(0)) == 0


def order_json(ticket: str) -> dict:
    return {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": ticket, "qty": 1}],
        "paymentMethod": "credit_card",
    }
