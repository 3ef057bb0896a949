"""The HPA v2 algorithm against the cases of the Kubernetes documentation (Horizontal Pod Autoscaling,
"Algorithm details" and "Configurable scaling behavior"), with a fake clock: `now` is passed in."""

from __future__ import annotations

from tools.autoscaler.hpa import (
    DEFAULT_BEHAVIOR,
    Behavior,
    ScalerState,
    ScalingPolicy,
    ScalingRules,
    behavior_from_spec,
    next_replicas,
    replicas_for_average_value,
    replicas_for_utilization,
    scale_time,
)

NO_LIMIT_UP = ScalingRules(0, "Max", (ScalingPolicy("Percent", 1000, 15),))
NO_LIMIT_DOWN = ScalingRules(0, "Max", (ScalingPolicy("Percent", 100, 15),))


def behavior(up: ScalingRules = NO_LIMIT_UP, down: ScalingRules = NO_LIMIT_DOWN) -> Behavior:
    return Behavior(up, down)


def run(current, proposals, behavior_, min_r=1, max_r=100, every=15.0):
    """Sync every `every` seconds with each proposal in turn, applying the decision; the replicas after each."""
    state = ScalerState()
    seen = []
    for i, proposal in enumerate(proposals):
        current = next_replicas(current, proposal, min_r, max_r, behavior_, state, now=i * every).replicas
        seen.append(current)
    return seen


# The metric's proposal ---------------------------------------------------------------------


def test_utilization_doubles_at_twice_the_target_and_halves_at_half():
    # "if the current metric value is 200m, and the desired value is 100m, the number of replicas will be doubled"
    assert replicas_for_utilization(3, usage=0.6 * 3 * 2, request=0.6 * 3, target_utilization=100) == 6
    assert replicas_for_utilization(4, usage=0.5 * 4 * 0.5, request=0.5 * 4, target_utilization=100) == 2


def test_utilization_is_rounded_up():
    # 2 pods at 90 % of their request, target 60 %: ratio 1.5 -> 3
    assert replicas_for_utilization(2, usage=0.9 * 2, request=2, target_utilization=60) == 3
    assert replicas_for_utilization(3, usage=0.7 * 3, request=3, target_utilization=60) == 4  # ceil(3.5)


def test_within_the_ten_percent_tolerance_nothing_changes():
    assert replicas_for_utilization(4, usage=0.65 * 4, request=4, target_utilization=60) == 4  # ratio 1.083
    assert replicas_for_utilization(4, usage=0.55 * 4, request=4, target_utilization=60) == 4  # ratio 0.917
    assert replicas_for_average_value(2, total=109, target_average=50) == 2  # ratio 1.09
    assert replicas_for_average_value(2, total=91, target_average=50) == 2  # ratio 0.91
    assert replicas_for_average_value(2, total=111, target_average=50) == 3  # ratio 1.11: ceil(111 / 50)
    assert replicas_for_average_value(2, total=89, target_average=50) == 2  # ratio 0.89: ceil(89 / 50) = 2


def test_keda_lag_count_is_an_average_value_ceil_of_lag_over_lag_count():
    assert replicas_for_average_value(2, total=412, target_average=50) == 9
    assert replicas_for_average_value(9, total=0, target_average=50) == 0  # then min replicas applies
    assert replicas_for_average_value(0, total=1, target_average=50) == 1


# behavior: policies ------------------------------------------------------------------------

DOCS_SCALE_DOWN = ScalingRules(
    0, "Max", (ScalingPolicy("Pods", 4, 60), ScalingPolicy("Percent", 10, 60))
)  # the documentation's example


def test_select_max_takes_the_policy_allowing_the_biggest_change():
    # "when the number of replicas is more than 40, the percent policy applies": 80 -> 72; at 20, pods: 20 -> 16
    assert run(80, [1], behavior(down=DOCS_SCALE_DOWN)) == [72]
    assert run(20, [1], behavior(down=DOCS_SCALE_DOWN)) == [16]


def test_select_min_takes_the_policy_allowing_the_smallest_change():
    rules = ScalingRules(0, "Min", DOCS_SCALE_DOWN.policies)
    assert run(80, [1], behavior(down=rules)) == [76]
    assert run(20, [1], behavior(down=rules)) == [18]
    up = ScalingRules(0, "Min", (ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15)))
    assert run(10, [50], behavior(up=up)) == [14]
    assert run(2, [50], behavior(up=up)) == [4]


def test_disabled_turns_off_scaling_in_that_direction_only():
    disabled = ScalingRules(0, "Disabled", DOCS_SCALE_DOWN.policies)
    assert run(10, [2, 2, 20], behavior(down=disabled)) == [10, 10, 20]
    disabled_up = ScalingRules(0, "Disabled", NO_LIMIT_UP.policies)
    assert run(10, [20, 2], behavior(up=disabled_up)) == [10, 2]


def test_a_policy_counts_the_changes_made_within_its_period():
    # Pods 4 per 60 s, synced every 15 s: 20 -> 16, then nothing until the minute has passed, then 12.
    pods = ScalingRules(0, "Max", (ScalingPolicy("Pods", 4, 60),))
    assert run(20, [1] * 6, behavior(down=pods)) == [16, 16, 16, 16, 12, 12]


