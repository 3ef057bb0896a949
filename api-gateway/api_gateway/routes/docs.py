"""The OpenAPI document and the interactive docs (Swagger UI), served from the project itself:
the page and its assets are ticketing_common.swagger_ui's, the same for every service."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, send_file

from ticketing_common import swagger_ui

from ..services import services

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(services().openapi)


@bp.get("/docs")
def docs_page():
    return send_file(swagger_ui.PAGE, mimetype="text/html")


@bp.get("/docs/<name>")
def docs_asset(name: str):
    path = swagger_ui.asset(name)
    if path is None:
        abort(404)
    return send_file(path)
