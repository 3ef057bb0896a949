"""What one run did: counters, latency histograms, decision outcomes and a per-second series.

Everything runs on the event loop thread, so no locks. Events are attributed to the
second in which they happen: a request to the second it was sent (or dropped), its
response or error to the second it ended.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .clock import Clock
from .latency import Durations

if TYPE_CHECKING:
    from .metrics import WorkloadMetrics

SERIES_SECONDS = 300
WINDOW_S = 10.0
ERROR_KINDS = ("timeout", "connection", "other", "cancelled")
# Always in the decisions document, as 0 when none came back (byStatus has every status seen).
DECIDED = ("confirmed", "rejected", "failed")
ERROR_SAMPLES = 3  # kept per status, the latest
ERROR_BODY_CHARS = 300
TRANSPORT = "transport"  # the errorSamples key of requests that got no HTTP response


@dataclass
class _Second:
    target_rps: float = 0.0
    sent: int = 0
    errors: int = 0
    dropped: int = 0
    backpressure: int = 0
    latency: Durations = field(default_factory=lambda: Durations(highest_s=600, digits=2))

    def point(self, t: int) -> dict:
        p50, p99 = self.latency.percentiles_ms(50, 99)
        return {
            "t": t,
            "targetRps": round(self.target_rps, 3),
            "rps": self.sent,
            "p50Ms": p50,
            "p99Ms": p99,
            "errors": self.errors,
            "dropped": self.dropped,
            "backpressure": self.backpressure,
        }


class Stats:
    def __init__(self, clock: Clock, metrics: WorkloadMetrics | None = None) -> None:
        self.clock = clock
        self.metrics = metrics
        self.started = clock.now()
        self.started_wall = clock.wall()
        self.load_ended: float | None = None  # the schedule stopped: elapsed time stops here
        self.finished: float | None = None  # requests ended too: the series is closed

        self.sent = self.succeeded = self.failed = self.in_flight = 0
        self.dropped: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_error: Counter[str] = Counter({k: 0 for k in ERROR_KINDS})
        self.latency = Durations()
        self._recent_sends: deque[float] = deque()

        self.decisions: Counter[str] = Counter({k: 0 for k in ("followed", "skipped", "unresolved")})
        # Final statuses of the orders followed, whatever strings the gateway answers.
        self.outcomes: Counter[str] = Counter({k: 0 for k in DECIDED})
        self.time_to_decision = Durations()
        self.error_samples: dict[str, deque[dict]] = {}
        self.payments: Counter[str] = Counter({k: 0 for k in ("payLater", "abandoned", "sent")})
        self.payment_answers: Counter[str] = Counter()

        self.rush_snapshot: Callable[[], dict] | None = None  # a rush run's visitor numbers (rush.RushStats)
        self.target_rps = 0.0
        self.series: deque[dict] = deque(maxlen=SERIES_SECONDS)
        self._second = int(self.started_wall)
        self._current = _Second()

    # --- events -------------------------------------------------------------------------------

    def set_target(self, rps: float) -> None:
        self._roll()
        self.target_rps = rps
        self._current.target_rps = rps

    def on_sent(self) -> None:
        now = self._roll()
        self.sent += 1
        self.in_flight += 1
        self._recent_sends.append(now)
        self._current.sent += 1

    def on_dropped(self, reason: str) -> None:
        self._roll()
        self.dropped[reason] += 1
        self._current.dropped += 1
        if self.metrics:
            self.metrics.dropped(reason)

    def on_response(self, status: int, latency_s: float) -> None:
        self._roll()
        self.in_flight -= 1
        self.by_status[str(status)] += 1
        if 200 <= status < 300:
            self.succeeded += 1
        else:
            self.failed += 1
            self._current.errors += 1
        if status == 503:
            self._current.backpressure += 1
        self.latency.record(latency_s)
        self._current.latency.record(latency_s)
        if self.metrics:
            self.metrics.response(status, latency_s)

    def on_error(self, kind: str) -> None:
        self._roll()
        self.in_flight -= 1
        self.failed += 1
        self.by_error[kind] += 1
        self._current.errors += 1
        if self.metrics:
            self.metrics.error(kind)

    def on_error_sample(self, key: str, body: str) -> None:
        """Keep `body` as one of the latest samples of `key` (an HTTP status, or TRANSPORT)."""
        samples = self.error_samples.setdefault(key, deque(maxlen=ERROR_SAMPLES))
        samples.append({"at": _iso(self.clock.wall()), "body": body[:ERROR_BODY_CHARS]})

    def on_pay_later(self, abandoned: bool) -> None:
        self.payments["abandoned" if abandoned else "payLater"] += 1

    def on_payment(self, answer: str) -> None:
        """A POST /orders/{id}/payment ended: its HTTP status, or the error kind without a response."""
        self.payments["sent"] += 1
        self.payment_answers[answer] += 1

    def on_followed(self) -> None:
        self.decisions["followed"] += 1

    def on_follow_skipped(self) -> None:
        self.decisions["skipped"] += 1

    def on_decision(self, status: str, time_to_decision_s: float) -> None:
        self.outcomes[status] += 1
        self.time_to_decision.record(time_to_decision_s)
        if self.metrics:
            self.metrics.decision(status, time_to_decision_s)

    def on_unresolved(self) -> None:
        self.decisions["unresolved"] += 1

    def end_load(self) -> None:
        if self.load_ended is None:
            self.load_ended = self.clock.now()

    def finish(self) -> None:
        """The load is over: close the series with the last (partial) second."""
        if self.finished is None:
            self._roll()
            self.series.append(self._current.point(self._second))
            self.finished = self.clock.now()
            self.end_load()

    # --- reading ------------------------------------------------------------------------------

    @property
    def elapsed_s(self) -> float:
        return (self.load_ended if self.load_ended is not None else self.clock.now()) - self.started

    def achieved_rps(self) -> dict:
        now = self.clock.now()
        while self._recent_sends and self._recent_sends[0] <= now - WINDOW_S:
            self._recent_sends.popleft()
        window = min(WINDOW_S, now - self.started)
        elapsed = self.elapsed_s
        return {
            "last10s": round(len(self._recent_sends) / window, 3) if window > 0 else 0.0,
            "overall": round(self.sent / elapsed, 3) if elapsed > 0 else 0.0,
        }

    def snapshot(self) -> dict:
        self._roll()
        d, outcomes = self.decisions, self.outcomes
        pending = d["followed"] - sum(outcomes.values()) - d["unresolved"]
        return {
            "startedAt": _iso(self.started_wall),
            "finishedAt": None if self.finished is None else _iso(self.started_wall + self.finished - self.started),
            "elapsedS": round(self.elapsed_s, 3),
            "achievedRps": self.achieved_rps(),
            "requests": {
                "sent": self.sent,
                "succeeded": self.succeeded,
                "failed": self.failed,
                "dropped": sum(self.dropped.values()),
                "inFlight": self.in_flight,
                "byStatus": dict(sorted(self.by_status.items())),
                "byError": dict(self.by_error),
                "droppedByReason": {
                    "inFlightCap": self.dropped["in_flight_cap"],
                    "behindSchedule": self.dropped["behind_schedule"],
                },
            },
            "latencyMs": {
                **dict(zip(("p50", "p90", "p99", "p999"), self.latency.percentiles_ms(50, 90, 99, 99.9), strict=True)),
                "max": self.latency.max_ms(),
                "mean": self.latency.mean_ms(),
                "count": self.latency.count,
            },
            "decisions": {
                "followed": d["followed"],
                **{k: outcomes[k] for k in DECIDED},
                "byStatus": dict(sorted((k, v) for k, v in outcomes.items() if v)),
                "pending": pending,
                "unresolved": d["unresolved"],
                "skipped": d["skipped"],
                "timeToDecisionMs": {
                    **dict(zip(("p50", "p90", "p99"), self.time_to_decision.percentiles_ms(50, 90, 99), strict=True)),
                    "max": self.time_to_decision.max_ms(),
                },
            },
            "payments": {**self.payments, "byStatus": dict(sorted(self.payment_answers.items()))},
            "errorSamples": {k: list(v) for k, v in sorted(self.error_samples.items())},
            "rush": self.rush_snapshot() if self.rush_snapshot else None,
            "series": list(self.series),
        }

    # --- the per-second series ----------------------------------------------------------------

    def _roll(self) -> float:
        """Close every second that has passed; the clock reading it rolled to."""
        now = self.clock.now()
        if self.finished is not None:
            return now
        second = int(self.started_wall + (now - self.started))
        if second > self._second:
            self.series.append(self._current.point(self._second))
            # Seconds without any event still get a point, at the target of the last one.
            first_idle = max(self._second + 1, second - SERIES_SECONDS)
            for t in range(first_idle, second):
                self.series.append(_Second(target_rps=self.target_rps).point(t))
            self._second = second
            self._current = _Second(target_rps=self.target_rps)
        return now


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(unix, UTC).isoformat(timespec="milliseconds")
