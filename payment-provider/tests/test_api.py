"""The HTTP API on fakeredis: charges by test card, replays, refunds, the ledger, and every bad input
answered with a JSON error naming the problem (400 {error, field}, 404, 409, 415, 401/403), writing nothing."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import redis.asyncio as aioredis

from payment_provider import keys
from payment_provider.app import create_app

from .conftest import APPROVE, DECLINE, ERROR, TIMEOUT, charge_body, provider_settings, run_on_fake

SAFE_KEY = "0b7e3a4c-1f2d-4e5a-9b8c-7d6e5f4a3b2c"


def test_an_approved_charge_is_recorded_and_answered_by_the_contract():
    async def body(http, r):
        response = await http.post("/charges", json=charge_body(SAFE_KEY, "12.5", APPROVE))
        stored = await r.hgetall(keys.charge_key(SAFE_KEY))
        return response, stored, await http.get(f"/charges/{SAFE_KEY}")

    response, stored, fetched = run_on_fake(body)
    assert response.status_code == 200
    charge = response.json()
    assert charge["status"] == "approved"
    assert (charge["idempotencyKey"], charge["amount"], charge["currency"]) == (SAFE_KEY, "12.50", "EUR")
    assert charge["chargeId"].startswith("ch_") and charge["createdAt"].endswith("Z")
    assert charge["cardLast4"] == "4242"
    assert "refundedAt" not in charge
    assert fetched.status_code == 200 and fetched.json() == charge
    # The card number itself is never stored.
    assert "4242424242424242" not in str(stored)


def test_the_decline_card_is_recorded_declined():
    response = run_on_fake(lambda http, r: http.post("/charges", json=charge_body(card=DECLINE)))
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_the_error_card_answers_503_every_time_and_records_nothing():
    async def body(http, r):
        answers = [await http.post("/charges", json=charge_body(card=ERROR)) for _ in range(5)]
        return answers, await http.get("/charges/order-1"), await r.exists(keys.charge_key("order-1"), keys.LEDGER)

    answers, fetched, recorded = run_on_fake(body)
    assert [a.status_code for a in answers] == [503] * 5
    assert "nothing was charged" in answers[0].json()["error"]
    assert fetched.status_code == 404 and "order-1" in fetched.json()["error"]
    assert recorded == 0


def test_the_timeout_card_records_an_approval_and_answers_late():
    async def body(http, r):
        started = time.monotonic()
        answer = await http.post("/charges", json=charge_body(card=TIMEOUT))
        return answer, time.monotonic() - started, await http.get("/charges/order-1")

    answer, took, fetched = run_on_fake(body, payment_timeout_delay_seconds=0.3)
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    assert took >= 0.3  # held at least the delay (a lower bound, never a speed assertion)
    assert fetched.json() == answer.json()


def test_a_timeout_is_recorded_before_its_late_answer(on_fake):
    """The caller gives up: GET /charges/{key} must already tell the truth while the answer waits."""

    async def body(http, r):
        late = asyncio.create_task(http.post("/charges", json=charge_body(card=TIMEOUT)))
        for _ in range(200):
            fetched = await http.get("/charges/order-1")
            if fetched.status_code == 200:
                break
            await asyncio.sleep(0.01)
        done_before = late.done()
        late.cancel()
        return fetched, done_before

    fetched, done_before = on_fake(body, payment_timeout_delay_seconds=30)
    assert fetched.status_code == 200 and fetched.json()["status"] == "approved"
    assert not done_before


def test_a_repeated_key_gets_the_first_answer_unchanged_even_with_another_card():
    async def body(http, r):
        first = await http.post("/charges", json=charge_body(card=DECLINE))
        again = [await http.post("/charges", json=charge_body(card=card)) for card in (APPROVE, ERROR, None)]
        return first, again, await r.zcard(keys.LEDGER)

    first, again, ledger_size = run_on_fake(body)
    assert all(a.status_code == 200 and a.json() == first.json() for a in again)
    assert ledger_size == 1


def test_a_repeated_key_with_another_amount_is_409_and_changes_nothing():
    async def body(http, r):
        first = await http.post("/charges", json=charge_body(amount="10.00"))
        before = await r.hgetall(keys.charge_key("order-1"))
        other = await http.post("/charges", json=charge_body(amount="10.01"))
        return first, other, before, await r.hgetall(keys.charge_key("order-1")), await r.hgetall(keys.TOTALS)

    first, other, before, after, totals = run_on_fake(body)
    assert first.status_code == 200
    assert other.status_code == 409
    assert other.json()["field"] == "idempotencyKey" and "10.00 EUR" in other.json()["error"]
    assert before == after
    assert totals == {"approved": "1", "approvedCents": "1000"}


def test_the_same_amount_written_differently_is_the_same_charge():
    async def body(http, r):
        return await http.post("/charges", json=charge_body(amount="7.5")), await http.post(
            "/charges", json=charge_body(amount="7.50")
        )

    first, again = run_on_fake(body)
    assert again.status_code == 200 and again.json() == first.json()


def test_a_refund_is_recorded_once_and_moves_the_totals():
    async def body(http, r):
        await http.post("/charges", json=charge_body("a", "10.00", APPROVE))
        await http.post("/charges", json=charge_body("b", "2.25", APPROVE))
        await http.post("/charges", json=charge_body("c", "99.00", DECLINE))
        refunds = [await http.post("/charges/a/refund") for _ in range(3)]
        return refunds, await http.get("/ledger")

    refunds, ledger = run_on_fake(body)
    assert all(r.status_code == 200 for r in refunds)
    assert refunds[0].json()["status"] == "refunded" and refunds[0].json()["refundedAt"].endswith("Z")
    assert refunds[1].json() == refunds[2].json() == refunds[0].json()
    body = ledger.json()
    assert body["totals"] == {
        "approved": 1,
        "declined": 1,
        "refunded": 1,
        "approvedAmount": "2.25",
        "refundedAmount": "10.00",
    }
    assert [c["idempotencyKey"] for c in body["charges"]] == ["c", "b", "a"]  # newest first
    assert body["charges"][2]["status"] == "refunded"


def test_refunding_a_declined_charge_is_409_and_an_unknown_one_404():
    async def body(http, r):
        await http.post("/charges", json=charge_body("d", card=DECLINE))
        declined = await http.post("/charges/d/refund")
        return declined, await http.post("/charges/nope/refund"), await r.hgetall(keys.charge_key("d"))

    declined, missing, stored = run_on_fake(body)
    assert declined.status_code == 409 and "declined" in declined.json()["error"]
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert stored["status"] == "declined" and "refundedAt" not in stored


def test_the_ledger_limit_lists_the_newest():
    async def body(http, r):
        for i in range(5):
            await http.post("/charges", json=charge_body(f"k{i}", "1.00", APPROVE))
        return await http.get("/ledger?limit=2")

    ledger = run_on_fake(body).json()
    assert [c["idempotencyKey"] for c in ledger["charges"]] == ["k4", "k3"]
    assert ledger["totals"]["approved"] == 5 and ledger["totals"]["approvedAmount"] == "5.00"


def test_an_empty_ledger():
    ledger = run_on_fake(lambda http, r: http.get("/ledger")).json()
    assert ledger == {
        "charges": [],
        "totals": {"approved": 0, "declined": 0, "refunded": 0, "approvedAmount": "0.00", "refundedAmount": "0.00"},
    }


BAD_BODIES = [
    ({"amount": "1.00", "currency": "EUR"}, "idempotencyKey", "is required"),
    (charge_body(amount=12.5), "amount", "valid string"),
    (charge_body(amount="12.505"), "amount", "at most two decimals"),
    (charge_body(amount="-1"), "amount", "at most two decimals"),
    (charge_body(amount="0.00"), "amount", "more than 0"),
    (charge_body(amount="1e3"), "amount", "at most two decimals"),
    (charge_body(amount="12.50\n"), "amount", "at most two decimals"),
    (charge_body(amount="\u0661\u0662"), "amount", "at most two decimals"),  # Arabic-Indic digits
    (charge_body(amount="100000.01"), "amount", "at most 100000.00"),
    (charge_body(currency="USD"), "currency", "must be EUR"),
    (charge_body(card="4242"), "cardNumber", "13 to 19 digits"),
    (charge_body(card="4242 4242 4242 424x"), "cardNumber", "13 to 19 digits"),
    (charge_body(card=4242424242424242), "cardNumber", "valid string"),
    (charge_body(key="has space"), "idempotencyKey", "A-Z a-z 0-9"),
    (charge_body(key=""), "idempotencyKey", "A-Z a-z 0-9"),
    (charge_body(key="k" * 201), "idempotencyKey", "A-Z a-z 0-9"),
    (charge_body(tip="1.00"), "tip", "unknown field"),
    ([charge_body()], "body", "JSON object"),
    ("just a string", "body", "JSON object"),
]


@pytest.mark.parametrize(("payload", "field", "message"), BAD_BODIES)
def test_a_bad_charge_is_400_naming_the_field_and_records_nothing(payload, field, message):
    async def body(http, r):
        return await http.post("/charges", json=payload), await r.keys("*")

    response, stored = run_on_fake(body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["error"].startswith(f"{field}: ") and message in response.json()["error"]
    assert stored == []


def test_malformed_json_is_400_and_another_content_type_415():
    async def body(http, r):
        broken = await http.post(
            "/charges", content=b'{"idempotencyKey": ', headers={"content-type": "application/json"}
        )
        form = await http.post("/charges", content=b"idempotencyKey=x", headers={"content-type": "text/plain"})
        empty = await http.post("/charges")
        return broken, form, empty

    broken, form, empty = run_on_fake(body)
    assert broken.status_code == 400 and broken.json() == {"error": "body: is not valid JSON", "field": "body"}
    assert form.status_code == 415 and form.json()["field"] == "body"
    assert empty.status_code == 400 and empty.json()["field"] == "body"


@pytest.mark.parametrize("path", ["/charges/has%20space", "/charges/bad%2Fslash/refund"])
def test_a_bad_key_in_the_path_is_a_json_error(path):
    async def body(http, r):
        return await (http.get(path) if not path.endswith("refund") else http.post(path))

    response = run_on_fake(body)
    assert response.status_code in (400, 404)
    assert "error" in response.json()


@pytest.mark.parametrize(("query", "message"), [("limit=0", "greater than or equal to 1"), ("limit=x", "integer")])
def test_a_bad_ledger_limit_is_400(query, message):
    response = run_on_fake(lambda http, r: http.get(f"/ledger?{query}"))
    assert response.status_code == 400 and response.json()["field"] == "limit" and message in response.json()["error"]


def test_unknown_routes_and_methods_are_json_errors():
    async def body(http, r):
        return await http.get("/nope"), await http.delete("/charges/order-1")

    missing, method = run_on_fake(body)
    assert missing.status_code == 404 and missing.json() == {"error": "not found"}
    assert method.status_code == 405 and "error" in method.json()


TOKEN = "a-provider-token-of-some-length"


def test_without_a_token_only_loopback_may_charge_or_refund_and_reads_stay_open():
    async def body(http, r):
        charge = await http.post("/charges", json=charge_body())
        refund = await http.post("/charges/order-1/refund")
        bad = await http.post("/charges", json={"amount": "x"})  # refused before its body is judged
        return charge, refund, bad, await http.get("/ledger"), await r.keys("*")

    charge, refund, bad, ledger, stored = run_on_fake(body, peer="10.1.2.3")
    assert charge.status_code == refund.status_code == bad.status_code == 403
    assert "PAYMENT_TOKEN" in charge.json()["error"]
    assert ledger.status_code == 200
    assert stored == []


def test_with_a_token_a_caller_needs_it_from_anywhere():
    async def body(http, r):
        anonymous = await http.post("/charges", json=charge_body())
        wrong = await http.post("/charges", json=charge_body(), headers={"Authorization": "Bearer nope"})
        right = await http.post("/charges", json=charge_body(), headers={"Authorization": f"Bearer {TOKEN}"})
        return anonymous, wrong, right

    anonymous, wrong, right = run_on_fake(body, peer="127.0.0.1", payment_token=TOKEN)
    assert anonymous.status_code == wrong.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200


def test_health_readiness_metrics_and_docs():
    async def body(http, r):
        await http.post("/charges", json=charge_body("m1", card=APPROVE))
        await http.post("/charges", json=charge_body("m1", card=APPROVE))
        await http.post("/charges", json=charge_body("m2", card=ERROR))
        return [await http.get(p) for p in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json")]

    healthz, readyz, metrics_page, docs, openapi = run_on_fake(body)
    assert healthz.json() == {"status": "ok"} and readyz.json() == {"status": "ready"}
    text = metrics_page.text
    for family in (
        "payment_provider_charges_total",
        "payment_provider_charge_seconds",
        "payment_provider_refunds_total",
    ):
        assert f"# TYPE {family}" in text
    assert 'payment_provider_charges_total{outcome="replayed"}' in text
    assert "_created" not in text
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = openapi.json()["paths"]
    assert {"/charges", "/charges/{idempotencyKey}", "/charges/{idempotencyKey}/refund", "/ledger"} <= set(paths)
    assert "422" not in str({code for p in paths.values() for op in p.values() for code in op["responses"]})


def test_an_unreachable_redis_is_503_json_and_not_ready():
    async def main():
        client = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5)
        app = create_app(provider_settings(), client)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://provider") as http:
            return (
                await http.post("/charges", json=charge_body()),
                await http.get("/charges/order-1"),
                await http.get("/readyz"),
                await http.get("/healthz"),
            )

    charge, fetched, readyz, healthz = asyncio.run(main())
    assert charge.status_code == fetched.status_code == 503
    assert "store is unavailable" in charge.json()["error"]
    assert readyz.status_code == 503 and readyz.json()["status"] == "unavailable"
    assert healthz.status_code == 200  # alive: a Redis outage is no reason to restart it
