"""The lifecycle's shared Lua steps (start-payment, confirm, release, the expiry sweep): their
sources, and the KEYS and ARGV of each call, built in one place for the gateway (sync redis) and the
worker (async), with the worker's own reserve and dead-letter steps (their scripts live in
order-worker). Every step that changes a status also appends to its shard's events stream. The scripts
beside this module document each KEYS and ARGV; `status.TRANSITIONS` says which moves exist.

Every call's KEYS are the keys of ONE shard (keys.Shards), so that on a Redis Cluster each step runs on
the one node that holds them: an order's step is on the shard its id names (keys.shard_of_order), the
expiry sweep on the shard it is given. `shards` defaults to the one-shard deployment."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from . import keys
from .status import HOLDING_STATUSES, OrderStatus, PaymentStatus, Reason, sources

SCRIPTS = ("start_payment.lua", "confirm_order.lua", "release_order.lua", "expire_holds.lua")

Call = tuple[list[str], list[str | int]]

ONE_SHARD = keys.ONE_SHARD


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


def reserve_call(
    order_id: str,
    *,
    entry_id: str,
    now: str,
    order_ttl: int = 0,
    hold_ms: int = 900_000,
    shards: keys.Shards = ONE_SHARD,
) -> Call:
    """The worker's decide_order.lua (order-worker): pending -> reserved, or rejected."""
    k = shards.of_order(order_id)
    return (
        [
            shards.order(order_id),
            shards.stock(k),
            shards.stock_held(k),
            shards.holds(k),
            shards.order_stream(k),
            shards.generation(k),
            shards.totals_ended(k),
            shards.order_events(k),
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
    shards: keys.Shards = ONE_SHARD,
    shard: int | None = None,
) -> Call:
    """The worker's dead_letter.lua (order-worker): give up on an entry, its order -> failed.
    `order_id` is '' for an entry without one; `shard` is the shard of the stream the entry is in
    (default: the one the order id names). An order id of another shard than `shard` is refused
    (ValueError): its keys would span two shards; the worker dead-letters such an entry as one without
    an order (order_id '')."""
    k = shards.of_order(order_id) if shard is None else shard
    if order_id and shards.of_order(order_id) != k:
        raise ValueError(f"order {order_id!r} is not of shard {k}")
    return (
        [
            shards.order_prefix(k) + order_id,
            shards.order_stream(k),
            shards.dead_letter_stream(k),
            shards.stock(k),
            shards.stock_held(k),
            shards.holds(k),
            shards.generation(k),
            shards.totals_ended(k),
            shards.refunds_due(k),
            shards.order_events(k),
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
    shards: keys.Shards = ONE_SHARD,
) -> Call:
    """start_payment.lua: reserved -> paying (the gateway: `enqueue` and `pay_later_only`)."""
    k = shards.of_order(order_id)
    return (
        [
            shards.order(order_id),
            shards.holds(k),
            shards.stock(k),
            shards.stock_held(k),
            shards.order_stream(k),
            shards.generation(k),
            shards.totals_ended(k),
            shards.order_events(k),
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
    order_id: str,
    *,
    now: str,
    order_ttl: int = 0,
    entry_id: str = "",
    payment: PaymentRecord | None = None,
    shards: keys.Shards = ONE_SHARD,
) -> Call:
    """confirm_order.lua: paying -> confirmed, held -> sold."""
    k = shards.of_order(order_id)
    return (
        [
            shards.order(order_id),
            shards.stock_held(k),
            shards.stock_sold(k),
            shards.order_stream(k),
            shards.generation(k),
            shards.totals_ended(k),
            shards.totals_payments(k),
            shards.order_events(k),
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
    shards: keys.Shards = ONE_SHARD,
) -> Call:
    """release_order.lua: from any status TRANSITIONS lets reach `target`, held -> available."""
    k = shards.of_order(order_id)
    return (
        [
            shards.order(order_id),
            shards.stock(k),
            shards.stock_held(k),
            shards.holds(k),
            shards.order_stream(k),
            shards.generation(k),
            shards.totals_ended(k),
            shards.totals_payments(k),
            shards.order_events(k),
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


def expire_holds_call(
    *, batch: int, now: str, order_ttl: int = 0, shard: int = 0, shards: keys.Shards = ONE_SHARD
) -> Call:
    """expire_holds.lua on shard `shard`: up to `batch` of its overdue reserved orders -> expired. The
    script names the order hashes from the shard's order prefix (ARGV[4]): they share the shard's tag."""
    return (
        [
            shards.holds(shard),
            shards.stock(shard),
            shards.stock_held(shard),
            shards.generation(shard),
            shards.totals_ended(shard),
            shards.order_events(shard),
        ],
        [batch, now, order_ttl, shards.order_prefix(shard), keys.ORDER_EVENTS_MAXLEN],
    )
