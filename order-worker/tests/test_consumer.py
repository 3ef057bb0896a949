"""The consumer's read loop, run in-process against the real Redis."""

import asyncio
import os
import subprocess
import sys
from collections import Counter

import pytest
from pydantic import ValidationError
from redis.exceptions import ResponseError

from order_worker.consumer import OrderConsumer, simulated_work
from order_worker.settings import WorkerSettings
from ticketing_common import keys
from ticketing_common.status import DecisionOutcome

from .conftest import queue_order, run, until, with_client, with_consumer, worker_settings


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
    calls = Overlap(simulated_work(200))

    async def body(consumer):
        consumer.work = calls
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        # The batch is in hand once the entries are pending for this consumer.
        await until(lambda: _pending(consumer.client, 5))
        stop.set()  # as SIGTERM does, in the middle of the per-order work
        await task

    run(with_consumer(redis_url, body, worker_concurrency=2))
    assert statuses(stocked, orders) == ["confirmed"] * 5
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0
    # Every call made once, at most two at a time; the stock moved once per order.
    assert sorted(calls.calls.values()) == [1] * 5 and calls.most == 2
    assert stocked.hget(keys.STOCK, "adult") == "5"


class Overlap:
    """Wraps a per-order call, counting calls per order and the most running at once."""

    def __init__(self, work):
        self.work = work
        self.calls: Counter = Counter()
        self.running = self.most = 0

    async def __call__(self, entry):
        self.calls[entry.order_id] += 1
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.work(entry)
        finally:
            self.running -= 1


class Rounds:
    """A per-order call that returns only when the test lets go of every call then in flight.

    Each letting-go is one round: N orders at concurrency C take ceil(N / C) rounds of C calls
    when the calls overlap, N rounds of one when they run one after the other. No clock involved.
    """

    def __init__(self):
        self.calls: Counter = Counter()
        self.in_flight: list[asyncio.Future] = []
        self.rounds: list[int] = []

    async def __call__(self, entry):
        self.calls[entry.order_id] += 1
        future = asyncio.get_running_loop().create_future()
        self.in_flight.append(future)
        await future

    async def let_go(self, total: int) -> None:
        while sum(self.calls.values()) < total or self.in_flight:
            await self._settled()
            if self.in_flight:
                self.rounds.append(len(self.in_flight))
                for future in self.in_flight:
                    future.set_result(None)
                self.in_flight = []

    async def _settled(self) -> None:
        # Until no more calls start: those waiting for a slot have had every chance to get one.
        seen = -1
        while seen != len(self.in_flight):
            seen = len(self.in_flight)
            await asyncio.sleep(0.02)


