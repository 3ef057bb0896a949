"""The events API against a real Redis: browsing, every organiser write and each of its refusals,
the sale-state checks of POST /orders, restarts, a write that died half-way, and concurrent creates."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from api_gateway import catalogue as cat
from api_gateway.app import create_app
from api_gateway.catalogue import CatalogueEvent, CatalogueTicket, load_catalogue
from api_gateway.stock import StockKeeper
from ticketing_common import keys, lifecycle
from ticketing_common.status import SaleState

from .conftest import order_body

CATALOGUE = [
    {
        "id": "rock-night",
        "name": "Rock Night",
        "venue": "The Hall",
        "startsAt": "2027-05-01T20:00:00+02:00",
        "currency": "EUR",
        "tickets": [
            {"id": "rock-floor", "name": "Floor", "type": "adult", "price": 40, "stock": 100},
            {"id": "rock-vip", "name": "VIP", "type": "vip", "price": 120.5, "stock": 5},
        ],
    },
    {
        "id": "jazz-brunch",
        "name": "Jazz Brunch",
        "venue": "The Club",
        "startsAt": "2027-03-07T11:00:00+01:00",
        "currency": "EUR",
        "tickets": [{"id": "jazz-seat", "name": "Seat", "type": "adult", "price": 25, "stock": 30}],
    },
    {
        "id": "expo-2028",
        "name": "Expo 2028",
        "venue": "Fairground",
        "startsAt": "2028-06-01T09:00:00+02:00",
        "saleOpensAt": "2028-01-10T10:00:00+01:00",
        "saleState": "scheduled",
        "currency": "EUR",
        "tickets": [{"id": "expo-day", "name": "Day", "type": "adult", "price": 15, "stock": 1000}],
    },
    {
        "id": "closed-gala",
        "name": "Closed Gala",
        "startsAt": "2027-02-01T19:00:00+01:00",
        "saleState": "closed",
        "currency": "EUR",
        "tickets": [{"id": "gala-seat", "name": "Seat", "type": "adult", "price": 60, "stock": 10}],
    },
]

NEW_EVENT = {
    "id": "new-fest",
    "name": "New Fest",
    "venue": "Park",
    "startsAt": "2027-08-01T12:00:00Z",
    "currency": "EUR",
    "saleState": "open",
    "tickets": [
        {"id": "new-day", "name": "Day Pass", "type": "adult", "price": 30, "stock": 50, "description": "One day"},
        {"id": "new-kid", "name": "Kid Pass", "type": "child", "price": "9.99", "stock": 20},
    ],
}


def _shards(settings, n: int):
    # REDIS_SHARDS (the shared settings' redis_shards) as create_app reads it.
    return settings.model_copy(update={"redis_shards": n})


@pytest.fixture
def events_settings(settings, tmp_path: Path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps(CATALOGUE))
    return settings.model_copy(update={"catalogue_path": path})


@pytest.fixture
def app(events_settings, real_redis):
    return create_app(events_settings, real_redis)


@pytest.fixture
def api(app):
    return app.test_client()


def ids(response) -> list[str]:
    return [e["id"] for e in response.get_json()["events"]]


def buy(api, *items, **overrides):
    return api.post("/orders", json=order_body(items=[{"ticketId": t, "qty": q} for t, q in items], **overrides))


# Browsing


def test_events_are_listed_by_start_with_live_availability(api, real_redis):
    response = api.get("/events")
    assert response.status_code == 200
    assert ids(response) == ["closed-gala", "jazz-brunch", "rock-night", "expo-2028"]
    rock = response.get_json()["events"][2]
    assert rock == {
        "id": "rock-night",
        "name": "Rock Night",
        "venue": "The Hall",
        "startsAt": "2027-05-01T20:00:00+02:00",
        "saleOpensAt": None,
        "saleState": "open",
        "onSale": True,
        "currency": "EUR",
        "shard": 0,
        "tickets": [
            {"id": "rock-floor", "name": "Floor", "type": "adult", "price": 40.0, "currency": "EUR",
             "description": "", "available": 100},
            {"id": "rock-vip", "name": "VIP", "type": "vip", "price": 120.5, "currency": "EUR",
             "description": "", "available": 5},
        ],
    }  # fmt: skip
    real_redis.hincrby(keys.STOCK, "rock-vip", -2)  # sold meanwhile
    assert api.get("/events/rock-night").get_json()["tickets"][1]["available"] == 3


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=jazz", ["jazz-brunch"]),
        ("q=NIGHT", ["rock-night"]),
        ("q=nothing", []),
        ("from=2027-03-07", ["jazz-brunch", "rock-night", "expo-2028"]),
        ("to=2027-03-07", ["closed-gala", "jazz-brunch"]),  # a date includes its whole day
        ("from=2027-03-01&to=2027-12-31", ["jazz-brunch", "rock-night"]),
        ("from=2027-05-01T18:00:00Z", ["rock-night", "expo-2028"]),  # 20:00+02:00 is 18:00Z: inclusive
        ("from=2027-05-01T18:00:01%2B00:00", ["expo-2028"]),
        ("onSale=true", ["jazz-brunch", "rock-night"]),
        ("onSale=false", ["closed-gala", "expo-2028"]),
        ("q=o&onSale=true&from=2027-04-01", ["rock-night"]),
    ],
)
def test_events_are_filtered_by_name_start_and_sale(api, query, expected):
    response = api.get(f"/events?{query}")
    assert response.status_code == 200, response.get_json()
    assert ids(response) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=yesterday", "from"),
        ("to=2027-13-01", "to"),
        ("from=2027-05-01T18:00:00", "from"),  # no time zone: ambiguous
        ("from=2027-06-01&to=2027-05-01", "from"),
        ("onSale=yes", "onSale"),
        ("q=a&q=b", "q"),
        ("q=" + "x" * 201, "q"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_events_filter_is_400_naming_it(api, query, field):
    response = api.get(f"/events?{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_an_event_is_404_when_unknown(api):
    response = api.get("/events/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "event 'nope' not found"}
    assert api.get("/events/" + "x" * 500).status_code == 404


def test_tickets_are_the_default_events_or_the_chosen_events(api, events_settings, real_redis):
    assert [t["id"] for t in api.get("/tickets").get_json()["tickets"]] == ["rock-floor", "rock-vip"]
    assert [t["id"] for t in api.get("/tickets?event=jazz-brunch").get_json()["tickets"]] == ["jazz-seat"]
    assert [t["id"] for t in api.get("/tickets?event=rock-night&type=vip").get_json()["tickets"]] == ["rock-vip"]
    response = api.get("/tickets?event=nope")
    assert response.status_code == 404 and response.get_json() == {"error": "event 'nope' not found"}
    assert api.get("/tickets?event=a&event=b").status_code == 400
    # DEFAULT_EVENT_ID chooses another default.
    other = create_app(events_settings.model_copy(update={"default_event_id": "jazz-brunch"}), real_redis)
    assert [t["id"] for t in other.test_client().get("/tickets").get_json()["tickets"]] == ["jazz-seat"]


# Creating events


def test_an_organiser_creates_an_event_with_its_stock_and_everyone_sees_it(api, app, events_settings, real_redis):
    other = create_app(events_settings, real_redis).test_client()  # another gateway process
    assert other.get("/events/new-fest").status_code == 404  # caches the catalogue without it
    response = api.post("/events", json=NEW_EVENT)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith("/events/new-fest")
    body = response.get_json()
    assert body["saleState"] == "open" and body["onSale"] is True
    assert [(t["id"], t["price"], t["available"]) for t in body["tickets"]] == [("new-day", 30.0, 50),
                                                                                 ("new-kid", 9.99, 20)]  # fmt: skip
    assert api.get("/events/new-fest").get_json() == body  # this process at once
    assert real_redis.hmget(keys.STOCK, ["new-day", "new-kid"]) == ["50", "20"]
    assert real_redis.hmget(keys.STOCK_INITIAL, ["new-day", "new-kid"]) == ["50", "20"]
    assert real_redis.hget(keys.CATALOGUE_TICKETS, "new-kid") == "new-fest"
    # The other process within its cache's second (forced here: no wall clock in tests).
    other.application.extensions["ticketing"].catalogues.invalidate()
    assert other.get("/events/new-fest").get_json() == body
    assert buy(api, ("new-day", 2)).status_code == 201


def test_an_event_without_a_sale_state_is_closed_or_scheduled(api):
    body = {k: v for k, v in NEW_EVENT.items() if k != "saleState"}
    assert api.post("/events", json=body).get_json()["saleState"] == "closed"
    scheduled = {**body, "id": "later", "tickets": [], "saleOpensAt": "2027-07-01T10:00:00Z"}
    created = api.post("/events", json=scheduled).get_json()
    assert (created["saleState"], created["saleOpensAt"]) == ("scheduled", "2027-07-01T10:00:00+00:00")


def _nothing_written(real_redis, before: dict) -> None:
    assert real_redis.hgetall(keys.CATALOGUE_EVENTS) == before["events"]
    assert real_redis.hgetall(keys.CATALOGUE_TICKETS) == before["tickets"]
    assert real_redis.hgetall(keys.STOCK) == before["stock"]
    assert real_redis.get(keys.CATALOGUE_VERSION) == before["version"]


def _snapshot(real_redis) -> dict:
    return {
        "events": real_redis.hgetall(keys.CATALOGUE_EVENTS),
        "tickets": real_redis.hgetall(keys.CATALOGUE_TICKETS),
        "stock": real_redis.hgetall(keys.STOCK),
        "version": real_redis.get(keys.CATALOGUE_VERSION),
    }


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"id": "rock-night"}, 409, "event 'rock-night' exists already"),
        ({"tickets": [{**NEW_EVENT["tickets"][0], "id": "jazz-seat"}]}, 409, "ticket id 'jazz-seat' is taken"),
        ({"tickets": [{**NEW_EVENT["tickets"][0], "stock": -1}]}, 422, "tickets[0].stock"),
        ({"tickets": [{**NEW_EVENT["tickets"][0], "price": -5}]}, 422, "tickets[0].price"),
        ({"tickets": [{**NEW_EVENT["tickets"][0], "price": 1.234}]}, 422, "tickets[0].price"),
        ({"tickets": [NEW_EVENT["tickets"][0], NEW_EVENT["tickets"][0]]}, 422, "'new-day' is given twice"),
        ({"saleOpensAt": "2027-08-02T00:00:00Z"}, 422, "cannot open after the event starts"),
        ({"saleState": "scheduled"}, 422, "a scheduled sale needs its opening time"),
        ({"currency": "euro"}, 422, "currency"),
        ({"id": "two words"}, 422, "id"),
        ({"startsAt": "2027-08-01T12:00:00"}, 422, "startsAt"),  # no time zone
        ({"startsAt": 1700000000}, 422, "startsAt"),
        ({"colour": "red"}, 422, "colour: unknown field"),
    ],
)
def test_a_bad_create_is_refused_with_nothing_written(api, real_redis, change, status, message):
    before = _snapshot(real_redis)
    response = api.post("/events", json={**NEW_EVENT, **change})
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]
    _nothing_written(real_redis, before)


def test_a_ticket_id_taken_by_another_event_leaves_no_stock_for_the_others(api, real_redis):
    tickets = [NEW_EVENT["tickets"][0], {**NEW_EVENT["tickets"][1], "id": "rock-vip", "stock": 999}]
    assert api.post("/events", json={**NEW_EVENT, "tickets": tickets}).status_code == 409
    assert real_redis.hget(keys.STOCK, "new-day") is None
    assert real_redis.hget(keys.STOCK, "rock-vip") == "5"  # the other event's stock untouched


def test_malformed_json_is_400_and_another_content_type_415(api):
    assert api.post("/events", data="{", content_type="application/json").status_code == 400
    assert api.post("/events", data="x", content_type="text/plain").status_code == 415


def test_organiser_writes_need_the_control_token(events_settings, real_redis):
    secured = create_app(
        events_settings.model_copy(update={"admin_token": SecretStr("organiser-token-0123456789")}), real_redis
    )
    client = secured.test_client()
    calls = [
        ("post", "/events", NEW_EVENT),
        ("post", "/events/rock-night/tickets", {"tickets": [NEW_EVENT["tickets"][0]]}),
        ("post", "/events/rock-night/tickets/rock-vip/stock", {"add": 1}),
        ("put", "/events/rock-night/sale", {"state": "closed"}),
        ("get", "/events/rock-night/sales", None),
    ]
    for method, path, body in calls:
        assert getattr(client, method)(path, json=body).status_code == 401, path
        wrong = {"Authorization": "Bearer wrong-token-0123456789"}
        assert getattr(client, method)(path, json=body, headers=wrong).status_code == 401, path
    good = {"Authorization": "Bearer organiser-token-0123456789"}
    assert client.get("/events/rock-night/sales", headers=good).status_code == 200
    # Without ADMIN_TOKEN: loopback only.
    open_app = create_app(events_settings, real_redis).test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    assert open_app.put("/events/rock-night/sale", json={"state": "closed"}, environ_base=remote).status_code == 403
    assert open_app.get("/events/rock-night").get_json()["saleState"] == "open"


# Adding ticket types and stock


def test_ticket_types_are_added_with_their_stock(api, real_redis):
    new = {"id": "rock-balcony", "name": "Balcony", "type": "adult", "price": 30, "stock": 40}
    response = api.post("/events/rock-night/tickets", json={"tickets": [new]})
    assert response.status_code == 201, response.get_json()
    assert [(t["id"], t["available"]) for t in response.get_json()["tickets"]] == [
        ("rock-floor", 100),
        ("rock-vip", 5),
        ("rock-balcony", 40),
    ]
    assert real_redis.hget(keys.STOCK_INITIAL, "rock-balcony") == "40"
    assert buy(api, ("rock-balcony", 1), ("rock-floor", 1)).status_code == 201


@pytest.mark.parametrize(
    "path, tickets, status, message",
    [
        ("/events/nope/tickets", [{"id": "x1", "name": "X", "type": "adult", "price": 1, "stock": 1}], 404, "nope"),
        ("/events/rock-night/tickets", [{"id": "rock-vip", "name": "X", "type": "vip", "price": 1, "stock": 1}], 409,
         "'rock-vip' is taken"),
        ("/events/rock-night/tickets", [{"id": "jazz-seat", "name": "X", "type": "adult", "price": 1, "stock": 1}],
         409, "'jazz-seat' is taken"),
        ("/events/rock-night/tickets", [{"id": "x1", "name": "X", "type": "adult", "price": 1, "stock": -3}], 422,
         "tickets[0].stock"),
        ("/events/rock-night/tickets", [], 422, "tickets"),
    ],
)  # fmt: skip
def test_a_bad_ticket_type_addition_is_refused_with_nothing_written(api, real_redis, path, tickets, status, message):
    before = _snapshot(real_redis)
    response = api.post(path, json={"tickets": tickets})
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]
    _nothing_written(real_redis, before)


def test_stock_is_added_never_lowered(api, real_redis):
    real_redis.hincrby(keys.STOCK, "rock-vip", -2)
    real_redis.hincrby(keys.STOCK_SOLD, "rock-vip", 2)
    response = api.post("/events/rock-night/tickets/rock-vip/stock", json={"add": 10})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "ticketId": "rock-vip",
        "name": "VIP",
        "type": "vip",
        "initial": 15,
        "available": 13,
        "held": 0,
        "sold": 2,
    }
    record = CatalogueEvent.model_validate_json(real_redis.hget(keys.CATALOGUE_EVENTS, "rock-night"))
    assert next(t.stock for t in record.tickets if t.id == "rock-vip") == 15  # a lost shard heals to this
    for bad in ({"add": 0}, {"add": -5}, {"add": "5"}, {}):
        before = _snapshot(real_redis)
        assert api.post("/events/rock-night/tickets/rock-vip/stock", json=bad).status_code == 422
        _nothing_written(real_redis, before)
    assert api.post("/events/nope/tickets/rock-vip/stock", json={"add": 1}).status_code == 404
    response = api.post("/events/rock-night/tickets/jazz-seat/stock", json={"add": 1})
    assert response.status_code == 404
    assert response.get_json()["error"] == "event 'rock-night' has no ticket 'jazz-seat'"


# The sale


def test_the_sale_is_opened_closed_and_scheduled(api):
    closed = api.put("/events/rock-night/sale", json={"state": "closed"})
    assert closed.status_code == 200 and closed.get_json()["saleState"] == "closed"
    assert closed.get_json()["onSale"] is False
    assert buy(api, ("rock-floor", 1)).status_code == 409
    scheduled = api.put("/events/rock-night/sale", json={"saleOpensAt": "2027-04-01T10:00:00Z"}).get_json()
    assert (scheduled["saleState"], scheduled["saleOpensAt"]) == ("scheduled", "2027-04-01T10:00:00+00:00")
    opened = api.put("/events/rock-night/sale", json={"state": "open"}).get_json()
    assert (opened["saleState"], opened["onSale"]) == ("open", True)
    assert opened["saleOpensAt"] == "2027-04-01T10:00:00+00:00"  # kept: open now overrides it
    assert buy(api, ("rock-floor", 1)).status_code == 201
    past = api.put("/events/rock-night/sale", json={"state": "scheduled", "saleOpensAt": "2020-01-01T00:00:00Z"})
    assert past.get_json()["onSale"] is True  # scheduled and opened


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("/events/rock-night/sale", {"saleOpensAt": "2027-05-02T00:00:00Z"}, 422, "cannot open after the event starts"),
        ("/events/rock-night/sale", {"state": "scheduled"}, 422, "needs its opening time"),
        ("/events/rock-night/sale", {}, 422, "give state, saleOpensAt or both"),
        ("/events/rock-night/sale", {"state": None}, 422, "state"),
        ("/events/rock-night/sale", {"state": "sold"}, 422, "state"),
        ("/events/rock-night/sale", {"saleOpensAt": 5}, 422, "saleOpensAt"),
        ("/events/nope/sale", {"state": "open"}, 404, "event 'nope' not found"),
    ],
)
def test_a_bad_sale_change_is_refused_with_nothing_written(api, real_redis, path, body, status, message):
    before = _snapshot(real_redis)
    response = api.put(path, json=body)
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]
    _nothing_written(real_redis, before)


def test_orders_follow_the_sale_state(api):
    assert buy(api, ("rock-floor", 1)).status_code == 201  # open
    closed = buy(api, ("gala-seat", 1))
    assert closed.status_code == 409
    assert closed.get_json() == {"error": "the sale of event 'closed-gala' is closed"}
    early = buy(api, ("expo-day", 1))
    assert early.status_code == 425
    assert early.get_json() == {
        "error": "the sale of event 'expo-2028' opens at 2028-01-10T09:00:00Z",
        "opensAt": "2028-01-10T09:00:00Z",
    }
    api.put("/events/expo-2028/sale", json={"saleOpensAt": "2026-01-01T00:00:00Z"})
    assert buy(api, ("expo-day", 1)).status_code == 201  # scheduled, and the time has come


def test_an_order_of_two_events_is_422_and_writes_nothing(api, real_redis):
    response = buy(api, ("rock-floor", 1), ("jazz-seat", 1))
    assert response.status_code == 422
    assert response.get_json() == {"error": "items: an order's tickets must all belong to one event", "field": "items"}
    assert not real_redis.exists(keys.ORDER_STREAM)
    assert buy(api, ("no-such-ticket", 1)).status_code == 400  # unknown tickets: as before


# The organiser's figures


def test_an_events_sales_are_per_ticket_type_with_totals(api, real_redis):
    real_redis.hincrby(keys.STOCK, "rock-floor", -7)
    real_redis.hincrby(keys.STOCK_HELD, "rock-floor", 3)
    real_redis.hincrby(keys.STOCK_SOLD, "rock-floor", 4)
    response = api.get("/events/rock-night/sales")
    assert response.status_code == 200
    assert response.get_json() == {
        "eventId": "rock-night",
        "name": "Rock Night",
        "saleState": "open",
        "onSale": True,
        "currency": "EUR",
        "tickets": [
            {"ticketId": "rock-floor", "name": "Floor", "type": "adult", "initial": 100, "available": 93, "held": 3,
             "sold": 4},
            {"ticketId": "rock-vip", "name": "VIP", "type": "vip", "initial": 5, "available": 5, "held": 0, "sold": 0},
        ],
        "totals": {"initial": 105, "available": 98, "held": 3, "sold": 4},
    }  # fmt: skip
    assert api.get("/events/nope/sales").status_code == 404


# Restarts and crashes


def test_a_restart_never_resets_stock_nor_the_organisers_changes(api, events_settings, real_redis):
    api.post("/events", json=NEW_EVENT)
    api.put("/events/rock-night/sale", json={"state": "closed"})
    real_redis.hincrby(keys.STOCK, "new-day", -5)
    real_redis.hincrby(keys.STOCK, "rock-floor", -5)
    version = real_redis.get(keys.CATALOGUE_VERSION)

    again = create_app(events_settings, real_redis).test_client()
    assert real_redis.hmget(keys.STOCK, ["new-day", "rock-floor"]) == ["45", "95"]
    assert again.get("/events/rock-night").get_json()["saleState"] == "closed"
    assert "new-fest" in ids(again.get("/events"))
    assert real_redis.get(keys.CATALOGUE_VERSION) == version


def test_a_create_that_died_after_its_claim_is_finished_at_the_next_start(app, events_settings, real_redis):
    s = app.extensions["ticketing"]
    ticket = CatalogueTicket(id="half-seat", name="Seat", type="adult", price=5, stock=12)
    claimed = CatalogueEvent(id="half-made", name="Half", currency="EUR", tickets=[], pending=[ticket], published=False)
    cat.write_record(real_redis, s.catalogue_scripts.write, claimed, expected=None, claims=["half-seat"], bump=False)
    assert app.test_client().get("/events/half-made").status_code == 404  # claimed: not visible
    assert buy(app.test_client(), ("half-seat", 1)).status_code == 400  # nor sold
    assert app.test_client().post("/events", json={**NEW_EVENT, "id": "half-made"}).status_code == 409

    again = create_app(events_settings, real_redis).test_client()
    assert real_redis.hget(keys.STOCK, "half-seat") == "12"
    assert again.get("/events/half-made").get_json()["tickets"][0]["available"] == 12


def test_the_stock_of_a_shard_that_lost_it_comes_back_from_the_records(api, app, events_settings, real_redis):
    api.post("/events", json=NEW_EVENT)
    real_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
    keeper_app = create_app(events_settings, real_redis)
    assert real_redis.hget(keys.STOCK, "new-kid") == "20"
    assert real_redis.hget(keys.STOCK, "rock-floor") == "100"
    assert keeper_app.extensions["ticketing"].catalogue.event("new-fest") is not None


# Concurrency


def _race(n: int, attempt) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = attempt(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("round_", range(5))
def test_two_organisers_creating_the_same_event_at_once_one_wins_with_its_own_stock(app, real_redis, round_):
    clients = [app.test_client(), app.test_client()]
    event_id = f"race-{round_}"

    def attempt(i: int):
        body = {
            **NEW_EVENT,
            "id": event_id,
            "tickets": [{**NEW_EVENT["tickets"][0], "id": f"{event_id}-t", "stock": 10 + i}],
        }
        return clients[i].post("/events", json=body).status_code

    statuses = _race(2, attempt)
    assert sorted(statuses) == [201, 409]
    winner = statuses.index(201)
    # The winner's figure, never the loser's: stock is written only by the one whose claim won.
    assert real_redis.hget(keys.STOCK, f"{event_id}-t") == str(10 + winner)
    assert real_redis.hget(keys.STOCK_INITIAL, f"{event_id}-t") == str(10 + winner)


@pytest.mark.parametrize("round_", range(5))
def test_two_organisers_creating_the_same_ticket_id_in_two_events_one_wins(app, real_redis, round_):
    clients = [app.test_client(), app.test_client()]
    ticket_id = f"shared-{round_}"

    def attempt(i: int):
        body = {
            **NEW_EVENT,
            "id": f"ev-{round_}-{i}",
            "tickets": [{**NEW_EVENT["tickets"][0], "id": ticket_id, "stock": 10 + i}],
        }
        return clients[i].post("/events", json=body).status_code

    statuses = _race(2, attempt)
    assert sorted(statuses) == [201, 409]
    winner = statuses.index(201)
    assert real_redis.hget(keys.CATALOGUE_TICKETS, ticket_id) == f"ev-{round_}-{winner}"
    assert real_redis.hget(keys.STOCK, ticket_id) == str(10 + winner)
    assert not real_redis.hexists(keys.CATALOGUE_EVENTS, f"ev-{round_}-{1 - winner}")


def test_concurrent_ticket_additions_and_sale_changes_all_land(app, real_redis):
    def attempt(i: int):
        client = app.test_client()
        if i % 2:
            return client.put("/events/rock-night/sale", json={"state": "open"}).status_code
        ticket = {"id": f"extra-{i}", "name": "Extra", "type": "adult", "price": 1, "stock": i + 1}
        return client.post("/events/rock-night/tickets", json={"tickets": [ticket]}).status_code

    assert sorted(set(_race(8, attempt))) == [200, 201]
    record = CatalogueEvent.model_validate_json(real_redis.hget(keys.CATALOGUE_EVENTS, "rock-night"))
    assert {t.id for t in record.tickets} >= {f"extra-{i}" for i in range(0, 8, 2)}
    assert not record.pending and record.saleState == SaleState.OPEN


# Shards


def test_with_three_shards_each_events_stock_lives_in_its_shard(events_settings, real_redis):
    shards = keys.Shards(3)
    api = create_app(_shards(events_settings, 3), real_redis).test_client()
    assert api.post("/events", json=NEW_EVENT).status_code == 201
    for event in api.get("/events").get_json()["events"]:
        shard = keys.shard_of_event(event["id"], 3)
        assert event["shard"] == shard
        for t in event["tickets"]:
            assert real_redis.hexists(shards.stock(shard), t["id"])
            assert t["available"] == int(real_redis.hget(shards.stock(shard), t["id"]))
    assert len({e["shard"] for e in api.get("/events").get_json()["events"]}) > 1
    api.post("/events/new-fest/tickets/new-day/stock", json={"add": 5})
    new_shard = keys.shard_of_event("new-fest", 3)
    assert real_redis.hget(shards.stock(new_shard), "new-day") == "55"
    assert api.get("/events/new-fest/sales").get_json()["totals"]["initial"] == 75


DECIDE_LUA = (Path(__file__).resolve().parents[2] / "order-worker/order_worker/decide_order.lua").read_text()


def _decide_every_shard(r, shards: keys.Shards) -> dict[str, str]:
    """What the workers do: decide_order.lua on every entry of every shard's stream, in that shard."""
    decide = r.register_script(DECIDE_LUA)
    outcomes = {}
    for shard in shards:
        stream = shards.order_stream(shard)
        r.xgroup_create(stream, keys.CONSUMER_GROUP, id="0", mkstream=True)
        for _, entries in r.xreadgroup(keys.CONSUMER_GROUP, "w", {stream: ">"}) or []:
            for entry_id, fields in entries:
                order_id = fields[keys.STREAM_ORDER_ID_FIELD]
                step_keys, args = lifecycle.reserve_call(
                    order_id, entry_id=entry_id, now="2026-01-01T00:00:00.000Z", shards=shards
                )
                outcomes[order_id] = decide(keys=step_keys, args=args)[0]
    return outcomes


