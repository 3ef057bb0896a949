"""Every catalogue event is a sale with its own waiting room: GET /sales lists them all; a non-default
event's room gates that event's orders with that event's tokens (its own uses, its own shard); the
admitter lets visitors of several rooms in at once, each at its own rate, however many gateways tick;
a scheduled sale's room admits nobody before the sale opens; an event an organiser creates has a room.
On one Redis and on the local Redis Cluster (redis_target), with REDIS_SHARDS=3."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from api_gateway.waiting_room import AdmissionRule, RoomAdmitter, admit, redis_now_ms
from ticketing_common import keys

pytestmark = pytest.mark.integration

SHARDS = keys.Shards(3)
DEFAULT, OTHER, LATER, CLOSED = "alpha", "gamma", "jazz-brunch", "delta"


def _event(event_id: str, prefix: str, starts: str, **sale) -> dict:
    return {
        "id": event_id,
        "name": event_id.title(),
        "startsAt": starts,
        "currency": "EUR",
        "tickets": [{"id": f"{prefix}-seat", "name": "Seat", "type": "adult", "price": 10, "stock": 500}],
        **sale,
    }


CATALOGUE = [
    _event(DEFAULT, "a", "2027-06-01T20:00:00Z"),  # the seed's first: the default event
    _event(OTHER, "g", "2027-05-01T20:00:00Z"),
    _event(LATER, "j", "2099-03-01T20:00:00Z", saleState="scheduled", saleOpensAt="2099-01-01T10:00:00Z"),
    _event(CLOSED, "d", "2027-02-01T20:00:00Z", saleState="closed"),
]


@pytest.fixture
def client(redis_target):
    c = redis_target.client(decode_responses=True)
    yield c
    c.close()


@pytest.fixture
def settings(tmp_path: Path) -> GatewaySettings:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE))
    return GatewaySettings(
        catalogue_path=path,
        redis_shards=3,
        max_tickets_per_order=10,
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
    )


@pytest.fixture
def app(settings, client):
    return create_app(settings, client)


@pytest.fixture
def api(app):
    return app.test_client()


def buy(api, ticket: str, token: str | None = None):
    body = {
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"ticketId": ticket, "qty": 1}],
        "paymentMethod": "credit_card",
    }
    return api.post("/orders", json=body, headers={"Admission-Token": token} if token else {})


def room(api, sale: str, **changes) -> dict:
    response = api.put(f"/sales/{sale}/room", json=changes)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def admitted_token(api, app, sale: str) -> tuple[str, str]:
    """A visitor of `sale`'s (open) room, let in: (visitorId, token)."""
    visitor = api.post(f"/sales/{sale}/queue", json={}).get_json()["visitorId"]
    s = app.extensions["ticketing"]
    for _ in range(1000):  # a step in the same millisecond as the last admits nobody
        admit(s.redis, s.admit_room, sale, AdmissionRule(), s.shards)
        status = api.get(f"/sales/{sale}/queue/{visitor}").get_json()
        if status["status"] == "admitted":
            return visitor, status["admissionToken"]
    raise AssertionError(f"nobody was admitted to {sale}")


def test_get_sales_lists_every_events_sale_default_first_then_by_start(api):
    sales = api.get("/sales").get_json()["sales"]
    assert [s["saleId"] for s in sales] == [DEFAULT, CLOSED, OTHER, LATER]
    by_id = {s["saleId"]: s for s in sales}
    assert by_id[OTHER] == {"saleId": OTHER, "name": "Gamma", "opensAt": None, "open": True, "room": {"state": "off"}}
    # A scheduled sale's room opens with the sale; a closed sale is not open, whatever its room.
    assert by_id[LATER]["opensAt"] == "2099-01-01T10:00:00.000Z" and by_id[LATER]["open"] is False
    assert by_id[CLOSED]["open"] is False
    # Unknown sales stay 404 everywhere.
    assert api.post("/sales/nope/queue", json={}).status_code == 404
    assert api.get("/sales/nope/room").status_code == 404


def test_a_non_default_events_room_gates_its_orders_with_its_own_tokens(api, app, client):
    room(api, OTHER, state="open", rate=100_000)
    assert client.hget(SHARDS.room(SHARDS.of_event(OTHER), OTHER), "state") == "open"  # in its event's shard
    # GET /sales, which the web app reads to send a buyer into the line, shows it at once.
    assert {s["saleId"]: s["room"]["state"] for s in api.get("/sales").get_json()["sales"]}[OTHER] == "open"
    refused = buy(api, "g-seat")
    assert refused.status_code == 401 and "Admission-Token: required" in refused.get_json()["error"]
    visitor, token = admitted_token(api, app, OTHER)
    assert buy(api, "g-seat", token).status_code == 201
    assert client.hget(SHARDS.room_uses(SHARDS.of_event(OTHER), OTHER), visitor) == "1"
    # The default event's room is off: its orders need nothing, and a token of another sale is ignored there.
    assert buy(api, "a-seat").status_code == 201
    # An admission to the default event's sale does not buy the other event's tickets.
    room(api, DEFAULT, state="open", rate=100_000)
    _, default_token = admitted_token(api, app, DEFAULT)
    other_sale = buy(api, "g-seat", default_token)
    assert other_sale.status_code == 403 and DEFAULT in other_sale.get_json()["error"]
    assert buy(api, "a-seat", default_token).status_code == 201
    assert client.hget(SHARDS.room_uses(SHARDS.of_event(OTHER), OTHER), visitor) == "1"  # nothing else counted


