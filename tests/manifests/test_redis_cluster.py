"""k8s/overlays/redis-cluster and redis-cluster-keda: the redis StatefulSet as the six nodes of a
Redis Cluster, its bootstrap Job, disruption budget and network paths, the services told so, and
KEDA reading every shard's order stream (the generic checks of every kustomization run on them too)."""

from __future__ import annotations

import subprocess

import pytest
from manifest_lib import K8S, NAMESPACE, containers, named, of_kind, pod_spec, render, tool
from test_keda import REDIS_STREAMS_METADATA
from test_network_policies import allowed, pod_labels

from ticketing_common import keys

pytestmark = pytest.mark.manifests

CLUSTER = "overlays/redis-cluster"
CLUSTER_KEDA = "overlays/redis-cluster-keda"
NODES = 6
SHARDS = 3
REDIS_CLIENTS = ("api-gateway", "order-worker", "payment-provider", "live-updates")
BOOTSTRAP = K8S / "overlays" / "redis-cluster" / "bootstrap.sh"
# The redis-cluster-streams trigger: the redis-streams fields with a node list instead of one address.
CLUSTER_STREAMS_METADATA = (REDIS_STREAMS_METADATA - {"address", "addressFromEnv", "host", "hostFromEnv"}) - {
    "port",
    "portFromEnv",
    "databaseIndex",
} | {"addresses", "addressesFromEnv", "hosts", "hostsFromEnv", "ports", "portsFromEnv"}


@pytest.fixture(scope="module", params=[CLUSTER, CLUSTER_KEDA])
def objects(request):
    return render(request.param)


def node_names(objects: list[dict]) -> list[str]:
    """The stable DNS names of the StatefulSet's pods, from its headless Service, in this namespace."""
    redis = named(objects, "StatefulSet", "redis")
    service = redis["spec"]["serviceName"]
    return [f"redis-{i}.{service}" for i in range(redis["spec"]["replicas"])]


def test_redis_is_six_cluster_nodes_started_together_each_announcing_its_stable_name(objects):
    redis = named(objects, "StatefulSet", "redis")
    assert redis["spec"]["replicas"] == NODES and redis["spec"]["podManagementPolicy"] == "Parallel"
    (container,) = containers(redis)
    args = container["args"]
    flags = dict(zip(args[2::2], args[3::2], strict=True))
    assert flags["--cluster-enabled"] == "yes" and flags["--cluster-config-file"] == "nodes.conf"
    # $(POD_NAME) and $(POD_NAMESPACE) are the downward API's: a name that resolves from any namespace.
    assert flags["--cluster-announce-hostname"] == "$(POD_NAME).redis.$(POD_NAMESPACE).svc"
    assert flags["--cluster-preferred-endpoint-type"] == "hostname"
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in container["env"]}
    assert env == {"POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"}
    assert {(p["name"], p["containerPort"]) for p in container["ports"]} == {("redis", 6379), ("bus", 16379)}
    # Spread over machines where possible: a master and its replica on one machine go together.
    (term,) = pod_spec(redis)["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": "redis"}


def test_the_nodes_resolve_before_they_are_ready_so_they_and_the_bootstrap_can_find_each_other(objects):
    service = named(objects, "Service", "redis")
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True


def test_the_bootstrap_job_creates_the_cluster_from_every_node_non_root(objects):
    job = named(objects, "Job", "redis-cluster-bootstrap")
    spec = pod_spec(job)
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["REDIS_NODES"].split() == [f"{n}:6379" for n in node_names(objects)]
    assert env["REDIS_CLUSTER_REPLICAS"] == "1"
    # The script is bootstrap.sh, from a ConfigMap of a fixed name (a Job's template cannot change).
    assert container["command"] == ["sh", "/opt/bootstrap/bootstrap.sh"]
    (mount,) = container["volumeMounts"]
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    config = named(objects, "ConfigMap", volume["configMap"]["name"])
    assert config["metadata"]["name"] == "redis-cluster-bootstrap"
    assert config["data"]["bootstrap.sh"] == BOOTSTRAP.read_text()
    assert container["image"] == containers(named(objects, "StatefulSet", "redis"))[0]["image"]
    # The restricted Pod Security Standard of the namespace, as every workload.
    assert spec["restartPolicy"] == "OnFailure" and spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert job["spec"]["activeDeadlineSeconds"] > int(env["REDIS_BOOTSTRAP_TIMEOUT"])


