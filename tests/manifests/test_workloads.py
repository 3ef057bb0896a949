"""The rendered workloads: resources, probes, security, services, autoscaling, disruption budgets."""

from __future__ import annotations

import pytest
from manifest_lib import (
    PYTHON_SERVICES,
    SERVICE_PORTS,
    containers,
    kustomizations,
    named,
    of_kind,
    pod_spec,
    render,
    service_of,
    workloads,
)

pytestmark = pytest.mark.manifests

KUSTOMIZATIONS = kustomizations()

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}


def quantity(value: str | int) -> float:
    """A Kubernetes quantity as a number: "250m" -> 0.25, "128Mi" -> 134217728."""
    value = str(value)
    if value.endswith("m"):
        return float(value[:-1]) / 1000
    for suffix, factor in UNITS.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


def autoscaled(objects: list[dict]) -> dict[str, dict]:
    """Deployment name -> the HPA or ScaledObject that scales it."""
    scalers = {}
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        scalers[hpa["spec"]["scaleTargetRef"]["name"]] = hpa
    for so in of_kind(objects, "ScaledObject"):
        scalers[so["spec"]["scaleTargetRef"]["name"]] = so
    return scalers


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_container_has_cpu_and_memory_requests_within_limits(kustomization):
    for workload in workloads(render(kustomization)):
        for c in containers(workload):
            resources = c.get("resources", {})
            for resource in ("cpu", "memory"):
                request = resources.get("requests", {}).get(resource)
                limit = resources.get("limits", {}).get(resource)
                assert request and limit, f"{workload['metadata']['name']}/{c['name']}: {resource} request and limit"
                assert quantity(request) <= quantity(limit), f"{workload['metadata']['name']}/{c['name']}: {resource}"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_workload_has_readiness_and_liveness_probes_on_its_health_endpoints(kustomization):
    for workload in workloads(render(kustomization)):
        service = service_of(workload)
        for c in containers(workload):
            readiness, liveness = c.get("readinessProbe"), c.get("livenessProbe")
            assert readiness and liveness, f"{service}: both probes"
            if service in PYTHON_SERVICES:
                assert readiness["httpGet"]["path"] == "/readyz", service
                assert liveness["httpGet"]["path"] == "/healthz", service
            elif service == "frontend":
                # nginx's own /healthz for liveness; the app's page (static root present) for readiness.
                assert liveness["httpGet"]["path"] == "/healthz"
                assert readiness["httpGet"]["path"] in ("/", "/index.html")
            port_names = {p.get("name") for p in c.get("ports", [])}
            port_numbers = {p["containerPort"] for p in c.get("ports", [])}
            for probe in (readiness, liveness, c.get("startupProbe")):
                if probe is None:
                    continue
                target = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
                if target is not None:
                    assert target in port_names | port_numbers, f"{service}: probe port {target} is not declared"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_workload_runs_with_the_restrictive_security_context(kustomization):
    for workload in workloads(render(kustomization)):
        name = workload["metadata"]["name"]
        pod = pod_spec(workload)
        pod_sc = pod.get("securityContext", {})
        assert pod_sc.get("runAsNonRoot") is True, name
        assert isinstance(pod_sc.get("runAsUser"), int) and pod_sc["runAsUser"] > 0, name
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            assert not pod.get(key), f"{name}: {key}"
        for c in containers(workload):
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, f"{name}/{c['name']}"
            assert sc.get("readOnlyRootFilesystem") is True, f"{name}/{c['name']}"
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}/{c['name']}"
            assert not sc.get("capabilities", {}).get("add"), f"{name}/{c['name']}"
            assert not sc.get("privileged"), f"{name}/{c['name']}"
            user = sc.get("runAsUser", pod_sc["runAsUser"])
            assert isinstance(user, int) and user > 0, f"{name}/{c['name']}"


