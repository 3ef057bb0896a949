from __future__ import annotations

from flask import Blueprint, request

from .. import metrics
from ..errors import ApiError
from ..models import CreateOrderRequest
from ..orders import IntakeLimits, get_order, place_order
from ..services import services
from .bodies import json_body, respond

bp = Blueprint("orders", __name__)

MAX_IDEMPOTENCY_KEY_LENGTH = 255


@bp.post("/orders")
def create_order():
    order_request = json_body(CreateOrderRequest)
    s = services()
    limits = IntakeLimits(s.settings.max_tickets_per_order, s.settings.max_stream_backlog,
                          s.settings.idempotency_ttl_seconds)
    created, replayed = place_order(
        s.redis, s.enqueue_order, order_request, s.catalogue, limits, _idempotency_key()
    )
    (metrics.ORDERS_REPLAYED if replayed else metrics.ORDERS_CREATED).inc()
    response, status = respond(created, 201)
    response.headers["Location"] = f"{request.path.rstrip('/')}/{created.orderId}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ApiError(400, f"Idempotency-Key: must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII "
                            "characters (a UUID is a good choice)", "Idempotency-Key")
    return key


@bp.get("/orders/<order_id>")
def read_order(order_id: str):
    return respond(get_order(services().redis, order_id))
