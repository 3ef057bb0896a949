"""Named scenarios and the staged profile they use; error samples and finishedAt in /stats."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from workload_generator import cli, scenarios
from workload_generator.config import ConfigError, validate
from workload_generator.profiles import StagesProfile, rate_at
from workload_generator.settings import WorkloadSettings

from .test_api import with_api


def stages(*stage: dict, start: float = 0) -> StagesProfile:
    return StagesProfile.model_validate({"kind": "stages", "startRps": start, "stages": list(stage)})


def test_stages_ramp_from_the_previous_rate_hold_and_then_keep_the_last():
    p = stages({"rps": 100, "rampS": 10}, {"rps": 100, "holdS": 5}, {"rps": 300, "holdS": 5}, {"rps": 0, "rampS": 10})
    assert [rate_at(p, 0, t) for t in (0, 5, 10, 14.9, 15, 19.9)] == pytest.approx([0, 50, 100, 100, 300, 300])
    assert rate_at(p, 0, 25) == pytest.approx(150)  # halfway down from the spike's 300
    assert rate_at(p, 0, 30) == 0 and rate_at(p, 0, 999) == 0
    assert p.total_s == 30
    assert rate_at(stages({"rps": 20, "rampS": 10}, start=10), 0, 5) == pytest.approx(15)  # startRps


def test_a_stage_needs_exactly_one_of_hold_and_ramp():
    for stage in ({"rps": 5}, {"rps": 5, "holdS": 1, "rampS": 1}):
        with pytest.raises(ConfigError) as e:
            validate({"profile": {"kind": "stages", "stages": [stage]}})
        assert e.value.field == "profile.stages[0]" and "exactly one of holdS and rampS" in e.value.message


def test_the_autoscaling_demo_grows_beyond_and_returns_below_the_minimum_pools_capacity():
    # Sized against make up's keda policy: 2 workers minimum at ~50 orders/s each (README).
    demo = scenarios.get("autoscaling-demo")
    rates = [rate_at(demo.profile, 0, t) for t in range(int(demo.profile.total_s))]
    assert 180 <= demo.profile.total_s <= 300  # "a few minutes"
    assert max(rates) >= 4 * 50 and rates[-1] < 2 * 50
    timeline = demo.describe()["timeline"]
    assert timeline[0]["startS"] == 0 and timeline[-1]["endS"] == demo.profile.total_s
    assert [w["label"] for w in timeline][:3] == ["ramp up", "hold", "spike"]


def test_get_scenarios_lists_them_and_start_runs_one_with_the_callers_overrides(gateway):
    async def body(api, controller):
        listed = (await api.get("/scenarios")).json()["scenarios"]
        demo = next(s for s in listed if s["name"] == "autoscaling-demo")
        assert demo["durationS"] == sum(w["endS"] - w["startS"] for w in demo["timeline"])
        assert demo["profile"]["kind"] == "stages" and demo["peakRps"] == max(
            s["rps"] for s in demo["profile"]["stages"]
        )

        r = await api.post("/start", json={"scenario": "autoscaling-demo", "followShare": 0})
        assert r.status_code == 200
        config = r.json()["config"]
        assert config["profile"] == demo["profile"] and config["durationS"] == demo["durationS"]
        assert config["followShare"] == 0
        await controller.stop()
        assert (await api.get("/config")).json()["profile"]["kind"] == "constant"  # for this run only

        bad = await api.post("/start", json={"scenario": "nope"})
        assert bad.status_code == 400 and bad.json()["field"] == "scenario"
        assert "autoscaling-demo" in bad.json()["error"]

    with_api(gateway, body)


def test_the_cli_takes_a_scenario_and_the_flags_still_win():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    config = cli.build_config(
        WorkloadSettings(), parser.parse_args(["--scenario", "autoscaling-demo", "--duration", "5"])
    )
    assert config.profile == scenarios.AUTOSCALING_DEMO.profile and config.durationS == 5
    assert "stages" in cli.describe_profile(config.model_dump(mode="json"))


def test_error_samples_keep_the_latest_three_bodies_per_status_and_finished_at_is_set_at_the_end(gateway, fake_clock):
    gateway.set(statuses=[201, 503, 400])
    clock = fake_clock()

    async def body(api, controller):
        started = (await api.post("/start", json={"rps": 20, "durationS": 1, "followShare": 0})).json()
        assert started["finishedAt"] is None and started["errorSamples"] == {}
        await asyncio.wait_for(controller.wait(), 10)
        return (await api.get("/stats")).json()

    s = with_api(gateway, body, clock=clock.clock())
    samples = s["errorSamples"]
    assert set(samples) == {"503", "400"}  # no 201: only failures are sampled
    assert all(len(v) == 3 for v in samples.values())
    assert all(v["body"] == '{"error": "simulated"}' and v["at"].endswith("+00:00") for v in samples["503"])
    assert s["finishedAt"] is not None and s["finishedAt"] >= s["startedAt"]


def test_transport_errors_are_sampled_under_transport(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 10, "durationS": 0.3, "followShare": 0, "timeoutS": 0.05})
        await asyncio.wait_for(controller.wait(), 10)
        return (await api.get("/stats")).json()

    gateway.set(delay_s=0.5)
    s = with_api(gateway, body)
    assert s["requests"]["byError"]["timeout"] > 0
    assert s["errorSamples"]["transport"] and s["errorSamples"]["transport"][-1]["body"].startswith("timeout: ")
    assert all(len(v["body"]) <= 300 for v in s["errorSamples"]["transport"])
