"""Redis dies in the middle of a run and comes back: nothing answered 201 is lost (AOF with
appendfsync always), intake says 503 meanwhile, and every service recovers without a restart."""

import asyncio
import signal

import httpx
import pytest
import redis

from tools import stack
from tools.redis_server import free_port

from ..invariants import check_invariants, wait_until_all_terminal
from .conftest import TICKET_IDS, Stack
from .load import place_orders_through_outage

pytestmark = pytest.mark.system


def start_redis(port, data_dir):
    [process] = stack.start([stack.redis_service(port, data_dir, appendfsync="always")])
    return process


def test_orders_survive_a_redis_crash_and_everything_recovers_by_itself(tmp_path):
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    data_dir = tmp_path / "redis-data"
    redis_process = start_redis(port, data_dir)
    system = Stack(redis_url, tmp_path)
    try:
        gateway = system.start_gateway()
        for i in range(2):
            system.start_worker(f"worker-{i}", WORKER_BATCH_SIZE="20")
        outage = {"done": False, "readyz_during": None}

        async def crash_and_restart(created_so_far: int):
            nonlocal redis_process
            if created_so_far < 300 or outage["done"]:
                return
            outage["done"] = True
            redis_process.signal(signal.SIGKILL)  # a crash, not a clean shutdown
            redis_process.popen.wait(timeout=10)
            await asyncio.sleep(1.5)
            async with httpx.AsyncClient() as client:
                outage["readyz_during"] = (await client.get(f"{gateway}/readyz")).status_code
            redis_process = start_redis(port, data_dir)

        created, refused = asyncio.run(place_orders_through_outage(gateway, 1500, 8, TICKET_IDS, crash_and_restart))
        assert outage["done"], "the outage never happened"
        assert outage["readyz_during"] == 503
        assert refused > 0, "no request met the outage"

        r = redis.Redis.from_url(redis_url, decode_responses=True)
        wait_until_all_terminal(r, created)
        check_invariants(r, created)
        assert httpx.get(f"{gateway}/readyz").status_code == 200
    finally:
        system.stop()
        redis_process.stop()
