"""Request bodies are validated straight from their bytes (pydantic's JSON parser) where that is sure to
give what Python's json and the model give; everything else takes that slower path and its answers."""

import json

import pytest

from api_gateway.errors import ApiError
from api_gateway.models import CreateOrderRequest, CreateRedisEntry
from api_gateway.routes.bodies import validate_checked, validate_fast

from .conftest import order_body

VALID = [
    json.dumps(order_body()),
    json.dumps(order_body(), ensure_ascii=False),
    json.dumps({**order_body(), "customer": {"name": "  Zoë Ünal  ", "email": "zoe@example.com"}}),
    json.dumps({**order_body(), "customer": {"name": "Ada \\u00e9", "email": "ada@example.com"}}),
    # the last of a duplicated key counts, in both parsers
    '{"customer":{"name":"A","email":"a@example.com"},"items":[{"ticketId":"adult","qty":1}],'
    '"paymentMethod":"paypal","paymentMethod":"credit_card"}',
]


@pytest.mark.parametrize("data", VALID)
def test_the_fast_path_gives_what_json_and_the_model_give(data):
    fast = validate_fast(CreateOrderRequest, data.encode())
    assert fast is not None
    assert fast == validate_checked(CreateOrderRequest, data.encode())


def test_bytes_that_may_hold_nan_or_infinity_are_left_to_the_checked_path():
    # pydantic's parser takes NaN and Infinity; JSON and the gateway do not.
    for data in (b'{"key": "k", "value": {"x": NaN}}', b'{"key": "k", "value": {"x": -Infinity}}'):
        assert validate_fast(CreateRedisEntry, data) is None
        with pytest.raises(ApiError) as refused:
            validate_checked(CreateRedisEntry, data)
        assert refused.value.message == "body: is not valid JSON"
    # Inside a string they are no numbers: such a body is valid, by the checked path.
    data = b'{"key": "k", "value": {"name": "NaNa", "x": "Infinity"}}'
    assert validate_fast(CreateRedisEntry, data) is None
    assert validate_checked(CreateRedisEntry, data).value == {"name": "NaNa", "x": "Infinity"}


@pytest.mark.parametrize(
    "data, field",
    [
        (json.dumps(order_body(customer={"name": "Ada\ud800", "email": "a@example.com"})).encode(), "customer.name"),
        (b"[1]", "body"),
        (b'{"customer": 5}', "customer"),
    ],
    ids=["lone surrogate", "not an object", "wrong type"],
)
def test_a_body_the_fast_path_refuses_is_left_to_the_checked_path(data, field):
    assert validate_fast(CreateOrderRequest, data) is None
    with pytest.raises(ApiError) as refused:
        validate_checked(CreateOrderRequest, data)
    assert refused.value.field == field


def test_utf16_json_is_still_read():
    data = json.dumps(order_body()).encode("utf-16")
    assert validate_fast(CreateOrderRequest, data) is None
    assert validate_checked(CreateOrderRequest, data) == CreateOrderRequest.model_validate(order_body())
