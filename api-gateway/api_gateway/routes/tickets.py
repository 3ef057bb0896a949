from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, request

from ..errors import ApiError
from ..events import known_event
from ..models import Error, TicketList
from ..openapi import Param, operation
from ..services import services
from ..tickets import list_tickets
from .bodies import respond

bp = Blueprint("tickets", __name__)


def _price_arg(name: str) -> Decimal | None:
    values = request.args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"{name}: give it once, not {len(values)} times", name)
    raw = values[0]
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ApiError(400, f"{name}: must be a number, got {raw!r}", name) from None
    if not value.is_finite() or value < 0:
        raise ApiError(400, f"{name}: must be a finite number >= 0, got {raw!r}", name)
    return value


def _type_arg(known: list[str]) -> str | None:
    values = request.args.getlist("type")
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"type: give it once, not {len(values)} times", "type")
    if values[0] not in known:
        # An unknown type is a mistake (a typo, a stale link), not an empty filter: say what exists.
        raise ApiError(400, f"type: unknown ticket type {values[0]!r}; known types: {', '.join(known)}", "type")
    return values[0]


def _price_param(name: str, description: str) -> Param:
    return Param("query", name, {"type": "number", "minimum": 0}, description)


@bp.get("/tickets")
@operation(
    operation_id="listTickets",
    summary="Ticket types with live availability",
    tags=["tickets"],
    params=[
        Param(
            "query",
            "type",
            {"type": "string"},
            "only tickets of this type; another type is refused with 400",
            enum_from="ticket_types",
        ),
        Param(
            "query",
            "event",
            {"type": "string", "maxLength": 64},
            "the event whose tickets to list (GET /events); without it the default event's; unknown: 404",
        ),
        _price_param("min_price", "only tickets costing at least this much"),
        _price_param("max_price", "only tickets costing at most this much"),
    ],
    responses={
        200: (TicketList, "The tickets"),
        400: (Error, "Invalid request; `error` says which field and why"),
        404: (Error, "No such event"),
    },
)
def get_tickets():
    s = services()
    catalogue = s.catalogue
    event_ids = request.args.getlist("event")
    if len(event_ids) > 1:
        raise ApiError(400, f"event: give it once, not {len(event_ids)} times", "event")
    event = known_event(catalogue, event_ids[0]) if event_ids else catalogue.default_event
    type_ = _type_arg(event.types)
    min_price, max_price = _price_arg("min_price"), _price_arg("max_price")
    if min_price is not None and max_price is not None and min_price > max_price:
        raise ApiError(400, "min_price: must not be greater than max_price", "min_price")
    return respond(TicketList(tickets=list_tickets(s.redis, s.shards, event, type_, min_price, max_price)))
