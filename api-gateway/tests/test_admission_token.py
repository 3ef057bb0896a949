"""Admission tokens (admission_token.py): signed, bound to visitor and sale, expiring, with rotating keys."""

from __future__ import annotations

import base64
import json

import fakeredis
import pytest

from api_gateway import admission_token as tokens
from ticketing_common import keys

SECRET = b"s" * 32
ROTATION = 3600
HOUR_MS = ROTATION * 1000
NOW = 1_000 * HOUR_MS + 123  # kid 1000


def token(**overrides) -> str:
    args = {
        "visitor_id": "v-1",
        "sale_id": "aurora-2027",
        "expires_ms": NOW + 600_000,
        "uses": 2,
        "now_ms": NOW,
        "rotation_seconds": ROTATION,
    }
    args.update(overrides)
    return tokens.sign(SECRET, **args)


def verify(t: str, *, now_ms: int = NOW, sale_id: str = "aurora-2027", secret: bytes = SECRET) -> tokens.Claims:
    return tokens.verify(secret, t, sale_id=sale_id, now_ms=now_ms, rotation_seconds=ROTATION)


def test_a_token_verifies_and_carries_its_claims():
    claims = verify(token())
    assert claims == tokens.Claims("v-1", "aurora-2027", 1000, NOW + 600_000, 2)


def test_its_payload_is_the_contracts_json():
    body = token().split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert payload == {"v": "v-1", "s": "aurora-2027", "k": 1000, "exp": NOW + 600_000, "n": 2}


def _with_payload(t: str, **changes) -> str:
    body, signature = t.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{forged}.{signature}"


@pytest.mark.parametrize("change", [{"n": 1000}, {"v": "someone-else"}, {"exp": NOW + 10 * HOUR_MS}, {"s": "other"}])
def test_a_tampered_payload_is_a_bad_signature(change):
    with pytest.raises(tokens.BadSignature, match="bad signature"):
        verify(_with_payload(token(), **change))


def test_a_token_signed_with_another_secret_is_a_bad_signature():
    forged = tokens.sign(
        b"x" * 32,
        visitor_id="v-1",
        sale_id="aurora-2027",
        expires_ms=NOW + 600_000,
        uses=2,
        now_ms=NOW,
        rotation_seconds=ROTATION,
    )
    with pytest.raises(tokens.BadSignature):
        verify(forged)


@pytest.mark.parametrize("bad", ["", "abc", "a.b.c", "!!!.???", "e30.", "bm90IGpzb24.c2ln", "x" * 2000])
def test_malformed_tokens_are_refused_as_malformed(bad):
    with pytest.raises(tokens.MalformedToken, match="malformed"):
        verify(bad)


def test_an_expired_token_is_refused():
    with pytest.raises(tokens.ExpiredToken, match="expired"):
        verify(token(expires_ms=NOW + 1000), now_ms=NOW + 1000)


def test_a_token_for_another_sale_is_refused_as_such():
    with pytest.raises(tokens.WrongSale, match="for sale 'aurora-2027', not 'other'"):
        verify(token(), sale_id="other")


def test_key_rotation_current_and_previous_verify_older_do_not():
    signed = token(expires_ms=NOW + 10 * HOUR_MS)
    assert verify(signed, now_ms=NOW).kid == 1000  # current key
    assert verify(signed, now_ms=NOW + HOUR_MS).kid == 1000  # one rotation later: the previous key
    with pytest.raises(tokens.RetiredKey, match="retired"):
        verify(signed, now_ms=NOW + 2 * HOUR_MS)  # two rotations later: retired


def test_a_key_id_from_the_future_is_refused():
    with pytest.raises(tokens.RetiredKey):
        verify(token(now_ms=NOW + HOUR_MS, expires_ms=NOW + 2 * HOUR_MS))


def test_keys_are_derived_per_kid():
    assert tokens.signing_key(SECRET, 1) != tokens.signing_key(SECRET, 2)
    assert tokens.signing_key(SECRET, 1) != tokens.signing_key(b"y" * 32, 1)


def test_the_master_secret_is_generated_once_in_redis_and_shared():
    client = fakeredis.FakeRedis(decode_responses=True)
    first = tokens.master_secret(client, None)
    assert len(first) == 2 * tokens.SECRET_BYTES
    assert tokens.master_secret(client, None) == first  # a second gateway gets the same
    assert client.get(keys.ROOM_SECRET) == first.decode()


def test_a_configured_secret_is_used_and_nothing_is_stored():
    client = fakeredis.FakeRedis(decode_responses=True)
    assert tokens.master_secret(client, "c" * 32) == b"c" * 32
    assert not client.exists(keys.ROOM_SECRET)
