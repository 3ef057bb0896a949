"""A Redis Cluster master dies (SIGKILL) under writes and its replica takes over: what survives
and what can be lost, as docs/redis-cluster.md ("Durability and failover") states it.

Every node runs the AOF with appendfsync everysec; replication is asynchronous. The claims:
- a write whose ``WAIT 1 <ms>`` returned 1 (a replica holds it) survives the master's death;
- a script's writes replicate as one unit: after the failover each is there whole or not at all;
- a write no replica acknowledged can be lost when the replica is promoted, and the dead master's
  AOF does not bring it back (it rejoins as a replica of the new master and resyncs from it).

These run the order path's shape (one Lua step per order on one shard's keys: take a ticket, store
the order, append it to the shard's stream) with plain Redis on their own cluster, so they do not
depend on the services; the last tests run the real gateway, workers and live-updates reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import threading
import time

import pytest
import redis
from redis.crc import key_slot
from redis.exceptions import RedisClusterException

from ticketing_common import keys, redis_client
from tools.redis_cluster import LocalCluster, cluster_nodes, local_cluster

from ..invariants import check_invariants, wait_until_all_terminal
from .conftest import Stack, event_ids_one_per_shard, open_event
from .load import _send

pytestmark = [pytest.mark.system, pytest.mark.cluster]

SHARDS = keys.Shards(3)
SHARD = 1  # its tag's slot is on the second master
STOCK = 1_000_000

# KEYS[1] stock (string), KEYS[2] the shard's order stream, KEYS[3] the order's hash (all one tag).
# ARGV[1] the order id. Returns the stock left, or -1 when sold out. Like the order path's enqueue:
# stock, order and stream entry in one atomic step.
PLACE = """
local left = redis.call('DECR', KEYS[1])
if left < 0 then redis.call('INCR', KEYS[1]) return -1 end
redis.call('HSET', KEYS[3], 'status', 'reserved')
redis.call('XADD', KEYS[2], '*', 'orderId', ARGV[1])
return left
"""


def stock_key() -> str:
    return SHARDS.prefix(SHARD) + "failover:stock"


def order_key(order_id: str) -> str:
    return SHARDS.order_prefix(SHARD) + order_id


def place_keys(order_id: str) -> list[str]:
    return [stock_key(), SHARDS.order_stream(SHARD), order_key(order_id)]


def slot() -> int:
    return key_slot(stock_key().encode())


@pytest.fixture
def cluster():
    with local_cluster() as c:
        yield c


def direct(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=5)


def replica_view(port: int) -> redis.Redis:
    """One connection to a replica that may read its own copy (READONLY; else it answers MOVED)."""
    client = redis.Redis(
        host="127.0.0.1", port=port, decode_responses=True, socket_timeout=5, single_connection_client=True
    )
    client.execute_command("READONLY")
    return client


def stored_orders(client: redis_client.SyncClient) -> set[str]:
    return {fields["orderId"] for _id, fields in client.xrange(SHARDS.order_stream(SHARD))}


def test_writes_a_replica_acknowledged_survive_a_master_sigkill_and_the_replicas_promotion(cluster: LocalCluster):
    """Writes go on through the failover: replica-acknowledged before the kill; then the promoted
    replica alone (no replica of its own: WAIT answers 0) until the dead node is restarted, as the
    StatefulSet restarts a pod, and rejoins as its replica; then acknowledged again."""
    client = redis_client.connect(cluster.url, cluster=True, socket_timeout=2, socket_connect_timeout=1)
    client.set(stock_key(), STOCK)
    place = client.register_script(PLACE)
    master = cluster.master_for_slot(slot())
    replica = cluster.replica_of(master)

    acknowledged: list[str] = []  # WAIT said a replica holds it
    unreplicated: list[str] = []  # the master answered, no replica acknowledged within the timeout
    failed = 0  # no answer (the master dying or dead, the slot moving): unknown, never counted as placed
    rejoined = threading.Event()
    stop = threading.Event()
    marks: dict[str, int] = {}

    def writer() -> None:
        nonlocal failed
        n = 0
        while not stop.is_set():
            n += 1
            order_id = f"o{n}"
            try:
                _left, replicas = redis_client.run_and_wait(
                    client, place, place_keys(order_id), args=[order_id], timeout_ms=200
                )
            except (redis.RedisError, RedisClusterException):
                failed += 1
                time.sleep(0.05)
                continue
            (acknowledged if replicas >= 1 else unreplicated).append(order_id)
            if rejoined.is_set() and len(acknowledged) >= marks["rejoined"] + 200:
                stop.set()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(acknowledged) >= 300, "the writer did not get going"
    cluster.kill(master)  # SIGKILL, mid-stream
    marks["killed"] = len(acknowledged)
    assert cluster.wait_promoted(slot(), master) == replica
    cluster.start_node(master)  # its AOF and nodes.conf: it rejoins, as a replica of the new master
    cluster.wait_replica_in_sync(master)
    marks["rejoined"] = len(acknowledged)
    rejoined.set()
    thread.join(timeout=60)
    stop.set()
    assert not thread.is_alive(), "writes were not acknowledged again once a replica was back"

    assert failed > 0 and unreplicated, "the kill did not land in the middle of the writes"
    on_new_master = direct(replica)
    entries = [f["orderId"] for _id, f in on_new_master.xrange(SHARDS.order_stream(SHARD))]
    present = set(entries)
    assert len(entries) == len(present), "an order was applied twice"
    missing = [o for o in acknowledged if o not in present]
    assert not missing, f"{len(missing)} replica-acknowledged writes lost, e.g. {missing[:5]}"
    # One unit: every order in the stream has its hash and took exactly one ticket, none half-applied.
    assert int(on_new_master.get(stock_key())) + len(present) == STOCK
    pipe = on_new_master.pipeline(transaction=False)
    for order_id in present:
        pipe.exists(order_key(order_id))
    assert all(pipe.execute())
    # The restarted node holds what its new master holds: it resynchronised, it did not replay its AOF.
    assert {f["orderId"] for _id, f in replica_view(master).xrange(SHARDS.order_stream(SHARD))} == present
    client.close()


def test_a_write_no_replica_acknowledged_is_lost_in_the_failover_and_the_dead_masters_aof_does_not_revive_it(
    cluster: LocalCluster,
):
    client = redis_client.connect(cluster.url, cluster=True, socket_timeout=2, socket_connect_timeout=1)
    client.set(stock_key(), STOCK)
    place = client.register_script(PLACE)
    master = cluster.master_for_slot(slot())
    replica = cluster.replica_of(master)

    _left, replicas = redis_client.run_and_wait(client, place, place_keys("kept"), args=["kept"], timeout_ms=2000)
    assert replicas == 1

    # Cut the replica off before the next write: stopped (it cannot reconnect) and its link closed
    # by the master (nothing more reaches it, not even from a socket buffer).
    replica_pid = cluster.processes[replica].pid
    os.kill(replica_pid, signal.SIGSTOP)
    try:
        direct(master).client_kill_filter(_type="replica")
        _left, replicas = redis_client.run_and_wait(client, place, place_keys("lost"), args=["lost"], timeout_ms=300)
        assert replicas == 0  # the master answered: this is what a client without WAIT would take as done
        assert direct(master).exists(order_key("lost")) == 1
        cluster.kill(master)
    finally:
        os.kill(replica_pid, signal.SIGCONT)
    assert cluster.wait_promoted(slot(), master) == replica

    assert stored_orders(direct(replica)) == {"kept"}
    assert direct(replica).exists(order_key("lost")) == 0

    # The dead master comes back with its AOF (which has "lost"): it rejoins as a replica of the
    # new master and takes its data, so the write stays lost.
    cluster.start_node(master)
    cluster.wait_replica_in_sync(master)
    assert replica_view(master).exists(order_key("lost")) == 0
    assert stored_orders(replica_view(master)) == {"kept"}
    views = {v.port: v for v in cluster_nodes(replica)}
    assert views[replica].is_master and not views[master].is_master
    client.close()


# --- The sharded order path end to end (gateway + workers on REDIS_CLUSTER=true, REDIS_SHARDS=3) ---

EVENT_STOCK = {"std": 4000, "vip": 150}


def failover_catalogue(events: list[str]) -> list[dict]:
    tickets = [{"id": kind, "name": kind, "type": "adult", "price": 10, "stock": n} for kind, n in EVENT_STOCK.items()]
    return [open_event(event, tickets) for event in events]


def order_bodies(events: list[str], count: int, seed: int = 17) -> list[dict]:
    """Orders spread over the three events (so over the three shards), each within one event."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        event = rng.choice(events)
        kinds = rng.sample(sorted(EVENT_STOCK), rng.choice([1, 1, 2]))
        bodies.append(
            {
                "customer": {"name": "Failover", "email": "failover@example.com"},
                "items": [{"ticketId": f"{event}-{k}", "qty": rng.randint(1, 2)} for k in kinds],
                "paymentMethod": "credit_card",
            }
        )
    return bodies


