"""1b. The gateway's POST /orders next to a minimal implementation of the spec and to the bare ceiling.

Method
- Targets, all under the gateway's gunicorn options from the same settings and environment:
  * `gateway`: `python -m api_gateway`, default settings (every guarantee: validation, pricing
    from the catalogue, idempotency, backpressure, the one atomic step, metrics);
  * `reference`: bench/reference_app.py, the spec's POST /orders as a course would write it
    (three Redis round trips, no validation beyond the spec, no idempotency, no atomic step);
  * `ceiling`: bench/ceiling_app.py, the same exchange with nothing behind it;
  * `ceiling+redis`: the same plus one Redis round trip per order, called as the gateway calls its
    enqueue step: the floor of any gateway that stores an order in one call;
  * optionally `baseline@REV` (`--gateway-baseline REV`): the gateway of another commit, its code
    exported with `git archive` and put first on PYTHONPATH, with that commit's own defaults, so a
    change's before and after are measured in one run;
  * optionally variants (`--gateway-variant LABEL:NAME=VALUE,...`): this gateway with other settings
    (e.g. `2x8:WEB_CONCURRENCY=2,GUNICORN_THREADS=8`).
- Load: wrk, closed loop, 32 keep-alive connections, POST /orders bodies varied as in the intake
  benchmark (bench/wrk.lua), each with its own Idempotency-Key. Alternating rounds: every target
  runs once per round, one right after the other, so their ratios hold on a shared machine; medians.
- CPU per accepted order: the CPU seconds of the server's process tree (gunicorn master and workers,
  from /proc) during a run, divided by its 201 answers. Redis CPU from INFO. The order stream is
  deleted before each run (no worker runs; the gateway's backlog bound is never reached).
- Then the apps alone (bench/inprocess.py): CPU per request of the gateway's app, of the same app with
  its Redis call answered in the process, and of the ceiling's app, each called through WSGI in one
  process with no gunicorn: what the server costs is the difference to the figures above.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from ticketing_common import keys
from tools import stack
from tools.redis_server import free_port

from . import inprocess
from .budget import log
from .closedloop import wrk
from .cpu import children
from .fixtures import BIG_STOCK, TICKET_IDS, catalogue
from .intake import median
from .paths import ROOT
from .processes import Services
from .store import init_stock

NAME = "gateway"
CONNECTIONS = 32


def export_commit(rev: str, dest: Path) -> Path:
    """The gateway's and the shared package's code at `rev`, written under dest; returns dest."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest / "src.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), rev, "api-gateway", "common"], cwd=ROOT, check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()
    return dest


def parse_variant(spec: str) -> tuple[str, dict[str, str]]:
    """'LABEL:NAME=VALUE,NAME=VALUE' -> (LABEL, {NAME: VALUE})."""
    label, _, assignments = spec.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if "=" in a)
    if not label or not env:
        raise ValueError(f"--gateway-variant {spec!r}: expected LABEL:NAME=VALUE[,NAME=VALUE...]")
    return label, env


def _service(name: str, module: str, port: int, redis_url: str, cat: Path, env: dict[str, str]) -> stack.Service:
    return stack.Service(
        name,
        [sys.executable, "-m", module],
        {"HOST": "127.0.0.1", "PORT": str(port), "REDIS_URL": redis_url, "CATALOGUE_PATH": str(cat), **env},
        f"http://127.0.0.1:{port}/readyz",
    )


def summarise(runs: list[dict]) -> dict:
    accepted = sum(r["requests"] - r["bad_status"] for r in runs)
    out = {k: round(median([r[k] for r in runs]), 3) for k in ("rps", "p50_ms", "p99_ms")}
    out["rps_min"], out["rps_max"] = round(min(r["rps"] for r in runs), 1), round(max(r["rps"] for r in runs), 1)
    out["accepted"] = accepted
    out["bad_status"] = sum(r["bad_status"] for r in runs)
    out["cpu_ms_per_order"] = round(sum(r["cpu_server_s"] for r in runs) / accepted * 1000, 3) if accepted else None
    out["cpu_ms_per_order_rounds"] = [
        round(r["cpu_server_s"] / (r["requests"] - r["bad_status"]) * 1000, 3)
        if r["requests"] > r["bad_status"]
        else None
        for r in runs
    ]
    out["redis_cpu_us_per_order"] = round(sum(r["cpu_redis_s"] for r in runs) / accepted * 1e6, 1) if accepted else None
    out["rounds"] = runs
    return out


