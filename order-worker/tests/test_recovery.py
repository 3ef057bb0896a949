"""The recovery policy: reclaiming, dead-lettering, pruning consumers, trimming the stream."""

import asyncio
import time

from order_worker import recovery
from order_worker.consumer import OrderConsumer
from ticketing_common import keys

from .conftest import queue_order, run, until, with_client, with_consumer, worker_settings


def deliver(r, consumer, count=100):
    return r.xreadgroup(keys.CONSUMER_GROUP, consumer, {keys.ORDER_STREAM: ">"}, count=count)


def setup_group(r):
    r.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)


def test_entries_held_by_a_dead_worker_are_reclaimed_and_decided(stocked, redis_url):
    setup_group(stocked)
    orders = [queue_order(stocked, ("adult", 1))[0] for _ in range(3)]
    deliver(stocked, "dead-worker")  # it read them and died
    time.sleep(0.15)

    async def body(consumer):
        await consumer.recover_once()
        return consumer.stats

    stats = run(with_consumer(redis_url, body, worker_claim_idle_ms=100))

    assert stats.reclaimed == 3
    assert [stocked.hget(keys.order_key(o), "status") for o in orders] == ["confirmed"] * 3
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


def test_entries_not_yet_idle_long_enough_are_left_to_their_worker(stocked, redis_url):
    setup_group(stocked)
    order_id, _ = queue_order(stocked, ("adult", 1))
    deliver(stocked, "busy-worker")

    async def body(consumer):
        await consumer.recover_once()

    run(with_consumer(redis_url, body, worker_claim_idle_ms=60_000))

    assert stocked.hget(keys.order_key(order_id), "status") == "pending"
    [pending] = stocked.xpending_range(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "-", "+", 10)
    assert pending["consumer"] == "busy-worker"


def test_an_entry_delivered_too_often_is_dead_lettered_and_its_order_failed(stocked, redis_url):
    setup_group(stocked)
    order_id, entry_id = queue_order(stocked, ("adult", 1))
    deliver(stocked, "w1")
    for attempt in range(2):  # two more deliveries: 3 in all
        time.sleep(0.02)
        stocked.xclaim(keys.ORDER_STREAM, keys.CONSUMER_GROUP, f"w{attempt + 2}", 0, [entry_id])
    time.sleep(0.15)

    async def body(consumer):
        await consumer.recover_once()
        return consumer.stats

    stats = run(with_consumer(redis_url, body, worker_claim_idle_ms=100, worker_max_deliveries=3))

    assert stats.dead_lettered == 1
    order = stocked.hgetall(keys.order_key(order_id))
    assert (order["status"], order["reason"]) == ("failed", "max_deliveries_exceeded")
    [(_, dead)] = stocked.xrange(keys.DEAD_LETTER_STREAM)
    assert dead["orderId"] == order_id and dead["entryId"] == entry_id and dead["deliveries"] == "3"
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0
    assert stocked.hget(keys.STOCK, "adult") == "10"


def test_dead_lettering_an_already_decided_order_leaves_its_status(stocked, redis_url):
    setup_group(stocked)
    order_id, _entry_id = queue_order(stocked, ("adult", 1))
    deliver(stocked, "w1")
    stocked.hset(keys.order_key(order_id), "status", "confirmed")
    time.sleep(0.15)

    async def body(consumer):
        await consumer.recover_once()

    run(with_consumer(redis_url, body, worker_claim_idle_ms=100, worker_max_deliveries=1))
    assert stocked.hget(keys.order_key(order_id), "status") == "confirmed"
    assert stocked.xlen(keys.DEAD_LETTER_STREAM) == 1


