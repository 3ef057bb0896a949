"""CPU accounting: the seconds a process tree (from /proc) or Redis (from INFO) has used."""

from __future__ import annotations

import os
from pathlib import Path

import redis


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process and its waited-for children (/proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks  # utime stime cutime cstime


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (a gunicorn master and its workers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children(pid))


def redis_cpu_seconds(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
