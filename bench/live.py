"""9. Live updates: intake throughput with 0 and with 1,000 idle SSE subscribers, and their memory.

Method
- The gateway runs as production runs it (`python -m api_gateway`, default gunicorn settings); the
  live-updates service as `make up` runs it (`python -m live_updates`, one uvicorn process). Both on
  the same machine and the same Redis, as in the local stack. No order worker runs: intake alone, so
  the subscribers stay idle (no status changes), as most of a waiting crowd does.
- Load: wrk, closed loop, POST /orders to the gateway (bench/wrk.lua, as benchmark 1), a fixed number
  of keep-alive connections, each run bounded by its duration and a request count, after a warm-up.
- Subscribers: N plain sockets, each `GET /orders/<id>` of its own pending order on the live service,
  held open (their first event read, then left idle; the keep-alive comments wait in the kernel's
  buffers). Rounds alternate without and with them (opened before the run, closed after), so the
  ratio holds on a noisy machine: the figures are the medians of the rounds, and of each round's
  with/without ratio; the gateway's CPU per request is given too, as it is far less noisy than the rate.
- Memory: the live service's RSS (/proc VmRSS) before and after opening the N, divided by N; and the
  CPU seconds it used while the N sat idle during the run.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from ticketing_common import keys
from ticketing_common.order_record import OrderLine, new_order_fields, utc_timestamp
from tools import stack
from tools.redis_server import free_port

from .budget import log
from .closedloop import wrk
from .cpu import cpu_seconds
from .fixtures import TICKET_IDS, TICKETS
from .intake import CONNECTIONS, median
from .processes import Services

NAME = "live"
SUBSCRIBERS = 1000


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def subscribers_gauge(port: int) -> float:
    """The live service's own count of open order streams (its /metrics), to check the N are held."""
    import httpx

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    line = next(l for l in text.splitlines() if l.startswith('live_subscribers{channel="orders"}'))
    return float(line.split()[-1])


def make_orders(client, n: int) -> list[str]:
    """N pending orders, stored as intake stores them (no stream entry: nobody decides them)."""
    ids = [f"00000000-0000-4000-9000-{i:012d}" for i in range(n)]
    tid, type_, price = TICKETS[0]
    pipe = client.pipeline(transaction=False)
    for order_id in ids:
        fields = new_order_fields(
            order_id=order_id,
            customer_name="Bench",
            customer_email="bench@example.com",
            payment_method="credit_card",
            lines=[OrderLine(tid, type_, 1, price)],
            currency="EUR",
            created_at=utc_timestamp(),
        )
        pipe.hset(keys.order_key(order_id), mapping=fields)
    pipe.execute()
    return ids


def subscribe(port: int, order_ids: list[str], timeout: float = 30.0) -> list[socket.socket]:
    """One open SSE stream per order id, each answered 200 with its first event; raises if one is not."""
    deadline = time.monotonic() + timeout
    socks = []
    try:
        for order_id in order_ids:
            s = socket.create_connection(("127.0.0.1", port), timeout=max(deadline - time.monotonic(), 1))
            socks.append(s)
            s.sendall(f"GET /orders/{order_id} HTTP/1.1\r\nHost: live\r\nAccept: text/event-stream\r\n\r\n".encode())
        for s in socks:
            got = b""
            while b"event: order" not in got:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError(f"a subscriber's stream closed early: {got[:200]!r}")
                got += chunk
            if not got.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"a subscriber was refused: {got[:200]!r}")
    except BaseException:
        close(socks)
        raise
    return socks


