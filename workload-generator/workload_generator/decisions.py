"""Following orders to their decision: poll GET /orders/{id} until its status is a final one.

Final is any status but the waiting ones (pending, reserved, paying): whatever final status the
gateway answers is counted under its own name, so a new outcome needs no change here.

One task per followed order, sleeping between polls with a growing delay; a semaphore
bounds the polls in flight and `capacity` the orders followed at once, so following
can never grow without bound when decisions stall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import httpx

from ticketing_common.status import TERMINAL_STATUSES, OrderStatus

from .clients import HttpClient
from .clock import Clock
from .stats import Stats

FIRST_DELAY_S = 0.05  # decisions often take well under 100 ms: poll early enough to see that
FACTOR = 1.5
MAX_DELAY_S = 2.0
# The statuses an order waits in (the reserve-pay-confirm lifecycle: pending -> reserved -> paying):
# every status the contract defines that is not terminal.
WAITING = frozenset(s.value for s in OrderStatus if s not in TERMINAL_STATUSES)
MAX_STATUS_CHARS = 40  # a longer "status" is not one: the answer is ignored like a malformed one
# An abandoned order is polled again once its hold should have expired, if that is this soon.
MAX_HOLD_WAIT_S = 900.0
EXPIRY_MARGIN_S = 1.0


class DecisionFollower:
    def __init__(
        self,
        client: HttpClient,
        stats: Stats,
        clock: Clock,
        *,
        concurrency: int,
        max_polls: int,
        capacity: int,
        timeout_s: Callable[[], float],
    ) -> None:
        self.client = client
        self.stats = stats
        self.clock = clock
        self.max_polls = max_polls
        self.capacity = capacity
        self.timeout_s = timeout_s
        self._polls = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task] = set()

    @property
    def following(self) -> int:
        return len(self._tasks)

    def follow(self, order_url: str, created_at: float, *, abandoned: bool = False) -> None:
        """Start polling `order_url`; `created_at` is when its 201 arrived (clock.now()). An
        `abandoned` order (payLater, never paid) is waited for until its hold has expired."""
        if len(self._tasks) >= self.capacity:
            self.stats.on_follow_skipped()
            return
        self.stats.on_followed()
        task = asyncio.get_running_loop().create_task(self._follow(order_url, created_at, abandoned))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, url: str, created_at: float, abandoned: bool = False) -> None:
        delay = FIRST_DELAY_S
        polls = 0
        while polls < self.max_polls:
            await self.clock.sleep(delay)
            delay = min(delay * FACTOR, MAX_DELAY_S)
            polls += 1
            async with self._polls:
                try:
                    response = await self.client.get(url, timeout=self.timeout_s())
                except httpx.HTTPError:
                    continue  # a failed poll is retried like a pending answer
            if response.status_code == 404:
                break  # the order is gone: nothing to wait for
            if response.status_code != 200:
                continue
            try:
                order = response.json()
                status = order.get("status")
            except (ValueError, AttributeError):
                continue
            if not isinstance(status, str) or not status or len(status) > MAX_STATUS_CHARS:
                continue
            if status not in WAITING:
                self.stats.on_decision(status, self.clock.now() - created_at)
                return
            if abandoned and status == "reserved":
                wait = self._until_expiry(order.get("holdExpiresAt"))
                if wait is not None:
                    # Nothing can happen to it before then: sleep through the hold, then poll afresh.
                    delay, polls = max(wait, FIRST_DELAY_S), 0
                    abandoned = False
        self.stats.on_unresolved()

    def _until_expiry(self, hold_expires_at: object) -> float | None:
        """Seconds until `hold_expires_at` (ISO 8601) plus a margin, if it is due within MAX_HOLD_WAIT_S."""
        if not isinstance(hold_expires_at, str):
            return None
        try:
            expires = datetime.fromisoformat(hold_expires_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
        wait = expires - self.clock.wall() + EXPIRY_MARGIN_S
        return wait if wait <= MAX_HOLD_WAIT_S else None

    async def drain(self, timeout_s: float | None) -> None:
        """Wait for the orders being followed to be decided or given up; stop following the rest after `timeout_s`."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
        await self.cancel()

    async def cancel(self) -> None:
        """Stop following; orders not yet decided stay pending in the stats."""
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
