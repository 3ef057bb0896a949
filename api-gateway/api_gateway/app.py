"""The application factory: settings in, a Flask app with its routes and services out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

import redis
from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider

from ticketing_common import lifecycle, redis_client
from ticketing_common.status import RoomState

from . import admission_token, metrics
from .catalogue import CATALOGUE_WRITE_LUA, Catalogue, CatalogueCache, load_catalogue
from .direct_script import DirectScript
from .errors import ApiError, register_error_handlers
from .events import ADD_STOCK_LUA, CatalogueScripts
from .openapi import build_openapi
from .orders import ENQUEUE_ORDER_LUA
from .routes import admin, docs, events, health, orders, sales, system, tickets
from .scaling import KubernetesApi, KubernetesScaling
from .services import Services
from .settings import GatewaySettings
from .stock import StockKeeper, initialise_stock
from .waiting_room import (
    ADMIT_LUA,
    JOIN_LUA,
    AdmissionRule,
    RoomAdmitter,
    RoomCaches,
    RoomDefaults,
    TokenSettings,
    ensure_room,
)

VERSION = "1.0.0"
log = logging.getLogger(__name__)


class _JSONProvider(DefaultJSONProvider):
    sort_keys = False  # keys in the models' order, as the API documents them


def create_app(settings: GatewaySettings | None = None, client: redis.Redis | None = None) -> Flask:
    settings = settings or GatewaySettings()
    shards = settings.shards
    seed = load_catalogue(settings.catalogue_path, shards.count, settings.default_event_id)
    if client is None:
        # Plain Redis or a Redis Cluster (REDIS_CLUSTER): typed as the plain client, whose commands the
        # cluster client shares.
        client = cast("redis.Redis", redis_client.from_settings(settings))

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json = _JSONProvider(app)
    # The public API answers at / and at /v1 (the spec's server URL ends in /v1).
    for bp in (tickets.bp, events.bp, orders.bp, sales.bp, system.bp, docs.bp, admin.bp):
        app.register_blueprint(bp)
        app.register_blueprint(bp, url_prefix="/v1", name=f"v1_{bp.name}")
    app.register_blueprint(health.bp)
    secret = _retry_until_reachable(
        lambda: admission_token.master_secret(
            client, None if settings.admission_secret is None else settings.admission_secret.get_secret_value()
        ),
        settings.redis_startup_timeout,
    )
    # The seed where Redis has no such event yet (never over an event it has), then every event's stock
    # (idempotent: a restart never resets stock) and any organiser's write a crash left half-way.
    catalogue_scripts = CatalogueScripts(
        write=client.register_script(CATALOGUE_WRITE_LUA), add_stock=client.register_script(ADD_STOCK_LUA)
    )
    initialised = _retry_until_reachable(
        lambda: initialise_stock(client, seed, shards, catalogue_scripts.write), settings.redis_startup_timeout
    )
    catalogues = CatalogueCache(client, seed, seed.default_event.id)
    catalogue = catalogues.get()
    rooms = RoomCaches(client, _room_defaults_of(settings, catalogue.sale_id), shards=shards)
    admit_room = client.register_script(ADMIT_LUA)
    rule = AdmissionRule()
    app.extensions["ticketing"] = Services(
        settings=settings,
        redis=client,
        catalogues=catalogues,
        catalogue_scripts=catalogue_scripts,
        shards=shards,
        enqueue_order=DirectScript(client, ENQUEUE_ORDER_LUA),
        start_payment=client.register_script(lifecycle.lua("start_payment.lua")),
        release_order=client.register_script(lifecycle.lua("release_order.lua")),
        # From the routes just registered: build_openapi walks the URL map.
        openapi=build_openapi(app, VERSION, settings.max_tickets_per_order, _all_types(catalogue)),
        kubernetes=_kubernetes_scaling(settings, client),
        join_room=client.register_script(JOIN_LUA),
        admit_room=admit_room,
        rooms=rooms,
        tokens=TokenSettings(secret, settings.admission_key_rotation_seconds),
        admission_rule=rule,
    )
    register_error_handlers(app)
    _count_requests(app)
    _refuse_unknown_query_parameters(app)
    _allow_cors(app, settings.cors_allowed_origins)

    log.info("catalogue loaded", extra={"events": len(catalogue.events), "stock_initialised": initialised})
    if settings.stock_check_interval_seconds > 0:
        keeper = StockKeeper(client, seed, settings.stock_check_interval_seconds, shards, catalogue_scripts.write)
        keeper.start()
        app.extensions["stock_keeper"] = keeper
    # Every event's room gets its first settings where it has none (HSETNX); an event created later gets
    # them when this process first meets it (RoomCaches).
    written = _retry_until_reachable(
        lambda: sum(ensure_room(client, e.id, rooms.defaults(e.id), shards) for e in catalogue.events),
        settings.redis_startup_timeout,
    )
    log.info(
        "waiting rooms of %d sales (default %s)",
        len(catalogue.events),
        catalogue.sale_id,
        extra={"settings_initialised": written},
    )
    if settings.room_tick_interval_seconds > 0:
        admitter = RoomAdmitter(client, admit_room, rooms, catalogues.get, rule, settings.room_tick_interval_seconds)
        admitter.start()
        app.extensions["room_admitter"] = admitter
    return app


def _all_types(catalogue: Catalogue) -> list[str]:
    """Every event's ticket types, each once: GET /tickets' type filter (its enum in the OpenAPI document)."""
    return list(dict.fromkeys(t.type for t in catalogue.tickets))


def _room_defaults_of(settings: GatewaySettings, default_sale_id: str) -> Callable[[str], RoomDefaults]:
    """Each event's room's first settings: the ROOM_* settings for the default event's; for every other
    event the same mode, rate and tokens but `off`, opening with its sale (no opensAt of its own), so
    that an event an organiser creates sells directly until an operator opens its room."""
    default = _room_defaults(settings)
    other = RoomDefaults(
        state=RoomState.OFF,
        mode=default.mode,
        rate=default.rate,
        opens_at_ms=None,
        token_ttl_seconds=default.token_ttl_seconds,
        token_uses=default.token_uses,
    )
    return lambda sale_id: default if sale_id == default_sale_id else other


def _room_defaults(settings: GatewaySettings) -> RoomDefaults:
    opens_at = settings.room_opens_at
    return RoomDefaults(
        state=settings.room_state,
        mode=settings.room_mode,
        rate=settings.room_rate,
        opens_at_ms=None if opens_at is None else int(opens_at.timestamp() * 1000),
        token_ttl_seconds=settings.room_token_ttl_seconds,
        token_uses=settings.room_token_uses,
    )


def _kubernetes_scaling(settings: GatewaySettings, client: redis.Redis) -> KubernetesScaling | None:
    api = KubernetesApi.in_cluster(settings.kubernetes_service_host, settings.kubernetes_service_port)
    if api is None:
        return None
    log.info("scaling view: the HPAs of namespace %s via %s", api.namespace, api.base_url)
    return KubernetesScaling(api, client)


def _retry_until_reachable(step, timeout: float):
    """Run `step`, retrying while Redis is unreachable, for at most `timeout` seconds.

    Lets the gateway start before Redis does (Compose, Kubernetes) without crash-looping.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return step()
        except (redis.ConnectionError, redis.TimeoutError) as e:
            if time.monotonic() >= deadline:
                raise
            log.warning("waiting for redis: %s", e)
            time.sleep(0.5)


