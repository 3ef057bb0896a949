"""Order statuses, the reasons an order is not confirmed, and the outcomes the Lua scripts answer.

Every word a script returns or stores is a member of one of these enums; the contract test
(tests/test_contract.py) fails if a script uses a word that is not.
"""

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    FAILED = "failed"


TERMINAL_STATUSES = frozenset({OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.FAILED})


class Reason(StrEnum):
    # rejected: at least one item had fewer tickets left than ordered
    INSUFFICIENT_STOCK = "insufficient_stock"
    # rejected: an item names a ticket that has no stock entry (catalogue changed)
    UNKNOWN_TICKET = "unknown_ticket"
    # failed: the stream entry was delivered too many times without a decision
    MAX_DELIVERIES_EXCEEDED = "max_deliveries_exceeded"


class IntakeOutcome(StrEnum):
    """What enqueue_order.lua answers for one POST /orders."""

    CREATED = "created"  # stored and queued
    REPLAYED = "replayed"  # the Idempotency-Key was seen with the same body: its first response
    CONFLICT = "conflict"  # the Idempotency-Key was seen with another body
    BACKLOG_FULL = "backlog_full"  # too many orders waiting for a decision: nothing written


class DecisionOutcome(StrEnum):
    """What a worker did with one stream entry (decide_order.lua's first reply, and 'malformed')."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"  # the order was decided already (a redelivery): only acknowledged
    MISSING = "missing"  # the order hash is gone (expired or deleted): only acknowledged
    STALE = "stale"  # the order belongs to a generation before a reset: only acknowledged
    MALFORMED = "malformed"  # the entry has no order id: dead-lettered


# Outcomes that decided an order (as opposed to acknowledging an entry that needed nothing).
DECIDING_OUTCOMES = frozenset({DecisionOutcome.CONFIRMED, DecisionOutcome.REJECTED})
