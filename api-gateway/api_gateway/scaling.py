"""GET /system/scaling: what the autoscalers are doing, from wherever they are.

Two sources give the same view (current, desired, min and max replicas, the metric against its target,
and a timeline of scaling events):

- **local-autoscaler**: `make up`'s autoscaler (tools/autoscaler/controller.py) publishes each target's
  state to keys.AUTOSCALER_STATE and its events to keys.AUTOSCALER_EVENTS; this only reads them.
- **kubernetes**: in a pod (KUBERNETES_SERVICE_HOST set and a service-account token mounted), the
  HorizontalPodAutoscalers of the pod's namespace, read from the API server with the token and the
  cluster's CA (a read-only Role, k8s/base/api-gateway/rbac.yaml), at most every CACHE_SECONDS per
  gateway process. Kubernetes keeps no history of an HPA's decisions that a Role this small may read,
  so the events are synthesised from the changes of status.desiredReplicas between reads
  (observe_hpa.lua), in Redis so that every gateway replica shows the same timeline.

Neither: source "none", with a message saying why.
"""

from __future__ import annotations

import json
import math
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

import httpx
import redis

from ticketing_common import keys

from .models import Scaling, ScalingEvent, ScalingTarget

EVENTS_SHOWN = 50
# The local autoscaler publishes at every sync (15 s × AUTOSCALE_TIME_SCALE): its state is stale when
# older than two syncs, and never before STALE_AFTER_SECONDS.
STALE_AFTER_SECONDS = 10.0
CACHE_SECONDS = 2.0  # how long one process serves one read of the HPAs
API_TIMEOUT_SECONDS = 2.0
SCALING_EVENTS_MAXLEN = 1000  # the synthesised events stream is capped (approximately) at this many entries
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

NO_SOURCE = (
    "no autoscaler has published state and the gateway is not in a cluster "
    "(make up with AUTOSCALE=1 runs one; in Kubernetes the gateway reads the HPAs)"
)

OBSERVE_HPA_LUA = files(__package__).joinpath("observe_hpa.lua").read_text()


