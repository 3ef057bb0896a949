"""The outcome mix, the test cards and the latency distribution (pure functions, no Redis)."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest

from payment_provider.outcomes import TEST_CARDS, Latency, Outcome, decide, parse_mix

DEFAULT = parse_mix("approve=80,decline=10,error=10,timeout=0")
NO_LATENCY = Latency(0, 0, 1)


def test_the_mix_is_parsed_into_percentages_with_left_out_outcomes_at_zero():
    mix = parse_mix(" approve=70 , decline=30 ")
    assert mix.as_dict() == {"approve": 70, "decline": 30, "error": 0, "timeout": 0}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("approve=80,decline=10", "add up to 100 (they add up to 90)"),
        ("approve=80,decline=10,error=10,refund=0", "unknown outcome 'refund'"),
        ("approve=50,approve=50", "'approve' is given twice"),
        ("approve=eighty,decline=20", "'eighty' is not a number"),
        ("approve=110,decline=-10", "decline: must be a percentage of 0 or more"),
        ("approve", "'approve' is not name=percent"),
        ("", "add up to 100 (they add up to 0)"),
        ("approve=nan,decline=100", "approve: must be a percentage of 0 or more"),
    ],
)
def test_a_bad_mix_is_refused_with_its_reason(text, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_mix(text)


def test_the_default_mix_is_drawn_in_its_proportions_over_many_keys():
    drawn = Counter(decide(DEFAULT, NO_LATENCY, "s", f"order-{i}", 1, None).outcome for i in range(20_000))
    assert drawn[Outcome.TIMEOUT] == 0
    for outcome, share in ((Outcome.APPROVE, 0.8), (Outcome.DECLINE, 0.1), (Outcome.ERROR, 0.1)):
        assert abs(drawn[outcome] / 20_000 - share) < 0.015, (outcome, drawn)


def test_a_mix_of_one_outcome_always_draws_it():
    only_timeouts = parse_mix("timeout=100")
    assert {decide(only_timeouts, NO_LATENCY, "s", f"k{i}", 1, None).outcome for i in range(500)} == {Outcome.TIMEOUT}


def test_draws_are_seeded_by_key_and_attempt_so_a_retry_may_differ_but_a_rerun_does_not():
    first = [decide(DEFAULT, Latency(50, 0.5, 2000), "seed", "order-7", a, None) for a in range(1, 40)]
    again = [decide(DEFAULT, Latency(50, 0.5, 2000), "seed", "order-7", a, None) for a in range(1, 40)]
    assert first == again
    assert len({d.outcome for d in first}) > 1  # attempts of one key draw anew
    other_seed = [decide(DEFAULT, Latency(50, 0.5, 2000), "other", "order-7", a, None) for a in range(1, 40)]
    assert other_seed != first


@pytest.mark.parametrize(("card", "outcome"), sorted(TEST_CARDS.items()))
def test_each_test_card_picks_its_outcome_whatever_the_mix(card, outcome):
    always_decline = parse_mix("decline=100")
    for attempt in range(1, 20):
        decision = decide(always_decline, NO_LATENCY, "s", f"k-{attempt}", attempt, card)
        assert decision.outcome is outcome
        assert decision.by_card


def test_any_other_card_takes_the_mix():
    always_decline = parse_mix("decline=100")
    decision = decide(always_decline, NO_LATENCY, "s", "k", 1, "5555555555554444")
    assert decision.outcome is Outcome.DECLINE and not decision.by_card


def test_the_latency_is_lognormal_around_its_median_and_capped():
    latency = Latency(median_ms=50, sigma=0.5, max_ms=120)
    rng = random.Random(1)
    draws = [latency.draw(rng) for _ in range(20_000)]
    assert abs(statistics.median(draws) - 0.050) < 0.003
    assert max(draws) == pytest.approx(0.120)  # the cap is reached and never passed
    assert min(draws) > 0
    spread = statistics.quantiles(draws, n=100)
    # For a lognormal, p16/p50 ~ exp(-sigma): about 0.61 for sigma 0.5.
    assert 0.55 < spread[15] / statistics.median(draws) < 0.66


def test_a_zero_median_means_no_latency():
    assert Latency(0, 0.5, 100).draw(random.Random(1)) == 0.0
