"""The OpenAPI 3.1 document, built from the routes themselves and the pydantic models that validate requests.

Each documented view carries an `operation(...)` record (summary, tags, request model, parameters,
response models per status); build_openapi walks the app's URL map, so a route cannot go
undocumented or be documented at a path it does not have. Every route is also served under /v1;
the document lists each path once and says so in `servers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import models

JSON = dict[str, Any]
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Param:
    location: str  # "query", "header" or "path"
    name: str
    schema: JSON
    description: str = ""
    required: bool = False
    # The name of a build-time list (e.g. the catalogue's "ticket_types") that is this parameter's enum.
    enum_from: str | None = None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tags: tuple[str, ...]
    responses: dict[int, tuple[type[BaseModel] | None, str]]
    body: type[BaseModel] | None = None
    params: tuple[Param, ...] = ()
    security: tuple[JSON, ...] = ()


# What routes/bodies.json_body can answer for any route with a JSON body.
BODY_ERRORS = {
    400: (models.Error, "Invalid request; `error` says which field and why"),
    413: (models.Error, "Request body too large"),
    415: (models.Error, "The body's Content-Type is not application/json"),
}


# What gunicorn answers for any route before the app sees the request (gunicorn_config.py makes them
# JSON): a request line over its limit (a long query string) or headers over theirs.
SERVER_ERRORS = {
    414: (models.Error, "The request line (path and query string) is too long"),
    431: (models.Error, "The request's headers are too large"),
}


def operation(
    *,
    operation_id: str,
    summary: str,
    tags: Sequence[str],
    responses: dict[int, tuple[type[BaseModel] | None, str]],
    body: type[BaseModel] | None = None,
    params: Sequence[Param] = (),
    security: Sequence[JSON] = (),
) -> Callable[[View], View]:
    """Record how a view is documented; build_openapi reads it from the view."""
    responses = {**SERVER_ERRORS, **responses}
    if body is not None:
        responses = {**BODY_ERRORS, **responses}

    def mark(view: View) -> View:
        op = Operation(
            operation_id, summary, tuple(tags), dict(sorted(responses.items())), body, tuple(params), tuple(security)
        )
        # A function attribute, which type checkers do not track; documented_operations reads it back.
        setattr(view, "openapi", op)  # noqa: B010
        return view

    return mark


def _ref(model: type[BaseModel]) -> JSON:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _parameter(param: Param, context: dict[str, list]) -> JSON:
    schema = dict(param.schema)
    if param.enum_from:
        schema["enum"] = list(context[param.enum_from])
    document = {
        "in": param.location,
        "name": param.name,
        "required": param.required or param.location == "path",
        "schema": schema,
    }
    if param.description:
        document["description"] = param.description
    return document


def _operation(op: Operation, path_args: list[str], context: dict[str, list]) -> JSON:
    declared = {(p.location, p.name) for p in op.params}
    params = [
        _parameter(Param("path", name, {"type": "string"}), context)
        for name in path_args
        if ("path", name) not in declared
    ]
    params += [_parameter(p, context) for p in op.params]
    document: JSON = {"tags": list(op.tags), "summary": op.summary, "operationId": op.operation_id}
    if op.security:
        document["security"] = list(op.security)
    if params:
        document["parameters"] = params
    if op.body is not None:
        document["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
    document["responses"] = {
        str(status): {
            "description": description,
            **({"content": {"application/json": {"schema": _ref(model)}}} if model else {}),
        }
        for status, (model, description) in op.responses.items()
    }
    return document


def _openapi_path(rule: str) -> str:
    """Flask's /orders/<orderId> and /redis/<path:key> as OpenAPI's /orders/{orderId} and /redis/{key}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def documented_operations(app: Flask) -> list[tuple[str, str, Operation, list[str]]]:
    """(OpenAPI path, method, operation, path arguments) of every documented route, once (not again under /v1)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("v1_"):
            continue
        op = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if op is None:
            continue
        args = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)
        assert rule.methods is not None  # Flask gives every rule its methods (GET when none are named)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((_openapi_path(rule.rule), method.lower(), op, args))
    return found


def build_openapi(app: Flask, version: str, max_tickets_per_order: int, ticket_types: list[str]) -> JSON:
    context = {"ticket_types": ticket_types}
    operations = documented_operations(app)
    schema_models: set[type[BaseModel]] = {models.Error}
    paths: JSON = {}
    for path, method, op, args in operations:
        paths.setdefault(path, {})[method] = _operation(op, args, context)
        schema_models |= {m for m, _ in op.responses.values() if m} | ({op.body} if op.body else set())
    # Request bodies are validated in "validation" mode; pydantic gives each model one schema.
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(schema_models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
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
        # Relative to the document's own URL, so "Try it out" at the web app's /api/docs calls
        # /api/v1/... through its proxy, and /v1/... when the gateway is reached directly.
        "servers": [{"url": "v1"}, {"url": "."}],
        "tags": [
            {"name": "tickets"},
            {
                "name": "events",
                "description": "The catalogue of events: browse them; organisers (the admin token) create events, "
                "add ticket types and stock, open and close sales, and read an event's sales (docs/events.md).",
            },
            {"name": "orders"},
            {
                "name": "sales",
                "description": "Sales and their waiting room: join, wait, get an admission token (see "
                "docs/waiting-room.md); the room's settings and figures are for operators.",
            },
            {"name": "system"},
            {
                "name": "admin",
                "description": "The Database API: JSON values under their own `admin:` namespace, "
                "never stock or orders. Off unless ADMIN_TOKEN is set.",
            },
        ],
        "paths": paths,
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "the gateway's ADMIN_TOKEN"}
            },
        },
    }