def iso(seconds: float) -> str:
    """Seconds since the epoch as the API writes times: ISO 8601, UTC, milliseconds."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_events(client: redis.Redis, stream: str, count: int = EVENTS_SHOWN) -> list[ScalingEvent]:
    """The last `count` events of `stream`, oldest first; entries that do not parse are left out."""
    events = []
    # Decoded replies (the gateway's client decodes); redis-py's hints cover every option's shape.
    entries = cast("list[tuple[str, dict[str, str]]]", client.xrevrange(stream, count=count))
    for _id, fields in reversed(entries):
        try:
            events.append(
                ScalingEvent.model_validate(
                    {
                        "time": iso(float(fields["time"])),
                        "target": fields["target"],
                        "from": int(fields["from"]),
                        "to": int(fields["to"]),
                        "reason": fields["reason"],
                    }
                )
            )
        except (KeyError, ValueError, OverflowError):
            continue
    return events


# --- make up's local autoscaler -------------------------------------------------------------------


def local_target(name: str, state: dict[str, Any], now: float) -> ScalingTarget:
    """One target of keys.AUTOSCALER_STATE (the controller's _publish) as the API shows it."""
    updated = float(state["updatedAt"])
    sync_period = state.get("syncPeriodS")
    stale_after = max(STALE_AFTER_SECONDS, 2 * float(sync_period)) if sync_period else STALE_AFTER_SECONDS
    value = state.get("metricValue")
    return ScalingTarget(
        name=name,
        current=int(state["current"]),
        desired=int(state["desired"]),
        min=int(state["min"]),
        max=int(state["max"]),
        metric=state["metric"],
        metricValue=None if value is None else float(value),
        target=float(state["target"]),
        overlay=state.get("overlay"),
        timeScale=None if state.get("timeScale") is None else float(state["timeScale"]),
        stale=now - updated > stale_after,
        updatedAt=iso(updated),
    )


def local_scaling(client: redis.Redis, now: float | None = None) -> Scaling | None:
    """The local autoscaler's view, or None if it has never published."""
    state = cast("dict[str, str]", client.hgetall(keys.AUTOSCALER_STATE))
    if not state:
        return None
    now = time.time() if now is None else now
    targets, unreadable = [], []
    for name, raw in sorted(state.items()):
        try:
            targets.append(local_target(name, json.loads(raw), now))
        except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            unreadable.append(name)
    message = f"unreadable state for {', '.join(unreadable)}" if unreadable else None
    return Scaling(
        source="local-autoscaler",
        message=message,
        targets=targets,
        events=read_events(client, keys.AUTOSCALER_EVENTS),
    )


# --- Kubernetes ----------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")
_SUFFIX: dict[str | None, float] = {
    None: 1.0,
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    **{s: 1024.0 ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


def quantity(text: Any) -> float:
    """A Kubernetes resource quantity ("50", "412500m", "1Ki", "1e3") as a number."""
    if isinstance(text, int | float):
        return float(text)
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    return float(match.group(1)) * _SUFFIX[match.group(2)]


@dataclass(frozen=True)
class HpaReading:
    target: ScalingTarget
    reason: str  # why it wants `desired`, for an event: "lag 412 > 50 per worker (ScaleUpLimit)"


def _cpu_metric(spec: dict[str, Any], key: str) -> bool:
    return spec.get("type") == key and spec.get(key[0].lower() + key[1:], {}).get("name") == "cpu"


def _metric(hpa: dict[str, Any]) -> tuple[str, float, float | None] | None:
    """(metric, target, value now) of the HPA's first metric the view knows: CPU utilisation, or an
    external metric (KEDA's redis-streams lag); None if it has neither."""
    spec, status = hpa.get("spec", {}), hpa.get("status") or {}
    # An HPA without metrics scales on CPU at 80 % (autoscaling/v2's default).
    metrics = spec.get("metrics") or [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}
    ]
    current = status.get("currentMetrics") or []
    replicas = int(status.get("currentReplicas") or 0)
    for m in metrics:
        for kind in ("Resource", "ContainerResource"):
            if _cpu_metric(m, kind):
                field = kind[0].lower() + kind[1:]
                target = m[field].get("target", {})
                if target.get("type") != "Utilization":
                    continue
                now: dict[str, Any] = next((c[field]["current"] for c in current if _cpu_metric(c, kind)), {})
                value = now.get("averageUtilization")
                return "cpu", float(target["averageUtilization"]), None if value is None else float(value)
        if m.get("type") == "External":
            target = m["external"].get("target", {})
            name = m["external"].get("metric", {}).get("name")
            now = next(
                (
                    c["external"].get("current", {})
                    for c in current
                    if c.get("type") == "External" and c["external"].get("metric", {}).get("name") == name
                ),
                {},
            )
            if target.get("type") == "AverageValue":
                # The HPA shows the lag per pod; the view, like the local autoscaler, the whole lag.
                value = None if "averageValue" not in now else quantity(now["averageValue"]) * replicas
                return "lag", quantity(target["averageValue"]), value
            if target.get("type") == "Value":
                value = None if "value" not in now else quantity(now["value"])
                return "lag", quantity(target["value"]), value
    return None


def _condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), {})


def hpa_reading(hpa: dict[str, Any], read_at: float) -> HpaReading | None:
    """An HPA object (autoscaling/v2) as a target of the view; None if it scales on neither CPU nor lag."""
    metric = _metric(hpa)
    if metric is None:
        return None
    kind, target, value = metric
    spec, status = hpa["spec"], hpa.get("status") or {}
    current = int(status.get("currentReplicas") or 0)
    desired = int(status.get("desiredReplicas", current))
    if value is None:
        reason = f"{kind} not measured yet"
    elif kind == "lag":
        reason = f"lag {value:g} {'>' if value > target * current else '<'} {target:g} per worker"
    else:
        reason = f"CPU {value:.0f} % {'>' if value > target else '<'} {target:g} % of request"
    limited = _condition(status, "ScalingLimited")
    if limited.get("status") == "True" and limited.get("reason"):
        reason += f" ({limited['reason']})"
    return HpaReading(
        ScalingTarget(
            name=spec["scaleTargetRef"]["name"],
            current=current,
            desired=desired,
            min=int(spec.get("minReplicas", 1)),
            max=int(spec["maxReplicas"]),
            metric=kind,  # "lag" or "cpu", from _metric
            metricValue=value,
            target=target,
            overlay=None,
            timeScale=None,
            stale=False,
            updatedAt=iso(read_at),
        ),
        reason,
    )


