"""Prometheus metrics of the gateway.

Under gunicorn every worker process counts for itself; PROMETHEUS_MULTIPROC_DIR
(set by `python -m api_gateway`) lets /metrics add them up, whichever worker answers.
The stream backlog is read from Redis when /metrics is scraped.
"""

from __future__ import annotations

import os

import redis
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ticketing_common.backlog import backlog_exposition, group_backlog, queue_backlog_reads

REQUESTS = Counter("gateway_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "gateway_http_request_duration_seconds",
    "time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ORDERS_CREATED = Counter("gateway_orders_created_total", "orders accepted (201) and queued for a decision")
ORDERS_REFUSED = Counter("gateway_orders_refused_total", "valid orders refused, by reason", ["reason"])
ORDERS_REPLAYED = Counter("gateway_orders_replayed_total", "requests answered again from their Idempotency-Key")


def read_backlog(client: redis.Redis) -> dict[str, int] | None:
    """The backlog read from Redis at scrape time; None when Redis cannot be read (/readyz says so)."""
    pipe = client.pipeline(transaction=False)
    queue_backlog_reads(pipe)
    try:
        length, groups = pipe.execute(raise_on_error=False)
    except redis.RedisError:
        return None
    return None if isinstance(length, Exception) else group_backlog(groups, length)


def exposition(client: redis.Redis) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + backlog_exposition(read_backlog(client))
