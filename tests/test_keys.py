"""The key schema's shards: tags that land in their shard's share of the cluster slots, order ids that
name their shard, one hash tag per shard (so every Lua step's KEYS share a slot), and the one-shard
constants unchanged in meaning."""

from __future__ import annotations

import uuid

import pytest
from redis.crc import key_slot

from ticketing_common import keys


@pytest.mark.parametrize("n", [1, 2, 3, 6, 7, 64])
def test_each_shard_tag_falls_in_its_share_of_the_slots(n):
    for k in range(n):
        tag = keys.shard_tag(k, n)
        assert k * 16384 // n <= key_slot(tag.encode()) < (k + 1) * 16384 // n
        assert tag.startswith(f"s{k}.")


def test_shard_tag_is_the_first_candidate_that_fits():
    tag = keys.shard_tag(2, 3)
    j = int(tag.split(".")[1])
    for earlier in range(j):
        assert not 2 * 16384 // 3 <= key_slot(f"s2.{earlier}".encode()) < 16384


@pytest.mark.parametrize("shard, n", [(-1, 3), (3, 3), (0, 0), (0, 65)])
def test_shard_tag_refuses_shards_outside_the_deployment(shard, n):
    with pytest.raises(ValueError):
        keys.shard_tag(shard, n)


def test_every_key_of_a_shard_shares_its_slot_and_shards_differ():
    shards = keys.Shards(3)
    for k in shards:
        order_id = shards.new_order_id(k)
        shard_keys = [
            shards.stock(k),
            shards.stock_initial(k),
            shards.stock_sold(k),
            shards.stock_held(k),
            shards.holds(k),
            shards.totals_ended(k),
            shards.totals_payments(k),
            shards.refunds_due(k),
            shards.order_stream(k),
            shards.dead_letter_stream(k),
            shards.generation(k),
            shards.order_events(k),
            shards.order(order_id),
            shards.order_prefix(k) + order_id,
            shards.idempotency(k, "client key"),
            shards.room(k, "aurora-2027"),
            shards.room_waiting(k, "aurora-2027"),
            shards.room_admitted(k, "aurora-2027"),
            shards.room_visitors(k, "aurora-2027"),
            shards.room_uses(k, "aurora-2027"),
            shards.room_waits(k, "aurora-2027"),
        ]
        assert all(key.startswith(f"ticketing:{{{shards.tag(k)}}}:") for key in shard_keys)
        assert {key_slot(key.encode()) for key in shard_keys} == {key_slot(shards.tag(k).encode())}
    assert len({shards.stock(k) for k in shards}) == 3


def test_the_module_constants_are_shard_0_of_one_shard():
    one = keys.Shards(1)
    assert keys.STOCK == one.stock(0) == "ticketing:{s0.0}:stock"
    assert one.order_stream(0) == keys.ORDER_STREAM
    assert one.order_events(0) == keys.ORDER_EVENTS
    assert one.generation(0) == keys.GENERATION
    order_id = str(uuid.uuid4())
    assert keys.order_key(order_id) == one.order(order_id)
    assert keys.idempotency_key("k") == one.idempotency(0, "k")
    assert keys.room_uses_key("sale") == one.room_uses(0, "sale")


def test_order_ids_name_their_shard():
    for k in (0, 1, 5, 63):
        order_id = keys.new_order_id(k)
        assert keys.shard_of_order(order_id) == k
    plain = keys.new_order_id(0)
    assert str(uuid.UUID(plain)) == plain  # shard 0 keeps today's plain UUID4
    assert keys.new_order_id(2).startswith("s2-")


@pytest.mark.parametrize(
    "order_id", ["", "nonsense", "s1-not-a-uuid", "s-" + str(uuid.uuid4()), "s01-" + str(uuid.uuid4()), "s1"]
)
def test_an_unparseable_order_id_is_shard_0(order_id):
    assert keys.shard_of_order(order_id) == 0


def test_shards_refuses_an_order_id_of_a_shard_it_does_not_have():
    shards = keys.Shards(2)
    order_id = keys.new_order_id(5)
    assert not shards.owns(order_id)
    with pytest.raises(ValueError):
        shards.order(order_id)
    assert shards.owns(keys.new_order_id(1))


def test_shard_of_event_is_stable_and_in_range():
    assert keys.shard_of_event("aurora-2027", 1) == 0
    assert keys.shard_of_event("aurora-2027", 3) == keys.Shards(3).of_event("aurora-2027")
    assert {keys.shard_of_event(f"event-{i}", 3) for i in range(30)} == {0, 1, 2}


@pytest.mark.parametrize("count", [0, 65, -1])
def test_shards_refuses_a_count_outside_1_to_64(count):
    with pytest.raises(ValueError):
        keys.Shards(count)


def test_globals_touched_by_one_script_share_a_tag():
    def slot(key: str) -> int:
        return key_slot(key.encode())

    assert slot(keys.CONSUMER_HEARTBEATS) == slot(keys.CONSUMER_DECIDED)
    assert slot(keys.SCALING_OBSERVED) == slot(keys.SCALING_EVENTS)
    assert slot(keys.AUTOSCALER_STATE) == slot(keys.AUTOSCALER_EVENTS)
    assert slot(keys.CATALOGUE_EVENTS) == slot(keys.CATALOGUE_TICKETS) == slot(keys.CATALOGUE_VERSION)
    assert keys.CATALOGUE_EVENTS == "ticketing:{catalogue}:events"
