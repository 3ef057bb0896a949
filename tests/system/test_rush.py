"""A rush of 20,000 visitors through the real waiting room: the real gateway (gunicorn, two processes),
two real order workers, the session's redis-server, the room open at a high fixed rate.

Every visitor joins, polls its place at the pollAfterMs the gateway answers, and once admitted a
quarter of them buy with their admission token. Then: no order is stored without a valid token (the
gateway's use counter names the visitor of every stored order, and every such visitor was admitted),
no token is used beyond its limit (not even by concurrent orders racing for its last use), every
accepted order reaches a terminal status, and the invariants of design.md hold.

The client is a lean one (raw HTTP/1.1 over a fixed pool of keep-alive connections, one request at a
time on each): httpx's ~1 ms of CPU a request would make the client, not the gateway, the bottleneck
of a ~50,000-request run on two cores. The pool's size bounds the requests in flight; the rush as a
whole is bounded by RUSH_DEADLINE_S.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from ticketing_common import keys
from workload_generator.app import build_controller
from workload_generator.settings import WorkloadSettings

from ..invariants import all_order_ids, check_invariants, wait_until_all_terminal
from .conftest import TICKET_IDS
from .load import random_order

pytestmark = pytest.mark.system

VISITORS = 20_000
ARRIVAL_SPREAD_S = 5.0
BUY_EVERY = 4  # one visitor in four buys: the rush is about the room, the order path has its own tests
ROOM_RATE = 5_000  # visitors/s: admission outpaces what the gateway can take in joins, so few polls each
TOKEN_USES = 2
CONNECTIONS = 48  # keep-alive connections: the requests in flight at most
REQUEST_TIMEOUT_S = 30.0
RUSH_DEADLINE_S = 150.0
RACERS = 8  # concurrent orders racing for the uses a token has left


class Http:
    """HTTP/1.1 on a pool of keep-alive connections to one host; a request waits for a free one."""

    def __init__(self, base_url: str, size: int) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        assert self.host == "127.0.0.1"  # tests talk to loopback only
        self.size = size
        self._idle: asyncio.Queue = asyncio.Queue()
        self.requests = 0

    async def __aenter__(self) -> Http:
        for _ in range(self.size):
            self._idle.put_nowait(await asyncio.open_connection(self.host, self.port))
        return self

    async def __aexit__(self, *exc) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

    async def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict]:
        """(status, JSON body or {}); a broken connection fails the test (nothing is retried)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(data)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        reader, writer = conn = await self._idle.get()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                writer.write(head.encode() + b"\r\n" + data)
                answer = await reader.readuntil(b"\r\n\r\n")
                status = int(answer[9:12])
                length = 0
                for line in answer.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                    assert not line.startswith(b"transfer-encoding:"), "a chunked answer"
                payload = await reader.readexactly(length) if length else b""
        except BaseException:
            writer.close()  # its state is unknown: the pool gets a new one
            conn = await asyncio.open_connection(self.host, self.port)
            raise
        finally:
            self._idle.put_nowait(conn)
        self.requests += 1
        return status, (json.loads(payload) if payload else {})


@dataclass
class Rush:
    joined: Counter = field(default_factory=Counter)  # join answers by status
    polls: Counter = field(default_factory=Counter)
    admitted: dict[str, str] = field(default_factory=dict)  # visitorId -> its admission token
    waits_s: list[float] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # orderId answered 201 -> visitorId
    refused: Counter = field(default_factory=Counter)  # order answers that were not 201, by status
    poll_after_ms: Counter = field(default_factory=Counter)


def order_body(rng: random.Random) -> dict:
    return random_order(rng, TICKET_IDS)


async def place(http: Http, rush: Rush, visitor_id: str, token: str | None, body: dict) -> int:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token is not None:
        headers["Admission-Token"] = token
    status, answer = await http.request("POST", "/orders", body, headers)
    if status == 201:
        rush.orders[answer["orderId"]] = visitor_id
    else:
        rush.refused[status] += 1
    return status