def _empty_dir_mounts(workload: dict) -> set[str]:
    volumes = {v["name"] for v in pod_spec(workload).get("volumes", []) if "emptyDir" in v}
    return {m["mountPath"] for c in containers(workload) for m in c.get("volumeMounts", []) if m["name"] in volumes}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_read_only_services_get_writable_emptydirs_where_they_write(kustomization):
    objects = render(kustomization)
    for service in PYTHON_SERVICES:
        # The gateway's Prometheus multiprocess files and gunicorn's heartbeats live in /tmp.
        assert "/tmp" in _empty_dir_mounts(named(objects, "Deployment", service)), service
    # nginx: its pid file and buffers in /tmp, the config rendered from the template in conf.d.
    assert {"/tmp", "/etc/nginx/conf.d"} <= _empty_dir_mounts(named(objects, "Deployment", "frontend"))


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_pods_get_no_service_links_and_only_the_gateway_an_api_token_of_its_own(kustomization):
    for workload in workloads(render(kustomization)):
        pod, name = pod_spec(workload), workload["metadata"]["name"]
        # Service links would inject REDIS_PORT=tcp://... style variables next to the settings.
        assert pod.get("enableServiceLinks") is False, name
        if name == "api-gateway":
            # It reads the HPAs (GET /system/scaling) as its own ServiceAccount (test_rbac.py).
            assert pod.get("automountServiceAccountToken") is True and pod.get("serviceAccountName") == "api-gateway"
        else:
            assert pod.get("automountServiceAccountToken") is False, name
            assert pod.get("serviceAccountName", "default") == "default", name


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_service_selects_pods_that_exist_on_ports_they_declare(kustomization):
    objects = render(kustomization)
    for svc in of_kind(objects, "Service"):
        selector = svc["spec"]["selector"]
        matching = [
            w for w in workloads(objects) if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert matching, f"Service {svc['metadata']['name']} selects no pods"
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for w in matching:
                declared = {p.get("name") for c in containers(w) for p in c.get("ports", [])} | {
                    p["containerPort"] for c in containers(w) for p in c.get("ports", [])
                }
                assert target in declared, f"Service {svc['metadata']['name']}: port {target} not in {declared}"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_service_listens_on_its_service_port(kustomization):
    objects = render(kustomization)
    for service, port in SERVICE_PORTS.items():
        assert [p["port"] for p in named(objects, "Service", service)["spec"]["ports"]] == [port]
    redis = named(objects, "Service", "redis")
    assert redis["spec"]["clusterIP"] == "None" and redis["spec"]["ports"][0]["port"] == 6379


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_hpa_targets_an_existing_deployment_whose_containers_request_cpu(kustomization):
    objects = render(kustomization)
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        assert hpa["apiVersion"] == "autoscaling/v2"
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"]) == ("apps/v1", "Deployment")
        deployment = named(objects, "Deployment", ref["name"])
        for c in containers(deployment):
            assert quantity(c["resources"]["requests"]["cpu"]) > 0, f"{ref['name']}/{c['name']}"
        metrics = hpa["spec"]["metrics"]
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics)


