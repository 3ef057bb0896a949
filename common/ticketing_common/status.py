"""Order statuses and the reasons an order is not confirmed."""

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
