from __future__ import annotations

from flask import Blueprint

from ..services import services
from ..system_status import system_status
from .bodies import respond

bp = Blueprint("system", __name__)


@bp.get("/system/status")
def get_system_status():
    s = services()
    return respond(system_status(s.redis, s.catalogue))
