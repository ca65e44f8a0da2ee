"""Security headers on every HTTP answer (the web app, its static files, the API): the console may not be
framed by another site (clickjacking), runs only its own scripts and styles, and leaks no URL (link tokens
live in URLs) through the Referer header."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What the web app in mixerd/web/static needs and no more: its own modules, stylesheet, icon and manifest;
#: fetch and WebSocket to this host ('self' covers ws:/wss: to the same host in CSP 3 browsers); the QR
#: code of a link, an <img> of a blob: URL. No inline script or style (styles are set through the CSSOM).
PAGE_POLICY = ("default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
#: FastAPI's /docs and /redoc load their scripts from a CDN and run inline ones: only the framing rule.
DOCS_POLICY = "frame-ancestors 'none'"

_COMMON = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"))


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware): adds the headers to every HTTP
    answer that does not set them itself; ``docs_paths`` get ``DOCS_POLICY`` instead of ``PAGE_POLICY``."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str | None] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)
        self._page = (*_COMMON, (b"content-security-policy", PAGE_POLICY.encode()))
        self._docs = (*_COMMON, (b"content-security-policy", DOCS_POLICY.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs if scope["path"] in self.docs_paths else self._page

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