def test_every_order_answered_201_reaches_a_terminal_status_through_a_master_failover(cluster: LocalCluster, tmp_path):
    """The gateway and two workers on the cluster with three shards, orders on every shard; the master
    of shard 1 is SIGKILLed mid-run, its replica promoted, the node restarted (as the StatefulSet
    restarts a pod). Intake says 503 for shard 1 meanwhile (retried with the same Idempotency-Key);
    every order answered 201 is decided, and every shard's ledger balances.

    The gateway does not WAIT for a replica before its 201 (docs/redis-cluster.md): on loopback the
    replication stream leaves in the same event-loop pass as the reply, so the loss window a SIGKILL
    could hit is microseconds; this test would show a lost 201 as a missing order."""
    events = event_ids_one_per_shard(SHARDS, stem="failover")
    catalogue = tmp_path / "failover-catalogue.json"  # not Stack's own catalogue.json
    catalogue.write_text(json.dumps(failover_catalogue(events)))
    system = Stack(cluster.url, tmp_path, cluster=True, shards=SHARDS)
    try:
        gateway = system.start_gateway(CATALOGUE_PATH=str(catalogue))
        for i in range(2):
            system.start_worker(f"worker-{i}", WORKER_BATCH_SIZE="20", WORKER_PAYMENT_PROVIDER_URL="")
        victim_slot = key_slot(SHARDS.order_stream(1).encode())
        master = cluster.master_for_slot(victim_slot)
        replica = cluster.replica_of(master)
        failover: dict[str, object] = {}

        def kill_promote_restart() -> None:
            cluster.kill(master)
            failover["promoted"] = cluster.wait_promoted(victim_slot, master)
            cluster.start_node(master)
            cluster.wait_replica_in_sync(master)

        async def on_progress(created_so_far: int) -> None:
            if created_so_far >= 300 and "task" not in failover:
                failover["task"] = asyncio.get_running_loop().run_in_executor(None, kill_promote_restart)

        async def run() -> tuple[list[str], int]:
            created, refused = await _send(gateway, order_bodies(events, 1200), 16, on_progress, allow_503=True)
            await failover["task"]  # type: ignore[misc]
            return created, refused

        created, refused = asyncio.run(run())
        assert failover["promoted"] == replica
        assert refused > 0, "the failover did not land in the middle of the intake"
        assert {keys.shard_of_order(o) for o in created} == set(SHARDS.all())
        client = redis_client.connect(cluster.url, cluster=True)
        try:
            wait_until_all_terminal(client, created, shards=SHARDS)
            check_invariants(client, created, shards=SHARDS)
        finally:
            client.close()
    finally:
        system.stop()


