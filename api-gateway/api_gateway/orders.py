"""Order intake: price an order from the catalogue, store it and queue it, read it back."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from importlib.resources import files

import redis

from ticketing_common import keys
from ticketing_common import order_record as record
from ticketing_common.order_record import OrderLine, money, new_order_fields, order_from_fields

from .catalogue import Catalogue
from .errors import ApiError
from .models import CreateOrderRequest

ENQUEUE_ORDER_LUA = files(__package__).joinpath("enqueue_order.lua").read_text()


def price_order(request: CreateOrderRequest, catalogue: Catalogue, max_tickets: int) -> list[OrderLine]:
    """The order's lines priced from the catalogue; the client's idea of a price is never used.

    Raises ApiError(400) naming the field for an unknown ticket, a ticket listed twice,
    or more tickets than one order may hold.
    """
    lines: list[OrderLine] = []
    seen: set[str] = set()
    for i, item in enumerate(request.items):
        ticket = catalogue.ticket(item.ticketId)
        if ticket is None:
            raise ApiError(400, f"items[{i}].ticketId: unknown ticket {item.ticketId!r}", f"items[{i}].ticketId")
        if item.ticketId in seen:
            raise ApiError(400, f"items[{i}].ticketId: ticket {item.ticketId!r} is listed twice; "
                                "give its total quantity once", f"items[{i}].ticketId")
        seen.add(item.ticketId)
        if item.qty > max_tickets:
            raise ApiError(400, f"items[{i}].qty: at most {max_tickets} tickets per order", f"items[{i}].qty")
        lines.append(OrderLine(ticket.id, ticket.type, item.qty, ticket.price))
    total_qty = sum(l.qty for l in lines)
    if total_qty > max_tickets:
        raise ApiError(400, f"items: at most {max_tickets} tickets per order (this order has {total_qty})", "items")
    return lines


def place_order(
    client: redis.Redis,
    enqueue: redis.commands.core.Script,
    request: CreateOrderRequest,
    catalogue: Catalogue,
    max_tickets: int,
) -> dict:
    """Validate, price, store and enqueue one order; the CreateOrderResponse body."""
    lines = price_order(request, catalogue, max_tickets)
    order_id = str(uuid.uuid4())
    fields = new_order_fields(
        order_id=order_id,
        customer_name=request.customer.name,
        customer_email=str(request.customer.email),
        payment_method=request.paymentMethod,
        lines=lines,
        currency=catalogue.currency,
        created_at=utc_now(),
    )
    args = [order_id, keys.STREAM_ORDER_ID_FIELD]
    for name, value in fields.items():
        args += [name, value]
    enqueue(keys=[keys.order_key(order_id), keys.ORDER_STREAM], args=args, client=client)
    return {
        "orderId": order_id,
        "status": fields[record.STATUS],
        "grandTotal": money(Decimal(fields[record.GRAND_TOTAL])),
        "currency": catalogue.currency,
        "message": "Order received; it will be confirmed or rejected shortly.",
    }


def get_order(client: redis.Redis, order_id: str) -> dict | None:
    fields = client.hgetall(keys.order_key(order_id))
    return order_from_fields(fields) if fields else None


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
