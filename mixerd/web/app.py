"""create_app: the FastAPI application for one Control, with no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mixerd import __version__
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.web.errors import install_error_handlers
from mixerd.web.openapi import install_openapi
from mixerd.web.page import mount_page
from mixerd.web.routes import api_router

API_PREFIX = "/api/v1"


def create_app(control: Control, scenes: SceneService | None = None) -> FastAPI:
    """A FastAPI app serving the REST API under /api/v1 and the status page at / for ``control``.

    ``scenes`` (scenes, safes, versions, A/B) defaults to a SceneService on ``control``'s store; the app's
    lifespan runs its automatic-version thread."""
    scenes = scenes if scenes is not None else SceneService(control)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scenes.start()
        try:
            yield
        finally:
            scenes.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="mixerd",
        version=__version__,
        description="Headless digital monitor mixer. Every parameter has an address like `ch/1/fader`; "
        "`GET /api/v1/params` lists them with type, range and unit.",
    )
    app.state.control = control
    app.state.scenes = scenes
    install_error_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)
    mount_page(app)
    install_openapi(app)
    return app
