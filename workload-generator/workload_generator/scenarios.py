"""Named scenarios: ready-made run configs (POST /start {"scenario": ...}, the CLI's --scenario, GET /scenarios).

A scenario is a partial config applied before the caller's own overrides, so {"scenario":
"autoscaling-demo", "targetApi": ...} still chooses the target. A rate scenario is a staged profile
and the run's duration; a rush scenario (`rush`) is a `rush` block: visitors queueing in a waiting
room (workload_generator.rush), described by its arrivals per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import ConfigError, Rush
from .profiles import StagesProfile


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    profile: StagesProfile  # a rush's: its visitors' arrivals per second
    rush: Rush | None = None

    @property
    def duration_s(self) -> float:
        """A rate scenario's length; a rush's upper bound (its deadline: how long it takes depends on the room)."""
        return self.rush.deadlineS if self.rush else self.profile.total_s

    def patch(self) -> dict[str, Any]:
        """The config changes the scenario stands for: its profile and a run exactly as long as it, or its rush."""
        if self.rush is not None:
            return {"rush": self.rush.model_dump(mode="json")}
        return {"profile": self.profile.model_dump(mode="json"), "durationS": self.profile.total_s, "rush": None}

    def describe(self) -> dict[str, Any]:
        """The GET /scenarios entry: enough for a dashboard to draw the profile and caption it."""
        return {
            "name": self.name,
            "kind": "rush" if self.rush else "rate",
            "title": self.title,
            "description": self.description,
            "durationS": self.duration_s,
            "peakRps": max(s.rps for s in self.profile.stages),
            "profile": self.profile.model_dump(mode="json"),
            "timeline": self.profile.timeline(),
            "rush": self.rush.model_dump(mode="json") if self.rush else None,
        }


# Sized against `make up`'s autoscaling (the keda overlay: one worker decides ~50 orders/s, 20 ms of
# simulated work per order and one call at a time; lag target 50 per worker; 2-12 workers):
# 150 orders/s is three workers' worth and 300/s six, well within what the gateway takes on this
# 2-core machine. docs/autoscaling-simulation.md (tools/autoscaler/simulate.py) computes the
# replicas this load gives under each overlay's policy. About 27,000 orders, ~50,000 tickets:
# as much as the default catalogue holds, hence make up's demo catalogue (README, "Autoscaling in make up").
AUTOSCALING_DEMO = Scenario(
    name="autoscaling-demo",
    title="Autoscaling demo",
    description=(
        "Ramp up to 150 orders/s (three workers' worth), hold, spike to 300/s, ramp down and idle at 20/s: "
        "the order workers scale out beyond the minimum and, once the scale-in window has passed, back in."
    ),
    profile=StagesProfile.model_validate(
        {
            "kind": "stages",
            "startRps": 10,
            "stages": [
                {"label": "ramp up", "rps": 150, "rampS": 30},
                {"label": "hold", "rps": 150, "holdS": 60},
                {"label": "spike", "rps": 300, "holdS": 30},
                {"label": "ramp down", "rps": 20, "rampS": 30},
                {"label": "idle", "rps": 20, "holdS": 90},
            ],
        }
    ),
)


def _rush_scenario(rush: Rush) -> Scenario:
    rate = rush.visitors / rush.arrivalSpreadS if rush.arrivalSpreadS > 0 else float(rush.visitors)
    return Scenario(
        name="rush",
        title="On-sale rush",
        description=(
            f"{rush.visitors:,} visitors arrive within {rush.arrivalSpreadS:g} s, join the sale's waiting room "
            f"(opened first), wait at the pace the gateway asks for, and once admitted buy with their admission "
            f"token; {rush.leaveShare:.0%} leave the queue early, {rush.abandonShare:.0%} are admitted and never "
            f"buy. Ends when every visitor is done, or after {rush.deadlineS:g} s."
        ),
        profile=StagesProfile.model_validate(
            {
                "kind": "stages",
                "startRps": rate,
                "stages": [{"label": "arrivals", "rps": rate, "holdS": max(rush.arrivalSpreadS, 1.0)}],
            }
        ),
        rush=rush,
    )


RUSH = _rush_scenario(Rush())

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (AUTOSCALING_DEMO, RUSH)}


def get(name: object) -> Scenario:
    """The scenario called `name`; ConfigError("scenario", ...) naming the choices otherwise."""
    scenario = SCENARIOS.get(name) if isinstance(name, str) else None
    if scenario is None:
        raise ConfigError("scenario", f"unknown scenario {name!r} (one of: {', '.join(SCENARIOS)})")
    return scenario


def expand(patch: object) -> object:
    """A config patch with its "scenario" replaced by the scenario's own changes (the rest of the patch wins)."""
    if not isinstance(patch, dict) or "scenario" not in patch:
        return patch
    rest = {k: v for k, v in patch.items() if k != "scenario"}
    expanded = get(patch["scenario"]).patch()
    for key, value in rest.items():
        # {"scenario": "rush", "rush": {"visitors": 100}}: the caller's fields within the scenario's block.
        base = expanded.get(key)
        if key == "rush" and isinstance(base, dict) and isinstance(value, dict):
            value = {**base, **value}
        expanded[key] = value
    return expanded
