"""A rush: visitors arrive in a burst, queue in a sale's waiting room, and buy once admitted.

Each virtual visitor is one task, started at its arrival time (evenly over `arrivalSpreadS`):
it joins (POST /sales/{saleId}/queue), then asks for its status (GET .../queue/{visitorId}) only
as often as the gateway's `pollAfterMs` says (a room of 20,000 visitors polling every second would
itself be the load the room is there to hold back), and once admitted places one order with its
`Admission-Token`. Some visitors leave the queue before their turn (DELETE), some are admitted and
never buy. Bounded three ways: `visitors` tasks at most, `maxInFlight` requests in flight (a
semaphore every request of the rush goes through), and `deadlineS`, after which the visitors still
out are given up (counted as such).

Wait times are measured by the visitor, from the join's answer to the answer that says admitted,
so they are accurate to the poll interval the gateway chose.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, deque
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from .clients import HttpClient
from .clock import Clock
from .config import RunConfig, TicketWeight
from .latency import Durations
from .metrics import WorkloadMetrics
from .runner import LoadRun, RunLimits
from .target import TargetError, error_kind

if TYPE_CHECKING:
    from .config import Rush

POLL_FLOOR_S = 0.05  # a pollAfterMs of 0 must not turn a visitor into a busy loop
POLL_CEILING_S = 60.0
DEFAULT_POLL_S = 1.0  # when no answer said when to ask again (an error, a malformed body)
LAUNCH_TICK_S = 0.01  # arrivals are started in batches this far apart
WAIT_TICK_S = 0.1  # how often the rush checks for stop and its deadline
WINDOW_S = 10.0
REFUSALS = ("401", "403", "429")  # the token refusals: bad or missing, another sale, used up
LOST = "lost"


def poll_delay_s(status: dict) -> float:
    """How long to wait before asking again: the answer's pollAfterMs, kept within sane bounds."""
    after = status.get("pollAfterMs")
    if isinstance(after, bool) or not isinstance(after, int | float):
        return DEFAULT_POLL_S
    return min(max(after / 1000, POLL_FLOOR_S), POLL_CEILING_S)


class RushStats:
    """What the visitors of one rush did (the `rush` part of GET /stats). On the event loop: no locks."""

    def __init__(self, clock: Clock, visitors: int, sale_id: str) -> None:
        self.clock = clock
        self.sale_id = sale_id
        self.visitors = visitors
        self.started = clock.now()
        self.ended: float | None = None
        self.counts: Counter[str] = Counter(
            {
                k: 0
                for k in (
                    "arrived",
                    "joined",
                    "admitted",
                    "left",
                    "lost",
                    "abandoned",
                    "noToken",
                    "givenUp",
                    "finished",
                    "polls",
                )
            }
        )
        self.waiting = 0
        self.join_failures: Counter[str] = Counter()
        self.poll_errors: Counter[str] = Counter()
        self.orders: Counter[str] = Counter()
        self.wait = Durations()
        self._recent_admissions: deque[float] = deque()

    def on_arrived(self) -> None:
        self.counts["arrived"] += 1

    def on_join_failed(self, answer: str) -> None:
        self.join_failures[answer] += 1

    def on_joined(self) -> None:
        self.counts["joined"] += 1
        self.waiting += 1

    def on_poll(self, answer: str | None) -> None:
        """A status poll ended: None for a 200, else the HTTP status or error kind."""
        self.counts["polls"] += 1
        if answer is not None:
            self.poll_errors[answer] += 1

    def on_admitted(self, wait_s: float) -> None:
        self.waiting -= 1
        self.counts["admitted"] += 1
        self.wait.record(wait_s)
        self._recent_admissions.append(self.clock.now())

    def on_left_waiting(self, how: str) -> None:
        """No longer waiting without being admitted: "left" (DELETE answered), "lost" (404), "givenUp"."""
        self.waiting -= 1
        self.counts[how] += 1

    def on_count(self, what: str) -> None:
        self.counts[what] += 1

    def on_order(self, answer: str) -> None:
        self.orders[answer] += 1

    def end(self) -> None:
        if self.ended is None:
            self.ended = self.clock.now()

    def admissions_per_second(self) -> dict[str, float]:
        now = self.clock.now()
        while self._recent_admissions and self._recent_admissions[0] <= now - WINDOW_S:
            self._recent_admissions.popleft()
        window = min(WINDOW_S, now - self.started)
        elapsed = (self.ended if self.ended is not None else now) - self.started
        return {
            "last10s": round(len(self._recent_admissions) / window, 3) if window > 0 else 0.0,
            "overall": round(self.counts["admitted"] / elapsed, 3) if elapsed > 0 else 0.0,
        }

    def snapshot(self) -> dict[str, Any]:
        c = self.counts
        p50, p90, p99 = self.wait.percentiles_ms(50, 90, 99)
        return {
            "saleId": self.sale_id,
            "visitors": self.visitors,
            "arrived": c["arrived"],
            "joined": c["joined"],
            "joinFailures": dict(sorted(self.join_failures.items())),
            "waiting": self.waiting,
            "admitted": c["admitted"],
            "admissionsPerSecond": self.admissions_per_second(),
            "waitMs": {"p50": p50, "p90": p90, "p99": p99, "max": self.wait.max_ms(), "count": self.wait.count},
            "left": c["left"],
            "lost": c["lost"],
            "abandoned": c["abandoned"],
            "noToken": c["noToken"],
            "givenUp": c["givenUp"],
            "active": c["arrived"] - c["finished"],
            "polls": c["polls"],
            "pollErrors": dict(sorted(self.poll_errors.items())),
            "orders": {"placed": sum(self.orders.values()), "byStatus": dict(sorted(self.orders.items()))},
            "tokenRefusals": {k: self.orders[k] for k in REFUSALS},
        }


