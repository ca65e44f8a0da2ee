"""The web API, its WebSocket and the web app as one of the mixer's front ends (``mixerd.frontend``): uvicorn
serving ``create_app`` on an HTTP socket bound beforehand (so the address could be printed), in a thread."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from mixerd.frontend import Services
from mixerd.web.app import create_app
from mixerd.web.server import server_config

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
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, services: Services) -> None:
        self.app = create_app(services.control, scenes=services.scenes, auth=services.access,
                              diagnostics=services.diagnostics)
        self._server = uvicorn.Server(server_config(self.app, lifespan="on", **self.tls))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self.sock]}, name="mixerd-web",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the web front end did not start (see the log)")
            time.sleep(0.02)

    @property
    def running(self) -> bool:
        """Whether uvicorn still serves (False once it stopped, or if it ended by itself)."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def clients(self) -> int:
        """WebSocket clients connected now."""
        return len(self.app.state.live) if self.app is not None else 0

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(STOP_TIMEOUT)
