"""docker-compose.yml: valid against the Compose specification, and `docker compose up` is the whole story."""

from __future__ import annotations

import copy
import json
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


def test_compose_runs_redis_and_every_service(compose):
    assert set(compose["services"]) == {"redis", *SERVICES}


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
    assert {"api-gateway", "workload-generator"} <= set(services["frontend"]["depends_on"])


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
        "frontend": "k8s/base/frontend/deployment.yaml",
    }
    for service, path in statefulset_or_deployment.items():
        grace = load_yaml(ROOT / path)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert compose["services"][service]["stop_grace_period"] == f"{grace}s", service


def test_healthchecks_probe_the_service_ports(compose):
    for service, port in SERVICE_PORTS.items():
        test = " ".join(compose["services"][service]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/" in test, service
