"""The step benchmark's figures, from its samples (the benchmark itself runs under `make bench --only step`)."""

from __future__ import annotations

from bench import report, step


def sample(t: float, replicas: int, backlog: int, decided: int = 0) -> dict:
    return {"t": t, "replicas": replicas, "lag": backlog, "pending": 0, "backlog": backlog, "decided": decided}


def test_the_figures_read_the_scale_out_the_drain_below_target_and_the_return_to_minimum():
    samples = [
        sample(0, 2, 10),
        sample(1, 2, 120),  # over one worker's target
        sample(2, 4, 400),  # the first scale-out runs
        sample(3, 6, 300),
        sample(4, 6, 40, decided=100),  # back under the target while the load is on
        sample(5, 6, 0, decided=400),
        sample(6, 3, 0, decided=400),
        sample(7, 2, 0, decided=400),  # back at the minimum 2 s after the load ended
    ]
    f = step._figures(samples, {"min": 2, "load_end_s": 5}, 50)
    assert f["first_scale_out_s"] == 2 and f["peak_replicas"] == 6 and f["peak_backlog"] == 400
    assert f["backlog_over_target_s"] == 1 and f["backlog_under_target_s"] == 4
    assert f["back_to_min_after_load_s"] == 2
    assert f["decided_per_s_end_of_step"] == 80.0  # 400 decided in the last 5 s of the load (0..5)


def test_the_report_renders_the_step_section():
    r = {
        "overlay": "keda",
        "time_scale": 0.1,
        "sync_period_s": 1.5,
        "rule": "lag 50 per worker",
        "target": 50.0,
        "min": 2,
        "max": 12,
        "stated_capacity_per_worker": 50.0,
        "step_rps": 190,
        "step_s": 45,
        "orders": 8550,
        "invariants": "ok",
        "first_scale_out_decided_s": 1.5,
        "events": [{"t": 11.4, "line": "order-worker 2 -> 6: lag 280 > 50 per worker"}],
        "chart": None,
        **step._figures([sample(0, 2, 100), sample(1, 4, 20)], {"min": 2, "load_end_s": 1}, 50),
    }
    text = "\n".join(report.step(r))
    assert "### 7. Step response" in text and "order-worker 2 -> 6" in text and "**0.0 s**" not in text
