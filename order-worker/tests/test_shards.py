"""Workers on a sharded order path (REDIS_SHARDS=3): every worker reads every shard's stream in the one
group, and decides, recovers, dead-letters and expires per shard. The tests taking `target` run twice:
on the one real Redis ([single]) and on the local Redis Cluster ([cluster]), where any step whose keys
span two slots would fail (CROSSSLOT)."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from pydantic import ValidationError

from order_worker.consumer import OrderConsumer, ensure_group
from order_worker.decisions import parse_entries
from ticketing_common import keys
from ticketing_common.status import DecisionOutcome

from .conftest import queue_order, run, until, with_client, worker_settings

SHARDS = keys.Shards(3)
STOCK = {"adult": 20, "vip": 2}


def stock(r):
    """Every shard stocked alike, as the gateway stocks each event in its shard."""
    for k in SHARDS:
        r.hset(SHARDS.stock(k), mapping=STOCK)
        r.hset(SHARDS.stock_initial(k), mapping=STOCK)
    return r


@pytest.fixture
def sharded(real_redis):
    return stock(real_redis)


@pytest.fixture
def target(redis_target):
    """(where, a sync client on it with every shard stocked): the one Redis, then the cluster."""
    client = redis_target.client()
    yield redis_target, stock(client)
    client.close()


def queue(r, per_shard: int, *items: tuple[str, int]) -> dict[int, list[str]]:
    """`per_shard` orders of `items` on every shard, the shards interleaved; shard -> order ids."""
    orders: dict[int, list[str]] = {k: [] for k in SHARDS}
    for _ in range(per_shard):
        for k in SHARDS:
            orders[k].append(queue_order(r, *items, shard=k, shards=SHARDS)[0])
    return orders


def status(r, order_id):
    return r.hget(SHARDS.order(order_id), "status")


def assert_ledger_balances(r):
    """Per shard and ticket: available + held + sold == initial, none negative."""
    for k in SHARDS:
        initial = r.hgetall(SHARDS.stock_initial(k))
        for ticket, first in initial.items():
            figures = [
                int(r.hget(key, ticket) or 0) for key in (SHARDS.stock(k), SHARDS.stock_held(k), SHARDS.stock_sold(k))
            ]
            assert min(figures) >= 0 and sum(figures) == int(first), (k, ticket, figures)


def status_changes(r) -> Counter:
    """(order id, status) -> how many times each shard's events stream says the order moved to it."""
    changes: Counter = Counter()
    for k in SHARDS:
        for _, fields in r.xrange(SHARDS.order_events(k)):
            changes[(fields["orderId"], fields["status"])] += 1
    return changes


def nothing_pending(r):
    return all(r.xpending(SHARDS.order_stream(k), keys.CONSUMER_GROUP)["pending"] == 0 for k in SHARDS)


def sharded_settings(redis_url, name, cluster=False, **overrides):
    return worker_settings(redis_url, name, redis_shards=SHARDS.count, redis_cluster=cluster, **overrides)


async def _all_decided(client, orders):
    for order_id in orders:
        if await client.hget(SHARDS.order(order_id), "status") in (None, "pending", "reserved", "paying"):
            return False
    return True


def everyone(orders: dict[int, list[str]]) -> list[str]:
    return [o for shard_orders in orders.values() for o in shard_orders]


async def run_workers(where, names, orders, **settings):
    """Run one consumer per name, each on its own client, until every order is decided; their stats."""
    clients, consumers = [], []
    for name in names:
        client = where.async_client(decode_responses=True)
        clients.append(client)
        consumers.append(OrderConsumer(client, sharded_settings(where.url, name, where.cluster, **settings)))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    try:
        await until(lambda: _all_decided(clients[0], orders), timeout=60)
        await until(lambda: _drained(clients[0]), timeout=20)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for client in clients:
            await client.aclose()
    return [c.stats for c in consumers]


async def on_target(where, body):
    """Run `body(client)` on a fresh async client of the target, closing it after."""
    client = where.async_client(decode_responses=True)
    try:
        return await body(client)
    finally:
        await client.aclose()


