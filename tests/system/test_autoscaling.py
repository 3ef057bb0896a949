"""make up's autoscaler on the real stack: load above the workers' capacity grows the pool beyond
its minimum and the backlog drains; without load it returns to the minimum; orders keep flowing
while it grows and shrinks, twice, and afterwards the invariants of design.md hold.

The policy is the keda overlay's (lag 50 per worker, 2-12 workers), at time scale 0.1 so that its
windows take seconds, with the overlay's per-order work as make up applies it: each order's payment
call through the local provider, 5 calls at once per worker in batches of 50. The call is made slower
than the overlay's 100 ms (PAYMENT_LATENCY_MS_MEDIAN=400 in make up's shell, which wins over the
overlay's): on a loaded 2-core machine the gateway's intake may be no faster than two workers at
100 ms (~67 orders/s), and the burst must outrun them. Deadlines are generous and nothing is timed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.invariants import check_invariants, wait_until_all_terminal
from tests.system.conftest import CATALOGUE, TICKET_IDS
from tests.system.load import place_orders, random_order
from ticketing_common import keys
from tools.redis_server import free_port
from tools.stack import ROOT

pytestmark = pytest.mark.system

MIN_WORKERS = 2  # the keda overlay's minReplicaCount


def wait_for(predicate, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what}: not after {timeout}s"
        time.sleep(every)


def worker_state(r: redis.Redis) -> dict:
    raw = r.hget(keys.AUTOSCALER_STATE, "order-worker")
    return json.loads(raw) if raw else {}


def backlog_empty(r: redis.Redis) -> bool:
    groups = r.xinfo_groups(keys.ORDER_STREAM)
    group = next(g for g in groups if g["name"] == keys.CONSUMER_GROUP)
    return group["lag"] == 0 and group["pending"] == 0


class Trickle(threading.Thread):
    """Orders at a modest rate, so that workers are stopped while they hold entries."""

    def __init__(self, gateway: str) -> None:
        super().__init__(daemon=True)
        self.gateway = gateway
        self.stop = threading.Event()
        self.ids: list[str] = []
        self.errors: list[str] = []

    def run(self) -> None:
        import random

        rng = random.Random(11)
        with httpx.Client(base_url=self.gateway, timeout=30) as client:
            while not self.stop.is_set():
                response = client.post("/orders", json=random_order(rng, TICKET_IDS))
                if response.status_code == 201:
                    self.ids.append(response.json()["orderId"])
                else:
                    self.errors.append(response.text)
                time.sleep(0.03)


def test_the_pool_grows_under_load_drains_the_backlog_and_shrinks_back_losing_nothing(tmp_path: Path):
    ports = {
        name: str(free_port())
        for name in (
            "REDIS_PORT",
            "GATEWAY_PORT",
            "FIRST_WORKER_PORT",
            "GENERATOR_PORT",
            "PROVIDER_PORT",
            "FRONTEND_PORT",
        )
    }
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps(CATALOGUE))
    env = {
        **os.environ,
        **ports,
        "HOST": "",
        "WORKLOAD_TOKEN": "",
        "AUTOSCALE": "1",
        "AUTOSCALE_OVERLAY": "keda",
        "AUTOSCALE_TIME_SCALE": "0.1",
        "CATALOGUE_PATH": str(catalogue),
        "WEB_CONCURRENCY": "2",
    }
    # The overlay's per-order work and nothing else: no setting of the developer's shell may replace it.
    for name in (
        "WORKER_SIMULATED_WORK_MS",
        "WORKER_CONCURRENCY",
        "WORKER_BATCH_SIZE",
        "WORKER_CLAIM_IDLE_MS",
        "WORKER_PAYMENT_PROVIDER_URL",
        "PAYMENT_LATENCY_MS_MEDIAN",
        "PAYMENT_LATENCY_SIGMA",
        "PAYMENT_LATENCY_MAX_MS",
    ):
        env.pop(name, None)
    env["PAYMENT_LATENCY_MS_MEDIAN"] = "400"  # 5 / 0.4 s: two workers decide at most 25 orders/s
    out_path = tmp_path / "make-up.out"
    with open(out_path, "w") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "tools.stack", "up", "--run-dir", str(tmp_path / "run")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    trickle = None
    try:
        wait_for(lambda: "Press Ctrl-C" in out_path.read_text() or up.poll() is not None, 180, "make up started")
        output = out_path.read_text()
        assert up.poll() is None, output
        assert "autoscaling: on (keda: order-worker 2-12 on lag 50 per worker" in output
        assert "time scale 0.1" in output
        assert "a 400 ms payment call per order x 5 at once: up to 12.5 orders/s per worker" in output

        r = redis.Redis(port=int(ports["REDIS_PORT"]), decode_responses=True)
        gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        wait_for(lambda: worker_state(r).get("current") == MIN_WORKERS, 60, "the autoscaler's first sync")

        trickle = Trickle(gateway)
        trickle.start()
        ids: list[str] = []
        for wave in (1, 2):
            try:
                ids += place_orders(gateway, 2500, concurrency=32, events=[TICKET_IDS], seed=wave)
                wait_for(lambda: worker_state(r)["current"] > MIN_WORKERS, 120, f"wave {wave}: scale-out")
                wait_for(lambda: backlog_empty(r), 240, f"wave {wave}: the backlog drained")
                wait_for(lambda: worker_state(r)["current"] == MIN_WORKERS, 240, f"wave {wave}: back to the minimum")
            except AssertionError as e:  # what the autoscaler said, to see why
                raise AssertionError(
                    f"{e}; state {worker_state(r)}; make up said:\n{out_path.read_text()[-4000:]}"
                ) from e
        trickle.stop.set()
        trickle.join(timeout=60)
        assert not trickle.errors, trickle.errors[:3]
        ids += trickle.ids

        events = [f for _, f in r.xrange(keys.AUTOSCALER_EVENTS) if f["target"] == "order-worker"]
        ups = [e for e in events if int(e["to"]) > int(e["from"])]
        downs = [e for e in events if int(e["to"]) < int(e["from"])]
        assert len(ups) >= 2 and len(downs) >= 2, events
        assert all(e["reason"].startswith("lag ") for e in events), events

        wait_until_all_terminal(r, ids, timeout=240)
        statuses = check_invariants(r, ids)
        assert sum(statuses.values()) == len(ids) >= 5000
        assert r.xlen(keys.DEAD_LETTER_STREAM) == 0  # nothing given up on because a worker was stopped
        # Every worker stopped by a scale-in left the group holding nothing: only the running ones remain.
        consumers = {c["name"]: c["pending"] for c in r.xinfo_consumers(keys.ORDER_STREAM, keys.CONSUMER_GROUP)}
        assert set(consumers) == {"worker-1", "worker-2"}, consumers
        r.close()

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=120) == 0, out_path.read_text()
    finally:
        if trickle is not None:
            trickle.stop.set()
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(timeout=120)
            except subprocess.TimeoutExpired:
                up.kill()


def test_the_gateway_pool_grows_and_shrinks_gunicorns_workers_by_ttin_and_ttou(system):
    from tools.autoscaler.controller import children_of
    from tools.stack import GatewayPool

    gateway = system.start_gateway(WEB_CONCURRENCY="2")
    [arbiter] = [p for p in system.processes if p.service.name == "api-gateway"]
    pool = GatewayPool(arbiter, 2)
    wait_for(lambda: len(children_of(arbiter.pid)) == 2, 60, "gunicorn's two workers")
    assert pool.scale_to(4) == 4
    wait_for(lambda: len(children_of(arbiter.pid)) == 4, 60, "four gunicorn workers after TTIN")
    assert pool.scale_to(3) == 3
    wait_for(lambda: len(children_of(arbiter.pid)) == 3, 60, "three gunicorn workers after TTOU")
    assert sorted(pool.pids()) == sorted(children_of(arbiter.pid))
    assert httpx.get(f"{gateway}/readyz").status_code == 200
    assert arbiter.alive()
