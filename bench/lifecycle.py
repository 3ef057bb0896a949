"""8. The lifecycle at the default payment latency: decisions/s, order-to-decided p50/p99, held-stock memory.

Method
- The real payment provider (`python -m payment_provider`, its defaults: lognormal latency, median
  50 ms, sigma 0.5, cap 2 s; outcome mix approve 80 / decline 10 / error 10 / timeout 0) on its own
  Redis database, and K = 1, 2, 4 real worker processes (`python -m order_worker`, defaults: batches
  of 100, 10 charges at once) charging through it (WORKER_PAYMENT_PROVIDER_URL).
- Orders are written straight into Redis through the gateway's own enqueue_order.lua (the order
  hash, its generation stamp and its XADD in one step, as POST /orders leaves them), not through
  HTTP: the gateway's intake is measured in sections 1 and 3, and on this 2-core machine gunicorn
  and an HTTP load driver would take the CPU the workers and the provider need, so the figure would
  be the gateway's, not the lifecycle's. createdAt is stamped when the order is written, as the
  gateway does.
- Open loop, per K, two runs on the same workers: (a) above capacity for the decisions/s figure
  (K=1: 1.5 x the stated capacity WORKER_CONCURRENCY / mean charge time; K > 1: 1.5 x K x what one
  worker decided, so the backlog left to drain stays small): terminal decisions whose
  decidedAt falls in the load window after its first second (a backlog exists by then), divided by
  that time; (b) below capacity (half of (a)'s rate) for order-to-decided latency: decidedAt -
  createdAt of each order (millisecond stamps), p50/p99, of the confirmed ones and of all.
  The stock ledger (initial = available + held + sold) is sampled in one MULTI during the load;
  after each K, every order must be terminal and tests/invariants.check_invariants must pass.
- Held-stock memory: N payLater orders written as above, then reserved with the worker's reserve
  step (decide_order.lua, pipelined; a payLater order stays `reserved`, holding its tickets).
  MEMORY USAGE (SAMPLES 0) of ticketing:holds and ticketing:stock:held, and of every order hash,
  before and after: the hold's cost per order is (their growth) / N.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid

import redis

from api_gateway.orders import ENQUEUE_ORDER_LUA, enqueue_call
from order_worker.settings import WorkerSettings
from payment_provider.settings import PaymentSettings
from ticketing_common import keys, lifecycle
from ticketing_common.order_record import CREATED_AT, DECIDED_AT, STATUS, new_order_fields, utc_timestamp
from ticketing_common.payment import PaymentMethod
from ticketing_common.status import OrderStatus
from tools import stack
from tools.redis_server import free_port

from .budget import Deadline, log
from .cpu import cpu_seconds, redis_cpu_seconds
from .fixtures import BIG_STOCK, TICKET_IDS, random_lines
from .processes import Services
from .stats import iso_seconds, percentiles_ms
from .store import init_stock, wait_decided
from .workers import DECIDE_LUA, wait_for_consumers

NAME = "lifecycle"
KS = (1, 2, 4)
TICK_S = 0.005  # the open-loop driver writes the orders due every 5 ms


def provider_defaults() -> dict:
    f = PaymentSettings.model_fields
    median, sigma = f["payment_latency_ms_median"].default, f["payment_latency_sigma"].default
    return {
        "latency_median_ms": median,
        "latency_sigma": sigma,
        "latency_max_ms": f["payment_latency_max_ms"].default,
        "latency_mean_ms": round(median * math.exp(sigma**2 / 2), 1),  # of a lognormal
        "outcome_mix": f["payment_outcome_mix"].default,
    }


def stated_capacity(concurrency: int, mean_ms: float) -> float:
    """One worker's orders/s if every order were one charge of the mean latency: concurrency / mean."""
    return concurrency * 1000 / mean_ms


class Enqueuer:
    """Orders written with the gateway's enqueue_order.lua (no idempotency key, no backlog bound)."""

    def __init__(self, client: redis.Redis, rng: random.Random, pay_later: bool = False) -> None:
        self.client = client
        self.script = client.register_script(ENQUEUE_ORDER_LUA)
        self.rng = rng
        self.pay_later = pay_later
        self.seq = 0

    def write(self, n: int) -> list[str]:
        created_at = utc_timestamp()
        pipe = self.client.pipeline(transaction=False)
        ids = []
        for _ in range(n):
            self.seq += 1
            order_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            fields = new_order_fields(
                order_id=order_id,
                customer_name=f"Bench Customer {self.seq}",
                customer_email=f"bench+{self.seq}@example.com",
                payment_method=PaymentMethod.CREDIT_CARD,
                lines=random_lines(self.rng),
                currency="EUR",
                created_at=created_at,
                pay_later=self.pay_later,
            )
            script_keys, args = enqueue_call(order_id, fields)
            self.script(keys=script_keys, args=args, client=pipe)
            ids.append(order_id)
        for reply in pipe.execute():
            if reply[0] != "created":
                raise RuntimeError(f"enqueue_order.lua refused an order: {reply!r}")
        return ids


