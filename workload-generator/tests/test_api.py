"""The control API, in process, driving load at a real local HTTP target."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import httpx

from workload_generator.app import build_controller, create_app
from workload_generator.settings import WorkloadSettings

TOKEN = "s3cret-token"


def with_api(gateway, body, clock=None, peer="127.0.0.1", **settings):
    """Run `body(api, controller)` against the app, with an httpx client on it from `peer`; the run is shut down after."""
    # A wide slack: on a busy test machine a late slot is still sent rather than dropped.
    settings = WorkloadSettings(
        **{"target_api": gateway.url, "target_rps": 5, "workload_schedule_slack_ms": 500, **settings}
    )

    async def main():
        controller = build_controller(settings, **({"clock": clock} if clock else {}))
        app = create_app(settings, controller)
        transport = httpx.ASGITransport(app=app, client=(peer, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://generator") as api:
            try:
                return await body(api, controller)
            finally:
                await controller.shutdown()
                await controller.client.aclose()

    return asyncio.run(main())


def test_start_runs_until_stop_and_a_second_start_is_409(gateway):
    async def body(api, controller):
        r = await api.post("/start", json={"rps": 40, "followShare": 0})
        assert r.status_code == 200 and r.json()["running"] is True
        assert (await api.get("/config")).json()["rps"] == 40  # the start body applies to this run

        again = await api.post("/start")
        assert again.status_code == 409 and "already" in again.json()["error"]

        await asyncio.sleep(0.6)
        stats = (await api.get("/stats")).json()
        assert stats["running"] is True and stats["requests"]["sent"] > 0

        stopped = await api.post("/stop")
        assert stopped.status_code == 200 and stopped.json()["running"] is False
        await asyncio.wait_for(controller.wait(), 10)  # the requests in flight have ended
        sent = (await api.get("/stats")).json()["requests"]["sent"]
        await asyncio.sleep(0.3)
        # Nothing sent after stop: the target got exactly what was sent before it, and no more.
        assert gateway.order_count() == sent == (await api.get("/stats")).json()["requests"]["sent"]
        assert (await api.get("/config")).json()["rps"] == 5  # back to the stored config
        assert (await api.post("/stop")).status_code == 200  # stopping twice is harmless

    with_api(gateway, body)


def test_a_run_with_a_duration_ends_by_itself(gateway, fake_clock):
    clock = fake_clock()

    async def body(api, controller):
        await api.post("/start", json={"rps": 20, "durationS": 1, "followShare": 0})
        await asyncio.wait_for(controller.wait(), 10)
        stats = (await api.get("/stats")).json()
        assert stats["running"] is False
        assert stats["requests"]["sent"] + stats["requests"]["dropped"] == 20
        clock.t += 60
        # Frozen when the load ended (virtual time), not still counting.
        assert 1.0 <= (await api.get("/stats")).json()["elapsedS"] == stats["elapsedS"] <= 1.1

    with_api(gateway, body, clock=clock.clock())


def test_a_rate_change_while_running_takes_effect_within_a_second(gateway, fake_clock):
    # Virtual time: the fake wall clock starts on a whole second, so the series' seconds are exact.
    clock = fake_clock()

    async def body(api, controller):
        await api.post("/start", json={"rps": 10, "durationS": 3, "followShare": 0})
        while clock.t < 1001.0:  # one virtual second at 10 rps
            await asyncio.sleep(0)
        r = await api.put("/config", json={"rps": 100})
        assert r.status_code == 200 and r.json()["rps"] == 100
        assert (await api.get("/stats")).json()["targetRps"] == 100
        await asyncio.wait_for(controller.wait(), 20)
        return (await api.get("/stats")).json()

    stats = with_api(gateway, body, clock=clock.clock())
    first, second, third = (p["rps"] for p in stats["series"][:3])
    # Virtual time runs on while the PUT is handled, so the change lands early in the second second;
    # the whole third second is at the new rate.
    assert (first, third) == (10, 100) and 10 < second <= 100
    assert gateway.order_count() == stats["requests"]["sent"]


def test_bad_config_is_400_naming_the_field_and_the_running_config_is_unchanged(gateway):
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
            assert r.status_code == 400, patch
            assert r.json()["field"] == field, r.json()
            assert r.json()["error"].startswith(f"{field}: "), r.json()
        assert (await api.put("/config", json={"turbo": True})).json()["error"] == "turbo: unknown field"

        assert (await api.get("/config")).json() == before
        stats = (await api.get("/stats")).json()
        assert stats["targetRps"] == 20 and stats["config"] == before

    with_api(gateway, body)


def test_a_bad_start_body_is_400_and_nothing_starts(gateway):
    async def body(api, controller):
        r = await api.post("/start", json={"durationS": -1})
        assert r.status_code == 400 and r.json()["error"].startswith("durationS: ")
        assert r.json()["field"] == "durationS"
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
        await api.post(
            "/start",
            json={
                "rps": 40,
                "durationS": 1.5,
                "followShare": 1.0,
                "mix": {"tickets": [{"ticketId": "adult", "weight": 1}, {"ticketId": "vip", "weight": 1}]},
            },
        )
        await asyncio.wait_for(controller.wait(), 20)  # load over and every followed order decided
        return (await api.get("/stats")).json()

    s = with_api(gateway, body)
    assert set(s) >= {
        "running",
        "startedAt",
        "elapsedS",
        "config",
        "targetRps",
        "achievedRps",
        "requests",
        "latencyMs",
        "decisions",
        "series",
    }
    assert s["running"] is False and isinstance(s["startedAt"], str)
    assert set(s["achievedRps"]) >= {"last10s", "overall"}
    assert set(s["latencyMs"]) >= {"p50", "p90", "p99", "p999", "max", "mean"}
    assert all(isinstance(v, (int, float)) for v in s["latencyMs"].values())
    assert set(s["decisions"]) >= {"followed", "confirmed", "rejected", "failed", "pending", "timeToDecisionMs"}
    assert set(s["decisions"]["timeToDecisionMs"]) >= {"p50", "p90", "p99", "max"}
    assert set(s["config"]) >= {
        "targetApi",
        "rps",
        "durationS",
        "profile",
        "mix",
        "timeoutS",
        "maxInFlight",
        "followShare",
    }

    r = s["requests"]
    assert set(r) >= {"sent", "succeeded", "failed", "dropped", "inFlight", "byStatus", "byError"}
    assert set(r["byError"]) >= {"timeout", "connection", "other"}
    assert r["sent"] + r["dropped"] == 60 and r["inFlight"] == 0
    record = gateway.record()
    n = len(record["orders"])  # the target answered them 201, 201, 503, 400, 201, ... in arrival order
    expected = {
        "201": sum(i % 4 < 2 for i in range(n)),
        "503": sum(i % 4 == 2 for i in range(n)),
        "400": sum(i % 4 == 3 for i in range(n)),
    }
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
        await api.post("/start", json={"rps": 50, "durationS": 1, "followShare": 0, "mix": {"multiItemShare": 0.5}})
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
    sent = gateway.order_count()
    time.sleep(0.5)
    assert sent > 0
    assert gateway.order_count() == sent  # nothing sent after shutdown


# --- who may drive the load, and where -----------------------------------------------------------


def test_a_target_not_on_the_allow_list_is_403_and_nothing_is_sent_nor_changed(gateway, other_gateway):
    other = other_gateway  # a live server the operator did not allow: it must get no request at all

    async def body(api, controller):
        before = (await api.get("/config")).json()
        for method, path in (("POST", "/start"), ("PUT", "/config")):
            r = await api.request(method, path, json={"targetApi": other.url, "rps": 50})
            assert r.status_code == 403, (path, r.text)
            assert r.json()["field"] == "targetApi"
            assert r.json()["error"].startswith(f"targetApi: {other.url} is not an allowed target")
        assert (await api.get("/config")).json() == before
        assert (await api.get("/stats")).json()["running"] is False
        # A running load cannot be moved either.
        assert (await api.post("/start", json={"rps": 20})).status_code == 200
        r = await api.put("/config", json={"targetApi": other.url + "/"})
        assert r.status_code == 403
        assert (await api.get("/stats")).json()["config"]["targetApi"] == gateway.url
        await api.post("/stop")

    with_api(gateway, body)
    assert other.record()["requests"] == 0


def test_an_allowed_target_may_be_chosen(gateway, other_gateway):
    other = other_gateway

    async def body(api, controller):
        r = await api.post(
            "/start",
            json={
                "targetApi": other.url.replace("http://", "HTTP://") + "/",
                "rps": 20,
                "durationS": 0.5,
                "followShare": 0,
            },
        )
        assert r.status_code == 200, r.text
        await asyncio.wait_for(controller.wait(), 10)

    with_api(gateway, body, workload_allowed_targets=f"http://example.invalid:9, {other.url}")
    assert other.order_count() > 0 and gateway.order_count() == 0


def test_without_a_token_control_from_outside_loopback_is_refused(gateway):
    async def body(api, controller):
        for method, path in (("POST", "/start"), ("POST", "/stop"), ("PUT", "/config")):
            for kwargs in ({"json": {"rps": 99}}, {"content": b"{oops"}):
                r = await api.request(method, path, **kwargs, headers={"Content-Type": "application/json"})
                assert r.status_code == 403, (method, path, r.text)
                assert "WORKLOAD_TOKEN" in r.json()["error"] and "10.1.2.3" in r.json()["error"]
        assert (await api.get("/config")).json()["rps"] == 5  # nothing changed
        for path in ("/stats", "/config", "/healthz", "/metrics"):
            assert (await api.get(path)).status_code == 200, path  # reads stay open

    with_api(gateway, body, peer="10.1.2.3")
    assert gateway.order_count() == 0


def test_with_a_token_control_from_outside_loopback_needs_it(gateway):
    async def body(api, controller):
        assert (await api.put("/config", json={"rps": 30})).status_code == 401
        r = await api.put("/config", json={"rps": 30}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["rps"] == 30

    with_api(gateway, body, peer="10.1.2.3", workload_token=TOKEN)


# --- the error policy shared with the gateway ----------------------------------------------------


def test_bodies_that_are_not_a_json_object_get_the_documented_errors(gateway):
    async def body(api, controller):
        for path in ("/start", "/config"):
            method = "POST" if path == "/start" else "PUT"
            wrong_type = await api.request(method, path, content=b'{"rps": 5}', headers={"Content-Type": "text/plain"})
            assert wrong_type.status_code == 415
            assert wrong_type.json() == {"error": "body: Content-Type must be application/json", "field": "body"}
            form = await api.request(method, path, data={"rps": "5"})
            assert form.status_code == 415
            malformed = await api.request(
                method, path, content=b"{rps: 5", headers={"Content-Type": "application/json"}
            )
            assert malformed.status_code == 400
            assert malformed.json() == {"error": "body: is not valid JSON", "field": "body"}
            not_object = await api.request(method, path, json=[1, 2])
            assert not_object.status_code == 400
            assert not_object.json() == {"error": "body: must be a JSON object", "field": "body"}
        assert (await api.get("/stats")).json()["running"] is False
        missing = await api.get("/nope")
        assert missing.status_code == 404 and missing.json() == {"error": "not found"}
        wrong_method = await api.delete("/start")
        assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]

    with_api(gateway, body)
    assert gateway.order_count() == 0


def test_the_docs_are_typed_and_served_without_a_cdn_or_an_inline_script(gateway):
    async def body(api, controller):
        page = await api.get("/docs")
        assert page.status_code == 200
        assert "<script>" not in page.text and "//" not in page.text.split("<body>")[1]
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs and all(not r.startswith(("http:", "https:", "/")) for r in refs), refs
        for ref in refs:
            assert (await api.get(f"/{ref}")).status_code == 200, ref
        init = (await api.get("/docs/docs-init.js")).text
        assert '"openapi.json"' in init
        schema = (await api.get("/openapi.json")).json()
        start = schema["paths"]["/start"]["post"]
        assert "requestBody" in start and "400" in start["responses"] and "403" in start["responses"]
        # Validation errors are 400 ErrorBody: FastAPI's 422 shape is never sent, so never documented.
        assert "422" not in json.dumps(schema["paths"]) and "HTTPValidationError" not in schema["components"]["schemas"]
        assert schema["paths"]["/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        methods = schema["components"]["schemas"]["MethodWeight"]["properties"]["method"]
        assert "credit_card" in json.dumps(schema["components"]["schemas"].get("PaymentMethod", methods))

    with_api(gateway, body)


def test_stats_validate_against_their_response_model_unchanged(gateway, fake_clock):
    clock = fake_clock()

    async def body(api, controller):
        await api.post("/start", json={"rps": 20, "durationS": 0.5, "followShare": 0})
        await asyncio.wait_for(controller.wait(), 10)
        served = (await api.get("/stats")).json()
        assert served == json.loads(json.dumps(controller.snapshot()))  # the model drops or adds nothing

    with_api(gateway, body, clock=clock.clock())
