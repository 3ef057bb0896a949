"""1. Gateway intake: POST /orders, GET /tickets and GET /orders/{id} against the framework's ceiling.

Method
- The gateway runs as production runs it: `python -m api_gateway` with its default settings (gunicorn,
  gthread workers: WEB_CONCURRENCY = 2 x cores + 1 processes of GUNICORN_THREADS = 4 threads).
  No order worker runs: this is intake alone.
- The ceiling is bench/ceiling_app.py: a bare Flask app under the very same gunicorn options, with
  the same routes answering JSON of the same shape and size, and nothing behind them.
- Load: wrk, one thread, a fixed number of keep-alive connections, closed loop (each connection
  sends its next request when the previous answer arrives; wrk is not free of coordinated omission,
  so these latencies are those seen at this concurrency, not under a fixed arrival rate: bench/e2e.py
  measures that). Each run is bounded by its duration and by a request count; a short warm-up run
  precedes each measured one. POST bodies vary (bench/wrk.lua): ticket types, quantities, one to
  three lines, a fresh Idempotency-Key each.
- The gateway and the ceiling are measured one right after the other, so their ratio holds on a
  noisy machine. CPU seconds of the server's processes and of Redis are read around each run.
"""

from __future__ import annotations

from pathlib import Path

from api_gateway.settings import GatewaySettings
from ticketing_common import keys

from .budget import log
from .closedloop import wrk
from .cpu import children
from .fixtures import TICKET_IDS
from .processes import Services
from .store import used_memory

NAME = "intake"
CONNECTIONS = 32

ENDPOINTS = [
    # (label, wrk mode, expected status)
    ("POST /orders", "post-orders", 201),
    ("GET /tickets", "get-tickets", 200),
    ("GET /orders/{id}", "get-order", 200),
]


def measure_post_capacity(ctx, url: str, pid: int, client, seconds: float, cpus: str | None = None) -> float:
    """A short closed-loop POST /orders run: the intake capacity, for benchmarks run without this one."""
    wrk(
        url,
        "post-orders",
        connections=CONNECTIONS,
        seconds=1,
        max_requests=20_000,
        expect=201,
        arg=",".join(TICKET_IDS),
        cpus=cpus,
    )
    return wrk(
        url,
        "post-orders",
        connections=CONNECTIONS,
        seconds=seconds,
        max_requests=int(seconds * 20_000),
        expect=201,
        arg=",".join(TICKET_IDS),
        server_pid=pid,
        client=client,
        cpus=cpus,
    ).rps


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def summarise(runs: list[dict]) -> dict:
    """The median of each figure over the rounds, and the spread of the rate."""
    out = {k: round(median([r[k] for r in runs]), 3) for k in ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")}
    out["rps_min"], out["rps_max"] = round(min(r["rps"] for r in runs), 1), round(max(r["rps"] for r in runs), 1)
    requests = sum(r["requests"] for r in runs)
    out["requests"] = requests
    out["bad_status"] = sum(r["bad_status"] for r in runs)
    out["socket_errors"] = sum(r["socket_errors"] for r in runs)
    out["server_cpu_ms_per_request"] = round(sum(r["cpu_server_s"] for r in runs) / requests * 1000, 3)
    out["redis_cpu_us_per_request"] = round(sum(r["cpu_redis_s"] for r in runs) / requests * 1e6, 1)
    out["rounds"] = runs
    return out


def run(ctx) -> dict:
    rounds = 1 if ctx.quick else 3
    seconds = 2 if ctx.quick else 3
    warmup = 1
    workdir: Path = ctx.workdir / NAME
    out: dict = {
        "connections": CONNECTIONS,
        "rounds": rounds,
        "seconds_per_run": seconds,
        "wrk_threads": 1,
        "mode": "closed loop (wrk)",
        "endpoints": [],
    }
    with ctx.redis() as (url, client), Services(url, workdir) as svc:
        gateway_proc, gateway = svc.gateway()
        ceiling_proc, ceiling = svc.ceiling()
        out["gateway_workers"] = len(children(gateway_proc.pid))
        out["gateway_threads_per_worker"] = GatewaySettings.model_fields["gunicorn_threads"].default
        ids_file = workdir / "order-ids.txt"
        targets = (("gateway", gateway, gateway_proc), ("ceiling", ceiling, ceiling_proc))
        for label, mode, expect in ENDPOINTS:
            arg = ",".join(TICKET_IDS) if mode == "post-orders" else str(ids_file) if mode == "get-order" else ""
            log(f"{label}: gateway and ceiling alternately, {rounds} x {seconds}s each at {CONNECTIONS} connections")
            for _, base, _ in targets if (not ctx.quick or mode == "post-orders") else ():
                wrk(
                    base,
                    mode,
                    connections=CONNECTIONS,
                    seconds=warmup,
                    max_requests=warmup * 20_000,
                    expect=expect,
                    arg=arg,
                )
            runs: dict[str, list[dict]] = {"gateway": [], "ceiling": []}
            client.config_resetstat()
            for _ in range(rounds):
                for target, base, proc in targets:
                    memory_before = used_memory(client)
                    result = wrk(
                        base,
                        mode,
                        connections=CONNECTIONS,
                        seconds=seconds,
                        max_requests=seconds * 20_000,
                        expect=expect,
                        arg=arg,
                        server_pid=proc.pid,
                        client=client,
                    )
                    r = result.as_dict()
                    if mode == "post-orders" and target == "gateway":
                        created = result.requests - result.bad_status
                        r["redis_bytes_per_order"] = (
                            round((used_memory(client) - memory_before) / created) if created else None
                        )
                    runs[target].append(r)
            row: dict = {"endpoint": label}
            for target in runs:
                row[target] = summarise(runs[target])
                if mode == "post-orders" and target == "gateway":
                    row[target]["redis_bytes_per_order"] = median(
                        [r["redis_bytes_per_order"] for r in runs[target] if r.get("redis_bytes_per_order")] or [0]
                    )
            # What the gateway asked of Redis (only the gateway talks to it), per command.
            row["redis_commands"] = {
                name.removeprefix("cmdstat_"): {"calls": int(v["calls"]), "usec_per_call": float(v["usec_per_call"])}
                for name, v in client.info("commandstats").items()
                if int(v["calls"]) >= 100 and name not in ("cmdstat_info", "cmdstat_config")
            }
            g, c = row["gateway"], row["ceiling"]
            row["ratio"] = round(g["rps"] / c["rps"], 3) if c["rps"] else None
            row["cpu_ratio"] = round(c["server_cpu_ms_per_request"] / g["server_cpu_ms_per_request"], 3)
            log(
                f"  gateway {g['rps']:,.0f} req/s (p50 {g['p50_ms']:.1f} ms, p99 {g['p99_ms']:.1f} ms), "
                f"ceiling {c['rps']:,.0f} req/s: ratio {row['ratio']}"
                + (f"; {g['bad_status']} unexpected statuses" if g["bad_status"] else "")
            )
            if mode == "post-orders":
                # Ids for GET /orders/{id}; then drop the stream so that the backlog bound
                # (MAX_STREAM_BACKLOG; no worker runs here) is never reached.
                entries = client.xrange(keys.ORDER_STREAM, count=5000)
                ids_file.write_text("\n".join(f[keys.STREAM_ORDER_ID_FIELD] for _, f in entries) + "\n")
                client.delete(keys.ORDER_STREAM)
            out["endpoints"].append(row)
    out["post_orders_rps"] = out["endpoints"][0]["gateway"]["rps"]
    return out
