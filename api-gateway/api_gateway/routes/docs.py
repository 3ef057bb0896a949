"""The OpenAPI document and the interactive docs (Swagger UI), served from the project itself.

Swagger UI's assets come from the pinned swagger-ui-bundle-v2 package (Swagger UI 5, which renders
OpenAPI 3.1; the generator serves the same one), never from a CDN: the docs work offline and on an
air-gapped cluster.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, jsonify, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from ..services import services

bp = Blueprint("docs", __name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
SWAGGER_UI_DIST = Path(swagger_ui_path)
# The assets the page uses, and from where; nothing else in either folder is served.
ASSETS = {
    "swagger-ui.css": SWAGGER_UI_DIST,
    "swagger-ui-bundle.js": SWAGGER_UI_DIST,
    "favicon-32x32.png": SWAGGER_UI_DIST,
    "docs-init.js": STATIC,
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(services().openapi)


@bp.get("/docs")
def docs_page():
    return send_from_directory(STATIC, "docs.html", mimetype="text/html")


@bp.get("/docs/<name>")
def docs_asset(name: str):
    folder = ASSETS.get(name)
    if folder is None:
        abort(404)
    return send_from_directory(folder, name)
