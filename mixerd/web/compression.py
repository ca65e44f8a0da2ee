"""Compressed answers: brotli for a browser that takes it (every current one does), else gzip, for whatever is
worth it (the web app's modules and stylesheet, ``GET /params``, ``GET /state``), so a phone on a weak Wi-Fi loads
the app in a fraction of the bytes. Brotli makes the parameter specs and the state about half of gzip's size.

The app's own files are compressed once, at brotli's best, and kept (by path and ETag: a new version of a file
has a new ETag); answers made per request at a quality that costs a few milliseconds. What is not text (a take's
files, its zip) and partial answers go as they are.

Access control's answers are never compressed: they carry tokens, and a secret in a compressed answer next to
text an attacker can choose can be guessed from the answer's size (BREACH)."""

from __future__ import annotations

from collections.abc import Iterable

import brotli
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Answers smaller than this go as they are: compressing them saves less than its headers cost.
MINIMUM_SIZE = 1024
#: Brotli's quality for answers made per request (5: most of its gain for a few ms) and for the app's files.
QUALITY, STATIC_QUALITY = 5, 11
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
STATIC_PREFIX = "/static/"
#: The app's files kept compressed (a bound: versions of files that changed are not all kept for ever).
STATIC_CACHE = 512


class Compression:
    """Pure ASGI middleware: brotli or gzip (Starlette's) for HTTP answers except under the ``uncompressed``
    path prefixes."""

    def __init__(self, app: ASGIApp, uncompressed: Iterable[str] = ()) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE)
        self.uncompressed = tuple(uncompressed)
        self.static: dict[tuple[str, str], bytes] = {}  # (path, ETag) → the file in brotli

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.uncompressed):
            await self.app(scope, receive, send)
        elif accepts_brotli(Headers(scope=scope).get("accept-encoding", "")):
            await self.app(scope, receive, _Brotli(self, scope["path"], send))
        else:
            await self.gzip(scope, receive, send)


def accepts_brotli(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header takes ``br`` (not with ``q=0``)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "br":
            q = params.strip().lower().replace(" ", "")
            return not (q.startswith("q=") and q[2:].strip("0.") == "")  # q=0, q=0.0, q=0.000: refused
    return False


class _Brotli:
    """The ``send`` of one answer: its start is held until the first body part says whether to compress."""

    def __init__(self, owner: Compression, path: str, send: Send):
        self.owner, self.path, self.send = owner, path, send
        self.start: Message | None = None
        self.compressor: brotli.Compressor | None = None
        self.plain = False
        self.parts: list[bytes] | None = None  # an app's file that comes in parts: gathered, compressed once

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.plain:
            await self.send(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        if self.parts is not None:
            self.parts.append(body)
            if more:
                return
            body, more, self.parts = b"".join(self.parts), False, None
        if self.start is not None:
            headers = MutableHeaders(raw=self.start["headers"])
            if more and self.path.startswith(STATIC_PREFIX) and headers.get("etag") \
                    and self._worth_it(self.start, headers, body, more):
                self.parts = [body]  # a file of the app over one part (64 KiB): whole, then compressed once
                return
            start, self.start = self.start, None
            headers = MutableHeaders(raw=start["headers"])
            if not self._worth_it(start, headers, body, more):
                self.plain = True
                await self.send(start)
                await self.send(message)
                return
            headers["content-encoding"] = "br"
            headers.add_vary_header("Accept-Encoding")
            if not more:  # the whole answer at once (every file of the app, the API's answers)
                packed = self._whole(headers.get("etag"), body)
                headers["content-length"] = str(len(packed))
                await self.send(start)
                await self.send({"type": "http.response.body", "body": packed})
                return
            del headers["content-length"]
            self.compressor = brotli.Compressor(quality=QUALITY)
            await self.send(start)
        data = self.compressor.process(body) + (b"" if more else self.compressor.finish())
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    def _worth_it(self, start: Message, headers: MutableHeaders, body: bytes, more: bool) -> bool:
        return (start["status"] == 200 and "content-encoding" not in headers
                and headers.get("content-type", "").startswith(COMPRESSIBLE)
                and (more or len(body) >= MINIMUM_SIZE))

    def _whole(self, etag: str | None, body: bytes) -> bytes:
        if etag is None or not self.path.startswith(STATIC_PREFIX):
            return brotli.compress(body, quality=QUALITY)
        static = self.owner.static
        packed = static.get((self.path, etag))
        if packed is None:
            packed = brotli.compress(body, quality=STATIC_QUALITY)
            if len(static) >= STATIC_CACHE:
                static.clear()
            static[(self.path, etag)] = packed
        return packed
