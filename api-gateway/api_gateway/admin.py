"""The admin Database API's logic: JSON values in Redis, confined to the ``admin:`` namespace.

Every key a caller names is prefixed with ``admin:`` before it reaches Redis, so this
API can never read or change stock, orders or streams (all under ``ticketing:``).
"""

from __future__ import annotations

import json

import redis

from ticketing_common.keys import ADMIN_PREFIX

from .domain_errors import InvalidValue, KeyExists, KeyNotFound


def _encode(value: dict, max_bytes: int) -> str:
    try:
        encoded = json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise InvalidValue("NaN and Infinity are not JSON", "value") from None
    if len(encoded.encode()) > max_bytes:
        raise InvalidValue(f"at most {max_bytes} bytes of JSON", "value")
    return encoded


def create_entry(client: redis.Redis, key: str, value: dict, max_bytes: int) -> None:
    if not client.set(ADMIN_PREFIX + key, _encode(value, max_bytes), nx=True):
        raise KeyExists(f"key {key!r} already exists; use PUT to replace it", "key")


def read_entry(client: redis.Redis, key: str) -> dict:
    stored = client.get(ADMIN_PREFIX + key)
    if stored is None:
        raise KeyNotFound(f"key {key!r} not found")
    return json.loads(stored)


def replace_entry(client: redis.Redis, key: str, value: dict, max_bytes: int) -> None:
    if not client.set(ADMIN_PREFIX + key, _encode(value, max_bytes), xx=True):
        raise KeyNotFound(f"key {key!r} not found")


def delete_entry(client: redis.Redis, key: str) -> None:
    if not client.delete(ADMIN_PREFIX + key):
        raise KeyNotFound(f"key {key!r} not found")
