"""The control API, in process, driving load at a real local HTTP target."""

from __future__ import annotations

import asyncio
import re
import socket
import time

import httpx

from workload_generator.app import build_controller, create_app
from workload_generator.settings import WorkloadSettings

TOKEN = "s3cret-token"


def with_api(gateway, body, **settings):
    """Run `body(api, controller)` against the app, with an httpx client on it; the run is shut down after."""
    # A wide slack: on a busy test machine a late slot is still sent rather than dropped.
    settings = WorkloadSettings(**{"target_api": gateway.url, "target_rps": 5, "workload_schedule_slack_ms": 500,
                                   **settings})

    async def main():
        controller = build_controller(settings)
        app = create_app(settings, controller)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://generator") as api:
            try:
                return await body(api, controller)
            finally:
                await controller.shutdown()
                await controller.client.aclose()

    return asyncio.run(main())


def arrivals_between(gateway, start: float, end: float) -> int:
    return sum(start <= t < end for t in gateway.arrival_times())


def test_start_runs_until_stop_and_a_second_start_is_409(gateway):
    async def body(api, controller):
        r = await api.post("/start", json={"rps": 40})
        assert r.status_code == 200 and r.json()["running"] is True
        assert (await api.get("/config")).json()["rps"] == 40  # the start body applies to this run

        again = await api.post("/start")
        assert again.status_code == 409 and "already" in again.json()["error"]

        await asyncio.sleep(0.6)
        stats = (await api.get("/stats")).json()
        assert stats["running"] is True and stats["requests"]["sent"] > 0

        stopped = await api.post("/stop")
        assert stopped.status_code == 200 and stopped.json()["running"] is False
        stop = time.monotonic()
        await asyncio.sleep(1.0)
        # Nothing sent after stop (0.5 s allowed for requests already on their way to be recorded).
        assert arrivals_between(gateway, stop + 0.5, float("inf")) == 0
        assert (await api.get("/config")).json()["rps"] == 5  # back to the stored config
        assert (await api.post("/stop")).status_code == 200  # stopping twice is harmless

    with_api(gateway, body)


def test_a_run_with_a_duration_ends_by_itself(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 20, "durationS": 1, "followShare": 0})
        await asyncio.wait_for(controller.wait(), 10)
        stats = (await api.get("/stats")).json()
        assert stats["running"] is False
        assert stats["requests"]["sent"] + stats["requests"]["dropped"] == 20
        assert 1.0 <= stats["elapsedS"] < 5  # frozen when the load ended, not still counting

    with_api(gateway, body)


def test_a_rate_change_while_running_takes_effect_within_a_second(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 10})
        await asyncio.sleep(1.0)
        changed = time.monotonic()
        r = await api.put("/config", json={"rps": 100})
        assert r.status_code == 200 and r.json()["rps"] == 100
        assert (await api.get("/stats")).json()["targetRps"] == 100
        await asyncio.sleep(1.8)
        await api.post("/stop")
        await asyncio.sleep(0.3)
        before = arrivals_between(gateway, 0, changed)
        after = arrivals_between(gateway, changed + 0.3, float("inf"))
        assert before <= 13  # 10 rps for 1 s
        assert after >= 75  # ~150 expected at 100 rps for the last 1.5 s; generous for a busy machine

    with_api(gateway, body)


