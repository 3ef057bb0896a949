"""One load run: its schedule, the orders it sends, the decisions it follows, its stats."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from .clients import HttpClient
from .clock import Clock
from .config import RunConfig, TicketWeight
from .decisions import DecisionFollower
from .metrics import WorkloadMetrics
from .orders import OrderFactory, PlannedOrder
from .profiles import rate_at
from .scheduler import Arrivals, run_schedule
from .stats import TRANSPORT, Stats
from .target import error_kind

if TYPE_CHECKING:
    from .settings import WorkloadSettings


PAYMENT_ATTEMPTS = 4
PAYMENT_RETRY_S = 0.5  # times the attempt: 0.5, 1, 1.5 s


@dataclass(frozen=True)
class RunLimits:
    """Service-level limits (from the settings), the same for every run."""

    slack_s: float = 0.1
    poll_concurrency: int = 20
    poll_max: int = 30
    follow_capacity: int = 10_000

    @classmethod
    def from_settings(cls, settings: WorkloadSettings) -> RunLimits:
        return cls(
            slack_s=settings.workload_schedule_slack_ms / 1000,
            poll_concurrency=settings.workload_poll_concurrency,
            poll_max=settings.workload_poll_max,
            follow_capacity=settings.workload_follow_capacity,
        )


class LoadRun:
    def __init__(
        self,
        config: RunConfig,
        tickets: list[TicketWeight],
        *,
        client: HttpClient,
        clock: Clock,
        limits: RunLimits,
        rng: random.Random,
        metrics: WorkloadMetrics | None = None,
    ) -> None:
        self.config = config
        self.tickets = tickets
        self.client = client
        self.clock = clock
        self.limits = limits
        self.rng = rng
        self.stats = Stats(clock, metrics)
        self.started = self.stats.started
        self._profile_started = self.started
        self.factory = OrderFactory(config.mix, tickets, rng)
        self.follower = DecisionFollower(
            client,
            self.stats,
            clock,
            concurrency=limits.poll_concurrency,
            max_polls=limits.poll_max,
            capacity=limits.follow_capacity,
            timeout_s=lambda: self.config.timeoutS,
        )
        self._requests: set[asyncio.Task] = set()
        self._payments: set[asyncio.Task] = set()  # payLater orders waiting to be paid
        self._stop_requested = False
        self.load_over = asyncio.Event()  # set when the schedule has ended; requests may still be in flight

    # --- what the schedule reads, live ------------------------------------------------------

    def target_rps(self, now: float | None = None) -> float:
        now = self.clock.now() if now is None else now
        return rate_at(self.config.profile, self.config.rps, now - self._profile_started)

    def end_at(self) -> float | None:
        return None if self.config.durationS is None else self.started + self.config.durationS

    # --- control ------------------------------------------------------------------------------

    def stop(self) -> None:
        self._stop_requested = True

    def reconfigure(self, config: RunConfig, tickets: list[TicketWeight]) -> None:
        """Apply a new config to the running load; the schedule reads it on its next pass."""
        if config.profile != self.config.profile:
            # A new profile starts from its beginning (a ramp ramps from now).
            self._profile_started = self.clock.now()
        if config.mix != self.config.mix or tickets != self.tickets:
            self.factory = OrderFactory(config.mix, tickets, self.rng)
            self.tickets = tickets
        self.config = config

    async def run(self, *, decision_wait_s: float | None = None) -> None:
        """Send the load until stopped or the duration is over, let requests in flight end, then settle decisions."""
        try:
            await self.send_load()
            await self.end_requests(grace_s=self.config.timeoutS + 1.0)
            await self.end_payments(
                grace_s=self.config.mix.payAfterS + PAYMENT_ATTEMPTS * (self.config.timeoutS + PAYMENT_RETRY_S) + 1.0
            )
        finally:
            self.stats.finish()
        await self.follower.drain(decision_wait_s)

    async def send_load(self) -> None:
        try:
            await run_schedule(
                Arrivals(self.started),
                clock=self.clock,
                rate_at=self._rate_at,
                end_at=self.end_at,
                stopped=lambda: self._stop_requested,
                fire=self._fire,
                drop=lambda slot: self.stats.on_dropped("behind_schedule"),
                slack_s=self.limits.slack_s,
            )
        finally:
            self.stats.end_load()
            self.load_over.set()

    async def end_requests(self, grace_s: float) -> None:
        """Wait up to `grace_s` for the requests in flight; cancel the rest (counted as cancelled)."""
        if self._requests:
            await asyncio.wait(set(self._requests), timeout=grace_s)
        leftover = set(self._requests)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)

    async def end_payments(self, grace_s: float) -> None:
        """Wait up to `grace_s` for the payLater orders still to be paid; cancel the rest."""
        if self._payments:
            await asyncio.wait(set(self._payments), timeout=grace_s)
        leftover = set(self._payments)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)

    async def abort(self) -> None:
        """Stop everything now: the schedule, the requests in flight, the payments, the decision polling."""
        self.stop()
        await self.end_requests(grace_s=0)
        await self.end_payments(grace_s=0)
        await self.follower.cancel()
        self.stats.finish()

    # --- sending ------------------------------------------------------------------------------

    def _rate_at(self, t: float) -> float:
        rate = self.target_rps(t)
        self.stats.set_target(rate)
        return rate

    def _fire(self, slot: float) -> None:
        if self.stats.in_flight >= self.config.maxInFlight:
            self.stats.on_dropped("in_flight_cap")
            return
        self.stats.on_sent()
        task = asyncio.get_running_loop().create_task(self._send(slot))
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def _send(self, slot: float) -> None:
        await self.place_order(self.factory.draw(), since=slot)

    async def place_order(
        self, planned: PlannedOrder, *, since: float, headers: dict[str, str] | None = None
    ) -> int | None:
        """POST one order (counted as sent already) and see to it after a 201: pay it later, follow it.
        Its latency runs from `since`. Returns the HTTP status, None without an answer."""
        config = self.config
        try:
            response = await self.client.post(
                f"{config.targetApi}/orders",
                json=planned.body,
                headers={"Idempotency-Key": str(uuid.uuid4()), **(headers or {})},
                timeout=config.timeoutS,
            )
        except asyncio.CancelledError:
            self.stats.on_error("cancelled")
            raise
        except Exception as e:
            kind = error_kind(e)
            self.stats.on_error(kind)
            self.stats.on_error_sample(TRANSPORT, f"{kind}: {type(e).__name__}: {e}".rstrip(": "))
            return None
        now = self.clock.now()
        # Latency from the slot, not from when the request went out: lateness is latency too.
        self.stats.on_response(response.status_code, now - since)
        if not 200 <= response.status_code < 300:
            self.stats.on_error_sample(str(response.status_code), response.text)
        if response.status_code != 201:
            return response.status_code
        order_id = _order_id(response)
        if not order_id:
            return response.status_code
        order_url = f"{config.targetApi}/orders/{quote(order_id, safe='')}"
        if planned.abandoned or planned.pay_after_s is not None:
            self.stats.on_pay_later(planned.abandoned)
        if planned.pay_after_s is not None:
            self._pay_later(order_url, planned)
        if config.followShare > 0 and self.rng.random() < config.followShare:
            self.follower.follow(order_url, now, abandoned=planned.abandoned)
        return response.status_code

    # --- paying later -------------------------------------------------------------------------

    def _pay_later(self, order_url: str, planned: PlannedOrder) -> None:
        if len(self._payments) >= self.limits.follow_capacity:
            self.stats.on_payment("skipped")  # bounded like following: never a task per order without end
            return
        task = asyncio.get_running_loop().create_task(self._pay(order_url, planned))
        self._payments.add(task)
        task.add_done_callback(self._payments.discard)

    async def _pay(self, order_url: str, planned: PlannedOrder) -> None:
        """POST /orders/{id}/payment `pay_after_s` after the 201. A 409 is retried a few times: the
        order may still be pending (not yet reserved by a worker); a retry changes nothing otherwise."""
        body: dict = {"paymentMethod": planned.body["paymentMethod"]}
        if planned.card is not None:
            body["card"] = {"number": planned.card}
        await self.clock.sleep(planned.pay_after_s or 0.0)
        answer = "none"
        for attempt in range(PAYMENT_ATTEMPTS):
            if attempt:
                await self.clock.sleep(PAYMENT_RETRY_S * attempt)
            try:
                response = await self.client.post(f"{order_url}/payment", json=body, timeout=self.config.timeoutS)
            except httpx.HTTPError as e:
                answer = error_kind(e)
                continue
            answer = str(response.status_code)
            if response.status_code != 409:
                break
        self.stats.on_payment(answer)


def _order_id(response: httpx.Response) -> str | None:
    try:
        order_id = response.json().get("orderId")
    except (ValueError, AttributeError):
        return None
    return order_id if isinstance(order_id, str) and order_id else None