def test_an_idle_consumer_is_removed_only_when_it_holds_nothing(stocked, redis_url):
    setup_group(stocked)
    queue_order(stocked, ("adult", 1))
    deliver(stocked, "holder")  # idle, but holds an entry
    stocked.xgroup_createconsumer(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "gone")  # idle, holds nothing
    time.sleep(1.1)

    async def body(consumer):
        return await recovery.remove_stale_consumers(consumer.client, consumer.scripts, "me", stale_ms=1000)

    removed = run(with_consumer(redis_url, body))

    assert removed == ["gone"]
    names = {c["name"] for c in stocked.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}
    assert names == {"holder"}


def test_trimming_keeps_every_entry_not_yet_acknowledged(stocked, redis_url):
    setup_group(stocked)
    ids = [queue_order(stocked, ("adult", 1))[1] for _ in range(6)]
    deliver(stocked, "w1", count=4)  # 4 delivered, 2 never delivered
    stocked.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, ids[0], ids[1], ids[3])  # ids[2] still pending

    async def body(consumer):
        return await recovery.trim_acknowledged(consumer.client)

    removed = run(with_consumer(redis_url, body))

    remaining = [i for i, _ in stocked.xrange(keys.ORDER_STREAM)]
    assert removed == 2
    assert remaining == ids[2:]  # the pending one, an acked one after it, and the undelivered


def test_trimming_with_nothing_pending_keeps_the_undelivered(stocked, redis_url):
    setup_group(stocked)
    ids = [queue_order(stocked, ("adult", 1))[1] for _ in range(5)]
    deliver(stocked, "w1", count=3)
    stocked.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, *ids[:3])

    async def body(consumer):
        return await recovery.trim_acknowledged(consumer.client)

    run(with_consumer(redis_url, body))
    assert [i for i, _ in stocked.xrange(keys.ORDER_STREAM)] == ids[2:]


