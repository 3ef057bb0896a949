"""Real processes for system tests: the gateway under gunicorn and order workers under uvicorn,
started with the same helpers as `make up`, on the session's redis-server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import stack
from tools.redis_server import free_port

# Small stocks so that most ticket types sell out in the middle of a run.
CATALOGUE = {
    "currency": "EUR",
    "tickets": [
        {"id": "alpha", "name": "Alpha", "type": "adult", "price": 50, "stock": 8000},
        {"id": "beta", "name": "Beta", "type": "student", "price": 30, "stock": 900},
        {"id": "gamma", "name": "Gamma", "type": "child", "price": 20, "stock": 250},
        {"id": "delta", "name": "Delta", "type": "vip", "price": 200, "stock": 40},
    ],
}
TICKET_IDS = [t["id"] for t in CATALOGUE["tickets"]]


class Stack:
    """The gateway and any number of workers; everything started is stopped at the end."""

    def __init__(self, redis_url: str, workdir: Path) -> None:
        self.redis_url = redis_url
        self.workdir = workdir
        self.processes: list[stack.Process] = []
        self.gateway_url = ""

    def start_gateway(self, **env: str) -> str:
        catalogue = self.workdir / "catalogue.json"
        catalogue.write_text(json.dumps(CATALOGUE))
        port = free_port()
        self.processes += stack.start(
            [
                stack.gateway_service(
                    port, self.redis_url, **{"CATALOGUE_PATH": str(catalogue), "WEB_CONCURRENCY": "2", **env}
                )
            ],
            self.workdir / "logs",
        )
        self.gateway_url = f"http://127.0.0.1:{port}"
        return self.gateway_url

    def start_worker(self, name: str, **env: str) -> tuple[stack.Process, str]:
        port = free_port()
        [process] = stack.start([stack.worker_service(name, port, self.redis_url, **env)], self.workdir / "logs")
        self.processes.append(process)
        return process, f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        stack.stop(self.processes)


@pytest.fixture
def system(redis_url, real_redis, tmp_path):
    s = Stack(redis_url, tmp_path)
    yield s
    s.stop()