def test_n_orders_at_concurrency_c_are_worked_on_in_n_over_c_rounds_and_each_decided_once(stocked, redis_url):
    orders = [queue_order(stocked, ("adult", 1))[0] for _ in range(10)]
    calls = Rounds()

    async def body(consumer):
        consumer.work = calls
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await asyncio.wait_for(calls.let_go(len(orders)), timeout=20)
        await until(lambda: _all_decided(consumer.client, orders))
        stop.set()
        await task
        return consumer.stats

    stats = run(with_consumer(redis_url, body, worker_concurrency=4))
    assert calls.rounds == [4, 4, 2]
    assert sorted(calls.calls.values()) == [1] * 10
    assert statuses(stocked, orders) == ["confirmed"] * 10
    assert stocked.hget(keys.STOCK, "adult") == "0"  # ten decrements of one, none twice
    assert stats.outcomes[DecisionOutcome.CONFIRMED] == 10 and stats.batches == 1
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_an_order_whose_call_fails_stays_pending_and_the_others_are_decided(stocked, redis_url):
    orders = [queue_order(stocked, ("adult", 1))[0] for _ in range(4)]
    failing = orders[1]

    async def work(entry):
        if entry.order_id == failing:
            raise OSError("payment provider unreachable")

    async def body(consumer):
        consumer.work = work
        await until(lambda: _all_decided(consumer.client, [o for o in orders if o != failing]))
        return consumer.stats

    async def reading(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.read_loop(stop))
        stats = await body(consumer)
        stop.set()
        await task
        return stats

    stats = run(with_consumer(redis_url, reading))
    # Its stock stays held by the paying order whose entry stays pending: recovery resumes it.
    assert statuses(stocked, orders) == ["confirmed", "paying", "confirmed", "confirmed"]
    pending = stocked.xpending_range(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "-", "+", 10)
    assert [p["message_id"] for p in pending] == [stocked.xrange(keys.ORDER_STREAM)[1][0]]
    assert "payment provider unreachable" in stats.last_error


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
        env={**os.environ, "WORKER_BATCH_SIZE": "0"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "WORKER_BATCH_SIZE" in result.stderr


def test_a_blocking_read_longer_than_the_socket_timeout_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "WORKER_BLOCK_MS": "5000", "REDIS_SOCKET_TIMEOUT": "2"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "WORKER_BLOCK_MS" in result.stderr and "REDIS_SOCKET_TIMEOUT" in result.stderr


def test_the_read_loop_survives_a_failure_to_create_the_group(stocked, redis_url, monkeypatch):
    from order_worker import consumer as consumer_module

    real_ensure_group = consumer_module.ensure_group
    calls = {"n": 0}

    async def flaky_ensure_group(client, *stream):
        calls["n"] += 1
        if calls["n"] == 1:
            raise consumer_module.redis.ConnectionError("redis went away while creating the group")
        await real_ensure_group(client, *stream)

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
        env={
            **os.environ,
            "WORKER_BATCH_SIZE": "100",
            "WORKER_SIMULATED_WORK_MS": "50",
            "WORKER_CONCURRENCY": "1",  # 100 calls one after the other: 5 s (10 s behind a reclaimed batch)
            "WORKER_CLAIM_IDLE_MS": "3000",
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "WORKER_CLAIM_IDLE_MS" in result.stderr and result.stderr.count("\n") == 1


def group_consumers(r):
    return {c["name"] for c in r.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}


def test_a_running_worker_heartbeats_and_on_stop_leaves_no_heartbeat_nor_empty_consumer(stocked, redis_url):
    order_id, _ = queue_order(stocked, ("adult", 1))

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await until(lambda: _all_decided(consumer.client, [order_id]))
        await until(lambda: _has_heartbeat(consumer.client, consumer.name))
        joined = group_consumers(stocked)
        stop.set()  # as SIGTERM does
        await task
        return joined, consumer.stats

    joined, stats = run(with_consumer(redis_url, body, name="leaving"))
    assert joined == {"leaving"}
    assert group_consumers(stocked) == set()
    assert stocked.zscore(keys.CONSUMER_HEARTBEATS, "leaving") is None
    assert stats.errors == 0


def test_a_running_worker_publishes_its_decisions_with_its_heartbeat_and_removes_them_on_stop(stocked, redis_url):
    # Two orders decided (one confirmed, one rejected: vip has 2), and one redelivery only acknowledged.
    decided = [queue_order(stocked, ("adult", 1))[0], queue_order(stocked, ("vip", 3))[0]]

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await until(lambda: _all_decided(consumer.client, decided))
        stocked.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: decided[0]})  # a duplicate
        await until(lambda: _stream_drained(consumer.client))

        async def published_two():
            return await consumer.client.hget(keys.CONSUMER_DECIDED, consumer.name) == "2"

        await until(published_two)
        stop.set()
        await task
        return consumer.stats

    stats = run(with_consumer(redis_url, body, name="counting", worker_recovery_interval_ms=100))
    assert stats.outcomes["duplicate"] == 1 and stats.decided() == 2
    assert stocked.hget(keys.CONSUMER_DECIDED, "counting") is None  # gone with its heartbeat


async def _stream_drained(client):
    groups = await client.xinfo_groups(keys.ORDER_STREAM)
    return groups[0]["lag"] == 0 and groups[0]["pending"] == 0


async def _has_heartbeat(client, name):
    return await client.zscore(keys.CONSUMER_HEARTBEATS, name) is not None


def test_a_stopping_worker_that_still_holds_entries_keeps_its_consumer_but_drops_its_heartbeat(stocked, redis_url):
    from order_worker import recovery

    stocked.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    queue_order(stocked, ("adult", 1))
    stocked.xreadgroup(keys.CONSUMER_GROUP, "holder", {keys.ORDER_STREAM: ">"})
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"holder": 1})

    async def body(consumer):
        return await recovery.leave(consumer.client, consumer.scripts, "holder")

    assert run(with_consumer(redis_url, body)) is False
    assert group_consumers(stocked) == {"holder"}  # its entry stays pending, for the others to reclaim
    assert stocked.zscore(keys.CONSUMER_HEARTBEATS, "holder") is None


