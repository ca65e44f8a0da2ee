"""One error shape for every failure: ``{"error": {"code", "message", "address", "allowed"}}``.

ParamErrors keep the model's teaching message; malformed requests, unknown routes and wrong methods
get the same shape so a client needs one error path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mixerd.control.scenes.errors import SceneError
from mixerd.model.errors import BatchError, ParamError
from mixerd.web.auth import AuthError
from mixerd.web.schemas import ErrorBody

log = logging.getLogger(__name__)

#: HTTP status per ParamError code. A batch (PATCH) is always 422: the endpoint exists, the body is bad.
STATUS_BY_CODE: dict[str, int] = {
    "unknown_address": 404,
    "wrong_type": 422,
    "out_of_range": 422,
    "invalid_value": 422,
    "not_found": 404,
    "too_many_changes": 413,
    "nothing_to_undo": 409,
    "nothing_to_redo": 409,
}

#: HTTP status per SceneError code (scenes, safes, versions, A/B); every other code is 422.
SCENE_STATUS: dict[str, int] = {
    "not_found": 404,
    "name_taken": 409,
    "confirm_required": 409,
    "ab_active": 409,
    "ab_not_active": 409,
}

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


async def _param_error(request: Request, exc: ParamError) -> JSONResponse:
    status = 422 if isinstance(exc, BatchError) else STATUS_BY_CODE.get(exc.code, 422)
    return JSONResponse(status_code=status, content={"error": exc.to_dict()})


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


async def _scene_error(request: Request, exc: SceneError) -> JSONResponse:
    return JSONResponse(status_code=SCENE_STATUS.get(exc.code, 422), content={"error": exc.to_dict()})


async def _auth_error(request: Request, exc: AuthError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content={"error": exc.to_dict()}, headers=exc.headers)


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
    app.add_exception_handler(ParamError, _param_error)
    app.add_exception_handler(SceneError, _scene_error)
    app.add_exception_handler(AuthError, _auth_error)
    app.add_exception_handler(RequestValidationError, _malformed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal)
