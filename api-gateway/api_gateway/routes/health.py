"""Liveness, readiness and metrics: what an orchestrator and Prometheus ask."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from ticketing_common import keys

from .. import metrics
from ..catalogue import initialise_stock
from ..services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    s = services()
    try:
        # Reaching Redis; and a Redis that came back empty (its data lost) gets the catalogue's
        # stock again without a gateway restart.
        if not s.redis.exists(keys.STOCK):
            initialise_stock(s.redis, s.catalogue)
    except redis.RedisError as e:
        return jsonify({"status": "unavailable", "error": f"redis: {type(e).__name__}"}), 503
    return jsonify({"status": "ready"})


@bp.get("/metrics")
def prometheus_metrics():
    return Response(metrics.exposition(services().redis), mimetype=CONTENT_TYPE_LATEST)
