"""Admission tokens: what an admitted visitor shows POST /orders, checked without a Redis round trip.

A token is ``<base64url(payload JSON)>.<base64url(HMAC-SHA256(key, payload part))>``, the payload
``{"v": visitorId, "s": saleId, "k": kid, "exp": ms, "n": uses}``. The signing key of key id K is
HMAC-SHA256(master secret, "admission-key:" + K), and K = floor(now / rotation period): keys rotate by
themselves, every gateway derives the same one from the shared master secret, and no key is ever stored.
A token verifies while its kid is the current one or the one before (a token signed just before a
rotation stays good for at least one more period); older kids are retired. The use count is the only
thing that needs Redis, and it is counted where the order is stored (enqueue_order.lua).

Plain functions; the secret is an argument. `master_secret` gets it once per process.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from functools import lru_cache

import redis

from ticketing_common import keys

KEY_LABEL = "admission-key:"
SECRET_BYTES = 32


class TokenError(Exception):
    """A token that does not admit: `message` names why (the API answers it as the error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedToken(TokenError):
    pass


class BadSignature(TokenError):
    pass


class RetiredKey(TokenError):
    pass


class ExpiredToken(TokenError):
    pass


class WrongSale(TokenError):
    pass


@dataclass(frozen=True)
class Claims:
    visitor_id: str
    sale_id: str
    kid: int
    expires_ms: int
    uses: int


def master_secret(client: redis.Redis, configured: str | None) -> bytes:
    """The master secret: ADMISSION_SECRET when set, else one generated once and shared by every gateway
    through Redis (SET NX: the first gateway's wins). Call it once at start and keep the result."""
    if configured is not None:
        return configured.encode()
    client.set(keys.ROOM_SECRET, secrets.token_hex(SECRET_BYTES), nx=True)
    stored = client.get(keys.ROOM_SECRET)
    if not stored:  # deleted between the two calls: vanishingly rare, and a restart fixes it
        raise RuntimeError(f"{keys.ROOM_SECRET} is missing in redis")
    return str(stored).encode()


@lru_cache(maxsize=64)
def signing_key(secret: bytes, kid: int) -> bytes:
    # Cached: a verification derives at most two keys, and they change once per rotation period.
    return hmac.new(secret, (KEY_LABEL + str(kid)).encode(), hashlib.sha256).digest()


def current_kid(now_ms: int, rotation_seconds: int) -> int:
    return now_ms // (rotation_seconds * 1000)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(
    secret: bytes,
    *,
    visitor_id: str,
    sale_id: str,
    expires_ms: int,
    uses: int,
    now_ms: int,
    rotation_seconds: int,
) -> str:
    """A token for this visitor and sale, signed with the current key."""
    kid = current_kid(now_ms, rotation_seconds)
    payload = json.dumps(
        {"v": visitor_id, "s": sale_id, "k": kid, "exp": expires_ms, "n": uses}, separators=(",", ":")
    ).encode()
    body = _b64(payload)
    mac = hmac.new(signing_key(secret, kid), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


MAX_TOKEN_LENGTH = 1024


def verify(secret: bytes, token: str, *, sale_id: str, now_ms: int, rotation_seconds: int) -> Claims:
    """The token's claims, or a TokenError saying what is wrong: MalformedToken, BadSignature (forged or
    tampered), RetiredKey (signed with a key older than the previous one), ExpiredToken, WrongSale."""
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise MalformedToken("Admission-Token: malformed (expected <payload>.<signature>)")
    body, _, signature = token.partition(".")
    try:
        payload = json.loads(_unb64(body))
        mac = _unb64(signature)
    except (ValueError, binascii.Error):  # bad base64, bad UTF-8, bad JSON
        raise MalformedToken("Admission-Token: malformed (not base64url JSON)") from None
    kid = payload.get("k") if isinstance(payload, dict) else None
    if not isinstance(kid, int) or isinstance(kid, bool):
        raise MalformedToken("Admission-Token: malformed (no key id)")
    current = current_kid(now_ms, rotation_seconds)
    # The signature is checked first only for kids we would accept; any other kid is refused as
    # retired (or unknown, for a kid from the future) without deriving its key.
    if kid not in (current, current - 1):
        raise RetiredKey(f"Admission-Token: signed with a retired or unknown key ({kid}); join the queue again")
    expected = hmac.new(signing_key(secret, kid), body.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise BadSignature("Admission-Token: bad signature")
    try:
        claims = Claims(str(payload["v"]), str(payload["s"]), kid, int(payload["exp"]), int(payload["n"]))
    except (KeyError, TypeError, ValueError):
        raise MalformedToken("Admission-Token: malformed (missing claims)") from None
    if now_ms >= claims.expires_ms:
        raise ExpiredToken("Admission-Token: expired; join the queue again")
    if claims.sale_id != sale_id:
        raise WrongSale(f"Admission-Token: for sale {claims.sale_id!r}, not {sale_id!r}")
    return claims