async def resolve_sale(client: HttpClient, config: RunConfig) -> str:
    """The rush's sale: the configured one, else the first of the target's GET /sales. Raises TargetError."""
    assert config.rush is not None
    if config.rush.saleId:
        return config.rush.saleId
    url = f"{config.targetApi}/sales"
    try:
        response = await client.get(url, timeout=config.timeoutS)
    except httpx.HTTPError as e:
        raise TargetError(f"targetApi: GET {url} failed: {type(e).__name__}: {e}".rstrip(": ")) from None
    if response.status_code != 200:
        raise TargetError(f"targetApi: GET {url} answered {response.status_code}")
    try:
        sale_id = response.json()["sales"][0]["saleId"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise TargetError(f"targetApi: GET {url} lists no sale") from None
    if not isinstance(sale_id, str) or not sale_id:
        raise TargetError(f"targetApi: GET {url} lists no sale")
    return sale_id


async def open_room(client: HttpClient, config: RunConfig, sale_id: str, admin_token: str | None) -> dict:
    """PUT /sales/{saleId}/room {"state": "open"} (and the fixed rate asked for), with the admin token
    when one is configured; returns the room's stats. Raises TargetError when the gateway refuses."""
    rush = config.rush
    assert rush is not None
    url = f"{config.targetApi}/sales/{quote(sale_id, safe='')}/room"
    body: dict[str, Any] = {"state": "open"}
    if rush.roomRate is not None:
        body |= {"mode": "fixed", "rate": rush.roomRate}
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    try:
        response = await client.put(url, json=body, headers=headers, timeout=config.timeoutS)
    except httpx.HTTPError as e:
        raise TargetError(f"targetApi: PUT {url} failed: {type(e).__name__}: {e}".rstrip(": ")) from None
    if response.status_code != 200:
        raise TargetError(f"targetApi: PUT {url} answered {response.status_code}: {response.text[:200]}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) else {}


async def prepare(client: HttpClient, config: RunConfig, admin_token: str | None) -> str:
    """Before a rush starts: its sale, and (unless told not to) its room opened. Raises TargetError."""
    assert config.rush is not None
    sale_id = await resolve_sale(client, config)
    if config.rush.openRoom:
        await open_room(client, config, sale_id, admin_token)
    return sale_id


class RushRun(LoadRun):
    """A run whose load is a rush of visitors (config.rush) instead of a rate schedule.

    The orders the visitors place go through LoadRun's order path (counted in `requests`, paid
    later and followed like any other); the visitors' own numbers are in `stats.rush`.
    """

    def __init__(
        self,
        config: RunConfig,
        tickets: list[TicketWeight],
        *,
        sale_id: str,
        client: HttpClient,
        clock: Clock,
        limits: RunLimits,
        rng: random.Random,
        metrics: WorkloadMetrics | None = None,
    ) -> None:
        super().__init__(config, tickets, client=client, clock=clock, limits=limits, rng=rng, metrics=metrics)
        assert config.rush is not None
        self.rush_config: Rush = config.rush
        self.sale_id = sale_id
        self.queue_url = f"{config.targetApi}/sales/{quote(sale_id, safe='')}/queue"
        self.rush = RushStats(clock, config.rush.visitors, sale_id)
        self.stats.rush_snapshot = self.rush.snapshot
        self._cap = asyncio.Semaphore(config.maxInFlight)
        self._visitors: set[asyncio.Task] = set()

    # --- what the schedule reads --------------------------------------------------------------

    def target_rps(self, now: float | None = None) -> float:
        """Arrivals per second while the visitors arrive, then 0 (they pace themselves)."""
        now = self.clock.now() if now is None else now
        spread = self.rush_config.arrivalSpreadS
        if spread > 0 and now - self.started < spread and not self.load_over.is_set():
            return self.rush_config.visitors / spread
        return 0.0

    def end_at(self) -> float | None:
        return self.started + self.rush_config.deadlineS

    def reconfigure(self, config: RunConfig, tickets: list[TicketWeight]) -> None:
        # The rush itself cannot change mid-run (the controller refuses); the order mix and timeouts can.
        super().reconfigure(config, tickets)

    # --- the rush -----------------------------------------------------------------------------

    async def send_load(self) -> None:
        try:
            await self._arrive()
            await self._until_visitors_done()
        finally:
            await self._give_up_visitors()
            self.rush.end()
            self.stats.end_load()
            self.load_over.set()

    async def abort(self) -> None:
        await self._give_up_visitors()
        await super().abort()

    def _over(self) -> bool:
        end = self.end_at()
        return self._stop_requested or (end is not None and self.clock.now() >= end)

    async def _arrive(self) -> None:
        """Start visitor i at started + spread * i / visitors, a batch at a time."""
        total, spread = self.rush_config.visitors, self.rush_config.arrivalSpreadS
        loop = asyncio.get_running_loop()
        launched = 0
        while launched < total and not self._over():
            elapsed = self.clock.now() - self.started
            due = total if spread <= 0 else min(total, int(elapsed / spread * total) + 1)
            for _ in range(launched, due):
                task = loop.create_task(self._visitor())
                self._visitors.add(task)
                task.add_done_callback(self._visitors.discard)
            launched = max(launched, due)
            self.stats.set_target(self.target_rps())
            if launched < total:
                await self.clock.sleep(LAUNCH_TICK_S)

    async def _until_visitors_done(self) -> None:
        while self._visitors and not self._over():
            await asyncio.wait(set(self._visitors), timeout=WAIT_TICK_S)
            if self._visitors:
                # On a virtual clock, asyncio.wait's real timeout does not move time on: sleep on the clock too.
                await self.clock.sleep(0)

    async def _give_up_visitors(self) -> None:
        leftover = set(self._visitors)
        for task in leftover:
            task.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)

    def _plan(self) -> str:
        """What this visitor will do: "leave" the queue early, "abandon" once admitted, or "buy"."""
        r = self.rng.random()
        if r < self.rush_config.leaveShare:
            return "leave"
        if r < self.rush_config.leaveShare + self.rush_config.abandonShare:
            return "abandon"
        return "buy"

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response | str:
        """One request of the rush within the in-flight cap: its response, or the error kind."""
        async with self._cap:
            try:
                return await getattr(self.client, method)(url, timeout=self.config.timeoutS, **kwargs)
            except httpx.HTTPError as e:
                return error_kind(e)

    async def _visitor(self) -> None:
        plan = self._plan()
        self.rush.on_arrived()
        waiting = False
        try:
            status = await self._join()
            if status is None:
                return
            waiting = True
            visitor_url = f"{self.queue_url}/{quote(status['visitorId'], safe='')}"
            joined = self.clock.now()
            while status.get("status") != "admitted":
                delay = poll_delay_s(status)
                if plan == "leave":
                    # Gives up somewhere in its first wait.
                    await self.clock.sleep(delay * self.rng.random())
                    waiting = False
                    await self._leave(visitor_url)
                    return
                await self.clock.sleep(delay)
                answer = await self._poll(visitor_url)
                if answer == LOST:
                    waiting = False
                    self.rush.on_left_waiting("lost")
                    return
                if isinstance(answer, dict):
                    status = answer
            waiting = False
            self.rush.on_admitted(self.clock.now() - joined)
            if plan == "abandon":
                self.rush.on_count("abandoned")
                return
            token = status.get("admissionToken")
            if not isinstance(token, str) or not token:
                self.rush.on_count("noToken")
                return
            await self._order(token)
        except asyncio.CancelledError:
            if waiting:
                self.rush.on_left_waiting("givenUp")
            else:
                self.rush.on_count("givenUp")
            raise
        finally:
            self.rush.on_count("finished")

    async def _join(self) -> dict | None:
        """POST .../queue: the visitor's status (with its visitorId), or None (counted) when refused."""
        response = await self._call("post", self.queue_url, json={})
        if isinstance(response, str):
            self.rush.on_join_failed(response)
            return None
        if response.status_code not in (200, 201):
            self.rush.on_join_failed(str(response.status_code))
            self.stats.on_error_sample(f"join {response.status_code}", response.text)
            return None
        status = _json_object(response)
        if status is None or not isinstance(status.get("visitorId"), str) or not status["visitorId"]:
            self.rush.on_join_failed("malformed")
            return None
        self.rush.on_joined()
        return status

    async def _poll(self, visitor_url: str) -> dict | str | None:
        """GET the visitor's status: the new status, LOST (404: no longer in the room), or None (an error)."""
        response = await self._call("get", visitor_url)
        if isinstance(response, str):
            self.rush.on_poll(response)
            return None
        if response.status_code == 404:
            self.rush.on_poll("404")
            return LOST
        if response.status_code != 200:
            self.rush.on_poll(str(response.status_code))
            return None
        status = _json_object(response)
        self.rush.on_poll(None if status is not None else "malformed")
        return status

    async def _leave(self, visitor_url: str) -> None:
        response = await self._call("delete", visitor_url)
        if not isinstance(response, str) and response.status_code == 204:
            self.rush.on_left_waiting("left")
        else:
            # Still in line as far as we know; it has stopped waiting all the same.
            self.rush.on_left_waiting("lost")

    async def _order(self, token: str) -> None:
        planned = self.factory.draw()
        async with self._cap:
            self.stats.on_sent()
            answer = await self.place_order(planned, since=self.clock.now(), headers={"Admission-Token": token})
        self.rush.on_order(str(answer) if answer is not None else "noAnswer")


def _json_object(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