def ledger_drift(client: redis.Redis) -> int:
    """Sum over tickets of |initial - available - held - sold| in one MULTI (0 when the ledger balances)."""
    from tests.invariants import sample_ledger

    return sum(abs(f["initial"] - f["available"] - f["held"] - f["sold"]) for f in sample_ledger(client).values())


def open_loop(client: redis.Redis, enqueuer: Enqueuer, rate: float, seconds: float, deadline: Deadline) -> dict:
    """Write `rate` orders/s for `seconds` (bounded by the deadline); sample the ledger every 0.5 s."""
    ids: list[str] = []
    drifts: list[int] = []
    late: list[float] = []
    t0 = time.perf_counter()
    next_sample = 0.0
    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds or deadline.expired():
            break
        due = int(rate * elapsed) - len(ids)
        if due > 0:
            late.append(elapsed - (len(ids) + 1) / rate)  # how late the oldest due order is written
            ids += enqueuer.write(due)
        if elapsed >= next_sample:
            drifts.append(ledger_drift(client))
            next_sample += 0.5
        time.sleep(TICK_S)
    sent_s = time.perf_counter() - t0
    return {
        "ids": ids,
        "started": time.time() - sent_s,  # wall clock: decidedAt is wall-clock time
        "seconds": round(sent_s, 2),
        "achieved_rps": round(len(ids) / sent_s, 1) if sent_s else 0.0,
        "ledger_samples": len(drifts),
        "ledger_max_drift": max(drifts, default=0),
        "driver_lateness_ms": percentiles_ms([max(x, 0.0) for x in late]),
    }


def wait_terminal(client: redis.Redis, ids: list[str], deadline: Deadline) -> int:
    """Until every order is terminal or the budget is spent (ledger sampled meanwhile); returns how many are not."""
    return wait_decided(client, ids, max(deadline.left() - 2, 1))


def decided_records(client: redis.Redis, ids: list[str]) -> list[tuple[str, float, float]]:
    """(status, createdAt, decidedAt) in epoch seconds of every order with a decidedAt."""
    pipe = client.pipeline(transaction=False)
    for oid in ids:
        pipe.hmget(keys.order_key(oid), [STATUS, CREATED_AT, DECIDED_AT])
    return [(s, iso_seconds(c), iso_seconds(d)) for s, c, d in pipe.execute() if c and d]


def rate_in_window(records: list[tuple[str, float, float]], start: float, end: float) -> float:
    inside = sum(1 for _, _, decided in records if start <= decided < end)
    return round(inside / (end - start), 1) if end > start else 0.0


