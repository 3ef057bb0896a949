"""GET /system/scaling: make up's autoscaler read from Redis; in a cluster, the HPAs read from a fake
Kubernetes API server (a local HTTP server on 127.0.0.1 serving HPA JSON), events synthesised in Redis."""

from __future__ import annotations

import copy
import json
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from api_gateway import scaling
from api_gateway.app import create_app
from api_gateway.scaling import KubernetesApi, KubernetesScaling, hpa_reading, quantity
from api_gateway.settings import GatewaySettings
from ticketing_common import keys

NAMESPACE = "ticketing"
HPA_PATH = f"/apis/autoscaling/v2/namespaces/{NAMESPACE}/horizontalpodautoscalers"
TOKEN = "sa-token-for-tests"


def gateway_hpa(current=2, desired=2, cpu=35):
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "api-gateway", "namespace": NAMESPACE},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api-gateway"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
                }
            ],
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": cpu}}}
            ],
            "conditions": [{"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange"}],
        },
    }


def keda_hpa(current=2, desired=2, per_pod="206", limited=None):
    """The HPA KEDA makes for the workers' ScaledObject: an external metric, averaged per pod."""
    metric = {
        "name": "s0-redis-streams-ticketing:orders",
        "selector": {"matchLabels": {"scaledobject": "order-worker"}},
    }
    condition = {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange"}
    if limited:
        condition = {"type": "ScalingLimited", "status": "True", "reason": limited}
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda-hpa-order-worker", "namespace": NAMESPACE},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "order-worker"},
            "minReplicas": 2,
            "maxReplicas": 12,
            "metrics": [
                {
                    "type": "External",
                    "external": {"metric": metric, "target": {"type": "AverageValue", "averageValue": "50"}},
                }
            ],
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": [
                {"type": "External", "external": {"metric": metric, "current": {"averageValue": per_pod}}}
            ],
            "conditions": [condition],
        },
    }


