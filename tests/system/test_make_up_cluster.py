"""`REDIS_CLUSTER=1 make up`: the whole stack on a local Redis Cluster (3 masters + 3 replicas) with
three shards: an order on an event of every shard (each shard on its own master) is confirmed
through the payment provider, and Ctrl-C stops everything, the six nodes included."""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest
import redis

from ticketing_common import keys
from ticketing_common.status import OrderStatus
from tools.redis_cluster import cluster_info, cluster_nodes, free_port_range
from tools.stack import ROOT, cluster_node_ports

from .conftest import event_ids_one_per_shard
from .test_cluster_failover import SHARDS, failover_catalogue
from .test_make_up import base_env, free_ports, listening, make_up

pytestmark = [pytest.mark.system, pytest.mark.cluster]


def order(gateway: str, ticket_id: str) -> str:
    body = {
        "customer": {"name": "Cluster", "email": "cluster@example.com"},
        "items": [{"ticketId": ticket_id, "qty": 1}],
        "paymentMethod": "credit_card",
    }
    response = httpx.post(f"{gateway}/orders", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["orderId"]


def test_make_up_with_redis_cluster_runs_every_shard_on_its_own_master_and_stops_it_all(tmp_path):
    ports = free_ports()
    ports["REDIS_PORT"] = str(free_port_range(6))
    nodes = cluster_node_ports(int(ports["REDIS_PORT"]))
    catalogue = tmp_path / "catalogue.json"  # an event on each shard (the demo's open ones are on two)
    catalogue.write_text(json.dumps(failover_catalogue(event_ids_one_per_shard(SHARDS, stem="failover"))))
    env = {**base_env(), **ports, "REDIS_CLUSTER": "1", "CATALOGUE_PATH": str(catalogue)}
    env["PAYMENT_OUTCOME_MIX"] = "approve=100"  # every charge approved: every order confirmed
    up = make_up(ROOT, tmp_path / "run", env)
    try:
        output = ""
        deadline = time.monotonic() + 180
        while "Press Ctrl-C" not in output:
            assert up.poll() is None, f"make up exited early:\n{output}{up.stdout.read()}"
            assert time.monotonic() < deadline, output
            output += up.stdout.readline()
        assert f"Redis Cluster        redis://127.0.0.1:{nodes[0]} .. :{nodes[-1]}" in output
        assert all(cluster_info(p)["cluster_state"] == "ok" for p in nodes)
        masters = {v.port for v in cluster_nodes(nodes[0]) if v.is_master and v.slots}
        assert len(masters) == 3

        gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        events = httpx.get(f"{gateway}/events", params={"onSale": "true"}).json()["events"]
        by_shard = {e["shard"]: e for e in events}
        assert set(by_shard) == {0, 1, 2}
        placed = {k: order(gateway, event["tickets"][0]["id"]) for k, event in by_shard.items()}
        assert {k: keys.shard_of_order(o) for k, o in placed.items()} == {0: 0, 1: 1, 2: 2}

        deadline = time.monotonic() + 60
        statuses: dict[int, str] = {}
        while time.monotonic() < deadline:
            statuses = {k: httpx.get(f"{gateway}/orders/{o}").json()["status"] for k, o in placed.items()}
            if all(s == OrderStatus.CONFIRMED for s in statuses.values()):
                break
            time.sleep(0.3)
        assert set(statuses.values()) == {OrderStatus.CONFIRMED}, statuses
        ledger = httpx.get(f"http://127.0.0.1:{ports['PROVIDER_PORT']}/ledger").json()
        assert len(ledger["charges"]) == 3  # the workers charged through the provider, on the cluster too

        # The live updates' stock channel, merged over the shards (its MULTI reads on the asyncio cluster client).
        with httpx.stream("GET", f"http://127.0.0.1:{ports['LIVE_PORT']}/stock", timeout=10) as live:
            assert live.status_code == 200
            lines = live.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: stock"
            stock = json.loads(next(line for line in lines if line.startswith("data:")).removeprefix("data:"))
        expected = {t["id"] for e in by_shard.values() for t in e["tickets"]}
        assert {t["id"] for t in stock["tickets"]} == expected

        # Each shard's order stream lives on a different master.
        client = redis.RedisCluster(host="127.0.0.1", port=nodes[0], decode_responses=True)
        shards = keys.Shards(3)
        homes = {client.get_node_from_key(shards.order_stream(k)).port for k in shards}
        client.close()
        assert homes == masters

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=90) == 0
        assert "stopped." in up.stdout.read()
        still_up = [name for name, port in ports.items() if listening(int(port))]
        still_up += [f"redis node {p}" for p in nodes if listening(p)]
        assert not still_up, f"still listening after Ctrl-C: {still_up}"
    finally:
        if up.poll() is None:
            up.kill()
