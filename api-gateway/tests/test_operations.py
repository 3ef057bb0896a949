"""Health, readiness, metrics, the OpenAPI document, and how the gateway starts."""

import os
import re
import subprocess
import sys

import pytest
import redis
from openapi_spec_validator import validate

from api_gateway.app import create_app
from api_gateway.models import CreateOrderRequest
from ticketing_common import keys

from .conftest import order_body


def test_healthz_and_readyz_answer_ok_with_redis_up(real_client):
    assert real_client.get("/healthz").get_json() == {"status": "ok"}
    assert real_client.get("/readyz").status_code == 200


def test_readyz_fails_and_intake_answers_503_json_when_redis_is_unreachable(settings, real_redis):
    app = create_app(settings, real_redis)
    # Now point the app at a port where nothing listens.
    services = app.extensions["ticketing"]
    services.redis = redis.Redis(port=1, socket_connect_timeout=0.2, decode_responses=True)
    services.enqueue_order = services.redis.register_script("return 1")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503
    response = client.post("/orders", json=order_body())
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "unavailable" in response.get_json()["error"]


def test_metrics_count_requests_orders_and_report_the_backlog(real_client):
    real_client.post("/orders", json=order_body())
    real_client.get("/tickets")
    text = real_client.get("/metrics").get_data(as_text=True)
    assert 'gateway_http_requests_total{method="POST",route="/orders",status="201"}' in text
    assert "gateway_orders_created_total" in text
    assert "ticketing_stream_lag 1.0" in text
    assert "ticketing_stream_pending 0.0" in text


def test_openapi_document_is_valid_3_1_and_comes_from_the_request_models(client):
    document = client.get("/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    schema = document["components"]["schemas"]["CreateOrderRequest"]
    assert set(schema["required"]) == {name for name, f in CreateOrderRequest.model_fields.items() if f.is_required()}
    assert {"/tickets", "/orders", "/orders/{orderId}", "/system/status"} <= set(document["paths"])


def test_every_public_route_is_documented(client):
    documented = set(client.get("/openapi.json").get_json()["paths"])
    app = client.application
    public = {
        re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"tickets", "events", "orders", "sales", "system", "admin"}
    }
    assert public == documented


