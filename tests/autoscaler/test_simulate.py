"""The simulation tool: it runs, writes its document and plot, and its figures follow the capacity given."""

from __future__ import annotations

from dataclasses import replace

from tools.autoscaler import simulate
from tools.autoscaler.policy import WORKER, Settings, load_policy
from workload_generator import scenarios
from workload_generator.profiles import rate_at

DEMO = scenarios.AUTOSCALING_DEMO.profile


def keda_run(capacity: float) -> simulate.Run:
    policy = load_policy(Settings(True, "keda", 1))
    return simulate.simulate(
        "keda", policy, lambda t: rate_at(DEMO, 0, t), DEMO.total_s, simulate.Model(capacity=capacity)
    )


def test_the_tool_writes_the_document_with_a_table_and_a_png(tmp_path, capsys):
    assert simulate.main(["--out", str(tmp_path)]) == 0
    text = (tmp_path / "autoscaling-simulation.md").read_text()
    assert "| t | offered /s | local replicas | local backlog | keda replicas | keda backlog |" in text
    assert "AUTOSCALE_TIME_SCALE=0.1" in text and "lag 50 per worker" in text and "CPU 60 % of 50m" in text
    assert (tmp_path / "autoscaling-simulation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (
        f"keda: lag 50 per worker, {50 * simulate.MEASURED_OF_STATED:,.1f} orders/s per worker"
        in capsys.readouterr().out
    )


def test_the_demo_grows_the_keda_pool_beyond_its_minimum_and_brings_it_back():
    run = keda_run(47.5)
    summary = run.summary(DEMO.total_s)
    assert summary["peak"] > run.target.min_replicas == 2
    assert summary["back_to_min_s"] is not None and summary["back_to_min_s"] > summary["peak_at_s"]
    assert run.samples[-1].replicas == 2 and run.samples[-1].backlog < 1


def test_halving_the_capacity_raises_the_peak_replicas_and_the_backlog():
    full, half = keda_run(47.5).summary(DEMO.total_s), keda_run(23.75).summary(DEMO.total_s)
    assert half["peak"] > full["peak"]
    assert half["behind_s"] > full["behind_s"]


def test_the_default_capacity_is_the_measured_one_of_the_overlays_worker_settings():
    keda = load_policy(Settings(True, "keda", 1))
    assert keda.targets[WORKER].metric == "lag"
    # keda: WORKER_CONCURRENCY=5, a 100 ms payment call: 50 orders/s stated, the measured share of it.
    assert simulate.default_capacity(keda) == round(50 * simulate.MEASURED_OF_STATED, 1)
    assert simulate.batch_of(keda) == 50  # the overlay's WORKER_BATCH_SIZE, held out of the lag
    # local (the base): its workers charge through the provider too, 10 calls of its default 50 ms at once.
    local = load_policy(Settings(True, "local", 1))
    assert local.stated_capacity() == 200
    assert simulate.default_capacity(local) == round(200 * simulate.MEASURED_OF_STATED, 1)
    # No per-order work at all (payments off, no simulated work): the CPU-bound figure.
    no_work = replace(local, worker_env={}, payments_on=False)
    assert simulate.default_capacity(no_work) == simulate.NO_WORK_CAPACITY
