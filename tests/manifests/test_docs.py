"""docs/deploy.md covers what a person needs, and its numbers are the manifests' numbers."""

from __future__ import annotations

import re

import pytest
from manifest_lib import ROOT, load_yaml, named, render

pytestmark = pytest.mark.manifests

DOC = ROOT / "docs" / "deploy.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text()


def test_the_deploy_doc_covers_compose_and_kubernetes_from_prerequisites_to_teardown(doc):
    headings = re.findall(r"^#+ (.+)$", doc, flags=re.MULTILINE)
    for heading in (
        "Docker Compose",
        "Kubernetes",
        "Prerequisites",
        "Deploy",
        "Start the load",
        "Watch the autoscaling",
        "The timeline to expect",
        "Real secrets",
        "Tear down",
    ):
        assert any(heading.lower() in h.lower() for h in headings), heading
    for must in (
        "docker compose up --build",
        "metrics-server",
        "KEDA",
        "kind load docker-image",
        "kubectl apply -k k8s/overlays/local",
        "kubectl get hpa -w -n ticketing",
        "kubectl get pods -w -n ticketing",
        "make k8s-demo",
        "make k8s-down",
        "--grace-period=0 --force",
    ):
        assert must in doc, must


def test_the_timeline_states_the_hpa_behaviour_the_manifests_have(doc):
    hpa = named(render("base"), "HorizontalPodAutoscaler", "api-gateway")
    behavior = hpa["spec"]["behavior"]
    assert f"**{behavior['scaleDown']['stabilizationWindowSeconds']} s**" in doc
    assert f"`stabilizationWindowSeconds: {behavior['scaleUp']['stabilizationWindowSeconds']}`" in doc
    assert f"per {behavior['scaleDown']['policies'][0]['periodSeconds']} s" in doc
    assert f"maximum of {hpa['spec']['maxReplicas']}" in doc


def test_the_doc_quotes_the_worker_and_keda_settings_in_force(doc):
    worker_env = dict(
        line.split("=", 1)
        for line in (ROOT / "k8s/base/config/order-worker.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert f"`WORKER_CLAIM_IDLE_MS` ({int(worker_env['WORKER_CLAIM_IDLE_MS']) // 1000} s)" in doc
    scaled_object = load_yaml(ROOT / "k8s/components/keda/scaledobject.yaml")
    lag = scaled_object["spec"]["triggers"][0]["metadata"]["lagCount"]
    assert f"ceil(lag / {lag})" in doc
    assert f"every {scaled_object['spec']['pollingInterval']} s" in doc


def test_every_repository_path_the_doc_names_exists(doc):
    for path in set(re.findall(r"`((?:k8s|docs|frontend|common)/[\w./-]+|docker-compose\.yml|\.gitlab-ci\.yml)`", doc)):
        if "<" in path or "private-" in path:
            continue
        assert (ROOT / path.rstrip("/")).exists(), path