def test_bad_config_is_422_naming_the_field_and_the_running_config_is_unchanged(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 20})
        before = (await api.get("/config")).json()
        for patch, field in (
            ({"rps": -5}, "rps"),
            ({"rps": "fast"}, "rps"),
            ({"profile": {"kind": "ramp", "fromRps": 1, "toRps": 5, "overS": 0}}, "profile.overS"),
            ({"mix": {"paymentMethods": [{"method": "cash", "weight": 1}]}}, "mix.paymentMethods[0].method"),
            ({"maxInFlight": 0, "rps": 50}, "maxInFlight"),
            ({"turbo": True}, "turbo"),
        ):
            r = await api.put("/config", json=patch)
            assert r.status_code == 422, patch
            assert r.json()["error"].startswith(f"{field}: "), r.json()
        bad_json = await api.put("/config", content=b"{rps: 5", headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400 and bad_json.json()["error"].startswith("body: ")

        assert (await api.get("/config")).json() == before
        stats = (await api.get("/stats")).json()
        assert stats["targetRps"] == 20 and stats["config"] == before
        t = time.monotonic()
        await asyncio.sleep(1.0)
        assert arrivals_between(gateway, t, t + 1.0) <= 25  # still ~20 rps, not 50

    with_api(gateway, body)


def test_a_bad_start_body_is_422_and_nothing_starts(gateway):
    async def body(api, controller):
        r = await api.post("/start", json={"durationS": -1})
        assert r.status_code == 422 and r.json()["error"].startswith("durationS: ")
        assert (await api.get("/stats")).json()["running"] is False
        await asyncio.sleep(0.2)
        assert gateway.order_count() == 0

    with_api(gateway, body)


def test_control_needs_the_token_when_set_and_reads_stay_open(gateway):
    async def body(api, controller):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            for method, path in (("POST", "/start"), ("POST", "/stop"), ("PUT", "/config")):
                r = await api.request(method, path, json={"rps": 99}, headers=headers)
                assert r.status_code == 401, (method, path, headers)
                assert "token" in r.json()["error"]
        assert (await api.get("/config")).json()["rps"] == 5  # the refused PUT changed nothing
        assert (await api.get("/stats")).json()["running"] is False
        for path in ("/stats", "/config", "/healthz", "/readyz", "/metrics"):
            assert (await api.get(path)).status_code == 200, path

        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert (await api.put("/config", json={"rps": 30}, headers=auth)).status_code == 200
        assert (await api.post("/start", headers=auth)).status_code == 200
        assert (await api.post("/stop", headers=auth)).status_code == 200

    with_api(gateway, body, workload_token=TOKEN)


def test_stats_shape_and_outcomes_http_status_apart_from_decisions(gateway):
    # Orders for vip are created (201) and then rejected, like a sold-out ticket.
    gateway.set(statuses=[201, 201, 503, 400], rejects=["vip"])

    async def body(api, controller):
        await api.post("/start", json={
            "rps": 40, "durationS": 1.5, "followShare": 1.0,
            "mix": {"tickets": [{"ticketId": "adult", "weight": 1}, {"ticketId": "vip", "weight": 1}]},
        })
        await asyncio.wait_for(controller.wait(), 20)  # load over and every followed order decided
        return (await api.get("/stats")).json()

    s = with_api(gateway, body)
    assert set(s) >= {"running", "startedAt", "elapsedS", "config", "targetRps", "achievedRps", "requests",
                      "latencyMs", "decisions", "series"}
    assert s["running"] is False and isinstance(s["startedAt"], str)
    assert set(s["achievedRps"]) >= {"last10s", "overall"}
    assert set(s["latencyMs"]) >= {"p50", "p90", "p99", "p999", "max", "mean"}
    assert all(isinstance(v, (int, float)) for v in s["latencyMs"].values())
    assert set(s["decisions"]) >= {"followed", "confirmed", "rejected", "failed", "pending", "timeToDecisionMs"}
    assert set(s["decisions"]["timeToDecisionMs"]) >= {"p50", "p90", "p99", "max"}
    assert set(s["config"]) >= {"targetApi", "rps", "durationS", "profile", "mix", "timeoutS", "maxInFlight", "followShare"}

    r = s["requests"]
    assert set(r) >= {"sent", "succeeded", "failed", "dropped", "inFlight", "byStatus", "byError"}
    assert set(r["byError"]) >= {"timeout", "connection", "other"}
    assert r["sent"] + r["dropped"] == 60 and r["inFlight"] == 0
    record = gateway.record()
    n = len(record["orders"])  # the target answered them 201, 201, 503, 400, 201, ... in arrival order
    expected = {"201": sum(i % 4 < 2 for i in range(n)), "503": sum(i % 4 == 2 for i in range(n)),
                "400": sum(i % 4 == 3 for i in range(n))}
    assert r["sent"] == n >= 50
    assert r["byStatus"] == expected
    assert r["succeeded"] == expected["201"] and r["failed"] == expected["503"] + expected["400"]

    series = s["series"]
    assert series and set(series[0]) >= {"t", "targetRps", "rps", "p50Ms", "p99Ms", "errors", "dropped", "backpressure"}
    assert sum(p["backpressure"] for p in series) == expected["503"]  # every 503, and only those
    assert sum(p["errors"] for p in series) == r["failed"]
    assert sum(p["rps"] for p in series) == r["sent"]

    d = s["decisions"]
    created = len(record["orderItems"])
    vip_orders = sum(any(i["ticketId"] == "vip" for i in items) for items in record["orderItems"].values())
    assert d["followed"] == created == r["succeeded"]
    assert d["rejected"] == vip_orders and 0 < vip_orders < created
    assert d["confirmed"] == created - vip_orders
    assert d["pending"] == 0 and d["failed"] == 0
    assert d["timeToDecisionMs"]["p50"] > 0


def test_tickets_come_from_the_target_without_the_sold_out_ones(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 50, "durationS": 1, "followShare": 0,
                                       "mix": {"multiItemShare": 0.5}})
        await asyncio.wait_for(controller.wait(), 10)

    with_api(gateway, body)
    ordered = {i["ticketId"] for o in gateway.orders for i in o["body"]["items"]}
    assert ordered == {"adult", "student", "vip"}  # "gone" has nothing available


