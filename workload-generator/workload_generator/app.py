"""The HTTP control API: thin routes over the Controller. Every error is JSON: {"error": "..."}."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .auth import authorized
from .clients import HttpClient, make_client
from .config import ConfigError
from .controller import AlreadyRunning, Controller
from .metrics import WorkloadMetrics
from .runner import RunLimits
from .settings import WorkloadSettings
from .target import TargetError

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


def build_controller(settings: WorkloadSettings, client: HttpClient | None = None, **kwargs) -> Controller:
    return Controller(
        settings.default_config(),
        client=client or make_client(settings),
        limits=RunLimits.from_settings(settings),
        metrics=WorkloadMetrics(),
        **kwargs,
    )


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

    app = FastAPI(title="Workload generator", version=__version__, lifespan=lifespan)
    app.state.controller = controller

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, e: ApiError):
        return JSONResponse({"error": e.message}, status_code=e.status, headers=e.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return JSONResponse({"error": str(e.detail).lower()}, status_code=e.status_code, headers=e.headers)

    def require_token(request: Request) -> None:
        if not authorized(request.headers.get("authorization"), token):
            raise ApiError(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})

    @app.post("/start")
    async def start(request: Request):
        require_token(request)
        try:
            await controller.start(await _json_body(request))
        except ConfigError as e:
            raise ApiError(422, str(e)) from None
        except AlreadyRunning:
            raise ApiError(409, "a run is already in progress; POST /stop first") from None
        except TargetError as e:
            raise ApiError(502, str(e)) from None
        return controller.snapshot()

    @app.post("/stop")
    async def stop(request: Request):
        require_token(request)
        await controller.stop()
        return controller.snapshot()

    @app.get("/config")
    async def get_config():
        return controller.config().model_dump(mode="json")

    @app.put("/config")
    async def put_config(request: Request):
        require_token(request)
        patch = await _json_body(request)
        try:
            config = await controller.update({} if patch is None else patch)
        except ConfigError as e:
            raise ApiError(422, str(e)) from None
        except TargetError as e:
            raise ApiError(502, str(e)) from None
        return config.model_dump(mode="json")

    @app.get("/stats")
    async def stats():
        return controller.snapshot()

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz():
        # Ready once serving: the generator needs no backing service, and an unreachable
        # target must not take its control API out of a Service's endpoints.
        return {"status": "ready"}

    @app.get("/metrics")
    async def prometheus_metrics():
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app


async def _json_body(request: Request) -> object | None:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "body: must be valid JSON") from None
