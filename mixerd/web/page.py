"""The static live-status page at / (plain HTML, CSS and an ES module; no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def mount_page(app: FastAPI) -> None:
    """Serve ``index.html`` at ``/`` and its assets under ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        # no-cache: after an upgrade phones must not keep an old page against a new API.
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