@pytest.mark.parametrize("n", [1, 3])
def test_orders_of_several_events_are_decided_against_each_events_stock(events_settings, real_redis, n):
    shards = keys.Shards(n)
    api = create_app(_shards(events_settings, n), real_redis).test_client()
    assert api.post("/events", json=NEW_EVENT).status_code == 201
    placed = {
        ticket: [buy(api, (ticket, qty), payLater=True).get_json()["orderId"] for qty in quantities]
        for ticket, quantities in {"rock-vip": [3, 3], "jazz-seat": [10, 10, 10, 1], "new-kid": [10]}.items()
    }
    for ticket, order_ids in placed.items():
        event = api.get(f"/events/{api.application.extensions['ticketing'].catalogue.event_of(ticket).id}")
        shard = event.get_json()["shard"]
        assert shard == keys.shard_of_event(event.get_json()["id"], n)
        assert all(shards.of_order(o) == shard for o in order_ids)  # each order in its event's shard
    outcomes = _decide_every_shard(real_redis, shards)
    statuses = {t: [outcomes[o] for o in ids_] for t, ids_ in placed.items()}
    assert statuses == {"rock-vip": ["reserved", "rejected"], "jazz-seat": ["reserved"] * 3 + ["rejected"],
                        "new-kid": ["reserved"]}  # fmt: skip
    sales = {e: api.get(f"/events/{e}/sales").get_json()["totals"] for e in ("rock-night", "jazz-brunch", "new-fest")}
    assert sales["rock-night"] == {"initial": 105, "available": 102, "held": 3, "sold": 0}
    assert sales["jazz-brunch"] == {"initial": 30, "available": 0, "held": 30, "sold": 0}
    assert sales["new-fest"] == {"initial": 70, "available": 60, "held": 10, "sold": 0}
    if n == 3:
        assert len({api.get(f"/events/{e}").get_json()["shard"] for e in sales}) > 1  # really several shards


