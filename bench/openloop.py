"""An open-loop HTTP driver: POST /orders at a fixed arrival rate, latency measured from the scheduled time.

`python -m bench.openloop --url URL --rate R --duration S --out FILE`

Request i is due at t0 + i/R whatever happened to the earlier ones: a slow answer never delays
the next request (no coordinated omission). A request that finds no idle keep-alive connection
opens a new one, up to --max-connections; beyond that it waits for one, and the wait counts in
its latency, since latency runs from the request's scheduled time to its complete answer.

Why not the workload generator: on the 2-core benchmark machine its httpx client costs about a
millisecond and more of CPU per request, so it cannot offer the rates needed here without taking
the CPU the gateway needs. This driver is plain asyncio (uvloop) over raw HTTP/1.1 with requests
built before the run: tens of microseconds per request. Its own lateness (how late requests left
their slot) is reported, so a driver that fell behind would show.

Bounded: exactly rate x duration requests; answers still missing `--grace` seconds after the last
slot are counted as timeouts. Writes a JSON summary and the created order ids to --out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from .fixtures import TICKET_IDS
from .paths import ROOT
from .stats import percentiles_ms


def order_body(rng: random.Random, seq: int, tickets: list[str]) -> bytes:
    """The same mix as bench/wrk.lua: 60 % one ticket type, 40 % two or three; 1..3 tickets a line."""
    n = 1 if rng.random() < 0.6 else rng.choice([2, 3])
    items = ",".join(f'{{"ticketId":"{t}","qty":{rng.randint(1, 3)}}}' for t in rng.sample(tickets, n))
    return (
        f'{{"customer":{{"name":"Bench Customer {seq}","email":"bench+{seq}@example.com"}},'
        f'"items":[{items}],"paymentMethod":"credit_card"}}'
    ).encode()


def build_requests(host: str, count: int, tickets: list[str], seed: int) -> list[bytes]:
    """POST /orders requests with an Idempotency-Key each, as the web app and the generator send them."""
    rng = random.Random(seed)
    out = []
    for seq in range(1, count + 1):
        body = order_body(rng, seq, tickets)
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        out.append(
            b"POST /orders HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nIdempotency-Key: %s\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (host.encode(), str(key).encode(), len(body), body)
        )
    return out


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection carrying one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(str(exc or "connection closed")))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buf[:end]).lower()
        length = 0
        i = head.find(b"content-length:")
        if i >= 0:
            j = head.find(b"\r\n", i)
            length = int(head[i + 15 : j if j >= 0 else len(head)])
        if len(self.buf) < end + 4 + length:
            return
        status = int(self.buf[9:12])
        body = bytes(self.buf[end + 4 : end + 4 + length])
        del self.buf[: end + 4 + length]
        self.waiter.set_result((status, body, b"connection: close" in head))

    async def send(self, payload: bytes) -> tuple[int, bytes, bool]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(payload)
        return await self.waiter


class Pool:
    def __init__(self, host: str, port: int, max_connections: int) -> None:
        self.host, self.port, self.max = host, port, max_connections
        self.idle: list[Connection] = []
        self.open = 0
        self.free = asyncio.Condition()
        self.opened_total = 0

    async def acquire(self) -> Connection:
        while True:
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed:
                    return conn
                self.open -= 1
            if self.open < self.max:
                self.open += 1
                self.opened_total += 1
                try:
                    _, conn = await asyncio.get_running_loop().create_connection(Connection, self.host, self.port)
                except OSError:
                    self.open -= 1
                    raise
                return conn
            async with self.free:
                await self.free.wait()

    async def release(self, conn: Connection, reusable: bool) -> None:
        if reusable and not conn.closed:
            self.idle.append(conn)
        else:
            self.open -= 1
            if conn.transport:
                conn.transport.close()
        async with self.free:
            self.free.notify()


async def drive(
    url: str, rate: float, duration: float, tickets: list[str], max_connections: int, grace: float, seed: int
) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    count = max(int(rate * duration), 1)
    requests = build_requests(f"{host}:{port}", count, tickets, seed)
    pool = Pool(host, port, max_connections)
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    lateness: list[float] = []
    by_status: dict[int, int] = {}
    errors: dict[str, int] = {}
    order_ids: list[str] = []

    clock = time.perf_counter  # uvloop's loop.time() is cached to the millisecond: too coarse here

    async def fire(payload: bytes, slot: float) -> None:
        lateness.append(clock() - slot)
        try:
            conn = await pool.acquire()
        except OSError as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            return
        try:
            status, body, close = await conn.send(payload)
        except (ConnectionError, OSError) as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
            await pool.release(conn, False)
            return
        latencies.append(clock() - slot)
        by_status[status] = by_status.get(status, 0) + 1
        if status == 201:
            i = body.find(b'"orderId":"')
            if i >= 0:
                order_ids.append(body[i + 11 : body.find(b'"', i + 11)].decode())
        await pool.release(conn, not close)

    tasks: set[asyncio.Task] = set()
    wall_t0 = time.time() + 0.1
    t0 = clock() + 0.1
    interval = 1.0 / rate
    i = 0
    while i < count:
        now = clock()
        while i < count and t0 + i * interval <= now:
            task = loop.create_task(fire(requests[i], t0 + i * interval))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if i < count:
            await asyncio.sleep(max(t0 + i * interval - clock(), 0))
    last_slot = t0 + (count - 1) * interval
    if tasks:
        await asyncio.wait(set(tasks), timeout=max(last_slot + grace - clock(), 0.01))
    timeouts = len(tasks)
    for task in list(tasks):
        task.cancel()
    return {
        "rate": rate,
        "duration_s": duration,
        "scheduled": count,
        "answered": len(latencies),
        "achieved_rps": round(len(latencies) / (max(clock(), last_slot) - t0), 1),
        "by_status": {str(k): v for k, v in sorted(by_status.items())},
        "errors": errors,
        "timeouts": timeouts,
        "latency_ms": percentiles_ms(latencies, digits=3),
        "send_lateness_ms": percentiles_ms(lateness, digits=3),
        "connections_opened": pool.opened_total,
        "started_at": wall_t0,
        "order_ids": order_ids,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.openloop", description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--rate", type=float, required=True, help="requests per second")
    p.add_argument("--duration", type=float, required=True, help="seconds of arrivals")
    p.add_argument("--tickets", required=True, help="comma-separated ticket ids")
    p.add_argument("--max-connections", type=int, default=256)
    p.add_argument("--grace", type=float, default=10.0, help="seconds to wait for answers after the last slot")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(drive(a.url, a.rate, a.duration, a.tickets.split(","), a.max_connections, a.grace, a.seed))
    with open(a.out, "w") as f:
        json.dump(result, f)


def run_openloop(
    url: str,
    rate: float,
    duration: float,
    workdir: Path,
    tickets: list[str] = TICKET_IDS,
    max_connections: int = 256,
    grace: float = 10.0,
    cpus: str | None = None,
) -> tuple[dict, float]:
    """Run this driver as its own process (its CPU apart from the benchmark's), on the CPUs `cpus`
    (taskset's list) if given; (its result, its CPU seconds)."""
    out_file = workdir / "openloop.json"
    workdir.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        (["taskset", "-c", cpus] if cpus else [])
        + [
            sys.executable,
            "-m",
            "bench.openloop",
            "--url",
            url,
            "--rate",
            f"{rate:.3f}",
            "--duration",
            str(duration),
            "--tickets",
            ",".join(tickets),
            "--max-connections",
            str(max_connections),
            "--grace",
            str(grace),
            "--out",
            str(out_file),
        ],
        capture_output=True,
        text=True,
        timeout=duration + grace + 60,
        cwd=ROOT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"open-loop driver failed: {proc.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return json.loads(out_file.read_text()), cpu


if __name__ == "__main__":
    main()
