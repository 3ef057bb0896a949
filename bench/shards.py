"""10. Shards (issue 17): decisions/s with 1 and 3 shards, Redis CPU per order per node, the scaling on separate machines.

Method
- Three set-ups, one after the other, the same orders and the same workers:
  1 shard on one Redis (a plain redis-server, as `make up`), 1 shard on the local 3 + 3 Redis Cluster
  (every key on one master: the cost of cluster mode alone), and 3 shards on that cluster
  (REDIS_CLUSTER=true, REDIS_SHARDS=3; tools/redis_cluster.py, AOF everysec as the single one).
- The catalogue: EVENTS_PER_SHARD events on each of the 3 shards (keys.Shards.of_event, crc32 % 3), each
  with the benchmark's ticket types (ids prefixed with the event's, unique across events), stock that
  never runs out; orders spread evenly over the events, so evenly over the shards. With 1 shard every
  event lives in shard 0.
- As in benchmark 2 (bench/workers): WORKERS real worker processes (`python -m order_worker`, default
  settings, the set-up's REDIS_CLUSTER and REDIS_SHARDS) join every shard's group and are paused
  while the orders are written into each shard as the gateway leaves them (bench/preload), to the
  shard's master; the clock runs from SIGCONT until every shard's group has read every entry and holds
  none pending (the entry is acknowledged by the step that makes the order terminal).
- CPU: INFO cpu (used_cpu_user + used_cpu_sys) of every node, replicas too, and /proc of the
  workers, around the drain. A node's CPU is divided by the decisions it served: those of the shards
  whose slot it holds (a replica: its master's), counted by each shard's totals:ended.
- The expected scaling on separate machines (separate_machines): a master saturates at 1 / (its CPU
  per order) orders/s (Redis runs commands on one thread); with each master on its own machine and the
  orders split by shard, the system's ceiling is min over masters of (its ceiling / its share of the
  orders). Computed for the measured 3-shard split, for the even split, and for the bundled demo
  catalogue's split, against the 1-shard ceilings.
- Here the workers and every Redis node share this machine's cores: the measured decisions/s are
  bounded by the machine (the workers' CPU first), not by Redis; the CPU per order is the figure to
  plan with.
"""

from __future__ import annotations

import itertools
import json
import random
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import redis
from redis.crc import key_slot

from ticketing_common import keys, redis_client
from tools import redis_cluster

from .budget import Deadline, log
from .cpu import cpu_seconds, redis_cpu_seconds
from .fixtures import BIG_STOCK, TICKETS, random_lines
from .paths import ROOT
from .preload import encode_orders, load_encoded
from .processes import Services, pause, resume
from .store import init_stock
from .workers import check, evalsha_usec_per_call, wait_all_decided, wait_for_consumers

NAME = "shards"
SHARDS = 3
THREE = keys.Shards(SHARDS)
EVENTS_PER_SHARD = 2
WORKERS = 2
ORDERS = {"full": 30_000, "quick": 3_000}
MOST = 0.99  # the drain's rate is also given to this share of the orders
DEMO_CATALOGUE = ROOT / "api-gateway" / "api_gateway" / "catalogue.json"


@dataclass(frozen=True)
class Setup:
    key: str
    label: str
    cluster: bool
    shards: int

    def env(self) -> dict[str, str]:
        env = {"REDIS_SHARDS": str(self.shards)}
        return {**env, "REDIS_CLUSTER": "true"} if self.cluster else env


SETUPS = (
    Setup("single-1", "1 shard, one Redis", False, 1),
    Setup("cluster-1", "1 shard, cluster", True, 1),
    Setup("cluster-3", "3 shards, cluster", True, 3),
)


# ---- the arithmetic (plain functions, unit-tested) ----


def cpu_us_per_order(cpu_s: Mapping[str, float], decided: Mapping[str, int]) -> dict[str, float | None]:
    """Each node's CPU seconds over the decisions it served, in µs; None for a node that served none."""
    return {node: (cpu_s[node] / decided[node] * 1e6 if decided.get(node) else None) for node in cpu_s}


