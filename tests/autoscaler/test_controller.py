"""The sync loop on a real Redis with a fake pool and a fake clock: the metric read, the decision
applied, the state and events published for the dashboard."""

from __future__ import annotations

import json
import os

import pytest

from ticketing_common import keys
from tools.autoscaler.controller import Autoscaler, CpuMeter, process_cpu_seconds
from tools.autoscaler.policy import WORKER, Settings, load_policy

pytestmark = pytest.mark.integration


class FakePool:
    def __init__(self, replicas: int) -> None:
        self.running = replicas
        self.calls: list[int] = []

    def replicas(self) -> int:
        return self.running

    def scale_to(self, replicas: int) -> int:
        self.calls.append(replicas)
        self.running = replicas
        return replicas

    def pids(self) -> list[int]:
        return list(range(1, self.running + 1))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lag(r, entries: int) -> None:
    """`entries` orders in the stream, none delivered: a lag of `entries`."""
    r.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    for i in range(entries):
        r.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: f"o{i}"})


def autoscaler(r, pool, clock, overlay="keda", meters=None):
    policy = load_policy(Settings(True, overlay, 1))
    return Autoscaler(
        policy, {WORKER: pool}, r, clock=clock, wall_clock=lambda: 1000.0, log=lambda _: None, cpu_meters=meters
    )


def test_a_lag_above_the_target_grows_the_pool_by_the_manifests_policy_and_says_why(real_redis):
    lag(real_redis, 412)
    pool, clock = FakePool(2), Clock()
    scaler = autoscaler(real_redis, pool, clock)
    scaler.tick()
    assert pool.calls == [6]  # ceil(412 / 50) = 9, limited to 2 + 4 in one period
    clock.now = 15
    scaler.tick()
    assert pool.calls == [6, 9]
    events = [fields for _, fields in real_redis.xrange(keys.AUTOSCALER_EVENTS)]
    assert events == [
        {
            "time": "1000.000",
            "target": WORKER,
            "from": "2",
            "to": "6",
            "reason": "lag 412 > 50 per worker (ScaleUpLimit)",
        },
        {"time": "1000.000", "target": WORKER, "from": "6", "to": "9", "reason": "lag 412 > 50 per worker"},
    ]
    state = json.loads(real_redis.hget(keys.AUTOSCALER_STATE, WORKER))
    assert state == {
        "current": 9,
        "desired": 9,
        "min": 2,
        "max": 12,
        "metric": "lag",
        "metricValue": 412,
        "target": 50.0,
        "overlay": "keda",
        "source": "ScaledObject/order-worker",
        "timeScale": 1.0,
        "syncPeriodS": 15.0,
        "updatedAt": 1000.0,
        "pending": 0,
    }


def test_when_the_lag_is_gone_the_pool_shrinks_only_after_the_window_then_by_half(real_redis):
    lag(real_redis, 0)
    pool, clock = FakePool(8), Clock()
    scaler = autoscaler(real_redis, pool, clock)
    for t in range(0, 180, 15):
        clock.now = t
        scaler.tick()
    assert pool.calls == []  # 180 s stabilization window
    clock.now = 195
    scaler.tick()
    assert pool.calls == [4]  # Percent 50 per 60 s
    clock.now = 210
    scaler.tick()
    assert pool.calls == [4]
    clock.now = 255
    scaler.tick()
    assert pool.calls == [4, 2]  # the minimum


def test_a_redis_outage_skips_the_sync_and_keeps_the_pool(real_redis):
    import redis

    pool = FakePool(3)
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)
    lines: list[str] = []
    policy = load_policy(Settings(True, "keda", 1))
    Autoscaler(policy, {WORKER: pool}, dead, log=lines.append).tick()
    assert pool.calls == [] and "Redis unavailable, sync skipped" in lines[0]


def test_cpu_utilization_of_the_pool_against_its_request(real_redis):
    # 2 workers each using 0.09 cores for 15 s, request 50m, target 60 %: utilization 180 %, ratio 3 -> 6
    used = {1: 0.0, 2: 0.0}
    meter = CpuMeter(read=lambda pid: used.get(pid))
    pool, clock = FakePool(2), Clock()
    scaler = autoscaler(real_redis, pool, clock, overlay="local", meters={WORKER: meter})
    scaler.tick()
    assert pool.calls == []  # the first sample has nothing to compare with
    used.update({1: 0.09 * 15, 2: 0.09 * 15})
    clock.now = 15
    scaler.tick()
    assert pool.calls == [6]
    assert real_redis.xrange(keys.AUTOSCALER_EVENTS)[0][1]["reason"] == "CPU 180 % > 60 % of request"


def test_process_cpu_seconds_reads_proc():
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("no /proc on this system")
    before = process_cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    assert before is not None and process_cpu_seconds(os.getpid()) >= before
    assert process_cpu_seconds(2**22 + 7) is None
