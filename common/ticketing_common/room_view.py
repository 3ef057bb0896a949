"""A waiting visitor's view of the line, as both the gateway (GET /sales/{id}/queue/{visitor}) and
live-updates (the queue channel) show it: one computation, so the two never disagree.

Pure functions of figures read from the room (keys.Shards.room*): no Redis here.
"""

from __future__ import annotations

# A visitor's poll interval: a tenth of the expected wait, within these bounds (ms); while nobody is
# admitted (paused, not open yet), the upper one.
POLL_MIN_MS, POLL_MAX_MS = 1_000, 15_000


def admitting_rate(state: str | None, rate: float, opens_at_ms: int | None, now_ms: int) -> float:
    """Visitors let in per second now: the room's rate while it is `open` and past its opening time
    (None: no opening time), else 0."""
    if state != "open" or (opens_at_ms is not None and now_ms < opens_at_ms):
        return 0.0
    return max(rate, 0.0)


def estimated_wait_seconds(ahead: int, rate: float) -> float | None:
    """ahead / rate, to a tenth of a second; None while nobody is let in (rate 0)."""
    return round(ahead / rate, 1) if rate > 0 else None


def poll_after_ms(ahead: int, rate: float) -> int:
    """When a waiting visitor should ask again: a tenth of the expected wait, within the bounds."""
    if rate <= 0:
        return POLL_MAX_MS
    return min(max(int(ahead / rate * 1000 / 10), POLL_MIN_MS), POLL_MAX_MS)


def waiting(rank: int, rate: float) -> dict[str, int | float | None]:
    """The place of a visitor `rank` people behind the head of the line: position (1-based), ahead,
    estimatedWaitSeconds."""
    return {"position": rank + 1, "ahead": rank, "estimatedWaitSeconds": estimated_wait_seconds(rank, rate)}