def run(ctx) -> dict:
    rounds = 1 if ctx.quick else 3
    seconds = 2 if ctx.quick else 6
    workdir: Path = ctx.workdir / NAME
    workdir.mkdir(parents=True, exist_ok=True)
    cat = workdir / "catalogue.json"
    cat.write_text(json.dumps(catalogue()))
    baseline = getattr(ctx, "gateway_baseline", None)
    variants = [parse_variant(v) for v in getattr(ctx, "gateway_variants", None) or []]
    out: dict = {
        "connections": CONNECTIONS,
        "rounds": rounds,
        "seconds_per_run": seconds,
        "mode": "closed loop (wrk), POST /orders",
        "targets": {},
    }
    with ctx.redis() as (url, client), Services(url, workdir) as svc:
        init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
        services: list[tuple[str, stack.Service]] = [
            ("gateway", _service("gateway", "api_gateway", free_port(), url, cat, {})),
            ("reference", _service("reference", "bench.reference_app", free_port(), url, cat, {})),
            (
                "ceiling+redis",
                _service(
                    "ceiling-redis", "bench.ceiling_app", free_port(), url, cat, {"CEILING_REDIS_ROUND_TRIP": "1"}
                ),
            ),
            ("ceiling", _service("ceiling", "bench.ceiling_app", free_port(), url, cat, {})),
        ]
        if baseline:
            src = export_commit(baseline, workdir / "baseline")
            pythonpath = os.pathsep.join([str(src / "api-gateway"), str(src / "common")])
            label = f"baseline@{baseline}"
            services.insert(
                1, (label, _service("baseline", "api_gateway", free_port(), url, cat, {"PYTHONPATH": pythonpath}))
            )
        for label, env in variants:
            services.insert(1, (label, _service(f"variant-{label}", "api_gateway", free_port(), url, cat, env)))
        started = svc.start([s for _, s in services])
        targets = [
            (label, s.ready_url.removesuffix("/readyz"), p) for (label, s), p in zip(services, started, strict=True)
        ]
        out["gunicorn_workers"] = {label: len(children(p.pid)) for label, _, p in targets}
        arg = ",".join(TICKET_IDS)
        for _, base, _ in targets:  # warm-up: every gunicorn worker booted, imports and connections made
            wrk(base, "post-orders", connections=CONNECTIONS, seconds=1, max_requests=20_000, expect=201, arg=arg)
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in targets}
        log(f"POST /orders: {', '.join(runs)} alternately, {rounds} x {seconds}s each at {CONNECTIONS} connections")
        for i in range(rounds):
            for label, base, proc in targets:
                client.delete(keys.ORDER_STREAM)
                result = wrk(
                    base,
                    "post-orders",
                    connections=CONNECTIONS,
                    seconds=seconds,
                    max_requests=seconds * 20_000,
                    expect=201,
                    arg=arg,
                    server_pid=proc.pid,
                    client=client,
                )
                runs[label].append(result.as_dict())
                cpu = result.cpu_server_s / max(result.requests - result.bad_status, 1) * 1000
                log(f"  round {i + 1} {label}: {result.rps:,.0f} req/s, {cpu:.2f} ms CPU per order")
        ceiling = summarise(runs["ceiling"])
        for label in runs:
            row = summarise(runs[label])
            row["ratio_to_ceiling"] = round(row["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
            out["targets"][label] = row
        ref = out["targets"]["reference"]
        for row in out["targets"].values():
            row["ratio_to_reference"] = round(row["rps"] / ref["rps"], 3) if ref["rps"] else None
        g = out["targets"]["gateway"]
        log(
            "  medians: "
            + ", ".join(
                f"{label} {row['rps']:,.0f} req/s ({row['ratio_to_ceiling']:.2f})"
                for label, row in out["targets"].items()
            )
            + f"; gateway {g['cpu_ms_per_order']} ms CPU per accepted order"
        )
        out["in_process"] = _in_process(url, cat, requests=500 if ctx.quick else 2000)
    out["post_orders_rps"] = g["rps"]
    return out


def _in_process(redis_url: str, cat: Path, requests: int) -> dict:
    """bench/inprocess.py for each of its targets, each in a process of its own."""
    results = {}
    for target in inprocess.TARGETS:
        argv = [sys.executable, "-m", "bench.inprocess", "--redis-url", redis_url, "--catalogue", str(cat)]
        done = subprocess.run(
            [*argv, "--target", target, "--requests", str(requests)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        results[target] = json.loads(done.stdout.strip().splitlines()[-1])
        log(f"  in one process, {target}: {results[target]['cpu_us_per_request']:.0f} µs CPU per request")
    return results