def run_k(
    url: str,
    client: redis.Redis,
    svc: Services,
    k: int,
    provider_url: str,
    provider_pid: int,
    high_rps: float,
    seconds: float,
    deadline: Deadline,
    rng: random.Random,
) -> dict:
    """K workers, one run above capacity, one below; the invariants after both."""
    from .workers import check

    client.flushdb()
    init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
    procs = svc.workers(k, prefix=f"k{k}-worker", WORKER_PAYMENT_PROVIDER_URL=provider_url)
    out: dict = {"k": k}
    try:
        wait_for_consumers(client, k, deadline)
        enqueuer = Enqueuer(client, rng)
        cpu0 = [cpu_seconds(p.pid) for p in procs] + [cpu_seconds(provider_pid), redis_cpu_seconds(client)]
        high = open_loop(client, enqueuer, high_rps, seconds, deadline)
        window = (high["started"] + 1.0, high["started"] + high["seconds"])
        open_high = wait_terminal(client, high["ids"], deadline)
        cpu1 = [cpu_seconds(p.pid) for p in procs] + [cpu_seconds(provider_pid), redis_cpu_seconds(client)]
        used = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
        n_high = len(high["ids"]) - open_high
        records = decided_records(client, high["ids"])
        decided_rate = rate_in_window(records, *window)
        drained = max((d for _, _, d in records), default=window[1]) - window[1]
        out["above"] = {
            **{k_: v for k_, v in high.items() if k_ not in ("ids", "started")},
            "offered_rps": round(high_rps, 1),
            "orders": len(high["ids"]),
            "not_terminal": open_high,
            "decided_per_s": decided_rate,
            "drain_s": round(max(drained, 0.0), 2),
            # CPU per decided order over the run and its drain: the workers, the provider, Redis
            "worker_cpu_us_per_order": round(sum(used[:k]) / n_high * 1e6) if n_high else None,
            "provider_cpu_us_per_order": round(used[k] / n_high * 1e6) if n_high else None,
            "redis_cpu_us_per_order": round(used[k + 1] / n_high * 1e6) if n_high else None,
        }
        low_rps = max(decided_rate * 0.5, 5.0)
        low = open_loop(client, enqueuer, low_rps, seconds, deadline)
        open_low = wait_terminal(client, low["ids"], deadline)
        low_records = decided_records(client, low["ids"])
        confirmed = [d - c for s, c, d in low_records if s == OrderStatus.CONFIRMED]
        out["below"] = {
            **{k_: v for k_, v in low.items() if k_ not in ("ids", "started")},
            "offered_rps": round(low_rps, 1),
            "orders": len(low["ids"]),
            "not_terminal": open_low,
            "to_confirmed_ms": percentiles_ms(confirmed),
            "to_decided_ms": percentiles_ms([d - c for _, c, d in low_records]),
        }
        ids = high["ids"] + low["ids"]
        if open_high or open_low:
            out["invariants"], out["statuses"] = f"not checked ({open_high + open_low} orders not terminal)", {}
        else:
            out["invariants"], out["statuses"] = check(client, ids)
        drift = max(high["ledger_max_drift"], low["ledger_max_drift"])
        if drift:
            out["invariants"] = f"VIOLATED: the ledger drifted by {drift} during the load"
        out["orders"] = len(ids)
    finally:
        for p in procs:  # these workers only; the provider stays for the next K
            p.stop()
            svc.processes.remove(p)
    return out


def memory_usage(client: redis.Redis, key: str) -> int:
    return int(client.memory_usage(key, samples=0) or 0)


def hashes_memory(client: redis.Redis, ids: list[str]) -> int:
    pipe = client.pipeline(transaction=False)
    for oid in ids:
        pipe.memory_usage(keys.order_key(oid), samples=0)
    return sum(int(x or 0) for x in pipe.execute())


def held_memory(client: redis.Redis, n: int, deadline: Deadline, hold_ms: int) -> dict:
    """N payLater orders reserved by decide_order.lua; the bytes their holds add, per order."""
    from tests.invariants import assert_ledger_balanced, sample_ledger

    client.flushdb()
    init_stock(client, {t: BIG_STOCK for t in TICKET_IDS})
    client.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
    enqueuer = Enqueuer(client, random.Random(81), pay_later=True)
    ids: list[str] = []
    while len(ids) < n and not deadline.expired():
        ids += enqueuer.write(min(1000, n - len(ids)))
    before = {
        "holds": memory_usage(client, keys.HOLDS),
        "stock_held": memory_usage(client, keys.STOCK_HELD),
        "order_hashes": hashes_memory(client, ids),
        "used_memory": int(client.info("memory")["used_memory"]),
    }
    decide = client.register_script(DECIDE_LUA)
    entries: list[tuple[str, str]] = []
    while True:
        got = client.xreadgroup(keys.CONSUMER_GROUP, "bench-memory", {keys.ORDER_STREAM: ">"}, count=10_000)
        if not got or not got[0][1]:
            break
        entries += [(eid, f[keys.STREAM_ORDER_ID_FIELD]) for eid, f in got[0][1]]
    reserved = 0
    for i in range(0, len(entries), 1000):
        pipe = client.pipeline(transaction=False)
        for eid, oid in entries[i : i + 1000]:
            step_keys, args = lifecycle.reserve_call(oid, entry_id=eid, now=utc_timestamp(), hold_ms=hold_ms)
            decide(keys=step_keys, args=args, client=pipe)
        reserved += sum(1 for reply in pipe.execute() if reply[0] == "reserved")
    after = {
        "holds": memory_usage(client, keys.HOLDS),
        "stock_held": memory_usage(client, keys.STOCK_HELD),
        "order_hashes": hashes_memory(client, ids),
        "used_memory": int(client.info("memory")["used_memory"]),
    }
    ledger = sample_ledger(client)
    try:
        assert_ledger_balanced(ledger)
        held = sum(f["held"] for f in ledger.values())
        assert client.zcard(keys.HOLDS) == reserved, "the deadline index does not list every held order"
        invariants = "ok"
    except AssertionError as e:
        held, invariants = 0, f"VIOLATED: {e}"
    grown = {name: after[name] - before[name] for name in before}
    per = {name: round(v / reserved, 1) if reserved else None for name, v in grown.items()}
    total = grown["holds"] + grown["stock_held"] + grown["order_hashes"]
    return {
        "orders": len(ids),
        "held_orders": reserved,
        "tickets_held": held,
        "hold_seconds": hold_ms / 1000,
        "order_hash_encoding": client.object("encoding", keys.order_key(ids[0])) if ids else None,
        "holds_encoding": client.object("encoding", keys.HOLDS),
        "before": before,
        "after": after,
        "bytes_per_held_order": per,
        "bytes_per_held_order_total": round(total / reserved, 1) if reserved else None,
        "mib_per_100k_held": round(total / reserved * 100_000 / 2**20, 1) if reserved else None,
        "invariants": invariants,
    }


