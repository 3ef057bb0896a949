"""Order intake: price an order from the catalogue, store it and queue it, read it back."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from typing import cast

import redis
from redis.commands.core import Script

from ticketing_common import keys, lifecycle, redis_client
from ticketing_common import order_record as record
from ticketing_common.order_record import OrderLine, money, new_order_fields, order_from_fields, utc_timestamp
from ticketing_common.status import DecisionOutcome, IntakeOutcome, OrderStatus, Reason

from . import metrics
from .catalogue import Catalogue, CatalogueEvent
from .domain_errors import (
    AdmissionUsedUp,
    BacklogFull,
    HoldExpired,
    IdempotencyConflict,
    MixedEvents,
    NotReplicated,
    OrderInWrongState,
    OrderNotFound,
    TicketListedTwice,
    TooManyTickets,
    UnknownTicket,
)
from .models import CreateOrderRequest, CreateOrderResponse, Order, OrderCancelled, PaymentRequest, PaymentStarted

# Long enough for workers to drain a good part of a full backlog; short enough to feel live.
BACKPRESSURE_RETRY_AFTER_S = 2
# About a failover's time: a shard whose master just failed has no replica until the old one is back.
NOT_REPLICATED_RETRY_AFTER_S = 2
log = logging.getLogger(__name__)
ENQUEUE_ORDER_LUA = files(__package__).joinpath("enqueue_order.lua").read_text()


def price_order(request: CreateOrderRequest, catalogue: Catalogue, max_tickets: int) -> list[OrderLine]:
    """The order's lines priced from the catalogue; the client's idea of a price is never used.

    Raises UnknownTicket, TicketListedTwice or TooManyTickets, naming the field.
    """
    lines: list[OrderLine] = []
    seen: set[str] = set()
    for i, item in enumerate(request.items):
        ticket = catalogue.ticket(item.ticketId)
        if ticket is None:
            raise UnknownTicket(f"unknown ticket {item.ticketId!r}", f"items[{i}].ticketId")
        if item.ticketId in seen:
            raise TicketListedTwice(
                f"ticket {item.ticketId!r} is listed twice; give its total quantity once", f"items[{i}].ticketId"
            )
        seen.add(item.ticketId)
        if item.qty > max_tickets:
            raise TooManyTickets(f"at most {max_tickets} tickets per order", f"items[{i}].qty")
        lines.append(OrderLine(ticket.id, ticket.type, item.qty, ticket.price))
    total_qty = sum(l.qty for l in lines)
    if total_qty > max_tickets:
        raise TooManyTickets(f"at most {max_tickets} tickets per order (this order has {total_qty})", "items")
    return lines


@dataclass(frozen=True)
class IntakeLimits:
    max_tickets: int
    max_backlog: int  # 0 = no bound
    idempotency_ttl: int
    # A new order answers 201 only once this many replicas hold it (WAIT after the enqueue step, on the
    # same connection: redis_client.run_and_wait), waiting at most `replica_timeout_ms`; 0 = no WAIT.
    replica_acks: int = 0
    replica_timeout_ms: int = 50


def fingerprint(request: CreateOrderRequest) -> str:
    """What makes two requests "the same body": their validated content, canonically encoded."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def place_order(
    client: redis.Redis,
    enqueue: Script,
    request: CreateOrderRequest,
    catalogue: Catalogue,
    limits: IntakeLimits,
    idempotency_key: str | None = None,
    admission: Admission | None = None,
    shards: keys.Shards = keys.ONE_SHARD,
) -> tuple[CreateOrderResponse, bool]:
    """Validate, price, store and enqueue one order: (the CreateOrderResponse body, replayed?).

    With an idempotency key seen before for the same request, nothing is written and the
    first response is returned again (replayed = True). Raises IdempotencyConflict for the same
    key with another request, BacklogFull when the backlog has reached its bound, AdmissionUsedUp
    when `admission` (the waiting room's verified token) has no use left; the use is counted with
    the order, in the same step. Raises RoomTurnedOn for an order without `admission` while the room is on.

    The order lives in the shard of its tickets' event (all its keys there, its id naming it), so one
    step on one node decides it; an Idempotency-Key is remembered in that shard (so the same key reused
    for an order of another event is another key). Raises MixedEvents for tickets of several events.
    """
    lines = price_order(request, catalogue, limits.max_tickets)
    event = order_event(request, catalogue)
    # An admission is for its sale's room: for an order of another event, that event's own room decides
    # (enqueue_order.lua reads its state: an order needs one of its tokens while it is on).
    if admission is not None and admission.sale_id != event.id:
        admission = None
    order_id = shards.new_order_id(event.shard)
    fields = new_order_fields(
        order_id=order_id,
        customer_name=request.customer.name,
        customer_email=str(request.customer.email),
        payment_method=request.paymentMethod,
        lines=lines,
        currency=event.currency,
        created_at=utc_timestamp(),
        pay_later=request.payLater,
        card_number=request.card.number if request.card else None,
    )
    response = CreateOrderResponse(
        orderId=order_id,
        status=fields[record.STATUS],
        grandTotal=money(Decimal(fields[record.GRAND_TOTAL])),
        currency=event.currency,
        message="Order received; its tickets will be held for your payment shortly."
        if request.payLater
        else "Order received; it will be confirmed or rejected shortly.",
    )
    script_keys, args = enqueue_call(
        order_id,
        fields,
        limits.max_backlog,
        fingerprint(request),
        limits.idempotency_ttl,
        response.model_dump_json(),
        idempotency_key=idempotency_key,
        admission=admission,
        sale_id=event.id,
        shards=shards,
    )
    acknowledged = 0
    if limits.replica_acks:
        (reply, detail), acknowledged = redis_client.run_and_wait(
            client, enqueue, script_keys, args, replicas=limits.replica_acks, timeout_ms=limits.replica_timeout_ms
        )
    else:
        reply, detail = enqueue(keys=script_keys, args=args, client=client)
    outcome = IntakeOutcome(reply)  # a word outside the contract fails here, loudly
    if outcome == IntakeOutcome.REPLAYED:
        return CreateOrderResponse.model_validate_json(detail), True
    if outcome == IntakeOutcome.CONFLICT:
        raise IdempotencyConflict("this key was already used with a different request body", "Idempotency-Key")
    if outcome == IntakeOutcome.USED_UP:
        metrics.ADMISSION_REFUSED.labels("used_up").inc()
        raise AdmissionUsedUp(f"Admission-Token: its {detail} orders are used up; join the queue again")
    if outcome == IntakeOutcome.ADMISSION_REQUIRED:
        raise RoomTurnedOn(f"the waiting room is {detail}")
    if outcome == IntakeOutcome.BACKLOG_FULL:
        metrics.ORDERS_REFUSED.labels("backpressure").inc()
        raise BacklogFull(
            f"too many orders waiting for a decision ({detail}); retry shortly", retry_after=BACKPRESSURE_RETRY_AFTER_S
        )
    if acknowledged < limits.replica_acks:
        # Written, but a failover now could lose it: no 201 that might not hold. The order stays and is
        # decided if the master lives; a retry with the same Idempotency-Key then replays it.
        log.warning("order not replicated in time", extra={"orderId": order_id, "replicas": acknowledged})
        raise NotReplicated(
            f"order {order_id} is not yet copied to a replica; retry with the same Idempotency-Key",
            retry_after=NOT_REPLICATED_RETRY_AFTER_S,
        )
    return response, False


