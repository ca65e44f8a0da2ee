"""Compressed answers: gzip for whatever a browser asks compressed and is worth it (the web app's modules and
stylesheet, ``GET /params``, ``GET /state``), so a phone on a weak Wi-Fi loads the app in a fraction of the bytes.

Access control's answers are never compressed: they carry tokens, and a secret in a compressed answer next to
text an attacker can choose can be guessed from the answer's size (BREACH)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

#: Answers smaller than this go as they are: compressing them saves less than its headers cost.
MINIMUM_SIZE = 1024


class Compression:
    """Pure ASGI middleware: gzip (Starlette's) for HTTP answers except under the ``uncompressed`` path prefixes."""

    def __init__(self, app: ASGIApp, uncompressed: Iterable[str] = ()) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE)
        self.uncompressed = tuple(uncompressed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(self.uncompressed):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