def _reading_or_none(hpa: Any, read_at: float) -> HpaReading | None:
    """One HPA's reading; an object this view cannot make sense of is left out, not the whole list."""
    try:
        return hpa_reading(hpa, read_at)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class KubernetesApi:
    """Where and how to read the HPAs: the API server, the pod's namespace, its token and CA."""

    base_url: str
    namespace: str
    token_path: Path
    ca_path: Path | None  # None: the base URL is plain HTTP (the tests' fake API server)

    @classmethod
    def in_cluster(cls, host: str | None, port: int, account_dir: Path | None = None) -> KubernetesApi | None:
        """The API server of the pod this runs in; None outside a cluster (or without a mounted token)."""
        account_dir = account_dir or SERVICE_ACCOUNT_DIR
        token = account_dir / "token"
        if not host or not token.is_file():
            return None
        namespace_file = account_dir / "namespace"
        namespace = namespace_file.read_text().strip() if namespace_file.is_file() else "default"
        host = f"[{host}]" if ":" in host else host  # an IPv6 service address
        return cls(f"https://{host}:{port}", namespace, token, account_dir / "ca.crt")

    def http_client(self) -> httpx.Client:
        verify: ssl.SSLContext | bool = True
        if self.ca_path is not None:
            verify = ssl.create_default_context(cafile=str(self.ca_path))
        return httpx.Client(verify=verify, timeout=API_TIMEOUT_SECONDS, trust_env=False)

    def list_hpas(self, http: httpx.Client) -> list[dict[str, Any]]:
        # Read at every call: the kubelet rotates a projected token (about hourly).
        token = self.token_path.read_text().strip()
        url = f"{self.base_url}/apis/autoscaling/v2/namespaces/{self.namespace}/horizontalpodautoscalers"
        response = http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        if response.status_code in (401, 403):
            raise PermissionError(
                f"the API server answered {response.status_code}: the gateway's ServiceAccount needs the "
                f"Role api-gateway-hpa-reader (list horizontalpodautoscalers in {self.namespace})"
            )
        response.raise_for_status()
        return response.json().get("items") or []


def observe(client: redis.Redis, script: Any, readings: list[HpaReading], read_at: float) -> None:
    """Record this read of every HPA in Redis, appending an event for each changed desired count."""
    pipe = client.pipeline(transaction=False)
    for r in readings:
        script(
            keys=[keys.SCALING_OBSERVED, keys.SCALING_EVENTS],
            args=[
                r.target.name,
                int(read_at * 1000),
                r.target.desired,
                r.target.current,
                f"{read_at:.3f}",
                r.reason,
                SCALING_EVENTS_MAXLEN,
            ],
            client=pipe,
        )
    pipe.execute()


class KubernetesScaling:
    """The HPAs of the namespace, read at most every `cache_seconds` in this process (gunicorn threads
    share it), the changes recorded as events in Redis. On an API error it serves the last good read,
    marked stale, with the error as the message."""

    def __init__(
        self,
        api: KubernetesApi,
        client: redis.Redis,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.client = client
        self.cache_seconds = cache_seconds
        self.clock, self.wall_clock = clock, wall_clock
        self.script = client.register_script(OBSERVE_HPA_LUA)
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self._cached: Scaling | None = None
        self._cached_at = -math.inf
        self._last_good: list[ScalingTarget] = []
        self.reads = 0  # API server reads made (the tests check the cache with it)

    def scaling(self) -> Scaling:
        with self._lock:
            if self._cached is None or self.clock() - self._cached_at >= self.cache_seconds:
                self._cached = self._read()
                self._cached_at = self.clock()
            return self._cached

    def _read(self) -> Scaling:
        read_at = self.wall_clock()
        self.reads += 1
        message = None
        try:
            if self._http is None:
                self._http = self.api.http_client()
            hpas = self.api.list_hpas(self._http)
            readings = [r for r in (_reading_or_none(h, read_at) for h in hpas) if r is not None]
            readings.sort(key=lambda r: r.target.name)
            observe(self.client, self.script, readings, read_at)
            targets = self._last_good = [r.target for r in readings]
            if not targets:
                message = f"no HorizontalPodAutoscaler on CPU or lag in namespace {self.api.namespace}"
        except (httpx.HTTPError, PermissionError, OSError, ValueError, KeyError, TypeError) as e:
            message = f"could not read the HPAs from the Kubernetes API: {e}"
            targets = [t.model_copy(update={"stale": True}) for t in self._last_good]
        return Scaling(
            source="kubernetes",
            message=message,
            targets=targets,
            events=read_events(self.client, keys.SCALING_EVENTS),
        )


def scaling_view(client: redis.Redis, kubernetes: KubernetesScaling | None) -> Scaling:
    """The view: the cluster's HPAs when running in one, else make up's autoscaler, else none."""
    if kubernetes is not None:
        return kubernetes.scaling()
    return local_scaling(client) or Scaling(source="none", message=NO_SOURCE, targets=[], events=[])
