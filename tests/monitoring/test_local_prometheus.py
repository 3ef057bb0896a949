"""`MONITORING=1 make up`: the Prometheus it adds, its config, and the switch itself."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

from tools import stack
from tools.redis_server import free_port


def test_the_generated_config_scrapes_the_contract_jobs_and_passes_promtool(tmp_path):
    ports = stack.Ports(workers=(8001, 8011, 8021))
    config = tmp_path / "prometheus.yml"
    config.write_text(stack.prometheus_config(ports, "0.0.0.0"))
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: tools/install-system-deps.sh prometheus installs it (make test does)"
    check = subprocess.run([exe, "check", "config", str(config)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 15 rules found" in check.stdout  # the shared rule file, loaded
    jobs = {c["job_name"]: c["static_configs"][0]["targets"] for c in json.loads(config.read_text())["scrape_configs"]}
    assert jobs == {
        "api-gateway": ["127.0.0.1:8000"],
        "order-worker": ["127.0.0.1:8001", "127.0.0.1:8011", "127.0.0.1:8021"],
        "workload-generator": ["127.0.0.1:9000"],
        "payment-provider": ["127.0.0.1:8002"],
        "live-updates": ["127.0.0.1:8003"],
    }


def test_prometheus_is_off_by_default_and_on_loopback_whatever_host_says(tmp_path):
    assert "prometheus" not in [s.name for s in stack.local_stack(tmp_path, stack.Ports())]
    services = stack.local_stack(tmp_path, stack.Ports(prometheus=9123), host="0.0.0.0", monitoring=True)
    [prometheus] = [s for s in services if s.name == "prometheus"]
    assert "--web.listen-address=127.0.0.1:9123" in prometheus.argv


def make_up(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("MONITORING", "HOST", "WORKLOAD_TOKEN")}
    ports = {
        "REDIS_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "FIRST_WORKER_PORT": str(free_port()),
        "GENERATOR_PORT": str(free_port()),
        "PROVIDER_PORT": str(free_port()),
        "FRONTEND_PORT": str(free_port()),
    }
    return subprocess.run(
        [sys.executable, "-m", "tools.stack", "up", "--run-dir", env.pop("RUN_DIR")],
        env={**base, **ports, **env},
        cwd=stack.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_monitoring_value_stops_make_up_with_one_line_before_anything_starts(tmp_path):
    result = make_up(MONITORING="maybe", RUN_DIR=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == "make up: MONITORING must be 1 or 0 (got 'maybe')"
    assert not (tmp_path / "logs").exists()


def test_make_up_names_the_prometheus_port_when_it_is_taken(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = make_up(MONITORING="1", PROMETHEUS_PORT=str(port), RUN_DIR=str(tmp_path))
    assert result.returncode == 1
    assert f"port {port} (prometheus) is in use; set PROMETHEUS_PORT=" in result.stderr
