"""Generated orders: valid for the gateway, and shaped by the configured mix."""

from __future__ import annotations

import random
from collections import Counter

from api_gateway import catalogue as catalogue_mod
from api_gateway import models, orders, settings
from ticketing_common.payment import PaymentMethod
from workload_generator.config import Mix, TicketWeight
from workload_generator.orders import OrderFactory

CATALOGUE_IDS = ["ga-adult", "ga-early-bird", "ga-student", "ga-child", "ga-senior", "vip-lounge", "vip-backstage"]


def factory(seed: int = 7, tickets=None, **mix) -> OrderFactory:
    tickets = tickets or [TicketWeight(ticketId=t) for t in CATALOGUE_IDS]
    return OrderFactory(Mix(**mix), tickets, random.Random(seed))


def test_every_generated_order_passes_the_gateways_own_validation():
    # Imported plainly above: a missing gateway package fails this test instead of skipping it.
    catalogue = catalogue_mod.load_catalogue(settings.DEFAULT_CATALOGUE)
    f = factory(multiItemShare=0.5, maxItems=5, quantities=[{"qty": q, "weight": 1} for q in range(1, 11)])
    for _ in range(2000):
        request = models.CreateOrderRequest.model_validate(f.build())
        orders.price_order(request, catalogue, max_tickets=10)  # raises ApiError(400) on a bad order


def test_orders_never_exceed_the_ticket_cap_nor_repeat_a_ticket():
    f = factory(maxTicketsPerOrder=3, multiItemShare=1.0, maxItems=3, quantities=[{"qty": 3, "weight": 1}])
    for _ in range(500):
        items = f.build()["items"]
        assert sum(i["qty"] for i in items) <= 3
        assert all(i["qty"] >= 1 for i in items)
        assert len({i["ticketId"] for i in items}) == len(items)


def test_multi_item_share_and_weights_shape_the_orders():
    f = factory(
        tickets=[TicketWeight(ticketId="a", weight=3), TicketWeight(ticketId="b", weight=1)],
        multiItemShare=0.3,
        maxItems=2,
        paymentMethods=[{"method": "paypal", "weight": 1}],
        quantities=[{"qty": 1, "weight": 1}, {"qty": 4, "weight": 1}],
    )
    built = [f.build() for _ in range(4000)]
    multi = sum(len(o["items"]) > 1 for o in built) / len(built)
    assert 0.25 < multi < 0.35
    singles = Counter(o["items"][0]["ticketId"] for o in built if len(o["items"]) == 1)
    assert 2.5 < singles["a"] / singles["b"] < 3.5
    assert {o["paymentMethod"] for o in built} == {"paypal"}
    assert {i["qty"] for o in built for i in o["items"]} == {1, 4}


def test_the_default_mix_offers_every_payment_method_of_the_contract():
    f = factory()
    methods = {f.build()["paymentMethod"] for _ in range(3000)}
    assert methods == {m.value for m in PaymentMethod}
    assert all(type(m) is str for m in methods)  # plain strings in the JSON body


def test_each_order_has_its_own_customer_email():
    f = factory()
    emails = {f.build()["customer"]["email"] for _ in range(100)}
    assert len(emails) == 100
