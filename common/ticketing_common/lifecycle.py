"""The lifecycle's shared Lua steps (start-payment, confirm, release, the expiry sweep): their
sources, and the KEYS and ARGV of each call, built in one place for the gateway (sync redis) and the
worker (async), with the worker's own reserve and dead-letter steps (their scripts live in
order-worker). Every step that changes a status also appends to `keys.ORDER_EVENTS`. The scripts beside this module document each KEYS and ARGV; `status.TRANSITIONS`
says which moves exist."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from . import keys
from .status import HOLDING_STATUSES, OrderStatus, PaymentStatus, Reason, sources

SCRIPTS = ("start_payment.lua", "confirm_order.lua", "release_order.lua", "expire_holds.lua")

Call = tuple[list[str], list[str | int]]


def lua(name: str) -> str:
    return files(__package__).joinpath(name).read_text()


@dataclass(frozen=True)
class PaymentRecord:
    """What a charge came to, as the order record keeps it (`payment` in the API)."""

    status: PaymentStatus
    attempts: int
    charge_id: str | None = None


def _payment_args(payment: PaymentRecord | None) -> list[str | int]:
    if payment is None:
        return ["", 0, ""]
    return [payment.status.value, payment.attempts, payment.charge_id or ""]


def reserve_call(order_id: str, *, entry_id: str, now: str, order_ttl: int = 0, hold_ms: int = 900_000) -> Call:
    """The worker's decide_order.lua (order-worker): pending -> reserved, or rejected."""
    return (
        [
            keys.order_key(order_id),
            keys.STOCK,
            keys.STOCK_HELD,
            keys.HOLDS,
            keys.ORDER_STREAM,
            keys.GENERATION,
            keys.TOTALS_ENDED,
            keys.ORDER_EVENTS,
        ],
        [keys.CONSUMER_GROUP, entry_id, now, order_ttl, hold_ms, keys.ORDER_EVENTS_MAXLEN],
    )


def dead_letter_call(
    order_id: str,
    *,
    entry_id: str,
    min_deliveries: int,
    now: str,
    order_ttl: int = 0,
    dead_letter_maxlen: int = 100_000,
    min_idle_ms: int = 0,
) -> Call:
    """The worker's dead_letter.lua (order-worker): give up on an entry, its order -> failed.
    `order_id` is '' for an entry without one."""
    return (
        [
            keys.order_key(order_id),
            keys.ORDER_STREAM,
            keys.DEAD_LETTER_STREAM,
            keys.STOCK,
            keys.STOCK_HELD,
            keys.HOLDS,
            keys.GENERATION,
            keys.TOTALS_ENDED,
            keys.REFUNDS_DUE,
            keys.ORDER_EVENTS,
        ],
        [
            keys.CONSUMER_GROUP,
            entry_id,
            order_id,
            min_deliveries,
            now,
            order_ttl,
            dead_letter_maxlen,
            keys.STREAM_ORDER_ID_FIELD,
            min_idle_ms,
            keys.ORDER_EVENTS_MAXLEN,
        ],
    )


def start_payment_call(
    order_id: str,
    *,
    now: str,
    order_ttl: int = 0,
    entry_id: str = "",
    enqueue: bool = False,
    payment_method: str = "",
    card_number: str = "",
    pay_later_only: bool = False,
) -> Call:
    """start_payment.lua: reserved -> paying (the gateway: `enqueue` and `pay_later_only`)."""
    return (
        [
            keys.order_key(order_id),
            keys.HOLDS,
            keys.STOCK,
            keys.STOCK_HELD,
            keys.ORDER_STREAM,
            keys.GENERATION,
            keys.TOTALS_ENDED,
            keys.ORDER_EVENTS,
        ],
        [
            keys.CONSUMER_GROUP,
            entry_id,
            "1" if enqueue else "",
            keys.STREAM_ORDER_ID_FIELD,
            order_id,
            now,
            order_ttl,
            payment_method,
            card_number,
            "1" if pay_later_only else "",
            keys.ORDER_EVENTS_MAXLEN,
        ],
    )


def confirm_call(
    order_id: str, *, now: str, order_ttl: int = 0, entry_id: str = "", payment: PaymentRecord | None = None
) -> Call:
    """confirm_order.lua: paying -> confirmed, held -> sold."""
    return (
        [
            keys.order_key(order_id),
            keys.STOCK_HELD,
            keys.STOCK_SOLD,
            keys.ORDER_STREAM,
            keys.GENERATION,
            keys.TOTALS_ENDED,
            keys.TOTALS_PAYMENTS,
            keys.ORDER_EVENTS,
        ],
        [keys.CONSUMER_GROUP, entry_id, now, order_ttl, *_payment_args(payment), keys.ORDER_EVENTS_MAXLEN],
    )


def release_call(
    order_id: str,
    target: OrderStatus,
    reason: Reason,
    *,
    now: str,
    order_ttl: int = 0,
    entry_id: str = "",
    payment: PaymentRecord | None = None,
    expire_overdue: bool = False,
) -> Call:
    """release_order.lua: from any status TRANSITIONS lets reach `target`, held -> available."""
    return (
        [
            keys.order_key(order_id),
            keys.STOCK,
            keys.STOCK_HELD,
            keys.HOLDS,
            keys.ORDER_STREAM,
            keys.GENERATION,
            keys.TOTALS_ENDED,
            keys.TOTALS_PAYMENTS,
            keys.ORDER_EVENTS,
        ],
        [
            keys.CONSUMER_GROUP,
            entry_id,
            target.value,
            reason.value,
            now,
            order_ttl,
            " ".join(sources(target)),
            " ".join(sorted(HOLDING_STATUSES)),
            *_payment_args(payment),
            "1" if expire_overdue else "",
            keys.ORDER_EVENTS_MAXLEN,
        ],
    )


def expire_holds_call(*, batch: int, now: str, order_ttl: int = 0) -> Call:
    """expire_holds.lua: up to `batch` overdue reserved orders -> expired."""
    return (
        [keys.HOLDS, keys.STOCK, keys.STOCK_HELD, keys.GENERATION, keys.TOTALS_ENDED, keys.ORDER_EVENTS],
        [batch, now, order_ttl, keys.ORDER_PREFIX, keys.ORDER_EVENTS_MAXLEN],
    )
