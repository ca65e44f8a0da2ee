"""Keep the published OpenAPI true to what the API answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
_READS = {"get", "head", "options"}


def install_openapi(app: FastAPI, api_prefix: str = "/api/v1") -> None:
    """Replace FastAPI's default 422 ``HTTPValidationError`` entries: our handler answers malformed
    requests with 400 and the common error body, so the default would document a shape never sent."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    ref = responses.get("422", {}).get("content", {}).get("application/json", {})
                    if ref.get("schema", {}).get("$ref") == _FASTAPI_422:
                        del responses["422"]
            schemas = schema.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            if app.state.auth is not None:
                _document_auth(schema, api_prefix)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_auth(schema: dict[str, Any], api_prefix: str) -> None:
    """With access control on: the credentials every non-public endpoint takes, its 401, and the 403 of
    every writing endpoint (and of the admin-only link list)."""
    from fastapi.routing import APIRoute

    from mixerd.web.routes import ROUTERS

    flags = {}
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    flags[(api_prefix + route.path_format, method.lower())] = route.endpoint
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "a token from POST /api/v1/auth/login or from a link"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "mixerd_token"},
    })
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            endpoint = flags.get((path, method))
            if endpoint is None or getattr(endpoint, "auth_public", False):
                continue
            operation["security"] = [{"bearer": []}, {"cookie": []}]
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", {"description": "No credentials, or a revoked or unknown token "
                                         "(code unauthenticated)", **_ERROR})
            writes = method not in _READS and not getattr(endpoint, "auth_any_role", False)
            if writes or path.endswith("/auth/links"):
                responses.setdefault("403", {"description": "This token may not do this: mix links change only "
                                             "their mix, viewers nothing (code forbidden)", **_ERROR})
