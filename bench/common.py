"""What every benchmark shares: Redis, the services as processes, orders written straight into Redis,
wrk, CPU accounting, a time budget, and the machine description.

Everything runs on 127.0.0.1: a throwaway redis-server on a free port (configured as `make up`
configures it: AOF, fsync every second, no RDB snapshots), the real gateway and workers started
with the same helpers as `make up` (tools/stack.py), and load tools as local processes.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import redis

from ticketing_common.order_record import utc_timestamp
from ticketing_common import keys
from ticketing_common.order_record import OrderLine, new_order_fields
from tools import stack
from tools.redis_server import free_port, redis_server

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PYTHON = sys.executable
WRK_SCRIPT = BENCH / "wrk.lua"

# The tickets every benchmark sells: the ids and prices of the bundled catalogue, with a stock
# large enough that no order is refused for want of it (the confirm path is the costlier one).
BIG_STOCK = 1_000_000_000
TICKETS = [
    ("ga-adult", "adult", Decimal("89.00")),
    ("ga-early-bird", "adult", Decimal("69.00")),
    ("ga-student", "student", Decimal("59.00")),
    ("ga-child", "child", Decimal("25.00")),
    ("ga-senior", "senior", Decimal("55.00")),
    ("vip-lounge", "vip", Decimal("249.00")),
    ("vip-backstage", "vip", Decimal("599.00")),
]
TICKET_IDS = [t[0] for t in TICKETS]


def catalogue(tickets=TICKETS, stock: int = BIG_STOCK) -> dict:
    return {
        "currency": "EUR",
        "tickets": [
            {"id": tid, "name": tid.replace("-", " ").title(), "type": type_, "price": float(price), "stock": stock,
             "description": "benchmark ticket"}
            for tid, type_, price in tickets
        ],
    }


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- time budget -------------------------------------------------------------------------------

class Deadline:
    """A wall-clock bound for one benchmark: every loop checks it, so nothing runs away."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return time.monotonic() >= self.at


# --- Redis ---------------------------------------------------------------------------------------

# As `make up` runs Redis (tools/stack.py redis_service): append-only file, fsync every second.
REDIS_ARGS = ("--appendonly", "yes", "--appendfsync", "everysec")


@contextmanager
def bench_redis() -> Iterator[tuple[str, redis.Redis]]:
    """A fresh redis-server of its own; yields its URL and a decoded client."""
    with redis_server(*REDIS_ARGS) as url:
        client = redis.Redis.from_url(url, decode_responses=True)
        try:
            yield url, client
        finally:
            client.close()


def redis_pid(client: redis.Redis) -> int:
    return int(client.info("server")["process_id"])


def redis_version() -> str:
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"v=(\S+)", out)
    return m.group(1) if m else out.strip()


def init_stock(client: redis.Redis, stock: dict[str, int]) -> None:
    """What the gateway's initialise_stock does: available and initial stock per ticket."""
    pipe = client.pipeline(transaction=True)
    for ticket, n in stock.items():
        pipe.hset(keys.STOCK, ticket, n)
        pipe.hset(keys.STOCK_INITIAL, ticket, n)
    pipe.execute()


def random_lines(rng: random.Random, tickets=TICKETS, multi_share: float = 0.4, max_qty: int = 3) -> list[OrderLine]:
    """Single-item orders and (multi_share of them) 2 or 3 distinct ticket types, 1..max_qty tickets a line."""
    n = 1 if rng.random() >= multi_share or len(tickets) == 1 else rng.choice([2, 3])
    return [OrderLine(tid, type_, rng.randint(1, max_qty), price) for tid, type_, price in rng.sample(tickets, n)]


