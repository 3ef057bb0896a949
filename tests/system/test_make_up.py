"""`make up`'s supervisor: starts everything, prints the URLs, and Ctrl-C leaves nothing running."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tools.redis_server import free_port
from tools.stack import ROOT

pytestmark = pytest.mark.system


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_make_up_serves_the_stack_and_ctrl_c_stops_every_process(tmp_path):
    if not (ROOT / "frontend/dist/index.html").exists():
        pytest.fail("frontend/dist is missing: `make frontend` builds it (make test does)")
    ports = {"REDIS_PORT": free_port(), "GATEWAY_PORT": free_port(), "FIRST_WORKER_PORT": free_port(),
             "GENERATOR_PORT": free_port(), "FRONTEND_PORT": free_port()}
    up = subprocess.Popen(
        [sys.executable, "-m", "tools.stack", "up", "--workers", "1", "--run-dir", str(tmp_path)],
        cwd=ROOT, env={**os.environ, **{k: str(v) for k, v in ports.items()}},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in output:
            assert up.poll() is None, f"make up exited early:\n{output}{up.stdout.read()}"
            assert time.monotonic() < deadline, output
            output += up.stdout.readline()
        assert f"http://localhost:{ports['FRONTEND_PORT']}" in output
        assert f"http://localhost:{ports['GATEWAY_PORT']}" in output

        web = f"http://127.0.0.1:{ports['FRONTEND_PORT']}"
        assert httpx.get(f"{web}/").status_code == 200
        assert httpx.get(f"{web}/api/tickets").json()["tickets"]
        assert httpx.get(f"{web}/workload/stats").json()["running"] is False  # the generator waits, idle

        up.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        assert up.wait(timeout=60) == 0
        assert "stopped." in up.stdout.read()
        still_up = [name for name, port in ports.items() if listening(port)]
        assert not still_up, f"still listening after Ctrl-C: {still_up}"
    finally:
        if up.poll() is None:
            up.kill()
