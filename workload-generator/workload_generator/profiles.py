"""Load profiles: the target request rate as a function of time since the profile began.

`constant` uses the config's top-level `rps`; the other kinds carry their own rates.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

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


class Stage(Strict):
    """One stage of a staged profile: hold `rps` for holdS seconds, or ramp linearly to it over rampS."""

    rps: Rps
    holdS: Seconds | None = None
    rampS: Seconds | None = None
    label: Annotated[str | None, Field(max_length=40, description='what it is for, e.g. "spike"')] = None

    @model_validator(mode="after")
    def _one_duration(self) -> Stage:
        if (self.holdS is None) == (self.rampS is None):
            raise ValueError("give exactly one of holdS and rampS")
        return self

    @property
    def seconds(self) -> float:
        return self.holdS if self.holdS is not None else self.rampS or 0.0


class StagesProfile(Strict):
    """Stages in order, each a hold or a ramp from the previous stage's rate (startRps before the
    first); after the last, its rps. A scenario's run lasts exactly the stages (its durationS)."""

    kind: Literal["stages"]
    startRps: Rps = 0.0
    stages: Annotated[list[Stage], Field(min_length=1, max_length=100)]

    @property
    def total_s(self) -> float:
        return sum(s.seconds for s in self.stages)

    def timeline(self) -> list[dict]:
        """Each stage as {label, startS, endS, fromRps, toRps}: what a chart of the profile draws."""
        out, t, rate = [], 0.0, self.startRps
        for s in self.stages:
            start_rate = rate if s.rampS is not None else s.rps
            out.append({"label": s.label, "startS": t, "endS": t + s.seconds, "fromRps": start_rate, "toRps": s.rps})
            t += s.seconds
            rate = s.rps
        return out


Profile = Annotated[
    ConstantProfile | RampProfile | StepProfile | SpikeProfile | StagesProfile, Field(discriminator="kind")
]
PROFILE_KINDS = ("constant", "ramp", "step", "spike", "stages")


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
    if isinstance(profile, StagesProfile):
        return _stages_rate(profile, t)
    raise TypeError(f"unknown profile {profile!r}")


def _stages_rate(profile: StagesProfile, t: float) -> float:
    rate = profile.startRps
    for stage in profile.stages:
        if stage.rampS is not None:
            if t < stage.rampS:
                return rate + (stage.rps - rate) * t / stage.rampS
            t -= stage.rampS
        else:
            assert stage.holdS is not None  # one of the two, checked at validation
            if t < stage.holdS:
                return stage.rps
            t -= stage.holdS
        rate = stage.rps
    return profile.stages[-1].rps