async def _drained(client):
    for k in SHARDS:
        if (await client.xpending(SHARDS.order_stream(k), keys.CONSUMER_GROUP))["pending"]:
            return False
    return True


def test_one_worker_decides_the_orders_of_every_shard_each_once(target):
    where, sharded = target
    # 25 orders of one ticket per shard for 20 tickets: 20 confirmed and 5 rejected on each shard.
    orders = queue(sharded, 25, ("adult", 1))
    [stats] = run(run_workers(where, ["solo"], everyone(orders)))

    changes = status_changes(sharded)
    for k, shard_orders in orders.items():
        statuses = Counter(status(sharded, o) for o in shard_orders)
        assert statuses == {"confirmed": 20, "rejected": 5}, k
        assert sharded.hget(SHARDS.stock(k), "adult") == "0"
        assert sharded.hget(SHARDS.stock_sold(k), "adult") == "20"
        for o in shard_orders:  # each order moved to its end once, never twice
            assert changes[(o, status(sharded, o))] == 1
            assert changes[(o, "reserved")] == (1 if status(sharded, o) == "confirmed" else 0)
        # The worker's stats per shard, and summed.
        share = stats.as_dict()["shards"][k]
        assert share["shard"] == k and share["processed"]["confirmed"] == 20 and share["processed"]["rejected"] == 5
    assert stats.outcomes[DecisionOutcome.CONFIRMED] == 60 and stats.outcomes[DecisionOutcome.REJECTED] == 15
    assert_ledger_balances(sharded)
    assert nothing_pending(sharded)
    # Every key written is one of the three shards' or a global {consumers} one.
    prefixes = (*(SHARDS.prefix(k) for k in SHARDS), keys.PREFIX + "{consumers}:")
    assert [key for key in sharded.scan_iter() if not key.startswith(prefixes)] == []


