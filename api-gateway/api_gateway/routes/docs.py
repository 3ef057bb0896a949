from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..openapi import SWAGGER_UI
from ..services import services

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(services().openapi)


@bp.get("/docs")
def docs_page():
    return Response(SWAGGER_UI, mimetype="text/html")