def test_backoff_grows_exponentially_to_its_cap_and_resets():
    backoff = recovery.Backoff(base=0.1, cap=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    assert all(0.05 <= d <= 1.0 for d in delays)
    assert delays[0] <= 0.1 and delays[-1] >= 0.5
    backoff.reset()
    assert backoff.next_delay() <= 0.1


def test_two_workers_dead_lettering_the_same_entry_move_it_once(stocked, redis_url):
    setup_group(stocked)
    order_id, _entry_id = queue_order(stocked, ("adult", 1))
    deliver(stocked, "w1")
    time.sleep(0.15)

    async def body(consumer):
        first, second = await asyncio.gather(
            *(
                recovery.dead_letter_exhausted(
                    consumer.client, consumer.scripts, min_idle_ms=100, max_deliveries=1, count=10, order_ttl=0
                )
                for _ in range(2)
            )
        )
        return first + second

    moved = run(with_consumer(redis_url, body))

    assert moved == 1
    assert stocked.xlen(keys.DEAD_LETTER_STREAM) == 1
    assert stocked.hget(keys.order_key(order_id), "status") == "failed"


def test_the_removal_script_itself_keeps_a_consumer_that_holds_entries(stocked, redis_url):
    setup_group(stocked)
    queue_order(stocked, ("adult", 1))
    deliver(stocked, "holder")

    async def body(consumer):  # no heartbeat: dead, but it holds an entry
        return await recovery.remove_idle_consumer(consumer.client, consumer.scripts, "holder", stale_ms=1000)

    assert run(with_consumer(redis_url, body)) == 0
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["consumers"][0]["name"] == "holder"


def test_decisions_and_dead_letters_are_written_even_at_maxmemory(stocked, redis_url):
    from order_worker.decisions import StreamEntry, dead_letter, decide_batch

    setup_group(stocked)
    confirmed, _ = queue_order(stocked, ("adult", 1))
    failed, failed_entry = queue_order(stocked, ("adult", 1))
    [[_, entries]] = deliver(stocked, "w1")
    stocked.config_set("maxmemory-policy", "noeviction")

    async def body(consumer):
        stocked.config_set("maxmemory", "1")  # every ordinary write is refused from now on
        results = await decide_batch(consumer.client, consumer.scripts, [StreamEntry(entries[0][0], confirmed)], 0)
        await dead_letter(
            consumer.client,
            consumer.scripts,
            StreamEntry(failed_entry, failed),
            min_deliveries=1,
            min_idle_ms=0,
            order_ttl=0,
        )
        # A live worker still says so, or the others would take it for dead.
        await recovery.heartbeat(consumer.client, consumer.scripts, "w1", stale_ms=60_000)
        return results

    try:
        results = run(with_consumer(redis_url, body))
    finally:
        stocked.config_set("maxmemory", "0")
    assert results == [("reserved", "0")]
    assert stocked.hget(keys.order_key(failed), "status") == "failed"
    assert stocked.zscore(keys.CONSUMER_HEARTBEATS, "w1") is not None


def test_an_entry_claimed_after_the_pending_read_is_not_dead_lettered(stocked, redis_url, monkeypatch):
    # The race: recovery reads XPENDING, then another worker claims the entry (its idle time
    # resets, it is delivered again) before the dead-letter script runs. That worker now decides
    # it; failing the order under it would overtake the reclaim.
    setup_group(stocked)
    order_id, entry_id = queue_order(stocked, ("adult", 1))
    deliver(stocked, "w1")
    time.sleep(0.15)
    real_dead_letter = recovery.dead_letter

    async def claimed_meanwhile(client, *args, **kwargs):
        await client.xclaim(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "reclaimer", 0, [entry_id])
        return await real_dead_letter(client, *args, **kwargs)

    monkeypatch.setattr(recovery, "dead_letter", claimed_meanwhile)

    async def body(consumer):
        return await recovery.dead_letter_exhausted(
            consumer.client, consumer.scripts, min_idle_ms=100, max_deliveries=1, count=10, order_ttl=0
        )

    assert run(with_consumer(redis_url, body)) == 0
    assert stocked.hget(keys.order_key(order_id), "status") == "pending"
    assert not stocked.exists(keys.DEAD_LETTER_STREAM)
    [pending] = stocked.xpending_range(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "-", "+", 10)
    assert pending["consumer"] == "reclaimer"


def test_the_dead_letter_script_itself_refuses_an_entry_delivered_fewer_times_than_asked(stocked, redis_url):
    from order_worker.decisions import StreamEntry, dead_letter

    setup_group(stocked)
    order_id, entry_id = queue_order(stocked, ("adult", 1))
    deliver(stocked, "w1")  # delivered once

    async def body(consumer):
        return await dead_letter(
            consumer.client,
            consumer.scripts,
            StreamEntry(entry_id, order_id),
            min_deliveries=2,
            min_idle_ms=0,
            order_ttl=0,
        )

    assert run(with_consumer(redis_url, body)) == -1
    assert stocked.hget(keys.order_key(order_id), "status") == "pending"
    assert not stocked.exists(keys.DEAD_LETTER_STREAM)
    assert stocked.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 1


def redis_ms(r) -> int:
    seconds, micros = r.time()
    return seconds * 1000 + micros // 1000


def consumer_names(r) -> set[str]:
    return {c["name"] for c in r.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}


def test_two_live_idle_workers_keep_each_other_in_the_group(stocked, redis_url):
    # Both have decided an order, then wait for more: their consumers' idle time grows past the
    # stale time while they are alive. Quiet is not dead: neither may remove the other.
    setup_group(stocked)
    for name in ("a", "b"):
        _, entry_id = queue_order(stocked, ("adult", 1))
        deliver(stocked, name, count=1)
        stocked.xack(keys.ORDER_STREAM, keys.CONSUMER_GROUP, entry_id)
    stale_ms = 1000
    timings = {"worker_stale_consumer_ms": stale_ms, "worker_recovery_interval_ms": 100}

    async def body(client):
        workers = [OrderConsumer(client, worker_settings(redis_url, name, **timings)) for name in ("a", "b")]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.recovery_loop(stop)) for w in workers]

        async def both_long_idle_or_one_gone():
            consumers = {c["name"]: c for c in await client.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}
            return set(consumers) != {"a", "b"} or min(c["idle"] for c in consumers.values()) >= 2 * stale_ms

        await until(both_long_idle_or_one_gone)
        names = {c["name"] for c in await client.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}
        stop.set()
        await asyncio.gather(*tasks)
        return names, [w.stats.consumers_removed for w in workers]

    names, removed = run(with_client(redis_url, body))
    assert names == {"a", "b"}
    assert removed == [0, 0]
    assert set(stocked.zrange(keys.CONSUMER_HEARTBEATS, 0, -1)) == {"a", "b"}