def group_progress(client: redis.Redis) -> tuple[int, int]:
    """(entries read by the consumer group, entries pending in it): all decided when read == N and pending == 0."""
    for g in client.xinfo_groups(keys.ORDER_STREAM):
        if g["name"] == keys.CONSUMER_GROUP:
            return int(g.get("entries-read") or 0), int(g["pending"])
    return 0, 0


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def redis_cpu_seconds(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


# --- processes -----------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process and its waited-for children (/proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks  # utime stime cutime cstime


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its live children (a gunicorn master and its workers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children(pid))


class Services:
    """Services started for one benchmark; everything started is stopped at the end."""

    def __init__(self, redis_url: str, workdir: Path) -> None:
        self.redis_url = redis_url
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.processes: list[stack.Process] = []

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to all at once (a worker may take its WORKER_BLOCK_MS to leave), then wait; SIGKILL stragglers."""
        for p in self.processes:
            p.signal(signal.SIGTERM)
            p.signal(signal.SIGCONT)  # a paused process must run to see its SIGTERM
        for p in self.processes:
            try:
                p.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.signal(signal.SIGKILL)
                p.popen.wait(timeout=10)
        self.processes.clear()

    def start(self, services: list[stack.Service], timeout: float = 60.0) -> list[stack.Process]:
        """Start several services at once (not one after the other), then wait until each is ready."""
        started = [stack.Process(s, self.workdir / "logs") for s in services]
        self.processes += started
        for p in started:
            stack.wait_ready(p, timeout)
        return started

    def gateway(self, cat: dict | None = None, **env: str) -> tuple[stack.Process, str]:
        """The gateway as production runs it (`python -m api_gateway`, default gunicorn settings)."""
        path = self.workdir / "catalogue.json"
        path.write_text(json.dumps(cat or catalogue()))
        port = free_port()
        [p] = self.start([stack.gateway_service(port, self.redis_url, CATALOGUE_PATH=str(path), **env)])
        return p, f"http://127.0.0.1:{port}"

    def ceiling(self, cat: dict | None = None, **env: str) -> tuple[stack.Process, str]:
        """The bare JSON app under the gateway's own gunicorn options (bench/ceiling_app.py)."""
        path = self.workdir / "catalogue.json"
        path.write_text(json.dumps(cat or catalogue()))
        port = free_port()
        service = stack.Service(
            "ceiling", [PYTHON, "-m", "bench.ceiling_app"],
            {"PORT": str(port), "REDIS_URL": self.redis_url, "CATALOGUE_PATH": str(path), **env},
            f"http://127.0.0.1:{port}/readyz",
        )
        [p] = self.start([service])
        return p, f"http://127.0.0.1:{port}"

    def workers(self, k: int, prefix: str = "bench-worker", **env: str) -> list[stack.Process]:
        return self.start([stack.worker_service(f"{prefix}-{i + 1}", free_port(), self.redis_url, **env)
                           for i in range(k)])


def pause(processes: list[stack.Process]) -> None:
    for p in processes:
        p.signal(signal.SIGSTOP)


def resume(processes: list[stack.Process]) -> None:
    for p in processes:
        p.signal(signal.SIGCONT)


# --- wrk -----------------------------------------------------------------------------------------

@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    bad_status: int
    socket_errors: int
    cpu_server_s: float = 0.0  # CPU seconds the server (process tree) used during the run
    cpu_redis_s: float = 0.0

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}


def wrk(url: str, mode: str, *, connections: int, seconds: float, max_requests: int, threads: int = 1,
        expect: int = 200, arg: str = "", server_pid: int | None = None,
        client: redis.Redis | None = None) -> WrkResult:
    """One closed-loop wrk run (each connection sends its next request when the previous answer
    arrives), bounded by `seconds` and by `max_requests` (bench/wrk.lua stops the thread)."""
    per_thread = max(max_requests // threads, 1)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(int(round(seconds)), 1)}s", "--timeout", "10s",
            "-s", str(WRK_SCRIPT), url, "--", mode, str(per_thread), str(expect), arg or "-",
            str(random.getrandbits(31))]
    cpu0 = tree_cpu_seconds(server_pid) if server_pid else 0.0
    redis0 = redis_cpu_seconds(client) if client else 0.0
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    cpu1 = tree_cpu_seconds(server_pid) if server_pid else 0.0
    redis1 = redis_cpu_seconds(client) if client else 0.0
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    d = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = d["duration_us"] / 1e6
    return WrkResult(
        requests=d["requests"], seconds=seconds_run, rps=d["requests"] / seconds_run if seconds_run else 0.0,
        p50_ms=d["p50_us"] / 1000, p90_ms=d["p90_us"] / 1000, p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000, mean_ms=d["mean_us"] / 1000,
        bad_status=d["bad_status"], socket_errors=d["socket_errors"],
        cpu_server_s=cpu1 - cpu0, cpu_redis_s=redis1 - redis0,
    )


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    m = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "?"


