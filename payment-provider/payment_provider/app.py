"""The provider's HTTP API: thin routes over charges.py.

Every error is JSON, `{"error": "<field>: <what is wrong>", "field": "<field>"}` (`field` left out when
no single field is at fault), with the generator's and the gateway's statuses: 400 for malformed JSON,
a body that is not an object and any invalid or unknown field; 415 for a body that is not
application/json; 401/403 for a write the guard refuses (auth.py); 404 for a key never charged; 409 for
a key charged with another amount, or a refund of a declined charge; 503 for a simulated processing
error (nothing recorded) and while Redis is unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

import redis.asyncio as redis
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisClusterException
from starlette.exceptions import HTTPException as StarletteHTTPException

from ticketing_common import redis_client as redis_factory
from ticketing_common import swagger_ui

from . import __version__, charges, metrics
from .api_models import KEY_DESCRIPTION, KEY_PATTERN, Charge, ChargeRequest, ErrorBody, HealthStatus, Ledger
from .auth import Refused, check_write
from .charges import Rules, Scripts
from .money import AmountError, parse_amount
from .record import RefundVerdict, Verdict
from .settings import PaymentSettings

log = logging.getLogger(__name__)

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, OSError)
# A path's key as every route takes it (a bad one is 400, as for the body's field of the same name).
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN, description=KEY_DESCRIPTION)]


class ApiError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def error_response(
    status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"error": f"{field}: {message}" if field else message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def describe_first(error: dict[str, Any]) -> tuple[str, str]:
    """(field, what is wrong) of one of FastAPI's validation errors, its body/path/query prefix dropped."""
    loc = [str(p) for p in error.get("loc", ())]
    if loc[:1] and loc[0] in ("body", "path", "query"):
        loc = loc[1:]
    kind, message = error.get("type", ""), error.get("msg", "is invalid")
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        message = "unknown field"
    elif kind == "string_pattern_mismatch" and loc[-1:] == ["idempotencyKey"]:
        message = "must be 1-200 of A-Z a-z 0-9 . _ : -"
    message = message.removeprefix("Value error, ")
    return ".".join(loc), message


def redis_client(settings: PaymentSettings) -> redis_factory.AsyncClient:
    return redis_factory.from_settings(settings, asyncio=True)


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (400, 503)}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 401: {"model": ErrorBody}, 403: {"model": ErrorBody}}


