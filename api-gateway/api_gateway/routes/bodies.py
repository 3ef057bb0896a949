"""Request bodies read with the error policy's distinct answer for each way they can be wrong; response
bodies written only through the models that document them, so a body cannot drift from the schema."""

from __future__ import annotations

import json
from typing import TypeVar

from flask import Response, request
from pydantic import BaseModel, ValidationError

from ..errors import ApiError, from_validation_error

M = TypeVar("M", bound=BaseModel)


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_body(model: type[M], invalid_status: int = 400) -> M:
    """The body validated as `model`: 415 for another Content-Type, 400 for malformed JSON, for JSON
    that is not an object, and `invalid_status` (400; the waiting room's routes: 422, as their
    contract says) for any field that is missing, wrong or unknown."""
    if request.mimetype != "application/json":
        raise ApiError(415, "body: Content-Type must be application/json", "body")
    data = request.get_data()
    valid = validate_fast(model, data)
    return valid if valid is not None else validate_checked(model, data, invalid_status)


def validate_fast(model: type[M], data: bytes) -> M | None:
    """The body validated by pydantic straight from its bytes, in one pass with no dict in between;
    None where only validate_checked may decide.

    Where this returns a model, validate_checked returns the same one; it is the common case made
    cheap. pydantic's parser takes NaN and Infinity (JSON has neither), so bytes that may hold them
    are left to validate_checked, and so is every refused body, so that each refusal keeps its one
    answer (and UTF-16 JSON, which json.loads detects, is still read).
    """
    if b"NaN" in data or b"Infinity" in data:
        return None
    try:
        return model.model_validate_json(data)
    except ValidationError:
        return None


def validate_checked(model: type[M], data: bytes, invalid_status: int = 400) -> M:
    """The body parsed by Python's json, then validated: every refusal with its own answer."""
    try:
        # Python's json would take NaN and Infinity; JSON has neither.
        body = json.loads(data, parse_constant=_no_constants)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApiError(400, "body: is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object", "body")
    try:
        return model.model_validate(body)
    except ValidationError as e:
        error = from_validation_error(e)
        error.status = invalid_status
        raise error from None


def respond(model: BaseModel, status: int = 200, *, keep_nulls: bool = False) -> tuple[Response, int]:
    """The response body, dumped from its documented model (by alias; absent optional fields left out,
    unless `keep_nulls`: for models whose fields are required and nullable, null is part of the contract)."""
    # Straight to JSON bytes by pydantic's serializer: no dict, no second encoder.
    return json_response(model.model_dump_json(by_alias=True, exclude_none=not keep_nulls)), status


def json_response(body: str | bytes) -> Response:
    """A response of JSON already encoded."""
    return Response(body, mimetype="application/json")
