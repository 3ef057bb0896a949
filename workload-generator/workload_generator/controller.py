"""The generator's state: the config for the next run, the current run, and start/stop/reconfigure.

The HTTP API and the CLI both drive this; it holds no HTTP concerns of its own.
"""

from __future__ import annotations

import asyncio
import logging
import random

from . import rush, scenarios
from .clients import HttpClient
from .clock import REAL_CLOCK, Clock
from .config import ConfigError, RunConfig, TicketWeight, apply_patch, check_allowed
from .metrics import WorkloadMetrics
from .runner import LoadRun, RunLimits
from .stats import Stats
from .target import tickets_on_sale

log = logging.getLogger(__name__)

STOP_WAIT_S = 2.0


class AlreadyRunning(Exception):
    pass


class Controller:
    def __init__(
        self,
        config: RunConfig,
        *,
        client: HttpClient,
        clock: Clock = REAL_CLOCK,
        limits: RunLimits = RunLimits(),
        metrics: WorkloadMetrics | None = None,
        rng: random.Random | None = None,
        decision_wait_s: float | None = None,
        allowed_targets: frozenset[str] | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.base = config  # what the next run starts from; PUT /config changes it
        self.client = client
        self.clock = clock
        self.limits = limits
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.decision_wait_s = decision_wait_s
        # Normalised base URLs a run may target (config.target_key); None: any (the CLI's own run).
        self.allowed_targets = allowed_targets
        self.admin_token = admin_token  # the gateway's, for a rush to open its waiting room
        self.run: LoadRun | None = None
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        if metrics:
            metrics.watch(self.live)

    @property
    def running(self) -> bool:
        return self._active_run() is not None

    def _active_run(self) -> LoadRun | None:
        """The current run while it is sending load, else None."""
        run = self.run
        return run if run is not None and not run.load_over.is_set() else None

    def config(self) -> RunConfig:
        """The config in force: the running one, else the one the next run starts from."""
        run = self._active_run()
        return run.config if run is not None else self.base

    async def start(self, overrides: object = None) -> LoadRun:
        """Start a run from the config with `overrides` applied (for this run only).

        Raises ConfigError (bad overrides; TargetNotAllowed before any request), AlreadyRunning,
        or TargetError (no ticket list; for a rush, no sale or its room not opened).
        """
        async with self._lock:
            if self.running:
                raise AlreadyRunning()
            config = self.base if overrides is None else apply_patch(self.base, scenarios.expand(overrides))
            check_allowed(config, self.allowed_targets)
            tickets = await self._tickets(config)
            # A rush opens its room before it starts: a refusal is a TargetError like a missing ticket list.
            sale_id = await rush.prepare(self.client, config, self.admin_token) if config.rush else None
            if self._task is not None:
                # The previous run may still be following decisions: its numbers are replaced now.
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
                assert self.run is not None  # set together with the task
                await self.run.abort()
            if sale_id is not None:
                self.run = rush.RushRun(
                    config,
                    tickets,
                    sale_id=sale_id,
                    client=self.client,
                    clock=self.clock,
                    limits=self.limits,
                    rng=self.rng,
                    metrics=self.metrics,
                )
            else:
                self.run = LoadRun(
                    config,
                    tickets,
                    client=self.client,
                    clock=self.clock,
                    limits=self.limits,
                    rng=self.rng,
                    metrics=self.metrics,
                )
            self._task = asyncio.get_running_loop().create_task(self.run.run(decision_wait_s=self.decision_wait_s))
            log.info("load started", extra={"config": config.model_dump(mode="json"), "tickets": len(tickets)})
            return self.run

    async def stop(self) -> None:
        """Stop sending (requests in flight may still end); returns once the schedule has ended."""
        async with self._lock:
            run = self._active_run()
            if run is None:
                return
            run.stop()
            try:
                await asyncio.wait_for(run.load_over.wait(), STOP_WAIT_S)
            except TimeoutError:
                log.warning("the schedule did not end within %ss of stop", STOP_WAIT_S)
            log.info("load stopped", extra={"sent": run.stats.sent})

    async def update(self, patch: object) -> RunConfig:
        """Apply a partial config; a running load takes it on its next scheduling pass.

        Nothing changes unless both the stored and the running config accept it (ConfigError otherwise).
        """
        async with self._lock:
            patch = scenarios.expand(patch)
            base = apply_patch(self.base, patch)
            check_allowed(base, self.allowed_targets)
            run = self._active_run()
            if run is not None:
                config = apply_patch(run.config, patch)
                check_allowed(config, self.allowed_targets)
                if config.rush != run.config.rush:
                    # Its visitors are already out, following the rush they started with.
                    raise ConfigError("rush", "cannot change while a run is in progress; POST /stop first")
                if config.mix.tickets:
                    tickets = config.mix.tickets
                elif run.config.mix.tickets is None:
                    tickets = run.tickets  # fetched from the target at start
                else:
                    tickets = await tickets_on_sale(self.client, config.targetApi, config.timeoutS)
                run.reconfigure(config, tickets)
            self.base = base
            log.info("config changed", extra={"patch": patch, "running": self.running})
            return self.config()

    async def wait(self) -> None:
        """Until the current run has ended, decisions settled included."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def shutdown(self) -> None:
        async with self._lock:
            if self._task is not None:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
            if self.run is not None:
                await self.run.abort()

    def snapshot(self) -> dict:
        """The GET /stats document."""
        run = self.run
        stats = run.stats.snapshot() if run else _no_run(self.clock)
        active = self._active_run()
        return {
            "running": active is not None,
            "startedAt": stats.pop("startedAt"),
            "elapsedS": stats.pop("elapsedS"),
            "config": self.config().model_dump(mode="json"),
            "targetRps": round(active.target_rps(), 3) if active is not None else 0.0,
            **stats,
        }

    def live(self) -> dict:
        """The few numbers Prometheus gauges read at scrape time."""
        run = self.run
        active = self._active_run()
        return {
            "running": 1 if active is not None else 0,
            "targetRps": active.target_rps() if active is not None else 0.0,
            "achievedRps": run.stats.achieved_rps()["last10s"] if run else 0.0,
            "inFlight": run.stats.in_flight if run else 0,
        }

    async def _tickets(self, config: RunConfig) -> list[TicketWeight]:
        return config.mix.tickets or await tickets_on_sale(self.client, config.targetApi, config.timeoutS)


def _no_run(clock: Clock) -> dict:
    stats = Stats(clock).snapshot()
    stats.update(startedAt=None, elapsedS=0.0, series=[])
    return stats
