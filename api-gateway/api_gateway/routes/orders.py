from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, request

from .. import metrics
from ..domain_errors import AdmissionForOtherSale, AdmissionRefused, AdmissionRequired, DomainError, SaleNotOpen
from ..errors import ApiError
from ..events import check_order
from ..models import (
    CreateOrderRequest,
    CreateOrderResponse,
    Error,
    Order,
    OrderCancelled,
    PaymentRequest,
    PaymentStarted,
    SaleNotOpenError,
)
from ..openapi import Param, operation
from ..orders import Admission, IntakeLimits, RoomTurnedOn, cancel_order, get_order, pay_order, place_order
from ..services import services
from ..waiting_room import Room, check_admission
from .bodies import json_body, respond

bp = Blueprint("orders", __name__)

ADMISSION_REFUSALS = {
    SaleNotOpen: "not_open",
    AdmissionRequired: "required",
    AdmissionRefused: "invalid",
    AdmissionForOtherSale: "other_sale",
}

MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_ADMISSION_TOKEN_LENGTH = 1024


@bp.post("/orders")
@operation(
    operation_id="createOrder",
    summary="Place an order",
    tags=["orders"],
    body=CreateOrderRequest,
    params=[
        Param(
            "header",
            "Idempotency-Key",
            {"type": "string", "minLength": 1, "maxLength": 255},
            "A key of the client's choosing (a UUID): a retry with the same key and body returns the first "
            "response (header Idempotent-Replayed: true) and buys nothing twice; the same key with another body "
            "is refused with 409. A key is remembered with its event's orders (in its shard), so it is scoped "
            "to one event: the same key on an order of another event is another order.",
        ),
        Param(
            "header",
            "Admission-Token",
            {"type": "string", "maxLength": MAX_ADMISSION_TOKEN_LENGTH},
            "While the sale's waiting room is on: the token GET /sales/{saleId}/queue/{visitorId} gave the "
            "admitted visitor. Each order uses one of its uses (a replay none).",
        ),
    ],
    responses={
        201: (
            CreateOrderResponse,
            "Accepted and queued; its status is `pending`. A worker reserves the tickets, charges the card and "
            "confirms (or releases them); with `payLater` it only reserves until `holdExpiresAt`",
        ),
        401: (
            Error,
            "The waiting room is on and the Admission-Token is missing, malformed, forged, expired "
            "or signed with a retired key (`error` says which)",
        ),
        403: (Error, "The Admission-Token is for another sale"),
        409: (Error, "The Idempotency-Key was used with another request body, or the event's sale is closed"),
        422: (Error, "The order's tickets belong to more than one event"),
        425: (SaleNotOpenError, "The sale is not open yet: `opensAt` says when"),
        429: (Error, "The Admission-Token's orders are all placed"),
        503: (
            Error,
            "Too many orders waiting for a decision, or the store is unavailable; retry after the "
            "Retry-After header's seconds",
        ),
    },
)
def create_order():
    s = services()
    catalogue = s.catalogue
    # Every event has its waiting room (its RoomCache in s.rooms: with the room off, a cached read and
    # nothing else); an order passes its own event's. With one event the gate comes first, so a refused
    # rush costs no body parsing; with several the body says which event an order is for.
    # enqueue_order.lua reads the same room in the same step as it stores the order.
    single = catalogue.events[0].id if len(catalogue.events) == 1 else None
    admission = _admission(s.rooms.get(single)) if single else None
    order_request = json_body(CreateOrderRequest)
    # Events (issue 17; events.py): all items of one event, and its sale on (409 closed, 425 not yet).
    event = check_order(catalogue, order_request, datetime.now(UTC))
    # No known ticket (price_order refuses it next): the default event's room decides, as it always did.
    sale_id = single or (event.id if event is not None else catalogue.sale_id)
    if not single:
        admission = _admission(s.rooms.get(sale_id))
    limits = IntakeLimits(
        s.settings.max_tickets_per_order,
        s.settings.max_stream_backlog,
        s.settings.idempotency_ttl_seconds,
        s.settings.order_replica_acks,
        s.settings.order_replica_timeout_ms,
    )
    try:
        created, replayed = place_order(
            s.redis, s.enqueue_order, order_request, catalogue, limits, _idempotency_key(), admission, s.shards
        )
    except RoomTurnedOn:
        # The cached view had the room off; the enqueue step saw it on and wrote nothing. Check again
        # against the room as it is: the token is verified (or refused), and the use counted.
        s.rooms.invalidate(sale_id)
        admission = _admission(s.rooms.get(sale_id))
        try:
            created, replayed = place_order(
                s.redis, s.enqueue_order, order_request, catalogue, limits, _idempotency_key(), admission, s.shards
            )
        except RoomTurnedOn:  # switched off and on again in between: no admission, and it is on
            raise AdmissionRequired("Admission-Token: required while the waiting room is on; join the queue") from None
    (metrics.ORDERS_REPLAYED if replayed else metrics.ORDERS_CREATED).inc()
    response, status = respond(created, 201)
    response.headers["Location"] = f"{request.path.rstrip('/')}/{created.orderId}"
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


def _admission(room: Room) -> Admission | None:
    """The waiting room's gate (check_admission), counting each refusal by its reason."""
    token = request.headers.get("Admission-Token")
    if token is not None and len(token) > MAX_ADMISSION_TOKEN_LENGTH:
        # Refused as the header it is, room on or off: its documented bound is part of the contract.
        raise ApiError(400, f"Admission-Token: at most {MAX_ADMISSION_TOKEN_LENGTH} characters", "Admission-Token")
    try:
        return check_admission(room, token, services().tokens)
    except DomainError as e:
        metrics.ADMISSION_REFUSED.labels(ADMISSION_REFUSALS.get(type(e), "invalid")).inc()
        raise


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise ApiError(
            400,
            f"Idempotency-Key: must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII "
            "characters (a UUID is a good choice)",
            "Idempotency-Key",
        )
    return key


@bp.get("/orders/<orderId>")
@operation(
    operation_id="getOrder",
    summary="An order and its status",
    tags=["orders"],
    responses={200: (Order, "The order"), 404: (Error, "No such order")},
)
def read_order(orderId: str):
    s = services()
    return respond(get_order(s.redis, orderId, s.shards))


@bp.post("/orders/<orderId>/payment")
@operation(
    operation_id="payOrder",
    summary="Pay a reserved (payLater) order within its hold",
    tags=["orders"],
    body=PaymentRequest,
    responses={
        202: (PaymentStarted, "The payment started (status `paying`); follow the order for its outcome"),
        404: (Error, "No such order"),
        409: (Error, "The order is not reserved for a later payment (already paying, paid, released ...)"),
        410: (Error, "The hold expired; its tickets were released"),
    },
)
def pay(orderId: str):
    body = json_body(PaymentRequest)
    s = services()
    return respond(pay_order(s.redis, s.start_payment, orderId, body, s.shards), 202)


@bp.post("/orders/<orderId>/cancel")
@operation(
    operation_id="cancelOrder",
    summary="Cancel a reserved order: its tickets are released",
    tags=["orders"],
    responses={
        200: (OrderCancelled, "Cancelled; the held tickets are available again"),
        404: (Error, "No such order"),
        409: (Error, "The order is paying or decided already"),
        410: (Error, "The hold expired already; its tickets were released"),
    },
)
def cancel(orderId: str):
    s = services()
    return respond(cancel_order(s.redis, s.release_order, orderId, s.shards))
