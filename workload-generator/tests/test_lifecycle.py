"""The payment mix (issue 13): cards, orders paid later, abandoned orders; every final status counted."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from workload_generator.config import ConfigError, Mix, TicketWeight, validate
from workload_generator.orders import OrderFactory

from .test_api import with_api

DECLINE = "4000 0000 0000 0002"
APPROVE = "4242 4242 4242 4242"


def draws(n: int = 4000, **mix):
    f = OrderFactory(Mix(**mix), [TicketWeight(ticketId="adult")], random.Random(3))
    return [f.draw() for _ in range(n)]


def test_without_payment_settings_orders_are_as_before_no_card_and_paid_at_once():
    for p in draws(200):
        assert "card" not in p.body and "payLater" not in p.body
        assert p.pay_after_s is None and not p.abandoned


def test_card_shares_and_pay_later_shares_shape_the_orders():
    planned = draws(
        cards=[{"number": DECLINE, "share": 0.2}, {"number": APPROVE, "share": 0.3}],
        payLaterShare=0.25,
        abandonShare=0.15,
        payAfterS=2,
    )
    n = len(planned)
    abandoned = [p for p in planned if p.abandoned]
    later = [p for p in planned if p.pay_after_s is not None]
    at_once = [p for p in planned if not p.abandoned and p.pay_after_s is None]
    assert len(abandoned) / n == pytest.approx(0.15, abs=0.03)
    assert len(later) / n == pytest.approx(0.25, abs=0.03)
    assert all(p.body["payLater"] is True for p in abandoned + later)
    assert all("payLater" not in p.body for p in at_once)
    assert all(p.pay_after_s == 2 for p in later)
    # A card goes with the order when it is paid at once, with the payment when paid later, never for an abandoned one.
    assert all("card" not in p.body for p in abandoned + later) and all(p.card is None for p in abandoned)
    cards = Counter((p.body.get("card") or {}).get("number") for p in at_once)
    assert cards[DECLINE] / len(at_once) == pytest.approx(0.2, abs=0.04)
    assert cards[APPROVE] / len(at_once) == pytest.approx(0.3, abs=0.04)
    assert cards[None] / len(at_once) == pytest.approx(0.5, abs=0.04)  # the rest: the provider's mix
    assert {p.card for p in later} == {DECLINE, APPROVE, None}


@pytest.mark.parametrize(
    ("mix", "field", "message"),
    [
        ({"cards": [{"number": APPROVE, "share": 0.7}, {"number": DECLINE, "share": 0.4}]}, "mix.cards", "more than 1"),
        ({"cards": [{"number": "4242", "share": 0.5}]}, "mix.cards[0].number", "pattern"),
        ({"cards": [{"number": "424242424242424242424", "share": 0.5}]}, "mix.cards[0].number", "13-19 digits"),
        ({"payLaterShare": 0.7, "abandonShare": 0.4}, "mix.abandonShare", "must not exceed 1"),
        ({"payAfterS": -1}, "mix.payAfterS", "greater than or equal"),
    ],
)
def test_bad_payment_settings_are_refused_naming_the_field(mix, field, message):
    with pytest.raises(ConfigError) as e:
        validate({"mix": mix})
    assert e.value.field == field and message in e.value.message


def test_a_run_pays_the_pay_later_orders_leaves_the_abandoned_ones_and_counts_every_final_status(gateway):
    # The fake gateway: ...0002 declines (payment_failed), any other card or none confirms, an unpaid
    # payLater order expires after its 5 s hold; the first payment call of each order is a 409 (still pending).
    gateway.set(card_outcomes={DECLINE.replace(" ", ""): "payment_failed"}, hold_s=5, payment_conflicts=1)

    async def body(api, controller):
        r = await api.post(
            "/start",
            json={
                "rps": 40,
                "durationS": 1.0,
                "followShare": 1.0,
                "mix": {
                    "tickets": [{"ticketId": "adult", "weight": 1}],
                    "cards": [{"number": DECLINE, "share": 0.3}],
                    "payLaterShare": 0.3,
                    "abandonShare": 0.2,
                    "payAfterS": 0.2,
                },
            },
        )
        assert r.status_code == 200
        await asyncio.wait_for(controller.wait(), 60)  # payments made, every followed order final
        return (await api.get("/stats")).json()

    s = with_api(gateway, body)
    record = gateway.record()
    created = record["orderItems"]
    pay_later = {i for i, o in zip(created, (o["body"] for o in record["orders"]), strict=True) if o.get("payLater")}
    paid = {p["orderId"] for p in record["payments"]}
    assert paid <= pay_later
    abandoned = pay_later - paid
    p = s["payments"]
    assert p["payLater"] == len(paid) > 0 and p["abandoned"] == len(abandoned) > 0
    assert p["sent"] == len(paid) and p["byStatus"] == {"202": len(paid)}  # each after one retry of its 409
    assert len(record["payments"]) == 2 * len(paid)

    d = s["decisions"]
    by_status = d["byStatus"]
    assert d["followed"] == len(created) and d["pending"] == 0 and d["unresolved"] == 0
    assert by_status["expired"] == len(abandoned)  # waited for through their hold, then seen expired
    assert by_status["payment_failed"] > 0 and by_status["confirmed"] > 0
    assert sum(by_status.values()) == len(created)
    assert d["confirmed"] == by_status["confirmed"] and d["failed"] == 0


def test_a_final_status_nobody_listed_is_still_counted_under_its_name(gateway):
    gateway.set(final_status="cancelled")

    async def body(api, controller):
        await api.post("/start", json={"rps": 20, "durationS": 0.5, "followShare": 1.0})
        await asyncio.wait_for(controller.wait(), 30)
        return (await api.get("/stats")).json()

    d = with_api(gateway, body)["decisions"]
    assert d["byStatus"] == {"cancelled": d["followed"]} and d["followed"] > 0
    assert d["confirmed"] == d["rejected"] == d["failed"] == d["pending"] == 0