def test_a_dead_worker_holding_nothing_is_removed_with_its_heartbeat(stocked, redis_url):
    setup_group(stocked)
    for name in ("dead", "live"):
        stocked.xgroup_createconsumer(keys.ORDER_STREAM, keys.CONSUMER_GROUP, name)
    time.sleep(1.1)  # both idle past the stale time
    now = redis_ms(stocked)
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"dead": now - 60_000, "live": now})

    async def body(consumer):
        return await recovery.remove_stale_consumers(consumer.client, consumer.scripts, "me", stale_ms=1000)

    assert run(with_consumer(redis_url, body)) == ["dead"]
    assert consumer_names(stocked) == {"live"}
    assert stocked.zscore(keys.CONSUMER_HEARTBEATS, "dead") is None


def test_the_removal_script_itself_keeps_a_consumer_whose_heartbeat_is_fresh(stocked, redis_url):
    setup_group(stocked)
    stocked.xgroup_createconsumer(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "live")
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"live": redis_ms(stocked)})

    async def body(consumer):
        return await recovery.remove_idle_consumer(consumer.client, consumer.scripts, "live", stale_ms=60_000)

    assert run(with_consumer(redis_url, body)) == -1
    assert consumer_names(stocked) == {"live"}


def test_the_heartbeat_is_redis_time_and_drops_heartbeats_gone_stale(stocked, redis_url):
    before = redis_ms(stocked)
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"long-dead": before - 60_000})

    async def body(consumer):
        return await recovery.heartbeat(consumer.client, consumer.scripts, "me", stale_ms=1000)

    beat = run(with_consumer(redis_url, body))
    assert before <= beat <= redis_ms(stocked)
    assert stocked.zrange(keys.CONSUMER_HEARTBEATS, 0, -1, withscores=True) == [("me", beat)]


def test_the_heartbeat_publishes_the_workers_decided_count_and_drops_it_with_a_stale_heartbeat(stocked, redis_url):
    before = redis_ms(stocked)
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"long-dead": before - 60_000, "other": before})
    stocked.hset(keys.CONSUMER_DECIDED, mapping={"long-dead": 7, "other": 3})

    async def body(consumer):
        await recovery.heartbeat(consumer.client, consumer.scripts, "me", stale_ms=1000, decided=41)
        await recovery.heartbeat(consumer.client, consumer.scripts, "me", stale_ms=1000, decided=42)

    run(with_consumer(redis_url, body))
    assert stocked.hgetall(keys.CONSUMER_DECIDED) == {"me": "42", "other": "3"}
    assert set(stocked.zrange(keys.CONSUMER_HEARTBEATS, 0, -1)) == {"me", "other"}


def test_a_dead_worker_removed_from_the_group_loses_its_decided_count_too(stocked, redis_url):
    setup_group(stocked)
    stocked.xgroup_createconsumer(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "dead")
    stocked.zadd(keys.CONSUMER_HEARTBEATS, {"dead": redis_ms(stocked) - 60_000})
    stocked.hset(keys.CONSUMER_DECIDED, "dead", 5)

    async def body(consumer):
        return await recovery.remove_idle_consumer(consumer.client, consumer.scripts, "dead", stale_ms=1000)

    assert run(with_consumer(redis_url, body)) == 1
    assert stocked.hget(keys.CONSUMER_DECIDED, "dead") is None
