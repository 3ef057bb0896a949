"""The order record: how one order is stored in its Redis hash, and read back.

The gateway writes the record (status ``pending``); the lifecycle's Lua scripts read
``status``, ``items``, ``payLater`` and ``holdExpiresAtMs`` and write the status, the hold, the payment
fields, ``reason`` and ``decidedAt``. The card number is kept only until the charge is decided.
A contract test checks that every field the Lua scripts use is named here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .status import OrderStatus

# Hash field names.
ORDER_ID = "orderId"
CUSTOMER_NAME = "customerName"
CUSTOMER_EMAIL = "customerEmail"
PAYMENT_METHOD = "paymentMethod"
ITEMS = "items"  # JSON list of {ticketId, type, qty, unitPrice, total}
GRAND_TOTAL = "grandTotal"  # decimal string, e.g. "158.00"
CURRENCY = "currency"
STATUS = "status"
REASON = "reason"  # set when rejected or failed
CREATED_AT = "createdAt"  # ISO 8601, UTC
DECIDED_AT = "decidedAt"  # ISO 8601, UTC, set with the terminal status
GENERATION = "generation"  # the stock generation the order was accepted in (set by enqueue_order.lua)
PAY_LATER = "payLater"  # "1": reserve only; the customer pays with POST /orders/{id}/payment
CARD_NUMBER = "cardNumber"  # digits only; removed when the charge is decided, never returned
HOLD_EXPIRES_AT_MS = "holdExpiresAtMs"  # the hold's deadline, ms since the epoch (Redis clock), once reserved
PAYMENT_STATUS = "paymentStatus"  # a PaymentStatus, once a charge was tried
PAYMENT_ATTEMPTS = "paymentAttempts"  # charge calls made for the decision
CHARGE_ID = "chargeId"  # the provider's id of the charge, when it recorded one

FIELDS = frozenset(
    {
        ORDER_ID,
        CUSTOMER_NAME,
        CUSTOMER_EMAIL,
        PAYMENT_METHOD,
        ITEMS,
        GRAND_TOTAL,
        CURRENCY,
        STATUS,
        REASON,
        CREATED_AT,
        DECIDED_AT,
        GENERATION,
        PAY_LATER,
        CARD_NUMBER,
        HOLD_EXPIRES_AT_MS,
        PAYMENT_STATUS,
        PAYMENT_ATTEMPTS,
        CHARGE_ID,
    }
)


@dataclass(frozen=True)
class OrderLine:
    ticket_id: str
    type: str
    qty: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.qty


def utc_timestamp() -> str:
    """Now, as createdAt and decidedAt are stored: ISO 8601, UTC, milliseconds, e.g. 2027-07-16T12:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(value: Decimal) -> float:
    """A price as the API shows it: a JSON number with two decimals."""
    return float(value.quantize(Decimal("0.01")))


def new_order_fields(
    *,
    order_id: str,
    customer_name: str,
    customer_email: str,
    payment_method: str,
    lines: list[OrderLine],
    currency: str,
    created_at: str,
    pay_later: bool = False,
    card_number: str | None = None,
) -> dict[str, str]:
    """The hash of a new, pending order."""
    items = [
        {
            "ticketId": l.ticket_id,
            "type": l.type,
            "qty": l.qty,
            "unitPrice": money(l.unit_price),
            "total": money(l.total),
        }
        for l in lines
    ]
    grand_total = sum((l.total for l in lines), Decimal(0))
    fields = {
        ORDER_ID: order_id,
        CUSTOMER_NAME: customer_name,
        CUSTOMER_EMAIL: customer_email,
        PAYMENT_METHOD: payment_method,
        ITEMS: json.dumps(items, separators=(",", ":")),
        GRAND_TOTAL: str(grand_total.quantize(Decimal("0.01"))),
        CURRENCY: currency,
        STATUS: OrderStatus.PENDING.value,
        CREATED_AT: created_at,
    }
    if pay_later:
        fields[PAY_LATER] = "1"
    if card_number:
        fields[CARD_NUMBER] = card_number
    return fields


def iso_from_ms(ms: int) -> str:
    """Milliseconds since the epoch as the API shows times: ISO 8601, UTC, milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_from_fields(fields: dict[str, str]) -> dict[str, Any]:
    """The API's Order object from a stored hash (as returned by HGETALL, decoded)."""
    order: dict[str, Any] = {
        "orderId": fields[ORDER_ID],
        "customer": {"name": fields[CUSTOMER_NAME], "email": fields[CUSTOMER_EMAIL]},
        "items": json.loads(fields[ITEMS]),
        "grandTotal": money(Decimal(fields[GRAND_TOTAL])),
        "currency": fields[CURRENCY],
        "paymentMethod": fields[PAYMENT_METHOD],
        "status": fields[STATUS],
        "createdAt": fields[CREATED_AT],
    }
    if fields.get(REASON):
        order["reason"] = fields[REASON]
    if fields.get(DECIDED_AT):
        order["decidedAt"] = fields[DECIDED_AT]
    order["payLater"] = fields.get(PAY_LATER) == "1"
    if fields.get(HOLD_EXPIRES_AT_MS):
        order["holdExpiresAt"] = iso_from_ms(int(fields[HOLD_EXPIRES_AT_MS]))
    if fields.get(PAYMENT_STATUS):
        order["payment"] = {
            "status": fields[PAYMENT_STATUS],
            "attempts": int(fields.get(PAYMENT_ATTEMPTS) or 0),
            "chargeId": fields.get(CHARGE_ID) or None,
        }
    # The card number is never part of the API's order.
    return order
