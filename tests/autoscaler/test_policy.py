"""The policy comes from the rendered manifests (kubectl kustomize), and bad settings stop make up with one line."""

from __future__ import annotations

import pytest
import yaml

from tests.manifests.manifest_lib import K8S
from tools.autoscaler.hpa import DEFAULT_BEHAVIOR, ScalingPolicy, ScalingRules, behavior_from_spec
from tools.autoscaler.policy import (
    WORKER,
    Policy,
    PolicyError,
    Settings,
    load_policy,
    parse_cpu,
    policy_from_objects,
    settings_from_env,
)

pytestmark = pytest.mark.manifests


def test_the_keda_overlay_gives_the_scaled_objects_lag_target_and_behavior():
    policy = load_policy(Settings(True, "keda", 1))
    worker = policy.targets[WORKER]
    scaled = yaml.safe_load((K8S / "components/keda/scaledobject.yaml").read_text())["spec"]
    assert (worker.metric, worker.source) == ("lag", "ScaledObject/order-worker")
    assert worker.target == float(scaled["triggers"][0]["metadata"]["lagCount"])
    assert (worker.min_replicas, worker.max_replicas) == (scaled["minReplicaCount"], scaled["maxReplicaCount"])
    assert worker.behavior == behavior_from_spec(scaled["advanced"]["horizontalPodAutoscalerConfig"]["behavior"])
    assert worker.behavior.scale_down.stabilization_window_seconds == 180
    assert policy.sync_period == 15
    # The overlay's per-order work, which its lag target assumes, goes to the local workers too: the
    # payment call (the provider's pinned latency), 5 at once, no simulated work on top.
    assert policy.worker_env == {
        "WORKER_SIMULATED_WORK_MS": "0",
        "WORKER_CONCURRENCY": "5",
        "WORKER_BATCH_SIZE": "50",
        "WORKER_CLAIM_IDLE_MS": "30000",
    }
    assert policy.provider_env == {
        "PAYMENT_LATENCY_MS_MEDIAN": "100",
        "PAYMENT_LATENCY_SIGMA": "0.1",
        "PAYMENT_LATENCY_MAX_MS": "2000",
    }
    assert policy.payments_on
    assert policy.stated_capacity() == 50  # 5 x 1000 / 100 ms
    assert policy.summary().startswith("keda: order-worker 2-12 on lag 50 per worker, scale-in after 180 s")
    assert policy.summary().endswith(", a 100 ms payment call per order x 5 at once: up to 50 orders/s per worker")


