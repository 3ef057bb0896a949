"""POST /system/reset: the demo reset over HTTP, guarded like the generator's control endpoints."""

from __future__ import annotations

import pytest

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from ticketing_common import keys

from .conftest import order_body

pytestmark = pytest.mark.integration

TOKEN = "reset-token-0123456789"


def sell(client, real_redis, orders=3) -> None:
    for _ in range(orders):
        assert client.post("/orders", json=order_body()).status_code == 201
    real_redis.hincrby(keys.STOCK, "vip", -2)  # as if decided


def untouched(real_redis, orders=3) -> bool:
    return (
        len(list(real_redis.scan_iter(match=keys.order_key("*")))) == orders
        and real_redis.hget(keys.STOCK, "vip") == "3"
    )


def test_from_loopback_without_a_token_the_demo_is_reset(real_client, real_redis):
    sell(real_client, real_redis)
    r = real_client.post("/system/reset")
    assert r.status_code == 200 and r.get_json() == {"deleted": 3}
    assert list(real_redis.scan_iter(match=keys.order_key("*"))) == []
    assert real_redis.hget(keys.STOCK, "vip") == "5"
    assert real_client.post("/v1/system/reset").get_json() == {"deleted": 0}


@pytest.mark.parametrize(
    "environ, forwarded",
    [
        ({"REMOTE_ADDR": "10.1.2.3"}, None),  # a caller on the network
        ({"REMOTE_ADDR": "10.1.2.3"}, "127.0.0.1"),  # who claims to be loopback: not from a loopback proxy
        ({"REMOTE_ADDR": "127.0.0.1"}, "10.1.2.3"),  # relayed by make up's nginx opened with HOST=0.0.0.0
        ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1, 10.1.2.3"),  # the same, the client spoofing the left entry
    ],
)
def test_without_a_token_a_caller_off_loopback_is_refused_and_nothing_changes(
    real_client, real_redis, environ, forwarded
):
    sell(real_client, real_redis)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    r = real_client.post("/system/reset", environ_base=environ, headers=headers)
    assert r.status_code == 403
    assert "ADMIN_TOKEN" in r.get_json()["error"] and "10.1.2.3" in r.get_json()["error"]
    assert untouched(real_redis)


def test_a_browser_on_this_machine_through_make_ups_nginx_may_reset(real_client, real_redis):
    r = real_client.post(
        "/system/reset", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "127.0.0.1"}
    )
    assert r.status_code == 200


def test_with_a_token_the_bearer_is_required_even_from_loopback(settings, real_redis):
    with_token = GatewaySettings(
        catalogue_path=settings.catalogue_path,
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
        admin_token=TOKEN,
    )
    client = create_app(with_token, real_redis).test_client()
    sell(client, real_redis)
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": f"Basic {TOKEN}"}):
        r = client.post("/system/reset", headers=headers)
        assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in r.get_json()["error"]
    assert untouched(real_redis)
    r = client.post(
        "/system/reset", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert r.status_code == 200 and r.get_json() == {"deleted": 3}


def test_the_reset_is_documented_with_its_guard(client):
    op = client.get("/openapi.json").get_json()["paths"]["/system/reset"]["post"]
    assert set(op["responses"]) == {"200", "401", "403", "414", "431"} and op["security"] == [{"adminToken": []}]