def _check_behavior(behavior: dict, where: str) -> None:
    up, down = behavior["scaleUp"], behavior["scaleDown"]
    assert up["stabilizationWindowSeconds"] == 0, where
    # At least doubling every 15 s.
    assert any(p["type"] == "Percent" and p["value"] >= 100 and p["periodSeconds"] <= 15 for p in up["policies"]), where
    assert up.get("selectPolicy", "Max") == "Max", where
    assert 120 <= down["stabilizationWindowSeconds"] <= 300, where


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_autoscaling_scales_out_promptly_and_in_after_a_stabilisation_window(kustomization):
    objects = render(kustomization)
    scalers = autoscaled(objects)
    assert {"api-gateway", "order-worker"} <= scalers.keys()
    for target, scaler in scalers.items():
        if scaler["kind"] == "HorizontalPodAutoscaler":
            _check_behavior(scaler["spec"]["behavior"], target)
            low, high = scaler["spec"]["minReplicas"], scaler["spec"]["maxReplicas"]
        else:
            _check_behavior(scaler["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"], target)
            low, high = scaler["spec"]["minReplicaCount"], scaler["spec"]["maxReplicaCount"]
        assert 2 <= low < high <= 12, target


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_autoscaled_deployments_leave_the_replica_count_to_the_autoscaler(kustomization):
    objects = render(kustomization)
    for target in autoscaled(objects):
        assert "replicas" not in named(objects, "Deployment", target)["spec"], target


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_replicated_deployments_have_a_disruption_budget_that_lets_a_node_drain(kustomization):
    objects = render(kustomization)
    scalers = autoscaled(objects)
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        if name in scalers:
            replicas = scalers[name]["spec"].get("minReplicas", scalers[name]["spec"].get("minReplicaCount"))
        else:
            replicas = deployment["spec"].get("replicas", 1)
        if replicas < 2:
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        budgets = [
            p
            for p in of_kind(objects, "PodDisruptionBudget")
            if p["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(budgets) == 1, f"{name}: {len(budgets)} PodDisruptionBudgets"
        assert 1 <= budgets[0]["spec"]["minAvailable"] < replicas, name


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_worker_consumer_name_comes_from_the_pod_name(kustomization):
    worker = named(render(kustomization), "Deployment", "order-worker")
    env = {e["name"]: e for e in containers(worker)[0].get("env", [])}
    assert env["CONSUMER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_a_worker_has_time_to_finish_its_batch_when_stopped(kustomization):
    objects = render(kustomization)
    worker = pod_spec(named(objects, "Deployment", "order-worker"))
    # uvicorn gives the app 25 s to shut down (order_worker/__main__.py); the batch in hand is
    # decided and acknowledged within that.
    assert 30 <= worker["terminationGracePeriodSeconds"] <= 60
    for deployment in of_kind(objects, "Deployment"):
        spec = pod_spec(deployment)
        pre_stop = containers(deployment)[0].get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
        delay = int(pre_stop[-1]) if pre_stop and pre_stop[0] == "sleep" else 0
        assert spec.get("terminationGracePeriodSeconds", 30) >= delay + 10, deployment["metadata"]["name"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_redis_keeps_its_data_on_a_volume_claim_with_the_append_only_file_on(kustomization):
    objects = render(kustomization)
    redis = named(objects, "StatefulSet", "redis")
    # One Redis, or the six nodes of the Redis Cluster overlays (test_redis_cluster.py), each with its volume.
    expected = 6 if kustomization.startswith("overlays/redis-cluster") else 1
    assert redis["spec"]["serviceName"] == "redis" and redis["spec"]["replicas"] == expected
    claims = {t["metadata"]["name"] for t in redis["spec"]["volumeClaimTemplates"]}
    mounts = {m["name"]: m["mountPath"] for m in containers(redis)[0]["volumeMounts"]}
    assert mounts.get("data") == "/data" and "data" in claims
    config_volume = next(v for v in pod_spec(redis)["volumes"] if v["name"] == "config")
    config = named(objects, "ConfigMap", config_volume["configMap"]["name"])["data"]["redis.conf"]
    directives = dict(line.split(None, 1) for line in config.splitlines() if line.strip() and not line.startswith("#"))
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] in ("always", "everysec", "no")
    assert directives["dir"] == "/data"
    assert directives["maxmemory-policy"] == "noeviction"
    args = containers(redis)[0]["args"]
    assert args[:2] == ["redis-server", f"{mounts['config']}/redis.conf"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_application_images_are_named_for_retagging_and_redis_is_pinned(kustomization):
    for workload in workloads(render(kustomization)):
        image = containers(workload)[0]["image"]
        service = service_of(workload)
        if service == "redis":
            repository, _, tag = image.partition(":")
            assert repository == "redis" and tag[:1] == "7" and tag.count(".") == 2, image
        else:
            assert image == f"ticketing/{service}:latest", image


def test_the_local_overlay_uses_the_images_loaded_on_the_node():
    for workload in workloads(render("overlays/local")):
        assert containers(workload)[0]["imagePullPolicy"] == "IfNotPresent", workload["metadata"]["name"]
