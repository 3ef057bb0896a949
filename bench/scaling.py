"""6. Scale-out at the demo's per-order latency: decisions/s with K = 1, 2, 4, 8 worker processes.

Method
- Each order costs the worker a 20 ms I/O-bound call before its decision (WORKER_SIMULATED_WORK_MS=20,
  the demo value; the call uses no CPU, as a call to a payment provider would not), with the default
  WORKER_CONCURRENCY (10) calls at once per worker: one worker's stated capacity is 10 / 20 ms =
  500 orders/s, and K workers K times that.
- As in benchmark 2 (bench/workers.run_workers): K real worker processes (`python -m order_worker`)
  join the group, are paused while 2,000 x K orders (500 x K with --quick) are preloaded as the
  gateway writes them, and the clock runs from SIGCONT until every entry is read and none is pending.
  The orders grow with K so each run lasts about as long (about 4 s at the stated capacity).
- Reported per K: rate_K (orders/s), rate_K / stated capacity, the efficiency rate_K / (K x rate_1),
  CPU per order (workers, Redis), the cores the run kept busy (workers + Redis CPU / elapsed), and
  the invariants (tests/invariants.check_invariants).
"""

from __future__ import annotations

import random

from order_worker.settings import WorkerSettings

from .budget import Deadline, log
from .preload import encode_orders
from .workers import run_workers

NAME = "scaling"
WORK_MS = 20  # the demo's per-order latency (README, WORKER_SIMULATED_WORK_MS)
KS = (1, 2, 4, 8)


def run(ctx) -> dict:
    concurrency = WorkerSettings.model_fields["worker_concurrency"].default
    batch = WorkerSettings.model_fields["worker_batch_size"].default
    per_worker = 500 if ctx.quick else 2_000
    deadline = Deadline(90 if ctx.quick else 180)
    log(f"encoding {per_worker * max(KS):,} orders")
    encoded = encode_orders(per_worker * max(KS), random.Random(6))  # batches of 1,000: sliceable per K
    capacity = concurrency * 1000 / WORK_MS
    out: dict = {
        "work_ms": WORK_MS,
        "concurrency": concurrency,
        "batch": batch,
        "orders_per_worker": per_worker,
        "stated_capacity_per_worker": capacity,
        "cores": ctx.machine["cores"],
        "runs": [],
    }
    with ctx.redis() as (url, client):
        for k in KS:
            if deadline.left() < 10:
                log(f"time budget spent: K={k} skipped")
                break
            n = per_worker * k
            log(f"K={k} worker process(es), {n:,} orders, {WORK_MS} ms a call, {concurrency} calls at once")
            result = run_workers(
                url,
                client,
                ctx.workdir / NAME,
                encoded[: n // 1000] if n % 1000 == 0 else encode_orders(n, random.Random(k)),
                k,
                deadline,
                WORKER_SIMULATED_WORK_MS=str(WORK_MS),
            )
            out["runs"].append(result)
            log(f"  K={k}: {result['orders_per_s']:,.0f} orders/s ({result['invariants']})")
    base = out["runs"][0]["orders_per_s"] if out["runs"] else 0
    for r in out["runs"]:
        r["of_stated_capacity"] = round(r["orders_per_s"] / (r["k"] * capacity), 3)
        r["efficiency"] = round(r["orders_per_s"] / (r["k"] * base), 3) if base else None
        # CPU the run kept busy (workers + Redis): where scale-out must bend on this machine's cores.
        r["cores_busy"] = round((r["worker_cpu_s"] + r["redis_cpu_s"]) / r["seconds"], 2) if r["seconds"] else None
    return out
