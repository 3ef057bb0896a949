"""docker-compose.yml: valid against the Compose specification, and `docker compose up` is the whole story."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from manifest_lib import ROOT, SERVICE_PORTS, SERVICES, load_yaml

pytestmark = pytest.mark.manifests

COMPOSE_PATH = ROOT / "docker-compose.yml"


def compose_schema() -> dict:
    """The Compose specification's JSON schema, as vendored by check-jsonschema (PyPI)."""
    try:
        import check_jsonschema
    except ImportError:
        pytest.fail(
            "check-jsonschema is not installed: pip install check-jsonschema==0.39.0 (requirements-dev.txt)",
            pytrace=False,
        )
    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(path.read_text())


def validate(document: dict) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(compose_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE_PATH)


def test_the_compose_file_validates_against_the_compose_specification(compose):
    assert validate(compose) == []


def test_the_compose_schema_rejects_a_misspelt_key(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["order-worker"]["deploy"]["replicaz"] = 2
    assert any("replicaz" in error for error in validate(broken))


# Started only by `docker compose --profile monitoring up` (docs/monitoring.md).
MONITORING = {"prometheus", "grafana"}
MONITORING_DIR = "./k8s/components/monitoring"


def default_services(compose: dict) -> set[str]:
    return {name for name, service in compose["services"].items() if not service.get("profiles")}


def test_compose_runs_redis_and_every_service(compose):
    assert default_services(compose) == {"redis", *SERVICES}


def test_the_monitoring_profile_adds_prometheus_and_grafana_and_is_off_by_default(compose):
    services = compose["services"]
    assert set(services) - default_services(compose) == MONITORING
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"], name
    # Nothing started by default waits for them (Compose would start them for it).
    for name in default_services(compose):
        assert not MONITORING & set(services[name].get("depends_on", {})), name


def mounts(service: dict) -> dict[str, str]:
    """container path -> host path of a service's bind mounts, each read-only."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        if source.startswith("."):
            assert mode == ["ro"], f"{volume} is not read-only"
            found[target] = source
    return found


def test_prometheus_mounts_the_canonical_rule_file_where_its_config_loads_it(compose):
    prometheus = compose["services"]["prometheus"]
    mounted = mounts(prometheus)
    config_path = next(a.split("=", 1)[1] for a in prometheus["command"] if a.startswith("--config.file="))
    assert mounted[config_path] == f"{MONITORING_DIR}/compose/prometheus.yml"
    config = load_yaml(ROOT / mounted[config_path])
    assert config["rule_files"] and all(
        mounted[path] == f"{MONITORING_DIR}/rules/ticketing.rules.yml" for path in config["rule_files"]
    )
    # Its data on a named volume: the root filesystem is read-only.
    assert (
        "prometheus-data:/prometheus" in prometheus["volumes"]
        and "--storage.tsdb.path=/prometheus" in prometheus["command"]
    )


def test_grafana_is_provisioned_with_the_canonical_dashboard_and_the_compose_prometheus(compose):
    services = compose["services"]
    grafana = services["grafana"]
    mounted = mounts(grafana)
    dashboards = [t for t, s in mounted.items() if s == f"{MONITORING_DIR}/grafana/ticketing.json"]
    assert len(dashboards) == 1
    providers = [t for t in mounted if t.startswith("/etc/grafana/provisioning/dashboards/")]
    (provider,) = load_yaml(ROOT / mounted[providers[0]])["providers"]
    assert provider["type"] == "file" and dashboards[0].rpartition("/")[0] == provider["options"]["path"]
    sources = [t for t in mounted if t.startswith("/etc/grafana/provisioning/datasources/")]
    (datasource,) = load_yaml(ROOT / mounted[sources[0]])["datasources"]
    assert datasource["type"] == "prometheus" and datasource["isDefault"] is True
    port = services["prometheus"]["ports"][0].rsplit(":", 1)[1]
    assert datasource["url"] == f"http://prometheus:{port}"
    assert grafana["depends_on"] == {"prometheus": {"condition": "service_healthy"}}
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"] == dashboards[0]


def test_the_monitoring_services_are_pinned_non_root_and_published_on_loopback_only(compose):
    for name in MONITORING:
        service = compose["services"][name]
        image, _, tag = service["image"].rpartition(":")
        assert image and re.fullmatch(r"v?\d+\.\d+\.\d+", tag), f"{name}: pin an exact version, not {tag!r}"
        uid = service["user"].split(":")[0]
        assert uid.isdigit() and int(uid) != 0, f"{name} runs as {service['user']}"
        assert service["ports"] and all(p.startswith("127.0.0.1:") for p in service["ports"]), name


def test_everything_compose_refers_to_exists(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file(), name
        for env_file in service.get("env_file", []):
            assert (ROOT / env_file).is_file(), f"{name}: {env_file}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in compose.get("volumes", {}), f"{name}: named volume {source} is not declared"


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies(compose):
    services = compose["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
    assert "redis" in services["api-gateway"]["depends_on"] and "redis" in services["order-worker"]["depends_on"]
    assert "api-gateway" in services["workload-generator"]["depends_on"]
    assert "redis" in services["payment-provider"]["depends_on"]
    assert {"api-gateway", "workload-generator", "live-updates"} <= set(services["frontend"]["depends_on"])
    assert "redis" in services["live-updates"]["depends_on"]


def test_two_workers_run_each_under_its_own_consumer_name(compose):
    worker = compose["services"]["order-worker"]
    assert worker["deploy"]["replicas"] == 2
    # A fixed container_name would make a second replica impossible; a fixed CONSUMER_NAME
    # would make both share one pending list.
    assert "container_name" not in worker
    assert "CONSUMER_NAME" not in (worker.get("environment") or {})


def test_redis_keeps_its_append_only_file_on_a_named_volume(compose):
    redis = compose["services"]["redis"]
    assert "redis-data:/data" in redis["volumes"]
    assert "redis-data" in compose["volumes"]
    command = " ".join(redis["command"])
    assert "/usr/local/etc/redis/redis.conf" in command and "--appendfsync" in command
    mounted = [v for v in redis["volumes"] if v.endswith(":/usr/local/etc/redis/redis.conf:ro")]
    assert mounted and "appendonly yes" in (ROOT / mounted[0].split(":")[0]).read_text()


def test_the_frontend_is_published_on_port_8080_of_loopback(compose):
    assert compose["services"]["frontend"]["ports"] == ["${FRONTEND_BIND:-127.0.0.1}:${FRONTEND_PORT:-8080}:8080"]


def test_services_run_hardened_like_their_pods(compose):
    for name, service in compose["services"].items():
        assert service.get("read_only") is True, name
        assert service.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert "/tmp" in service.get("tmpfs", []), name
    assert "/etc/nginx/conf.d" in compose["services"]["frontend"]["tmpfs"]


def test_compose_stop_grace_matches_kubernetes(compose):
    statefulset_or_deployment = {
        "api-gateway": "k8s/base/api-gateway/deployment.yaml",
        "order-worker": "k8s/base/order-worker/deployment.yaml",
        "workload-generator": "k8s/base/workload-generator/deployment.yaml",
        "payment-provider": "k8s/base/payment-provider/deployment.yaml",
        "live-updates": "k8s/base/live-updates/deployment.yaml",
        "frontend": "k8s/base/frontend/deployment.yaml",
    }
    for service, path in statefulset_or_deployment.items():
        grace = load_yaml(ROOT / path)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert compose["services"][service]["stop_grace_period"] == f"{grace}s", service


def test_healthchecks_probe_the_service_ports(compose):
    for service, port in SERVICE_PORTS.items():
        test = " ".join(compose["services"][service]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/" in test, service
