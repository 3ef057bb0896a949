"""Liveness, readiness and metrics: what an orchestrator and Prometheus ask."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from .. import metrics
from ..services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    # Reachability only, and read-only: a probe that wrote would fail every gateway's readiness at
    # once at Redis's maxmemory. A Redis that lost its stock gets it back from stock.StockKeeper.
    try:
        services().redis.ping()
    except redis.RedisError as e:
        return jsonify({"status": "unavailable", "error": f"redis: {type(e).__name__}"}), 503
    return jsonify({"status": "ready"})


@bp.get("/metrics")
def prometheus_metrics():
    # content_type, not mimetype: CONTENT_TYPE_LATEST has its charset already, and Flask would add another.
    return Response(metrics.exposition(services().redis, services().shards), content_type=CONTENT_TYPE_LATEST)
