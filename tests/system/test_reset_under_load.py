"""`make reset` while orders arrive and workers hold batches: the stock of the new generation still adds up.

Without the generation guard, a worker holding a batch read before the reset decides it after,
against the fresh stock, and the reset's scan then deletes those orders: stock is gone that no
stored order accounts for.
"""

import asyncio
import threading

import pytest

from api_gateway.catalogue import load_catalogue
from api_gateway.demo_reset import reset_demo
from order_worker.decisions import StreamEntry, decide_batch
from ticketing_common import keys, order_record

from ..invariants import check_invariants, wait_until_all_terminal
from .conftest import TICKET_IDS
from .load import place_orders_through_outage
from .test_worker_failures import pending_of, wait_for

# Slow workers hold their batches across the reset; many old orders make its scan take a while.
SLOW = {"WORKER_SIMULATED_WORK_MS": "10", "WORKER_CONCURRENCY": "1", "WORKER_BATCH_SIZE": "50"}
OLD_ORDERS = 200_000


def test_orders_read_before_a_reset_are_never_decided_against_the_new_stock(system, real_redis):
    gateway = system.start_gateway()
    workers = [f"worker-{i}" for i in range(2)]
    for name in workers:
        system.start_worker(name, **SLOW)
    pipe = real_redis.pipeline(transaction=False)
    for i in range(OLD_ORDERS):
        pipe.hset(keys.order_key(f"old-{i}"), mapping={"status": "confirmed", "items": "[]"})
    pipe.execute()

    started = threading.Event()
    outcome: dict = {}

    async def progress(created: int) -> None:
        if created >= 300:
            started.set()

    def load() -> None:
        try:
            outcome["created"], _ = asyncio.run(
                place_orders_through_outage(
                    gateway, count=2500, concurrency=8, ticket_ids=TICKET_IDS, on_progress=progress
                )
            )
        except BaseException as e:  # handed to the test below, never lost in the thread
            outcome["error"] = e
        finally:
            started.set()

    thread = threading.Thread(target=load)
    thread.start()
    try:
        started.wait(timeout=120)
        wait_for(
            lambda: any(pending_of(real_redis, keys.ONE_SHARD, w) for w in workers), what="a worker holding a batch"
        )
        catalogue = load_catalogue(system.workdir / "catalogue.json")
        reset_demo(real_redis, catalogue)
    finally:
        thread.join(timeout=300)
    if "error" in outcome:
        raise outcome["error"]

    generation = real_redis.get(keys.GENERATION)
    assert generation == "1"
    created = outcome["created"]
    kept = [o for o in created if real_redis.exists(keys.order_key(o))]
    assert 0 < len(kept) < len(created), "the load should straddle the reset"
    wait_until_all_terminal(real_redis, kept)
    check_invariants(real_redis, kept)
    assert {real_redis.hget(keys.order_key(o), order_record.GENERATION) for o in kept} == {generation}


def test_an_order_of_an_older_generation_is_acknowledged_as_stale_and_touches_nothing(real_redis, redis_url):
    """decide_order.lua alone: the order was stamped before a reset incremented the generation."""
    from order_worker.scripts import Scripts

    real_redis.hset(keys.STOCK, "alpha", 10)
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    real_redis.hset(
        keys.order_key("o1"),
        mapping={
            order_record.STATUS: "pending",
            order_record.ITEMS: '[{"ticketId":"alpha","qty":2}]',
            order_record.GENERATION: "0",
        },
    )
    entry_id = real_redis.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: "o1"})
    real_redis.xreadgroup(keys.CONSUMER_GROUP, "w", {keys.ORDER_STREAM: ">"})
    real_redis.incr(keys.GENERATION)

    async def decide():
        import redis.asyncio as aredis

        client = aredis.Redis.from_url(redis_url, decode_responses=True)
        try:
            return await decide_batch(client, Scripts.register(client), [StreamEntry(entry_id, "o1")], 0)
        finally:
            await client.aclose()

    assert asyncio.run(decide()) == [("stale", "")]
    assert real_redis.hget(keys.STOCK, "alpha") == "10"
    assert real_redis.hget(keys.order_key("o1"), order_record.STATUS) == "pending"
    assert real_redis.xpending(keys.ORDER_STREAM, keys.CONSUMER_GROUP)["pending"] == 0


pytestmark = pytest.mark.system
