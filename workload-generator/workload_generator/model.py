"""The base of every JSON shape a user sends (config, profiles, mix)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # Strict and closed: "100" is not a rate, NaN is not a number, and a misspelt
    # field is an error rather than a setting silently ignored.
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
