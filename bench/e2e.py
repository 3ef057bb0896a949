"""3. End to end at a fixed arrival rate (open loop): intake latency and time to decision.

Method
- The gateway (production settings) and 2 order workers (default settings) on one Redis.
- Arrival rates of 25 %, 50 % and 90 % of the intake capacity measured by bench/intake.py in the
  same run (closed-loop POST /orders, gateway alone; measured here the same way if intake did not
  run). Each level offers rate x duration orders from bench/openloop.py: requests scheduled at
  fixed times, latency measured from the scheduled time to the complete answer (free of
  coordinated omission), each with its own Idempotency-Key.
- Time to decision is read from Redis after the level, for every order answered 201:
  decidedAt - createdAt (the gateway's and the worker's millisecond timestamps; decidedAt is taken
  when the worker starts its batch's decision round trip, so it may read up to that round trip early).
- The order stream's length is sampled every 50 ms while orders flow (workers trim it every
  WORKER_RECOVERY_INTERVAL_MS).
- Where the CPU went, per level: the driver's own CPU and lateness (how late requests left their
  slot: a driver short of CPU shows there), and each gunicorn worker process's CPU (one process busy
  while the others idle would show connections badly spread across them).
- `--e2e-pinned` runs the same levels with the driver (and wrk, for the capacity) pinned to CPU 1 and
  everything else (Redis, gateway, workers, this benchmark) to CPU 0 with sched_setaffinity/taskset:
  the driver then cannot take the server's CPU, nor the server the driver's. The capacity is measured
  here under the same pinning, so the levels are shares of what one core serves.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .budget import log
from .cpu import children, cpu_seconds, redis_cpu_seconds, tree_cpu_seconds
from .intake import measure_post_capacity
from .openloop import run_openloop
from .processes import Services
from .stats import percentiles_ms
from .store import StreamSampler, times_to_decision, wait_decided

NAME = "e2e"
LEVELS = (0.25, 0.50, 0.80, 0.90)
SERVER_CPU, DRIVER_CPU = 0, 1  # with --e2e-pinned
WORKERS = 2


def run(ctx) -> dict:
    if not getattr(ctx, "e2e_pinned", False):
        return run_levels(ctx, pinned=False)
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "sched_setaffinity"):
        raise RuntimeError("--e2e-pinned needs 2 CPUs and sched_setaffinity (Linux)")
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SERVER_CPU})  # Redis, the gateway and the workers inherit it
    try:
        return run_levels(ctx, pinned=True)
    finally:
        os.sched_setaffinity(0, allowed)


def run_levels(ctx, pinned: bool) -> dict:
    duration = 3 if ctx.quick else 15
    driver_cpus = str(DRIVER_CPU) if pinned else None
    workdir: Path = ctx.workdir / NAME
    out: dict = {
        "workers": WORKERS,
        "seconds_per_level": duration,
        "driver": "bench/openloop.py (open loop)",
        "pinned": f"driver on CPU {DRIVER_CPU}, the rest on CPU {SERVER_CPU}" if pinned else None,
        "levels": [],
    }
    with ctx.redis() as (url, client), Services(url, workdir) as svc:
        gateway_proc, gateway = svc.gateway()
        workers = svc.workers(WORKERS, prefix="e2e-worker")
        capacity = None if pinned else (ctx.results.get("intake") or {}).get("post_orders_rps")
        if capacity:
            out["capacity_source"] = "intake benchmark, same run"
        else:
            log("measuring POST /orders capacity here (closed loop, 5 s)")
            capacity = measure_post_capacity(ctx, gateway, gateway_proc.pid, client, seconds=5, cpus=driver_cpus)
            out["capacity_source"] = "measured here (closed loop, 5 s, workers idle" + (", pinned)" if pinned else ")")
        out["capacity_rps"] = round(capacity, 1)
        for level in LEVELS:
            rate = capacity * level
            log(f"{level:.0%} of capacity: {rate:,.0f} orders/s for {duration}s (open loop)")
            gw0, wk0 = tree_cpu_seconds(gateway_proc.pid), sum(cpu_seconds(w.pid) for w in workers)
            per_process0 = {pid: cpu_seconds(pid) for pid in children(gateway_proc.pid)}
            redis0 = redis_cpu_seconds(client)
            t0 = time.monotonic()
            with StreamSampler(url) as sampler:
                result, driver_cpu = run_openloop(
                    gateway, rate, duration, workdir, grace=5 if ctx.quick else 10, cpus=driver_cpus
                )
                order_ids = result.pop("order_ids")
                still_open = wait_decided(client, order_ids, timeout=30 if ctx.quick else 60)
            elapsed = time.monotonic() - t0
            per_process = sorted(
                (round(cpu_seconds(pid) - before, 2) for pid, before in per_process0.items()), reverse=True
            )
            gw_cpu = tree_cpu_seconds(gateway_proc.pid) - gw0
            wk_cpu = sum(cpu_seconds(w.pid) for w in workers) - wk0
            redis_cpu = redis_cpu_seconds(client) - redis0
            ttd = percentiles_ms(times_to_decision(client, order_ids))
            n = max(len(order_ids), 1)
            row = {
                "level": level,
                "target_rps": round(rate, 1),
                "achieved_rps": result["achieved_rps"],
                "scheduled": result["scheduled"],
                "answered": result["answered"],
                "by_status": result["by_status"],
                "errors": result["errors"],
                "timeouts": result["timeouts"],
                "intake_latency_ms": result["latency_ms"],
                "driver_send_lateness_ms": result["send_lateness_ms"],
                "time_to_decision_ms": ttd,
                "undecided_after_wait": still_open,
                "max_xlen": sampler.max_xlen,
                "cpu_ms_per_order": {
                    "gateway": round(gw_cpu / n * 1000, 3),
                    "workers": round(wk_cpu / n * 1000, 3),
                    "redis": round(redis_cpu / n * 1000, 3),
                    "driver": round(driver_cpu / n * 1000, 3),
                },
                "connections_opened": result["connections_opened"],
                # CPU seconds of each gunicorn worker process over the level, busiest first
                "gateway_process_cpu_s": per_process,
                "driver_cores": round(driver_cpu / elapsed, 2),
                "load_average": round(os.getloadavg()[0], 2),
            }
            out["levels"].append(row)
            lat = result["latency_ms"]
            log(
                f"  achieved {result['achieved_rps']:,.0f}/s, intake p50 {lat.get('p50')} ms p99 {lat.get('p99')} ms, "
                f"decision p50 {ttd.get('p50')} ms p99 {ttd.get('p99')} ms, max XLEN {sampler.max_xlen}; "
                f"driver lateness p99 {result['send_lateness_ms'].get('p99')} ms, "
                f"gateway processes' CPU s {per_process}"
            )
            time.sleep(1)  # let the machine settle between levels
    return out
