"""One error shape for every failure: ``{"error": {"code", "message", "address", "allowed"}}``.

A refusal of the mixer (``MixerError``) keeps its teaching message and its kind gives the status; malformed
requests, unknown routes and wrong methods get the same shape, so a client needs one error path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mixerd.model.errors import MixerError
from mixerd.web.schemas import ErrorBody

log = logging.getLogger(__name__)

#: HTTP status per kind of refusal (``mixerd.model.errors.KINDS``): the one map, for REST and the WebSocket.
STATUS_BY_KIND: dict[str, int] = {
    "malformed": 400,
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "unauthenticated": 401,
    "forbidden": 403,
    "rate_limited": 429,
    "unavailable": 503,
}

#: The web API's words for the ways to act an error may point to (``mixerd.model.errors.HINTS``).
HINTS: dict[str, str] = {
    "list_scenes": "GET /api/v1/scenes lists them",
    "list_versions": "GET /api/v1/versions lists them",
    "save_scene": "POST /api/v1/scenes saves one",
    "list_params": "GET /api/v1/params lists every address and its range",
    "export_scene": "GET /api/v1/scenes/{id}/export writes scene documents",
    "start_ab": 'POST /api/v1/ab {"with": {"scene": <id>}} starts one',
    "log_in": "POST /api/v1/auth/login logs in",
    "set_password": "POST /api/v1/auth/setup sets it",
}


def status_of(exc: MixerError) -> int:
    """The HTTP status of a refusal (REST's, and the WebSocket's error messages carry it too)."""
    return STATUS_BY_KIND[exc.kind]


def error_body(exc: MixerError) -> dict[str, Any]:
    """``{"code", "message", "address", "allowed"[, "errors"]}`` in the web API's words."""
    return exc.to_dict(HINTS)


#: Body shape each method expects, quoted in "malformed_request" errors (a route can say its own by
#: decorating its endpoint with ``expects_body``).
_EXPECTED_BODY = {
    "PUT": '{"value": <number|bool|string>}',
    "PATCH": '{"changes": {"<address>": <value>, ...}}',
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring the error body for ``statuses``."""
    described = {
        400: "Malformed request body",
        404: "Unknown parameter address",
        422: "Wrong type, out of range or invalid value; nothing was changed",
        409: "Conflicts with the current state (e.g. nothing to undo); nothing was changed",
        413: "More changes in one batch than the mixer has parameters (code too_many_changes); nothing was changed",
    }
    return {s: {"model": ErrorBody, "description": described.get(s, "Error")} for s in statuses}


def error_response(status: int, code: str, message: str, address: str | None = None,
                   allowed: str | None = None, **extra: Any) -> JSONResponse:
    """A JSONResponse with the common error body."""
    body = {"code": code, "message": message, "address": address, "allowed": allowed, **extra}
    return JSONResponse(status_code=status, content={"error": body})


def expects_body(shape: str):
    """Decorator for an endpoint: the body shape quoted when its request is malformed."""

    def mark(endpoint):
        endpoint.expected_body = shape
        return endpoint

    return mark


async def _mixer_error(request: Request, exc: MixerError) -> JSONResponse:
    headers = {}
    if exc.kind == "rate_limited" and "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    elif exc.kind == "unauthenticated":
        headers["WWW-Authenticate"] = 'Bearer realm="mixerd"'
    return JSONResponse(status_code=status_of(exc), content={"error": error_body(exc)}, headers=headers)


async def _malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        if err.get("type") == "json_invalid":
            problems.append(f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})")
        elif err.get("type") == "missing":
            problems.append(f"{where} is missing")
        elif err.get("type") == "extra_forbidden":
            problems.append(f"{where} is not a known field")
        elif tuple(err.get("loc", ())) == ("body",) and not _is_json(request):
            problems.append("the body must be JSON sent with Content-Type: application/json")
        elif tuple(err.get("loc", ())) == ("body",):
            problems.append("the body must be a JSON object")
        else:
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
    expected = getattr(request.scope.get("endpoint"), "expected_body", None) or _EXPECTED_BODY.get(request.method)
    fix = f"; send {expected}" if expected else ""
    return error_response(
        400, "malformed_request", "malformed request: " + "; ".join(problems) + fix,
        request.path_params.get("address"), expected,
    )


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 400: "malformed_request"}
    code = codes.get(exc.status_code, "http_error")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    if exc.status_code == 404:
        message += "; the API lives under /api/v1 (see /docs)"
    response = error_response(exc.status_code, code, message)
    for key, value in (exc.headers or {}).items():  # e.g. Allow on 405
        response.headers[key] = value
    return response


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal error; the details are in the mixerd log")


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the common body."""
    app.add_exception_handler(MixerError, _mixer_error)
    app.add_exception_handler(RequestValidationError, _malformed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal)