def test_the_keda_overlays_worker_settings_pass_the_workers_own_timing_check(monkeypatch):
    """A local worker given the overlay's settings (as make up gives them) starts, with payments on."""
    from order_worker.settings import WorkerSettings

    policy = load_policy(Settings(True, "keda", 1))
    env = {**policy.worker_env, "WORKER_PAYMENT_PROVIDER_URL": "http://127.0.0.1:8002"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = WorkerSettings()
    assert settings.max_batch_ms < settings.worker_claim_idle_ms


def policy_with(worker_env: dict[str, str], provider_env: dict[str, str], payments_on: bool) -> Policy:
    target = policy_from_objects([scaled_object()], "x", 1).targets[WORKER]
    return Policy("x", 1, 15, {WORKER: target}, worker_env, provider_env, payments_on)


def test_the_stated_capacity_adds_simulated_work_and_the_payment_latency_where_workers_charge():
    assert (
        policy_with({"WORKER_CONCURRENCY": "4", "WORKER_SIMULATED_WORK_MS": "20"}, {}, False).stated_capacity() == 200
    )
    latency = {"PAYMENT_LATENCY_MS_MEDIAN": "80"}
    both = policy_with({"WORKER_CONCURRENCY": "4", "WORKER_SIMULATED_WORK_MS": "20"}, latency, True)
    assert both.stated_capacity() == 40  # 4 x 1000 / (20 + 80)
    assert "20 ms simulated work + a 80 ms payment call per order x 4 at once: up to 40 orders/s" in both.summary()
    # Without a provider the latency is no per-order work; without any, no stated figure (CPU bounds it).
    assert policy_with({"WORKER_CONCURRENCY": "4"}, latency, False).stated_capacity() is None
    assert "per order" not in policy_with({}, {}, False).summary()
    assert policy_with({}, latency, True).stated_capacity() == 10 * 1000 / 80  # the workers' default concurrency
    assert policy_with({}, {}, True).stated_capacity() == 10 * 1000 / 50  # and the provider's default median


def test_the_local_overlay_gives_the_cpu_hpa_and_the_containers_request():
    worker = load_policy(Settings(True, "local", 1)).targets[WORKER]
    hpa = yaml.safe_load((K8S / "base/order-worker/hpa.yaml").read_text())["spec"]
    assert (worker.metric, worker.source) == ("cpu", "HorizontalPodAutoscaler/order-worker")
    assert worker.target == hpa["metrics"][0]["resource"]["target"]["averageUtilization"]
    assert worker.cpu_request_cores == 0.05
    assert worker.behavior == behavior_from_spec(hpa["behavior"])


def test_the_time_scale_shortens_windows_periods_and_the_sync_period_and_says_so():
    policy = load_policy(Settings(True, "keda", 0.1))
    worker = policy.targets[WORKER]
    assert worker.behavior.scale_down.stabilization_window_seconds == pytest.approx(18)
    assert [p.period_seconds for p in worker.behavior.scale_up.policies] == pytest.approx([1.5, 1.5])
    assert policy.sync_period == pytest.approx(1.5)
    assert "time scale 0.1" in policy.summary()


def scaled_object(**spec):
    return {
        "kind": "ScaledObject",
        "metadata": {"name": "order-worker"},
        "spec": {
            "scaleTargetRef": {"name": "order-worker"},
            "triggers": [{"type": "redis-streams", "metadata": {"lagCount": "10"}}],
            **spec,
        },
    }


def test_what_a_manifest_leaves_out_takes_the_kubernetes_and_keda_defaults():
    worker = policy_from_objects([scaled_object()], "x", 1).targets[WORKER]
    assert (worker.min_replicas, worker.max_replicas) == (0, 100)
    assert worker.behavior == DEFAULT_BEHAVIOR
    hpa = {
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "order-worker"},
        "spec": {"scaleTargetRef": {"name": "order-worker"}, "maxReplicas": 5},
    }
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "order-worker"},
        "spec": {"template": {"spec": {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}}},
    }
    worker = policy_from_objects([hpa, deployment], "x", 1).targets[WORKER]
    assert (worker.min_replicas, worker.target, worker.cpu_request_cores) == (1, 80, 1.0)
    partial = scaled_object(
        advanced={"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"selectPolicy": "Disabled"}}}}
    )
    worker = policy_from_objects([partial], "x", 1).targets[WORKER]
    assert worker.behavior.scale_down == ScalingRules(300, "Disabled", (ScalingPolicy("Percent", 100, 15),))


def test_what_cannot_be_computed_locally_is_refused_with_the_reason():
    other = scaled_object(triggers=[{"type": "kafka", "metadata": {"lagThreshold": "5"}}])
    with pytest.raises(PolicyError, match="only a redis-streams trigger with lagCount"):
        policy_from_objects([other], "x", 1)
    with pytest.raises(PolicyError, match="does not autoscale the order-worker"):
        policy_from_objects([], "x", 1)
    with pytest.raises(PolicyError, match="scaled twice"):
        policy_from_objects([scaled_object(), scaled_object()], "x", 1)


def test_an_unknown_overlay_names_the_choices():
    with pytest.raises(PolicyError, match=r"AUTOSCALE_OVERLAY=nope: no such overlay \(one of keda, local"):
        load_policy(Settings(True, "nope", 1))


def test_settings_default_to_on_keda_real_time():
    assert settings_from_env({}) == Settings(True, "keda", 1.0)
    assert settings_from_env({"AUTOSCALE": "0", "AUTOSCALE_OVERLAY": "local", "AUTOSCALE_TIME_SCALE": "0.1"}) == (
        Settings(False, "local", 0.1)
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTOSCALE": "maybe"}, "AUTOSCALE=maybe: must be 1 (on) or 0 (off)"),
        ({"AUTOSCALE_TIME_SCALE": "fast"}, "AUTOSCALE_TIME_SCALE=fast: must be a number"),
        ({"AUTOSCALE_TIME_SCALE": "0"}, "AUTOSCALE_TIME_SCALE=0: must be between 0.01 and 10"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(env, message):
    with pytest.raises(PolicyError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        settings_from_env(env)


def test_cpu_quantities():
    assert parse_cpu("50m") == 0.05
    assert parse_cpu("2") == 2.0
    assert parse_cpu(0.5) == 0.5


def test_the_summary_of_the_run_states_the_settings_the_shell_sets_instead_of_the_overlays():
    policy = load_policy(Settings(True, "keda", 1))
    slower = policy.as_run({"PAYMENT_LATENCY_MS_MEDIAN": "400", "UNRELATED": "x"})
    assert slower.stated_capacity() == 12.5 and "a 400 ms payment call per order x 5 at once" in slower.summary()
    assert slower.provider_env["PAYMENT_LATENCY_SIGMA"] == "0.1"  # the overlay's, where the shell is silent
    off = policy.as_run({"WORKER_PAYMENT_PROVIDER_URL": "", "WORKER_SIMULATED_WORK_MS": "20"})
    assert off.stated_capacity() == 250 and "20 ms simulated work per order x 5" in off.summary()
    assert policy.as_run({}) == policy