def order_event(request: CreateOrderRequest, catalogue: Catalogue) -> CatalogueEvent:
    """The one event the order's (priced, so known) tickets belong to; raises MixedEvents otherwise."""
    events = {event.id: event for item in request.items if (event := catalogue.event_of(item.ticketId)) is not None}
    if len(events) != 1:
        raise MixedEvents("an order's tickets must all belong to one event", "items")
    return next(iter(events.values()))


class RoomTurnedOn(Exception):
    """The order came without an admission because this process's cached view had the room off, but
    the room is on: nothing was written. The caller reads the room afresh and checks the token."""


@dataclass(frozen=True)
class Admission:
    """A verified admission token, as intake needs it: whose uses to count, against which limit."""

    sale_id: str
    visitor_id: str
    uses: int


def enqueue_call(
    order_id: str,
    fields: dict[str, str],
    max_backlog: int = 0,
    fingerprint: str = "",
    idempotency_ttl: int = 0,
    response_json: str = "",
    *,
    idempotency_key: str | None = None,
    admission: Admission | None = None,
    sale_id: str = "main",
    shards: keys.Shards = keys.ONE_SHARD,
) -> tuple[list[str], list[str | int]]:
    """enqueue_order.lua's KEYS and ARGV for one order (its header documents them), all in the shard the
    order id names (the sale's event's). The room's uses key is always passed (a script declares every
    key it may touch); it is touched only with `admission`."""
    k = shards.of_order(order_id)
    sale = admission.sale_id if admission else sale_id
    script_keys = [
        shards.order(order_id),
        shards.order_stream(k),
        shards.generation(k),
        shards.room_uses(k, sale),
        shards.room(k, sale),
    ]
    if idempotency_key is not None:
        script_keys.append(shards.idempotency(k, idempotency_key))
    args: list[str | int] = [
        order_id,
        keys.STREAM_ORDER_ID_FIELD,
        keys.CONSUMER_GROUP,
        max_backlog,
        fingerprint,
        idempotency_ttl,
        response_json,
        admission.visitor_id if admission else "",
        admission.uses if admission else 0,
    ]
    for name, value in fields.items():
        args += [name, value]
    return script_keys, args