# --- the machine -----------------------------------------------------------------------------------

def machine() -> dict:
    cpu_model, mhz, family, virtual = "?", None, None, False
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "model name" and cpu_model == "?":
                cpu_model = value
            elif key == "cpu MHz" and mhz is None:
                mhz = round(float(value))
            elif key == "cpu family" and family is None:
                family = value
            elif key == "flags":
                virtual = "hypervisor" in value.split()
    except (OSError, ValueError):
        pass
    mem_gib = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem_gib = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    import gunicorn
    import redis as redis_py

    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model + (f" (family {family})" if family else "") + (f", {mhz} MHz" if mhz else "")
               + (", virtual machine" if virtual else ""),
        "memory_gib": mem_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "redis_server": redis_version(),
        "redis_py": redis_py.__version__,
        "gunicorn": gunicorn.__version__,
        "wrk": wrk_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def have(program: str) -> bool:
    return shutil.which(program) is not None


# --- a raw pipelined Redis connection ----------------------------------------------------------

def resp(*args) -> bytes:
    """One command in the Redis protocol."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


SENTINEL = resp("ECHO", "bench-batch-end")
SENTINEL_REPLY = b"$15\r\nbench-batch-end\r\n"


class RawRedis:
    """Pre-encoded command batches over a plain socket: no client library work in the timed loop.

    Each batch is followed by an ECHO whose answer marks the end of the batch's replies.
    """

    def __init__(self, url: str) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 6379))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def batch(self, payload: bytes) -> bytes:
        """Send a batch of commands, return the raw replies (without the sentinel's)."""
        self.sock.sendall(payload + SENTINEL)
        buf = bytearray()
        while not buf.endswith(SENTINEL_REPLY):
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            buf += chunk
        return bytes(buf[: -len(SENTINEL_REPLY)])

    def close(self) -> None:
        self.sock.close()


def reply_errors(replies: bytes) -> int:
    """How many error replies a batch's raw replies hold (no bulk string we use starts with '-')."""
    return replies.count(b"\r\n-") + (1 if replies.startswith(b"-") else 0)


def encode_orders(count: int, rng: random.Random, *, lines=random_lines, batch: int = 1000) -> list[tuple[list[str], bytes]]:
    """`count` new pending orders as the gateway leaves them in Redis: the order hash (HSET, built
    with the shared contract's new_order_fields) and its stream entry (XADD), pre-encoded in
    batches: [(order ids, commands), ...]. (The gateway does both in one Lua step, with its
    idempotency and backpressure checks; the state it leaves is the same.)"""
    created_at = utc_timestamp()
    out = []
    seq = 0
    while seq < count:
        ids, cmds = [], []
        for _ in range(min(batch, count - seq)):
            seq += 1
            order_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))  # as the gateway names orders
            fields = new_order_fields(
                order_id=order_id, customer_name=f"Bench Customer {seq}",
                customer_email=f"bench+{seq}@example.com", payment_method="credit_card",
                lines=lines(rng), currency="EUR", created_at=created_at,
            )
            flat = [x for kv in fields.items() for x in kv]
            cmds.append(resp("HSET", keys.order_key(order_id), *flat))
            cmds.append(resp("XADD", keys.ORDER_STREAM, "*", keys.STREAM_ORDER_ID_FIELD, order_id))
            ids.append(order_id)
        out.append((ids, b"".join(cmds)))
    return out