def _allow_cors(app: Flask, origins: list[str]) -> None:
    """CORS is closed (no header at all) unless CORS_ALLOWED_ORIGINS names the origin."""
    allowed = set(origins)

    @app.after_request
    def _cors(response):
        origin = request.headers.get("Origin")
        if origin and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Headers"] = (
                "Content-Type, Idempotency-Key, Authorization, Admission-Token"
            )
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
            response.headers["Access-Control-Expose-Headers"] = "Location, Retry-After, Idempotent-Replayed"
        response.headers.add("Vary", "Origin")
        return response


def _refuse_unknown_query_parameters(app: Flask) -> None:
    """A query parameter a documented route does not declare is a mistake (a typo'd filter would
    otherwise silently match everything): 400 naming it, as unknown body fields are."""

    @app.before_request
    def _check_query():
        if not request.query_string:  # the common case: nothing to check, no arguments to parse
            return
        view = app.view_functions.get(request.endpoint or "")
        op = getattr(view, "openapi", None)
        if op is None:
            return
        declared = {p.name for p in op.params if p.location == "query"}
        for name in request.args:
            if name not in declared:
                allowed = f"; known: {', '.join(sorted(declared))}" if declared else ""
                raise ApiError(400, f"{name}: unknown query parameter{allowed}", name)


def _count_requests(app: Flask) -> None:
    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    # Each labelled child looked up once, not on every request (labels() takes a lock and checks its
    # arguments each time); a race only looks the same child up twice.
    counters: dict[tuple[str, str, int], Any] = {}
    histograms: dict[tuple[str, str], Any] = {}

    @app.after_request
    def _record(response):
        # Label by route pattern, not path, so order ids do not explode the label set.
        route = request.url_rule.rule if request.url_rule else "unmatched"
        method, status = request.method, response.status_code
        counter = counters.get((method, route, status))
        if counter is None:
            counter = counters[(method, route, status)] = metrics.REQUESTS.labels(method, route, status)
        histogram = histograms.get((method, route))
        if histogram is None:
            histogram = histograms[(method, route)] = metrics.REQUEST_SECONDS.labels(method, route)
        counter.inc()
        histogram.observe(time.perf_counter() - g.get("started", 0))
        return response
