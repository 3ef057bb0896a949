"""Following created orders to their decision: backoff, a bound on polls and on polls in flight."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from workload_generator.decisions import DecisionFollower
from workload_generator.stats import Stats


def create_orders(gateway, n: int, ticket: str = "adult") -> list[str]:
    return [gateway.create_order(ticket) for _ in range(n)]


def follow(gateway, clock, order_ids, *, concurrency=20, max_polls=30, capacity=1000) -> Stats:
    stats = Stats(clock)

    async def main():
        async with httpx.AsyncClient(trust_env=False) as client:
            follower = DecisionFollower(
                client,
                stats,
                clock,
                concurrency=concurrency,
                max_polls=max_polls,
                capacity=capacity,
                timeout_s=lambda: 5.0,
            )
            for order_id in order_ids:
                follower.follow(f"{gateway.url}/orders/{order_id}", clock.now())
            await follower.drain(20)

    asyncio.run(main())
    return stats


def test_time_to_decision_runs_from_the_201_to_the_poll_that_saw_it(gateway, fake_clock):
    gateway.set(polls_to_decide=3)  # pending, pending, confirmed
    stats = follow(gateway, fake_clock().clock(), create_orders(gateway, 1))
    d = stats.snapshot()["decisions"]
    assert (d["followed"], d["confirmed"], d["pending"]) == (1, 1, 0)
    # Polls after 0.05 s, then 0.075 s and 0.1125 s more (growing backoff): decided 0.2375 s after the 201.
    assert d["timeToDecisionMs"]["max"] == pytest.approx(237.5, rel=0.01)


def test_a_rejected_order_is_reported_as_rejected(gateway, fake_clock):
    gateway.set(rejects=["vip"])
    stats = follow(gateway, fake_clock().clock(), create_orders(gateway, 2, "vip") + create_orders(gateway, 1))
    d = stats.snapshot()["decisions"]
    assert (d["rejected"], d["confirmed"]) == (2, 1)


def test_polling_stops_after_max_polls_and_counts_the_order_unresolved(gateway, fake_clock):
    gateway.set(polls_to_decide=1_000)  # never decided
    [order_id] = create_orders(gateway, 1)
    stats = follow(gateway, fake_clock().clock(), [order_id], max_polls=4)
    assert gateway.polls[order_id] == 4
    d = stats.snapshot()["decisions"]
    assert (d["followed"], d["unresolved"], d["pending"], d["confirmed"]) == (1, 1, 0, 0)


def test_polls_in_flight_are_bounded(gateway, fake_clock):
    gateway.set(poll_delay_s=0.02)
    stats = follow(gateway, fake_clock().clock(), create_orders(gateway, 30), concurrency=3)
    assert stats.snapshot()["decisions"]["confirmed"] == 30
    assert gateway.max_polls_in_flight <= 3


def test_orders_beyond_the_follow_capacity_are_counted_as_skipped(gateway, fake_clock):
    stats = follow(gateway, fake_clock().clock(), create_orders(gateway, 5), capacity=2)
    d = stats.snapshot()["decisions"]
    assert (d["followed"], d["skipped"], d["confirmed"]) == (2, 3, 2)