def provider_db(url: str) -> str:
    """The provider's own database on the same server: a flush of the orders' database between runs
    leaves its ledger alone."""
    base, _, _ = url.rpartition("/")
    return f"{base}/1"


def run(ctx) -> dict:
    worker = WorkerSettings.model_fields
    concurrency, batch = worker["worker_concurrency"].default, worker["worker_batch_size"].default
    hold_ms = int(worker["worker_hold_seconds"].default * 1000)
    provider = provider_defaults()
    capacity = stated_capacity(concurrency, provider["latency_mean_ms"])
    seconds = 2.0 if ctx.quick else 5.0
    ks = KS[:2] if ctx.quick else KS
    held_n = 2_000 if ctx.quick else 10_000
    deadline = Deadline(45 if ctx.quick else 130)
    out: dict = {
        "provider": provider,
        "concurrency": concurrency,
        "batch": batch,
        "stated_capacity_per_worker": round(capacity, 1),
        "seconds_per_run": seconds,
        "cores": ctx.machine["cores"],
        "intake": "pipelined by an open-loop driver every 5 ms, no HTTP",
        "runs": [],
    }
    rng = random.Random(8)
    with ctx.redis() as (url, client), Services(url, ctx.workdir / NAME) as svc:
        port = free_port()
        [provider_proc] = svc.start([stack.provider_service(port, provider_db(url))])
        provider_url = f"http://127.0.0.1:{port}"
        for k in ks:
            if deadline.left() < 4 * seconds + 8:
                log(f"time budget spent: K={k} skipped")
                break
            per_worker = out["runs"][0]["above"]["decided_per_s"] if out["runs"] else capacity
            high = 1.5 * k * per_worker
            log(f"K={k}: {high:,.0f} orders/s offered for {seconds:g} s, then half the rate decided")
            r = run_k(url, client, svc, k, provider_url, provider_proc.pid, high, seconds, deadline, rng)
            out["runs"].append(r)
            below = r.get("below", {})
            log(
                f"  K={k}: {r['above']['decided_per_s']:,.0f} decisions/s; at {below.get('offered_rps', 0):,.0f}/s "
                f"to confirmed p50 {below.get('to_confirmed_ms', {}).get('p50')} ms, "
                f"p99 {below.get('to_confirmed_ms', {}).get('p99')} ms ({r['invariants']})"
            )
        log(f"held-stock memory: {held_n:,} payLater orders reserved")
        out["held"] = held_memory(client, held_n, Deadline(20), hold_ms)  # its own bound: a few seconds
        log(f"  {out['held']['bytes_per_held_order_total']} bytes per held order ({out['held']['invariants']})")
    base = out["runs"][0]["above"]["decided_per_s"] if out["runs"] else 0
    for r in out["runs"]:
        rate = r["above"]["decided_per_s"]
        r["per_worker_per_s"] = round(rate / r["k"], 1)
        r["of_stated"] = round(rate / (r["k"] * capacity), 3)
        r["efficiency"] = round(rate / (r["k"] * base), 3) if base else None
    json.dumps(out)  # every figure must be JSON (the results file)
    return out
