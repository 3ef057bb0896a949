"""The provider's request and response bodies (the OpenAPI document is built from these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from .money import AMOUNT_PATTERN, parse_amount
from .outcomes import normalize_card

KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,200}$"
KEY_DESCRIPTION = "the caller's idempotency key (the order id): 1-200 of A-Z a-z 0-9 . _ : -"


class ChargeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    idempotencyKey: StrictStr = Field(pattern=KEY_PATTERN, description=KEY_DESCRIPTION)
    # The pattern is documented (OpenAPI) and checked by parse_amount, whose message says what is wrong.
    amount: StrictStr = Field(
        description='decimal string, at most two decimals, more than 0: "12.50"',
        json_schema_extra={"pattern": AMOUNT_PATTERN},
    )
    currency: StrictStr = Field(description="ISO 4217 code; the provider takes one currency (PAYMENT_CURRENCY)")
    cardNumber: StrictStr | None = Field(
        None, description="13-19 digits, spaces or dashes allowed; test numbers pick the outcome (README)"
    )

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        parse_amount(value, None)  # the upper bound is a setting: checked by the route
        return value

    @field_validator("cardNumber")
    @classmethod
    def _card(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = normalize_card(value)
        if not (digits.isascii() and digits.isdigit() and 13 <= len(digits) <= 19):
            raise ValueError("must be 13 to 19 digits (spaces or dashes allowed)")
        return digits


Status = Literal["approved", "declined", "refunded"]


class Charge(BaseModel):
    chargeId: str
    idempotencyKey: str
    status: Status
    amount: str = Field(description='decimal string with two decimals: "12.50"')
    currency: str
    createdAt: str = Field(description="ISO 8601 UTC")
    cardLast4: str | None = Field(None, description="the last four digits of the card charged, if one was given")
    refundedAt: str | None = Field(None, description="ISO 8601 UTC, once refunded")


class Totals(BaseModel):
    approved: int = Field(description="charges approved and not refunded")
    declined: int
    refunded: int
    approvedAmount: str = Field(description="sum of the approved, not refunded charges")
    refundedAmount: str


class Ledger(BaseModel):
    charges: list[Charge] = Field(description="the newest charges first")
    totals: Totals = Field(description="over every charge recorded, each under its current status")


class ErrorBody(BaseModel):
    error: str
    field: str | None = None


class HealthStatus(BaseModel):
    status: str
