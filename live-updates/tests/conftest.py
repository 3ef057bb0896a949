"""Live-updates test helpers: the real service process on the session's real redis-server, an SSE
reader over real HTTP (an ASGI transport would buffer a stream to its end), and the real Lua steps
to move an order through its lifecycle."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import redis

from ticketing_common import keys, lifecycle
from ticketing_common.order_record import GENERATION, OrderLine, new_order_fields, utc_timestamp
from ticketing_common.status import OrderStatus, Reason
from tools.redis_server import free_port
from tools.stack import Process, Service, wait_ready

ROOT = Path(__file__).resolve().parents[2]
DECIDE_LUA = (ROOT / "order-worker/order_worker/decide_order.lua").read_text()
NOW = "2027-01-01T00:00:00.000Z"


@dataclass
class Event:
    event: str
    data: object
    id: str | None


@dataclass
class SSE:
    """A stream read on a thread: its events arrive in `events` (None once the stream ended)."""

    response: httpx.Response
    events: queue.Queue = field(default_factory=queue.Queue)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None

    def next(self, timeout: float = 10.0) -> Event | None:
        return self.events.get(timeout=timeout)

    def until_closed(self, timeout: float = 10.0) -> list[Event]:
        """Every event until the server ends the stream (bounded by `timeout`)."""
        out: list[Event] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            event = self.events.get(timeout=left)
            if event is None:
                return out
            out.append(event)
        raise TimeoutError(f"the stream did not end in {timeout}s; got {out}")


def parse(lines: Iterator[str], sse: SSE) -> None:
    kind, data, event_id = "message", [], None
    for line in lines:
        if line == "":
            if data:
                sse.events.put(Event(kind, json.loads("\n".join(data)), event_id))
            kind, data, event_id = "message", [], None
        elif line.startswith(":"):
            sse.comments.append(line)
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                event_id = value
            elif name == "retry":
                sse.retry = int(value)
    sse.events.put(None)


class Live:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=httpx.Timeout(10.0, read=30.0))
        self.open: list[httpx.Response] = []

    def stream(self, path: str, headers: dict[str, str] | None = None) -> SSE:
        request = self.http.build_request("GET", path, headers=headers)
        response = self.http.send(request, stream=True)
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        sse = SSE(response)
        self.open.append(response)

        def read() -> None:
            try:
                parse(response.iter_lines(), sse)
            except (httpx.HTTPError, RuntimeError):
                sse.events.put(None)

        threading.Thread(target=read, daemon=True).start()
        return sse

    def close(self) -> None:
        for response in self.open:
            response.close()
        self.http.close()


@contextmanager
def running_service(redis_url: str, **env: str) -> Iterator[str]:
    """The real `python -m live_updates` on a free port (its base URL), fast polling so the tests stay
    short; `env` adds to or overrides its settings (REDIS_SHARDS, REDIS_CLUSTER, ...)."""
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "LIVE_GATEWAY_URL": "http://127.0.0.1:9",  # no gateway: the dashboard's fetch fails quietly
        "LIVE_POLL_SECONDS": "0.1",
        "LIVE_STOCK_SECONDS": "0.1",
        "LIVE_READ_BLOCK_MS": "200",
        "LIVE_KEEPALIVE_SECONDS": "1",
        **env,
    }
    process = Process(
        Service("live-updates", [sys.executable, "-m", "live_updates"], env, f"http://127.0.0.1:{port}/readyz"), None
    )
    try:
        wait_ready(process, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop(10)


@pytest.fixture(scope="module")
def live_service(redis_url: str) -> Iterator[str]:
    """The service on the session's redis-server, one shard, with small subscriber queues (8)."""
    with running_service(redis_url, LIVE_QUEUE_SIZE="8") as url:
        yield url


@pytest.fixture
def live(live_service: str, real_redis: redis.Redis) -> Iterator[Live]:
    client = Live(live_service)
    yield client
    client.close()


class Orders:
    """Orders moved through their lifecycle by the real Lua steps (as the gateway and workers do)."""

    def __init__(self, r: redis.Redis) -> None:
        self.r = r
        r.hset(keys.STOCK, mapping={"adult": 100})
        r.hset(keys.STOCK_INITIAL, mapping={"adult": 100})
        r.xgroup_create(keys.ORDER_STREAM, keys.CONSUMER_GROUP, id="0", mkstream=True)
        self.decide = r.register_script(DECIDE_LUA)
        self.start = r.register_script(lifecycle.lua("start_payment.lua"))
        self.confirm_script = r.register_script(lifecycle.lua("confirm_order.lua"))
        self.release_script = r.register_script(lifecycle.lua("release_order.lua"))
        self.sweep_script = r.register_script(lifecycle.lua("expire_holds.lua"))
        self.entries: dict[str, str] = {}
        self.count = 0

    def create(self, qty: int = 1) -> str:
        self.count += 1
        order_id = f"00000000-0000-4000-8000-{self.count:012d}"
        fields = new_order_fields(
            order_id=order_id,
            customer_name="Ada",
            customer_email="ada@example.com",
            payment_method="card",
            lines=[OrderLine("adult", "Adult", qty, Decimal("10.00"))],
            currency="EUR",
            created_at=utc_timestamp(),
        )
        # Stored as the gateway's intake stores it (enqueue_order.lua, the gateway's own; creation is no
        # status change, so it adds no event): the pending hash and its stream entry.
        self.r.hset(keys.order_key(order_id), mapping={**fields, GENERATION: "0"})
        self.r.xadd(keys.ORDER_STREAM, {keys.STREAM_ORDER_ID_FIELD: order_id})
        got = self.r.xreadgroup(keys.CONSUMER_GROUP, "w", {keys.ORDER_STREAM: ">"})
        self.entries[order_id] = got[0][1][-1][0]
        return order_id

    def run(self, script, call) -> list:
        step_keys, args = call
        return script(keys=step_keys, args=args)

    def reserve(self, order_id: str, hold_ms: int = 900_000) -> list:
        return self.run(
            self.decide, lifecycle.reserve_call(order_id, entry_id=self.entries[order_id], now=NOW, hold_ms=hold_ms)
        )

    def pay(self, order_id: str) -> list:
        return self.run(self.start, lifecycle.start_payment_call(order_id, now=NOW))

    def confirm(self, order_id: str) -> list:
        return self.run(self.confirm_script, lifecycle.confirm_call(order_id, now=NOW))

    def decline(self, order_id: str) -> list:
        return self.run(
            self.release_script,
            lifecycle.release_call(order_id, OrderStatus.PAYMENT_FAILED, Reason.PAYMENT_DECLINED, now=NOW),
        )

    def sweep(self) -> int:
        return self.run(self.sweep_script, lifecycle.expire_holds_call(batch=100, now=NOW))


@pytest.fixture
def orders(real_redis: redis.Redis) -> Orders:
    return Orders(real_redis)


def run_service(env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    """`python -m live_updates` with only `env` added, to its exit."""
    return subprocess.run(
        [sys.executable, "-m", "live_updates"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
