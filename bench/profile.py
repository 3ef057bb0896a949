"""Where the time goes: py-spy on the gateway under POST /orders load, or on a worker deciding a backlog.

`python -m bench.profile gateway [--seconds 10] [--endpoint post-orders|get-tickets|get-order]`
`python -m bench.profile worker [--orders 100000]`

Starts the service as the benchmarks do, loads it, and samples it with `py-spy record` (all gunicorn
worker processes for the gateway; the one worker process otherwise), then prints the functions
with the most samples, self and inclusive, grouped by module, and writes the raw collapsed stacks
and a speedscope file to bench/results/profile-<what>.* (open the latter on https://www.speedscope.app).
Not part of `make bench`: py-spy (pip install py-spy) is only needed here.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from ticketing_common import keys

from .budget import Deadline, log
from .closedloop import wrk
from .fixtures import BIG_STOCK, TICKET_IDS
from .paths import RESULTS
from .preload import encode_orders, load_encoded
from .processes import Services, pause, resume
from .store import bench_redis, init_stock

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:]*):(?P<line>\d+)\)$")


def py_spy() -> str:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    return exe


def record(pid: int, seconds: float, out: Path, subprocesses: bool, fmt: str = "raw") -> None:
    argv = [
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        "200",
        "--gil",
        "--format",
        fmt,
        "--output",
        str(out),
    ]
    if subprocesses:
        argv.append("--subprocesses")
    subprocess.run(argv, check=True, capture_output=True, timeout=seconds + 60)


def short(file: str) -> str:
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def summarise(raw: Path, top: int = 25, focus: tuple[str, ...] = ()) -> str:
    """Self and inclusive time per function; for each function in `focus`, its time split by callee."""
    callees: dict[str, Counter] = {f: Counter() for f in focus}
    self_count: Counter = Counter()
    inclusive: Counter = Counter()
    modules: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        names = []
        for f in frames:
            m = FRAME.match(f)
            names.append(f"{m['func']} ({short(m['file'])})" if m else f)
        self_count[names[-1]] += n
        m = FRAME.match(frames[-1])
        modules[short(m["file"]).split("/")[0] if m else "?"] += n
        for name in set(names):
            inclusive[name] += n
        funcs = [n_.split(" (", 1)[0] for n_ in names]
        for f in focus:
            if f in funcs:
                i = funcs.index(f)
                callees[f][names[i + 1] if i + 1 < len(names) else "(itself)"] += n
    lines = [f"{total} samples", "", "self time by top-level module / package:"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in modules.most_common(15)]
    lines += ["", "self time by function:"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in self_count.most_common(top)]
    for f, counts in callees.items():
        within = sum(counts.values())
        lines += ["", f"{f}: {within / total:.1%} of all samples, split by what it calls:"]
        lines += [f"  {c / total:6.1%}  {name}" for name, c in counts.most_common(15)]
    lines += ["", "inclusive time by function:"]
    lines += [f"  {c / total:6.1%}  {name}" for name, c in inclusive.most_common(top * 2)]
    return "\n".join(lines)


def profile_gateway(seconds: float, endpoint: str) -> Path:
    workdir = RESULTS / "profile-run"
    out = RESULTS / f"profile-gateway-{endpoint}"
    with bench_redis() as (url, client), Services(url, workdir) as svc:
        proc, gateway = svc.gateway()
        arg = ",".join(TICKET_IDS)
        if endpoint == "get-order":
            wrk(gateway, "post-orders", connections=32, seconds=2, max_requests=5000, expect=201, arg=arg)
            ids = workdir / "ids.txt"
            ids.write_text("\n".join(f["orderId"] for _, f in client.xrange(keys.ORDER_STREAM, count=5000)) + "\n")
            arg = str(ids)
        expect = 201 if endpoint == "post-orders" else 200
        load = threading.Thread(
            target=wrk,
            args=(gateway, endpoint),
            kwargs=dict(
                connections=32, seconds=seconds + 3, max_requests=int((seconds + 3) * 5000), expect=expect, arg=arg
            ),
        )
        load.start()
        time.sleep(3)  # every gunicorn worker booted and warm before sampling
        log(f"sampling the gateway's gunicorn workers for {seconds:.0f}s under {endpoint} load")
        record(proc.pid, seconds, out.with_suffix(".txt"), subprocesses=True)
        load.join()
    return out


def profile_worker(orders: int) -> Path:
    workdir = RESULTS / "profile-run"
    out = RESULTS / "profile-worker"
    encoded = encode_orders(orders, random.Random(6))
    with bench_redis() as (url, client), Services(url, workdir) as svc:
        init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
        from .workers import wait_all_decided, wait_for_consumers

        deadline = Deadline(300)
        [worker] = svc.workers(1, prefix="profiled-worker")
        wait_for_consumers(client, 1, deadline)
        pause([worker])
        load_encoded(url, client, encoded, deadline)
        resume([worker])
        log(f"sampling the worker while it decides {orders:,} orders")
        sampler = threading.Thread(target=record, args=(worker.pid, 8, out.with_suffix(".txt"), False))
        sampler.start()
        wait_all_decided(client, orders, deadline)
        sampler.join()
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["gateway", "worker"])
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--endpoint", default="post-orders", choices=["post-orders", "get-tickets", "get-order"])
    p.add_argument("--orders", type=int, default=100_000)
    a = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = profile_gateway(a.seconds, a.endpoint) if a.what == "gateway" else profile_worker(a.orders)
    focus = (
        ("ThreadWorker.handle", "Flask.wsgi_app", "create_order", "place_order")
        if a.what == "gateway"
        else ("OrderConsumer.read_loop", "OrderConsumer.process", "decide_batch", "Pipeline.execute")
    )
    summary = summarise(out.with_suffix(".txt"), focus=focus)
    out.with_suffix(".summary.txt").write_text(summary + "\n")
    print(summary)
    print(f"\nraw stacks: {out.with_suffix('.txt')}; summary: {out.with_suffix('.summary.txt')}")


if __name__ == "__main__":
    main()