def test_start_with_an_unreachable_target_is_502_and_nothing_runs(gateway):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    async def body(api, controller):
        r = await api.post("/start")
        assert r.status_code == 502 and r.json()["error"].startswith("targetApi: ")
        assert (await api.get("/stats")).json()["running"] is False

    with_api(gateway, body, target_api=f"http://127.0.0.1:{closed_port}")


def test_metrics_expose_outcomes_latency_rate_in_flight_and_dropped(gateway):
    async def body(api, controller):
        await api.post("/start", json={"rps": 50, "maxInFlight": 1})
        gateway.set(delay_s=0.05)  # with one request in flight at most, most slots are dropped
        await asyncio.sleep(1.0)
        live = (await api.get("/metrics")).text
        await api.post("/stop")
        return live

    text = with_api(gateway, body)
    assert re.search(r'^workload_requests_total\{outcome="success"\} [1-9]', text, re.M)
    assert re.search(r'^workload_responses_total\{status="201"\} [1-9]', text, re.M)
    assert re.search(r'^workload_dropped_requests_total\{reason="in_flight_cap"\} [1-9]', text, re.M)
    assert re.search(r"^workload_request_latency_seconds_bucket\{le=", text, re.M)
    assert re.search(r"^workload_achieved_rps [1-9]", text, re.M)
    assert re.search(r"^workload_target_rps 50\.0", text, re.M)
    assert re.search(r"^workload_in_flight [01]\.0", text, re.M)
    assert re.search(r"^workload_running 1\.0", text, re.M)


def test_health_and_readiness(gateway):
    async def body(api, controller):
        return (await api.get("/healthz")).json(), (await api.get("/readyz")).json()

    assert with_api(gateway, body) == ({"status": "ok"}, {"status": "ready"})


def test_autostart_starts_the_load_with_the_service_and_shutdown_stops_it(gateway):
    settings = WorkloadSettings(target_api=gateway.url, target_rps=20, workload_autostart=True)

    async def main():
        controller = build_controller(settings)
        app = create_app(settings, controller)
        async with app.router.lifespan_context(app):
            assert controller.running
            await asyncio.sleep(0.5)
        assert not controller.running

    asyncio.run(main())
    stop = time.monotonic()
    time.sleep(1.0)
    assert gateway.order_count() > 0
    # Nothing sent after shutdown (0.5 s allowed for requests already on their way to be recorded).
    assert arrivals_between(gateway, stop + 0.5, float("inf")) == 0
