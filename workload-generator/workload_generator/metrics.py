"""Prometheus metrics of the generator, counted over the process's life (runs add up; nothing resets).

No `*_created` series: every name exported is one of the monitoring contract's (tests/monitoring).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest

disable_created_metrics()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
DECISION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def outcome(status: int) -> str:
    if 200 <= status < 300:
        return "success"
    if status == 503:
        return "backpressure"
    return f"http_{status // 100}xx"


class WorkloadMetrics:
    """Counters the stats feed as events happen, and gauges read from the live run at scrape time."""

    def __init__(self, live: Callable[[], dict] | None = None) -> None:
        self.registry = CollectorRegistry()
        self._live = live or (lambda: {})
        r = self.registry
        self._requests = Counter(
            "workload_requests_total",
            "orders sent that ended, by outcome "
            "(success=2xx, backpressure=503, http_4xx/http_5xx, timeout, connection, other, cancelled)",
            ["outcome"],
            registry=r,
        )
        self._responses = Counter(
            "workload_responses_total", "HTTP responses to POST /orders by status", ["status"], registry=r
        )
        self._dropped = Counter(
            "workload_dropped_requests_total",
            "scheduled orders not sent (in_flight_cap, behind_schedule)",
            ["reason"],
            registry=r,
        )
        self._latency = Histogram(
            "workload_request_latency_seconds",
            "POST /orders latency from its scheduled start to the response",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._decisions = Counter("workload_decisions_total", "followed orders by final status", ["status"], registry=r)
        self._time_to_decision = Histogram(
            "workload_time_to_decision_seconds",
            "from the 201 to the poll that saw a final status",
            buckets=DECISION_BUCKETS,
            registry=r,
        )
        for name, help_text, key in (
            ("workload_running", "1 while a run is sending load", "running"),
            ("workload_target_rps", "the profile's current target rate", "targetRps"),
            ("workload_achieved_rps", "orders sent per second over the last 10 s", "achievedRps"),
            ("workload_in_flight", "orders sent and not yet answered", "inFlight"),
        ):
            Gauge(name, help_text, registry=r).set_function(partial(self._live_value, key))

    def _live_value(self, key: str) -> float:
        # Read at scrape time from whichever `live` is watched then.
        return float(self._live().get(key, 0))

    def watch(self, live: Callable[[], dict]) -> None:
        self._live = live

    def response(self, status: int, latency_s: float) -> None:
        self._requests.labels(outcome(status)).inc()
        self._responses.labels(str(status)).inc()
        self._latency.observe(latency_s)

    def error(self, kind: str) -> None:
        self._requests.labels(kind).inc()

    def dropped(self, reason: str) -> None:
        self._dropped.labels(reason).inc()

    def decision(self, status: str, time_to_decision_s: float) -> None:
        self._decisions.labels(status).inc()
        self._time_to_decision.observe(time_to_decision_s)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
