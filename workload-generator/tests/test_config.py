"""The run config: defaults from the environment, partial updates, and errors that name the field."""

from __future__ import annotations

import pytest

from workload_generator.config import ConfigError, RunConfig, TargetNotAllowed, apply_patch, check_allowed
from workload_generator.profiles import RampProfile
from workload_generator.settings import WorkloadSettings


def test_partial_update_changes_only_the_fields_given():
    base = RunConfig(rps=5)
    updated = apply_patch(base, {"rps": 50, "mix": {"multiItemShare": 0.5}})
    assert updated.rps == 50
    assert updated.mix.multiItemShare == 0.5
    assert updated.mix.paymentMethods == base.mix.paymentMethods  # nested objects merge
    assert updated.timeoutS == base.timeoutS


def test_lists_replace_and_a_new_profile_kind_replaces_the_profile():
    base = apply_patch(
        RunConfig(), {"profile": {"kind": "spike", "baseRps": 1, "spikeRps": 9, "everyS": 10, "forS": 2}}
    )
    updated = apply_patch(
        base,
        {
            "profile": {"kind": "ramp", "fromRps": 1, "toRps": 9, "overS": 30},
            "mix": {"quantities": [{"qty": 2, "weight": 1}]},
        },
    )
    assert updated.profile == RampProfile(kind="ramp", fromRps=1, toRps=9, overS=30)
    assert [q.qty for q in updated.mix.quantities] == [2]


def test_same_profile_kind_merges():
    base = apply_patch(RunConfig(), {"profile": {"kind": "ramp", "fromRps": 1, "toRps": 9, "overS": 30}})
    assert apply_patch(base, {"profile": {"toRps": 90}}).profile.toRps == 90


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"rps": -1}, "rps"),
        ({"rps": "100"}, "rps"),
        ({"durationS": 0}, "durationS"),
        ({"targetApi": "ftp://example"}, "targetApi"),
        ({"maxInFlight": 0}, "maxInFlight"),
        ({"followShare": 1.5}, "followShare"),
        ({"timeoutS": -2}, "timeoutS"),
        ({"mix": {"tickets": [{"ticketId": "a", "weight": 0}]}}, "mix.tickets[0].weight"),
        ({"mix": {"paymentMethods": [{"method": "cash", "weight": 1}]}}, "mix.paymentMethods[0].method"),
        ({"mix": {"quantities": [{"qty": 11, "weight": 1}]}}, "mix.quantities[0]"),
        ({"speed": 3}, "speed"),
        ({"mix": 5}, "mix"),
        ({"profile": "ramp"}, "profile"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(patch, field):
    with pytest.raises(ConfigError) as e:
        apply_patch(RunConfig(), patch)
    assert str(e.value).startswith(f"{field}: ")


def test_a_body_that_is_not_an_object_is_rejected():
    with pytest.raises(ConfigError, match=r"^body: "):
        apply_patch(RunConfig(), [1, 2])


def test_environment_sets_the_defaults(monkeypatch):
    monkeypatch.setenv("TARGET_API", "http://127.0.0.1:8123/")
    monkeypatch.setenv("TARGET_RPS", "12.5")
    monkeypatch.setenv("WORKLOAD_MAX_IN_FLIGHT", "77")
    monkeypatch.setenv("WORKLOAD_TIMEOUT_S", "2")
    monkeypatch.setenv("WORKLOAD_DURATION_S", "30")
    monkeypatch.setenv("WORKLOAD_PROFILE", '{"kind": "ramp", "fromRps": 1, "toRps": 20, "overS": 10}')
    config = WorkloadSettings().default_config()
    assert config.targetApi == "http://127.0.0.1:8123"
    assert config.rps == 12.5
    assert config.maxInFlight == 77
    assert config.timeoutS == 2
    assert config.durationS == 30
    assert config.profile == RampProfile(kind="ramp", fromRps=1, toRps=20, overS=10)


def test_blank_token_means_no_token(monkeypatch):
    monkeypatch.setenv("WORKLOAD_TOKEN", "  ")
    assert WorkloadSettings().token() is None


def test_settings_share_the_service_base_host_and_log_level(monkeypatch):
    from ticketing_common.settings import ServiceSettings

    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("TARGET_RPS", "")  # empty is unset, as Compose passes ${X:-}
    settings = WorkloadSettings()
    assert isinstance(settings, ServiceSettings)
    assert (settings.host, settings.log_level, settings.target_rps) == ("0.0.0.0", "DEBUG", 5.0)
    monkeypatch.delenv("HOST")
    assert WorkloadSettings().host == "127.0.0.1"


def test_the_allow_list_is_target_api_plus_the_listed_urls_in_one_spelling(monkeypatch):
    monkeypatch.setenv("TARGET_API", "http://gateway:8000/")
    assert WorkloadSettings().allowed_targets() == {"http://gateway:8000"}
    monkeypatch.setenv("WORKLOAD_ALLOWED_TARGETS", " HTTPS://Shop.example/api/ , http://10.0.0.7")
    allowed = WorkloadSettings().allowed_targets()
    assert allowed == {"http://gateway:8000", "https://shop.example:443/api", "http://10.0.0.7:80"}
    for same in ("http://GATEWAY:8000", "http://gateway:8000/", "https://shop.example/api"):
        check_allowed(RunConfig(targetApi=same), allowed)
    for other in ("http://gateway:8001", "https://gateway:8000", "http://shop.example/api", "http://10.0.0.7/x"):
        with pytest.raises(TargetNotAllowed, match=r"^targetApi: .* is not an allowed target"):
            check_allowed(RunConfig(targetApi=other), allowed)