def create_app(settings: PaymentSettings, client: redis_factory.AsyncClient | None = None) -> FastAPI:
    client = client if client is not None else redis_client(settings)
    scripts = Scripts.register(client)
    rules = Rules.from_settings(settings)
    token = settings.token()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        log.info(
            "payment provider ready",
            extra={
                "mix": rules.mix.as_dict(),
                "latencyMedianMs": rules.latency.median_ms,
                "latencySigma": rules.latency.sigma,
                "timeoutDelayS": rules.timeout_delay_s,
                "writes": "bearer token" if token else "loopback only",
            },
        )
        yield
        await client.aclose()

    # docs_url=None: FastAPI's page loads Swagger UI from a CDN; the shared one works offline.
    app = FastAPI(title="Payment provider", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    swagger_ui.mount_on_fastapi(app)

    def write_guard(request: Request) -> None:
        check_write(request.headers.get("authorization"), token, request.client.host if request.client else None)

    def is_write(request: Request) -> bool:
        dependant = getattr(request.scope.get("route"), "dependant", None)
        return dependant is not None and any(d.call is write_guard for d in dependant.dependencies)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        return error_response(e.status, e.message, e.field)

    @app.exception_handler(Refused)
    async def _refused(request: Request, e: Refused):
        return error_response(e.status, e.message, headers=e.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        # FastAPI validates the body before the guard runs: a refused caller learns nothing of it.
        if is_write(request):
            try:
                write_guard(request)
            except Refused as refused:
                return error_response(refused.status, refused.message, headers=refused.headers)
        first = e.errors()[0]
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if (
            first.get("loc", ())[:1] == ("body",)
            and await request.body()
            and content_type != "application/json"
            and not content_type.endswith("+json")
        ):
            return error_response(415, "Content-Type must be application/json", "body")
        if first.get("type") == "json_invalid":
            return error_response(400, "is not valid JSON", "body")
        field, message = describe_first(first)
        if not field:
            return error_response(400, "must be a JSON object", "body")
        return error_response(400, message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return error_response(e.status_code, str(e.detail).lower(), headers=e.headers)

    # RedisClusterException (a cluster that cannot be reached or has no node for a slot) is not a
    # RedisError: both are the store being unavailable.
    @app.exception_handler(redis.RedisError)
    @app.exception_handler(RedisClusterException)
    async def _redis_error(request: Request, e: Exception):
        # Unreachable or failing Redis: nothing was recorded that the caller cannot ask for again.
        log.warning("redis error: %s", e)
        return error_response(503, f"the provider's store is unavailable ({type(e).__name__}); retry")

    guarded = [Depends(write_guard)]

    @app.post(
        "/charges",
        dependencies=guarded,
        response_model=Charge,
        response_model_exclude_none=True,
        responses={**WRITE_ERRORS, 409: {"model": ErrorBody}},
    )
    async def create_charge(body: ChargeRequest):
        """Charge once per idempotency key. Again with the same key: the first recorded answer, unchanged
        (409 if the amount or currency differs). 503: a simulated processing error, nothing recorded.
        A simulated timeout records the charge (approved) and answers PAYMENT_TIMEOUT_DELAY_SECONDS late."""
        started = time.perf_counter()
        try:
            cents = parse_amount(body.amount, rules.max_amount_cents)
        except AmountError as e:
            raise ApiError(400, str(e), "amount") from None
        if body.currency != rules.currency:
            raise ApiError(400, f"must be {rules.currency} (the one currency this provider takes)", "currency")
        result = await charges.charge(
            client, scripts, rules, body.idempotencyKey, cents, body.currency, body.cardNumber
        )
        if result.verdict is Verdict.ERROR:
            metrics.CHARGES.labels("error").inc()
            metrics.CHARGE_SECONDS.observe(time.perf_counter() - started)
            raise ApiError(503, "simulated processing error: nothing was charged; retry with the same key")
        if result.verdict is Verdict.LATE:
            metrics.CHARGES.labels("error").inc()
            log.warning(
                "charge past its recording deadline, not recorded", extra={"idempotencyKey": body.idempotencyKey}
            )
            raise ApiError(
                503, "the charge took too long and was not recorded: nothing was charged; retry with the same key"
            )
        assert result.charge is not None
        if result.verdict is Verdict.CONFLICT:
            metrics.CHARGES.labels("conflict").inc()
            raise ApiError(
                409,
                f"was charged {result.charge['amount']} {result.charge['currency']} already; "
                f"{body.amount} {body.currency} is another charge: use another key",
                "idempotencyKey",
            )
        if result.verdict is Verdict.EXISTING:
            metrics.CHARGES.labels("replayed").inc()
            return result.charge
        metrics.CHARGE_SECONDS.observe(time.perf_counter() - started)
        if result.answer_after_s > 0:
            metrics.CHARGES.labels("timeout").inc()
            log.debug("simulated timeout", extra={"idempotencyKey": body.idempotencyKey})
            await asyncio.sleep(result.answer_after_s)
        else:
            metrics.CHARGES.labels(result.charge["status"]).inc()
        return result.charge

    @app.get(
        "/charges/{idempotencyKey}",
        response_model=Charge,
        response_model_exclude_none=True,
        responses={**ERRORS, 404: {"model": ErrorBody}},
    )
    async def read_charge(idempotencyKey: KeyPath):
        """The charge recorded under the key; 404 when none was (never charged, or only errors)."""
        found = await charges.get_charge(client, idempotencyKey)
        if found is None:
            raise ApiError(404, f"no charge is recorded under idempotency key {idempotencyKey}")
        return found

    @app.post(
        "/charges/{idempotencyKey}/refund",
        dependencies=guarded,
        response_model=Charge,
        response_model_exclude_none=True,
        responses={**WRITE_ERRORS, 404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
    )
    async def refund_charge(idempotencyKey: KeyPath):
        """Refund an approved charge (again: the refunded charge, unchanged); 409 for a declined one."""
        verdict, found = await charges.refund(client, scripts, idempotencyKey)
        if verdict is RefundVerdict.MISSING:
            raise ApiError(404, f"no charge is recorded under idempotency key {idempotencyKey}")
        if verdict is RefundVerdict.DECLINED:
            raise ApiError(409, "the charge was declined: there is nothing to refund")
        if verdict is RefundVerdict.REFUNDED:
            metrics.REFUNDS.inc()
        return found

    @app.get("/ledger", response_model=Ledger, response_model_exclude_none=True, responses=ERRORS)
    async def read_ledger(limit: Annotated[int, Query(ge=1, le=1000, description="charges listed")] = 100):
        """The newest charges first, and the totals over every charge."""
        return await charges.ledger(client, limit)

    @app.get("/healthz", response_model=HealthStatus)
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", response_model=HealthStatus, responses={503: {"model": ErrorBody}})
    async def readyz():
        try:
            await client.ping()
        except REDIS_DOWN as e:
            return JSONResponse({"status": "unavailable", "error": f"redis: {type(e).__name__}"}, status_code=503)
        return {"status": "ready"}

    @app.get("/metrics", response_class=Response)
    async def prometheus_metrics():
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    _document_only_the_errors_sent(app)
    return app


def _document_only_the_errors_sent(app: FastAPI) -> None:
    """FastAPI documents a 422 of its own shape on every route that validates; this service answers
    validation errors as 400 with ErrorBody (the error policy), so the 422 is left out."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for path in schema["paths"].values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it
