"""5. Memory: Redis used_memory per 100,000 orders, and the order stream's bound while orders flow.

Method
- Per order, pending and decided: a fresh Redis, 2 workers started and paused; N orders preloaded
  as the gateway stores them (order hash + stream entry); used_memory before and after. Then the
  workers decide them all, and once their periodic trim (every WORKER_RECOVERY_INTERVAL_MS) has
  emptied the stream, used_memory again: what a decided order costs for as long as it is kept
  (ORDER_TTL_SECONDS = 0 keeps it for ever).
- Per order through the gateway: the gateway added, orders flow at a fixed rate (bench/openloop.py,
  open loop, each with an Idempotency-Key) for a while; used_memory before and after (all decided,
  stream trimmed). This includes the idempotency record the gateway keeps for
  IDEMPOTENCY_TTL_SECONDS (24 h by default).
- The stream's bound: XLEN sampled every 50 ms during that flow; the workers' trim keeps it near
  rate x WORKER_RECOVERY_INTERVAL_MS, and the maximum seen is reported.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from order_worker.settings import WorkerSettings
from ticketing_common import keys

from .budget import Deadline, log
from .fixtures import BIG_STOCK, TICKET_IDS
from .openloop import run_openloop
from .preload import encode_orders, load_encoded
from .processes import Services, pause, resume
from .store import StreamSampler, init_stock, used_memory, wait_decided
from .workers import wait_all_decided, wait_for_consumers

NAME = "memory"
WORKERS = 2


def wait_trimmed(client, below: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        length = client.xlen(keys.ORDER_STREAM)
        if length <= below:
            return length
        time.sleep(0.1)
    return client.xlen(keys.ORDER_STREAM)


def sample_keys(client, pattern: str, count: int = 200) -> tuple[float | None, str | None]:
    """Mean MEMORY USAGE of up to `count` keys matching `pattern`, and the first one's encoding."""
    sizes, encoding = [], None
    for key in client.scan_iter(match=pattern, count=1000):
        sizes.append(client.memory_usage(key, samples=0) or 0)
        encoding = encoding or client.object("encoding", key)
        if len(sizes) >= count:
            break
    return (round(sum(sizes) / len(sizes), 1) if sizes else None), encoding


LISTPACK_VALUE = 1024


def what_if_listpack(ctx, encoded, n: int, deadline: Deadline) -> dict:
    import redis as redis_py

    from tools.redis_server import redis_server

    from .store import REDIS_ARGS

    with redis_server(*REDIS_ARGS, "--hash-max-listpack-value", str(LISTPACK_VALUE)) as url:
        client = redis_py.Redis.from_url(url, decode_responses=True)
        base = used_memory(client)
        load_encoded(url, client, encoded, deadline)
        after = used_memory(client)
        size, encoding = sample_keys(client, keys.order_key("*"))
        client.close()
    result = {
        "hash_max_listpack_value": LISTPACK_VALUE,
        "bytes_per_order_pending": round((after - base) / n),
        "mib_per_100k_pending": round((after - base) * 100_000 / n / 2**20, 1),
        "order_hash_bytes": size,
        "order_hash_encoding": encoding,
    }
    log(
        f"  what if hash-max-listpack-value {LISTPACK_VALUE}: {result['mib_per_100k_pending']} MiB per 100k pending "
        f"({encoding})"
    )
    return result


