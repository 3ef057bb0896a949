"""Time, injected: the scheduler, stats and decision polling read it here so tests can replace it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    now: Callable[[], float] = time.monotonic  # seconds, for intervals and schedules
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    wall: Callable[[], float] = time.time  # unix seconds, only to label what is reported


REAL_CLOCK = Clock()
