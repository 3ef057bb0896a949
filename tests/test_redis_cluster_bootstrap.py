"""k8s/overlays/redis-cluster/bootstrap.sh (the Kubernetes Job's and Compose's redis-cluster-init)
against six real, fresh cluster nodes on loopback: it creates the cluster once and only once."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import redis_cluster

pytestmark = pytest.mark.cluster

SCRIPT = Path(__file__).resolve().parents[1] / "k8s" / "overlays" / "redis-cluster" / "bootstrap.sh"


def run(nodes: list[str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_NODES": " ".join(nodes), "REDIS_BOOTSTRAP_TIMEOUT": str(timeout)}
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=timeout + 60)


@pytest.fixture
def fresh_nodes() -> Iterator[redis_cluster.LocalCluster]:
    """Six cluster-enabled nodes that know nothing of each other yet."""
    with tempfile.TemporaryDirectory(prefix="redis-bootstrap-") as root:
        nodes = redis_cluster.LocalCluster(Path(root), redis_cluster.free_ports(6))
        try:
            for port in nodes.ports:
                nodes.start_node(port)
            yield nodes
        finally:
            nodes.stop()


def settled_view(port: int, timeout: float = 30.0) -> list[redis_cluster.NodeView]:
    """The node's view of the cluster once it has heard of every replica: right after creation the
    replicas' new role reaches the other nodes by gossip, and a node may still list them as masters."""
    deadline = time.monotonic() + timeout
    while True:
        views = redis_cluster.cluster_nodes(port)
        if sum(not v.is_master for v in views) == 3 or time.monotonic() > deadline:
            return views
        time.sleep(0.1)


def test_it_creates_three_masters_with_a_replica_each_then_leaves_the_cluster_alone(fresh_nodes):
    addresses = [f"127.0.0.1:{p}" for p in fresh_nodes.ports]
    first = run(addresses)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "creating the cluster" in first.stdout and "cluster_state:ok on every node" in first.stdout
    views = settled_view(fresh_nodes.ports[0])
    masters = sorted((v.slots, v.port) for v in views if v.is_master)
    # The first three nodes listed get the slots, in order.
    assert [port for _slots, port in masters] == fresh_nodes.ports[:3]
    assert [slots for slots, _port in masters] == [((0, 5460),), ((5461, 10922),), ((10923, 16383),)]
    assert sorted(v.master_id for v in views if not v.is_master) == sorted(v.node_id for v in views if v.is_master)

    again = run(addresses)  # a re-run Job, a restarted Compose stack
    assert again.returncode == 0, again.stdout + again.stderr
    assert "16384 slots already assigned: not creating it again" in again.stdout
    assert {v.node_id: v.port for v in redis_cluster.cluster_nodes(fresh_nodes.ports[0])} == {
        v.node_id: v.port for v in views
    }


def test_it_gives_up_with_a_reason_when_a_node_never_answers(fresh_nodes):
    [dead] = redis_cluster.free_ports(1)
    addresses = [f"127.0.0.1:{p}" for p in fresh_nodes.ports[:5]] + [f"127.0.0.1:{dead}"]
    done = run(addresses, timeout=2)
    assert done.returncode == 1
    assert f"no answer from 127.0.0.1:{dead} after 2s" in done.stderr
    assert redis_cluster.cluster_info(fresh_nodes.ports[0])["cluster_slots_assigned"] == "0"  # nothing half-made
