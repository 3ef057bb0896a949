"""Gateway test fixtures: an app on fakeredis (unit) or on the session's real redis-server."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import fakeredis
import pytest
import redis

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from api_gateway.waiting_room import ADMITTER_THREAD as ROOM_ADMITTER_THREAD

SMALL_CATALOGUE = {
    "event": {"name": "Test Gig"},
    "currency": "EUR",
    "tickets": [
        {"id": "adult", "name": "Adult", "type": "adult", "price": 40.00, "stock": 100, "description": "Adult entry"},
        {"id": "student", "name": "Student", "type": "student", "price": 25.50, "stock": 50},
        {"id": "vip", "name": "VIP", "type": "vip", "price": 150.00, "stock": 5},
    ],
}


@pytest.fixture
def catalogue_path(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(SMALL_CATALOGUE))
    return path


@pytest.fixture
def settings(catalogue_path: Path) -> GatewaySettings:
    # No stock keeper or room admitter thread per test app: tests call check() and admit() themselves.
    return GatewaySettings(
        catalogue_path=catalogue_path,
        max_tickets_per_order=10,
        max_body_bytes=4096,
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
    )


@pytest.fixture(autouse=True)
def no_keeper_thread_outlives_its_test():
    """A keeper thread left running re-initialises this catalogue's stock in the session's Redis
    after later tests emptied it: it once made a system test in another folder see tickets it
    never created. Every app a test starts with a keeper must stop it."""
    yield
    left = [t for t in threading.enumerate() if t.name == "stock-keeper"]
    assert not left, "a test left a StockKeeper thread running: set stock_check_interval_seconds=0 or stop it"
    # The same for the waiting room's admitter: one left running admits visitors of later tests.
    left = [t for t in threading.enumerate() if t.name == ROOM_ADMITTER_THREAD]
    assert not left, "a test left a RoomAdmitter thread running: set room_tick_interval_seconds=0 or stop it"


@pytest.fixture
def fake_redis() -> redis.Redis:
    return fakeredis.FakeRedis(decode_responses=True)


@pytest.fixture
def client(settings, fake_redis):
    """A Flask test client on fakeredis: fast, for request handling and validation."""
    return create_app(settings, fake_redis).test_client()


@pytest.fixture
def real_client(settings, real_redis):
    """A Flask test client on the real redis-server, for anything that runs Lua or streams."""
    return create_app(settings, real_redis).test_client()


def order_body(**overrides) -> dict:
    body = {
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "items": [{"ticketId": "adult", "qty": 2}, {"ticketId": "vip", "qty": 1}],
        "paymentMethod": "credit_card",
    }
    body.update(overrides)
    return body
