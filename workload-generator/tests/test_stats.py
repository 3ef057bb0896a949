"""Run statistics: counts, HDR percentiles, and the per-second series the dashboard draws."""

from __future__ import annotations

import asyncio

import pytest

from workload_generator.stats import SERIES_SECONDS, Stats


def advance(clock, seconds: float) -> None:
    asyncio.run(clock.sleep(seconds))


def test_latency_percentiles_come_from_recorded_values(fake_clock):
    stats = Stats(fake_clock().clock())
    for ms in range(1, 101):
        stats.on_sent()
        stats.on_response(201, ms / 1000)
    latency = stats.snapshot()["latencyMs"]
    assert latency["p50"] == pytest.approx(50, rel=0.01)
    assert latency["p99"] == pytest.approx(99, rel=0.01)
    assert latency["max"] == pytest.approx(100, rel=0.01)
    assert latency["mean"] == pytest.approx(50.5, rel=0.01)


def test_503_counts_as_failed_and_as_backpressure_and_decisions_are_separate_from_http(fake_clock):
    clock = fake_clock()
    stats = Stats(clock.clock())
    for status in (201, 201, 503, 400):
        stats.on_sent()
        stats.on_response(status, 0.01)
    stats.on_sent()
    stats.on_error("timeout")
    stats.on_dropped("in_flight_cap")
    stats.on_followed()
    stats.on_followed()
    stats.on_decision("rejected", 0.2)
    advance(clock, 1.0)
    s = stats.snapshot()
    r = s["requests"]
    assert (r["sent"], r["succeeded"], r["failed"], r["dropped"], r["inFlight"]) == (5, 2, 3, 1, 0)
    assert r["byStatus"] == {"201": 2, "400": 1, "503": 1}
    assert r["byError"]["timeout"] == 1
    assert s["decisions"]["rejected"] == 1 and s["decisions"]["pending"] == 1
    [point] = s["series"]
    assert (point["rps"], point["errors"], point["backpressure"], point["dropped"]) == (5, 3, 1, 1)


def test_series_has_one_point_per_second_including_idle_ones_and_keeps_300(fake_clock):
    clock = fake_clock()
    stats = Stats(clock.clock())
    stats.set_target(7)
    stats.on_sent()
    advance(clock, 3.0)
    series = stats.snapshot()["series"]
    assert [p["t"] for p in series] == [1_700_000_000, 1_700_000_001, 1_700_000_002]
    assert [p["rps"] for p in series] == [1, 0, 0]
    assert {p["targetRps"] for p in series} == {7}
    advance(clock, SERIES_SECONDS + 50)
    series = stats.snapshot()["series"]
    assert len(series) == SERIES_SECONDS
    assert series[-1]["t"] == 1_700_000_000 + SERIES_SECONDS + 52


def test_achieved_rps_over_the_last_10s_and_overall(fake_clock):
    clock = fake_clock()
    stats = Stats(clock.clock())
    for _ in range(20):  # 20 in the first 10 s
        stats.on_sent()
        advance(clock, 0.5)
    for _ in range(50):  # 50 in the next 10 s
        stats.on_sent()
        advance(clock, 0.2)
    rps = stats.achieved_rps()
    assert rps["last10s"] == pytest.approx(5.0, abs=0.11)
    assert rps["overall"] == pytest.approx(70 / 20, abs=0.01)
