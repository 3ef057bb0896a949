from __future__ import annotations

from flask import Blueprint

from ..models import SystemStatus
from ..openapi import operation
from ..services import services
from ..system_status import system_status
from .bodies import respond

bp = Blueprint("system", __name__)


@bp.get("/system/status")
@operation(
    operation_id="getSystemStatus",
    summary="Backlog, active workers and stock, for the dashboard",
    tags=["system"],
    responses={200: (SystemStatus, "A snapshot of the system")},
)
def get_system_status():
    s = services()
    return respond(system_status(s.redis, s.catalogue))