def test_two_workers_share_every_shard_and_decide_each_order_once(target):
    where, sharded = target
    # Small reads (one entry per shard) and a little work per order: the two interleave on every shard.
    orders = queue(sharded, 30, ("adult", 1))
    stats = run(run_workers(where, ["w1", "w2"], everyone(orders), worker_batch_size=3, worker_simulated_work_ms=5))

    changes = status_changes(sharded)
    for k, shard_orders in orders.items():
        assert Counter(status(sharded, o) for o in shard_orders) == {"confirmed": 20, "rejected": 10}, k
        for o in shard_orders:
            assert changes[(o, status(sharded, o))] == 1
    # Each order decided once in all: the two workers' decisions add up to the orders, none twice.
    confirmed = [s.outcomes[DecisionOutcome.CONFIRMED] for s in stats]
    rejected = [s.outcomes[DecisionOutcome.REJECTED] for s in stats]
    assert sum(confirmed) == 60 and sum(rejected) == 30
    assert all(s.decided() > 0 for s in stats), [s.decided() for s in stats]  # both took part
    assert_ledger_balances(sharded)
    assert nothing_pending(sharded)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_worker_killed_mid_batch_loses_nothing_on_any_shard(target):
    where, sharded = target
    for k in SHARDS:
        sharded.xgroup_create(SHARDS.order_stream(k), keys.CONSUMER_GROUP, id="0", mkstream=True)
    orders = queue(sharded, 2, ("adult", 1), ("vip", 1))
    # A real worker process that dies (os._exit, as SIGKILL) when its first charge returns: by then each
    # shard's read task has its batch reserved, paying and unacknowledged (the work takes 2 s).
    env = {
        **os.environ,
        **where.env(SHARDS.count),
        "REDIS_SHARDS": "3",
        "CONSUMER_NAME": "doomed",
        "PORT": str(free_port()),
        "WORKER_BATCH_SIZE": "6",
        "WORKER_BLOCK_MS": "100",
        "WORKER_SIMULATED_WORK_MS": "2000",
        "WORKER_FAULT_POINT": "before_confirm",
    }
    result = subprocess.run([sys.executable, "-m", "order_worker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 70, result.stderr[-2000:]
    for k, shard_orders in orders.items():
        assert [status(sharded, o) for o in shard_orders] == ["paying", "paying"], k
        [holder] = sharded.xpending(SHARDS.order_stream(k), keys.CONSUMER_GROUP)["consumers"]
        assert holder == {"name": "doomed", "pending": 2}, k
    assert_ledger_balances(sharded)  # the held stock is in stock:held, every shard

    time.sleep(0.15)  # past the claim idle time below
    [stats] = run(
        run_workers(where, ["rescuer"], everyone(orders), worker_claim_idle_ms=100, worker_recovery_interval_ms=100)
    )

    changes = status_changes(sharded)
    for k, shard_orders in orders.items():
        assert [status(sharded, o) for o in shard_orders] == ["confirmed", "confirmed"], k
        assert sharded.hmget(SHARDS.stock_sold(k), ["adult", "vip"]) == ["2", "2"]
        assert stats.as_dict()["shards"][k]["reclaimed"] == 2
        for o in shard_orders:  # reserved once (by the dead worker), confirmed once (by the rescuer)
            assert (changes[(o, "reserved")], changes[(o, "confirmed")]) == (1, 1)
    assert_ledger_balances(sharded)
    assert nothing_pending(sharded)


def test_the_expiry_sweep_releases_overdue_holds_on_every_shard(target):
    where, sharded = target
    orders = queue(sharded, 2, ("adult", 3))
    for o in everyone(orders):  # payLater: reserved and left waiting for a payment that never comes
        sharded.hset(SHARDS.order(o), "payLater", "1")

    async def body(client):
        for k in SHARDS:
            await ensure_group(client, SHARDS.order_stream(k))
        settings = sharded_settings(where.url, "sweeper", where.cluster, worker_hold_seconds=0.05)
        consumer = OrderConsumer(client, settings)
        for k in SHARDS:
            response = await client.xreadgroup(keys.CONSUMER_GROUP, "sweeper", {SHARDS.order_stream(k): ">"})
            await consumer.process(parse_entries(response[0][1], k), k)
        reserved = [await client.hget(SHARDS.order(o), "status") for o in everyone(orders)]
        swept = []

        async def all_expired():
            swept.append(await consumer.expire_once())
            return sum(swept) == 6

        await until(all_expired)
        return reserved, consumer.stats

    reserved, stats = run(on_target(where, body))
    assert reserved == ["reserved"] * 6
    for k, shard_orders in orders.items():
        assert [status(sharded, o) for o in shard_orders] == ["expired", "expired"], k
        assert sharded.hget(SHARDS.stock(k), "adult") == "20" and sharded.hget(SHARDS.stock_held(k), "adult") == "0"
        assert sharded.zcard(SHARDS.holds(k)) == 0
        assert stats.as_dict()["shards"][k]["expired"] == 2
    assert stats.expired == 6
    assert_ledger_balances(sharded)


def test_an_entry_naming_an_order_of_another_shard_is_dead_lettered_in_its_own(sharded, redis_url):
    # Its order's keys are another shard's: no step of this shard may touch them (CROSSSLOT on a cluster).
    foreign, _ = queue_order(sharded, ("adult", 1), shard=2, shards=SHARDS)
    sharded.xadd(SHARDS.order_stream(1), {keys.STREAM_ORDER_ID_FIELD: foreign})
    sharded.xgroup_create(SHARDS.order_stream(1), keys.CONSUMER_GROUP, id="0")
    response = sharded.xreadgroup(keys.CONSUMER_GROUP, "w", {SHARDS.order_stream(1): ">"})
    [entry] = parse_entries(response[0][1], 1)
    assert entry.order_id is None

    async def body(client):
        consumer = OrderConsumer(client, sharded_settings(redis_url, "w"))
        await consumer.process([entry], 1)
        return consumer.stats

    stats = run(with_client(redis_url, body))
    assert stats.outcomes[DecisionOutcome.MALFORMED] == 1
    assert sharded.xlen(SHARDS.dead_letter_stream(1)) == 1
    assert status(sharded, foreign) == "pending"  # its own shard's entry decides it
    assert sharded.xpending(SHARDS.order_stream(1), keys.CONSUMER_GROUP)["pending"] == 0


def test_a_dead_consumer_leaves_every_shards_group_where_it_holds_nothing(target):
    # The removal is two steps (the heartbeat is a {consumers} key, each group another shard's slot).
    from order_worker import recovery

    where, sharded = target
    for k in SHARDS:
        sharded.xgroup_create(SHARDS.order_stream(k), keys.CONSUMER_GROUP, id="0", mkstream=True)
        sharded.xgroup_createconsumer(SHARDS.order_stream(k), keys.CONSUMER_GROUP, "dead")
        sharded.xgroup_createconsumer(SHARDS.order_stream(k), keys.CONSUMER_GROUP, "live")
    queue_order(sharded, ("adult", 1), shard=2, shards=SHARDS)
    sharded.xreadgroup(keys.CONSUMER_GROUP, "dead", {SHARDS.order_stream(2): ">"})  # it holds one entry there
    time.sleep(1.1)  # every consumer idle past the stale time

    async def body(client):
        consumer = OrderConsumer(client, sharded_settings(where.url, "me", where.cluster))
        await recovery.heartbeat(client, consumer.scripts, "live", stale_ms=60_000, decided=2)  # fresh, Redis's clock
        await client.zadd(keys.CONSUMER_HEARTBEATS, {"dead": 1})  # long ago
        await client.hset(keys.CONSUMER_DECIDED, "dead", 4)
        return await recovery.remove_stale_consumers(client, consumer.scripts, "me", stale_ms=1000, shards=SHARDS)

    removed = run(on_target(where, body))
    # Out of the groups of shards 0 and 1; still holding an entry on shard 2, it stays in that one, for
    # the others to reclaim its entry (then it goes from there too).
    assert removed == ["dead"]
    names = [{c["name"] for c in sharded.xinfo_consumers(SHARDS.order_stream(k), keys.CONSUMER_GROUP)} for k in SHARDS]
    assert names == [{"live"}, {"live"}, {"dead", "live"}]
    assert sharded.zscore(keys.CONSUMER_HEARTBEATS, "dead") is None
    assert sharded.hgetall(keys.CONSUMER_DECIDED) == {"live": "2"}


def test_a_bad_shard_count_stops_the_worker_with_one_line_naming_it():
    result = subprocess.run(
        [sys.executable, "-m", "order_worker"],
        env={**os.environ, "REDIS_SHARDS": "0"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "REDIS_SHARDS" in result.stderr


def test_a_paying_order_dead_lettered_on_a_shard_is_released_and_refunded_there(sharded, redis_url):
    # Dead-lettering notes the refund due in the order's shard; that shard's recovery step refunds it.
    from tests.fake_provider import APPROVE, FakeProvider, RunningProvider

    order_id, _ = queue_order(sharded, ("adult", 2), shard=2, shards=SHARDS)
    stream = SHARDS.order_stream(2)
    sharded.xgroup_create(stream, keys.CONSUMER_GROUP, id="0")
    sharded.xreadgroup(keys.CONSUMER_GROUP, "dead-worker", {stream: ">"})
    # As a worker left it: paying, charged at the provider, then it died for good.
    sharded.hset(SHARDS.order(order_id), mapping={"status": "paying", "holdExpiresAtMs": 1, "cardNumber": APPROVE})
    sharded.hincrby(SHARDS.stock(2), "adult", -2)
    sharded.hincrby(SHARDS.stock_held(2), "adult", 2)

    with RunningProvider(FakeProvider()) as provider:
        provider.charge({"idempotencyKey": order_id, "amount": "20.00", "currency": "EUR", "cardNumber": APPROVE})
        time.sleep(0.7)  # idle past the claim idle time below

        async def body(client):
            settings = sharded_settings(
                redis_url,
                "rescuer",
                worker_payment_provider_url=provider.url,
                worker_claim_idle_ms=600,  # above a batch in hand: 3 + 3 entries, one round of a 0.5 s charge
                worker_batch_size=3,
                worker_max_deliveries=1,
                worker_payment_timeout_seconds=0.5,
                worker_payment_max_attempts=3,
                worker_payment_backoff_ms=10,
            )
            consumer = OrderConsumer(client, settings)
            try:
                await consumer.recover_once()
            finally:
                assert consumer.payments is not None
                await consumer.payments.aclose()
            return consumer.stats

        stats = run(with_client(redis_url, body))
        refunded = provider.charges[order_id]["status"]

    assert refunded == "refunded"
    shares = [(share["deadLettered"], share["refunds"]) for share in stats.as_dict()["shards"]]
    assert shares == [(0, 0), (0, 0), (1, 1)]  # counted in its shard, and in the sums
    assert (stats.dead_lettered, stats.refunds) == (1, 1)
    assert sharded.hmget(SHARDS.order(order_id), ["status", "paymentStatus"]) == ["failed", "refunded"]
    assert sharded.hgetall(SHARDS.totals_ended(2)) == {"failed": "1"}
    assert sharded.hgetall(SHARDS.totals_payments(2)) == {"refunded": "1"}
    assert sharded.zcard(SHARDS.refunds_due(2)) == 0
    assert_ledger_balances(sharded)
    assert sharded.hget(SHARDS.stock(2), "adult") == "20"


def test_the_claim_idle_check_counts_every_shards_read_batch():
    # 100 entries a batch, 10 calls at once, 100 ms each. One shard: 100 read + 100 reclaimed = 20 rounds,
    # 2000 ms. Three shards: 3 x 34 read + 100 reclaimed = 202 entries, 21 rounds, 2100 ms.
    timings = {"worker_batch_size": 100, "worker_concurrency": 10, "worker_simulated_work_ms": 100}
    one = worker_settings("redis://127.0.0.1:6379/0", worker_claim_idle_ms=2100, **timings)
    assert (one.shard_batch_size, one.entries_in_hand, one.max_batch_ms) == (100, 200, 2000)
    three = worker_settings("redis://127.0.0.1:6379/0", redis_shards=3, worker_claim_idle_ms=2200, **timings)
    assert (three.shard_batch_size, three.entries_in_hand, three.max_batch_ms) == (34, 202, 2100)
    with pytest.raises(ValidationError, match="WORKER_CLAIM_IDLE_MS"):
        worker_settings("redis://127.0.0.1:6379/0", redis_shards=3, worker_claim_idle_ms=2100, **timings)


@pytest.mark.cluster
def test_a_full_batch_on_one_cluster_node_runs_without_running_out_of_connections(real_cluster, redis_cluster_url):
    # One shard on the cluster: every step of a 300-entry batch goes to the same master at once (a
    # cluster has no script pipelines). The client the worker builds must allow that many connections
    # to one node; redis-py's asyncio cluster client allows 100 unless told, and the 101st call fails.
    from order_worker.app import redis_client

    one = keys.Shards(1)
    real_cluster.hset(one.stock(0), mapping={"adult": 400})
    real_cluster.hset(one.stock_initial(0), mapping={"adult": 400})
    orders = [queue_order(real_cluster, ("adult", 1), shard=0, shards=one)[0] for _ in range(300)]
    settings = worker_settings(redis_cluster_url, "wide", redis_shards=1, redis_cluster=True, worker_batch_size=300)

    async def body():
        client = redis_client(settings)
        consumer = OrderConsumer(client, settings)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:

            async def decided():
                replies = [await client.hget(one.order(o), "status") for o in orders]
                return all(s == "confirmed" for s in replies)

            await until(decided, timeout=60)
        finally:
            stop.set()
            await task
            await client.aclose()
        return consumer.stats

    stats = run(body())
    assert stats.errors == 0, stats.last_error
    assert stats.outcomes[DecisionOutcome.CONFIRMED] == 300
