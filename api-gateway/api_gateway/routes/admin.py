"""The admin Database API: off unless ADMIN_TOKEN is set, and then only for its bearer."""

from __future__ import annotations

import hmac
from typing import TypedDict

from flask import Blueprint, request
from pydantic import TypeAdapter, ValidationError

from .. import admin
from ..errors import ApiError
from ..models import AdminKey, CreateRedisEntry, Error, RedisEntry, SuccessMessage, UpdateRedisEntry
from ..openapi import JSON, Param, operation
from ..services import services
from .bodies import json_body, respond

bp = Blueprint("admin", __name__)
_key = TypeAdapter(AdminKey)


class _Secured(TypedDict):
    tags: list[str]
    security: list[JSON]


# What every admin operation documents.
SECURED: _Secured = {"tags": ["admin"], "security": [{"adminToken": []}]}
COMMON = {
    400: (Error, "Invalid key or body"),
    401: (Error, "Missing or wrong bearer token"),
    404: (Error, "No such key, or the admin API is disabled (ADMIN_TOKEN unset)"),
}
KEY = Param(
    "path",
    "key",
    {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9][A-Za-z0-9:._-]*$"},
    required=True,
)


@bp.before_request
def require_admin_token():
    token = services().settings.admin_token
    if token is None:
        raise ApiError(404, "the admin API is disabled; set ADMIN_TOKEN to enable it")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    # Constant-time comparison: the time taken says nothing about how much of the token matched.
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.encode(), token.get_secret_value().encode()):
        raise ApiError(401, "a valid bearer token is required", headers={"WWW-Authenticate": 'Bearer realm="admin"'})


def _valid_key(key: str) -> str:
    try:
        return _key.validate_python(key)
    except ValidationError as e:
        raise ApiError(400, f"key: {e.errors(include_url=False)[0]['msg']}", "key") from None


@bp.post("/redis")
@operation(
    operation_id="adminCreate",
    summary="Create a key with a JSON value",
    **SECURED,
    body=CreateRedisEntry,
    responses={201: (SuccessMessage, "Created"), **COMMON, 409: (Error, "The key exists already")},
)
def create():
    entry = json_body(CreateRedisEntry)
    s = services()
    admin.create_entry(s.redis, entry.key, entry.value, s.settings.admin_max_value_bytes)
    return respond(SuccessMessage(message="created", key=entry.key), 201)


@bp.get("/redis/<path:key>")
@operation(
    operation_id="adminRead",
    summary="Read a key",
    **SECURED,
    params=[KEY],
    responses={200: (RedisEntry, "The value"), **COMMON},
)
def read(key: str):
    key = _valid_key(key)
    return respond(RedisEntry(key=key, value=admin.read_entry(services().redis, key)))


@bp.put("/redis/<path:key>")
@operation(
    operation_id="adminReplace",
    summary="Replace an existing key's value",
    **SECURED,
    params=[KEY],
    body=UpdateRedisEntry,
    responses={200: (SuccessMessage, "Replaced"), **COMMON},
)
def replace(key: str):
    key = _valid_key(key)
    entry = json_body(UpdateRedisEntry)
    s = services()
    admin.replace_entry(s.redis, key, entry.value, s.settings.admin_max_value_bytes)
    return respond(SuccessMessage(message="updated", key=key))


@bp.delete("/redis/<path:key>")
@operation(
    operation_id="adminDelete",
    summary="Delete a key",
    **SECURED,
    params=[KEY],
    responses={200: (SuccessMessage, "Deleted"), **COMMON},
)
def delete(key: str):
    key = _valid_key(key)
    admin.delete_entry(services().redis, key)
    return respond(SuccessMessage(message="deleted", key=key))
