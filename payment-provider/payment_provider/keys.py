"""The payment provider's Redis keys: one place, all under its own prefix (it may share a Redis
with the ticketing services, and never touches their `ticketing:` keys).

The prefix is a hash tag: on a Redis Cluster every key of the provider is in one slot, so that its
scripts (a charge touches the charge, the ledger, the sequence and the totals) and its MULTI
blocks run on one node. One slot is enough for a simulation's few writes per order."""

from __future__ import annotations

PREFIX = "{payment-provider}:"

# Hash per idempotency key: the recorded charge (chargeId, idempotencyKey, status, amount,
# amountCents, currency, createdAt, cardLast4, outcome, refundedAt once refunded).
CHARGE_PREFIX = PREFIX + "charge:"
# Sorted set: idempotency key -> sequence number of its charge (the ledger, newest = highest).
LEDGER = PREFIX + "ledger"
# String: the last sequence number given to a charge.
SEQUENCE = PREFIX + "sequence"
# Hash: counts per current status (approved, declined, refunded) and approvedCents, refundedCents.
TOTALS = PREFIX + "totals"
# String per idempotency key: how many unrecorded attempts (errors) it has had, so that a retry
# draws a new outcome. Expires; it is not a charge.
ATTEMPTS_PREFIX = PREFIX + "attempts:"


def charge_key(idempotency_key: str) -> str:
    return CHARGE_PREFIX + idempotency_key


def attempts_key(idempotency_key: str) -> str:
    return ATTEMPTS_PREFIX + idempotency_key
