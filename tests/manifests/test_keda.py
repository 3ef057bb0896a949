"""The keda overlay: the worker HPA replaced by a KEDA ScaledObject on the consumer group's lag.

kubernetes-validate has no schema for KEDA's CRD, so its shape is checked here: the fields of
keda.sh/v1alpha1 ScaledObject and of the redis-streams trigger (KEDA's documentation), and its
HPA behaviour against the autoscaling/v2 schema it is handed to.
"""

from __future__ import annotations

import kubernetes_validate
import pytest
from manifest_lib import KUBERNETES_VERSIONS, named, of_kind, render

from ticketing_common import keys

pytestmark = pytest.mark.manifests

SCALED_OBJECT_SPEC_FIELDS = {
    "scaleTargetRef",
    "pollingInterval",
    "cooldownPeriod",
    "initialCooldownPeriod",
    "idleReplicaCount",
    "minReplicaCount",
    "maxReplicaCount",
    "fallback",
    "advanced",
    "triggers",
}
REDIS_STREAMS_METADATA = {
    "address",
    "addressFromEnv",
    "host",
    "hostFromEnv",
    "port",
    "portFromEnv",
    "usernameFromEnv",
    "passwordFromEnv",
    "stream",
    "consumerGroup",
    "pendingEntriesCount",
    "streamLength",
    "lagCount",
    "activationLagCount",
    "enableTLS",
    "unsafeSsl",
    "databaseIndex",
}


@pytest.fixture(scope="module")
def objects():
    return render("overlays/keda")


@pytest.fixture(scope="module")
def scaled_object(objects):
    (so,) = of_kind(objects, "ScaledObject")
    return so


def test_the_keda_overlay_replaces_the_worker_hpa_with_a_scaled_object(objects, scaled_object):
    hpa_targets = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(objects, "HorizontalPodAutoscaler")}
    assert hpa_targets == {"api-gateway", "payment-provider"}, "two autoscalers on the workers would fight"
    assert scaled_object["apiVersion"] == "keda.sh/v1alpha1"
    ref = scaled_object["spec"]["scaleTargetRef"]
    assert ref.get("kind", "Deployment") == "Deployment" and ref.get("apiVersion", "apps/v1") == "apps/v1"
    named(objects, "Deployment", ref["name"])
    assert ref["name"] == "order-worker"


def test_the_scaled_object_has_only_fields_keda_knows(scaled_object):
    spec = scaled_object["spec"]
    assert set(spec) <= SCALED_OBJECT_SPEC_FIELDS, set(spec) - SCALED_OBJECT_SPEC_FIELDS
    assert set(spec["advanced"]) <= {
        "horizontalPodAutoscalerConfig",
        "restoreToOriginalReplicaCount",
        "scalingModifiers",
    }
    assert set(spec["advanced"]["horizontalPodAutoscalerConfig"]) <= {"name", "behavior"}
    for field in ("pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount"):
        assert isinstance(spec[field], int) and spec[field] >= 0, field
    assert 2 <= spec["minReplicaCount"] < spec["maxReplicaCount"]


def test_the_scaled_object_behaviour_is_a_valid_hpa_behaviour(scaled_object):
    behavior = scaled_object["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda-hpa-order-worker"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "order-worker"},
            "minReplicas": 2,
            "maxReplicas": 12,
            "behavior": behavior,
        },
    }
    kubernetes_validate.validate(hpa, KUBERNETES_VERSIONS[0], strict=True)


def test_the_trigger_is_the_lag_of_the_order_workers_consumer_group(scaled_object):
    (trigger,) = scaled_object["spec"]["triggers"]
    assert trigger["type"] == "redis-streams"
    metadata = trigger["metadata"]
    assert set(metadata) <= REDIS_STREAMS_METADATA, set(metadata) - REDIS_STREAMS_METADATA
    assert all(isinstance(v, str) for v in metadata.values()), "KEDA trigger metadata values are strings"
    # The names the gateway and the workers use (common/ticketing_common/keys.py).
    assert metadata["stream"] == keys.ORDER_STREAM
    assert metadata["consumerGroup"] == keys.CONSUMER_GROUP
    # Lag (XINFO GROUPS), not pending entries or stream length.
    assert int(metadata["lagCount"]) > 0
    assert "pendingEntriesCount" not in metadata and "streamLength" not in metadata
    assert int(metadata.get("activationLagCount", "0")) >= 0


def test_the_trigger_address_is_the_redis_service_of_the_same_namespace(objects, scaled_object):
    address = scaled_object["spec"]["triggers"][0]["metadata"]["address"]
    namespace = scaled_object["metadata"]["namespace"]
    host, _, port = address.rpartition(":")
    assert host == f"redis.{namespace}.svc"
    service = named(objects, "Service", "redis")
    assert service["metadata"]["namespace"] == namespace
    assert int(port) in {p["port"] for p in service["spec"]["ports"]}


def _config(objects, deployment: str) -> dict:
    workload = named(objects, "Deployment", deployment)
    config_name = workload["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"]
    return named(objects, "ConfigMap", config_name)["data"]


def test_the_keda_overlay_makes_the_payment_call_the_per_order_work_so_a_backlog_builds(objects, scaled_object):
    """No simulated work on top of the charge: the provider's pinned latency is each order's I/O, and
    one worker's capacity (WORKER_CONCURRENCY calls of the median at once) is what the lag target is
    about a second of."""
    worker, provider = _config(objects, "order-worker"), _config(objects, "payment-provider")
    assert worker["WORKER_PAYMENT_PROVIDER_URL"]  # the workers charge
    assert int(worker["WORKER_SIMULATED_WORK_MS"]) == 0
    median, sigma = float(provider["PAYMENT_LATENCY_MS_MEDIAN"]), float(provider["PAYMENT_LATENCY_SIGMA"])
    assert median > 0 and 0 < sigma <= 0.2  # pinned: nearly every call close to the median
    capacity = int(worker["WORKER_CONCURRENCY"]) * 1000 / median
    assert capacity == 50
    assert int(scaled_object["spec"]["triggers"][0]["metadata"]["lagCount"]) == capacity
    # Full rounds: a batch is a whole number of WORKER_CONCURRENCY calls.
    assert int(worker["WORKER_BATCH_SIZE"]) % int(worker["WORKER_CONCURRENCY"]) == 0