def shares(decided: Mapping[str, int]) -> dict[str, float]:
    """Each node's share of all the decisions."""
    total = sum(decided.values())
    if total <= 0:
        raise ValueError("no decisions to share out")
    return {node: n / total for node, n in decided.items()}


def ceiling(us_per_order: Mapping[str, float | None], share: Mapping[str, float]) -> float:
    """Orders/s the system sustains with every node on a machine of its own: a node saturates at
    1e6 / (its µs per order) orders/s and gets `share` of the orders, so the system stops at
    min over nodes of (node ceiling / node share). Nodes with no share do not bound it."""
    bounds = []
    for node, s in share.items():
        if s <= 0:
            continue
        us = us_per_order.get(node)
        if not us or us <= 0:
            raise ValueError(f"node {node} takes a share {s} of the orders but has no CPU per order")
        bounds.append(1e6 / us / s)
    if not bounds:
        raise ValueError("no node takes any share of the orders")
    return min(bounds)


def separate_machines(
    one_shard: Mapping[str, float],
    masters_us: Mapping[str, float | None],
    measured_decided: Mapping[str, int],
    splits: Mapping[str, Mapping[str, float]] | None = None,
) -> dict:
    """The expected ceilings on separate machines: each 1-shard set-up's (one master, all the orders:
    1e6 / µs), then the 3-shard masters' at the measured split, the even split and any other `splits`
    (name -> node -> share), each with its ratio to every 1-shard ceiling."""
    ones = {name: 1e6 / us for name, us in one_shard.items()}
    named: dict[str, Mapping[str, float]] = {
        "measured": shares(measured_decided),
        "even": dict.fromkeys(masters_us, 1 / len(masters_us)),
    }
    named.update(splits or {})
    out: dict = {"one_shard_orders_per_s": ones, "three_shards": {}}
    for name, split in named.items():
        c = ceiling(masters_us, split)
        out["three_shards"][name] = {
            "shares": split,
            "orders_per_s": c,
            "ratio_to": {one: c / base for one, base in ones.items()},
        }
    return out


def time_to(progress: list[tuple[float, int]], t0: float, count: int) -> float | None:
    """Seconds from t0 to the first sample with at least `count` decided; None if none got there."""
    return next((t - t0 for t, decided in progress if decided >= count), None)


def demo_split(shards: keys.Shards, path: Path = DEMO_CATALOGUE) -> dict[int, float]:
    """Shard -> share of the orders if every event of the bundled catalogue got as many orders."""
    events = [e["id"] for e in json.loads(path.read_text())]
    return {k: sum(1 for e in events if shards.of_event(e) == k) / len(events) for k in shards}


# ---- the catalogue and the orders ----


def bench_events(shards: keys.Shards = THREE, per_shard: int = EVENTS_PER_SHARD) -> list[str]:
    """Event ids `bench-event-<i>`, the first `per_shard` that fall on each shard (crc32 % N)."""
    taken: dict[int, list[str]] = {k: [] for k in shards}
    for i in itertools.count(1):
        event = f"bench-event-{i}"
        bucket = taken[shards.of_event(event)]
        if len(bucket) < per_shard:
            bucket.append(event)
        if all(len(b) == per_shard for b in taken.values()):
            return sorted((e for b in taken.values() for e in b), key=lambda e: int(e.rsplit("-", 1)[1]))
    raise AssertionError("unreachable")


def event_tickets(event: str) -> list:
    """The benchmark's ticket types for one event: ids unique across events, as the catalogue wants."""
    return [(f"{event}-{tid}", type_, price) for tid, type_, price in TICKETS]


