"""The generator as a process: settings checked first, the service on uvicorn, and the CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(**overrides) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TARGET_", "WORKLOAD_")) and k not in ("HOST", "WEB_CONCURRENCY")
    }
    base.update(overrides)
    return base


def generator(*args: str) -> list[str]:
    return [sys.executable, "-m", "workload_generator", *args]


@pytest.mark.parametrize(
    "name, value",
    [
        ("TARGET_RPS", "abc"),
        ("TARGET_API", "ftp://gateway"),
        ("WORKLOAD_MAX_IN_FLIGHT", "0"),
        ("PORT", "70000"),
        ("WORKLOAD_PROFILE", '{"kind": "ramp"}'),
        ("WORKLOAD_ALLOWED_TARGETS", "http://ok:8000,ftp://nope"),
    ],
)
def test_a_bad_setting_stops_the_service_with_a_one_line_reason(name, value):
    done = subprocess.run(generator(), env=env(**{name: value}), capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("workload-generator: bad configuration: ")
    assert name in lines[0]


def listening_on(port: int) -> set[str]:
    """The local addresses a TCP socket listens on at `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_the_service_serves_the_control_api_with_json_logs_and_stops_on_sigterm(gateway):
    port = free_port()
    # WEB_CONCURRENCY, which a platform or a shell may set, is not uvicorn's worker count here.
    proc = subprocess.Popen(
        generator(),
        env=env(PORT=str(port), TARGET_API=gateway.url, TARGET_RPS="20", WEB_CONCURRENCY="3"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "the service did not come up"
            time.sleep(0.1)
        assert listening_on(port) == {"127.0.0.1"}  # loopback unless HOST says otherwise
        started = httpx.post(f"{base}/start", timeout=10)
        assert started.status_code == 200 and started.json()["config"]["rps"] == 20
        time.sleep(1.0)
        stats = httpx.get(f"{base}/stats", timeout=5).json()
        assert stats["running"] is True and stats["requests"]["succeeded"] > 0
        assert httpx.post(f"{base}/stop", timeout=10).json()["running"] is False
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    # uvicorn re-raises SIGTERM after its graceful shutdown, so the exit status names the signal.
    assert proc.returncode in (0, -signal.SIGTERM), err
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # every stdout line is JSON
    messages = [line["msg"] for line in lines]
    assert "load started" in messages
    assert "Application shutdown complete." in messages  # a graceful stop, not a kill
    assert all(line["service"] == "workload-generator" for line in lines)
    assert gateway.order_count() > 0


def test_cli_run_sends_a_bounded_load_and_prints_a_summary(gateway):
    done = subprocess.run(
        generator(
            "run",
            "--target",
            gateway.url,
            "--rps",
            "20",
            "--duration",
            "1.5",
            "--follow-share",
            "1",
            "--decision-wait",
            "5",
        ),
        env=env(WORKLOAD_SCHEDULE_SLACK_MS="1000"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"target 20\.0/s\s+sent \d+", out)  # a progress line
    assert "Summary" in out
    summary = out[out.index("Summary") :]
    sent = int(re.search(r"^sent\s+(\d+)$", summary, re.M).group(1))
    dropped = int(re.search(r"^dropped\s+(\d+)", summary, re.M).group(1))
    assert sent == gateway.order_count() >= 20
    assert sent + dropped == 30  # 20 rps for 1.5 s
    assert re.search(r"^by status\s+201: \d+", summary, re.M)
    assert re.search(r"^latency ms\s+p50 [\d.]+\s+p90", summary, re.M)
    assert re.search(r"^decisions\s+followed \d+: confirmed \d+", summary, re.M)


def test_cli_rejects_a_bad_option_with_a_one_line_reason(gateway):
    done = subprocess.run(
        generator("run", "--target", gateway.url, "--rps", "-1", "--duration", "1"),
        env=env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip() == "workload-generator: bad configuration: rps: Input should be greater than or equal to 0"
    )
    assert gateway.order_count() == 0
