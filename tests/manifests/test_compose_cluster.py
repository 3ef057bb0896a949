"""docker-compose.cluster.yml: the override that runs the stack on a Redis Cluster (3 masters +
3 replicas), checked alone and merged onto docker-compose.yml as `docker compose -f ... -f ...` does."""

from __future__ import annotations

import copy
import subprocess

import pytest
from manifest_lib import PYTHON_SERVICES, ROOT, load_yaml
from test_compose import validate

pytestmark = pytest.mark.manifests

BASE = ROOT / "docker-compose.yml"
OVERRIDE = ROOT / "docker-compose.cluster.yml"
NODES = ["redis", *(f"redis-node-{i}" for i in range(1, 6))]
INIT = "redis-cluster-init"


def merge(base: object, override: object, key: str = "") -> object:
    """Compose's merge for what these files use: mappings key by key; `volumes` of a service by
    container path; any other sequence (command, entrypoint, ...) replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for k, v in override.items():
            merged[k] = merge(base[k], v, k) if k in base else copy.deepcopy(v)
        return merged
    if key == "volumes" and isinstance(base, list) and isinstance(override, list):
        by_target = {v.split(":")[1]: v for v in base}
        by_target |= {v.split(":")[1]: v for v in override}
        return list(by_target.values())
    return copy.deepcopy(override)


@pytest.fixture(scope="module")
def override() -> dict:
    return load_yaml(OVERRIDE)


@pytest.fixture(scope="module")
def merged(override) -> dict:
    return merge(load_yaml(BASE), override)


def redis_clients(compose: dict) -> list[str]:
    """The services whose settings name a Redis (REDIS_URL in their env file)."""
    found = []
    for name, service in compose["services"].items():
        for env_file in service.get("env_file", []):
            if "REDIS_URL=" in (ROOT / env_file).read_text():
                found.append(name)
    return found


def test_the_override_and_the_merged_file_validate_against_the_compose_specification(override, merged):
    assert validate(override) == []
    assert validate(merged) == []


def test_six_cluster_nodes_each_with_its_own_volume_the_shared_conf_and_the_aof_policy(merged):
    services = merged["services"]
    assert [n for n in services if n in NODES] == NODES
    volumes = set()
    for name in NODES:
        node = services[name]
        command = node["command"]
        assert command[:2] == ["redis-server", "/usr/local/etc/redis/redis.conf"], name
        flags = dict(zip(command[2::2], command[3::2], strict=True))
        assert flags["--cluster-enabled"] == "yes" and flags["--cluster-config-file"] == "nodes.conf", name
        assert flags["--appendfsync"] == "${REDIS_APPENDFSYNC:-everysec}", name
        assert flags["--cluster-announce-hostname"] == name, name  # the name clients are redirected to
        assert flags["--cluster-preferred-endpoint-type"] == "hostname", name
        data = [v for v in node["volumes"] if v.endswith(":/data")]
        assert len(data) == 1, name
        volumes.add(data[0].split(":")[0])
        assert "./k8s/base/redis/redis.conf:/usr/local/etc/redis/redis.conf:ro" in node["volumes"], name
    assert len(volumes) == 6 and volumes <= set(merged["volumes"])
    assert "appendonly yes" in (ROOT / "k8s/base/redis/redis.conf").read_text()


def test_the_bootstrap_runs_once_after_every_node_is_healthy_and_creates_three_masters_with_a_replica_each(merged):
    init = merged["services"][INIT]
    assert init["restart"] == "no"
    assert init["depends_on"] == {n: {"condition": "service_healthy"} for n in NODES}
    script = init["command"][0]
    assert "--cluster create" in script and "--cluster-replicas 1" in script and "--cluster-yes" in script
    for name in NODES:
        assert f"{name}:6379" in script, name
    # Created only on fresh nodes; a restart finds the slots assigned and only waits for ok.
    assert "cluster_slots_assigned:0" in script and "cluster_state:ok" in script


def test_the_bootstrap_script_is_valid_shell():
    script = load_yaml(OVERRIDE)["services"][INIT]["command"][0].replace("$$", "$")  # Compose's escape
    proc = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_redis_client_is_told_cluster_and_three_shards_and_waits_for_the_bootstrap(merged):
    clients = redis_clients(merged)
    assert set(clients) == set(PYTHON_SERVICES) - {"workload-generator"}
    for name in clients:
        service = merged["services"][name]
        assert service["environment"]["REDIS_CLUSTER"] == "true", name
        assert service["environment"]["REDIS_SHARDS"] == "3", name
        assert service["depends_on"][INIT] == {"condition": "service_completed_successfully"}, name
        assert service["build"], f"{name}: the override must keep the base file's build"
    # The base's other settings of those services survive the merge.
    assert "ADMIN_TOKEN" in merged["services"]["api-gateway"]["environment"]
    assert "WORKER_PAYMENT_PROVIDER_TOKEN" in merged["services"]["order-worker"]["environment"]


def test_the_new_containers_run_hardened_and_non_root(merged):
    for name in [*NODES, INIT]:
        service = merged["services"][name]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
        assert "/tmp" in service["tmpfs"], name
        assert service["user"].split(":")[0] not in ("0", "root"), name
        assert "ports" not in service, f"{name}: the cluster is reached on the Compose network only"
        assert service["image"] == merged["services"]["redis"]["image"], name