def encode_setup(
    n: int, events: list[str], shards: keys.Shards, rng: random.Random
) -> dict[int, list[tuple[list[str], bytes]]]:
    """n orders spread evenly over `events` (round robin), each in its event's shard: shard -> batches."""
    by_shard: dict[int, list[str]] = {k: [e for e in events if shards.of_event(e) == k] for k in shards}
    counts = {k: sum(1 for i in range(n) if events[i % len(events)] in by_shard[k]) for k in shards}
    out = {}
    for k, evs in by_shard.items():
        if not counts[k]:
            continue
        cycle = itertools.cycle(evs)
        out[k] = encode_orders(
            counts[k],
            rng,
            lines=lambda r, c=cycle: random_lines(r, tickets=event_tickets(next(c))),
            shards=shards,
            shard=k,
        )
    return out


# ---- the nodes ----


@dataclass(frozen=True)
class Node:
    port: int
    role: str  # "master" or "replica"
    shards: tuple[int, ...]  # the shards whose keys it holds (a replica: its master's)

    @property
    def name(self) -> str:
        return f"{self.role} :{self.port}"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"


def shard_slot(shards: keys.Shards, k: int) -> int:
    return key_slot(shards.order_stream(k).encode())


def layout(url: str, cluster: bool, shards: keys.Shards) -> list[Node]:
    """Every node and the shards it holds: the one Redis, or every node of the cluster (CLUSTER NODES)."""
    port = urlsplit(url).port or 6379
    if not cluster:
        return [Node(port, "master", tuple(shards))]
    views = redis_cluster.cluster_nodes(port)
    served = {
        v.node_id: tuple(k for k in shards if any(lo <= shard_slot(shards, k) <= hi for lo, hi in v.slots))
        for v in views
        if v.is_master and v.slots
    }
    nodes = [Node(v.port, "master", served[v.node_id]) for v in views if v.node_id in served]
    nodes += [Node(v.port, "replica", served.get(v.master_id or "", ())) for v in views if not v.is_master]
    # Masters first, each kind by the shard it holds (none last): the order the report lists them in.
    return sorted(nodes, key=lambda n: (n.role != "master", n.shards or (shards.count,), n.port))


def decided_per_shard(client: redis_client.SyncClient, shards: keys.Shards) -> dict[int, int]:
    """Orders that reached a terminal status in each shard (its totals:ended, written by the deciding step)."""
    return {k: sum(int(v) for v in client.hgetall(shards.totals_ended(k)).values()) for k in shards}


# ---- one set-up ----


