"""Every error the API answers is JSON: {"error": "...", "field": "..."}; never an HTML page or a trace."""

from __future__ import annotations

import logging

import redis
from flask import Flask, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ticketing_common.validation import field_path

from . import domain_errors as domain
from .models import Error, SaleNotOpenError

log = logging.getLogger(__name__)


# Each domain error's HTTP status: the one place where the logic's refusals meet HTTP.
DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.UnknownTicket: 400,
    domain.TicketListedTwice: 400,
    domain.TooManyTickets: 400,
    domain.InvalidValue: 400,
    domain.OrderNotFound: 404,
    domain.KeyNotFound: 404,
    domain.IdempotencyConflict: 409,
    domain.KeyExists: 409,
    domain.OrderInWrongState: 409,
    domain.HoldExpired: 410,
    domain.BacklogFull: 503,
    domain.NotReplicated: 503,
    domain.UnknownSale: 404,
    domain.VisitorNotFound: 404,
    domain.RoomNotTakingJoins: 409,
    domain.SaleNotOpen: 425,
    domain.AdmissionRequired: 401,
    domain.AdmissionRefused: 401,
    domain.AdmissionForOtherSale: 403,
    domain.AdmissionUsedUp: 429,
    domain.UnknownEvent: 404,
    domain.EventExists: 409,
    domain.TicketExists: 409,
    domain.InvalidEvent: 422,
    domain.SaleClosed: 409,
    domain.MixedEvents: 422,
}


class ApiError(Exception):
    """An HTTP error raised at the edge (the routes: body parsing, query parameters, auth)."""

    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


def from_validation_error(error: ValidationError) -> ApiError:
    """The first problem pydantic found, as a 400 naming its field."""
    first = error.errors(include_url=False)[0]
    field = field_path(first["loc"])
    message = first["msg"]
    if first["type"] == "missing":
        message = "is required"
    elif first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "value_error" and "error" in first.get("ctx", {}):
        message = str(first["ctx"]["error"])  # our own validator's words, without pydantic's prefix
    return ApiError(400, f"{field}: {message}" if field else message, field or None)


def error_response(status: int, message: str, field: str | None = None):
    return jsonify(Error(error=message, field=field or None).model_dump(exclude_none=True)), status


def from_domain_error(error: domain.DomainError) -> ApiError:
    message = f"{error.field}: {error.message}" if error.field else error.message
    retry_after = error.retry_after if isinstance(error, (domain.BacklogFull, domain.NotReplicated)) else None
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return ApiError(DOMAIN_STATUS[type(error)], message, error.field, headers)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(domain.DomainError)
    def _domain_error(e: domain.DomainError):
        return _api_error(from_domain_error(e))

    @app.errorhandler(domain.SaleNotOpen)
    def _not_open(e: domain.SaleNotOpen):
        # Its own body: the opening time beside the message, for a countdown.
        return jsonify(SaleNotOpenError(error=e.message, opensAt=e.opens_at).model_dump()), 425

    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        response, status = error_response(e.status, e.message, e.field)
        response.headers.update(e.headers)
        return response, status

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        messages = {
            404: "not found",
            405: "method not allowed",
            413: "request body too large",
        }
        code = e.code or 500
        response, status = error_response(code, messages.get(code, e.description or e.name))
        # Keep what the protocol requires, e.g. Allow on a 405.
        original = e.get_response()
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in original.headers:
                response.headers[header] = original.headers[header]
        return response, status

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    def _store_unavailable(e: Exception):
        log.warning("redis unavailable: %s", e)
        response, status = error_response(503, "the order store is unavailable; retry shortly")
        response.headers["Retry-After"] = "1"
        return response, status

    # A cluster in failover or with a slot unserved: as unavailable as a lost connection. Of
    # RedisClusterException's own kinds only those; a cross-slot transaction is a bug (500).
    @app.errorhandler(redis.exceptions.ClusterDownError)
    @app.errorhandler(redis.exceptions.TryAgainError)
    @app.errorhandler(redis.exceptions.MasterDownError)
    @app.errorhandler(redis.exceptions.RedisClusterException)
    def _cluster_unavailable(e: Exception):
        if isinstance(e, redis.exceptions.CrossSlotTransactionError | redis.exceptions.InvalidPipelineStack):
            return _unexpected(e)
        return _store_unavailable(e)

    @app.errorhandler(redis.exceptions.OutOfMemoryError)
    def _store_full(e: Exception):
        # Redis refuses writes at maxmemory (noeviction: orders are never silently evicted).
        log.error("redis is out of memory: %s", e)
        response, status = error_response(503, "the order store is full; retry later")
        response.headers["Retry-After"] = "5"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        # Logged in full here; the client learns nothing about the internals.
        log.exception("unhandled error")
        return error_response(500, "internal error")
