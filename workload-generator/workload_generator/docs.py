"""/docs: Swagger UI from the pinned swagger-ui-bundle package, not a CDN, with no inline script.

FastAPI's built-in page loads its assets from a CDN and starts them with an inline script: blank
offline, and blocked by nginx's Content-Security-Policy (script-src 'self'). Every URL here is
relative, so the page works at /docs and at /workload/docs behind nginx alike.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

INIT_JS = Path(__file__).with_name("static") / "docs-init.js"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Workload generator - API docs</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
"""


def mount(app: FastAPI) -> None:
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs_page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> FileResponse:
        return FileResponse(INIT_JS, media_type="text/javascript")
