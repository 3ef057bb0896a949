"""The scaling policy, read from the manifests: the HPA or KEDA ScaledObject of a rendered overlay.

`kubectl kustomize k8s/overlays/<overlay>` is rendered (the kubectl of the virtualenv, as the
manifest tests use) and the order workers' scaler taken from it, so that `make up` and the cluster
follow one policy. A setting may shorten every window and period (AUTOSCALE_TIME_SCALE) for a demo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .hpa import Behavior, behavior_from_spec, scale_time

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "k8s" / "overlays"
WORKER = "order-worker"
GATEWAY = "api-gateway"
# The HPA controller's --horizontal-pod-autoscaler-sync-period default.
SYNC_PERIOD_SECONDS = 15.0


class PolicyError(Exception):
    """The policy cannot be read: the message is the one line `make up` prints."""


@dataclass(frozen=True)
class Target:
    """One scaled workload and its rule, as the cluster would apply it."""

    name: str  # the Deployment: order-worker, api-gateway
    min_replicas: int
    max_replicas: int
    metric: str  # "lag" (KEDA redis-streams lagCount) or "cpu" (Resource cpu Utilization)
    target: float  # lag per replica, or CPU utilization in percent of the request
    behavior: Behavior
    source: str  # "HorizontalPodAutoscaler/order-worker" or "ScaledObject/order-worker"
    cpu_request_cores: float = 0.0  # the container's CPU request, for a cpu target

    def rule(self) -> str:
        if self.metric == "lag":
            return f"lag {self.target:g} per worker"
        return f"CPU {self.target:g} % of {self.cpu_request_cores * 1000:g}m"


@dataclass(frozen=True)
class Policy:
    overlay: str
    time_scale: float
    sync_period: float  # seconds between syncs, already scaled
    targets: dict[str, Target]
    worker_env: dict[str, str]  # the overlay's settings for the workers that shape scaling (per-order work)
    provider_env: dict[str, str] = field(default_factory=dict)  # the overlay's payment latency settings
    payments_on: bool = False  # whether the overlay's workers charge through the provider

    def per_order_ms(self) -> float:
        """The per-order I/O one worker slot waits for: simulated work plus the provider's median latency
        (the latter only where the overlay's workers charge through a provider)."""
        work = _number(self.worker_env.get("WORKER_SIMULATED_WORK_MS"), 0)
        return work + self._latency_ms()

    def _latency_ms(self) -> float:
        if not self.payments_on:
            return 0
        return _number(self.provider_env.get("PAYMENT_LATENCY_MS_MEDIAN"), PAYMENT_LATENCY_DEFAULT_MS)

    def stated_capacity(self) -> float | None:
        """One worker's stated capacity, orders/s: WORKER_CONCURRENCY x 1000 / per-order ms; None without
        per-order work (then only CPU bounds it). An upper bound: retried charges make the mean time per
        order longer than the median (docs/performance.md has the measured figure)."""
        ms = self.per_order_ms()
        if ms <= 0:
            return None
        return int(_number(self.worker_env.get("WORKER_CONCURRENCY"), WORKER_CONCURRENCY_DEFAULT)) * 1000 / ms

    def as_run(self, env: Mapping[str, str]) -> Policy:
        """The policy with the per-order settings that `env` (make up's shell) sets instead of the
        overlay's, as make up runs them: its summary then states the capacity of the running workers."""
        worker = {**self.worker_env, **{k: env[k] for k in WORKER_CAPACITY_SETTINGS if k in env}}
        provider = {**self.provider_env, **{k: env[k] for k in PROVIDER_CAPACITY_SETTINGS if k in env}}
        payments = bool(env[PROVIDER_URL]) if PROVIDER_URL in env else self.payments_on
        return replace(self, worker_env=worker, provider_env=provider, payments_on=payments)

    def summary(self, applied: tuple[str, ...] = (WORKER,)) -> str:
        """The one line `make up` prints after "autoscaling: on", for the targets it applies."""
        parts = []
        for t in (self.targets[name] for name in applied if name in self.targets):
            down = t.behavior.scale_down.stabilization_window_seconds
            parts.append(f"{t.name} {t.min_replicas}-{t.max_replicas} on {t.rule()}, scale-in after {down:g} s")
        scale = "" if self.time_scale == 1 else f", time scale {self.time_scale:g} (windows and periods shortened)"
        return f"{self.overlay}: {'; '.join(parts)}; sync every {self.sync_period:g} s{scale}{self._work_text()}"

    def _work_text(self) -> str:
        capacity = self.stated_capacity()
        if capacity is None:
            return ""
        concurrency = self.worker_env.get("WORKER_CONCURRENCY", str(WORKER_CONCURRENCY_DEFAULT))
        pieces = []
        work = _number(self.worker_env.get("WORKER_SIMULATED_WORK_MS"), 0)
        if work:
            pieces.append(f"{work:g} ms simulated work")
        latency = self._latency_ms()
        if latency:
            pieces.append(f"a {latency:g} ms payment call")
        return f", {' + '.join(pieces)} per order x {concurrency} at once: up to {capacity:g} orders/s per worker"


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        raise PolicyError(f"the overlay sets a setting to {value!r}, which is not a number") from None


def kubectl() -> str:
    candidate = Path(sys.executable).parent / "kubectl"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which("kubectl")
    if not found:
        raise PolicyError("kubectl is needed to read the scaling policy from k8s/: make venv installs it")
    return found


def render(overlay: str, root: Path = ROOT) -> list[dict[str, Any]]:
    path = root / "k8s" / "overlays" / overlay
    if not (path / "kustomization.yaml").is_file():
        choices = sorted(p.name for p in (root / "k8s" / "overlays").iterdir() if p.is_dir())
        raise PolicyError(f"AUTOSCALE_OVERLAY={overlay}: no such overlay (one of {', '.join(choices)})")
    proc = subprocess.run([kubectl(), "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise PolicyError(f"kubectl kustomize k8s/overlays/{overlay} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def parse_cpu(quantity: str | int | float) -> float:
    """A Kubernetes CPU quantity in cores: "50m" -> 0.05, "1" -> 1.0."""
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def _cpu_request(objects: list[dict[str, Any]], deployment: str) -> float:
    workload = _named(objects, "Deployment", deployment)
    if workload is None:
        raise PolicyError(f"no Deployment {deployment} in the overlay")
    container = workload["spec"]["template"]["spec"]["containers"][0]
    request = container.get("resources", {}).get("requests", {}).get("cpu")
    if request is None:
        raise PolicyError(f"Deployment {deployment} has no CPU request: a CPU utilization target needs one")
    return parse_cpu(request)


def target_from_hpa(objects: list[dict[str, Any]], hpa: dict[str, Any]) -> Target:
    spec = hpa["spec"]
    name = spec["scaleTargetRef"]["name"]
    metrics = spec.get("metrics") or [
        # autoscaling/v2's default metric
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    cpu = [
        m
        for m in metrics
        if m["type"] == "Resource"
        and m["resource"]["name"] == "cpu"
        and "averageUtilization" in m["resource"]["target"]
    ]
    if len(cpu) != len(metrics):
        raise PolicyError(f"HorizontalPodAutoscaler/{name}: only a CPU Utilization metric can be computed locally")
    return Target(
        name=name,
        min_replicas=int(spec.get("minReplicas", 1)),
        max_replicas=int(spec["maxReplicas"]),
        metric="cpu",
        target=float(cpu[0]["resource"]["target"]["averageUtilization"]),
        behavior=behavior_from_spec(spec.get("behavior")),
        source=f"HorizontalPodAutoscaler/{hpa['metadata']['name']}",
        cpu_request_cores=_cpu_request(objects, name),
    )


def target_from_scaled_object(scaled: dict[str, Any]) -> Target:
    spec = scaled["spec"]
    name = spec["scaleTargetRef"]["name"]
    streams = [t for t in spec.get("triggers", []) if t["type"] == "redis-streams" and "lagCount" in t["metadata"]]
    if len(streams) != len(spec.get("triggers", [])) or not streams:
        raise PolicyError(f"ScaledObject/{name}: only a redis-streams trigger with lagCount can be computed locally")
    hpa_config = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
    return Target(
        name=name,
        # KEDA's defaults: minReplicaCount 0, maxReplicaCount 100.
        min_replicas=int(spec.get("minReplicaCount", 0)),
        max_replicas=int(spec.get("maxReplicaCount", 100)),
        metric="lag",
        target=float(streams[0]["metadata"]["lagCount"]),
        behavior=behavior_from_spec(hpa_config.get("behavior")),
        source=f"ScaledObject/{scaled['metadata']['name']}",
    )


def policy_from_objects(objects: list[dict[str, Any]], overlay: str, time_scale: float) -> Policy:
    targets: dict[str, Target] = {}
    for o in objects:
        if o["kind"] == "ScaledObject":
            t = target_from_scaled_object(o)
        elif o["kind"] == "HorizontalPodAutoscaler":
            t = target_from_hpa(objects, o)
        else:
            continue
        if t.name in targets:
            raise PolicyError(f"{t.name} is scaled twice ({targets[t.name].source} and {t.source})")
        targets[t.name] = Target(**{**t.__dict__, "behavior": scale_time(t.behavior, time_scale)})
    if WORKER not in targets:
        raise PolicyError(f"k8s/overlays/{overlay} does not autoscale the {WORKER}")
    return Policy(
        overlay,
        time_scale,
        SYNC_PERIOD_SECONDS * time_scale,
        targets,
        _worker_env(objects),
        _provider_env(objects),
        _payments_on(objects),
    )


# What one worker's capacity is made of, and so what the overlay's per-worker target assumes; with
# the settings that order_worker/settings.py (_consistent_timings) checks against them, so that a local
# worker given the overlay's capacity passes the same check as the overlay's pods.
WORKER_CAPACITY_SETTINGS = (
    "WORKER_SIMULATED_WORK_MS",
    "WORKER_CONCURRENCY",
    "WORKER_BATCH_SIZE",
    "WORKER_CLAIM_IDLE_MS",
    "WORKER_PAYMENT_TIMEOUT_SECONDS",
)
# The provider's side of the per-order work: how long a charge takes (payment_provider/settings.py).
PROVIDER_CAPACITY_SETTINGS = ("PAYMENT_LATENCY_MS_MEDIAN", "PAYMENT_LATENCY_SIGMA", "PAYMENT_LATENCY_MAX_MS")
PROVIDER = "payment-provider"
PROVIDER_URL = "WORKER_PAYMENT_PROVIDER_URL"  # read only to know whether the overlay's workers charge at all
WORKER_CONCURRENCY_DEFAULT = 10  # order_worker/settings.py's default
PAYMENT_LATENCY_DEFAULT_MS = 50.0  # payment_provider/settings.py's default


def _config_env(objects: list[dict[str, Any]], deployment: str, wanted: tuple[str, ...]) -> dict[str, str]:
    """The `wanted` settings of a Deployment's first container from the ConfigMaps it reads (envFrom,
    generated names with their hash included)."""
    workload = _named(objects, "Deployment", deployment) or {}
    containers = workload.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])
    names = {s["configMapRef"]["name"] for s in containers[0].get("envFrom", []) if "configMapRef" in s}
    env: dict[str, str] = {}
    for o in objects:
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] in names:
            env.update({k: str(v) for k, v in o.get("data", {}).items() if k in wanted})
    return env


def _worker_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The overlay's WORKER_CAPACITY_SETTINGS for the workers: the per-order work that its target assumes."""
    return _config_env(objects, WORKER, WORKER_CAPACITY_SETTINGS)


def _payments_on(objects: list[dict[str, Any]]) -> bool:
    return bool(_config_env(objects, WORKER, (PROVIDER_URL,)).get(PROVIDER_URL))


def _provider_env(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The overlay's payment latency (PROVIDER_CAPACITY_SETTINGS), read from the provider's ConfigMaps as
    _worker_env reads the workers': with payments on, the charge is the workers' per-order I/O."""
    return _config_env(objects, PROVIDER, PROVIDER_CAPACITY_SETTINGS)


@dataclass(frozen=True)
class Settings:
    enabled: bool
    overlay: str
    time_scale: float


def settings_from_env(env: dict[str, str] | os._Environ[str]) -> Settings:
    """AUTOSCALE (1 by default, 0 = a fixed pool), AUTOSCALE_OVERLAY (keda), AUTOSCALE_TIME_SCALE (1)."""
    switch = env.get("AUTOSCALE", "1").strip().lower()
    if switch not in ("0", "1", "true", "false", "on", "off", "yes", "no"):
        raise PolicyError(f"AUTOSCALE={switch}: must be 1 (on) or 0 (off)")
    raw_scale = env.get("AUTOSCALE_TIME_SCALE", "1").strip()
    try:
        time_scale = float(raw_scale)
    except ValueError:
        raise PolicyError(f"AUTOSCALE_TIME_SCALE={raw_scale}: must be a number, e.g. 0.1") from None
    if not 0.01 <= time_scale <= 10:
        raise PolicyError(f"AUTOSCALE_TIME_SCALE={raw_scale}: must be between 0.01 and 10")
    overlay = env.get("AUTOSCALE_OVERLAY", "keda").strip() or "keda"
    return Settings(switch in ("1", "true", "on", "yes"), overlay, time_scale)


def load_policy(settings: Settings, root: Path = ROOT) -> Policy:
    return policy_from_objects(render(settings.overlay, root), settings.overlay, settings.time_scale)
