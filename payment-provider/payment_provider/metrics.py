"""Prometheus metrics of the payment provider: its own registry, no `*_created` series (every name
exported is one of the monitoring contract's, tests/monitoring/contract.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

disable_created_metrics()
REGISTRY = CollectorRegistry()

# Every outcome a POST /charges can have, so that each series exists (at 0) from the first scrape.
CHARGE_OUTCOMES = ("approved", "declined", "error", "timeout", "replayed", "conflict")

CHARGES = Counter(
    "payment_provider_charges_total",
    "POST /charges answered, by outcome (approved, declined, error = 503 nothing recorded, "
    "timeout = recorded approved and answered late, replayed = the key's recorded answer, conflict = 409)",
    ["outcome"],
    registry=REGISTRY,
)
for _outcome in CHARGE_OUTCOMES:
    CHARGES.labels(_outcome)
REFUNDS = Counter(
    "payment_provider_refunds_total", "charges refunded (a repeated refund not counted)", registry=REGISTRY
)
CHARGE_SECONDS = Histogram(
    "payment_provider_charge_seconds",
    "time to decide a new charge, the simulated processing latency included (a timeout's late answer excluded)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