def run_gateway(**env):
    return subprocess.run(
        [sys.executable, "-m", "api_gateway"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_bad_setting_stops_the_gateway_with_one_line_naming_it():
    result = run_gateway(MAX_TICKETS_PER_ORDER="lots")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "MAX_TICKETS_PER_ORDER" in result.stderr


def test_a_missing_catalogue_stops_the_gateway_with_one_line(tmp_path):
    result = run_gateway(CATALOGUE_PATH=str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "CATALOGUE_PATH" in result.stderr


def test_intake_answers_503_json_when_redis_is_out_of_memory(real_client, real_redis):
    real_redis.config_set("maxmemory-policy", "noeviction")
    real_redis.config_set("maxmemory", "1")  # below what is used: every write is refused
    try:
        response = real_client.post("/orders", json=order_body())
    finally:
        real_redis.config_set("maxmemory", "0")
    assert response.status_code == 503
    assert "full" in response.get_json()["error"] and response.headers["Retry-After"]
    assert not real_redis.exists(keys.ORDER_STREAM)


def test_cors_is_closed_unless_configured(real_client):
    response = real_client.get("/tickets", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_only_the_configured_origins(catalogue_path, real_redis):
    from api_gateway.settings import GatewaySettings

    settings = GatewaySettings(
        catalogue_path=catalogue_path,
        cors_allowed_origins="https://shop.example, https://b.example/",
        stock_check_interval_seconds=0,
        room_tick_interval_seconds=0,
    )
    client = create_app(settings, real_redis).test_client()
    allowed = client.get("/tickets", headers={"Origin": "https://b.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://b.example"
    preflight = client.options(
        "/orders", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
    other = client.get("/tickets", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_unexpected_error_is_a_json_500_that_leaks_nothing(settings, real_redis):
    app = create_app(settings, real_redis)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal error"}


def test_gunicorn_binds_the_configured_host_and_port(catalogue_path):
    from api_gateway.gunicorn_config import options
    from api_gateway.settings import GatewaySettings

    assert options(GatewaySettings(catalogue_path=catalogue_path, port=8123))["bind"] == "127.0.0.1:8123"
    assert options(GatewaySettings(catalogue_path=catalogue_path, host="0.0.0.0"))["bind"] == "0.0.0.0:8000"


def test_reset_demo_with_redis_unreachable_says_so_in_one_line(catalogue_path):
    from tools.redis_server import free_port

    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    result = subprocess.run(
        [sys.executable, "-m", "api_gateway", "reset-demo", "--yes"],
        env={**os.environ, "REDIS_URL": url, "CATALOGUE_PATH": str(catalogue_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reset-demo: cannot reach Redis at redis://:***@127.0.0.1:")
    assert "s3cret" not in result.stderr + result.stdout


def test_the_document_s_paths_come_from_the_routes_each_once(client, settings, fake_redis):
    from flask import Blueprint

    from api_gateway.models import Error, SuccessMessage
    from api_gateway.openapi import Param, build_openapi, operation

    document = client.get("/openapi.json").get_json()
    assert not [p for p in document["paths"] if p.startswith("/v1")]
    assert document["servers"] == [{"url": "v1"}, {"url": "."}]

    # A new documented route shows up, with what its decorator says, at the path it has.
    app = create_app(settings, fake_redis)
    extra = Blueprint("extra", __name__)

    @extra.get("/things/<thingId>")
    @operation(
        operation_id="getThing",
        summary="A thing",
        tags=["things"],
        params=[Param("query", "colour", {"type": "string"}, enum_from="ticket_types")],
        responses={200: (SuccessMessage, "The thing"), 404: (Error, "No such thing")},
    )
    def get_thing(thingId):
        return {}

    app.register_blueprint(extra)
    rebuilt = build_openapi(app, "1", 10, ["red", "blue"])
    thing = rebuilt["paths"]["/things/{thingId}"]["get"]
    assert thing["operationId"] == "getThing"
    assert [(p["in"], p["name"]) for p in thing["parameters"]] == [("path", "thingId"), ("query", "colour")]
    assert thing["parameters"][1]["schema"]["enum"] == ["red", "blue"]
    # Its own answers, and what gunicorn answers for any route before the app (openapi.SERVER_ERRORS).
    assert set(thing["responses"]) == {"200", "404", "414", "431"}
    validate(rebuilt)


def test_a_route_with_a_json_body_documents_what_the_body_reader_answers(client):
    document = client.get("/openapi.json").get_json()
    for path, method in [("/orders", "post"), ("/redis", "post"), ("/redis/{key}", "put")]:
        assert {"400", "413", "415"} <= set(document["paths"][path][method]["responses"])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (redis.exceptions.ClusterDownError("CLUSTERDOWN The cluster is down"), 503),
        (redis.exceptions.TryAgainError("TRYAGAIN"), 503),
        (redis.exceptions.MasterDownError("MASTERDOWN"), 503),
        (redis.exceptions.RedisClusterException("Redis Cluster cannot be connected"), 503),
        (redis.exceptions.SlotNotCoveredError("slot 42 is not covered"), 503),
        (redis.exceptions.CrossSlotTransactionError("keys in several slots"), 500),
    ],
)
def test_a_cluster_in_failover_is_unavailable_and_a_cross_slot_call_is_a_bug(settings, fake_redis, error, status):
    app = create_app(settings, fake_redis)

    def failing(keys, args, client=None):
        raise error

    app.extensions["ticketing"].enqueue_order = failing
    response = app.test_client().post("/orders", json=order_body())
    assert response.status_code == status
    assert response.get_json()["error"]
    assert ("Retry-After" in response.headers) == (status == 503)
