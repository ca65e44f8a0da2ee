"""The web app at / (plain HTML, CSS and ES modules; no build step)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

# Module scripts must come with a JavaScript type whatever the host's mime.types says.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")


class _Revalidated(StaticFiles):
    """Static files a browser must revalidate before use (cheap: ETag / Last-Modified answer 304), so
    after an upgrade no phone runs old modules against a new API."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def mount_page(app: FastAPI) -> None:
    """Serve ``index.html`` at ``/`` and its assets under ``/static``."""
    app.mount("/static", _Revalidated(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
