"""The rush scenario: visitors join the waiting room of the fake gateway, wait at its pollAfterMs,
are admitted and buy with their token; refusals, leavers and abandons counted; every rush bounded."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter

import pytest

from workload_generator import cli, rush, scenarios
from workload_generator.app import build_controller
from workload_generator.clock import Clock
from workload_generator.config import ConfigError, validate
from workload_generator.settings import WorkloadSettings

from .test_api import with_api

WAIT_S = 60  # every run here ends well before: a bound, not an expectation


def run_rush(gateway, clock: Clock | None = None, seed: int = 3, settings: dict | None = None, **config):
    """One rush against the fake gateway, to its end; returns GET /stats."""
    overrides = {"scenario": "rush", "followShare": 0, **config}

    async def main():
        controller = build_controller(
            WorkloadSettings(target_api=gateway.url, **(settings or {})),
            rng=random.Random(seed),
            **({"clock": clock} if clock else {}),
        )
        try:
            await controller.start(overrides)
            await asyncio.wait_for(controller.wait(), WAIT_S)
            return controller.snapshot()
        finally:
            await controller.shutdown()
            await controller.client.aclose()

    return asyncio.run(main())


def test_each_visitor_joins_waits_is_admitted_and_orders_once_with_its_own_token(gateway):
    gateway.set(polls_to_admit=2, poll_after_ms=[20])
    s = run_rush(gateway, rush={"visitors": 20, "arrivalSpreadS": 0.2, "leaveShare": 0, "abandonShare": 0})

    visitors = gateway.visitors
    assert len(visitors) == 20 and all(v["polls"] == 2 and v["admitted"] for v in visitors.values())
    tokens = Counter(o["token"] for o in gateway.orders)
    assert tokens == Counter({f"tok.{v}": 1 for v in visitors})  # one order each, with its own token
    assert gateway.room_puts == [{"saleId": "main", "body": {"state": "open"}, "authorization": None}]

    r = s["rush"]
    assert r["saleId"] == "main"  # the first of GET /sales
    assert (r["arrived"], r["joined"], r["admitted"], r["waiting"], r["active"]) == (20, 20, 20, 0, 0)
    assert r["polls"] == 40 and r["waitMs"]["count"] == 20 and r["waitMs"]["p50"] > 0
    assert r["orders"] == {"placed": 20, "byStatus": {"201": 20}}
    assert r["tokenRefusals"] == {"401": 0, "403": 0, "429": 0}
    assert s["requests"]["sent"] == 20 and s["requests"]["byStatus"] == {"201": 20}  # the orders, as in any run
    assert s["running"] is False and s["finishedAt"] is not None


def test_polls_wait_exactly_the_poll_after_ms_each_answer_gave(gateway):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        await asyncio.sleep(seconds)

    clock = Clock(now=time.monotonic, sleep=sleep, wall=time.time)
    # The join's answer says 120 ms, the first poll's 60 ms, the second's 80 ms; admitted at the third.
    gateway.set(polls_to_admit=3, poll_after_ms=[120, 60, 80])
    s = run_rush(gateway, clock=clock, rush={"visitors": 6, "arrivalSpreadS": 0, "leaveShare": 0, "abandonShare": 0})

    assert s["rush"]["admitted"] == 6 and s["rush"]["polls"] == 18
    waits = Counter(x for x in slept if x in (0.12, 0.06, 0.08))
    assert waits == {0.12: 6, 0.06: 6, 0.08: 6}
    # Seen from the gateway: no visitor came back sooner than it was told.
    by_visitor: dict[str, list[float]] = {}
    for p in gateway.queue_polls:
        by_visitor.setdefault(p["visitorId"], []).append(p["at"])
    for polls in by_visitor.values():
        assert polls[1] - polls[0] >= 0.06 - 0.002 and polls[2] - polls[1] >= 0.08 - 0.002


def test_poll_after_ms_is_kept_within_bounds():
    assert rush.poll_delay_s({"pollAfterMs": 1500}) == 1.5
    assert rush.poll_delay_s({"pollAfterMs": 0}) == rush.POLL_FLOOR_S  # never a busy loop
    assert rush.poll_delay_s({"pollAfterMs": 10**9}) == rush.POLL_CEILING_S
    assert rush.poll_delay_s({}) == rush.poll_delay_s({"pollAfterMs": "soon"}) == rush.DEFAULT_POLL_S
    assert rush.poll_delay_s({"pollAfterMs": True}) == rush.DEFAULT_POLL_S


def test_token_refusals_are_counted_by_status(gateway):
    gateway.set(polls_to_admit=1, poll_after_ms=[10], statuses=[401, 403, 429, 201, 503])
    s = run_rush(gateway, rush={"visitors": 25, "arrivalSpreadS": 0.1, "leaveShare": 0, "abandonShare": 0})
    r = s["rush"]
    assert r["tokenRefusals"] == {"401": 5, "403": 5, "429": 5}
    assert r["orders"] == {"placed": 25, "byStatus": {"201": 5, "401": 5, "403": 5, "429": 5, "503": 5}}
    assert set(s["errorSamples"]) >= {"401", "403", "429"}


def test_a_used_up_token_is_refused_and_counted_as_429(gateway):
    # The fake gateway's own use count: a token good for no order at all.
    gateway.set(polls_to_admit=0, token_uses=0)
    s = run_rush(gateway, rush={"visitors": 8, "arrivalSpreadS": 0, "leaveShare": 0, "abandonShare": 0})
    assert s["rush"]["polls"] == 0  # admitted at the join: nothing to wait for
    assert s["rush"]["tokenRefusals"]["429"] == 8 and s["rush"]["orders"]["byStatus"] == {"429": 8}


def test_shares_of_visitors_leave_the_queue_or_abandon_and_the_gateway_saw_the_same(gateway):
    gateway.set(polls_to_admit=2, poll_after_ms=[20])
    n, leave, abandon = 200, 0.1, 0.2
    s = run_rush(gateway, rush={"visitors": n, "arrivalSpreadS": 0.3, "leaveShare": leave, "abandonShare": abandon})
    r = s["rush"]
    # Binomial draws (seeded): within four standard deviations of the share asked for.
    for count, share in ((r["left"], leave), (r["abandoned"], abandon)):
        assert abs(count - n * share) <= 4 * (n * share * (1 - share)) ** 0.5
    visitors = gateway.visitors
    assert r["left"] == sum(v["left"] for v in visitors.values()) > 0
    assert r["admitted"] == n - r["left"] == sum(v["admitted"] for v in visitors.values())
    assert r["orders"]["placed"] == r["admitted"] - r["abandoned"] == gateway.order_count()
    assert all(not v["admitted"] or v["uses"] <= 1 for v in visitors.values())


def test_requests_in_flight_never_exceed_the_cap(gateway):
    gateway.set(polls_to_admit=2, poll_after_ms=[10], queue_delay_s=0.02, delay_s=0.02)
    s = run_rush(
        gateway, maxInFlight=4, rush={"visitors": 60, "arrivalSpreadS": 0, "leaveShare": 0.1, "abandonShare": 0}
    )
    assert s["rush"]["joined"] == 60
    assert 2 <= gateway.max_all_in_flight <= 4  # the cap held, and it was reached for real


def test_a_rush_ends_at_its_deadline_and_gives_up_the_visitors_still_waiting(gateway):
    gateway.set(polls_to_admit=10**6, poll_after_ms=[50])  # nobody is ever admitted
    s = run_rush(gateway, rush={"visitors": 30, "arrivalSpreadS": 0, "deadlineS": 0.5})
    r = s["rush"]
    assert (r["givenUp"] + r["left"] + r["lost"], r["admitted"], r["waiting"], r["active"]) == (30, 0, 0, 0)
    assert r["givenUp"] > 0 and s["running"] is False and gateway.order_count() == 0


def test_the_room_is_opened_at_the_rate_asked_for_with_the_admin_token(gateway):
    gateway.set(polls_to_admit=0)
    run_rush(
        gateway,
        settings={"workload_admin_token": "adm1n"},
        rush={"visitors": 2, "arrivalSpreadS": 0, "roomRate": 25, "saleId": "main"},
    )
    assert gateway.room_puts == [
        {"saleId": "main", "body": {"state": "open", "mode": "fixed", "rate": 25.0}, "authorization": "Bearer adm1n"}
    ]


def test_told_not_to_the_rush_leaves_the_room_alone(gateway):
    gateway.set(polls_to_admit=0)
    s = run_rush(gateway, rush={"visitors": 3, "arrivalSpreadS": 0, "openRoom": False})
    assert gateway.room_puts == [] and s["rush"]["joined"] == 3


def test_a_room_the_gateway_will_not_open_fails_the_start_with_502_and_nothing_is_sent(gateway):
    gateway.set(room_status=401)

    async def body(api, controller):
        r = await api.post("/start", json={"scenario": "rush", "rush": {"visitors": 5}})
        assert r.status_code == 502 and r.json()["field"] == "targetApi"
        assert "/sales/main/room answered 401" in r.json()["error"]
        assert (await api.get("/stats")).json()["rush"] is None

    with_api(gateway, body)
    assert gateway.visitors == {} and gateway.order_count() == 0


def test_a_rush_goes_only_to_an_allowed_target(gateway, other_gateway):
    async def body(api, controller):
        r = await api.post("/start", json={"scenario": "rush", "targetApi": other_gateway.url})
        assert r.status_code == 403 and r.json()["field"] == "targetApi"

    with_api(gateway, body)
    assert other_gateway.record()["requests"] == 0  # not even GET /sales or the room's PUT


def test_the_api_lists_the_rush_runs_it_with_overrides_and_shows_its_stats(gateway):
    gateway.set(polls_to_admit=1, poll_after_ms=[20])

    async def body(api, controller):
        listed = {s["name"]: s for s in (await api.get("/scenarios")).json()["scenarios"]}
        assert listed["rush"]["kind"] == "rush" and listed["autoscaling-demo"]["kind"] == "rate"
        assert listed["rush"]["rush"]["visitors"] == 5000 and listed["rush"]["rush"]["abandonShare"] == 0.1
        assert listed["rush"]["peakRps"] == 1000  # 5,000 arrivals over 5 s

        r = await api.post("/start", json={"scenario": "rush", "rush": {"visitors": 10, "arrivalSpreadS": 0}})
        assert r.status_code == 200
        config = r.json()["config"]
        assert config["rush"]["visitors"] == 10 and config["rush"]["leaveShare"] == 0.02  # the rest as the scenario
        refused = await api.put("/config", json={"rush": {"visitors": 11}})
        assert refused.status_code == 400 and refused.json()["field"] == "rush"
        await asyncio.wait_for(controller.wait(), WAIT_S)
        stats = (await api.get("/stats")).json()
        assert stats["rush"]["arrived"] == 10 and stats["rush"]["active"] == 0
        assert (await api.get("/config")).json()["rush"] is None  # for that run only

        # A rate scenario after it is a rate run again.
        r = await api.post("/start", json={"scenario": "autoscaling-demo", "followShare": 0})
        assert r.json()["config"]["rush"] is None and r.json()["rush"] is None
        await controller.stop()

    with_api(gateway, body)


def test_bad_rush_settings_are_refused_naming_the_field():
    with pytest.raises(ConfigError) as e:
        validate({"rush": {"leaveShare": 0.6, "abandonShare": 0.5}})
    assert e.value.field == "rush.abandonShare"
    with pytest.raises(ConfigError) as e:
        validate({"rush": {"visitors": 0}})
    assert e.value.field == "rush.visitors"
    with pytest.raises(ConfigError) as e:
        validate({"rush": {"saleId": "../x"}})
    assert e.value.field == "rush.saleId"


def test_the_cli_runs_a_rush_with_its_flags_and_summarises_it():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    config = cli.build_config(
        WorkloadSettings(), parser.parse_args(["--scenario", "rush", "--visitors", "100", "--no-open-room"])
    )
    assert config.rush is not None and config.rush.visitors == 100 and config.rush.openRoom is False
    assert config.rush.abandonShare == scenarios.RUSH.rush.abandonShare  # type: ignore[union-attr]
    alone = cli.build_config(WorkloadSettings(), parser.parse_args(["--visitors", "7", "--sale", "aurora-2027"]))
    assert alone.rush is not None and alone.rush.visitors == 7 and alone.rush.saleId == "aurora-2027"


def test_the_cli_summary_and_progress_line_show_the_rush(gateway):
    gateway.set(polls_to_admit=1, poll_after_ms=[10], statuses=[201, 429])
    s = run_rush(gateway, rush={"visitors": 4, "arrivalSpreadS": 0, "leaveShare": 0, "abandonShare": 0})
    text = cli.summary(s)
    assert "4 visitors, sale main" in text and "token refusals" in text and "429: 2" in text
    assert "wait (join->admit)" in text
    assert "admitted 4" in cli.progress_line(s)
