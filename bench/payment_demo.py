"""`python -m bench.payment_demo`: one worker's decisions/s through the real payment provider, at the
keda overlay's settings (the autoscaling demo's per-order work: the payment call).

Method
- The keda overlay is rendered (tools/autoscaler/policy.py) for its worker settings (WORKER_CONCURRENCY,
  WORKER_BATCH_SIZE, ...) and its provider latency (PAYMENT_LATENCY_MS_MEDIAN, PAYMENT_LATENCY_SIGMA);
  the stated capacity is WORKER_CONCURRENCY x 1000 / median latency (Policy.stated_capacity).
- A payment provider (`python -m payment_provider`, its default outcome mix approve 80 / decline 10 /
  error 10: an error is retried after a backoff, so the mean time per order exceeds the median) with
  those latency settings, on its own Redis database; then as benchmark 2 (bench/workers.run_workers):
  one worker process joins the group, is paused while N orders are preloaded as the gateway writes
  them, and the clock runs from SIGCONT until every entry is decided and none is pending.
- Reported: decisions/s, its share of the stated capacity, the payment outcomes, the invariants.
  Bounded: N orders (default 1,500, ~40 s at the stated 50/s) and a wall-clock budget.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from tools import stack
from tools.autoscaler.policy import Settings, load_policy
from tools.redis_server import free_port

from .budget import Deadline, log
from .machine import machine
from .preload import encode_orders
from .processes import Services
from .store import bench_redis
from .workers import run_workers


def measure(orders: int, workdir: Path, budget_s: float, overlay: str = "keda") -> dict:
    policy = load_policy(Settings(True, overlay, 1))
    stated = policy.stated_capacity()
    deadline = Deadline(budget_s)
    encoded = encode_orders(orders, random.Random(13))
    with bench_redis() as (url, client):
        provider_url = url.rsplit("/", 1)[0] + "/1"  # its own database: the invariants see only orders
        port = free_port()
        with Services(url, workdir / "provider") as svc:
            svc.start([stack.provider_service(port, provider_url, **policy.provider_env)])
            log(f"1 worker, {orders:,} orders, {policy.summary()}")
            result = run_workers(
                url,
                client,
                workdir,
                encoded,
                1,
                deadline,
                **policy.worker_env,
                WORKER_PAYMENT_PROVIDER_URL=f"http://127.0.0.1:{port}",
            )
    rate = result["orders_per_s"]
    return {
        "overlay": overlay,
        "worker_env": policy.worker_env,
        "provider_env": policy.provider_env,
        "stated_capacity_per_worker": stated,
        "measured_of_stated": round(rate / stated, 3) if stated else None,
        "machine": machine(),
        **result,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payment_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--budget-s", type=float, default=120)
    parser.add_argument("--workdir", type=Path, default=Path(".run/bench-payment-demo"))
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.orders, args.workdir, args.budget_s), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
