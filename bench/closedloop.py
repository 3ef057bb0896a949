"""Closed-loop load with wrk (bench/wrk.lua): each connection sends its next request when the
previous answer arrives. Throughput, latency percentiles, and the CPU the server and Redis used."""

from __future__ import annotations

import json
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis

from .cpu import redis_cpu_seconds, tree_cpu_seconds

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    bad_status: int
    socket_errors: int
    cpu_server_s: float = 0.0  # CPU seconds the server (process tree) used during the run
    cpu_redis_s: float = 0.0

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}


def wrk(
    url: str,
    mode: str,
    *,
    connections: int,
    seconds: float,
    max_requests: int,
    threads: int = 1,
    expect: int = 200,
    arg: str = "",
    server_pid: int | None = None,
    client: redis.Redis | None = None,
    cpus: str | None = None,
) -> WrkResult:
    """One closed-loop wrk run, bounded by `seconds` and by `max_requests` (bench/wrk.lua stops the thread)."""
    per_thread = max(max_requests // threads, 1)
    argv = (["taskset", "-c", cpus] if cpus else []) + [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(round(seconds), 1)}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        mode,
        str(per_thread),
        str(expect),
        arg or "-",
        str(random.getrandbits(31)),
    ]
    cpu0 = tree_cpu_seconds(server_pid) if server_pid else 0.0
    redis0 = redis_cpu_seconds(client) if client else 0.0
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    cpu1 = tree_cpu_seconds(server_pid) if server_pid else 0.0
    redis1 = redis_cpu_seconds(client) if client else 0.0
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    d = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = d["duration_us"] / 1e6
    return WrkResult(
        requests=d["requests"],
        seconds=seconds_run,
        rps=d["requests"] / seconds_run if seconds_run else 0.0,
        p50_ms=d["p50_us"] / 1000,
        p90_ms=d["p90_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000,
        mean_ms=d["mean_us"] / 1000,
        bad_status=d["bad_status"],
        socket_errors=d["socket_errors"],
        cpu_server_s=cpu1 - cpu0,
        cpu_redis_s=redis1 - redis0,
    )


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    m = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "?"
