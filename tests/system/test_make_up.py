"""`make up`'s supervisor: starts everything on loopback, prints the URLs, and Ctrl-C leaves nothing running.

As root, the stack runs from a copy of the files it needs inside a folder only root may enter
(0700, like a clone under /root), the case where nginx's workers once could not read the web app.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from tools.redis_server import free_port
from tools.stack import ROOT

pytestmark = pytest.mark.system

# What `python -m tools.stack up` reads from the checkout (the Python packages come from the venv).
NEEDED = ("tools", "frontend/dist", "frontend/nginx", "k8s")  # k8s: redis.conf and the scaling policy


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def listen_addresses(port: int) -> set[str]:
    """Every local address a TCP socket listens on at `port`, IPv4 and IPv6 (from /proc/net)."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc/net prints each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


def checkout_for_the_test(tmp_path: Path) -> Path:
    """The checkout itself, or as root a copy of what make up needs inside a 0700 folder."""
    if os.geteuid() != 0:
        return ROOT
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)  # whatever the umask
    copy = private / "checkout"
    for relative in NEEDED:
        source, target = ROOT / relative, copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return copy


def make_up(checkout: Path, run_dir: Path, env: dict, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tools.stack", "up", "--workers", str(workers), "--run-dir", str(run_dir)],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def free_ports() -> dict[str, str]:
    return {
        name: str(free_port())
        for name in (
            "REDIS_PORT",
            "GATEWAY_PORT",
            "FIRST_WORKER_PORT",
            "GENERATOR_PORT",
            "PROVIDER_PORT",
            "LIVE_PORT",
            "FRONTEND_PORT",
        )
    }


def base_env() -> dict[str, str]:
    # The switches under test start unset, whatever the shell running the tests has.
    return {"HOST": "", "WORKLOAD_TOKEN": "", "MONITORING": ""}


def test_make_up_serves_the_stack_on_loopback_and_ctrl_c_stops_every_process(tmp_path):
    if not (ROOT / "frontend/dist/index.html").exists():
        pytest.fail("frontend/dist is missing: `make frontend` builds it (make test does)")
    checkout = checkout_for_the_test(tmp_path)
    ports = free_ports()
    up = make_up(checkout, tmp_path / "run", {**base_env(), **ports})
    try:
        output = ""
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in output:
            assert up.poll() is None, f"make up exited early:\n{output}{up.stdout.read()}"
            assert time.monotonic() < deadline, output
            output += up.stdout.readline()
        assert f"http://localhost:{ports['FRONTEND_PORT']}" in output
        assert f"http://localhost:{ports['GATEWAY_PORT']}" in output
        assert f"http://localhost:{ports['PROVIDER_PORT']}/ledger" in output
        provider = f"http://127.0.0.1:{ports['PROVIDER_PORT']}"
        assert httpx.get(f"{provider}/ledger").json()["charges"] == []

        web = f"http://127.0.0.1:{ports['FRONTEND_PORT']}"
        assert httpx.get(f"{web}/").status_code == 200  # nginx's workers can read the web app
        assert httpx.get(f"{web}/api/tickets").json()["tickets"]
        assert httpx.get(f"{web}/workload/stats").json()["running"] is False  # the generator waits, idle
        # The live updates through nginx's /live/: an event stream, its first event at once (unbuffered).
        with httpx.stream("GET", f"{web}/live/stock", timeout=10) as live:
            assert live.status_code == 200 and live.headers["content-type"].startswith("text/event-stream")
            lines = live.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: stock"
        # The dashboard's path: control through nginx on loopback needs no token locally.
        started = httpx.post(f"{web}/workload/start", json={"rps": 5, "durationS": 1, "followShare": 0})
        assert started.status_code == 200, started.text
        assert httpx.post(f"{web}/workload/stop").status_code == 200
        elsewhere = httpx.put(f"{web}/workload/config", json={"targetApi": "http://127.0.0.1:1"})
        assert elsewhere.status_code == 403 and elsewhere.json()["field"] == "targetApi"

        # Nothing listens on every interface: each port of the stack is bound to loopback only.
        bound = {name: listen_addresses(int(port)) for name, port in ports.items()}
        assert all(addresses == {"127.0.0.1"} for addresses in bound.values()), bound

        # Redis runs with the one redis.conf of Compose and Kubernetes.
        conf = (ROOT / "k8s/base/redis/redis.conf").read_text()
        policy = re.search(r"^maxmemory-policy\s+(\S+)", conf, re.M).group(1)
        r = redis.Redis(port=int(ports["REDIS_PORT"]), decode_responses=True)
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": policy}
        assert int(r.config_get("maxmemory")["maxmemory"]) > 0
        assert r.config_get("appendonly") == {"appendonly": "yes"}
        r.close()

        up.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        assert up.wait(timeout=60) == 0
        assert "stopped." in up.stdout.read()
        still_up = [name for name, port in ports.items() if listening(int(port))]
        assert not still_up, f"still listening after Ctrl-C: {still_up}"
    finally:
        if up.poll() is None:
            up.kill()


def test_a_busy_port_is_named_before_anything_starts(tmp_path):
    ports = free_ports()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(ports["GATEWAY_PORT"])))
        holder.listen()
        up = make_up(ROOT, tmp_path / "run", {**base_env(), **ports})
        out, _ = up.communicate(timeout=60)
    assert up.returncode == 1, out
    assert f"port {ports['GATEWAY_PORT']} (api gateway) is in use; set GATEWAY_PORT=" in out
    assert "running" not in out
    assert not listening(int(ports["REDIS_PORT"]))  # nothing was started


def test_binding_off_loopback_needs_a_workload_token(tmp_path):
    ports = free_ports()
    up = make_up(ROOT, tmp_path / "run", {**base_env(), **ports, "HOST": "0.0.0.0"})
    out, _ = up.communicate(timeout=60)
    assert up.returncode == 1, out
    assert "HOST=0.0.0.0" in out and "set WORKLOAD_TOKEN" in out
    assert not any(listening(int(port)) for port in ports.values())
