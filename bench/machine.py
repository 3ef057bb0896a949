"""The machine the figures were measured on: CPU, memory, OS and the versions of every tool,
and whether a tool the suite needs is installed."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from .closedloop import wrk_version


def have(program: str) -> bool:
    return shutil.which(program) is not None


def redis_version() -> str:
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"v=(\S+)", out)
    return m.group(1) if m else out.strip()


def machine() -> dict:
    cpu_model, mhz, family, virtual = "?", None, None, False
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and cpu_model == "?":
                cpu_model = value
            elif key == "cpu MHz" and mhz is None:
                mhz = round(float(value))
            elif key == "cpu family" and family is None:
                family = value
            elif key == "flags":
                virtual = "hypervisor" in value.split()
    except (OSError, ValueError):
        pass
    mem_gib = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem_gib = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    import gunicorn
    import redis as redis_py

    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model
        + (f" (family {family})" if family else "")
        + (f", {mhz} MHz" if mhz else "")
        + (", virtual machine" if virtual else ""),
        "memory_gib": mem_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "redis_server": redis_version(),
        "redis_py": redis_py.__version__,
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
