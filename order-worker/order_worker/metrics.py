"""Prometheus metrics of the order worker: its own registry, exported with the backlog gauges.

Neither the default registry's process_* and python_* families nor `*_created` series: every name
exported is one of the monitoring contract's (tests/monitoring checks a live /metrics).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

disable_created_metrics()
REGISTRY = CollectorRegistry()

DECIDED = Counter("worker_orders_decided_total", "stream entries handled, by outcome", ["outcome"], registry=REGISTRY)
DECISION_SECONDS = Histogram(
    "worker_order_decision_seconds",
    "time from an order entering the stream to its decision",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
BATCHES = Counter("worker_batches_total", "batches decided", registry=REGISTRY)
BATCH_SECONDS = Histogram(
    "worker_batch_seconds",
    "time to decide one batch (simulated work included)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
RECLAIMED = Counter(
    "worker_entries_reclaimed_total", "entries taken over from stuck or dead workers", registry=REGISTRY
)
DEAD_LETTERED = Counter(
    "worker_entries_dead_lettered_total", "entries moved to the dead-letter stream", registry=REGISTRY
)
ERRORS = Counter("worker_errors_total", "errors while reading or deciding (retried)", registry=REGISTRY)
PAYMENTS = Counter(
    "worker_payments_total", "charges decided by the payment provider, by outcome", ["outcome"], registry=REGISTRY
)
EXPIRED = Counter("worker_holds_expired_total", "reserved orders expired by this worker's sweep", registry=REGISTRY)
REFUNDS = Counter(
    "worker_refunds_total", "approved charges refunded because their order was released", registry=REGISTRY
)
