"""An app on a real HTTP server in a thread of this process: uvicorn on a free 127.0.0.1 port, for the
benches (``mixerd bench --workload meters|ws``), the tests that talk to a real server, and the daemon's web
front end (``mixerd.web.frontend``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def server_config(app, **kwargs) -> uvicorn.Config:
    """The uvicorn settings mixerd serves with (the daemon, ``serve``). ``proxy_headers=False``: a request's
    client address is the socket's peer. uvicorn's default believes X-Forwarded-For (and -Proto) from
    127.0.0.1, so any client over loopback could claim a new address per request and step round the login
    rate limit. mixerd has no trusted-reverse-proxy setting, so no header names the client.
    ``ws_per_message_deflate=False``: compressing every meter frame once per socket cost more CPU than the
    whole rest of the web side (meter frames are compact binary instead, the same bytes for every socket)."""
    return uvicorn.Config(app, log_level="warning", proxy_headers=False, ws_per_message_deflate=False, **kwargs)


class ServerThread:
    """uvicorn serving ``app`` on the bound ``sock`` in a thread of this process: ``start()`` returns once it serves
    (RuntimeError if it does not come up within ``start_timeout``), ``stop()`` ends it gracefully (WebSockets
    closed, the lifespan's shutdown run). The daemon's web front end and ``serve`` both run one."""

    def __init__(self, app, sock: socket.socket, *, name: str = "uvicorn", **config) -> None:
        self.sock = sock
        self.server = uvicorn.Server(server_config(app, **config))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)

    def start(self, start_timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + start_timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("uvicorn did not start (see the log)")
            time.sleep(0.01)

    @property
    def running(self) -> bool:
        """Whether it still serves (False once stopped, or if uvicorn ended by itself)."""
        return self.thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)


@contextmanager
def serve(app, start_timeout: float = 10.0, lifespan: str = "off") -> Iterator[str]:
    """Run ``app`` in a real uvicorn server on a free 127.0.0.1 port; yield its base URL. ``lifespan="on"``
    runs the app's start-up and shutdown as the daemon does."""
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP (else every
    # keep-alive answer waits ~40 ms for a delayed ACK between its headers and its body).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the bound socket goes to uvicorn: no race for the port
    port = sock.getsockname()[1]
    server = ServerThread(app, sock, lifespan=lifespan)
    try:
        server.start(start_timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        sock.close()
