"""Amounts: decimal strings in the API, integer cents in Redis (no float ever holds money)."""

from __future__ import annotations

import re
from decimal import Decimal

AMOUNT_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)


class AmountError(ValueError):
    pass


def parse_amount(text: str, max_cents: int | None) -> int:
    """A decimal string ("12.50", "12.5", "12") as cents; AmountError saying why not."""
    if not _AMOUNT.fullmatch(text):
        raise AmountError('must be a decimal string with at most two decimals, such as "12.50"')
    cents = int(Decimal(text) * 100)  # exact: the pattern admits at most two decimals
    if cents <= 0:
        raise AmountError("must be more than 0")
    if max_cents is not None and cents > max_cents:
        raise AmountError(f"must be at most {format_cents(max_cents)}")
    return cents


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
