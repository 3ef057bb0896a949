"""The worker's HTTP side: health, readiness, stats and metrics, with the consumer running."""

import re
import time

from fastapi.testclient import TestClient

from order_worker.app import create_app
from ticketing_common import keys
from ticketing_common.backlog import BACKLOG_GAUGES
from ticketing_common.status import DecisionOutcome

from .conftest import queue_order, worker_settings


def test_health_stats_and_metrics_report_what_the_consumer_did(stocked, redis_url):
    order_id, _ = queue_order(stocked, ("adult", 2))
    with TestClient(create_app(worker_settings(redis_url, name="api-worker"))) as client:
        deadline = time.monotonic() + 20
        while stocked.hget(keys.order_key(order_id), "status") != "confirmed":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert client.get("/healthz").json() == {"status": "ok", "consumer": "api-worker"}
        assert client.get("/readyz").status_code == 200
        stats = client.get("/stats").json()
        assert stats["consumer"] == "api-worker"
        # Each lifecycle step's outcome (payments off: reserved, paying, confirmed right away).
        assert stats["processed"] == {
            DecisionOutcome.RESERVED: 1,
            DecisionOutcome.PAYING: 1,
            DecisionOutcome.CONFIRMED: 1,
        }
        assert stats["batches"] >= 1 and stats["lastError"] is None
        metrics = client.get("/metrics").text
        assert 'worker_orders_decided_total{outcome="confirmed"}' in metrics
        assert "worker_order_decision_seconds_bucket" in metrics
        # The backlog under the names the gateway exports too (one dashboard query for both).
        for name, _help in BACKLOG_GAUGES.values():
            assert f"# TYPE {name} gauge" in metrics
        assert "\nticketing_stream_pending 0.0\n" in metrics and "\nticketing_stream_lag 0.0\n" in metrics
        assert "ticketing_stream_entries" not in metrics


def test_readyz_fails_while_redis_is_unreachable():
    settings = worker_settings("redis://127.0.0.1:1/0", redis_socket_timeout=0.5)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503 and "redis" in response.json()["error"]
        # The consumer keeps retrying and says why.
        deadline = time.monotonic() + 10
        while client.get("/stats").json()["errors"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "unreachable" in client.get("/stats").json()["lastError"]
        # No backlog figure when it cannot be read, rather than a stale one.
        metrics = client.get("/metrics").text
        assert "worker_errors_total" in metrics and "ticketing_stream_length" not in metrics


def test_the_docs_are_served_from_the_project_without_a_cdn(redis_url):
    with TestClient(create_app(worker_settings(redis_url, name="docs-worker"))) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "<script>" not in page.text
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs and not [r for r in refs if r.startswith(("http:", "https:", "//", "/"))], refs
        for ref in refs:
            assert client.get(f"/{ref}").status_code == 200, ref
        assert client.get("/docs/index.html").status_code == 404  # only the page's own assets
        assert client.get("/openapi.json").json()["info"]["title"] == "Order worker"
