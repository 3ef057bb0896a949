"""The Kubernetes HPA (autoscaling/v2) replica calculation and `behavior`, as plain functions.

A transcription of the horizontal-pod-autoscaler controller (pkg/controller/podautoscaler:
replica_calculator.go and horizontal.go) for one scaled target, with the clock passed in so that
tests can drive time. What is left out, because a laptop has no such thing: pods without metrics
and not-yet-ready pods (every counted worker is running and measured), and scale-to-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

# The controller's --horizontal-pod-autoscaler-tolerance default: a ratio within 10 % of 1 is no change.
TOLERANCE = 0.1

PolicyType = Literal["Pods", "Percent"]
SelectPolicy = Literal["Max", "Min", "Disabled"]


@dataclass(frozen=True)
class ScalingPolicy:
    type: PolicyType
    value: int
    period_seconds: float


@dataclass(frozen=True)
class ScalingRules:
    """One direction of `behavior` (HPAScalingRules), defaults already applied."""

    stabilization_window_seconds: float
    select_policy: SelectPolicy
    policies: tuple[ScalingPolicy, ...]


@dataclass(frozen=True)
class Behavior:
    scale_up: ScalingRules
    scale_down: ScalingRules


# The defaults autoscaling/v2 fills in when `behavior`, a direction or a field of it is absent.
DEFAULT_SCALE_UP = ScalingRules(
    stabilization_window_seconds=0,
    select_policy="Max",
    policies=(ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15)),
)
DEFAULT_SCALE_DOWN = ScalingRules(
    stabilization_window_seconds=300,
    select_policy="Max",
    policies=(ScalingPolicy("Percent", 100, 15),),
)
DEFAULT_BEHAVIOR = Behavior(DEFAULT_SCALE_UP, DEFAULT_SCALE_DOWN)


def rules_from_spec(spec: dict | None, default: ScalingRules) -> ScalingRules:
    """HPAScalingRules as written in a manifest (camelCase), each missing field from `default`."""
    if not spec:
        return default
    policies = spec.get("policies")
    return ScalingRules(
        stabilization_window_seconds=float(
            spec.get("stabilizationWindowSeconds", default.stabilization_window_seconds)
        ),
        select_policy=spec.get("selectPolicy", default.select_policy),
        policies=default.policies
        if not policies
        else tuple(ScalingPolicy(p["type"], int(p["value"]), float(p["periodSeconds"])) for p in policies),
    )


def behavior_from_spec(spec: dict | None) -> Behavior:
    spec = spec or {}
    return Behavior(
        rules_from_spec(spec.get("scaleUp"), DEFAULT_SCALE_UP),
        rules_from_spec(spec.get("scaleDown"), DEFAULT_SCALE_DOWN),
    )


def scale_time(behavior: Behavior, factor: float) -> Behavior:
    """The same behavior with every window and period multiplied by `factor` (a shortened demo)."""

    def rules(r: ScalingRules) -> ScalingRules:
        return replace(
            r,
            stabilization_window_seconds=r.stabilization_window_seconds * factor,
            policies=tuple(replace(p, period_seconds=p.period_seconds * factor) for p in r.policies),
        )

    return Behavior(rules(behavior.scale_up), rules(behavior.scale_down))


# Metric -> proposal (replica_calculator.go) ---------------------------------------------------


def replicas_for_utilization(current: int, usage: float, request: float, target_utilization: float) -> int:
    """Resource metric, target type Utilization: usage and request summed over the pods (same unit),
    utilization = 100 × usage / request; ratio = utilization / target, unchanged within the tolerance,
    else ceil(ratio × current)."""
    utilization = 100.0 * usage / request
    ratio = utilization / target_utilization
    if abs(1.0 - ratio) <= TOLERANCE:
        return current
    return math.ceil(ratio * current)


def replicas_for_average_value(current: int, total: float, target_average: float) -> int:
    """AverageValue target (an External metric such as KEDA's lag): ratio = total / (target × current),
    unchanged within the tolerance, else ceil(total / target)."""
    if current == 0:
        return math.ceil(total / target_average)
    ratio = total / (target_average * current)
    if abs(1.0 - ratio) <= TOLERANCE:
        return current
    return math.ceil(total / target_average)


# Proposal -> replicas (horizontal.go) ---------------------------------------------------------


@dataclass
class ScalerState:
    """What the controller remembers per target: unstabilized recommendations and past scale events."""

    recommendations: list[tuple[float, int]] = field(default_factory=list)  # (time, desired)
    scale_up_events: list[tuple[float, int]] = field(default_factory=list)  # (time, replicas added)
    scale_down_events: list[tuple[float, int]] = field(default_factory=list)  # (time, replicas removed)


@dataclass(frozen=True)
class Decision:
    replicas: int
    reason: str  # the HPA condition reason that limited it, e.g. ScaleUpLimit, ScaleDownStabilized


def _changed_in_period(events: list[tuple[float, int]], period: float, now: float) -> int:
    cutoff = now - period
    return sum(change for t, change in events if t > cutoff)


def scale_up_limit(current: int, state: ScalerState, rules: ScalingRules, now: float) -> int:
    """The most replicas the scale-up policies allow now (calculateScaleUpLimitWithScalingRules)."""
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        added = _changed_in_period(state.scale_up_events, policy.period_seconds, now)
        removed = _changed_in_period(state.scale_down_events, policy.period_seconds, now)
        period_start = current - added + removed
        if policy.type == "Pods":
            proposals.append(period_start + policy.value)
        else:  # rounded up, else a small pool could never grow
            proposals.append(math.ceil(period_start * (1 + policy.value / 100)))
    return min(proposals) if rules.select_policy == "Min" else max(proposals)


def scale_down_limit(current: int, state: ScalerState, rules: ScalingRules, now: float) -> int:
    """The fewest replicas the scale-down policies allow now (calculateScaleDownLimitWithBehaviors)."""
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        added = _changed_in_period(state.scale_up_events, policy.period_seconds, now)
        removed = _changed_in_period(state.scale_down_events, policy.period_seconds, now)
        period_start = current - added + removed
        if policy.type == "Pods":
            proposals.append(period_start - policy.value)
        else:  # truncated, as Go's int32() does
            proposals.append(int(period_start * (1 - policy.value / 100)))
    # Min selects the smallest change: for scaling down, the highest floor.
    return max(proposals) if rules.select_policy == "Min" else min(proposals)


def stabilize(current: int, desired: int, state: ScalerState, behavior: Behavior, now: float) -> tuple[int, str]:
    """Scale up to the lowest recommendation of the up window, down to the highest of the down window
    (stabilizeRecommendationWithBehaviors); records `desired` as this sync's recommendation."""
    if not state.recommendations and behavior.scale_down.stabilization_window_seconds > 0:
        # A controller that has just started acts as if it had recommended the current size
        # (maybeInitScaleDownStabilizationWindow): no scale-down before a whole window of evidence.
        state.recommendations.append((now, current))
    up_cutoff = now - behavior.scale_up.stabilization_window_seconds
    down_cutoff = now - behavior.scale_down.stabilization_window_seconds
    up, down = desired, desired
    for t, recommendation in state.recommendations:
        if t > up_cutoff:
            up = min(up, recommendation)
        if t > down_cutoff:
            down = max(down, recommendation)
    stabilized = min(max(current, up), down)
    # Recommendations older than both windows can no longer matter.
    state.recommendations = [(t, r) for t, r in state.recommendations if t > up_cutoff or t > down_cutoff]
    state.recommendations.append((now, desired))
    if stabilized == desired:
        return stabilized, "ReadyForNewScale"
    return stabilized, "ScaleUpStabilized" if desired >= current else "ScaleDownStabilized"


def limit_rate(
    current: int, desired: int, min_replicas: int, max_replicas: int, state: ScalerState, behavior: Behavior, now: float
) -> tuple[int, str]:
    """Clamp to the policies' rate and to min/max (convertDesiredReplicasWithBehaviorRate)."""
    if desired > current:
        limit = max(scale_up_limit(current, state, behavior.scale_up, now), current)
        if max_replicas > limit:
            allowed, reason = limit, "ScaleUpLimit"
        else:
            allowed, reason = max_replicas, "TooManyReplicas"
        if desired > allowed:
            return allowed, reason
    elif desired < current:
        limit = min(scale_down_limit(current, state, behavior.scale_down, now), current)
        if min_replicas < limit:
            allowed, reason = limit, "ScaleDownLimit"
        else:
            allowed, reason = min_replicas, "TooFewReplicas"
        if desired < allowed:
            return allowed, reason
    return desired, "DesiredWithinRange"


def record_scale(state: ScalerState, previous: int, new: int, longest_period: float, now: float) -> None:
    """Remember a scale event for the rate policies (storeScaleEvent), dropping expired ones."""
    cutoff = now - longest_period
    state.scale_up_events = [e for e in state.scale_up_events if e[0] > cutoff]
    state.scale_down_events = [e for e in state.scale_down_events if e[0] > cutoff]
    if new > previous:
        state.scale_up_events.append((now, new - previous))
    elif new < previous:
        state.scale_down_events.append((now, previous - new))


def next_replicas(
    current: int,
    proposal: int,
    min_replicas: int,
    max_replicas: int,
    behavior: Behavior,
    state: ScalerState,
    now: float,
) -> Decision:
    """One sync of the controller: from the metrics' proposal to the replicas to run, recording what
    the next syncs need. A pool out of min/max is first brought back within them, without behavior,
    as the controller does."""
    if current > max_replicas:
        replicas, reason = max_replicas, "TooManyReplicas"
    elif current < min_replicas:
        replicas, reason = min_replicas, "TooFewReplicas"
    else:
        stabilized, reason = stabilize(current, proposal, state, behavior, now)
        replicas, rate_reason = limit_rate(current, stabilized, min_replicas, max_replicas, state, behavior, now)
        if rate_reason != "DesiredWithinRange" or reason == "ReadyForNewScale":
            reason = rate_reason
    if replicas != current:
        longest = max(
            (p.period_seconds for p in behavior.scale_up.policies + behavior.scale_down.policies), default=0.0
        )
        record_scale(state, current, replicas, longest, now)
    return Decision(replicas, reason)
