"""Prometheus metrics of the order worker."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from ticketing_common.backlog import BACKLOG_GAUGES

DECIDED = Counter("worker_orders_decided_total", "stream entries handled, by outcome", ["outcome"])
DECISION_SECONDS = Histogram(
    "worker_order_decision_seconds",
    "time from an order entering the stream to its decision",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
BATCHES = Counter("worker_batches_total", "batches decided")
BATCH_SECONDS = Histogram(
    "worker_batch_seconds",
    "time to decide one batch (simulated work included)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RECLAIMED = Counter("worker_entries_reclaimed_total", "entries taken over from stuck or dead workers")
DEAD_LETTERED = Counter("worker_entries_dead_lettered_total", "entries moved to the dead-letter stream")
ERRORS = Counter("worker_errors_total", "errors while reading or deciding (retried)")


class _Backlog:
    """The backlog as read at this scrape, under the gauge names every service shares."""

    def __init__(self, backlog: dict[str, int]) -> None:
        self.backlog = backlog

    def collect(self):
        for figure, (name, help_text) in BACKLOG_GAUGES.items():
            family = GaugeMetricFamily(name, help_text)
            family.add_metric([], self.backlog[figure])
            yield family


def backlog_exposition(backlog: dict[str, int] | None) -> bytes:
    """The backlog gauges in Prometheus text, or nothing when Redis could not be read.

    A registry of their own, built per scrape: no stale figure survives an outage, and the names
    cannot clash with another service's metrics in one process (the tests import them all).
    """
    if backlog is None:
        return b""
    registry = CollectorRegistry()
    registry.register(_Backlog(backlog))
    return generate_latest(registry)
