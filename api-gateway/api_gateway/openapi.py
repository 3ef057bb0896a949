"""The OpenAPI 3.1 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from . import models

SCHEMA_MODELS = [
    models.Ticket, models.TicketList, models.CreateOrderRequest, models.CreateOrderResponse,
    models.Order, models.Error, models.SystemStatus,
    models.CreateRedisEntry, models.UpdateRedisEntry, models.RedisEntry, models.SuccessMessage,
]


def _ref(model) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _price_param(name: str, description: str) -> dict:
    return {"in": "query", "name": name, "required": False,
            "schema": {"type": "number", "minimum": 0}, "description": description}


def _admin_paths() -> dict:
    key = {"in": "path", "name": "key", "required": True,
           "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9][A-Za-z0-9:._-]*$"}}
    secured = {"tags": ["admin"], "security": [{"adminToken": []}]}
    common = {
        "400": _json(models.Error, "Invalid key or body"),
        "401": _json(models.Error, "Missing or wrong bearer token"),
        "404": _json(models.Error, "No such key, or the admin API is disabled (ADMIN_TOKEN unset)"),
    }
    with_body = {**common, "415": _json(models.Error, "The body's Content-Type is not application/json")}
    body = lambda model: {"required": True, "content": {"application/json": {"schema": _ref(model)}}}  # noqa: E731
    return {
        "/redis": {"post": {
            **secured, "summary": "Create a key with a JSON value", "operationId": "adminCreate",
            "requestBody": body(models.CreateRedisEntry),
            "responses": {"201": _json(models.SuccessMessage, "Created"), **with_body,
                          "409": _json(models.Error, "The key exists already")},
        }},
        "/redis/{key}": {
            "parameters": [key],
            "get": {**secured, "summary": "Read a key", "operationId": "adminRead",
                    "responses": {"200": _json(models.RedisEntry, "The value"), **common}},
            "put": {**secured, "summary": "Replace an existing key's value", "operationId": "adminReplace",
                    "requestBody": body(models.UpdateRedisEntry),
                    "responses": {"200": _json(models.SuccessMessage, "Replaced"), **with_body}},
            "delete": {**secured, "summary": "Delete a key", "operationId": "adminDelete",
                       "responses": {"200": _json(models.SuccessMessage, "Deleted"), **common}},
        },
    }


def build_openapi(version: str, max_tickets_per_order: int, ticket_types: list[str]) -> dict:
    # Request bodies are validated in "validation" mode, responses are dumped in
    # "serialization" mode; pydantic gives each its own schema where they differ.
    _, defs = models_json_schema(
        [(m, "validation") for m in SCHEMA_MODELS], ref_template="#/components/schemas/{model}"
    )
    bad_request = _json(models.Error, "Invalid request; `error` says which field and why")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ticket Purchase API",
            "version": version,
            "description": (
                "Browse ticket types and buy tickets. Orders are accepted at once (`pending`) and "
                "decided asynchronously by the order workers (`confirmed`, `rejected` or `failed`): "
                f"poll `GET /orders/{{orderId}}`. One order holds at most {max_tickets_per_order} tickets. "
                "Every route is also served under `/v1`."
            ),
        },
        "servers": [{"url": "/v1"}, {"url": "/"}],
        "tags": [
            {"name": "tickets"}, {"name": "orders"}, {"name": "system"},
            {"name": "admin", "description": "The Database API: JSON values under their own `admin:` namespace, "
                                             "never stock or orders. Off unless ADMIN_TOKEN is set."},
        ],
        "paths": {
            "/tickets": {"get": {
                "tags": ["tickets"], "summary": "Ticket types with live availability",
                "operationId": "listTickets",
                "parameters": [
                    {"in": "query", "name": "type", "required": False,
                     "schema": {"type": "string", "enum": ticket_types},
                     "description": "only tickets of this type; another type is refused with 400"},
                    _price_param("min_price", "only tickets costing at least this much"),
                    _price_param("max_price", "only tickets costing at most this much"),
                ],
                "responses": {"200": _json(models.TicketList, "The tickets"), "400": bad_request},
            }},
            "/orders": {"post": {
                "tags": ["orders"], "summary": "Place an order",
                "operationId": "createOrder",
                "parameters": [{
                    "in": "header", "name": "Idempotency-Key", "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": "A key of the client's choosing (a UUID): a retry with the same key and body "
                                   "returns the first response (header Idempotent-Replayed: true) and buys nothing "
                                   "twice; the same key with another body is refused with 409.",
                }],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref(models.CreateOrderRequest)}}},
                "responses": {
                    "201": _json(models.CreateOrderResponse, "Accepted and queued; its status is `pending`"),
                    "400": bad_request,
                    "409": _json(models.Error, "The Idempotency-Key was used with another request body"),
                    "413": _json(models.Error, "Request body too large"),
                    "415": _json(models.Error, "The body's Content-Type is not application/json"),
                    "503": _json(models.Error, "Too many orders waiting for a decision, or the store is "
                                               "unavailable; retry after the Retry-After header's seconds"),
                },
            }},
            "/orders/{orderId}": {"get": {
                "tags": ["orders"], "summary": "An order and its status",
                "operationId": "getOrder",
                "parameters": [{"in": "path", "name": "orderId", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(models.Order, "The order"),
                              "404": _json(models.Error, "No such order")},
            }},
            "/system/status": {"get": {
                "tags": ["system"], "summary": "Backlog, active workers and stock, for the dashboard",
                "operationId": "getSystemStatus",
                "responses": {"200": _json(models.SystemStatus, "A snapshot of the system")},
            }},
            **_admin_paths(),
        },
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer",
                                               "description": "the gateway's ADMIN_TOKEN"}},
        },
    }
