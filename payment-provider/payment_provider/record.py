"""The provider's stored charge and the words its Lua scripts speak: one place for each
(tests/test_contract.py checks that charge.lua and refund.lua use no other)."""

from __future__ import annotations

from enum import StrEnum


class ChargeStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    REFUNDED = "refunded"


# The fields of a charge hash ({payment-provider}:charge:<key>). amountCents is the amount as an
# integer, what idempotency compares and the totals add; outcome is how it was decided
# (approve, decline, or timeout: a recorded approval answered late).
CHARGE_FIELDS = (
    "chargeId",
    "idempotencyKey",
    "status",
    "amount",
    "amountCents",
    "currency",
    "createdAt",
    "cardLast4",
    "outcome",
    "refundedAt",
)

# The fields of the totals hash: a count per current status, and the cents approved (net of
# refunds) and refunded.
TOTALS_FIELDS = ("approved", "declined", "refunded", "approvedCents", "refundedCents")


class Verdict(StrEnum):
    """What charge.lua answers."""

    RECORDED = "recorded"  # this call recorded the charge
    EXISTING = "existing"  # the key's recorded charge, returned again
    CONFLICT = "conflict"  # the key was charged with another amount or currency: 409
    ERROR = "error"  # simulated processing error: 503, nothing recorded
    LATE = "late"  # past its recording deadline (a starved provider): 503, nothing recorded


class RefundVerdict(StrEnum):
    """What refund.lua answers."""

    REFUNDED = "refunded"  # this call refunded it
    ALREADY = "already"  # refunded before: returned unchanged
    DECLINED = "declined"  # nothing to refund: 409
    MISSING = "missing"  # no charge under the key: 404
