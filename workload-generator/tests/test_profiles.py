"""Each profile gives the right target rate at given times."""

from __future__ import annotations

import pytest

from workload_generator.config import ConfigError, RunConfig, validate
from workload_generator.profiles import ConstantProfile, RampProfile, SpikeProfile, Step, StepProfile, rate_at


def test_constant_profile_is_the_configured_rps_at_any_time():
    assert [rate_at(ConstantProfile(), 42.0, t) for t in (0, 1.5, 3600)] == [42.0, 42.0, 42.0]


def test_ramp_goes_linearly_from_fromRps_to_toRps_then_holds():
    ramp = RampProfile(kind="ramp", fromRps=10, toRps=110, overS=100)
    assert rate_at(ramp, 0, 0) == 10
    assert rate_at(ramp, 0, 25) == pytest.approx(35)
    assert rate_at(ramp, 0, 50) == pytest.approx(60)
    assert rate_at(ramp, 0, 100) == 110
    assert rate_at(ramp, 0, 1000) == 110


def test_ramp_down_decreases():
    ramp = RampProfile(kind="ramp", fromRps=100, toRps=0, overS=10)
    assert rate_at(ramp, 0, 5) == pytest.approx(50)
    assert rate_at(ramp, 0, 10) == 0


def test_step_profile_runs_steps_in_order_then_holds_the_last():
    step = StepProfile(kind="step", steps=[Step(rps=5, forS=10), Step(rps=50, forS=5), Step(rps=20, forS=5)])
    assert rate_at(step, 0, 0) == 5
    assert rate_at(step, 0, 9.99) == 5
    assert rate_at(step, 0, 10) == 50
    assert rate_at(step, 0, 14.9) == 50
    assert rate_at(step, 0, 15) == 20
    assert rate_at(step, 0, 500) == 20


def test_step_profile_with_repeat_starts_over():
    step = StepProfile(kind="step", steps=[Step(rps=5, forS=10), Step(rps=50, forS=5)], repeat=True)
    assert rate_at(step, 0, 15) == 5
    assert rate_at(step, 0, 26) == 50
    assert rate_at(step, 0, 30) == 5


def test_spike_is_base_then_spike_for_the_last_forS_of_every_period():
    spike = SpikeProfile(kind="spike", baseRps=10, spikeRps=200, everyS=60, forS=15)
    assert rate_at(spike, 0, 0) == 10
    assert rate_at(spike, 0, 44.9) == 10
    assert rate_at(spike, 0, 45) == 200
    assert rate_at(spike, 0, 59.9) == 200
    assert rate_at(spike, 0, 60) == 10
    assert rate_at(spike, 0, 110) == 200


def test_profiles_come_from_config_json_by_kind():
    config = validate({"profile": {"kind": "ramp", "fromRps": 1, "toRps": 3, "overS": 2}})
    assert isinstance(config.profile, RampProfile)
    assert isinstance(RunConfig().profile, ConstantProfile)


@pytest.mark.parametrize(
    "profile, field",
    [
        ({"kind": "spike", "baseRps": 1, "spikeRps": 5, "everyS": 10, "forS": 10}, "profile.forS"),
        ({"kind": "step", "steps": []}, "profile.steps"),
        ({"kind": "step", "steps": [{"rps": 5, "forS": 0}]}, "profile.steps[0].forS"),
        ({"kind": "ramp", "fromRps": 1, "toRps": 100_000, "overS": 5}, "profile.toRps"),
        ({"kind": "wave"}, "profile"),
    ],
)
def test_invalid_profiles_are_rejected_naming_the_field(profile, field):
    with pytest.raises(ConfigError) as e:
        validate({"profile": profile})
    assert str(e.value).startswith(f"{field}: ")
