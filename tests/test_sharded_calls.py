"""The lifecycle's calls and the backlog's reads with several shards: every call's KEYS are one shard's
(one cluster slot), the shard the order id names (the expiry sweep's: the one it is given); backlog
and store state read per shard and summed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from redis.crc import key_slot

from ticketing_common import backlog, keys, lifecycle
from ticketing_common.order_record import GENERATION, OrderLine, new_order_fields, utc_timestamp
from ticketing_common.settings import ServiceSettings, describe_error
from ticketing_common.status import OrderStatus, Reason

SHARDS = keys.Shards(3)
NOW = "2026-01-01T00:00:00.000Z"


def slots(call: lifecycle.Call) -> set[int]:
    step_keys, _ = call
    return {key_slot(k.encode()) for k in step_keys}


@pytest.mark.parametrize("shard", [0, 1, 2])
def test_every_order_step_is_on_the_shard_its_id_names(shard):
    order_id = SHARDS.new_order_id(shard)
    calls = [
        lifecycle.reserve_call(order_id, entry_id="1-0", now=NOW, shards=SHARDS),
        lifecycle.start_payment_call(order_id, now=NOW, shards=SHARDS),
        lifecycle.confirm_call(order_id, now=NOW, shards=SHARDS),
        lifecycle.release_call(order_id, OrderStatus.CANCELLED, Reason.CANCELLED_BY_CUSTOMER, now=NOW, shards=SHARDS),
        lifecycle.dead_letter_call(order_id, entry_id="1-0", min_deliveries=5, now=NOW, shards=SHARDS),
    ]
    for call in calls:
        assert slots(call) == {key_slot(SHARDS.tag(shard).encode())}
        assert call[0][0] == SHARDS.order(order_id)


def test_the_expiry_sweep_is_on_the_shard_it_is_given_and_names_orders_with_its_prefix():
    step_keys, args = lifecycle.expire_holds_call(batch=10, now=NOW, shard=2, shards=SHARDS)
    assert step_keys[0] == SHARDS.holds(2)
    assert slots((step_keys, args)) == {key_slot(SHARDS.tag(2).encode())}
    assert args[3] == SHARDS.order_prefix(2)
    assert key_slot(f"{args[3]}{SHARDS.new_order_id(2)}".encode()) == key_slot(SHARDS.tag(2).encode())


def test_a_dead_letter_without_an_order_is_on_the_shard_of_its_stream():
    step_keys, _ = lifecycle.dead_letter_call("", entry_id="1-0", min_deliveries=5, now=NOW, shards=SHARDS, shard=1)
    assert step_keys[1] == SHARDS.order_stream(1)
    assert slots((step_keys, [])) == {key_slot(SHARDS.tag(1).encode())}


def test_a_dead_letter_of_an_order_of_another_shard_is_refused():
    with pytest.raises(ValueError):
        lifecycle.dead_letter_call(
            SHARDS.new_order_id(2), entry_id="1-0", min_deliveries=5, now=NOW, shards=SHARDS, shard=1
        )


def test_without_shards_the_calls_are_the_one_shard_keys_as_before():
    order_id = keys.new_order_id(0)
    step_keys, _ = lifecycle.reserve_call(order_id, entry_id="1-0", now=NOW)
    assert step_keys[:2] == [keys.order_key(order_id), keys.STOCK]
    assert lifecycle.expire_holds_call(batch=1, now=NOW)[1][3] == keys.ORDER_PREFIX


def test_the_backlog_is_read_per_shard_and_summed(real_redis):
    for shard, count in ((0, 2), (2, 3)):
        for _ in range(count):
            real_redis.xadd(SHARDS.order_stream(shard), {"orderId": "x"})
    real_redis.xgroup_create(SHARDS.order_stream(2), keys.CONSUMER_GROUP, id="0")
    real_redis.xreadgroup(keys.CONSUMER_GROUP, "w", {SHARDS.order_stream(2): ">"}, count=1)
    pipe = real_redis.pipeline(transaction=False)
    backlog.queue_all_backlog_reads(pipe, SHARDS)
    per_shard = backlog.shard_backlogs(pipe.execute(raise_on_error=False))
    assert per_shard == [
        {"length": 2, "lag": 2, "pending": 0},
        {"length": 0, "lag": 0, "pending": 0},
        {"length": 3, "lag": 2, "pending": 1},
    ]
    assert backlog.sum_backlogs(per_shard) == {"length": 5, "lag": 4, "pending": 1}


def test_the_store_state_merges_every_shard(real_redis):
    real_redis.hset(SHARDS.stock_initial(0), "a", 10)
    real_redis.hset(SHARDS.stock(0), "a", 9)
    real_redis.hset(SHARDS.stock_held(0), "a", 1)
    real_redis.hset(SHARDS.stock_initial(2), "b", 5)
    real_redis.hset(SHARDS.stock(2), "b", 5)
    for shard in (0, 2):
        real_redis.xadd(SHARDS.order_stream(shard), {"orderId": "x"})
        real_redis.xgroup_create(SHARDS.order_stream(shard), keys.CONSUMER_GROUP, id="0")
        real_redis.xreadgroup(keys.CONSUMER_GROUP, "w", {SHARDS.order_stream(shard): ">"})
    real_redis.xadd(SHARDS.dead_letter_stream(1), {"orderId": "y"})
    states = []
    for shard in SHARDS:
        pipe = real_redis.pipeline(transaction=True)
        backlog.queue_state_reads(pipe, SHARDS, shard)
        states.append(backlog.store_state(pipe.execute(raise_on_error=False)))
    merged = backlog.merge_states(states)
    assert merged is not None
    assert merged.backlog == {"length": 2, "lag": 0, "pending": 2}
    assert merged.dead_letter == 1
    assert merged.stock == {
        "a": {"initial": 10, "available": 9, "held": 1, "sold": 0, "drift": 0},
        "b": {"initial": 5, "available": 5, "held": 0, "sold": 0, "drift": 0},
    }
    assert merged.consumers["w"]["pending"] == 2
    assert backlog.merge_states([*states, None]) is None


def test_the_expiry_sweep_of_a_shard_releases_only_that_shards_overdue_holds(real_redis):
    decide = real_redis.register_script(
        (Path(__file__).resolve().parent.parent / "order-worker/order_worker/decide_order.lua").read_text()
    )
    sweep = real_redis.register_script(lifecycle.lua("expire_holds.lua"))
    for shard in (0, 2):
        real_redis.hset(SHARDS.stock(shard), "t", 10)
        real_redis.hset(SHARDS.stock_initial(shard), "t", 10)
        order_id = SHARDS.new_order_id(shard)
        fields = new_order_fields(
            order_id=order_id,
            customer_name="Ada",
            customer_email="ada@example.com",
            payment_method="card",
            lines=[OrderLine("t", "t", 2, Decimal("1.00"))],
            currency="EUR",
            created_at=utc_timestamp(),
        )
        real_redis.hset(SHARDS.order(order_id), mapping={**fields, GENERATION: "0"})
        stream = SHARDS.order_stream(shard)
        real_redis.xadd(stream, {keys.STREAM_ORDER_ID_FIELD: order_id})
        real_redis.xgroup_create(stream, keys.CONSUMER_GROUP, id="0")
        [[_, [(entry_id, _)]]] = real_redis.xreadgroup(keys.CONSUMER_GROUP, "w", {stream: ">"})
        step_keys, args = lifecycle.reserve_call(order_id, entry_id=entry_id, now=NOW, hold_ms=-1, shards=SHARDS)
        assert decide(keys=step_keys, args=args)[0] == "reserved"
    step_keys, args = lifecycle.expire_holds_call(batch=10, now=NOW, shard=2, shards=SHARDS)
    assert sweep(keys=step_keys, args=args) == 1
    assert real_redis.hget(SHARDS.stock(2), "t") == "10" and real_redis.hget(SHARDS.stock_held(2), "t") == "0"
    assert real_redis.hget(SHARDS.stock(0), "t") == "8"  # shard 0's hold waits for shard 0's sweep
    step_keys, args = lifecycle.expire_holds_call(batch=10, now=NOW, shard=0, shards=SHARDS)
    assert sweep(keys=step_keys, args=args) == 1
    assert real_redis.hget(SHARDS.stock(0), "t") == "10"


@pytest.mark.parametrize("value", ["0", "65", "-1", "three", "1.5"])
def test_a_bad_redis_shards_is_one_line_naming_it(monkeypatch, value):
    monkeypatch.setenv("REDIS_SHARDS", value)
    with pytest.raises(ValidationError) as caught:
        ServiceSettings()
    message = describe_error(caught.value)
    assert message.startswith("REDIS_SHARDS: ") and "\n" not in message


def test_redis_shards_gives_the_shards(monkeypatch):
    assert ServiceSettings().shards == keys.ONE_SHARD
    monkeypatch.setenv("REDIS_SHARDS", "64")
    assert ServiceSettings().shards == keys.Shards(64)