async def visitor(http: Http, rush: Rush, sale: str, i: int, rng: random.Random) -> None:
    await asyncio.sleep(ARRIVAL_SPREAD_S * i / VISITORS)
    status, answer = await http.request("POST", f"/sales/{sale}/queue", {})
    rush.joined[status] += 1
    assert status == 201, answer
    visitor_id, joined = answer["visitorId"], time.monotonic()
    while answer["status"] != "admitted":
        rush.poll_after_ms[answer["pollAfterMs"]] += 1
        await asyncio.sleep(answer["pollAfterMs"] / 1000)  # as the gateway asks: not a fixed pace
        status, answer = await http.request("GET", f"/sales/{sale}/queue/{visitor_id}")
        rush.polls[status] += 1
        assert status == 200, answer
    rush.waits_s.append(time.monotonic() - joined)
    rush.admitted[visitor_id] = answer["admissionToken"]
    assert answer["usesLeft"] == TOKEN_USES
    if i % BUY_EVERY == 0:
        assert await place(http, rush, visitor_id, answer["admissionToken"], order_body(rng)) == 201


async def run_rush(base_url: str, sale: str) -> Rush:
    rush, rng = Rush(), random.Random(14)
    async with Http(base_url, CONNECTIONS) as http:
        async with asyncio.timeout(RUSH_DEADLINE_S):
            await asyncio.gather(*(visitor(http, rush, sale, i, rng) for i in range(VISITORS)))
        await race_for_the_last_uses(http, rush, rng)
    return rush


async def race_for_the_last_uses(http: Http, rush: Rush, rng: random.Random) -> None:
    """Concurrent orders with tokens that have 2, 1 and 0 uses left: exactly that many are taken, the
    rest answered 429. And orders with no token or a forged one: 401."""
    buyers = set(rush.orders.values())
    idle = [v for v in rush.admitted if v not in buyers][:3]
    spent_once = list(buyers)[:3]
    for visitor_id in spent_once[:1]:
        # Spend its second use now: then it has none left.
        assert await place(http, rush, visitor_id, rush.admitted[visitor_id], order_body(rng)) == 201
    plans = [(v, TOKEN_USES) for v in idle] + [(v, 1) for v in spent_once[1:]] + [(spent_once[0], 0)]
    for visitor_id, left in plans:
        token = rush.admitted[visitor_id]
        answers = await asyncio.gather(*(place(http, rush, visitor_id, token, order_body(rng)) for _ in range(RACERS)))
        assert Counter(answers) == Counter({201: left, 429: RACERS - left}), (visitor_id, left, answers)

    some = next(iter(rush.admitted))
    payload, signature = rush.admitted[some].rsplit(".", 1)
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    for token in (None, forged):
        assert await place(http, rush, some, token, order_body(rng)) == 401


