"""2. Worker decision rate: N preloaded orders, K worker processes, time until every order is decided.

Method
- The same N orders (mixed: 60 % one ticket type, 40 % two or three, 1..3 tickets a line; stock
  large enough that all are confirmed, the costlier path) are written into a fresh Redis before
  each run exactly as the gateway writes them: EVALSHA enqueue_order.lua (the order hash and its
  XADD in one step), pipelined 1,000 at a time.
- K real worker processes (`python -m order_worker`, default settings: batches of 100) are started
  first, join the consumer group, and are then paused (SIGSTOP) while the orders are loaded, so the
  clock measures deciding, not starting Python. The clock starts at SIGCONT and stops when the
  group has read every entry and holds none pending (the XACK is inside the decision script, so an
  acknowledged entry is a decided order). Afterwards tests/invariants.check_invariants runs.
- The Redis-side ceiling is measured the same way on the same orders: one client XREADGROUPs every
  entry first, then calls the same decide_order.lua (the lifecycle's reserve step: the workers also
  start the payment and confirm, two more pipelined scripts per order) with
  EVALSHA in pipelined batches of the same size, pre-encoded, over a plain socket: no Python work
  in the timed loop beyond sending bytes and waiting for the batch's answers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

import redis

from order_worker.scripts import lua
from ticketing_common import keys, lifecycle

from .budget import Deadline, log
from .cpu import cpu_seconds, redis_cpu_seconds
from .fixtures import BIG_STOCK, TICKET_IDS
from .preload import encode_orders, load_encoded
from .processes import Services, pause, resume
from .rawredis import RawRedis, reply_errors, resp
from .store import group_progress, init_stock

NAME = "workers"
DECIDE_LUA = lua("decide_order.lua")
BATCH_SIZE = 100  # the workers' default WORKER_BATCH_SIZE


def evalsha_usec_per_call(client: redis.Redis) -> float | None:
    stats = client.info("commandstats").get("cmdstat_evalsha")
    return float(stats["usec_per_call"]) if stats else None


def check(
    client: redis.Redis | redis.RedisCluster, ids: list[str], shards: keys.Shards = keys.ONE_SHARD
) -> tuple[str, dict]:
    from tests.invariants import check_invariants

    try:
        statuses = check_invariants(client, ids, shards)
        return "ok", dict(statuses)
    except AssertionError as e:
        return f"VIOLATED: {e}", {}


def wait_for_consumers(
    client: redis.Redis | redis.RedisCluster,
    k: int,
    deadline: Deadline,
    streams: Sequence[str] = (keys.ORDER_STREAM,),
) -> None:
    """Until k consumers are in the group of every stream (each shard's: a worker reads them all)."""
    while not deadline.expired():
        try:
            if all(len(client.xinfo_consumers(s, keys.CONSUMER_GROUP)) >= k for s in streams):
                return
        except redis.ResponseError:
            pass  # no group yet
        time.sleep(0.05)
    raise TimeoutError("workers did not join the consumer group in time")


def wait_all_decided(
    client: redis.Redis | redis.RedisCluster,
    n: int,
    deadline: Deadline,
    poll: float = 0.01,
    streams: Sequence[str] = (keys.ORDER_STREAM,),
    progress: list[tuple[float, int]] | None = None,
) -> bool:
    """Until the group has read all n entries and holds none pending; False if the budget ran out.
    `progress` gets (perf_counter, entries decided) at every poll."""
    while not deadline.expired():
        read, pending = group_progress(client, streams)
        if progress is not None:
            progress.append((time.perf_counter(), max(min(read, n) - pending, 0)))
        if read >= n and pending == 0:
            return True
        time.sleep(poll)
    return False


def decided_count(client: redis.Redis, n: int) -> int:
    read, pending = group_progress(client)
    return max(min(read, n) - pending, 0)


def run_workers(
    url: str,
    client: redis.Redis,
    workdir: Path,
    encoded,
    k: int,
    deadline: Deadline,
    stock: dict[str, int] | None = None,
    **env: str,
) -> dict:
    """Preload `encoded`, let k paused workers loose, time until every order is decided."""
    client.flushall()
    init_stock(client, stock or {t: BIG_STOCK for t in TICKET_IDS})
    with Services(url, workdir / f"k{k}") as svc:
        procs = svc.workers(k, prefix=f"k{k}-worker", **env)
        wait_for_consumers(client, k, deadline)
        pause(procs)
        try:
            ids = load_encoded(url, client, encoded, deadline)
        except BaseException:
            resume(procs)  # a stopped process would not see the SIGTERM that stops it
            raise
        n = len(ids)
        client.config_resetstat()
        cpu0 = sum(cpu_seconds(p.pid) for p in procs)
        redis0 = redis_cpu_seconds(client)
        t0 = time.perf_counter()
        resume(procs)
        complete = wait_all_decided(client, n, deadline)
        elapsed = time.perf_counter() - t0
        worker_cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu0
        redis_cpu = redis_cpu_seconds(client) - redis0
        usec = evalsha_usec_per_call(client)
        decided = n if complete else decided_count(client, n)
    invariants, statuses = check(client, ids) if complete else ("not checked (time budget)", {})
    return {
        "k": k,
        "orders": n,
        "decided": decided,
        "complete": complete,
        "seconds": round(elapsed, 3),
        "orders_per_s": round(decided / elapsed, 1) if elapsed else 0.0,
        "worker_cpu_s": round(worker_cpu, 2),
        "redis_cpu_s": round(redis_cpu, 2),
        "worker_cpu_us_per_order": round(worker_cpu / decided * 1e6, 1) if decided else None,
        "redis_cpu_us_per_order": round(redis_cpu / decided * 1e6, 1) if decided else None,
        "redis_evalsha_us_per_call": usec,
        "statuses": statuses,
        "invariants": invariants,
    }


def finish_reserved(client: redis.Redis, entries: list[tuple[str, str]], batch: int = 1000) -> None:
    """Untimed, after the ceiling's reserve steps: the lifecycle's other two (start the payment, then
    confirm, as a worker without a payment provider does), so that the invariants check finished orders."""
    from ticketing_common.order_record import utc_timestamp

    start = client.register_script(lifecycle.lua("start_payment.lua"))
    confirm = client.register_script(lifecycle.lua("confirm_order.lua"))
    for script, call in ((start, lifecycle.start_payment_call), (confirm, lifecycle.confirm_call)):
        now = utc_timestamp()
        for i in range(0, len(entries), batch):
            pipe = client.pipeline(transaction=False)
            for eid, oid in entries[i : i + batch]:
                keys_, args = call(oid, now=now, entry_id=eid)
                script(keys=keys_, args=args, client=pipe)
            pipe.execute()


def run_ceiling(url: str, client: redis.Redis, encoded, deadline: Deadline, batch: int = BATCH_SIZE) -> dict:
    """The same decide_order.lua, pipelined `batch` at a time from one client, nothing else around it."""
    from ticketing_common.order_record import utc_timestamp

    client.flushall()
    init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
    client.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    ids = load_encoded(url, client, encoded, deadline)
    entries: list[tuple[str, str]] = []
    while True:
        got = client.xreadgroup(keys.CONSUMER_GROUP, "ceiling", {keys.ORDER_STREAM: ">"}, count=10_000)
        if not got or not got[0][1]:
            break
        entries += [(eid, f[keys.STREAM_ORDER_ID_FIELD]) for eid, f in got[0][1]]
    sha = client.script_load(DECIDE_LUA)
    now = utc_timestamp()
    payloads = [
        b"".join(
            resp("EVALSHA", sha, len(call[0]), *call[0], *call[1])
            for call in (lifecycle.reserve_call(oid, entry_id=eid, now=now) for eid, oid in entries[i : i + batch])
        )
        for i in range(0, len(entries), batch)
    ]
    raw = RawRedis(url)
    client.config_resetstat()
    redis0 = redis_cpu_seconds(client)
    errors = decided = 0
    t0 = time.perf_counter()
    for i, payload in enumerate(payloads):
        if deadline.expired():
            break
        errors += reply_errors(raw.batch(payload))
        decided += min(batch, len(entries) - i * batch)
    elapsed = time.perf_counter() - t0
    redis_cpu = redis_cpu_seconds(client) - redis0
    raw.close()
    complete = decided == len(entries)
    usec = evalsha_usec_per_call(client)  # the reserve steps' alone, before the untimed rest
    if complete:
        finish_reserved(client, entries)
    invariants, statuses = check(client, ids) if complete else ("not checked (time budget)", {})
    return {
        "orders": len(ids),
        "decided": decided,
        "complete": complete,
        "batch": batch,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "orders_per_s": round(decided / elapsed, 1) if elapsed else 0.0,
        "redis_cpu_s": round(redis_cpu, 2),
        "redis_cpu_us_per_order": round(redis_cpu / decided * 1e6, 1) if decided else None,
        "redis_evalsha_us_per_call": usec,
        "statuses": statuses,
        "invariants": invariants,
    }


def run(ctx) -> dict:
    n = 5_000 if ctx.quick else 100_000
    ks = (1, 2, 4)
    deadline = Deadline(60 if ctx.quick else 200)
    rng = random.Random(2)
    log(f"encoding {n:,} orders")
    encoded = encode_orders(n, rng)
    out: dict = {"orders": n, "batch": BATCH_SIZE, "cores": ctx.machine["cores"], "runs": []}
    with ctx.redis() as (url, client):
        log("Redis-side ceiling: decide_order.lua in pipelined batches from one client")
        out["ceiling"] = run_ceiling(url, client, encoded, deadline)
        log(f"  ceiling {out['ceiling']['orders_per_s']:,.0f} orders/s")
        for k in ks:
            if deadline.left() < 5:
                log(f"time budget spent: K={k} skipped")
                break
            log(f"K={k} worker process(es)")
            result = run_workers(url, client, ctx.workdir / NAME, encoded, k, deadline)
            out["runs"].append(result)
            log(f"  K={k}: {result['orders_per_s']:,.0f} orders/s ({result['invariants']})")
    ceiling = out["ceiling"]["orders_per_s"]
    base = out["runs"][0]["orders_per_s"] if out["runs"] else 0
    for r in out["runs"]:
        r["ratio_to_ceiling"] = round(r["orders_per_s"] / ceiling, 3) if ceiling else None
        r["speedup_vs_k1"] = round(r["orders_per_s"] / base, 2) if base else None
    return out
