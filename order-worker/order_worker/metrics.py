"""Prometheus metrics of the order worker."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
