"""The same-origin rule: a browser may change the mixer only from the mixer's own pages.

A browser sends the login cookie (SameSite=Lax) with every request to the mixer's host name, whichever
page asks: SameSite tells sites apart, not ports, so a page served from another port of the same host (or,
with access control off, from anywhere) could submit a form to ``POST /api/v1/undo`` or open the WebSocket
as the signed-in admin. A form or a ``no-cors`` fetch needs no permission from the server, only the reply
stays hidden; the change is made all the same.

So every request that may change something — ``POST``, ``PUT``, ``PATCH``, ``DELETE`` and the WebSocket
handshake — is checked before anything else runs: if it says where it comes from (``Origin``, else
``Referer``), that must be the mixer's own origin, the scheme, host and port the request was sent to
(``Host``; behind a reverse proxy also ``X-Forwarded-Host``/``-Proto``). Anything else, ``null`` included
(a sandboxed frame, a ``data:`` page), is refused: 403 ``cross_origin`` in the common error body, and a
WebSocket upgrade is refused the same way (HTTP 403; a server without the denial extension closes 1008).

A request that says nothing about where it comes from is let through to the usual credential checks:
curl, scripts and Home Assistant's REST commands send no ``Origin``, while every browser sends one with a
``POST``, ``PUT``, ``PATCH``, ``DELETE`` and a WebSocket handshake. Trusting the forwarded headers is
safe here, unlike for a client's address (mixerd/web/server.py): a page cannot add them to a form, and a
fetch that sets them needs a CORS preflight, which mixerd never grants; a program that can send them can
as well leave ``Origin`` out. Reads (``GET``, ``HEAD``, ``OPTIONS``) are not checked: another origin's
page cannot read the answers (no CORS headers), and they change nothing.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

#: Methods that may change something (the WebSocket handshake is checked too).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CLOSE_POLICY_VIOLATION = 1008
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEMES = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an ``http(s)`` URL or origin, host in lower case and the port filled in;
    None for anything else (``null``, another scheme, no host, a bad port)."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number or out of range, a malformed IPv6 literal
        return None


def own_origins(scope: Scope) -> list[tuple[str, str, int]]:
    """The origins a request of ``scope`` was sent to: its scheme and ``Host``, and what a reverse proxy
    says in ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` (the first value of each)."""
    headers = _headers(scope)
    scheme = _SCHEMES.get(scope.get("scheme", "http"), "http")
    host = headers.get("host")
    if not host and scope.get("server"):
        server_host, server_port = scope["server"]
        host = f"[{server_host}]:{server_port}" if ":" in server_host else f"{server_host}:{server_port}"
    found = []
    if host:
        found.append(origin_of(f"{scheme}://{host}"))
    forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip() or host
    forwarded_proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower() or scheme
    if forwarded_host and (forwarded_host, forwarded_proto) != (host, scheme):
        found.append(origin_of(f"{forwarded_proto}://{forwarded_host}"))
    return [o for o in found if o is not None]


def foreign_origin(scope: Scope) -> str | None:
    """What a request says it comes from (its ``Origin``, else its ``Referer``'s origin) when that is not
    the mixer's own origin; None when it is, or when the request says nothing."""
    headers = _headers(scope)
    claimed = headers.get("origin")
    if claimed is None:
        referer = headers.get("referer")
        if not referer:
            return None
        parsed = origin_of(referer)
        claimed = f"{parsed[0]}://{parsed[1]}:{parsed[2]}" if parsed else referer[:100]
    if origin_of(claimed) is not None and origin_of(claimed) in own_origins(scope):
        return None
    return claimed[:100]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}


def _shown_own(scope: Scope) -> str:
    own = own_origins(scope)
    if not own:
        return "the address the mixer was opened at"
    scheme, host, port = own[0]
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def refusal(scope: Scope, claimed: str) -> dict[str, str | None]:
    """The error body's ``error`` for a request from ``claimed`` (what it names, why, what is allowed)."""
    own = _shown_own(scope)
    what = "a WebSocket" if scope["type"] == "websocket" else f"{scope['method']} {scope['path']}"
    return {
        "code": "cross_origin",
        "message": f"{what} refused: it comes from a page of {claimed!r}, not from the mixer's own pages at {own}; "
                   "a browser may change the mixer only from the pages the mixer serves (another port of the same "
                   "host is another origin). Scripts and programs send no Origin header and are not affected",
        "address": None,
        "allowed": f"requests from {own}, or without an Origin header (scripts, Home Assistant)",
    }


class SameOrigin:
    """Pure ASGI middleware applying the same-origin rule to writing requests and WebSocket handshakes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" or (kind == "http" and scope["method"] in WRITE_METHODS):
            claimed = foreign_origin(scope)
            if claimed is not None:
                body = json.dumps({"error": refusal(scope, claimed)}).encode()
                if kind == "http":
                    await _refuse_http(send, body)
                else:
                    await _refuse_websocket(scope, receive, send, body)
                return
        await self.app(scope, receive, send)


async def _refuse_http(send: Send, body: bytes) -> None:
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _refuse_websocket(scope: Scope, receive: Receive, send: Send, body: bytes) -> None:
    """Refuse the upgrade: the connection never opens. With the ASGI denial extension (uvicorn has it) the
    answer is a 403 with the error body; otherwise a close before accepting, which servers send as 403."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": CLOSE_POLICY_VIOLATION, "reason": "cross-origin"})