def test_a_worker_started_before_the_stream_exists_joins_the_group_without_an_error(real_redis, redis_url):
    async def body(client):
        consumer = OrderConsumer(client, worker_settings(redis_url, "first"))
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.read_loop(stop))
        await until(lambda: _is_consumer(client, "first"))
        stop.set()
        await task
        return consumer.stats

    assert not real_redis.exists(keys.ORDER_STREAM)
    stats = run(with_client(redis_url, body))
    assert (stats.errors, stats.last_error) == (0, None)


def test_an_idle_worker_is_back_in_the_group_after_a_reset_before_its_next_order(stocked, redis_url):
    # Redis adds a consumer only when a read returns entries; a worker waiting for orders after
    # a reset would be missing from /system/status until the next order.
    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.read_loop(stop))
        await until(lambda: _is_consumer(consumer.client, consumer.name))
        await until(lambda: _blocked_reads(consumer.client))
        await consumer.client.delete(keys.ORDER_STREAM)  # as a reset does
        await until(lambda: _is_consumer(consumer.client, consumer.name))
        stop.set()
        await task

    run(with_consumer(redis_url, body, name="idle", worker_block_ms=500))


async def _is_consumer(client, name):
    try:
        consumers = await client.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)
    except ResponseError:  # no stream or group (yet)
        return False
    return name in {c["name"] for c in consumers}


async def _group_exists(client) -> bool:
    try:
        return any(g["name"] == keys.CONSUMER_GROUP for g in await client.xinfo_groups(keys.ORDER_STREAM))
    except ResponseError:
        return False


async def _blocked_reads(client) -> int:
    return sum(1 for c in await client.client_list() if c["cmd"] == "xreadgroup" and "b" in c["flags"])


def test_a_reset_under_a_blocking_read_is_not_a_worker_error(stocked, redis_url):
    first, _ = queue_order(stocked, ("adult", 1))

    async def body(consumer):
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.read_loop(stop))
        await until(lambda: _all_decided(consumer.client, [first]))
        await until(lambda: _blocked_reads(consumer.client))  # waiting in XREADGROUP ... BLOCK
        await consumer.client.delete(keys.ORDER_STREAM)  # as a reset does: UNBLOCKED
        await until(lambda: _group_exists(consumer.client))  # created again by the worker
        second, _ = queue_order(stocked, ("adult", 1))
        await until(lambda: _all_decided(consumer.client, [second]))
        stop.set()
        await task
        return second, consumer.stats

    second, stats = run(with_consumer(redis_url, body, worker_block_ms=2000))
    assert statuses(stocked, [first, second]) == ["confirmed", "confirmed"]
    assert (stats.errors, stats.last_error) == (0, None)


def test_a_stale_time_shorter_than_three_recovery_passes_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "WORKER_STALE_CONSUMER_MS": "1000", "WORKER_RECOVERY_INTERVAL_MS": "500"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "WORKER_STALE_CONSUMER_MS" in result.stderr and "WORKER_RECOVERY_INTERVAL_MS" in result.stderr


def test_the_claim_idle_check_counts_the_calls_that_run_at_once():
    timings = {"worker_batch_size": 100, "worker_simulated_work_ms": 50, "worker_claim_idle_ms": 3000}
    # ceil(2 x 100 / 10) rounds of 50 ms: an entry is in hand 1 s at most, well under 3 s.
    assert WorkerSettings(**timings, worker_concurrency=10).max_batch_ms == 1000
    # At 4: 50 rounds, 2.5 s; at 3: 67 rounds, 3.35 s, longer than the claim idle time.
    assert WorkerSettings(**timings, worker_concurrency=4).max_batch_ms == 2500
    with pytest.raises(ValidationError, match="WORKER_CONCURRENCY"):
        WorkerSettings(**timings, worker_concurrency=3)


@pytest.mark.parametrize("value", [0, -1, 1001])
def test_a_concurrency_out_of_range_is_refused(value):
    with pytest.raises(ValidationError, match="worker_concurrency"):
        WorkerSettings(worker_concurrency=value)
