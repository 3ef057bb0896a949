"""Prometheus metrics of the live-updates service: its own registry, no `*_created` series (every name
exported is one of the monitoring contract's, tests/monitoring/contract.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics

disable_created_metrics()
REGISTRY = CollectorRegistry()

CHANNELS = ("orders", "queue", "stock", "dashboard")

SUBSCRIBERS = Gauge("live_subscribers", "open event streams, by channel", ["channel"], registry=REGISTRY)
EVENTS_SENT = Counter(
    "live_events_sent_total", "events queued to subscribers, by channel", ["channel"], registry=REGISTRY
)
DROPPED = Counter(
    "live_subscribers_dropped_total",
    "subscribers dropped because their queue was full (too slow a reader), by channel",
    ["channel"],
    registry=REGISTRY,
)
for _channel in CHANNELS:
    SUBSCRIBERS.labels(_channel)
    EVENTS_SENT.labels(_channel)
    DROPPED.labels(_channel)
