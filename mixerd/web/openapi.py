"""Keep the published OpenAPI true to what the API answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def install_openapi(app: FastAPI) -> None:
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
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