def test_a_disruption_budget_lets_one_node_go_at_a_time(objects):
    (budget,) = [p for p in of_kind(objects, "PodDisruptionBudget") if p["metadata"]["name"] == "redis"]
    assert budget["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}


def test_the_nodes_reach_each_other_for_replication_and_the_bus_and_the_bootstrap_reaches_them(objects):
    policies = of_kind(objects, "NetworkPolicy")
    here = {"kubernetes.io/metadata.name": NAMESPACE}
    redis = pod_labels(objects)["redis"]
    job = named(objects, "Job", "redis-cluster-bootstrap")
    bootstrap = job["spec"]["template"]["metadata"]["labels"]
    for port in (6379, 16379):
        assert allowed(policies, "Egress", redis, redis, here, port), port
        assert allowed(policies, "Ingress", redis, redis, here, port), port
    assert allowed(policies, "Egress", bootstrap, redis, here, 6379)
    assert allowed(policies, "Ingress", redis, bootstrap, here, 6379)
    # The bus is the nodes' own: no service reaches it, and the bootstrap reaches nothing else.
    for app, labels in pod_labels(objects).items():
        if app != "redis":
            assert not allowed(policies, "Ingress", redis, labels, here, 16379), app
            assert not allowed(policies, "Egress", bootstrap, labels, here, 8000), app


def _config(objects: list[dict], deployment: str) -> dict[str, str]:
    (container,) = containers(named(objects, "Deployment", deployment))
    name = container["envFrom"][0]["configMapRef"]["name"]
    return named(objects, "ConfigMap", name)["data"]


def test_every_service_that_talks_to_redis_uses_the_cluster_on_three_shards(objects):
    for service in REDIS_CLIENTS:
        config = _config(objects, service)
        assert config["REDIS_CLUSTER"] == "true" and config["REDIS_SHARDS"] == str(SHARDS), service
        assert config["REDIS_URL"].startswith("redis://redis:6379"), service  # any node: the client finds the rest
    for service in ("workload-generator", "frontend"):
        assert "REDIS_CLUSTER" not in _config(objects, service), service


def test_the_bootstrap_script_is_valid_posix_shell_and_passes_shellcheck():
    # POSIX sh: the redis image's /bin/sh is dash. tests/test_redis_cluster_bootstrap.py runs it.
    proc = subprocess.run(["sh", "-n", str(BOOTSTRAP)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lint = subprocess.run([tool("shellcheck"), "--shell=sh", str(BOOTSTRAP)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# --- KEDA on the cluster ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def scaled_object():
    (so,) = of_kind(render(CLUSTER_KEDA), "ScaledObject")
    return so


def test_keda_reads_the_lag_of_every_shards_order_stream_from_the_cluster(scaled_object):
    triggers = scaled_object["spec"]["triggers"]
    shards = keys.Shards(SHARDS)
    assert [t["metadata"]["stream"] for t in triggers] == [shards.order_stream(k) for k in shards]
    nodes = [f"{n}.{NAMESPACE}.svc:6379" for n in node_names(render(CLUSTER_KEDA))]
    for trigger in triggers:
        assert trigger["type"] == "redis-cluster-streams"
        metadata = trigger["metadata"]
        assert set(metadata) <= CLUSTER_STREAMS_METADATA, set(metadata) - CLUSTER_STREAMS_METADATA
        assert all(isinstance(v, str) for v in metadata.values())
        assert metadata["consumerGroup"] == keys.CONSUMER_GROUP
        assert metadata["addresses"].split(",") == nodes
        assert int(metadata["lagCount"]) > 0 and "pendingEntriesCount" not in metadata


def test_the_hpa_scales_on_the_sum_of_the_lags_not_their_maximum(scaled_object):
    """An HPA takes the maximum of the replica counts its metrics ask for: per-shard triggers alone
    would give ceil(max lag / target) workers for the whole backlog. The scaling modifier hands it
    one metric, the sum, against the single-Redis overlay's target per worker."""
    advanced = scaled_object["spec"]["advanced"]
    modifier = advanced["scalingModifiers"]
    names = [t["name"] for t in scaled_object["spec"]["triggers"]]
    assert names == [f"shard{k}" for k in range(SHARDS)]
    assert modifier["formula"].replace(" ", "") == "+".join(names)
    assert modifier.get("metricType", "AverageValue") == "AverageValue"
    (single,) = of_kind(render("overlays/keda"), "ScaledObject")[0]["spec"]["triggers"]
    assert modifier["target"] == single["metadata"]["lagCount"]
    assert int(modifier["activationTarget"]) >= 1
    # The rest of the single-Redis overlay's scaling (bounds, behaviour) is kept.
    keda = of_kind(render("overlays/keda"), "ScaledObject")[0]["spec"]
    for field in ("minReplicaCount", "maxReplicaCount", "pollingInterval"):
        assert scaled_object["spec"][field] == keda[field], field
    assert advanced["horizontalPodAutoscalerConfig"] == keda["advanced"]["horizontalPodAutoscalerConfig"]


def test_the_shard_streams_land_on_the_three_masters_of_the_standard_split():
    """keys.shard_tag aims each shard at one third of the slots; `redis-cli --cluster create` with
    three masters splits them 0-5460, 5461-10922, 10923-16383: one stream per master."""
    from redis.crc import key_slot

    ranges = [(0, 5460), (5461, 10922), (10923, 16383)]
    shards = keys.Shards(SHARDS)
    owners = [
        next(i for i, (lo, hi) in enumerate(ranges) if lo <= key_slot(shards.order_stream(k).encode()) <= hi)
        for k in shards
    ]
    assert owners == [0, 1, 2]
