"""The NetworkPolicies, evaluated: exactly the intended paths between the services are open."""

from __future__ import annotations

import pytest
from manifest_lib import NAMESPACE, kustomizations, of_kind, render, workloads

pytestmark = pytest.mark.manifests

KUSTOMIZATIONS = kustomizations()
APPS = ("frontend", "api-gateway", "order-worker", "workload-generator", "payment-provider", "live-updates", "redis")
PORTS = {
    "frontend": 8080,
    "api-gateway": 8000,
    "order-worker": 8001,
    "workload-generator": 9000,
    "payment-provider": 8002,
    "live-updates": 8003,
    "redis": 6379,
}

# (from, to): every other pair of the seven is refused (the payment provider: the workers only; the
# live updates: the frontend only).
INTENDED = {
    ("frontend", "api-gateway"),
    ("frontend", "workload-generator"),
    ("workload-generator", "api-gateway"),
    ("api-gateway", "redis"),
    ("order-worker", "redis"),
    ("order-worker", "payment-provider"),
    ("payment-provider", "redis"),
    ("frontend", "live-updates"),
    ("live-updates", "redis"),
    ("live-updates", "api-gateway"),
}


def selects(selector: dict, labels: dict) -> bool:
    assert not selector.get("matchExpressions"), "the evaluator only handles matchLabels"
    return selector.get("matchLabels", {}).items() <= labels.items()


def pod_labels(objects: list[dict]) -> dict[str, dict]:
    return {
        w["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]: w["spec"]["template"]["metadata"][
            "labels"
        ]
        for w in workloads(objects)
    }


def peer_matches(peer: dict, labels: dict, namespace_labels: dict) -> bool:
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer and not selects(peer["namespaceSelector"], namespace_labels):
        return False
    if "namespaceSelector" not in peer and namespace_labels.get("kubernetes.io/metadata.name") != NAMESPACE:
        return False
    return selects(peer.get("podSelector", {}), labels)


def port_matches(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") in (None, port) and p.get("protocol", "TCP") == "TCP" for p in ports)


def allowed(policies: list[dict], direction: str, subject: dict, peer: dict, peer_ns: dict, port: int) -> bool:
    """Kubernetes semantics: isolated in a direction if any policy selecting the pod lists it;
    then allowed if any rule of any such policy matches peer and port."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    relevant = [
        p
        for p in policies
        if selects(p["spec"]["podSelector"], subject) and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not relevant:
        return True
    for policy in relevant:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            if port_matches(rule, port) and (not peers or any(peer_matches(x, peer, peer_ns) for x in peers)):
                return True
    return False


def reachable(objects: list[dict]) -> set[tuple[str, str]]:
    policies = of_kind(objects, "NetworkPolicy")
    labels = pod_labels(objects)
    here = {"kubernetes.io/metadata.name": NAMESPACE}
    return {
        (src, dst)
        for src in APPS
        for dst in APPS
        if src != dst
        if allowed(policies, "Egress", labels[src], labels[dst], here, PORTS[dst])
        and allowed(policies, "Ingress", labels[dst], labels[src], here, PORTS[dst])
    }


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_exactly_the_intended_paths_between_the_services_are_open(kustomization):
    assert reachable(render(kustomization)) == INTENDED


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_only_the_gateway_the_workers_the_payment_provider_and_the_live_updates_reach_redis(kustomization):
    reach_redis = {src for src, dst in reachable(render(kustomization)) if dst == "redis"}
    assert reach_redis == {"api-gateway", "order-worker", "payment-provider", "live-updates"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_only_the_order_workers_reach_the_payment_provider(kustomization):
    assert {src for src, dst in reachable(render(kustomization)) if dst == "payment-provider"} == {"order-worker"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_only_the_frontend_reaches_the_live_updates(kustomization):
    assert {src for src, dst in reachable(render(kustomization)) if dst == "live-updates"} == {"frontend"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_a_default_policy_denies_everything_else_in_both_directions(kustomization):
    defaults = [
        p
        for p in of_kind(render(kustomization), "NetworkPolicy")
        if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress") and not p["spec"].get("egress")
    ]
    assert defaults and set(defaults[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_pod_may_resolve_names_and_the_frontend_is_open_to_clients(kustomization):
    objects = render(kustomization)
    policies = of_kind(objects, "NetworkPolicy")
    dns = {"k8s-app": "kube-dns"}
    kube_system = {"kubernetes.io/metadata.name": "kube-system"}
    outside = {"kubernetes.io/metadata.name": "ingress-nginx"}
    for app, labels in pod_labels(objects).items():
        assert allowed(policies, "Egress", labels, dns, kube_system, 53), app
        from_outside = allowed(policies, "Ingress", labels, {"app": "ingress-controller"}, outside, PORTS[app])
        assert from_outside == (app == "frontend"), app


def test_the_keda_operator_may_read_the_stream_lag_from_redis():
    for kustomization, expected in (("overlays/local", False), ("overlays/keda", True)):
        objects = render(kustomization)
        policies = of_kind(objects, "NetworkPolicy")
        keda = {"kubernetes.io/metadata.name": "keda"}
        redis = pod_labels(objects)["redis"]
        assert allowed(policies, "Ingress", redis, {"app": "keda-operator"}, keda, 6379) is expected, kustomization
