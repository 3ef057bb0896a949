"""A step run every few seconds on a daemon thread of a gateway process (the StockKeeper, the RoomAdmitter)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)


class PeriodicStep:
    """Run `step` every `interval` seconds from start() until stop(), logging a Redis error and going on.

    A daemon thread: it must never keep a gunicorn worker from exiting. stop() joins it, so a test (or a
    shutdown) knows it is gone; the gateway tests assert no such thread outlives its test, by `name`.
    """

    def __init__(self, step: Callable[[], object], interval: float, name: str, what: str) -> None:
        self._step, self.interval, self._name, self._what = step, interval, name, what
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self._step()
            except redis.RedisError as e:
                log.warning("%s failed: %s", self._what, e)
