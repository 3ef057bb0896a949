"""The open-loop scheduler against a real local HTTP target.

Virtual clocks make the schedule exact, so no assertion depends on how fast the machine is;
measured rates against a real gateway are make bench's job.
"""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx

from workload_generator.clock import Clock
from workload_generator.config import RunConfig, TicketWeight
from workload_generator.runner import LoadRun, RunLimits

TICKETS = [TicketWeight(ticketId="adult"), TicketWeight(ticketId="student")]


def run_load(gateway, clock: Clock, slack_s: float = 0.1, during=None, **config) -> dict:
    """One bounded run of LoadRun against `gateway`; its final stats (and `during`'s result, if given)."""
    config = RunConfig(targetApi=gateway.url, followShare=0.0, **config)

    async def main():
        async with httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_connections=None)) as client:
            run = LoadRun(
                config, TICKETS, client=client, clock=clock, limits=RunLimits(slack_s=slack_s), rng=random.Random(1)
            )
            task = asyncio.create_task(run.run(decision_wait_s=0))
            seen = await during(run) if during else None
            await asyncio.wait_for(task, 15)
            return run.stats.snapshot(), seen

    return asyncio.run(main())


def test_constant_rate_sends_rate_times_duration_requests(gateway, fake_clock):
    stats, _ = run_load(gateway, fake_clock().clock(), rps=50, durationS=2)
    assert gateway.order_count() == 100
    assert stats["requests"]["sent"] == 100
    assert stats["requests"]["succeeded"] == 100
    assert stats["requests"]["dropped"] == 0


def test_step_profile_changes_the_rate_on_schedule(gateway, fake_clock):
    profile = {"kind": "step", "steps": [{"rps": 10, "forS": 1}, {"rps": 40, "forS": 1}]}
    stats, _ = run_load(gateway, fake_clock().clock(), profile=profile, durationS=2)
    assert gateway.order_count() == 50
    # The fake wall clock starts on a whole second, so the series' seconds are the steps.
    assert [p["rps"] for p in stats["series"][:2]] == [10, 40]
    assert [p["targetRps"] for p in stats["series"][:2]] == [10, 40]


def test_slots_missed_while_the_loop_stalled_are_dropped_not_sent_in_a_burst(gateway, fake_clock):
    clock = fake_clock(stall_at=1000.0 + 1.0, stall_s=0.5)  # the loop is blocked for 0.5 s after 1 s
    stats, _ = run_load(gateway, clock.clock(), slack_s=0.1, rps=100, durationS=2)
    r = stats["requests"]
    assert r["sent"] + r["dropped"] == 200  # every slot is accounted for
    assert 35 <= r["droppedByReason"]["behindSchedule"] <= 45  # the slots more than 0.1 s late
    assert r["droppedByReason"]["inFlightCap"] == 0
    assert gateway.order_count() == r["sent"]


def test_latency_is_measured_from_the_scheduled_start_not_the_send(gateway, late_clock):
    # Every wake-up is 30 ms late (less than the 40 ms between slots, so each slot is sent
    # exactly 30 ms late); the target answers in about a millisecond. Measured from the
    # send, latency would be ~1 ms; from the scheduled slot it includes the 30 ms.
    stats, _ = run_load(gateway, late_clock(0.03).clock(), slack_s=1.0, rps=25, durationS=2)
    assert stats["requests"]["succeeded"] >= 45
    assert stats["requests"]["dropped"] == 0
    assert stats["latencyMs"]["p50"] >= 30


def test_overload_drops_at_the_in_flight_cap_while_the_schedule_holds(gateway, fake_clock):
    # The target serves one request at a time, 50 ms each, while virtual time runs far ahead of it:
    # the requests in flight pile up to the cap, and every slot beyond it is dropped, never queued.
    gateway.set(serial=True, delay_s=0.05)
    rps, duration, cap = 100, 2.5, 30
    stats, _ = run_load(
        gateway, fake_clock().clock(), slack_s=1.0, rps=rps, durationS=duration, maxInFlight=cap, timeoutS=10
    )
    r = stats["requests"]
    assert r["sent"] + r["dropped"] == rps * duration  # attempts kept to the schedule: the rate was not lowered
    assert r["droppedByReason"]["inFlightCap"] == r["dropped"] > 0
    assert r["sent"] >= cap
    assert gateway.max_in_flight <= cap  # the cap protected the generator (and the target)
    assert gateway.order_count() == r["sent"]


def test_every_order_carries_a_fresh_uuid4_idempotency_key(gateway, fake_clock):
    run_load(gateway, fake_clock().clock(), rps=20, durationS=1)
    keys = [o["key"] for o in gateway.orders]
    assert len(keys) == 20 and len(set(keys)) == 20
    assert all(uuid.UUID(k).version == 4 for k in keys)


def test_a_rate_change_while_running_takes_effect_at_once(gateway, fake_clock):
    clock = fake_clock()

    async def change(run):
        while clock.t < 1001.0:  # one virtual second at 10 rps
            await asyncio.sleep(0)
        run.reconfigure(run.config.model_copy(update={"rps": 100.0}), run.tickets)

    stats, _ = run_load(gateway, clock.clock(), rps=10, durationS=3, during=change)
    first, second, third = (p["rps"] for p in stats["series"][:3])
    # The new rate is read on the next pass, and applies from the last one (at most MAX_WAIT_S back).
    assert (first, third) == (10, 100) and 95 <= second <= 105
    assert gateway.order_count() == stats["requests"]["sent"]
