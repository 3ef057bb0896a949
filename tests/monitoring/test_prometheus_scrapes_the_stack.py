"""The local stack as `MONITORING=1 make up` runs it (Prometheus scraping every second here), under a
bounded load from the generator: every target is up and the orders/s recording rule agrees with the
rate the generator reports it achieved."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest

from tools import stack
from tools.redis_server import free_port

from .contract import JOBS

pytestmark = pytest.mark.system

RPS = 20
# Longer than the rule's 1m window, so that at the end of the run the window holds load only.
DURATION_S = 75


def query(prometheus: str, expr: str, at: float) -> list[dict]:
    body = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr, "time": at}, timeout=10).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} not reached in {timeout} s")


@pytest.fixture
def monitored_stack(tmp_path):
    ports = stack.Ports(
        redis=free_port(),
        gateway=free_port(),
        workers=(free_port(), free_port()),
        generator=free_port(),
        provider=free_port(),
        live=free_port(),
        web=free_port(),
        prometheus=free_port(),
    )
    services = stack.local_stack(tmp_path, ports, monitoring=True, scrape_interval="1s")
    processes = stack.start([s for s in services if s.name != "nginx"], tmp_path / "logs")
    yield ports
    stack.stop(processes)


def test_prometheus_scrapes_every_service_and_the_rule_yields_the_generators_rate(monitored_stack):
    ports = monitored_stack
    prometheus = f"http://127.0.0.1:{ports.prometheus}"
    generator = f"http://127.0.0.1:{ports.generator}"

    def targets_up():
        active = httpx.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]["activeTargets"]
        up = {(t["labels"]["job"], t["health"]) for t in active}
        # The gateway, two workers, the generator, the payment provider and the live updates.
        return len(active) == 6 and up == {(job, "up") for job in JOBS}

    wait_for(targets_up, 60, "every target up")

    assert httpx.post(f"{generator}/start", json={"rps": RPS, "durationS": DURATION_S}, timeout=10).is_success
    stats = wait_for(
        lambda: (
            (s := httpx.get(f"{generator}/stats", timeout=10).json())["requests"]["sent"] and not s["running"] and s
        ),
        DURATION_S + 120,
        "the end of the run",
    )
    assert stats["requests"]["succeeded"] == stats["requests"]["sent"] > 0
    achieved = stats["achievedRps"]["overall"]
    ended = datetime.fromisoformat(stats["startedAt"]).timestamp() + stats["elapsedS"]
    # The rule at the end of the run (a few scrapes before it: its window then holds load only).
    wait_for(lambda: time.time() > ended + 3, 30, "a scrape after the run")
    [sample] = query(prometheus, "ticketing:orders_created:rate1m", ended - 3)
    recorded = float(sample["value"][1])
    assert achieved * 0.6 <= recorded <= achieved * 1.4, (recorded, achieved)
    # And every target is still up after the load.
    assert targets_up()