def close(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


def run(ctx) -> dict:
    rounds = 1 if ctx.quick else 5
    seconds = 2 if ctx.quick else 3
    n = 200 if ctx.quick else SUBSCRIBERS
    workdir: Path = ctx.workdir / NAME
    out: dict = {"connections": CONNECTIONS, "rounds": rounds, "seconds_per_run": seconds, "subscribers": n}
    arg = ",".join(TICKET_IDS)
    with ctx.redis() as (url, client), Services(url, workdir) as svc:
        gateway_proc, gateway = svc.gateway()
        port = free_port()
        [live_proc] = svc.start([stack.live_service(port, url, gateway)])
        order_ids = make_orders(client, n)
        wrk(gateway, "post-orders", connections=CONNECTIONS, seconds=1, max_requests=20_000, expect=201, arg=arg)
        runs: dict[str, list[dict]] = {"none": [], "idle": []}
        memory: list[float] = []
        open_streams: list[float] = []
        live_cpu: list[float] = []
        log(f"POST /orders, {rounds} x {seconds}s each without and with {n} idle subscribers, alternately")
        for _ in range(rounds):
            for label in ("none", "idle"):
                socks: list[socket.socket] = []
                if label == "idle":
                    before = rss_bytes(live_proc.pid)
                    socks = subscribe(port, order_ids)
                    time.sleep(0.5)  # let the service settle (allocations after the first event)
                    memory.append((rss_bytes(live_proc.pid) - before) / n)
                    open_streams.append(subscribers_gauge(port))
                try:
                    cpu0 = cpu_seconds(live_proc.pid)
                    result = wrk(
                        gateway,
                        "post-orders",
                        connections=CONNECTIONS,
                        seconds=seconds,
                        max_requests=seconds * 20_000,
                        expect=201,
                        arg=arg,
                        server_pid=gateway_proc.pid,
                        client=client,
                    )
                    if label == "idle":
                        live_cpu.append(cpu_seconds(live_proc.pid) - cpu0)
                finally:
                    close(socks)
                runs[label].append(result.as_dict())
                client.delete(keys.ORDER_STREAM)  # no worker: keep the backlog bound out of reach
                time.sleep(0.5)  # closed streams leave the service (it notices at its next write)
        for label, rs in runs.items():
            out[label] = {
                "rps": round(median([r["rps"] for r in rs]), 1),
                "p50_ms": round(median([r["p50_ms"] for r in rs]), 2),
                "p99_ms": round(median([r["p99_ms"] for r in rs]), 2),
                "rps_rounds": [r["rps"] for r in rs],
                "bad_status": sum(r["bad_status"] for r in rs),
                "socket_errors": sum(r["socket_errors"] for r in rs),
                # CPU the gateway spent per request: what the subscribers could cost it, far less noisy
                # than the rate on a shared machine.
                "gateway_cpu_ms_per_request": round(
                    sum(r["cpu_server_s"] for r in rs) / max(sum(r["requests"] for r in rs), 1) * 1000, 3
                ),
            }
        out["ratio"] = round(out["idle"]["rps"] / out["none"]["rps"], 3) if out["none"]["rps"] else None
        # Each round's with/without pair ran back to back: the median of their ratios cancels slow drifts
        # of the machine's load.
        pairs = [i["rps"] / n_["rps"] for n_, i in zip(runs["none"], runs["idle"], strict=True) if n_["rps"]]
        out["ratio_of_pairs"] = round(median(pairs), 3) if pairs else None
        # The first round's growth is the cost: later rounds reuse the memory the closed streams left to
        # Python's allocator (it is not given back to the system), so they show little or none.
        out["rss_bytes_per_subscriber"] = round(memory[0])
        out["rss_per_subscriber_rounds"] = [round(m) for m in memory]
        out["open_streams_seen"] = open_streams
        out["live_cpu_s_during_idle_run"] = round(median(live_cpu), 3)
        out["live_rss_bytes_at_end"] = rss_bytes(live_proc.pid)
        log(
            f"  without: {out['none']['rps']:,.0f} req/s, with {n} idle: {out['idle']['rps']:,.0f} req/s "
            f"(ratio {out['ratio']}); {out['rss_bytes_per_subscriber'] / 1024:.1f} KiB RSS per subscriber"
        )
    return out
