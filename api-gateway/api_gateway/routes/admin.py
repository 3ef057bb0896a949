"""The admin Database API: off unless ADMIN_TOKEN is set, and then only for its bearer."""

from __future__ import annotations

import hmac

from flask import Blueprint, request
from pydantic import TypeAdapter, ValidationError

from .. import admin
from ..errors import ApiError
from ..models import AdminKey, CreateRedisEntry, RedisEntry, SuccessMessage, UpdateRedisEntry
from ..services import services
from .bodies import json_body, respond

bp = Blueprint("admin", __name__)
_key = TypeAdapter(AdminKey)


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
def create():
    entry = json_body(CreateRedisEntry)
    s = services()
    admin.create_entry(s.redis, entry.key, entry.value, s.settings.admin_max_value_bytes)
    return respond(SuccessMessage(message="created", key=entry.key), 201)


@bp.get("/redis/<path:key>")
def read(key: str):
    key = _valid_key(key)
    return respond(RedisEntry(key=key, value=admin.read_entry(services().redis, key)))


@bp.put("/redis/<path:key>")
def replace(key: str):
    key = _valid_key(key)
    entry = json_body(UpdateRedisEntry)
    s = services()
    admin.replace_entry(s.redis, key, entry.value, s.settings.admin_max_value_bytes)
    return respond(SuccessMessage(message="updated", key=key))


@bp.delete("/redis/<path:key>")
def delete(key: str):
    key = _valid_key(key)
    admin.delete_entry(services().redis, key)
    return respond(SuccessMessage(message="deleted", key=key))
