"""Order statuses, the lifecycle's transitions, the reasons an order is not confirmed, and the
outcomes the Lua scripts answer.

`TRANSITIONS` is the one place that defines the lifecycle: every status change a script makes is one
of its pairs (tests/test_lifecycle_contract.py runs every script from every status and checks), and the
generic release script gets its source statuses from it. Every word a script returns or stores is a
member of one of these enums; the contract test (tests/test_contract.py) fails if a script uses a word
that is not.
"""

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "pending"  # accepted, queued, not yet looked at
    RESERVED = "reserved"  # stock held until the hold's deadline (holdExpiresAt)
    PAYING = "paying"  # a charge is in flight; the worker owns it (never expired by the sweep)
    CONFIRMED = "confirmed"  # paid; the held stock is sold
    REJECTED = "rejected"  # not enough stock (or an unknown ticket): nothing was held
    PAYMENT_FAILED = "payment_failed"  # declined, or errors exhausted: the hold released
    EXPIRED = "expired"  # never paid within the hold window: released
    CANCELLED = "cancelled"  # by the customer while reserved: released
    FAILED = "failed"  # dead-lettered: any held stock released


TERMINAL_STATUSES = frozenset(
    {
        OrderStatus.CONFIRMED,
        OrderStatus.REJECTED,
        OrderStatus.PAYMENT_FAILED,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELLED,
        OrderStatus.FAILED,
    }
)

# Statuses whose order holds stock (ticketing:stock:held counts exactly their quantities).
HOLDING_STATUSES = frozenset({OrderStatus.RESERVED, OrderStatus.PAYING})

# THE LIFECYCLE: status -> the statuses it may move to, each move one atomic Lua step.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.RESERVED, OrderStatus.REJECTED, OrderStatus.FAILED}),
    OrderStatus.RESERVED: frozenset(
        {OrderStatus.PAYING, OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.FAILED}
    ),
    OrderStatus.PAYING: frozenset({OrderStatus.CONFIRMED, OrderStatus.PAYMENT_FAILED, OrderStatus.FAILED}),
    **{s: frozenset() for s in TERMINAL_STATUSES},
}


def sources(target: OrderStatus) -> list[OrderStatus]:
    """The statuses an order may move to `target` from, in a stable order (the release script's ARGV)."""
    return [s for s in OrderStatus if target in TRANSITIONS[s]]


class Reason(StrEnum):
    # rejected: at least one item had fewer tickets left than ordered
    INSUFFICIENT_STOCK = "insufficient_stock"
    # rejected: an item names a ticket that has no stock entry (catalogue changed)
    UNKNOWN_TICKET = "unknown_ticket"
    # failed: the stream entry was delivered too many times without a decision
    MAX_DELIVERIES_EXCEEDED = "max_deliveries_exceeded"
    # payment_failed: the provider declined the card
    PAYMENT_DECLINED = "payment_declined"
    # payment_failed: errors or timeouts until the retries were exhausted
    PAYMENT_ERROR = "payment_error"
    # expired: the hold's deadline passed before a payment started
    HOLD_EXPIRED = "hold_expired"
    # cancelled: the customer cancelled while the order was reserved
    CANCELLED_BY_CUSTOMER = "cancelled_by_customer"


class PaymentStatus(StrEnum):
    """The `payment.status` of an order record: what the last charge attempt came to."""

    APPROVED = "approved"
    DECLINED = "declined"
    ERROR = "error"  # 503s or connection errors until the retries were exhausted
    TIMEOUT = "timeout"  # the last attempts timed out and the provider had no record of the charge
    REFUNDED = "refunded"  # approved, but the order could not be confirmed any more: money returned


class IntakeOutcome(StrEnum):
    """What enqueue_order.lua answers for one POST /orders."""

    CREATED = "created"  # stored and queued
    REPLAYED = "replayed"  # the Idempotency-Key was seen with the same body: its first response
    CONFLICT = "conflict"  # the Idempotency-Key was seen with another body
    BACKLOG_FULL = "backlog_full"  # too many orders waiting for a decision: nothing written
    USED_UP = "used_up"  # the admission token's uses are all spent: nothing written
    ADMISSION_REQUIRED = "admission_required"  # no admission, and the room is on (a stale cached view)


class DecisionOutcome(StrEnum):
    """What a worker did with one stream entry (the lifecycle scripts' first reply, and 'malformed')."""

    RESERVED = "reserved"  # pending -> reserved now (a payLater order's entry is acknowledged with it)
    RESUME = "resume"  # the order is reserved or paying and this entry owns it: carry on from there
    PAYING = "paying"  # reserved -> paying (the charge may start)
    CONFIRMED = "confirmed"  # paying -> confirmed
    REJECTED = "rejected"
    RELEASED = "released"  # reserved|paying -> a released terminal status (detail: the status)
    EXPIRED = "expired"  # the hold's deadline had passed: the order is expired (now or before)
    WRONG_STATE = "wrong_state"  # the order is not in a status the step applies to (detail: its status)
    DUPLICATE = "duplicate"  # the order was decided already (a redelivery): only acknowledged
    MISSING = "missing"  # the order hash is gone (expired or deleted): only acknowledged
    STALE = "stale"  # the order belongs to a generation before a reset: only acknowledged
    MALFORMED = "malformed"  # the entry has no order id: dead-lettered


# Outcomes that decided an order for good (as opposed to a step on the way, or an entry that needed nothing).
DECIDING_OUTCOMES = frozenset(
    {DecisionOutcome.CONFIRMED, DecisionOutcome.REJECTED, DecisionOutcome.RELEASED, DecisionOutcome.EXPIRED}
)


class RoomState(StrEnum):
    """A sale's waiting room (the `state` field of ticketing:room:<sale>)."""

    OFF = "off"  # no waiting room: POST /orders needs no admission token
    OPEN = "open"  # visitors join and are admitted
    PAUSED = "paused"  # visitors join; nobody is admitted
    CLOSED = "closed"  # no joins, no admissions; tokens already issued work until they expire


class RoomMode(StrEnum):
    FIXED = "fixed"  # admit at the room's `rate`
    ADAPTIVE = "adaptive"  # admit at a rate computed from the order workers' backlog and decision rate


class VisitorState(StrEnum):
    """Where a visitor is, as join.lua answers it (and the VisitorStatus body says)."""

    JOINED = "joined"  # joined now: a new place at the end of the line
    WAITING = "waiting"  # in line
    ADMITTED = "admitted"  # let in: may buy with an admission token


class SaleState(StrEnum):
    """An event's sale (the `saleState` of its catalogue record; the gateway's events API sets it)."""

    SCHEDULED = "scheduled"  # on sale from its saleOpensAt on (POST /orders before then: 425)
    OPEN = "open"  # on sale now, whatever saleOpensAt says
    CLOSED = "closed"  # not on sale (POST /orders: 409)


class CatalogueOutcome(StrEnum):
    """What the catalogue's write script (the gateway's catalogue_write.lua) and add_stock.lua answer."""

    WRITTEN = "written"  # the record is written (and the version bumped, if asked)
    EVENT_EXISTS = "event_exists"  # a create named an event id that exists (or is being created)
    TICKET_EXISTS = "ticket_exists"  # a ticket id is taken, in this event or another (detail: the id)
    CHANGED = "changed"  # the record is not the one the write was computed from: read again, retry
    UNKNOWN_EVENT = "unknown_event"  # an update named an event that does not exist
    ADDED = "added"  # add_stock.lua: the stock is added (detail: the new available figure)
    NO_STOCK = "no_stock"  # add_stock.lua: the ticket has no stock entry in this shard yet
