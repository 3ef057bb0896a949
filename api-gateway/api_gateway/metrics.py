"""Prometheus metrics of the gateway.

Under gunicorn every worker process counts for itself; PROMETHEUS_MULTIPROC_DIR
(set by `python -m api_gateway`) lets /metrics add them up, whichever worker answers.
The store's state (backlog, stock, dead letters, consumers) is read from Redis, in one
round trip, when /metrics is scraped: see ticketing_common.backlog.
"""

from __future__ import annotations

import os

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ticketing_common import keys
from ticketing_common.backlog import StoreState, merge_states, queue_state_reads, state_exposition, store_state

# No `*_created` series: they are not in the contract, and the multiprocess collector has none,
# so with them a single-process gateway would export names that gunicorn's does not.
disable_created_metrics()

# Only the gateway's own metrics, not the default registry's process_* and python_* families: the
# multiprocess collector (gunicorn) has none, and the same gateway should export the same names.
REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "gateway_http_requests_total", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
REQUEST_SECONDS = Histogram(
    "gateway_http_request_duration_seconds",
    "time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
ORDERS_CREATED = Counter(
    "gateway_orders_created_total", "orders accepted (201) and queued for a decision", registry=REGISTRY
)
ORDERS_REFUSED = Counter(
    "gateway_orders_refused_total", "valid orders refused, by reason", ["reason"], registry=REGISTRY
)
# Exported at 0 from the start: a rate or an alert over it then sees "none yet", not "no data".
ORDERS_REFUSED.labels("backpressure")
ADMISSION_REFUSED = Counter(
    "gateway_admission_refused_total",
    "orders refused at the waiting room's gate, by reason (not_open, required, invalid, other_sale, used_up)",
    ["reason"],
    registry=REGISTRY,
)
for _reason in ("not_open", "required", "invalid", "other_sale", "used_up"):
    ADMISSION_REFUSED.labels(_reason)
ORDERS_REPLAYED = Counter(
    "gateway_orders_replayed_total", "requests answered again from their Idempotency-Key", registry=REGISTRY
)


def read_state(client: redis.Redis, shards: keys.Shards = keys.ONE_SHARD) -> StoreState | None:
    """The store's state at scrape time, summed over shards (one MULTI per shard: a transaction cannot
    span two shards on a cluster); None when Redis cannot be read (/readyz says so)."""
    states = []
    for k in shards:
        pipe = client.pipeline(transaction=True)
        queue_state_reads(pipe, shards, k)
        try:
            states.append(store_state(pipe.execute(raise_on_error=False)))
        except redis.RedisError:
            return None
    return merge_states(states)


def exposition(client: redis.Redis, shards: keys.Shards = keys.ONE_SHARD) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + state_exposition(read_state(client, shards))
