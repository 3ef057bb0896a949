"""Open-loop scheduling: when each request is due, independent of how earlier ones fare.

Arrival times come from the target rate alone, so a slow target cannot slow the
generator down (no coordinated omission). A slot the loop reaches more than `slack_s`
late is handed to `drop`, never silently skipped and never sent late in a burst.
"""

from __future__ import annotations

from collections.abc import Callable

from .clock import Clock

STEP_S = 0.01  # the rate is re-read at least this often while arrivals are generated
MAX_WAIT_S = 0.05  # the loop wakes at least this often, so a new rate or a stop acts at once
EPSILON_S = 1e-6  # summed intervals drift; a slot this close to the end belongs to the next run, not this one


class Arrivals:
    """Arrival times of a constant-arrival-rate process whose rate may change at any moment.

    `credit` is the fraction of the next request accrued so far; a request is due when it
    reaches 1. The first request is due at the start.
    """

    def __init__(self, start: float) -> None:
        self.cursor = start
        self.credit = 1.0

    def until(self, end: float, rate_at: Callable[[float], float]) -> list[float]:
        """Every arrival in (cursor, end] (the first one at the start itself), oldest first."""
        due: list[float] = []
        a = self.cursor
        if end < a:
            return due
        while True:  # at least once, so a request due at the cursor itself is not missed
            b = min(a + STEP_S, end)
            rate = rate_at(a)
            while rate > 0:
                need = max(1.0 - self.credit, 0.0) / rate
                if a + need > b:
                    self.credit += rate * (b - a)
                    break
                a += need
                self.credit = 0.0
                due.append(a)
            a = b
            if a >= end:
                break
        self.cursor = end
        return due

    def next_due(self, rate: float) -> float:
        """When the next request is due if `rate` holds."""
        return self.cursor + max(1.0 - self.credit, 0.0) / rate


async def run_schedule(
    arrivals: Arrivals,
    *,
    clock: Clock,
    rate_at: Callable[[float], float],
    end_at: Callable[[], float | None],
    stopped: Callable[[], bool],
    fire: Callable[[float], None],
    drop: Callable[[float], None],
    slack_s: float,
) -> None:
    """Call `fire(slot)` for each arrival slot on time, `drop(slot)` for each one missed; until stopped or the end.

    `rate_at`, `end_at` and `stopped` are read on every pass, so a reconfiguration acts within MAX_WAIT_S.
    """
    while not stopped():
        now = clock.now()
        end = end_at()
        for slot in arrivals.until(now if end is None else min(now, end), rate_at):
            if end is not None and slot >= end - EPSILON_S:
                break
            if now - slot > slack_s:
                drop(slot)
            else:
                fire(slot)
        if end is not None and now >= end:
            return
        rate = rate_at(now)
        wake = now + MAX_WAIT_S if rate <= 0 else min(arrivals.next_due(rate), now + MAX_WAIT_S)
        if end is not None:
            wake = min(wake, end)
        # sleep(0) when a slot is already due still yields, so the requests in flight progress.
        await clock.sleep(max(wake - now, 0.0))
