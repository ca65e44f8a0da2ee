"""Which methods a path takes: ``OPTIONS`` answers them, a 405 lists them all.

FastAPI makes one route per method, so Starlette's own 405 names only the methods of the first route whose
path matched (``Allow: GET`` on ``/api/v1/scenes``, which also takes ``POST``), and ``OPTIONS`` is a 405 too.
Here the answer is the union over every route of the path: ``OPTIONS`` gets 204 with ``Allow``, any other
method that the path does not take gets 405 with ``Allow`` and the common error body naming them. No CORS
headers are sent: a page of another origin gets no permission from this answer.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from mixerd.web.errors import error_response

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes on the request's path (OPTIONS included), sorted; empty
    when no route has that path. Each route is asked whether it would take the path with each method (a
    router included in the app answers for all of its routes)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Mount):  # the static files: what StaticFiles serves
            if route.matches(request.scope)[0] != Match.NONE:
                methods |= {"GET", "HEAD"}
            continue
        methods |= {m for m in _METHODS if route.matches({**request.scope, "method": m})[0] == Match.FULL}
    return sorted(methods | {"OPTIONS"}) if methods else []


async def _method_not_allowed(request: Request, exc: StarletteHTTPException) -> Response:
    methods = allowed_methods(request) or sorted({m.strip() for m in (exc.headers or {}).get("Allow", "").split(",")
                                                  if m.strip()} | {"OPTIONS"})
    allow = ", ".join(methods)
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    response = error_response(405, "method_not_allowed",
                              f"{request.method} {request.url.path}: this path takes only {allow}", None, allow)
    response.headers["Allow"] = allow
    return response


def install_allowed_methods(app: FastAPI) -> None:
    """Answer ``OPTIONS`` and every 405 with the path's whole ``Allow`` list."""
    app.add_exception_handler(405, _method_not_allowed)
