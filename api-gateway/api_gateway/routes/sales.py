"""The sales and their waiting room: visitors join, ask where they are, leave; operators steer the room."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ticketing_common.status import RoomState, SaleState

from ..catalogue import CatalogueEvent
from ..domain_errors import UnknownSale
from ..models import (
    Error,
    JoinRequest,
    RoomStats,
    RoomUpdate,
    Sale,
    SaleList,
    SaleRoom,
    VisitorStatus,
)
from ..openapi import operation
from ..services import services
from ..waiting_room import (
    ensure_room,
    iso,
    join,
    leave,
    redis_now_ms,
    room_stats,
    sale_opening_ms,
    update_room,
    visitor_status,
)
from .bodies import json_body, respond
from .control import require_operator

bp = Blueprint("sales", __name__)

VISITOR_ID_MAX = 64


def _event(sale_id: str) -> CatalogueEvent:
    """The event whose sale `sale_id` is (every catalogue event is one); UnknownSale (404) otherwise."""
    event = services().catalogue.event(sale_id) if len(sale_id) <= 64 else None
    if event is None:
        shown = sale_id if len(sale_id) <= 64 else sale_id[:64] + "..."
        raise UnknownSale(f"sale {shown!r} not found")
    return event


def _sale(sale_id: str) -> str:
    return _event(sale_id).id


@bp.get("/sales")
@operation(
    operation_id="listSales",
    summary="The sales, their opening time and whether their waiting room is on",
    tags=["sales"],
    responses={200: (SaleList, "Every event's sale: the default event's first, then by start time (as GET /events)")},
)
def list_sales():
    s = services()
    catalogue = s.catalogue
    # The default event first (the one a client that knows a single sale takes: sales[0]), then by start.
    events = [catalogue.default_event, *(e for e in catalogue.by_start() if e.id != catalogue.sale_id)]
    # Read now, in one pipeline: the web app decides from this answer whether to send a buyer into the
    # line, so a room an operator just opened must show at once, not after another process's cache.
    rooms = s.rooms.get_many((e.id for e in events), fresh=True)
    now = redis_now_ms(s.redis)
    sales = []
    for event, cached in zip(events, rooms, strict=True):
        room = cached.not_before(sale_opening_ms(event))
        sales.append(
            Sale(
                saleId=event.id,
                name=event.name,
                opensAt=iso(room.opens_at_ms),
                open=room.opened(now) and room.state != RoomState.CLOSED and event.saleState != SaleState.CLOSED,
                room=SaleRoom(state=room.state),
            )
        )
    return respond(SaleList(sales=sales), keep_nulls=True)


@bp.post("/sales/<saleId>/queue")
@operation(
    operation_id="joinQueue",
    summary="Join the sale's waiting room (joining again keeps one's place)",
    tags=["sales"],
    body=JoinRequest,
    responses={
        200: (VisitorStatus, "Already in line (or admitted): the same place"),
        201: (VisitorStatus, "Joined: a new place at the end of the line; keep the visitorId"),
        404: (Error, "No such sale"),
        409: (Error, "The waiting room is off (buy directly) or closed"),
        422: (Error, "The body is not valid (visitorId must be a UUID)"),
    },
)
def join_queue(saleId: str):
    event = _event(saleId)
    sale_id = event.id
    s = services()
    # An empty body is the same as {}: a browser's first join need not say anything.
    body = JoinRequest() if not request.get_data() else json_body(JoinRequest, invalid_status=422)
    s.rooms(sale_id)  # the room's first settings, if this event is new to this process
    visitor_id, joined = join(s.redis, s.join_room, sale_id, body.visitorId and body.visitorId.lower(), s.shards)
    status = visitor_status(s.redis, sale_id, visitor_id, s.tokens, s.shards, sale_opening_ms(event))
    return respond(status, 201 if joined else 200, keep_nulls=True)


@bp.get("/sales/<saleId>/queue/<visitorId>")
@operation(
    operation_id="getQueuePosition",
    summary="A visitor's place in line, or their admission token once admitted",
    tags=["sales"],
    responses={200: (VisitorStatus, "Where the visitor is"), 404: (Error, "No such sale, or not in its room")},
)
def get_queue_position(saleId: str, visitorId: str):
    event = _event(saleId)
    s = services()
    status = visitor_status(s.redis, event.id, visitorId[:VISITOR_ID_MAX], s.tokens, s.shards, sale_opening_ms(event))
    return respond(status, keep_nulls=True)


@bp.delete("/sales/<saleId>/queue/<visitorId>")
@operation(
    operation_id="leaveQueue",
    summary="Leave the waiting room: everyone behind moves up",
    tags=["sales"],
    responses={204: (None, "Left"), 404: (Error, "No such sale, or not in its room")},
)
def leave_queue(saleId: str, visitorId: str):
    sale_id = _sale(saleId)
    leave(services().redis, sale_id, visitorId[:VISITOR_ID_MAX], services().shards)
    return Response(status=204)


OPERATOR_ERRORS = {
    401: (Error, "ADMIN_TOKEN is set and the bearer token is missing or wrong"),
    403: (Error, "ADMIN_TOKEN is unset and the caller is not on loopback"),
    404: (Error, "No such sale"),
}


@bp.get("/sales/<saleId>/room")
@operation(
    operation_id="getRoom",
    summary="The waiting room's settings and figures: queue length, admission rate, wait times",
    tags=["sales"],
    security=[{"adminToken": []}],
    responses={200: (RoomStats, "The room"), **OPERATOR_ERRORS},
)
def get_room(saleId: str):
    require_operator("read the waiting room")
    sale_id = _sale(saleId)
    return respond(room_stats(services().redis, sale_id, services().shards), keep_nulls=True)


@bp.put("/sales/<saleId>/room")
@operation(
    operation_id="updateRoom",
    summary="Open, pause or close the waiting room; set its mode, rate, opening time and tokens",
    tags=["sales"],
    security=[{"adminToken": []}],
    body=RoomUpdate,
    responses={200: (RoomStats, "The room, changed"), 422: (Error, "A value is not valid"), **OPERATOR_ERRORS},
)
def put_room(saleId: str):
    require_operator("change the waiting room")
    sale_id = _sale(saleId)
    s = services()
    update = json_body(RoomUpdate, invalid_status=422)
    # The first settings where the room has none (an event no process has met yet), then the change.
    ensure_room(s.redis, sale_id, s.rooms.defaults(sale_id), s.shards)
    update_room(s.redis, sale_id, update, s.shards)
    s.rooms.invalidate(sale_id)  # this process at once; the others within their cache's second
    return respond(room_stats(s.redis, sale_id, s.shards), keep_nulls=True)
