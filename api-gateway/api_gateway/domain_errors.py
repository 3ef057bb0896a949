"""What the gateway's logic refuses, in its own terms; errors.py alone turns each into an HTTP answer.

Each error carries its message and, where one field is at fault, that field (as a client names it,
e.g. ``items[0].ticketId``). No status codes here: the logic does not know it is behind HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Intake (orders.py)
class UnknownTicket(DomainError):
    """An item names a ticket the catalogue does not have."""


class TicketListedTwice(DomainError):
    """Two items name the same ticket."""


class TooManyTickets(DomainError):
    """A line or the whole order holds more tickets than one order may."""


class IdempotencyConflict(DomainError):
    """The Idempotency-Key was used before with another request body."""


class BacklogFull(DomainError):
    """Too many orders wait for a decision; nothing was written. Retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotReplicated(DomainError):
    """The order was written on its shard's master but no replica acknowledged it in time: a failover
    could still lose it, so it is not confirmed. Retry after `retry_after` seconds with the same
    Idempotency-Key (a replay answers the stored order; a lost one is placed again)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OrderNotFound(DomainError):
    """No order has this id (or it expired)."""


# The lifecycle (orders.py: pay, cancel)
class OrderInWrongState(DomainError):
    """The order is not in a status the request applies to (already paying, paid, released ...)."""


class HoldExpired(DomainError):
    """The order's hold ran out before the request: its tickets are released."""


# The admin Database API (admin.py)
class InvalidValue(DomainError):
    """A value the admin API cannot store (too large, not JSON)."""


class KeyExists(DomainError):
    """The key exists already (create never overwrites)."""


class KeyNotFound(DomainError):
    """No such key."""


# The waiting room (waiting_room.py) and admission at intake
class UnknownSale(DomainError):
    """No sale has this id."""


class VisitorNotFound(DomainError):
    """The visitor never joined this sale's room, or left it."""


class RoomNotTakingJoins(DomainError):
    """The room is off (buy directly) or closed: nobody joins."""


class SaleNotOpen(DomainError):
    """The sale opens later; `opens_at` is when (ISO-8601 UTC)."""

    def __init__(self, message: str, opens_at: str) -> None:
        super().__init__(message)
        self.opens_at = opens_at


class AdmissionRequired(DomainError):
    """The waiting room is on and the order came without an admission token."""


class AdmissionRefused(DomainError):
    """The admission token is malformed, forged, signed with a retired key, or expired."""


class AdmissionForOtherSale(DomainError):
    """The admission token is good, but for another sale."""


class AdmissionUsedUp(DomainError):
    """The admission token's orders are all placed."""


# The catalogue of events (events.py)
class UnknownEvent(DomainError):
    """No event has this id (or the event has no such ticket)."""


class EventExists(DomainError):
    """A create named an event id that is taken."""


class TicketExists(DomainError):
    """A ticket id is taken already, by this event or another (ticket ids are unique across events)."""


class InvalidEvent(DomainError):
    """An organiser's write breaks a rule of the catalogue (the sale opening after the start, ...)."""


class SaleClosed(DomainError):
    """The order's event is not on sale (closed by its organiser)."""


class MixedEvents(DomainError):
    """An order names tickets of more than one event."""
