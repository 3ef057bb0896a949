"""The services' interactive API docs (/docs): one page and one start script for all of them.

Swagger UI's own assets come from the pinned swagger-ui-bundle-v2 package (Swagger UI 5, which renders
OpenAPI 3.1), never from a CDN: the docs work offline and on an air-gapped cluster. The page loads
`docs/<asset>` relative to itself and runs no inline script, so it works behind nginx's prefixes and
under its Content-Security-Policy (script-src 'self').
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from swagger_ui_bundle import swagger_ui_path

HERE = Path(__file__).resolve().parent / "swagger_ui"
PAGE = HERE / "docs.html"
_SWAGGER_UI = Path(swagger_ui_path)
# The assets the page uses, and the folder each is served from; nothing else is served.
ASSETS: dict[str, Path] = {
    "swagger-ui.css": _SWAGGER_UI,
    "swagger-ui-bundle.js": _SWAGGER_UI,
    "favicon-32x32.png": _SWAGGER_UI,
    "docs-init.js": HERE,
}


def asset(name: str) -> Path | None:
    """The file of a listed asset, or None for any other name."""
    folder = ASSETS.get(name)
    return folder / name if folder else None


def mount_on_fastapi(app: Any) -> None:
    """Serve /docs and its assets on a FastAPI app created with docs_url=None and redoc_url=None
    (FastAPI's own pages load Swagger UI from a CDN with an inline script)."""
    from fastapi import HTTPException
    from fastapi.responses import FileResponse

    @app.get("/docs", include_in_schema=False)
    async def docs_page() -> FileResponse:
        return FileResponse(PAGE, media_type="text/html")

    @app.get("/docs/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        path = asset(name)
        if path is None:
            raise HTTPException(404, "not found")
        return FileResponse(path)
