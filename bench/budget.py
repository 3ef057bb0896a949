"""Time: the wall-clock bound each benchmark checks, and the timestamped progress lines."""

from __future__ import annotations

import time


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Deadline:
    """A wall-clock bound for one benchmark: every loop checks it, so nothing runs away."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return time.monotonic() >= self.at
