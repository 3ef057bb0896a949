"""The admin Database API: off by default, bearer-protected, confined to its own namespace."""

import pytest

from api_gateway.app import create_app
from api_gateway.settings import GatewaySettings
from ticketing_common import keys

TOKEN = "s3cret-admin-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin_client(catalogue_path, real_redis):
    # A body limit above the admin value limit (64 KiB), so that check is reached.
    settings = GatewaySettings(
        catalogue_path=catalogue_path,
        admin_token=TOKEN,
        max_body_bytes=256 * 1024,
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
    )
    return create_app(settings, real_redis).test_client()


def test_the_admin_api_is_off_without_admin_token(real_client):
    response = real_client.post("/redis", json={"key": "k", "value": {}}, headers=AUTH)
    assert response.status_code == 404
    assert "ADMIN_TOKEN" in response.get_json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-wrong-token", f"Basic {TOKEN}", TOKEN])
def test_a_missing_or_wrong_token_is_401_and_changes_nothing(admin_client, real_redis, header):
    headers = {"Authorization": header} if header else {}
    response = admin_client.post("/redis", json={"key": "k", "value": {"a": 1}}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert list(real_redis.scan_iter("admin:*")) == []


def test_create_read_update_delete(admin_client):
    value = {"name": "Alice", "age": 25, "role": "admin"}
    created = admin_client.post("/v1/redis", json={"key": "user:1001", "value": value}, headers=AUTH)
    assert created.status_code == 201 and created.get_json()["key"] == "user:1001"
    assert admin_client.get("/redis/user:1001", headers=AUTH).get_json() == {"key": "user:1001", "value": value}
    assert admin_client.put("/redis/user:1001", json={"value": {"age": 26}}, headers=AUTH).status_code == 200
    assert admin_client.get("/redis/user:1001", headers=AUTH).get_json()["value"] == {"age": 26}
    assert admin_client.delete("/redis/user:1001", headers=AUTH).status_code == 200
    assert admin_client.get("/redis/user:1001", headers=AUTH).status_code == 404


def test_creating_an_existing_key_is_409_and_keeps_the_value(admin_client):
    admin_client.post("/redis", json={"key": "k", "value": {"v": 1}}, headers=AUTH)
    response = admin_client.post("/redis", json={"key": "k", "value": {"v": 2}}, headers=AUTH)
    assert response.status_code == 409
    assert admin_client.get("/redis/k", headers=AUTH).get_json()["value"] == {"v": 1}


def test_replacing_or_deleting_a_missing_key_is_404(admin_client):
    assert admin_client.put("/redis/nope", json={"value": {}}, headers=AUTH).status_code == 404
    assert admin_client.delete("/redis/nope", headers=AUTH).status_code == 404


def test_the_admin_api_can_never_reach_stock_orders_or_streams(admin_client, real_redis):
    stock_before = real_redis.hgetall(keys.STOCK)
    # The shards' keys have a hash tag ({...}): a name the admin API refuses (400); a name it takes is
    # looked up under admin: (404). Either way the real key is never reached.
    for key in (keys.STOCK, keys.ORDER_STREAM, keys.order_key("x"), "ticketing:stock", "ticketing:order:x"):
        assert admin_client.get(f"/redis/{key}", headers=AUTH).status_code in (400, 404)
        assert admin_client.delete(f"/redis/{key}", headers=AUTH).status_code in (400, 404)
        assert admin_client.put(f"/redis/{key}", json={"value": {}}, headers=AUTH).status_code in (400, 404)
    for key in (keys.STOCK, "ticketing:stock"):
        admin_client.post("/redis", json={"key": key, "value": {"ga-adult": 0}}, headers=AUTH)
    assert real_redis.hgetall(keys.STOCK) == stock_before
    assert real_redis.type(keys.STOCK) == "hash"
    assert real_redis.exists("admin:ticketing:stock")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"key": "k"}, "value"),
        ({"value": {}}, "key"),
        ({"key": "k", "value": [1, 2]}, "value"),
        ({"key": "k", "value": "text"}, "value"),
        ({"key": "", "value": {}}, "key"),
        ({"key": "has space", "value": {}}, "key"),
        ({"key": "k" * 201, "value": {}}, "key"),
        ({"key": "k", "value": {"big": "x" * 70_000}}, "value"),
    ],
)
def test_bad_admin_bodies_are_400_naming_the_field(admin_client, real_redis, body, field):
    response = admin_client.post("/redis", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert list(real_redis.scan_iter("admin:*")) == []


def test_a_short_admin_token_is_refused_and_an_empty_one_means_off(catalogue_path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="at least 16"):
        GatewaySettings(catalogue_path=catalogue_path, admin_token="short")
    assert GatewaySettings(catalogue_path=catalogue_path, admin_token="").admin_token is None


def test_a_value_with_nan_is_400_not_stored_as_invalid_json(admin_client, real_redis):
    response = admin_client.post(
        "/redis", data='{"key": "b", "value": {"x": NaN}}', content_type="application/json", headers=AUTH
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "body: is not valid JSON", "field": "body"}
    assert not real_redis.exists("admin:b")
