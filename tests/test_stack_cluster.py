"""`REDIS_CLUSTER=1 make up` (tools/stack.py): a local Redis Cluster instead of the one Redis,
and every service that talks to Redis told so."""

from __future__ import annotations

import pytest

from tools import redis_cluster, stack
from tools.redis_cluster import free_port_range


def test_the_cluster_mode_starts_six_nodes_and_gives_every_redis_client_the_cluster_and_three_shards(tmp_path):
    ports = stack.Ports(redis=7100, workers=(8001, 8011))
    services = stack.local_stack(tmp_path, ports, cluster=True)
    nodes = [s for s in services if s.name.startswith("redis")]
    assert [n.name for n in nodes] == [f"redis-{7100 + i}" for i in range(6)]
    assert services[:6] == nodes  # before anything that needs Redis
    assert nodes[-1].ready_url == "redis-cluster://" + ",".join(f"127.0.0.1:{7100 + i}" for i in range(6))
    conf = (tmp_path / "redis-cluster" / "7100" / "redis.conf").read_text()
    assert "\ncluster-enabled yes\n" in conf and "\nappendonly yes\n" in conf and "\nappendfsync everysec\n" in conf
    users = [s for s in services if "REDIS_URL" in s.env]
    assert {s.name for s in users} >= {"api-gateway", "payment-provider", "worker-1", "worker-2", "live-updates"}
    for service in users:
        assert service.env["REDIS_URL"] == "redis://127.0.0.1:7100", service.name
        assert service.env["REDIS_CLUSTER"] == "true" and service.env["REDIS_SHARDS"] == "3", service.name


def test_without_it_nothing_changes(tmp_path):
    services = stack.local_stack(tmp_path, stack.Ports())
    assert [s.name for s in services if s.name.startswith("redis")] == ["redis"]
    assert all("REDIS_CLUSTER" not in s.env and "REDIS_SHARDS" not in s.env for s in services)


@pytest.mark.parametrize(("value", "cluster"), [("", False), ("0", False), ("1", True), ("true", True)])
def test_redis_cluster_is_read_from_the_environment(monkeypatch, value, cluster):
    monkeypatch.setenv("REDIS_CLUSTER", value)
    assert stack.cluster_from_env() is cluster


def test_a_bad_redis_cluster_value_is_refused(monkeypatch):
    monkeypatch.setenv("REDIS_CLUSTER", "maybe")
    with pytest.raises(ValueError, match="REDIS_CLUSTER must be 1 or 0"):
        stack.cluster_from_env()


def test_the_cluster_ports_and_their_bus_ports_are_checked_before_anything_starts():
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        first = taken - 10000 - 2  # the bus of the third node
        if first < 1024:
            pytest.skip("the free port is too low to be a bus port here")
        problems = stack.busy_ports(
            stack.Ports(redis=first, gateway=0, workers=(), generator=0, provider=0, live=0, web=0), cluster=True
        )
    assert any(f"port {taken} (redis cluster bus)" in p for p in problems)


@pytest.mark.cluster
def test_the_local_cluster_is_created_once_and_rejoins_from_its_files_after_a_restart(tmp_path):
    first = free_port_range(6)
    ports = stack.cluster_node_ports(first)
    services = stack.redis_cluster_services(first, tmp_path)
    processes = stack.start(services, tmp_path / "logs")
    try:
        ids = {v.port: v.node_id for v in redis_cluster.cluster_nodes(ports[0])}
        masters = [v for v in redis_cluster.cluster_nodes(ports[0]) if v.is_master and v.slots]
        assert len(ids) == 6 and len(masters) == 3
    finally:
        stack.stop(processes)
    processes = stack.start(
        stack.redis_cluster_services(first, tmp_path), tmp_path / "logs"
    )  # nodes.conf kept: no second create
    try:
        assert {v.port: v.node_id for v in redis_cluster.cluster_nodes(ports[0])} == ids
        assert redis_cluster.cluster_info(ports[0])["cluster_state"] == "ok"
    finally:
        stack.stop(processes)
