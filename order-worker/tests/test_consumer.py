"""The consumer's read loop, run in-process against the real Redis."""

import asyncio
import os
import subprocess
import sys

from ticketing_common import keys

from .conftest import queue_order, run, with_consumer


async def until(predicate, timeout=20.0):
    """Wait for a condition on Redis; bounded, so a broken loop fails instead of hanging."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def statuses(r, order_ids):
    return [r.hget(keys.order_key(o), "status") for o in order_ids]


def test_orders_queued_before_any_worker_existed_are_decided(stocked, redis_url):
    assert not stocked.exists(keys.ORDER_STREAM) or not stocked.xinfo_groups(keys.ORDER_STREAM)
    orders = [queue_order(stocked, ("adult", 1))[0] for _ in range(5)]

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await until(lambda: _all_decided(consumer.client, orders))
        stop.set()
        await task
    run(with_consumer(redis_url, body))
    assert statuses(stocked, orders) == ["confirmed"] * 5
    assert stocked.hget(keys.STOCK, "adult") == "5"


async def _all_decided(client, orders):
    values = [await client.hget(keys.order_key(o), "status") for o in orders]
    return all(v != "pending" for v in values)


def test_a_restarted_worker_first_finishes_the_entries_it_already_held(stocked, redis_url):
    stocked.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    held, _ = queue_order(stocked, ("vip", 1))
    stocked.xreadgroup(keys.CONSUMER_GROUP, "worker-a", {keys.ORDER_STREAM: ">"})  # then it was killed

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await until(lambda: _all_decided(consumer.client, [held]))
        stop.set()
        await task
        return consumer.stats
    # Same name, long claim idle time: only its own history read can have decided it.
    stats = run(with_consumer(redis_url, body, name="worker-a", worker_claim_idle_ms=3_600_000))
    assert statuses(stocked, [held]) == ["confirmed"]
    assert stats.reclaimed == 0


def test_stop_finishes_and_acknowledges_the_batch_in_hand(stocked, redis_url):
    orders = [queue_order(stocked, ("adult", 1))[0] for _ in range(5)]

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        # The batch is in hand once the entries are pending for this consumer.
        await until(lambda: _pending(consumer.client, 5))
        stop.set()  # as SIGTERM does, in the middle of the simulated work
        await task
    run(with_consumer(redis_url, body, worker_simulated_work_ms=200))
    assert statuses(stocked, orders) == ["confirmed"] * 5
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


async def _pending(client, n):
    try:
        return (await client.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP))["pending"] == n
    except Exception:
        return False


def test_the_worker_carries_on_after_the_stream_and_group_are_deleted(stocked, redis_url):
    first, _ = queue_order(stocked, ("adult", 1))

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await until(lambda: _all_decided(consumer.client, [first]))
        await consumer.client.delete(keys.ORDER_STREAM)  # as reset-demo does
        second, _ = queue_order(stocked, ("adult", 1))
        await until(lambda: _all_decided(consumer.client, [second]))
        stop.set()
        await task
        return second
    second = run(with_consumer(redis_url, body))
    assert statuses(stocked, [first, second]) == ["confirmed", "confirmed"]


def test_a_bad_setting_stops_the_worker_with_one_line_naming_it():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "WORKER_BATCH_SIZE": "0"}, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "WORKER_BATCH_SIZE" in result.stderr


def test_a_blocking_read_longer_than_the_socket_timeout_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "WORKER_BLOCK_MS": "5000", "REDIS_SOCKET_TIMEOUT": "2"},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "WORKER_BLOCK_MS" in result.stderr and "REDIS_SOCKET_TIMEOUT" in result.stderr


def test_the_read_loop_survives_a_failure_to_create_the_group(stocked, redis_url, monkeypatch):
    from order_worker import consumer as consumer_module

    real_ensure_group = consumer_module.ensure_group
    calls = {"n": 0}

    async def flaky_ensure_group(client):
        calls["n"] += 1
        if calls["n"] == 1:
            raise consumer_module.redis.ConnectionError("redis went away while creating the group")
        await real_ensure_group(client)

    stocked.delete(keys.ORDER_STREAM)
    order_id, _ = queue_order(stocked, ("adult", 1))  # a stream without the group: NOGROUP on read

    async def body(consumer):
        monkeypatch.setattr(consumer_module, "ensure_group", flaky_ensure_group)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.read_loop(stop))
        await until(lambda: _all_decided(consumer.client, [order_id]))
        stop.set()
        await task
        return consumer.stats
    async def without_group(consumer):
        # with_consumer created the group; drop it so the loop meets NOGROUP.
        await consumer.client.xgroup_destroy(keys.ORDER_STREAM, keys.CONSUMER_GROUP)
        return await body(consumer)
    stats = run(with_consumer(redis_url, without_group))
    assert calls["n"] >= 2
    assert "creating the group" in stats.last_error
    assert statuses(stocked, [order_id]) == ["confirmed"]


def test_claim_idle_time_shorter_than_a_batch_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "WORKER_BATCH_SIZE": "100", "WORKER_SIMULATED_WORK_MS": "50",
             "WORKER_CLAIM_IDLE_MS": "3000"},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    assert "WORKER_CLAIM_IDLE_MS" in result.stderr and result.stderr.count("\n") == 1
