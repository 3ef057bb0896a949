"""Request bodies read with the error policy's distinct answer for each way they can be wrong; response
bodies written only through the models that document them, so a body cannot drift from the schema."""

from __future__ import annotations

import json
from typing import TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError

from ..errors import ApiError, from_validation_error

M = TypeVar("M", bound=BaseModel)


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_body(model: type[M]) -> M:
    """The body validated as `model`: 415 for another Content-Type, 400 for malformed JSON, for JSON
    that is not an object, and for any field that is missing, wrong or unknown."""
    if request.mimetype != "application/json":
        raise ApiError(415, "body: Content-Type must be application/json", "body")
    try:
        # Python's json would take NaN and Infinity; JSON has neither.
        body = json.loads(request.get_data(), parse_constant=_no_constants)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ApiError(400, "body: is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "body: must be a JSON object", "body")
    try:
        return model.model_validate(body)
    except ValidationError as e:
        raise from_validation_error(e) from None


def respond(model: BaseModel, status: int = 200, *, keep_nulls: bool = False) -> tuple[Response, int]:
    """The response body, dumped from its documented model (by alias; absent optional fields left out,
    unless `keep_nulls`: for models whose fields are required and nullable, null is part of the contract)."""
    return jsonify(model.model_dump(mode="json", by_alias=True, exclude_none=not keep_nulls)), status
