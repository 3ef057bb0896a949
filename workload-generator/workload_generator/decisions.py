"""Following orders to their decision: poll GET /orders/{id} until confirmed, rejected or failed.

One task per followed order, sleeping between polls with a growing delay; a semaphore
bounds the polls in flight and `capacity` the orders followed at once, so following
can never grow without bound when decisions stall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from ticketing_common.status import TERMINAL_STATUSES

from .clients import HttpClient
from .clock import Clock
from .stats import Stats

FIRST_DELAY_S = 0.05  # decisions often take well under 100 ms: poll early enough to see that
FACTOR = 1.5
MAX_DELAY_S = 2.0


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

    def follow(self, order_url: str, created_at: float) -> None:
        """Start polling `order_url`; `created_at` is when its 201 arrived (clock.now())."""
        if len(self._tasks) >= self.capacity:
            self.stats.on_follow_skipped()
            return
        self.stats.on_followed()
        task = asyncio.get_running_loop().create_task(self._follow(order_url, created_at))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, url: str, created_at: float) -> None:
        delay = FIRST_DELAY_S
        for _ in range(self.max_polls):
            await self.clock.sleep(delay)
            delay = min(delay * FACTOR, MAX_DELAY_S)
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
                status = response.json().get("status")
            except (ValueError, AttributeError):
                continue
            if status in TERMINAL_STATUSES:
                self.stats.on_decision(str(status), self.clock.now() - created_at)
                return
        self.stats.on_unresolved()

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