def test_the_admitters_of_two_gateways_admit_two_rooms_at_once_each_at_its_own_rate(api, app, settings, client):
    slow, fast = 5, 100
    for sale, waiting in ((DEFAULT, 10), (OTHER, 60), (CLOSED, 5)):
        room(api, sale, state="paused")
        for _ in range(waiting):
            assert api.post(f"/sales/{sale}/queue", json={}).status_code == 201
    started = redis_now_ms(client)
    room(api, DEFAULT, state="open", rate=slow)  # the buckets start empty
    room(api, OTHER, state="open", rate=fast)
    room(api, CLOSED, state="open", rate=fast)  # its sale is closed: nobody is let in
    other = create_app(settings, client)  # a second gateway process
    admitters = [
        RoomAdmitter(
            a.extensions["ticketing"].redis,
            a.extensions["ticketing"].admit_room,
            a.extensions["ticketing"].rooms,
            a.extensions["ticketing"].catalogues.get,
            AdmissionRule(),
            0.01,
        )
        for a in (app, other)
    ]

    def ticks(i: int) -> int:
        total = 0
        for _ in range(25):
            total += admitters[i % 2].tick()
            time.sleep(0.02)
        return total

    with ThreadPoolExecutor(4) as pool:
        total = sum(pool.map(ticks, range(4)))
    elapsed = (redis_now_ms(client) - started) / 1000
    counted = {
        sale: client.zcard(SHARDS.room_admitted(SHARDS.of_event(sale), sale)) for sale in (DEFAULT, OTHER, CLOSED)
    }
    assert total == sum(counted.values())
    assert 1 <= counted[DEFAULT] <= slow * elapsed + 1  # each room's bucket bounds it, whoever ticks
    assert counted[DEFAULT] < counted[OTHER] <= fast * elapsed + 1
    assert counted[CLOSED] == 0


def test_a_scheduled_sales_room_admits_nobody_before_the_sale_opens(api, app):
    room(api, LATER, state="open", rate=100_000)
    visitor = api.post(f"/sales/{LATER}/queue", json={}).get_json()["visitorId"]
    s = app.extensions["ticketing"]
    admitter = RoomAdmitter(s.redis, s.admit_room, s.rooms, s.catalogues.get, AdmissionRule(), 1)
    for _ in range(3):
        assert admitter.tick() == 0
        time.sleep(0.002)
    status = api.get(f"/sales/{LATER}/queue/{visitor}").get_json()
    assert (status["status"], status["admissionRatePerSecond"]) == ("waiting", 0.0)
    assert status["opensAt"] == "2099-01-01T10:00:00.000Z"  # the sale's opening, the room having none of its own
    # The organiser opens the sale now: the room lets people in.
    assert api.put(f"/events/{LATER}/sale", json={"state": "open"}).status_code == 200
    for _ in range(1000):
        if admitter.tick():
            break
    assert api.get(f"/sales/{LATER}/queue/{visitor}").get_json()["status"] == "admitted"


def test_an_event_created_by_an_organiser_has_a_room_that_starts_off_and_works(api, settings, client):
    new = _event("fresh-fest", "f", "2027-09-01T18:00:00Z", saleState="open")
    assert api.post("/events", json=new).status_code == 201
    shard = SHARDS.of_event("fresh-fest")
    assert client.hget(SHARDS.room(shard, "fresh-fest"), "state") == "off"  # its room's first settings
    assert api.post("/sales/fresh-fest/queue", json={}).status_code == 409  # off: buy directly
    assert buy(api, "f-seat").status_code == 201
    assert "fresh-fest" in [s["saleId"] for s in api.get("/sales").get_json()["sales"]]
    # Another gateway process, which never saw the event created, steers and serves its room.
    other = create_app(settings, client).test_client()
    client.delete(SHARDS.room(shard, "fresh-fest"))  # as if no process had given it settings yet
    assert room(other, "fresh-fest", state="open")["tokenUses"] == settings.room_token_uses
    joined = other.post("/sales/fresh-fest/queue", json={})
    assert joined.status_code == 201 and joined.get_json()["saleId"] == "fresh-fest"
    assert buy(other, "f-seat").status_code == 401
