"""The catalogue of events: anyone browses; organisers (the control token) create events, add ticket types
and stock, open and close sales, and read an event's sales (docs/events.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, request

from .. import events
from ..errors import ApiError
from ..models import Error, Event, EventCreate, EventList, EventSales, SaleUpdate, StockAdd, TicketSales, TicketTypesAdd
from ..openapi import Param, operation
from ..services import services
from .bodies import json_body, respond
from .control import require_operator

bp = Blueprint("events", __name__)

MAX_QUERY_LENGTH = 200


def _one(name: str) -> str | None:
    values = request.args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"{name}: give it once, not {len(values)} times", name)
    return values[0]


def _date_arg(name: str) -> date | datetime | None:
    raw = _one(name)
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(400, f"{name}: must be a date (2027-07-16) or a date-time with a time zone, got {raw!r}", name)
    return value


def _on_sale_arg() -> bool | None:
    raw = _one("onSale")
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise ApiError(400, f"onSale: must be true or false, got {raw!r}", "onSale")
    return raw == "true"


@bp.get("/events")
@operation(
    operation_id="listEvents",
    summary="The events, by start time, with their tickets and live availability",
    tags=["events"],
    params=[
        Param("query", "q", {"type": "string", "maxLength": MAX_QUERY_LENGTH}, "a part of the event's name (any case)"),
        Param(
            "query",
            "from",
            {"type": "string", "examples": ["2027-07-01"]},
            "events starting at or after: a date (from its first instant, UTC) or a date-time with a time zone",
        ),
        Param(
            "query",
            "to",
            {"type": "string", "examples": ["2027-08-31"]},
            "events starting at or before: a date (its whole day, UTC) or a date-time with a time zone",
        ),
        Param("query", "onSale", {"type": "string", "enum": ["true", "false"]}, "only events on sale now (or not)"),
    ],
    responses={200: (EventList, "The events"), 400: (Error, "Invalid filter; `error` says which and why")},
)
def list_events():
    s = services()
    q = _one("q")
    if q is not None and len(q) > MAX_QUERY_LENGTH:
        raise ApiError(400, f"q: at most {MAX_QUERY_LENGTH} characters", "q")
    start, end = _date_arg("from"), _date_arg("to")
    starts_from = None if start is None else events.day_start(start)
    starts_to = None if end is None else events.day_end(end)
    if starts_from is not None and starts_to is not None and starts_from > starts_to:
        raise ApiError(400, "from: must not be after to", "from")
    now = datetime.now(UTC)
    found = events.find_events(s.catalogue, now, q, starts_from, starts_to, _on_sale_arg())
    available = events.availability(s.redis, s.shards, found)
    return respond(EventList(events=[events.event_view(e, available, now) for e in found]), keep_nulls=True)


@bp.get("/events/<eventId>")
@operation(
    operation_id="getEvent",
    summary="An event with its ticket types and live availability",
    tags=["events"],
    responses={200: (Event, "The event"), 404: (Error, "No such event")},
)
def get_event(eventId: str):
    s = services()
    event = events.known_event(s.catalogue, eventId)
    available = events.availability(s.redis, s.shards, [event])
    return respond(events.event_view(event, available, datetime.now(UTC)), keep_nulls=True)


ORGANISER_ERRORS = {
    401: (Error, "ADMIN_TOKEN is set and the bearer token is missing or wrong"),
    403: (Error, "ADMIN_TOKEN is unset and the caller is not on loopback"),
}


def _written() -> None:
    # This process sees its own write at once; the others within their cache's second.
    services().catalogues.invalidate()


@bp.post("/events")
@operation(
    operation_id="createEvent",
    summary="Create an event with its ticket types (organisers)",
    tags=["events"],
    security=[{"adminToken": []}],
    body=EventCreate,
    responses={
        201: (Event, "Created: visible at once, its stock in place"),
        409: (Error, "The event id, or a ticket id, is taken (ticket ids are unique across events)"),
        422: (Error, "A value is not valid (negative stock, a sale opening after the start, a bad currency...)"),
        **ORGANISER_ERRORS,
    },
)
def create_event():
    require_operator("create events")
    s = services()
    created = events.create_event(s.redis, s.catalogue_scripts, s.shards, json_body(EventCreate, invalid_status=422))
    _written()
    s.rooms(created.id)  # its waiting room's first settings (off), here at once; other processes on first use
    response, status = respond(created, 201, keep_nulls=True)
    response.headers["Location"] = f"{request.path.rstrip('/')}/{created.id}"
    return response, status


@bp.post("/events/<eventId>/tickets")
@operation(
    operation_id="addTicketTypes",
    summary="Add ticket types to an event (organisers)",
    tags=["events"],
    security=[{"adminToken": []}],
    body=TicketTypesAdd,
    responses={
        201: (Event, "Added: the event with its new ticket types"),
        404: (Error, "No such event"),
        409: (Error, "A ticket id is taken"),
        422: (Error, "A value is not valid"),
        **ORGANISER_ERRORS,
    },
)
def add_ticket_types(eventId: str):
    require_operator("change events")
    s = services()
    body = json_body(TicketTypesAdd, invalid_status=422)
    event = events.add_ticket_types(s.redis, s.catalogue_scripts, s.shards, eventId, body.tickets)
    _written()
    return respond(event, 201, keep_nulls=True)


@bp.post("/events/<eventId>/tickets/<ticketId>/stock")
@operation(
    operation_id="addStock",
    summary="Add stock to a ticket type (organisers; stock is never lowered)",
    tags=["events"],
    security=[{"adminToken": []}],
    body=StockAdd,
    responses={
        200: (TicketSales, "Added: the ticket's figures now"),
        404: (Error, "No such event, or no such ticket in it"),
        422: (Error, "`add` must be a whole number above 0"),
        **ORGANISER_ERRORS,
    },
)
def add_stock(eventId: str, ticketId: str):
    require_operator("change events")
    s = services()
    figures = events.add_stock(
        s.redis, s.catalogue_scripts, s.shards, eventId, ticketId, json_body(StockAdd, invalid_status=422)
    )
    _written()
    return respond(figures)


@bp.put("/events/<eventId>/sale")
@operation(
    operation_id="updateSale",
    summary="Open or close an event's sale, or schedule its opening (organisers)",
    tags=["events"],
    security=[{"adminToken": []}],
    body=SaleUpdate,
    responses={
        200: (Event, "The event, changed"),
        404: (Error, "No such event"),
        422: (Error, "Nothing to change, a scheduled sale without its time, or a sale opening after the start"),
        **ORGANISER_ERRORS,
    },
)
def update_sale(eventId: str):
    require_operator("change events")
    s = services()
    event = events.update_sale(
        s.redis, s.catalogue_scripts, s.shards, eventId, json_body(SaleUpdate, invalid_status=422)
    )
    _written()
    return respond(event, keep_nulls=True)


@bp.get("/events/<eventId>/sales")
@operation(
    operation_id="getEventSales",
    summary="An event's sales: initial, available, held and sold per ticket type, and totals (organisers)",
    tags=["events"],
    security=[{"adminToken": []}],
    responses={200: (EventSales, "The figures, read in one step"), 404: (Error, "No such event"), **ORGANISER_ERRORS},
)
def get_event_sales(eventId: str):
    require_operator("read an event's sales")
    s = services()
    return respond(events.event_sales(s.redis, s.shards, events.organiser_event(s.redis, eventId)))
