"""Workers dying and stopping: a SIGKILLed worker loses nothing, a SIGTERMed one finishes its batch.
Each on one Redis and on the local Redis Cluster with 3 shards (a worker holds entries of every shard)."""

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ticketing_common import keys

from ..invariants import check_invariants, wait_until_all_terminal
from .load import place_orders

pytestmark = pytest.mark.system

# Slow workers (simulated work per order, two calls at a time: 25 rounds of 20 ms a batch) hold
# their batches long enough to be caught holding them.
SLOW = {"WORKER_SIMULATED_WORK_MS": "20", "WORKER_CONCURRENCY": "2", "WORKER_BATCH_SIZE": "50"}
FAST_RECOVERY = {"WORKER_CLAIM_IDLE_MS": "1500", "WORKER_RECOVERY_INTERVAL_MS": "300"}


def pending_of(r, shards: keys.Shards, consumer: str) -> list[tuple[int, str]]:
    """(shard, entry id) of every entry `consumer` holds, on every shard's stream."""
    return [
        (k, p["message_id"])
        for k in shards
        for p in r.xpending_range(shards.order_stream(k), keys.CONSUMER_GROUP, "-", "+", 1000, consumername=consumer)
    ]


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not met within {timeout}s"
        time.sleep(0.02)


def freeze_holding_every_shard(victim, r, shards: keys.Shards, timeout: float = 60.0) -> list[tuple[int, str]]:
    """SIGSTOP the victim once it holds entries of every shard (on the cluster the others must then
    reclaim from every master's stream); returns what it holds, which cannot change while it is stopped.
    Read while it runs, a shard's last entry could be acknowledged between the read and the kill."""
    deadline = time.monotonic() + timeout
    while True:
        wait_for(lambda: {k for k, _ in pending_of(r, shards, "victim")} == set(shards.all()), timeout=timeout)
        victim.signal(signal.SIGSTOP)
        held = pending_of(r, shards, "victim")
        if {k for k, _ in held} == set(shards.all()):
            return held
        victim.signal(signal.SIGCONT)
        assert time.monotonic() < deadline, "the victim never held entries of every shard at once"


def test_a_killed_worker_holding_entries_loses_nothing(target_system):
    system = target_system
    r, shards = system.client(), system.shards
    gateway = system.start_gateway()
    victim, _ = system.start_worker("victim", **SLOW, **FAST_RECOVERY)
    survivors = [system.start_worker(f"survivor-{i}", **SLOW, **FAST_RECOVERY)[1] for i in range(2)]

    # Killed while orders still arrive: once they are all placed, three workers may have drained
    # the stream already and the victim would have nothing left to hold.
    with ThreadPoolExecutor(1) as placing:
        placed = placing.submit(place_orders, gateway, count=600, concurrency=16, events=system.catalogue.events)
        held = freeze_holding_every_shard(victim, r, shards)
        victim.signal(signal.SIGKILL)
        victim.popen.wait(timeout=10)
        assert pending_of(r, shards, "victim") == held
        order_ids = placed.result()

    wait_until_all_terminal(r, order_ids, shards=shards)
    check_invariants(r, order_ids, shards=shards)
    assert {shards.of_order(o) for o in order_ids} == set(shards.all())
    # What the victim held was taken over by the others and acknowledged.
    assert pending_of(r, shards, "victim") == []
    reclaimed = sum(httpx.get(f"{url}/stats").json()["reclaimed"] for url in survivors)
    assert reclaimed >= len(held)


def test_sigterm_finishes_and_acknowledges_the_batch_in_hand(target_system):
    system = target_system
    r, shards = system.client(), system.shards
    gateway = system.start_gateway()
    worker, _ = system.start_worker("leaving", **SLOW)

    order_ids = place_orders(gateway, count=200, concurrency=8, events=system.catalogue.events)
    wait_for(lambda: len(pending_of(r, shards, "leaving")) > 0, what="the worker holding a batch")
    held = pending_of(r, shards, "leaving")
    worker.signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal: -SIGTERM is its clean exit.
    assert worker.popen.wait(timeout=30) in (0, -signal.SIGTERM)
    log = worker.log_path.read_text()
    assert "finishing the batch in hand" in log and "consumer stopped" in log

    # Nothing left pending, and the orders it held are decided.
    assert pending_of(r, shards, "leaving") == []
    entries = {(k, i): f[keys.STREAM_ORDER_ID_FIELD] for k in shards for i, f in r.xrange(shards.order_stream(k))}
    held_orders = [entries[e] for e in held if e in entries]
    statuses = [r.hget(shards.order(o), "status") for o in held_orders]
    assert statuses and "pending" not in statuses

    # A new worker decides the rest.
    system.start_worker("successor")
    wait_until_all_terminal(r, order_ids, shards=shards)
    check_invariants(r, order_ids, shards=shards)
    assert {shards.of_order(o) for o in order_ids} == set(shards.all())