def test_a_rush_of_20000_visitors_orders_only_with_valid_tokens_within_their_limits(system, real_redis):
    gateway = system.start_gateway()
    for i in range(2):
        system.start_worker(f"worker-{i}", WORKER_BATCH_SIZE="50")
    sale = asyncio.run(open_room(gateway))

    started = time.monotonic()
    rush = asyncio.run(run_rush(gateway, sale))
    took = time.monotonic() - started

    waits = sorted(rush.waits_s)
    print(
        f"\nrush: {VISITORS} visitors in {took:.1f} s; joins {dict(rush.joined)}, polls {sum(rush.polls.values())}, "
        f"pollAfterMs {dict(rush.poll_after_ms)}, wait p50 {waits[len(waits) // 2]:.2f} s "
        f"p99 {waits[int(len(waits) * 0.99)]:.2f} s, orders {len(rush.orders)}, refused {dict(rush.refused)}"
    )
    assert rush.joined == {201: VISITORS} and len(rush.admitted) == VISITORS

    # No order without a valid token: the use counter (counted in the step that stores an order) names a
    # visitor for every stored order, each of them admitted, and agrees with who placed what.
    uses = {v: int(n) for v, n in real_redis.hgetall(keys.room_uses_key(sale)).items()}
    stored = all_order_ids(real_redis)
    assert sum(uses.values()) == len(stored) == len(rush.orders)
    pipe = real_redis.pipeline(transaction=False)
    for visitor_id in uses:
        pipe.zscore(keys.room_admitted_key(sale), visitor_id)
    assert all(score is not None for score in pipe.execute()), "an order used a visitor never admitted"
    assert uses == Counter(rush.orders.values())
    # No token beyond its limit, the racing orders included.
    assert max(uses.values()) == TOKEN_USES and all(n <= TOKEN_USES for n in uses.values())
    # The only refusals: the racing orders beyond their token's uses (429), no token and a forged one (401).
    assert set(rush.refused) <= {401, 429} and rush.refused[401] == 2

    statuses = wait_until_all_terminal(real_redis, list(rush.orders), timeout=120)
    assert Counter(statuses.values()) == check_invariants(real_redis, list(rush.orders))


async def open_room(base_url: str) -> str:
    """The sale's id (GET /sales), its room opened at ROOM_RATE with TOKEN_USES (loopback: no admin token)."""
    async with Http(base_url, 1) as http:
        status, sales = await http.request("GET", "/sales")
        assert status == 200, sales
        sale = sales["sales"][0]["saleId"]
        status, room = await http.request(
            "PUT", f"/sales/{sale}/room", {"state": "open", "mode": "fixed", "rate": ROOM_RATE, "tokenUses": TOKEN_USES}
        )
        assert status == 200 and room["state"] == "open", room
    return sale


GENERATOR_VISITORS = 400


def test_the_generators_rush_scenario_runs_against_the_real_room(system, real_redis):
    """The generator's own rush (the scenario the dashboard and CLI run) against the real gateway: it
    finds the sale, opens the room, and its visitors buy with tokens the real gateway accepts."""
    gateway = system.start_gateway()
    system.start_worker("worker-0", WORKER_BATCH_SIZE="50")

    async def main() -> dict:
        controller = build_controller(WorkloadSettings(target_api=gateway), rng=random.Random(5))
        try:
            await controller.start(
                {
                    "scenario": "rush",
                    "followShare": 0.2,
                    "rush": {"visitors": GENERATOR_VISITORS, "arrivalSpreadS": 1, "roomRate": 1000, "deadlineS": 90},
                }
            )
            await asyncio.wait_for(controller.wait(), 120)
            return controller.snapshot()
        finally:
            await controller.shutdown()
            await controller.client.aclose()

    stats = asyncio.run(main())
    r = stats["rush"]
    assert r["saleId"] == "main" and r["joined"] == GENERATOR_VISITORS and r["joinFailures"] == {}
    assert r["admitted"] + r["left"] == GENERATOR_VISITORS and r["givenUp"] == r["lost"] == r["waiting"] == 0
    assert r["left"] > 0 and r["abandoned"] > 0  # its default shares, for real
    assert r["orders"]["byStatus"] == {"201": r["admitted"] - r["abandoned"]}
    assert r["tokenRefusals"] == {"401": 0, "403": 0, "429": 0} and r["pollErrors"] == {}
    assert real_redis.hget(keys.room_key("main"), "state") == "open"  # the generator opened it

    stored = all_order_ids(real_redis)
    uses = {v: int(n) for v, n in real_redis.hgetall(keys.room_uses_key("main")).items()}
    assert len(stored) == sum(uses.values()) == r["orders"]["placed"] and set(uses.values()) == {1}
    wait_until_all_terminal(real_redis, stored, timeout=60)
    check_invariants(real_redis, stored)
    assert stats["decisions"]["followed"] > 0
