"""Load profiles: the target request rate as a function of time since the profile began.

`constant` uses the config's top-level `rps`; the other kinds carry their own rates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from .model import Strict

MAX_RPS = 10_000.0

Rps = Annotated[float, Field(ge=0, le=MAX_RPS)]
Seconds = Annotated[float, Field(gt=0, le=7 * 24 * 3600)]


class ConstantProfile(Strict):
    kind: Literal["constant"] = "constant"


class RampProfile(Strict):
    """Linear from fromRps to toRps over overS seconds, then toRps."""

    kind: Literal["ramp"]
    fromRps: Rps
    toRps: Rps
    overS: Seconds


class Step(Strict):
    rps: Rps
    forS: Seconds


class StepProfile(Strict):
    """Each step's rps for its forS seconds, in order; then the last step's rps (or again from the first if repeat)."""

    kind: Literal["step"]
    steps: Annotated[list[Step], Field(min_length=1, max_length=100)]
    repeat: bool = False


class SpikeProfile(Strict):
    """Every everyS seconds: baseRps for (everyS - forS) seconds, then spikeRps for forS seconds."""

    kind: Literal["spike"]
    baseRps: Rps
    spikeRps: Rps
    everyS: Seconds
    forS: Seconds

    @field_validator("forS")
    @classmethod
    def _shorter_than_period(cls, value: float, info: ValidationInfo) -> float:
        every = info.data.get("everyS")
        if every is not None and value >= every:
            raise ValueError(f"must be less than everyS ({every:g})")
        return value


Profile = Annotated[ConstantProfile | RampProfile | StepProfile | SpikeProfile, Field(discriminator="kind")]
PROFILE_KINDS = ("constant", "ramp", "step", "spike")


def rate_at(profile: Profile, rps: float, t: float) -> float:
    """Target requests per second `t` seconds after the profile began (t < 0 counts as 0)."""
    t = max(t, 0.0)
    if isinstance(profile, ConstantProfile):
        return rps
    if isinstance(profile, RampProfile):
        if t >= profile.overS:
            return profile.toRps
        return profile.fromRps + (profile.toRps - profile.fromRps) * t / profile.overS
    if isinstance(profile, StepProfile):
        total = sum(s.forS for s in profile.steps)
        if t >= total:
            if not profile.repeat:
                return profile.steps[-1].rps
            t %= total
        for step in profile.steps:
            if t < step.forS:
                return step.rps
            t -= step.forS
        return profile.steps[-1].rps  # float rounding at the very end of the last step
    if isinstance(profile, SpikeProfile):
        phase = t % profile.everyS
        return profile.spikeRps if phase >= profile.everyS - profile.forS else profile.baseRps
    raise TypeError(f"unknown profile {profile!r}")
