"""The HTTP control API: thin routes over the Controller.

Every error is JSON, `{"error": "<field>: <what is wrong>", "field": "<field>"}` (`field` left out when
no single field is at fault), with the statuses the gateway uses too: 400 for malformed JSON, a body
that is not an object and any invalid or unknown field; 415 for a body that is not application/json;
401/403 for control the guard refuses (ticketing_common.control_auth); 403 for a target not on the allow-list; 409; 502.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from ticketing_common import swagger_ui
from ticketing_common.control_auth import Refused, check_control

from . import __version__, scenarios
from .api_models import ConfigPatch, ErrorBody, ScenarioList, StatsResponse, Status
from .clients import HttpClient, make_client
from .config import ConfigError, RunConfig, TargetNotAllowed, describe_first
from .controller import AlreadyRunning, Controller
from .metrics import WorkloadMetrics
from .runner import RunLimits
from .settings import WorkloadSettings
from .target import TargetError

log = logging.getLogger(__name__)

JSON_TYPES = ("application/json",)


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.headers = status, message, field, headers


def error_response(
    status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"error": f"{field}: {message}" if field else message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


def build_controller(settings: WorkloadSettings, client: HttpClient | None = None, **kwargs) -> Controller:
    return Controller(
        settings.default_config(),
        client=client or make_client(settings),
        limits=RunLimits.from_settings(settings),
        metrics=WorkloadMetrics(),
        allowed_targets=settings.allowed_targets(),
        admin_token=settings.admin_token(),
        **kwargs,
    )


def _config_error(e: ConfigError) -> ApiError:
    return ApiError(403 if isinstance(e, TargetNotAllowed) else 400, e.message, e.field or None)


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (400, 401, 403, 415)}


def create_app(settings: WorkloadSettings, controller: Controller | None = None) -> FastAPI:
    controller = controller or build_controller(settings)
    metrics = controller.metrics or WorkloadMetrics(controller.live)
    token = settings.token()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.workload_autostart:
            try:
                await controller.start()
            except (ConfigError, TargetError) as e:
                log.error("autostart failed: %s", e)
        yield
        await controller.shutdown()
        await controller.client.aclose()

    # FastAPI's own docs pages load Swagger UI from a CDN with an inline script: the shared page
    # (ticketing_common.swagger_ui) works offline and under nginx's CSP.
    app = FastAPI(title="Workload generator", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.controller = controller
    swagger_ui.mount_on_fastapi(app)

    def control_guard(request: Request) -> None:
        check_control(request.headers.get("authorization"), token, request.client.host if request.client else None)

    def is_control(request: Request) -> bool:
        """Whether the matched route is guarded (FastAPI puts the route in the scope before the body is read)."""
        dependant = getattr(request.scope.get("route"), "dependant", None)
        return dependant is not None and any(d.call is control_guard for d in dependant.dependencies)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        return error_response(e.status, e.message, e.field, e.headers)

    @app.exception_handler(Refused)
    async def _refused(request: Request, e: Refused):
        return error_response(e.status, e.message, headers=e.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        # FastAPI reads the body before it runs the guard: an anonymous caller learns nothing of it.
        if is_control(request):
            try:
                control_guard(request)
            except Refused as refused:
                return error_response(refused.status, refused.message, headers=refused.headers)
        errors = list(e.errors())
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if await request.body() and content_type not in JSON_TYPES and not content_type.endswith("+json"):
            return error_response(415, "Content-Type must be application/json", "body")
        first = errors[0]
        if first.get("type") == "json_invalid":
            return error_response(400, "is not valid JSON", "body")
        loc = tuple(first.get("loc", ()))
        if loc[:1] == ("body",):
            loc = loc[1:]
        if not loc and first.get("type") in ("model_attributes_type", "model_type", "dict_type"):
            return error_response(400, "must be a JSON object", "body")
        field, message = describe_first([{**first, "loc": loc}])
        return error_response(400, message, field or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return error_response(e.status_code, str(e.detail).lower(), headers=e.headers)

    guarded = [Depends(control_guard)]

    @app.post(
        "/start",
        dependencies=guarded,
        response_model=StatsResponse,
        responses={**ERRORS, 409: {"model": ErrorBody}, 502: {"model": ErrorBody}},
    )
    async def start(overrides: Annotated[ConfigPatch | None, Body(description="changes for this run only")] = None):
        """Start a run from the stored config, with `overrides` applied to this run only."""
        try:
            await controller.start(None if overrides is None else overrides.changes())
        except ConfigError as e:
            raise _config_error(e) from None
        except AlreadyRunning:
            raise ApiError(409, "a run is already in progress; POST /stop first") from None
        except TargetError as e:
            raise ApiError(502, str(e).removeprefix("targetApi: "), "targetApi") from None
        return controller.snapshot()

    @app.post("/stop", dependencies=guarded, response_model=StatsResponse, responses=ERRORS)
    async def stop():
        await controller.stop()
        return controller.snapshot()

    @app.get("/config", response_model=RunConfig)
    async def get_config():
        return controller.config()

    @app.put("/config", dependencies=guarded, response_model=RunConfig, responses={**ERRORS, 502: {"model": ErrorBody}})
    async def put_config(patch: Annotated[ConfigPatch | None, Body()] = None):
        """Change the stored config (and the running one, within a second); only the fields given change."""
        changes = {} if patch is None else patch.changes()
        try:
            return await controller.update(changes)
        except ConfigError as e:
            raise _config_error(e) from None
        except TargetError as e:
            raise ApiError(502, str(e).removeprefix("targetApi: "), "targetApi") from None

    @app.get("/scenarios", response_model=ScenarioList)
    async def list_scenarios():
        """The named scenarios POST /start {"scenario": name} runs, with their stages and duration."""
        return {"scenarios": [s.describe() for s in scenarios.SCENARIOS.values()]}

    @app.get("/stats", response_model=StatsResponse)
    async def stats():
        return controller.snapshot()

    @app.get("/healthz", response_model=Status)
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", response_model=Status)
    async def readyz():
        # Ready once serving: the generator needs no backing service, and an unreachable
        # target must not take its control API out of a Service's endpoints.
        return {"status": "ready"}

    @app.get("/metrics", response_class=Response)
    async def prometheus_metrics():
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    _document_only_the_errors_sent(app)
    return app


def _document_only_the_errors_sent(app: FastAPI) -> None:
    """FastAPI documents a 422 with its own error shape on every route with a body; this service
    answers validation errors as 400 with ErrorBody (the error policy), so the 422 is left out."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()  # FastAPI caches it in app.openapi_schema: trimmed once, in place
        for path in schema["paths"].values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it