def get_order(client: redis.Redis, order_id: str, shards: keys.Shards = keys.ONE_SHARD) -> Order:
    """The stored order, read from the shard its id names; raises OrderNotFound."""
    # Ids are (shard-prefixed) UUIDs: a longer one cannot exist, and is not worth a round trip or a long
    # message; nor can one naming a shard this deployment does not have.
    # decode_responses=True: str fields and values (redis-py types them bytes|str).
    known = len(order_id) <= 64 and shards.owns(order_id)
    fields = cast("dict[str, str]", client.hgetall(shards.order(order_id))) if known else {}
    if not fields:
        shown = repr(order_id) if len(order_id) <= 64 else f"{order_id[:64]!r}..."
        raise OrderNotFound(f"order {shown} not found")
    # The stored record's parse is shared (ticketing_common); the API's shape is the Order model's.
    return Order.model_validate(order_from_fields(fields))


def _short(order_id: str) -> str:
    return repr(order_id) if len(order_id) <= 64 else f"{order_id[:64]!r}..."


def _refused(order_id: str, outcome: str, detail: str, action: str) -> None:
    """Raise the domain error for a lifecycle step's refusal (missing, stale, expired, wrong state)."""
    if outcome in (DecisionOutcome.MISSING, DecisionOutcome.STALE):
        raise OrderNotFound(f"order {_short(order_id)} not found")
    if outcome == DecisionOutcome.EXPIRED or detail == OrderStatus.EXPIRED:
        raise HoldExpired(f"order {_short(order_id)}: the hold expired; its tickets were released")
    if outcome == DecisionOutcome.WRONG_STATE and detail == OrderStatus.RESERVED:
        raise OrderInWrongState(f"order {_short(order_id)} is paid by the checkout itself (not payLater)")
    raise OrderInWrongState(f"order {_short(order_id)} is {detail}: it cannot be {action}")


def pay_order(
    client: redis.Redis,
    start_payment: Script,
    order_id: str,
    request: PaymentRequest,
    shards: keys.Shards = keys.ONE_SHARD,
) -> PaymentStarted:
    """POST /orders/{id}/payment: reserved -> paying and a stream entry for a worker, in one step.

    Raises OrderNotFound, HoldExpired (the deadline passed: the order is expired now if it was not yet)
    or OrderInWrongState; nothing else changes on a refusal.
    """
    if len(order_id) > 64 or not shards.owns(order_id):
        raise OrderNotFound(f"order {_short(order_id)} not found")
    step_keys, args = lifecycle.start_payment_call(
        order_id,
        now=utc_timestamp(),
        enqueue=True,
        pay_later_only=True,
        payment_method=request.paymentMethod.value,
        card_number=request.card.number if request.card else "",
        shards=shards,
    )
    outcome, detail = start_payment(keys=step_keys, args=args, client=client)
    if outcome != DecisionOutcome.PAYING:
        _refused(order_id, outcome, detail, "paid")
    return PaymentStarted(
        orderId=order_id, status=OrderStatus.PAYING, message="Payment started; the order will be confirmed shortly."
    )


def cancel_order(
    client: redis.Redis, release_order: Script, order_id: str, shards: keys.Shards = keys.ONE_SHARD
) -> OrderCancelled:
    """POST /orders/{id}/cancel: reserved -> cancelled, the held tickets back to available, in one step.

    Raises OrderNotFound, HoldExpired (too late: expired) or OrderInWrongState (paying or decided).
    """
    if len(order_id) > 64 or not shards.owns(order_id):
        raise OrderNotFound(f"order {_short(order_id)} not found")
    step_keys, args = lifecycle.release_call(
        order_id,
        OrderStatus.CANCELLED,
        Reason.CANCELLED_BY_CUSTOMER,
        now=utc_timestamp(),
        expire_overdue=True,
        shards=shards,
    )
    outcome, detail = release_order(keys=step_keys, args=args, client=client)
    if outcome != DecisionOutcome.RELEASED:
        _refused(order_id, outcome, detail, "cancelled")
    return OrderCancelled(orderId=order_id, status=OrderStatus.CANCELLED)
