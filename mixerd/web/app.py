"""create_app: the FastAPI application for one Control, with no module-level state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from mixerd import __version__
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.diagnostics import Diagnostics
from mixerd.control.access import Auth
from mixerd.web.compression import Compression
from mixerd.web.deps import require_access
from mixerd.web.errors import install_error_handlers
from mixerd.web.headers import SecurityHeaders
from mixerd.web.methods import install_allowed_methods
from mixerd.web.openapi import install_openapi
from mixerd.web.origin import SameOrigin
from mixerd.web.page import mount_page
from mixerd.web.routes import api_router
from mixerd.web.ws import LiveHub, websocket_endpoint

API_PREFIX = "/api/v1"


def create_app(control: Control, scenes: SceneService | None = None, auth: Auth | None = None,
               diagnostics: Diagnostics | None = None, recorder=None, player=None,
               statuses: Mapping[str, Callable[[], dict[str, Any]]] | None = None, listener=None,
               fleet=None) -> FastAPI:
    """A FastAPI app serving the REST API and the WebSocket under /api/v1 and the web app at / for ``control``.

    ``scenes`` (scenes, safes, versions, A/B) defaults to a SceneService on ``control``'s store; the app's
    lifespan runs its automatic-version thread and closes the WebSockets at shutdown. ``auth`` turns access
    control on (see mixerd/control/access.py); None leaves the API open to everyone. ``diagnostics`` (the live
    problem finder, shared with MQTT) defaults to one of the app's own, run by its lifespan. ``recorder`` (the
    daemon's ``mixerd.recorder.Recorder``) serves /recorder and /takes, ``player`` (its ``Player``) /player; None:
    they answer 503. ``statuses``: the other front ends' facts for ``/health`` (``Services.statuses``).
    ``listener`` (the daemon's ``Listener``) serves the RTA over the WebSocket. ``fleet`` (``Services.fleet``: the
    mixerd on the MQTT broker, anything with ``status()``) serves /fleet; None: MQTT is off, the list is empty."""
    scenes = scenes if scenes is not None else SceneService(control)
    own_diagnostics = diagnostics is None
    diagnostics = Diagnostics(control, listener=listener) if diagnostics is None else diagnostics
    live = LiveHub(control, auth, diagnostics=diagnostics, scenes=scenes, listener=listener)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scenes.start()
        diagnostics.start()
        live.start()
        try:
            yield
        finally:
            await live.shutdown()
            if own_diagnostics:
                diagnostics.stop()
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
    app.state.auth = auth
    app.state.diagnostics = diagnostics
    app.state.recorder = recorder
    app.state.player = player
    app.state.statuses = statuses if statuses is not None else {}
    app.state.live = live
    app.state.fleet = fleet
    install_error_handlers(app)
    install_allowed_methods(app)  # OPTIONS and every 405 list all of a path's methods
    # Every REST endpoint: who is asking, and the write rule (mixerd/web/deps.py require_access).
    app.include_router(api_router, prefix=API_PREFIX, dependencies=[Depends(require_access)])
    app.add_api_websocket_route(API_PREFIX + "/ws", websocket_endpoint, name="live")
    mount_page(app)
    install_openapi(app, API_PREFIX)
    app.add_middleware(Compression, uncompressed=(API_PREFIX + "/auth",))  # never a token compressed (BREACH)
    app.add_middleware(SameOrigin)  # writes and the WebSocket only from the app's own origin (origin.py)
    app.add_middleware(SecurityHeaders, docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url))
    return app
