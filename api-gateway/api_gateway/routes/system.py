from __future__ import annotations

from flask import Blueprint

from ..demo_reset import reset_demo
from ..models import Error, ResetResult, Scaling, SystemStatus
from ..openapi import operation
from ..scaling import scaling_view
from ..services import services
from ..system_status import system_status
from .bodies import respond
from .control import require_operator

bp = Blueprint("system", __name__)


@bp.get("/system/status")
@operation(
    operation_id="getSystemStatus",
    summary="Backlog, totals, workers and stock, for the dashboard",
    tags=["system"],
    responses={200: (SystemStatus, "A snapshot of the system")},
)
def get_system_status():
    s = services()
    return respond(system_status(s.redis, s.catalogue, s.shards))


@bp.get("/system/scaling")
@operation(
    operation_id="getScaling",
    summary="What the autoscalers are doing: replicas, metric against target, scaling events",
    tags=["system"],
    responses={200: (Scaling, "make up's autoscaler, the cluster's HPAs, or why neither")},
)
def get_scaling():
    s = services()
    return respond(scaling_view(s.redis, s.kubernetes), keep_nulls=True)


@bp.post("/system/reset")
@operation(
    operation_id="resetDemo",
    summary="Reset the demo: delete every order, put the stock back to the catalogue (safe under load)",
    tags=["system"],
    security=[{"adminToken": []}],
    responses={
        200: (ResetResult, "Reset"),
        401: (Error, "ADMIN_TOKEN is set and the bearer token is missing or wrong"),
        403: (Error, "ADMIN_TOKEN is unset and the caller is not on loopback"),
    },
)
def post_reset():
    s = services()
    require_operator("reset the demo")
    return respond(ResetResult(deleted=reset_demo(s.redis, s.catalogue, s.shards)))
