"""The payment provider's settings, read from the environment (PAYMENT_* and the shared ones; see the
README's table). A bad value, or a bad combination, stops it at start with one line."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator, model_validator

from ticketing_common.settings import ServiceSettings

from .money import AmountError, format_cents, parse_amount
from .outcomes import DEFAULT_MIX, Latency, Mix, parse_mix


class PaymentSettings(ServiceSettings):
    # `host` (default 127.0.0.1), `redis_url`, `redis_socket_timeout` and `log_level` come from
    # ServiceSettings. Field names are the variable names, so a bad value is reported by its variable.
    port: int = Field(8002, ge=1, le=65535, description="port the provider listens on")
    payment_outcome_mix: str = Field(
        DEFAULT_MIX, description="percentages of approve, decline, error, timeout for cards that are not test cards"
    )
    payment_latency_ms_median: float = Field(50.0, ge=0, le=60_000, description="median processing time (ms)")
    payment_latency_sigma: float = Field(0.5, ge=0, le=3, description="spread of the lognormal processing time")
    payment_latency_max_ms: float = Field(2000.0, gt=0, le=120_000, description="processing time cap (ms)")
    payment_timeout_delay_seconds: float = Field(
        30.0, ge=0, le=600, description="how late a `timeout` outcome is answered (the charge is recorded at once)"
    )
    payment_seed: str = Field("", max_length=200, description="salt of the per-key random draws (same seed, same run)")
    payment_currency: str = Field("EUR", description="the one currency charged (ISO 4217 code)")
    payment_max_amount: str = Field("100000.00", description="largest amount one charge may take")
    payment_token: SecretStr | None = Field(
        None, description="if set, POST /charges and refunds need this bearer token; unset: loopback callers only"
    )
    payment_attempts_ttl_seconds: int = Field(
        86_400, ge=1, description="how long the unrecorded attempts of a key are counted (their draws)"
    )

    @field_validator("payment_outcome_mix")
    @classmethod
    def _mix(cls, value: str) -> str:
        parse_mix(value)  # raises with the reason
        return value

    @field_validator("payment_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("must be a three-letter upper-case currency code such as EUR")
        return value

    @field_validator("payment_max_amount")
    @classmethod
    def _max_amount(cls, value: str) -> str:
        try:
            cents = parse_amount(value, None)
        except AmountError as e:
            raise ValueError(str(e)) from None
        return format_cents(cents)

    @field_validator("payment_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PaymentSettings:
        if self.payment_latency_max_ms < self.payment_latency_ms_median:
            raise ValueError(
                f"PAYMENT_LATENCY_MAX_MS ({self.payment_latency_max_ms:g}) must be at least "
                f"PAYMENT_LATENCY_MS_MEDIAN ({self.payment_latency_ms_median:g})"
            )
        return self

    def mix(self) -> Mix:
        return parse_mix(self.payment_outcome_mix)

    def latency(self) -> Latency:
        return Latency(self.payment_latency_ms_median, self.payment_latency_sigma, self.payment_latency_max_ms)

    def max_amount_cents(self) -> int:
        units, _, cents = self.payment_max_amount.partition(".")
        return int(units) * 100 + int(cents)

    def token(self) -> str | None:
        return self.payment_token.get_secret_value() if self.payment_token else None
