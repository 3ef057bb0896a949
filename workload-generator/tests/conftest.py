"""Workload-generator test fixtures: a real local HTTP server standing in for the gateway, and fake clocks."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from workload_generator.clock import Clock

FAKE_GATEWAY = Path(__file__).with_name("fake_gateway.py")


class FakeGateway:
    """Handle on a fake gateway process (fake_gateway.py): its URL, its controls, what it recorded."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, str(FAKE_GATEWAY)], stdout=subprocess.PIPE, text=True)
        port = self._proc.stdout.readline().strip()
        if not port.isdigit():
            self._proc.kill()
            raise RuntimeError("the fake gateway did not start")
        self.url = f"http://127.0.0.1:{port}"
        self._http = httpx.Client(base_url=self.url, trust_env=False, timeout=30)

    def set(self, **changes) -> None:
        """delay_s, serial, statuses, polls_to_decide, rejects, poll_delay_s, final_status, card_outcomes,
        hold_s, payment_conflicts; the waiting room's sale_id, room_state, room_status, polls_to_admit,
        poll_after_ms, token_uses, queue_delay_s (see fake_gateway.State)."""
        self._http.post("/_control", json=changes).raise_for_status()

    def create_order(self, ticket: str = "adult") -> str:
        body = {
            "customer": {"name": "A", "email": "a@example.com"},
            "items": [{"ticketId": ticket, "qty": 1}],
            "paymentMethod": "paypal",
        }
        return self._http.post("/orders", json=body).json()["orderId"]

    def record(self) -> dict:
        return self._http.get("/_record").json()

    @property
    def orders(self) -> list[dict]:
        """Every POST /orders received: {"at": time.monotonic(), "body", "key": its Idempotency-Key}."""
        return self.record()["orders"]

    @property
    def payments(self) -> list[dict]:
        """Every POST /orders/{id}/payment received: {"orderId", "body"}."""
        return self.record()["payments"]

    @property
    def order_items(self) -> dict[str, list]:
        return self.record()["orderItems"]

    @property
    def polls(self) -> dict[str, int]:
        return self.record()["polls"]

    @property
    def max_in_flight(self) -> int:
        return self.record()["maxInFlight"]

    @property
    def max_polls_in_flight(self) -> int:
        return self.record()["maxPollsInFlight"]

    @property
    def max_all_in_flight(self) -> int:
        """The most requests of any kind (the test's own controls aside) it was answering at once."""
        return self.record()["maxAllInFlight"]

    @property
    def visitors(self) -> dict[str, dict]:
        """The waiting room's visitors: visitorId -> {"joinedAt", "polls", "admitted", "left", "uses"}."""
        return self.record()["visitors"]

    @property
    def queue_polls(self) -> list[dict]:
        """Every GET /sales/{id}/queue/{visitorId} of a visitor in the room: {"visitorId", "at": time.monotonic()}."""
        return self.record()["queuePolls"]

    @property
    def room_puts(self) -> list[dict]:
        """Every PUT /sales/{id}/room: {"saleId", "body", "authorization"}."""
        return self.record()["roomPuts"]

    def order_count(self) -> int:
        return len(self.orders)

    def arrival_times(self) -> list[float]:
        return [o["at"] for o in self.orders]

    def close(self) -> None:
        self._http.close()
        self._proc.terminate()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


@pytest.fixture
def gateway():
    g = FakeGateway()
    yield g
    g.close()


@pytest.fixture
def other_gateway():
    """A second live target, for what the operator did not configure."""
    g = FakeGateway()
    yield g
    g.close()


class FakeClock:
    """Virtual time for the scheduler: sleeping advances it at once (plus an optional stall), yielding to the loop.

    `stall_at`/`stall_s`: the first sleep that starts at or after `stall_at` returns `stall_s`
    late, as if the event loop had been blocked.
    """

    def __init__(
        self, start: float = 1000.0, wall: float = 1_700_000_000.0, stall_at: float | None = None, stall_s: float = 0.0
    ) -> None:
        self.t = start
        self._wall_offset = wall - start
        self.stall_at, self.stall_s = stall_at, stall_s

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self.t + self._wall_offset

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        if self.stall_at is not None and self.t >= self.stall_at:
            self.t += self.stall_s
            self.stall_at = None
        await asyncio.sleep(0)

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep, wall=self.wall)


class LateClock:
    """Real time, except that every sleep returns `late_s` later than asked (a busy loop).

    Nothing else sleeps on it, so the time a request takes is real time."""

    def __init__(self, late_s: float) -> None:
        self.late_s = late_s
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.offset += self.late_s

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep, wall=time.time)


@pytest.fixture
def fake_clock():
    return FakeClock


@pytest.fixture
def late_clock():
    return LateClock
