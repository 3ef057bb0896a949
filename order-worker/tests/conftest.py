"""Worker test helpers: orders queued the way the gateway queues them, on the real redis-server."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
import redis
import redis.asyncio as aioredis

from order_worker.consumer import OrderConsumer, ensure_group
from order_worker.settings import WorkerSettings
from ticketing_common import keys
from ticketing_common.order_record import OrderLine, new_order_fields

STOCK = {"adult": 10, "vip": 2}


def queue_order(
    r: redis.Redis, *items: tuple[str, int], shard: int = 0, shards: keys.Shards | None = None
) -> tuple[str, str]:
    """Store a pending order and add its stream entry; returns (order id, entry id). With `shards`, in
    shard `shard` (an id of that shard, its keys), as the gateway queues it; else shard 0 of one."""
    if shards is not None:
        order_id = shards.new_order_id(shard)
        order_key, stream = shards.order(order_id), shards.order_stream(shard)
    else:
        order_id = str(uuid.uuid4())
        order_key, stream = keys.order_key(order_id), keys.ORDER_STREAM
    fields = new_order_fields(
        order_id=order_id,
        customer_name="T",
        customer_email="t@example.com",
        payment_method="paypal",
        lines=[OrderLine(t, t, q, Decimal("10")) for t, q in items],
        currency="EUR",
        created_at="2026-01-01T00:00:00.000Z",
    )
    r.hset(order_key, mapping=fields)
    entry_id = r.xadd(stream, {keys.STREAM_ORDER_ID_FIELD: order_id})
    return order_id, entry_id


@pytest.fixture
def stocked(real_redis) -> redis.Redis:
    real_redis.hset(keys.STOCK, mapping=STOCK)
    real_redis.hset(keys.STOCK_INITIAL, mapping=STOCK)
    return real_redis


def worker_settings(redis_url: str, name: str = "test-worker", **overrides) -> WorkerSettings:
    return WorkerSettings(**{"redis_url": redis_url, "consumer_name": name, "worker_block_ms": 100, **overrides})


async def until(predicate, timeout=20.0):
    """Wait for a condition on Redis; bounded, so a broken loop fails instead of hanging."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def with_client(redis_url: str, body):
    """Run `body(client)` on a fresh async client, closing it after."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return await body(client)
    finally:
        await client.aclose()


def run(coro):
    return asyncio.run(coro)


async def with_consumer(redis_url: str, body, **settings):
    """Run `body(consumer)` with a consumer on a fresh async client, closing it after."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await ensure_group(client)
        return await body(OrderConsumer(client, worker_settings(redis_url, **settings)))
    finally:
        await client.aclose()
