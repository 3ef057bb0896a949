"""Every kustomization renders, and every rendered object of a built-in kind validates strictly."""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest
from manifest_lib import (
    CUSTOM_RESOURCE_GROUPS,
    KUBERNETES_VERSIONS,
    NAMESPACE,
    kustomizations,
    of_kind,
    render,
)

pytestmark = pytest.mark.manifests

KUSTOMIZATIONS = kustomizations()


def test_the_base_and_both_overlays_are_found():
    assert {"base", "overlays/local", "overlays/keda"} <= set(KUSTOMIZATIONS)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_kustomization_renders(kustomization):
    objects = render(kustomization)
    assert objects, f"k8s/{kustomization} renders nothing"
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "Deployment", "StatefulSet", "Service", "ConfigMap", "Secret"} <= kinds


def _builtin(obj: dict) -> bool:
    group = obj["apiVersion"].rpartition("/")[0]
    return group not in CUSTOM_RESOURCE_GROUPS


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_builtin_object_validates_strictly_against_the_kubernetes_schemas(kustomization, version):
    failures = []
    for obj in filter(_builtin, render(kustomization)):
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: no schema in Kubernetes {version}")
        except kubernetes_validate.ValidationError as e:
            failures.append(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.absolute_path)}")
    assert not failures, "\n".join(failures)


def test_strict_validation_rejects_an_unknown_field():
    # The check above is only worth something if strict mode does catch a misspelt field.
    deployment = copy.deepcopy(of_kind(render("base"), "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullPolicyy"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


# The custom resources each kustomization may hold (their own tests check their shape).
CUSTOM_RESOURCES = {
    "overlays/keda": ["ScaledObject"],
    "overlays/redis-cluster-keda": ["ScaledObject"],
    "overlays/monitoring": ["PrometheusRule", *["ServiceMonitor"] * 5],
}


def test_only_the_keda_and_monitoring_overlays_have_custom_resources():
    for kustomization in KUSTOMIZATIONS:
        custom = sorted(o["kind"] for o in render(kustomization) if not _builtin(o))
        assert custom == CUSTOM_RESOURCES.get(kustomization, []), kustomization


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_object_lives_in_the_ticketing_namespace(kustomization):
    for obj in render(kustomization):
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == NAMESPACE
        else:
            assert obj["metadata"].get("namespace") == NAMESPACE, f"{obj['kind']}/{obj['metadata']['name']}"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_object_carries_the_recommended_labels(kustomization):
    for obj in render(kustomization):
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "ticketing", f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] not in ("Namespace", "ConfigMap", "Secret", "NetworkPolicy"):
            assert "app.kubernetes.io/name" in labels, f"{obj['kind']}/{obj['metadata']['name']}"
            assert "app.kubernetes.io/component" in labels, f"{obj['kind']}/{obj['metadata']['name']}"


def test_the_namespace_enforces_the_restricted_pod_security_standard():
    namespace = of_kind(render("base"), "Namespace")[0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
