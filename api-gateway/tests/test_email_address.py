"""The e-mail fast path answers exactly as pydantic's EmailStr (email-validator) does, or not at all."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, EmailStr, ValidationError

from api_gateway.email_address import _PLAIN, normalized_if_plain
from api_gateway.models import Customer


class _Reference(BaseModel):
    email: EmailStr


def reference(value: str) -> str | None:
    try:
        return _Reference(email=value).email
    except ValidationError:
        return None


ATEXT = "abcxyzABCXYZ0189!#$%&'*+/=?^_`{|}~-"
LDH = "abzAZ09-"


@st.composite
def near_plain_addresses(draw: st.DrawFn) -> str:
    """Addresses around the fast path's edges: odd atext, dots, hyphens, case, lengths, special-use TLDs."""
    local = ".".join(draw(st.lists(st.text(ATEXT, min_size=1, max_size=20), min_size=1, max_size=4)))
    labels = draw(st.lists(st.text(LDH, min_size=1, max_size=12), min_size=1, max_size=4))
    tld = draw(st.sampled_from(["com", "ORG", "io", "x", "c0m", "9com", "test", "localhost", "local", "arpa", "ab-"]))
    return f"{local}@{'.'.join([*labels, tld])}"


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_plain_addresses())
def test_an_accepted_address_is_normalised_as_email_validator_does(value: str) -> None:
    fast = normalized_if_plain(value)
    if fast is not None:
        assert fast == reference(value)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(_PLAIN, fullmatch=True))
def test_every_address_of_the_fast_paths_shape_is_judged_as_email_validator_judges_it(value: str) -> None:
    fast = normalized_if_plain(value)
    if fast is not None:
        assert fast == reference(value)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_gets_the_same_answer_through_the_model(value: str) -> None:
    # The model's field (fast path + fallback) against EmailStr: accepted alike, normalised alike.
    try:
        ours: str | None = Customer(name="A", email=value).email
    except ValidationError:
        ours = None
    theirs = reference(value.strip()) if len(value.strip()) <= 254 else None
    assert ours == theirs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada.Lovelace+tickets@Example.COM", "Ada.Lovelace+tickets@example.com"),
        ("bench+17@example.com", "bench+17@example.com"),
    ],
)
def test_the_common_address_takes_the_fast_path(value: str, expected: str) -> None:
    assert normalized_if_plain(value) == expected == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        "Ada <ada@example.com>",  # display name: EmailStr's
        "ada@bücher.de",  # Unicode domain: IDNA
        "ada@xn--bcher-kva.de",  # IDNA already encoded
        '"ada lovelace"@example.com',  # quoted local part
        "ada@localhost.localhost",  # special-use
        "ada@example",  # one label
        "ada@[127.0.0.1]",  # address literal
        "a" * 65 + "@example.com",  # local part too long
    ],
)
def test_any_other_address_is_left_to_email_validator(value: str) -> None:
    assert normalized_if_plain(value) is None


def test_a_refused_address_keeps_email_validators_message() -> None:
    with pytest.raises(ValidationError) as e:
        Customer(name="A", email="ada@example")
    assert "value is not a valid email address" in str(e.value)


def test_the_schema_still_says_format_email() -> None:
    schema = Customer.model_json_schema()["properties"]["email"]
    assert schema["format"] == "email" and schema["type"] == "string"
