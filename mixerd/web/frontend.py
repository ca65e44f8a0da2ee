"""The web API, its WebSocket and the web app as one of the mixer's front ends (``mixerd.frontend``): uvicorn
serving ``create_app`` on an HTTP socket bound beforehand (so the address could be printed), in a thread."""

from __future__ import annotations

import socket

from mixerd.frontend import Services
from mixerd.web.app import create_app
from mixerd.web.server import ServerThread

#: How long uvicorn may take to come up (the app's start-up included) before start() gives up.
START_TIMEOUT = 30.0
#: How long a graceful stop (the WebSockets closed, the lifespan's shutdown) may take.
STOP_TIMEOUT = 15.0


class WebFrontEnd:
    """Serves the web front end on ``sock`` while started; ``tls`` are uvicorn's ``ssl_certfile``/``ssl_keyfile``."""

    name = "web"

    def __init__(self, sock: socket.socket, tls: dict[str, str] | None = None):
        self.sock = sock
        self.tls = dict(tls or {})
        self.app = None
        self._server: ServerThread | None = None

    def start(self, services: Services) -> None:
        self.app = create_app(services.control, scenes=services.scenes, auth=services.access,
                              diagnostics=services.diagnostics, recorder=services.recorder, player=services.player,
                              statuses=services.statuses, listener=services.listener, fleet=services.fleet)
        self._server = ServerThread(self.app, self.sock, name="mixerd-web", lifespan="on", **self.tls)
        self._server.start(START_TIMEOUT)

    @property
    def running(self) -> bool:
        """Whether uvicorn still serves (False once it stopped, or if it ended by itself)."""
        return self._server is not None and self._server.running

    @property
    def clients(self) -> int:
        """WebSocket clients connected now."""
        return len(self.app.state.live) if self.app is not None else 0

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop(STOP_TIMEOUT)