def load_encoded(url: str, client: redis.Redis, encoded: list[tuple[list[str], bytes]],
                 deadline: Deadline | None = None) -> list[str]:
    """Write pre-encoded orders into Redis; returns their ids."""
    raw = RawRedis(url)
    ids: list[str] = []
    try:
        for batch_ids, payload in encoded:
            if deadline and deadline.expired():
                raise TimeoutError(f"preloading stopped by the time budget after {len(ids)} orders")
            replies = raw.batch(payload)
            if reply_errors(replies):
                raise RuntimeError(f"preloading failed: {replies[:200]!r}")
            ids += batch_ids
    finally:
        raw.close()
    return ids


class StreamSampler:
    """Samples XLEN of the order stream (and Redis used_memory) in a thread while orders flow."""

    def __init__(self, url: str, interval: float = 0.05) -> None:
        import threading

        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.interval = interval
        self.samples: list[tuple[float, int, int]] = []  # (seconds since start, XLEN, used_memory)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        t0 = time.perf_counter()
        while not self._stop.is_set():
            pipe = self.client.pipeline(transaction=False)
            pipe.xlen(keys.ORDER_STREAM)
            pipe.info("memory")
            length, memory = pipe.execute()
            self.samples.append((time.perf_counter() - t0, int(length), int(memory["used_memory"])))
            self._stop.wait(self.interval)

    def __enter__(self) -> "StreamSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.close()

    @property
    def max_xlen(self) -> int:
        return max((s[1] for s in self.samples), default=0)

    @property
    def max_used_memory(self) -> int:
        return max((s[2] for s in self.samples), default=0)


def iso_ms(value: str) -> float:
    """'2027-01-01T12:00:00.123Z' -> seconds since the epoch."""
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def percentiles_ms(values_s: list[float]) -> dict:
    if not values_s:
        return {"count": 0}
    s = sorted(values_s)

    def p(q: float) -> float:
        return round(s[min(int(q / 100 * len(s)), len(s) - 1)] * 1000, 1)

    return {"count": len(s), "p50": p(50), "p90": p(90), "p99": p(99), "p999": p(99.9), "max": round(s[-1] * 1000, 1)}


def wait_decided(client: redis.Redis, order_ids: list[str], timeout: float) -> int:
    """Wait (bounded) until every order has a terminal status; returns how many are still open."""
    from ticketing_common.status import TERMINAL_STATUSES

    deadline = time.monotonic() + timeout
    open_ids = list(order_ids)
    while open_ids:
        pipe = client.pipeline(transaction=False)
        for oid in open_ids:
            pipe.hget(keys.order_key(oid), "status")
        open_ids = [o for o, s in zip(open_ids, pipe.execute()) if s not in TERMINAL_STATUSES]
        if not open_ids or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return len(open_ids)


def times_to_decision(client: redis.Redis, order_ids: list[str]) -> list[float]:
    """decidedAt - createdAt of each decided order, in seconds (millisecond timestamps)."""
    pipe = client.pipeline(transaction=False)
    for oid in order_ids:
        pipe.hmget(keys.order_key(oid), ["createdAt", "decidedAt"])
    out = []
    for created, decided in pipe.execute():
        if created and decided:
            out.append(max(iso_ms(decided) - iso_ms(created), 0.0))
    return out


def run_openloop(url: str, rate: float, duration: float, workdir: Path, tickets=TICKET_IDS,
                 max_connections: int = 256, grace: float = 10.0) -> tuple[dict, float]:
    """Run bench/openloop.py as its own process; (its result, its CPU seconds)."""
    import resource

    out_file = workdir / "openloop.json"
    workdir.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [PYTHON, "-m", "bench.openloop", "--url", url, "--rate", f"{rate:.3f}", "--duration", str(duration),
         "--tickets", ",".join(tickets), "--max-connections", str(max_connections), "--grace", str(grace),
         "--out", str(out_file)],
        capture_output=True, text=True, timeout=duration + grace + 60, cwd=ROOT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"open-loop driver failed: {proc.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return json.loads(out_file.read_text()), cpu