def worker_trouble(procs: list) -> dict:
    """The workers' own counts (GET /stats): errors (a failed step leaves its entry pending until it is
    reclaimed), entries reclaimed, and the last error's message."""
    errors = reclaimed = 0
    last = None
    for p in procs:
        url = (p.service.ready_url or "").removesuffix("/readyz") + "/stats"
        try:
            stats = httpx.get(url, timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return {"worker_errors": None, "reclaimed": None, "last_worker_error": f"{url} did not answer"}
        errors += int(stats.get("errors", 0))
        reclaimed += int(stats.get("reclaimed", 0))
        last = stats.get("lastError") or last
    return {"worker_errors": errors, "reclaimed": reclaimed, "last_worker_error": last}


def measure(setup: Setup, url: str, workdir: Path, n: int, deadline: Deadline, k: int = WORKERS) -> dict:
    """Preload n orders into the set-up's shards, let k paused workers loose, time the drain; CPU per node."""
    shards = keys.Shards(setup.shards)
    nodes = layout(url, setup.cluster, shards)
    masters = {s: node for node in nodes if node.role == "master" for s in node.shards}
    clients = {node.name: redis.Redis.from_url(node.url, decode_responses=True) for node in nodes}
    client = redis_client.connect(url, cluster=setup.cluster)
    try:
        for node in nodes:
            if node.role == "master":
                clients[node.name].flushall()  # a replica follows its master
        events = bench_events()
        for s in shards:
            stock = {t[0]: BIG_STOCK for e in events if shards.of_event(e) == s for t in event_tickets(e)}
            if stock:
                init_stock(client, stock, shards, s)
        encoded = encode_setup(n, events, shards, random.Random(17))
        streams = [shards.order_stream(s) for s in shards]
        with Services(url, workdir / setup.key) as svc:
            procs = svc.workers(k, prefix=f"{setup.key}-worker", **setup.env())
            wait_for_consumers(client, k, deadline, streams)
            pause(procs)
            try:
                ids = [
                    o for s, batches in encoded.items() for o in load_encoded(masters[s].url, client, batches, deadline)
                ]
            except BaseException:
                resume(procs)  # a stopped process would not see the SIGTERM that stops it
                raise
            for c in clients.values():
                c.config_resetstat()
            worker0 = sum(cpu_seconds(p.pid) for p in procs)
            node0 = {name: redis_cpu_seconds(c) for name, c in clients.items()}
            progress: list[tuple[float, int]] = []
            t0 = time.perf_counter()
            resume(procs)
            complete = wait_all_decided(client, len(ids), deadline, streams=streams, progress=progress)
            elapsed = time.perf_counter() - t0
            worker_cpu = sum(cpu_seconds(p.pid) for p in procs) - worker0
            node_cpu = {name: redis_cpu_seconds(c) - node0[name] for name, c in clients.items()}
            evalsha = {name: evalsha_usec_per_call(c) for name, c in clients.items()}
            per_shard = decided_per_shard(client, shards)
            trouble = worker_trouble(procs)
        invariants, statuses = check(client, ids, shards) if complete else ("not checked (time budget)", {})
    finally:
        client.close()
        for c in clients.values():
            c.close()
    decided = sum(per_shard.values())
    most = int(len(ids) * MOST)
    to_most = time_to(progress, t0, most)
    node_decided = {node.name: sum(per_shard[s] for s in node.shards) for node in nodes}
    per_order = cpu_us_per_order(node_cpu, node_decided)
    return {
        "setup": setup.key,
        "label": setup.label,
        "cluster": setup.cluster,
        "shards": setup.shards,
        "workers": k,
        "orders": len(ids),
        "decided": decided,
        "decided_per_shard": per_shard,
        "complete": complete,
        "seconds": round(elapsed, 3),
        "orders_per_s": round(decided / elapsed, 1) if elapsed else 0.0,
        # The rate to the first 99 %: without the wait for an entry whose step failed (a worker error)
        # to go idle for WORKER_CLAIM_IDLE_MS and be reclaimed, which the full drain then includes.
        "seconds_to_99pct": None if to_most is None else round(to_most, 3),
        "orders_per_s_to_99pct": round(most / to_most, 1) if to_most else None,
        **trouble,
        "worker_cpu_s": round(worker_cpu, 2),
        "worker_cpu_us_per_order": round(worker_cpu / decided * 1e6, 1) if decided else None,
        # The machine's cores the workers and Redis kept busy through the drain (of ctx.machine's cores).
        "cores_busy": round((worker_cpu + sum(node_cpu.values())) / elapsed, 2) if elapsed else None,
        "redis_cpu_s": round(sum(node_cpu.values()), 3),
        "redis_cpu_us_per_order": round(sum(node_cpu.values()) / decided * 1e6, 1) if decided else None,
        "nodes": [
            {
                "node": node.name,
                "role": node.role,
                "shards": list(node.shards),
                "decided": node_decided[node.name],
                "cpu_s": round(node_cpu[node.name], 3),
                "cpu_us_per_order": None if (us := per_order[node.name]) is None else round(us, 1),
                "evalsha_us_per_call": evalsha[node.name],
            }
            for node in nodes
        ],
        "statuses": statuses,
        "invariants": invariants,
    }


def scaling(runs: Mapping[str, dict]) -> dict | None:
    """The expected ceilings on separate machines, from the runs' per-master figures (None without them)."""
    three = runs.get("cluster-3")
    ones = {
        key: next(n["cpu_us_per_order"] for n in r["nodes"] if n["role"] == "master" and n["decided"])
        for key, r in runs.items()
        if r["shards"] == 1 and r["decided"]
    }
    if not three or not three["decided"] or not ones:
        return None
    masters = [n for n in three["nodes"] if n["role"] == "master"]
    us = {n["node"]: n["cpu_us_per_order"] for n in masters}
    by_shard = demo_split(keys.Shards(three["shards"]))
    demo = {n["node"]: sum(by_shard[s] for s in n["shards"]) for n in masters}
    out = separate_machines(ones, us, {n["node"]: n["decided"] for n in masters}, {"demo catalogue": demo})
    # Worker cores the 3-shard ceiling would need (workers scale out: every worker reads every shard).
    w = three["worker_cpu_us_per_order"]
    out["one_shard_orders_per_s"] = {k: round(v) for k, v in out["one_shard_orders_per_s"].items()}
    for c in out["three_shards"].values():
        c["worker_cores_needed"] = round(c["orders_per_s"] * w / 1e6, 1) if w else None
        c["orders_per_s"] = round(c["orders_per_s"])
        c["shares"] = {node: round(s, 3) for node, s in c["shares"].items()}
        c["ratio_to"] = {k: round(v, 2) for k, v in c["ratio_to"].items()}
    return out


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """A SIGTERM to the bench runs the finally blocks (workers and cluster stopped), as Ctrl-C does."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(ctx, cluster_url: str | None = None, single_url: str | None = None) -> dict:
    """The three set-ups. `single_url`/`cluster_url`: an existing, empty Redis / cluster (the tests');
    without them, a redis-server and a 3 + 3 cluster of its own, stopped at the end."""
    n = ORDERS["quick" if ctx.quick else "full"] if not getattr(ctx, "orders", None) else ctx.orders
    deadline = Deadline(120 if ctx.quick else 300)
    runs: dict[str, dict] = {}
    with _sigterm_unwinds():
        single = nullcontext((single_url, None)) if single_url else ctx.redis()
        with single as (url, _):
            log(f"{SETUPS[0].label}: {n:,} orders, {WORKERS} workers")
            runs[SETUPS[0].key] = _one(SETUPS[0], url, ctx, n, deadline)
        cluster_cm = nullcontext(cluster_url) if cluster_url else _own_cluster()
        with cluster_cm as url:
            for setup in SETUPS[1:]:
                if deadline.left() < 10:
                    log(f"time budget spent: {setup.label} skipped")
                    break
                log(f"{setup.label}: {n:,} orders, {WORKERS} workers")
                runs[setup.key] = _one(setup, url, ctx, n, deadline)
    return {
        "orders": n,
        "workers": WORKERS,
        "cores": ctx.machine["cores"],
        "events": {e: THREE.of_event(e) for e in bench_events()},
        "runs": list(runs.values()),
        "separate_machines": scaling(runs),
        "bound": (
            f"the {WORKERS} workers and every Redis node share this machine's {ctx.machine['cores']} cores: "
            "decisions/s here are bounded by the machine, not by Redis; plan with the CPU per order"
        ),
    }


@contextmanager
def _own_cluster() -> Iterator[str]:
    log("starting a local Redis Cluster, 3 masters + 3 replicas")
    with redis_cluster.local_cluster() as cluster:
        yield cluster.url


def _one(setup: Setup, url: str, ctx, n: int, deadline: Deadline) -> dict:
    r = measure(setup, url, ctx.workdir / NAME, n, deadline)
    masters = ", ".join(
        f"{x['node']} {x['cpu_us_per_order']} µs/order" for x in r["nodes"] if x["role"] == "master" and x["decided"]
    )
    log(
        f"  {r['orders_per_s']:,.0f} decisions/s, workers {r['worker_cpu_us_per_order']} µs/order, "
        f"Redis {masters}; {r['invariants']}"
    )
    return r