def test_the_stock_keeper_heals_a_lost_shard_and_finishes_a_claimed_write(app, events_settings, real_redis):
    s = app.extensions["ticketing"]
    keeper = StockKeeper(
        real_redis, load_catalogue(events_settings.catalogue_path), 60, s.shards, s.catalogue_scripts.write
    )
    assert app.test_client().post("/events", json=NEW_EVENT).status_code == 201
    assert keeper.check() == 0  # every ticket has its stock: reads only
    real_redis.delete(keys.STOCK, keys.STOCK_INITIAL)
    assert keeper.check() == 7  # the seed's five tickets and the organiser's two, from their records
    assert real_redis.hget(keys.STOCK, "new-day") == "50"
    ticket = CatalogueTicket(id="late-seat", name="Seat", type="adult", price=5, stock=3)
    claimed = CatalogueEvent(id="late", name="Late", currency="EUR", pending=[ticket], published=False)
    cat.write_record(real_redis, s.catalogue_scripts.write, claimed, expected=None, claims=["late-seat"], bump=False)
    assert keeper.check() == 1
    assert real_redis.hget(keys.STOCK, "late-seat") == "3"
    assert cat.read_record(real_redis, "late") is not None  # published


# On one Redis and on the Redis Cluster


def test_the_events_api_works_alike_on_one_redis_and_on_the_cluster(events_settings, redis_target):
    """Seed, every organiser write, the sales figures and orders of several events, with three shards:
    on a cluster the catalogue's script and transactions run in the {catalogue} slot, each event's stock
    steps in its shard's slot, and browsing reads every shard's stock through one cluster pipeline."""
    client = redis_target.client(decode_responses=True)
    shards = keys.Shards(3)
    app = create_app(_shards(events_settings, 3), client)
    api = app.test_client()
    try:
        assert ids(api.get("/events")) == ["closed-gala", "jazz-brunch", "rock-night", "expo-2028"]
        assert api.post("/events", json=NEW_EVENT).status_code == 201
        assert api.post("/events", json=NEW_EVENT).status_code == 409
        extra = {"id": "new-vip", "name": "VIP", "type": "vip", "price": 99, "stock": 4}
        assert api.post("/events/new-fest/tickets", json={"tickets": [extra]}).status_code == 201
        assert api.post("/events/new-fest/tickets/new-vip/stock", json={"add": 6}).get_json()["initial"] == 10
        assert api.put("/events/closed-gala/sale", json={"state": "open"}).get_json()["onSale"] is True
        placed = [buy(api, (t, 2), payLater=True).get_json()["orderId"] for t in ("new-vip", "gala-seat", "jazz-seat")]
        assert set(_decide_every_shard(client, shards).values()) == {"reserved"}
        for event_id, ticket in (("new-fest", "new-vip"), ("closed-gala", "gala-seat"), ("jazz-brunch", "jazz-seat")):
            sales = api.get(f"/events/{event_id}/sales").get_json()
            row = next(r for r in sales["tickets"] if r["ticketId"] == ticket)
            assert (row["available"] + row["held"], row["held"]) == (row["initial"], 2)
        assert {shards.of_order(o) for o in placed} == {
            keys.shard_of_event(e, 3) for e in ("new-fest", "closed-gala", "jazz-brunch")
        }
        # A restart of the gateway on the same data: nothing reset, nothing rewritten.
        again = create_app(_shards(events_settings, 3), client).test_client()
        assert again.get("/events/new-fest").get_json()["tickets"][2]["available"] == 8
    finally:
        client.close()


@pytest.mark.parametrize("round_", range(5))
def test_a_seed_racing_an_organiser_for_the_same_event_leaves_one_event_with_its_own_stock(app, real_redis, round_):
    s = app.extensions["ticketing"]
    event_id, ticket_id = f"contested-{round_}", f"contested-{round_}-t"

    def event(stock: int) -> CatalogueEvent:
        ticket = CatalogueTicket(id=ticket_id, name="T", type="adult", price=1, stock=stock)
        return CatalogueEvent(id=event_id, name="Contested", currency="EUR", tickets=[ticket])

    def attempt(i: int):
        try:
            if i == 0:
                return cat.seed_catalogue(real_redis, s.shards, cat.Catalogue(events=[event(10)]))[0]
            return cat.create_event(real_redis, s.catalogue_scripts.write, s.shards, event(20)) and 1
        except cat.WriteRefused:
            return 0

    assert sorted(_race(2, attempt)) == [0, 1]  # exactly one wrote it
    record = cat.read_record(real_redis, event_id)
    assert record is not None
    [ticket] = record[0].tickets
    assert real_redis.hget(keys.STOCK, ticket_id) == real_redis.hget(keys.STOCK_INITIAL, ticket_id) == str(ticket.stock)
