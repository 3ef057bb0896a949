"""The services as processes for one benchmark: the real gateway and workers (started with the
helpers `make up` uses, tools/stack.py), the bare ceiling app, and pausing them."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from tools import stack
from tools.redis_server import free_port

from .fixtures import catalogue


class Services:
    """Services started for one benchmark; everything started is stopped at the end."""

    def __init__(self, redis_url: str, workdir: Path) -> None:
        self.redis_url = redis_url
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.processes: list[stack.Process] = []

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to all at once (a worker may take its WORKER_BLOCK_MS to leave), then wait; SIGKILL stragglers."""
        for p in self.processes:
            p.signal(signal.SIGTERM)
            p.signal(signal.SIGCONT)  # a paused process must run to see its SIGTERM
        for p in self.processes:
            try:
                p.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.signal(signal.SIGKILL)
                p.popen.wait(timeout=10)
        self.processes.clear()

    def start(self, services: list[stack.Service], timeout: float = 60.0) -> list[stack.Process]:
        """Start several services at once (not one after the other), then wait until each is ready."""
        started = [stack.Process(s, self.workdir / "logs") for s in services]
        self.processes += started
        for p in started:
            stack.wait_ready(p, timeout)
        return started

    def gateway(self, cat: dict | None = None, **env: str) -> tuple[stack.Process, str]:
        """The gateway as production runs it (`python -m api_gateway`, default gunicorn settings)."""
        path = self.workdir / "catalogue.json"
        path.write_text(json.dumps(cat or catalogue()))
        port = free_port()
        [p] = self.start([stack.gateway_service(port, self.redis_url, CATALOGUE_PATH=str(path), **env)])
        return p, f"http://127.0.0.1:{port}"

    def ceiling(self, cat: dict | None = None, **env: str) -> tuple[stack.Process, str]:
        """The bare JSON app under the gateway's own gunicorn options (bench/ceiling_app.py)."""
        path = self.workdir / "catalogue.json"
        path.write_text(json.dumps(cat or catalogue()))
        port = free_port()
        service = stack.Service(
            "ceiling",
            [sys.executable, "-m", "bench.ceiling_app"],
            {"PORT": str(port), "REDIS_URL": self.redis_url, "CATALOGUE_PATH": str(path), **env},
            f"http://127.0.0.1:{port}/readyz",
        )
        [p] = self.start([service])
        return p, f"http://127.0.0.1:{port}"

    def workers(self, k: int, prefix: str = "bench-worker", **env: str) -> list[stack.Process]:
        return self.start(
            [stack.worker_service(f"{prefix}-{i + 1}", free_port(), self.redis_url, **env) for i in range(k)]
        )


def pause(processes: list[stack.Process]) -> None:
    for p in processes:
        p.signal(signal.SIGSTOP)


def resume(processes: list[stack.Process]) -> None:
    for p in processes:
        p.signal(signal.SIGCONT)
