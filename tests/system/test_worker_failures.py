"""Workers dying and stopping: a SIGKILLed worker loses nothing, a SIGTERMed one finishes its batch."""

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ticketing_common import keys

from ..invariants import check_invariants, wait_until_all_terminal
from .conftest import TICKET_IDS
from .load import place_orders

pytestmark = pytest.mark.system

# Slow workers (simulated work per order, two calls at a time: 25 rounds of 20 ms a batch) hold
# their batches long enough to be caught holding them.
SLOW = {"WORKER_SIMULATED_WORK_MS": "20", "WORKER_CONCURRENCY": "2", "WORKER_BATCH_SIZE": "50"}
FAST_RECOVERY = {"WORKER_CLAIM_IDLE_MS": "1500", "WORKER_RECOVERY_INTERVAL_MS": "300"}


def pending_of(r, consumer: str) -> list[str]:
    return [
        p["message_id"]
        for p in r.xpending_range(keys.ORDER_STREAM, keys.CONSUMER_GROUP, "-", "+", 1000, consumername=consumer)
    ]


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not met within {timeout}s"
        time.sleep(0.02)


def test_a_killed_worker_holding_entries_loses_nothing(system, real_redis):
    gateway = system.start_gateway()
    victim, _ = system.start_worker("victim", **SLOW, **FAST_RECOVERY)
    survivors = [system.start_worker(f"survivor-{i}", **SLOW, **FAST_RECOVERY)[1] for i in range(2)]

    # Killed while orders still arrive: once they are all placed, three workers may have drained
    # the stream already and the victim would have nothing left to hold.
    with ThreadPoolExecutor(1) as placing:
        placed = placing.submit(place_orders, gateway, count=600, concurrency=16, ticket_ids=TICKET_IDS)
        wait_for(lambda: len(pending_of(real_redis, "victim")) > 0, what="the victim holding entries")
        victim.signal(signal.SIGKILL)
        victim.popen.wait(timeout=10)
        held = pending_of(real_redis, "victim")
        order_ids = placed.result()
    assert held, "the victim held nothing when it died"

    wait_until_all_terminal(real_redis, order_ids)
    check_invariants(real_redis, order_ids)
    # What the victim held was taken over by the others and acknowledged.
    assert pending_of(real_redis, "victim") == []
    reclaimed = sum(httpx.get(f"{url}/stats").json()["reclaimed"] for url in survivors)
    assert reclaimed >= len(held)


def test_sigterm_finishes_and_acknowledges_the_batch_in_hand(system, real_redis):
    gateway = system.start_gateway()
    worker, _ = system.start_worker("leaving", **SLOW)

    order_ids = place_orders(gateway, count=200, concurrency=8, ticket_ids=TICKET_IDS)
    wait_for(lambda: len(pending_of(real_redis, "leaving")) > 0, what="the worker holding a batch")
    held = pending_of(real_redis, "leaving")
    worker.signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal: -SIGTERM is its clean exit.
    assert worker.popen.wait(timeout=30) in (0, -signal.SIGTERM)
    log = worker.log_path.read_text()
    assert "finishing the batch in hand" in log and "consumer stopped" in log

    # Nothing left pending, and the orders it held are decided.
    assert pending_of(real_redis, "leaving") == []
    entries = {i: f[keys.STREAM_ORDER_ID_FIELD] for i, f in real_redis.xrange(keys.ORDER_STREAM)}
    held_orders = [entries[i] for i in held if i in entries]
    statuses = [real_redis.hget(keys.order_key(o), "status") for o in held_orders]
    assert statuses and "pending" not in statuses

    # A new worker decides the rest.
    system.start_worker("successor")
    wait_until_all_terminal(real_redis, order_ids)
    check_invariants(real_redis, order_ids)
