"""The lifecycle benchmark (bench/lifecycle.py): its figures, its held-stock memory, and its quick form end to end."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bench import lifecycle, report
from bench.budget import Deadline
from bench.store import bench_redis
from ticketing_common import keys


def test_the_decision_rate_counts_only_the_decisions_inside_the_window():
    records = [("confirmed", 0.0, t) for t in (0.5, 1.0, 1.5, 2.0, 2.9, 3.0, 4.0)]
    assert lifecycle.rate_in_window(records, 1.0, 3.0) == 2.0  # 1.0, 1.5, 2.0, 2.9 in two seconds
    assert lifecycle.rate_in_window(records, 3.0, 3.0) == 0.0


def test_the_stated_capacity_is_the_concurrency_over_the_mean_charge_time():
    assert lifecycle.stated_capacity(10, 50.0) == 200.0
    assert lifecycle.provider_defaults()["latency_mean_ms"] > lifecycle.provider_defaults()["latency_median_ms"]


@pytest.mark.integration
def test_held_memory_reserves_every_pay_later_order_and_keeps_the_ledger_balanced(real_redis):
    h = lifecycle.held_memory(real_redis, 300, Deadline(20), hold_ms=900_000)
    assert h["held_orders"] == 300 and h["invariants"] == "ok"
    assert real_redis.zcard(keys.HOLDS) == 300  # every hold is in the deadline index, none twice
    assert h["tickets_held"] == sum(int(v) for v in real_redis.hgetall(keys.STOCK_HELD).values()) > 0
    assert h["bytes_per_held_order"]["holds"] > 0
    assert h["bytes_per_held_order_total"] >= h["bytes_per_held_order"]["holds"]
    assert "B per held order" in "\n".join(report.lifecycle({**_fake_result(), "held": h}))


def _fake_result() -> dict:
    return {
        "provider": lifecycle.provider_defaults(),
        "concurrency": 10,
        "batch": 100,
        "stated_capacity_per_worker": 176.4,
        "seconds_per_run": 2.0,
        "cores": 2,
        "intake": "test",
        "runs": [],
    }


@pytest.mark.system
def test_the_quick_section_runs_real_workers_and_the_provider_and_checks_the_invariants(tmp_path):
    ctx = SimpleNamespace(quick=True, machine={"cores": 2}, workdir=tmp_path, redis=bench_redis)
    r = lifecycle.run(ctx)
    assert r["runs"], "not even K=1 ran"
    first = r["runs"][0]
    assert first["k"] == 1 and first["invariants"] == "ok", first["invariants"]
    assert first["above"]["decided_per_s"] > 0 and first["above"]["ledger_max_drift"] == 0
    assert first["below"]["to_decided_ms"]["count"] == first["below"]["orders"]
    assert set(first["statuses"]) <= {"confirmed", "payment_failed"}  # stock never runs out here
    assert all("VIOLATED" not in run["invariants"] for run in r["runs"])
    assert r["held"]["invariants"] == "ok" and r["held"]["held_orders"] == 2_000
    assert "### 8. Lifecycle" in "\n".join(report.lifecycle(r))