def run(ctx) -> dict:
    n = 10_000 if ctx.quick else 100_000
    flow_seconds = 4 if ctx.quick else 20
    interval_ms = WorkerSettings.model_fields["worker_recovery_interval_ms"].default
    deadline = Deadline(90 if ctx.quick else 150)
    workdir: Path = ctx.workdir / NAME
    encoded = encode_orders(n, random.Random(5))
    out: dict = {"orders": n, "worker_recovery_interval_ms": interval_ms}
    with ctx.redis() as (url, client), Services(url, workdir) as svc:
        init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
        workers = svc.workers(WORKERS, prefix="mem-worker")
        wait_for_consumers(client, WORKERS, deadline)
        pause(workers)
        base = used_memory(client)
        try:
            log(f"preloading {n:,} orders (hash + stream entry)")
            load_encoded(url, client, encoded, deadline)
        finally:
            pending = used_memory(client)
            resume(workers)
        stream_bytes = client.memory_usage(keys.ORDER_STREAM, samples=0)
        order_bytes, order_encoding = sample_keys(client, keys.order_key("*"))
        log("deciding them, then waiting for the workers' trim")
        wait_all_decided(client, n, deadline)
        left = wait_trimmed(client, below=100, timeout=interval_ms / 1000 * 2 + 2)
        decided = used_memory(client)
        decided_bytes, decided_encoding = sample_keys(client, keys.order_key("*"))
        scale = 100_000 / n
        out["preloaded"] = {
            "used_memory_before": base,
            "used_memory_pending": pending,
            "used_memory_decided": decided,
            "bytes_per_order_pending": round((pending - base) / n),
            "bytes_per_order_decided": round((decided - base) / n),
            "mib_per_100k_pending": round((pending - base) * scale / 2**20, 1),
            "mib_per_100k_decided": round((decided - base) * scale / 2**20, 1),
            "stream_bytes_per_entry": round(stream_bytes / n, 1) if stream_bytes else None,
            "order_hash_bytes": order_bytes,
            "order_hash_encoding": order_encoding,
            "decided_order_hash_bytes": decided_bytes,
            "decided_order_hash_encoding": decided_encoding,
            "xlen_after_trim": left,
        }
        log(
            f"  {out['preloaded']['mib_per_100k_pending']} MiB per 100k pending, "
            f"{out['preloaded']['mib_per_100k_decided']} MiB per 100k decided (hash encoding {order_encoding})"
        )

        # What if Redis kept such hashes compact: the same orders on a Redis whose listpack limit
        # admits the items JSON (not the configuration the services ship with).
        out["what_if_listpack"] = what_if_listpack(ctx, encoded, n, deadline)

        # Orders flowing through the gateway: memory per order with its idempotency record, and the stream bound.
        capacity = (ctx.results.get("intake") or {}).get("post_orders_rps")
        rate = round(capacity * 0.5) if capacity else 400
        _, gateway = svc.gateway()
        before = used_memory(client)
        log(f"orders through the gateway at {rate}/s for {flow_seconds}s (open loop), sampling XLEN every 50 ms")
        with StreamSampler(url) as sampler:
            result, _ = run_openloop(gateway, rate, flow_seconds, workdir)
            ids = result["order_ids"]
            still_open = wait_decided(client, ids, timeout=60)
            left = wait_trimmed(client, below=100, timeout=interval_ms / 1000 * 2 + 2)
        after = used_memory(client)
        idem_bytes, idem_encoding = sample_keys(client, keys.IDEMPOTENCY_PREFIX + "*")
        out["flow"] = {
            "rate": rate,
            "seconds": flow_seconds,
            "orders": len(ids),
            "undecided": still_open,
            "bytes_per_order": round((after - before) / len(ids)) if ids else None,
            "mib_per_100k": round((after - before) / len(ids) * 100_000 / 2**20, 1) if ids else None,
            "idempotency_record_bytes": idem_bytes,
            "idempotency_record_encoding": idem_encoding,
            "max_xlen": sampler.max_xlen,
            "xlen_after_trim": left,
            "expected_bound": round(rate * interval_ms / 1000),
            "xlen_series": [(round(t, 2), x) for t, x, _ in sampler.samples[:: max(len(sampler.samples) // 200, 1)]],
        }
        log(
            f"  {out['flow']['bytes_per_order']} bytes per order through the gateway; max XLEN "
            f"{sampler.max_xlen} (rate x interval = {out['flow']['expected_bound']})"
        )
    return out