class FakeApiServer:
    """Serves `hpas` at the HPA list path of NAMESPACE; records each request's path and Authorization."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.hpas: list[dict] = []
        self.status = 200
        self.requests: list[tuple[str, str | None]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.requests.append((self.path, self.headers.get("Authorization")))
                if self.path != HPA_PATH:
                    self._send(404, {"kind": "Status", "code": 404})
                elif fake.status != 200:
                    self._send(fake.status, {"kind": "Status", "code": fake.status})
                else:
                    self._send(200, {"kind": "HorizontalPodAutoscalerList", "items": copy.deepcopy(fake.hpas)})

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api_server():
    server = FakeApiServer()
    yield server
    server.close()


@pytest.fixture
def api(api_server, tmp_path) -> KubernetesApi:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    return KubernetesApi(f"http://127.0.0.1:{api_server.port}", NAMESPACE, token, None)


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def reader(api, client, clock=None, wall=None) -> KubernetesScaling:
    return KubernetesScaling(api, client, clock=clock or Clock(), wall_clock=wall or (lambda: 1_800_000_000.0))


# --- no source, and the local autoscaler ------------------------------------------------------------------


def test_without_an_autoscaler_or_a_cluster_the_source_is_none_and_says_why(client):
    body = client.get("/system/scaling").get_json()
    assert body["source"] == "none" and body["targets"] == [] and body["events"] == []
    assert "no autoscaler has published state" in body["message"]


@pytest.mark.integration
def test_the_view_shows_what_make_ups_autoscaler_published(real_client, real_redis):
    from tools.autoscaler.controller import Autoscaler
    from tools.autoscaler.policy import WORKER, Settings, load_policy

    class Pool:
        running = 2

        def replicas(self):
            return self.running

        def scale_to(self, n):
            self.running = n
            return n

        def pids(self):
            return []

    # A lag of 412: the keda overlay's policy takes the pool 2 -> 6 (ScaleUpLimit: at most +4 per period).
    real_redis.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    for i in range(412):
        real_redis.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: f"o{i}"})
    wall = Clock(scaling.time.time())
    scaler = Autoscaler(
        load_policy(Settings(True, "keda", 0.1)), {WORKER: Pool()}, real_redis, wall_clock=wall, log=lambda _: None
    )
    scaler.tick()

    body = real_client.get("/system/scaling").get_json()
    assert body["source"] == "local-autoscaler" and body["message"] is None
    [target] = body["targets"]
    assert target == {
        "name": "order-worker",
        "current": 6,
        "desired": 6,
        "min": 2,
        "max": 12,
        "metric": "lag",
        "metricValue": 412.0,
        "target": 50.0,
        "overlay": "keda",
        "timeScale": 0.1,
        "stale": False,
        "updatedAt": scaling.iso(round(wall.now, 3)),
    }
    [event] = body["events"]
    assert event == {
        "time": scaling.iso(round(wall.now, 3)),
        "target": "order-worker",
        "from": 2,
        "to": 6,
        "reason": "lag 412 > 50 per worker (ScaleUpLimit)",
    }


def local_state(updated_at: float, **extra) -> str:
    state = {"current": 3, "desired": 4, "min": 2, "max": 12, "metric": "lag", "metricValue": None, "target": 50.0}
    return json.dumps({**state, "overlay": "keda", "timeScale": 1.0, "updatedAt": updated_at, **extra})


def test_local_state_is_stale_after_ten_seconds_or_two_syncs_whichever_is_longer(fake_redis):
    fake_redis.hset(keys.AUTOSCALER_STATE, "fresh", local_state(995.0))
    fake_redis.hset(keys.AUTOSCALER_STATE, "old", local_state(989.0))
    fake_redis.hset(keys.AUTOSCALER_STATE, "slow-sync-fresh", local_state(975.0, syncPeriodS=15.0))
    fake_redis.hset(keys.AUTOSCALER_STATE, "slow-sync-old", local_state(969.0, syncPeriodS=15.0))
    view = scaling.local_scaling(fake_redis, now=1000.0)
    assert view is not None
    stale = {t.name: t.stale for t in view.targets}
    assert stale == {"fresh": False, "old": True, "slow-sync-fresh": False, "slow-sync-old": True}
    assert view.targets[0].metricValue is None


def test_unreadable_local_state_and_events_are_left_out_never_a_500(client, fake_redis):
    fake_redis.hset(keys.AUTOSCALER_STATE, "order-worker", local_state(scaling.time.time()))
    fake_redis.hset(keys.AUTOSCALER_STATE, "broken", "{not json")
    fake_redis.xadd(
        keys.AUTOSCALER_EVENTS, {"time": "1000.5", "target": "order-worker", "from": 2, "to": 4, "reason": "r"}
    )
    fake_redis.xadd(keys.AUTOSCALER_EVENTS, {"time": "soon", "target": "order-worker"})
    r = client.get("/system/scaling")
    assert r.status_code == 200
    body = r.get_json()
    assert [t["name"] for t in body["targets"]] == ["order-worker"]
    assert body["message"] == "unreadable state for broken"
    assert body["events"] == [
        {"time": "1970-01-01T00:16:40.500Z", "target": "order-worker", "from": 2, "to": 4, "reason": "r"}
    ]


def test_only_the_last_fifty_events_are_shown_oldest_first(fake_redis):
    fake_redis.hset(keys.AUTOSCALER_STATE, "order-worker", local_state(1000.0))
    for i in range(60):
        fake_redis.xadd(
            keys.AUTOSCALER_EVENTS, {"time": 1000 + i, "target": "order-worker", "from": i, "to": i + 1, "reason": "r"}
        )
    view = scaling.local_scaling(fake_redis, now=1000.0)
    assert view is not None
    assert [e.from_ for e in view.events] == list(range(10, 60))


# --- Kubernetes ------------------------------------------------------------------------------------------


def test_quantities_are_read_as_kubernetes_writes_them():
    assert quantity("50") == 50 and quantity("412500m") == 412.5 and quantity("1k") == 1000
    assert quantity("2Ki") == 2048 and quantity("1e3") == 1000 and quantity(7) == 7
    with pytest.raises(ValueError):
        quantity("fifty")


@pytest.mark.integration
def test_the_hpas_are_read_with_the_token_and_look_like_the_local_targets(api, api_server, real_redis):
    api_server.hpas = [keda_hpa(), gateway_hpa()]
    view = reader(api, real_redis).scaling()
    assert api_server.requests == [(HPA_PATH, f"Bearer {TOKEN}")]
    assert view.source == "kubernetes" and view.message is None and view.events == []
    gateway, worker = view.targets  # by name
    assert gateway.model_dump(by_alias=True) == {
        "name": "api-gateway",
        "current": 2,
        "desired": 2,
        "min": 2,
        "max": 10,
        "metric": "cpu",
        "metricValue": 35.0,
        "target": 60.0,
        "overlay": None,
        "timeScale": None,
        "stale": False,
        "updatedAt": "2027-01-15T08:00:00.000Z",
    }
    assert (worker.name, worker.metric, worker.metricValue, worker.target) == ("order-worker", "lag", 412.0, 50.0)
    assert (worker.min, worker.max) == (2, 12)


@pytest.mark.integration
def test_reads_are_cached_for_two_seconds_per_process(api, api_server, real_redis):
    api_server.hpas = [gateway_hpa()]
    clock = Clock()
    k8s = reader(api, real_redis, clock=clock)
    for _ in range(5):
        k8s.scaling()
    clock.now = 1.9
    k8s.scaling()
    assert len(api_server.requests) == 1
    clock.now = 2.0
    k8s.scaling()
    assert len(api_server.requests) == 2 and k8s.reads == 2


@pytest.mark.integration
def test_a_change_of_desired_replicas_is_one_event_that_every_replica_shows(api, api_server, real_redis):
    clock, wall = Clock(), Clock(1_800_000_000.0)
    replicas = [reader(api, real_redis, clock=clock, wall=wall) for _ in range(2)]  # two gateway pods
    api_server.hpas = [keda_hpa(current=2, desired=2, per_pod="10")]
    for replica in replicas:
        assert replica.scaling().events == []  # a first sight is no change

    # The HPA decides 2 -> 6 (limited by its scale-up policy); both replicas read it.
    api_server.hpas = [keda_hpa(current=2, desired=6, per_pod="206", limited="ScaleUpLimit")]
    clock.now, wall.now = 2.0, wall.now + 2
    views = [replica.scaling() for replica in replicas]
    expected = {
        "time": "2027-01-15T08:00:02.000Z",
        "target": "order-worker",
        "from": 2,
        "to": 6,
        "reason": "lag 412 > 50 per worker (ScaleUpLimit)",
    }
    for view in views:
        assert [e.model_dump(by_alias=True) for e in view.events] == [expected]

    # Pods created: current catches up, desired unchanged: no new event. Then the lag drains: 6 -> 3.
    api_server.hpas = [keda_hpa(current=6, desired=6, per_pod="0")]
    clock.now, wall.now = 4.0, wall.now + 2
    replicas[0].scaling()
    api_server.hpas = [keda_hpa(current=6, desired=3, per_pod="0")]
    clock.now, wall.now = 6.0, wall.now + 2
    events = replicas[1].scaling().events
    assert [(e.from_, e.to, e.reason) for e in events] == [(2, 6, expected["reason"]), (6, 3, "lag 0 < 50 per worker")]
    assert real_redis.xlen(keys.SCALING_EVENTS) == 2


@pytest.mark.integration
def test_an_older_read_finishing_late_never_rewinds_the_timeline(real_redis):
    script = real_redis.register_script(scaling.OBSERVE_HPA_LUA)
    now = 1_800_000_000.0
    newer = hpa_reading(keda_hpa(current=2, desired=6), now + 1)
    older = hpa_reading(keda_hpa(current=2, desired=2), now)
    first = hpa_reading(keda_hpa(current=2, desired=2), now - 1)
    assert newer and older and first
    scaling.observe(real_redis, script, [first], now - 1)
    scaling.observe(real_redis, script, [newer], now + 1)
    scaling.observe(real_redis, script, [older], now)  # started before the newer read: old news
    assert [(f["from"], f["to"]) for _, f in real_redis.xrange(keys.SCALING_EVENTS)] == [("2", "6")]
    assert json.loads(real_redis.hget(keys.SCALING_OBSERVED, "order-worker"))["desired"] == 6


@pytest.mark.integration
def test_a_refused_read_names_the_role_and_a_failed_one_keeps_the_last_targets_marked_stale(
    api, api_server, real_redis
):
    clock = Clock()
    api_server.status = 403
    k8s = reader(api, real_redis, clock=clock)
    view = k8s.scaling()
    assert view.source == "kubernetes" and view.targets == []
    assert view.message and "403" in view.message and "api-gateway-hpa-reader" in view.message

    api_server.status, api_server.hpas = 200, [gateway_hpa()]
    clock.now = 2
    assert [t.stale for t in k8s.scaling().targets] == [False]
    api_server.status = 500
    clock.now = 4
    view = k8s.scaling()
    assert [(t.name, t.stale) for t in view.targets] == [("api-gateway", True)]
    assert view.message and view.message.startswith("could not read the HPAs from the Kubernetes API")


@pytest.mark.integration
def test_an_unreachable_api_server_is_a_message_not_a_500(real_client, real_redis, tmp_path):
    token = tmp_path / "token"
    token.write_text(TOKEN)
    dead = KubernetesApi("http://127.0.0.1:9", NAMESPACE, token, None)  # port 9 (discard): nothing listens
    real_client.application.extensions["ticketing"].kubernetes = KubernetesScaling(dead, real_redis)
    r = real_client.get("/system/scaling")
    assert r.status_code == 200
    body = r.get_json()
    assert body["source"] == "kubernetes" and body["targets"] == [] and "could not read" in body["message"]


@pytest.mark.integration
def test_in_a_cluster_the_route_serves_the_hpas_rather_than_any_local_state(api, api_server, real_client, real_redis):
    real_redis.hset(keys.AUTOSCALER_STATE, "order-worker", local_state(1000.0))
    api_server.hpas = [gateway_hpa(current=3, desired=4, cpu=95)]
    real_client.application.extensions["ticketing"].kubernetes = KubernetesScaling(api, real_redis)
    body = real_client.get("/v1/system/scaling").get_json()
    assert body["source"] == "kubernetes" and body["message"] is None
    assert [(t["name"], t["current"], t["desired"], t["metricValue"]) for t in body["targets"]] == [
        ("api-gateway", 3, 4, 95.0)
    ]


def test_an_hpa_on_neither_cpu_nor_an_external_metric_is_left_out():
    hpa = gateway_hpa()
    hpa["spec"]["metrics"] = [
        {
            "type": "Resource",
            "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 70}},
        }
    ]
    assert hpa_reading(hpa, 0) is None
    del hpa["spec"]["metrics"]  # no metrics: autoscaling/v2 scales on CPU at 80 %
    reading = hpa_reading(hpa, 0)
    assert reading is not None and reading.target.metric == "cpu" and reading.target.target == 80


@pytest.mark.integration
def test_an_hpa_the_view_cannot_read_is_left_out_and_the_others_shown(api, api_server, real_redis):
    broken = gateway_hpa()
    del broken["spec"]["maxReplicas"]
    api_server.hpas = [broken, keda_hpa(), "not an object"]
    view = reader(api, real_redis).scaling()
    assert [t.name for t in view.targets] == ["order-worker"] and view.message is None


def test_an_hpa_not_yet_measured_has_no_metric_value():
    hpa = keda_hpa()
    hpa["status"] = {"currentReplicas": 2, "desiredReplicas": 2}
    reading = hpa_reading(hpa, 0)
    assert reading is not None and reading.target.metricValue is None and reading.reason == "lag not measured yet"


# --- where the gateway finds the API server ---------------------------------------------------------------


def service_account(tmp_path: Path, token: bool = True) -> Path:
    folder = tmp_path / "serviceaccount"
    folder.mkdir(parents=True)
    (folder / "namespace").write_text(NAMESPACE)
    (folder / "ca.crt").write_text("")
    if token:
        (folder / "token").write_text(TOKEN)
    return folder


def test_in_a_pod_the_api_server_namespace_token_and_ca_come_from_the_service_account(tmp_path):
    folder = service_account(tmp_path)
    api = KubernetesApi.in_cluster("10.96.0.1", 443, folder)
    assert api == KubernetesApi("https://10.96.0.1:443", NAMESPACE, folder / "token", folder / "ca.crt")
    assert KubernetesApi.in_cluster("fd00::1", 6443, folder).base_url == "https://[fd00::1]:6443"  # type: ignore[union-attr]


def test_outside_a_pod_or_without_a_mounted_token_there_is_no_kubernetes_source(tmp_path):
    assert KubernetesApi.in_cluster(None, 443, service_account(tmp_path)) is None
    assert KubernetesApi.in_cluster("10.96.0.1", 443, service_account(tmp_path / "x", token=False)) is None


def test_the_gateway_reads_the_hpas_only_when_kubernetes_set_its_host_and_mounted_a_token(
    tmp_path, settings, fake_redis, monkeypatch
):
    monkeypatch.setattr(scaling, "SERVICE_ACCOUNT_DIR", service_account(tmp_path))
    assert create_app(settings, fake_redis).extensions["ticketing"].kubernetes is None
    # KUBERNETES_SERVICE_HOST and _PORT, as Kubernetes sets them in every pod.
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    in_pod = GatewaySettings(
        catalogue_path=settings.catalogue_path, stock_check_interval_seconds=0, room_tick_interval_seconds=0
    )
    kubernetes = create_app(in_pod, fake_redis).extensions["ticketing"].kubernetes
    assert kubernetes is not None and kubernetes.api.base_url == "https://10.96.0.1:6443"
    assert kubernetes.api.namespace == NAMESPACE


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a CA")
def test_over_https_the_server_is_verified_against_the_service_account_ca(tmp_path, real_redis):
    cert, key = tmp_path / "ca.crt", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = FakeApiServer(context)
    server.hpas = [gateway_hpa()]
    try:
        token = tmp_path / "token"
        token.write_text(TOKEN)
        trusted = KubernetesApi(f"https://127.0.0.1:{server.port}", NAMESPACE, token, cert)
        assert [t.name for t in reader(trusted, real_redis).scaling().targets] == ["api-gateway"]
        other_ca = tmp_path / "other.crt"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=other",
             "-keyout", str(tmp_path / "other.key"), "-out", str(other_ca)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        untrusted = KubernetesApi(f"https://127.0.0.1:{server.port}", NAMESPACE, token, other_ca)
        view = reader(untrusted, real_redis).scaling()
        assert view.targets == [] and view.message and "CERTIFICATE_VERIFY_FAILED" in view.message
    finally:
        server.close()