def test_the_live_updates_multi_reads_recover_after_a_failover(cluster: LocalCluster):
    """live-updates reads stock and order snapshots in MULTI pipelines on the asyncio cluster client.
    A failover's connection error makes that client re-initialise on its next command; when that
    command is a MULTI being queued, redis-py 8.1 does it in a throwaway event loop and the client
    is left broken ("Event loop is closed") unless it goes through redis_client.transaction_pipeline."""
    from live_updates import feeds

    async def scenario() -> tuple[int, dict]:
        client = redis_client.connect(cluster.url, cluster=True, asyncio=True, socket_timeout=2)
        try:
            await feeds.stock_state(client, SHARDS)
            victim = key_slot(SHARDS.stock(1).encode())
            master = cluster.master_for_slot(victim)
            await asyncio.get_running_loop().run_in_executor(None, cluster.kill, master)
            errors = 0
            deadline = time.monotonic() + 60
            while True:
                try:
                    state = await feeds.stock_state(client, SHARDS)
                    break
                except (redis.RedisError, RedisClusterException, OSError) as e:
                    errors += 1
                    assert time.monotonic() < deadline, f"still failing after the failover: {e!r}"
                    await asyncio.sleep(0.2)
            for _ in range(3):  # and it stays working, snapshots included
                await feeds.stock_state(client, SHARDS)
                await feeds.order_snapshot(client, keys.new_order_id(1), SHARDS)
            return errors, state
        finally:
            await client.aclose()

    errors, state = asyncio.run(scenario())
    assert errors > 0, "the failover was not seen"
    assert state == {"tickets": []}