def test_percent_up_is_rounded_up_so_that_one_replica_can_grow():
    rules = ScalingRules(0, "Max", (ScalingPolicy("Percent", 50, 15),))
    assert run(1, [10], behavior(up=rules)) == [2]
    assert run(3, [10], behavior(up=rules)) == [5]  # ceil(4.5)


def test_percent_down_is_truncated():
    rules = ScalingRules(0, "Max", (ScalingPolicy("Percent", 50, 60),))
    assert run(5, [1], behavior(down=rules)) == [2]  # int(2.5)


def test_the_manifests_policy_doubles_or_adds_four_every_fifteen_seconds():
    up = ScalingRules(0, "Max", (ScalingPolicy("Percent", 100, 15), ScalingPolicy("Pods", 4, 15)))
    assert run(2, [12, 12, 12], behavior(up=up), max_r=12) == [6, 12, 12]
    assert run(5, [40, 40], behavior(up=up), max_r=40) == [10, 20]


# behavior: stabilization windows ---------------------------------------------------------------


def test_scale_down_waits_for_the_highest_recommendation_of_its_window():
    down = ScalingRules(60, "Max", (ScalingPolicy("Percent", 100, 15),))
    # recommendations every 15 s; the highest of those younger than 60 s rules (t=0 leaves at t=60)
    seen = run(10, [10, 9, 8, 9, 8, 8, 8, 8, 7], behavior(down=down))
    assert seen == [10, 10, 10, 10, 9, 9, 9, 8, 8]


def test_scale_up_takes_the_lowest_recommendation_of_its_window():
    up = ScalingRules(30, "Max", NO_LIMIT_UP.policies)
    # at 15 s the 2 of t=0 holds it; at 30 s the lowest of (8, 6) is 6; at 45 s of (6, 9) still 6
    assert run(2, [2, 8, 6, 9, 9, 9], behavior(up=up)) == [2, 2, 6, 6, 9, 9]


def test_a_zero_window_follows_at_once():
    assert run(5, [9, 3, 7], behavior()) == [9, 3, 7]


# defaults and clamps ---------------------------------------------------------------------------


def test_default_behavior_is_the_documented_one():
    assert DEFAULT_BEHAVIOR.scale_up == ScalingRules(
        0, "Max", (ScalingPolicy("Pods", 4, 15), ScalingPolicy("Percent", 100, 15))
    )
    assert DEFAULT_BEHAVIOR.scale_down == ScalingRules(300, "Max", (ScalingPolicy("Percent", 100, 15),))
    assert behavior_from_spec(None) == DEFAULT_BEHAVIOR


def test_default_behavior_adds_four_or_doubles_and_scales_down_after_five_minutes():
    assert run(2, [30, 30, 30], DEFAULT_BEHAVIOR, max_r=30) == [6, 12, 24]
    seen = run(10, [1] * 22, DEFAULT_BEHAVIOR, min_r=1)
    assert seen[:20] == [10] * 20  # 0 .. 285 s: the 10 recorded at t=0 is still in the window
    assert seen[20:] == [1, 1]  # at 300 s it has left: down to 1 at once (Percent 100)


def test_missing_fields_of_a_direction_take_their_defaults():
    b = behavior_from_spec({"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}})
    assert b.scale_down == ScalingRules(300, "Max", (ScalingPolicy("Pods", 1, 60),))
    assert b.scale_up == DEFAULT_BEHAVIOR.scale_up
    b = behavior_from_spec({"scaleUp": {"stabilizationWindowSeconds": 30, "selectPolicy": "Min"}})
    assert b.scale_up == ScalingRules(30, "Min", DEFAULT_BEHAVIOR.scale_up.policies)


def test_min_and_max_bound_the_result():
    assert run(2, [50], behavior(), min_r=2, max_r=12) == [12]
    assert run(6, [0], behavior(), min_r=2, max_r=12) == [2]


def test_a_pool_outside_min_max_is_brought_back_first():
    stuck = Behavior(ScalingRules(0, "Disabled", ()), ScalingRules(0, "Disabled", ()))
    assert run(20, [20], stuck, min_r=2, max_r=12) == [12]
    assert run(1, [1], stuck, min_r=2, max_r=12) == [2]


def test_reasons_name_what_limited_the_decision():
    state = ScalerState()
    up = ScalingRules(0, "Max", (ScalingPolicy("Pods", 1, 15),))
    assert next_replicas(2, 9, 2, 12, behavior(up=up), state, 0).reason == "ScaleUpLimit"
    assert next_replicas(3, 40, 2, 12, behavior(), ScalerState(), 0).reason == "TooManyReplicas"
    assert next_replicas(3, 5, 2, 12, behavior(), ScalerState(), 0).reason == "DesiredWithinRange"
    down = ScalingRules(60, "Max", NO_LIMIT_DOWN.policies)
    state = ScalerState()
    next_replicas(5, 5, 2, 12, behavior(down=down), state, 0)
    assert next_replicas(5, 2, 2, 12, behavior(down=down), state, 15).reason == "ScaleDownStabilized"


def test_time_scale_shortens_every_window_and_period():
    b = scale_time(DEFAULT_BEHAVIOR, 0.1)
    assert b.scale_down.stabilization_window_seconds == 30
    assert [p.period_seconds for p in b.scale_up.policies] == [1.5, 1.5]
    assert run(10, [1] * 22, b, min_r=1, every=1.5)[19:] == [10, 1, 1]
