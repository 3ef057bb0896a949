"""The dashboard's system figures end to end, in one process on the real redis-server: real order
workers decide the orders the gateway accepted, and GET /system/status shows the same numbers from both
sides (the stream's totals, and each worker's own count published with its heartbeat)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from order_worker.consumer import OrderConsumer
from order_worker.settings import WorkerSettings

pytestmark = pytest.mark.integration

ORDERS = 40


def order(i: int) -> dict:
    return {
        "customer": {"name": f"Buyer {i}", "email": f"buyer{i}@example.com"},
        "items": [{"ticketId": "ga-adult", "qty": 1}],
        "paymentMethod": "paypal",
    }


def test_totals_and_each_workers_count_add_up_to_the_orders_decided(real_redis, redis_url):
    gateway = create_app(
        GatewaySettings(stock_check_interval_seconds=0, room_tick_interval_seconds=0), real_redis
    ).test_client()
    for i in range(ORDERS):
        assert gateway.post("/orders", json=order(i)).status_code == 201

    def status() -> dict:
        return gateway.get("/system/status").get_json()

    async def run_workers() -> tuple[dict, dict]:
        clients = [aioredis.Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
        workers = [
            OrderConsumer(
                client,
                WorkerSettings(
                    redis_url=redis_url,
                    consumer_name=name,
                    worker_block_ms=100,
                    worker_batch_size=5,
                    worker_recovery_interval_ms=100,
                ),
            )
            for client, name in zip(clients, ("worker-1", "worker-2"), strict=True)
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        try:
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                running = status()
                published = sum(w["decided"] for w in running["workers"])
                if running["totals"]["decided"] == ORDERS and published == ORDERS:
                    break
                assert asyncio.get_running_loop().time() < deadline, running
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for client in clients:
                await client.aclose()
        return running, {w.name: w.stats.decided() for w in workers}

    running, counted = asyncio.run(run_workers())
    assert (running["totals"]["accepted"], running["totals"]["decided"]) == (ORDERS, ORDERS)
    assert {w["name"]: w["decided"] for w in running["workers"]} == counted
    assert all(w["heartbeatAgeMs"] >= 0 for w in running["workers"])
    # Stopped gracefully: no worker left in the registry, the totals stay.
    stopped = status()
    assert stopped["workers"] == [] and (stopped["totals"]["accepted"], stopped["totals"]["decided"]) == (
        ORDERS,
        ORDERS,
    )
    # Every order ended, and each end was counted once, in its status, by the Lua step that made it.
    assert sum(stopped["totals"]["byStatus"].values()) == ORDERS
