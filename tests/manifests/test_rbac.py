"""The gateway's access to the Kubernetes API (GET /system/scaling reads the HPAs): read-only, HPAs only,
its namespace only, bound to its own ServiceAccount only; and the network lets only it reach the API server."""

from __future__ import annotations

import ipaddress

import pytest
from manifest_lib import NAMESPACE, kustomizations, named, of_kind, pod_spec, render, workloads
from test_network_policies import allowed, pod_labels, port_matches, selects

pytestmark = pytest.mark.manifests

KUSTOMIZATIONS = kustomizations()
READ_VERBS = {"get", "list", "watch"}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_gateways_role_only_reads_hpas_in_its_namespace(kustomization):
    objects = render(kustomization)
    assert not of_kind(objects, "ClusterRole") and not of_kind(objects, "ClusterRoleBinding")
    [role] = of_kind(objects, "Role")
    assert role["metadata"]["namespace"] == NAMESPACE
    assert role["rules"] == [
        {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["get", "list", "watch"]}
    ]
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= READ_VERBS and "*" not in rule["resources"] + rule["apiGroups"]
        assert "resourceNames" not in rule and "nonResourceURLs" not in rule


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_the_role_is_bound_to_the_gateways_service_account_only(kustomization):
    objects = render(kustomization)
    [binding] = of_kind(objects, "RoleBinding")
    [role] = of_kind(objects, "Role")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "api-gateway", "namespace": NAMESPACE}]
    account = named(objects, "ServiceAccount", "api-gateway")
    assert account["automountServiceAccountToken"] is False  # only a pod that asks gets the token
    # Only the gateway's pods run as it, and only they mount a token.
    users = {
        w["metadata"]["name"] for w in workloads(objects) if pod_spec(w).get("serviceAccountName") == "api-gateway"
    }
    assert users == {"api-gateway"}
    mounted = {w["metadata"]["name"] for w in workloads(objects) if pod_spec(w).get("automountServiceAccountToken")}
    assert mounted == {"api-gateway"}


def egress_to_address(policies: list[dict], subject: dict, address: str, port: int) -> bool:
    """Whether a pod with labels `subject` may open `address`:`port` outside the cluster's pods
    (ipBlock peers; Kubernetes semantics: allowed if unisolated or any rule matches)."""
    relevant = [
        p
        for p in policies
        if selects(p["spec"]["podSelector"], subject) and "Egress" in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not relevant:
        return True
    ip = ipaddress.ip_address(address)
    for policy in relevant:
        for rule in policy["spec"].get("egress", []):
            if not port_matches(rule, port):
                continue
            peers = rule.get("to")
            if not peers:
                return True
            for peer in peers:
                block = peer.get("ipBlock")
                inside = block is not None and ip in ipaddress.ip_network(block["cidr"])
                if inside and not any(ip in ipaddress.ip_network(e) for e in block.get("except", [])):
                    return True
    return False


# The API server as the network plugin sees it (after the Service's address is translated):
# kind/kubeadm on a node at 172.18.0.2:6443, minikube at 192.168.49.2:8443, k3s on 10.0.0.5:6443, a managed
# control plane on 10.128.0.2:443, and the Service's own address for plugins that check before translating it.
API_SERVERS = [
    ("172.18.0.2", 6443),
    ("192.168.49.2", 8443),
    ("10.0.0.5", 6443),
    ("10.128.0.2", 443),
    ("10.96.0.1", 443),
]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_only_the_gateway_may_reach_the_api_server_and_only_on_its_ports(kustomization):
    objects = render(kustomization)
    policies = of_kind(objects, "NetworkPolicy")
    for app, labels in pod_labels(objects).items():
        for address, port in API_SERVERS:
            assert egress_to_address(policies, labels, address, port) is (app == "api-gateway"), (app, address)
    gateway = pod_labels(objects)["api-gateway"]
    assert not egress_to_address(policies, gateway, "172.18.0.2", 22)  # not any port
    assert not egress_to_address(policies, gateway, "93.184.216.34", 443)  # not the internet
    # And the evaluator of test_network_policies still sees no new path between the services.
    assert not allowed(policies, "Egress", gateway, pod_labels(objects)["order-worker"], {}, 8001)
