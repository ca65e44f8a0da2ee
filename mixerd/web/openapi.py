"""Keep the published OpenAPI true to what the API answers."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from mixerd.model.address import segments
from mixerd.web.schemas import name_schema

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
_READS = {"get", "head", "options"}


def install_openapi(app: FastAPI, api_prefix: str = "/api/v1") -> None:
    """Replace FastAPI's default 422 ``HTTPValidationError`` entries: our handler answers malformed
    requests with 400 and the common error body, so the default would document a shape never sent.
    Then say what only this mixer knows: the value each address of ``PATCH /params`` takes, the channel
    numbers of gain staging; and the 403 ``cross_origin`` of every write (mixerd/web/origin.py)."""

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
            tree = app.state.control.tree
            _document_values(schemas, tree)
            gain = schemas.get("GainStagingIn", {}).get("properties", {}).get("channels", {}).get("anyOf", [{}])[0]
            gain.get("items", {})["maximum"] = tree.layout.n_inputs
            if app.state.auth is not None:
                _document_auth(schema, api_prefix)
            _document_cross_origin(schema)
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


_CROSS_ORIGIN = ("A browser page of another origin (code cross_origin): the mixer is changed only from its own "
                 "pages; requests without an Origin header (scripts) are not affected")


def _document_cross_origin(schema: dict[str, Any]) -> None:
    """Every write may answer 403 ``cross_origin`` (mixerd/web/origin.py), with access control on or off."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in _READS:
                continue
            responses = operation.setdefault("responses", {})
            if "403" in responses:
                responses["403"]["description"] += "; or " + _CROSS_ORIGIN[0].lower() + _CROSS_ORIGIN[1:]
            else:
                responses["403"] = {"description": _CROSS_ORIGIN, **_ERROR}


def value_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the values one address takes, from its spec (``ParamTree.describe()``)."""
    kind = spec["kind"]
    if kind == "bool":
        return {"type": "boolean"}
    if spec.get("choices") is not None:
        return {"type": "number" if kind == "number" else "string", "enum": list(spec["choices"])}
    if kind == "number":
        out: dict[str, Any] = {"type": "number"}
        if spec.get("min") is not None:
            out["minimum"] = spec["min"]
        if spec.get("max") is not None:
            out["maximum"] = spec["max"]
        return out
    out = {"type": "string"}
    if spec.get("max_length") is not None:  # a name: the text rule for names
        out.update(name_schema(spec["max_length"]))
    for key, word in (("min_length", "minLength"), ("max_length", "maxLength")):
        if spec.get(key) is not None:
            out[word] = spec[key]
    if spec.get("pattern") is not None:
        out["pattern"] = f"^(?:{spec['pattern']})$"
    return out


def _addresses_regex(addresses: list[str]) -> str:
    """A regex matching exactly ``addresses``: per segment when they are every combination of their segments
    (``ch/(?:1|2|3)/send/(?:1|2)/level``), else all of them."""
    split = [segments(a) for a in addresses]
    width = len(split[0])
    if all(len(parts) == width for parts in split):
        columns = [list(dict.fromkeys(parts[i] for parts in split)) for i in range(width)]
        combinations = 1
        for column in columns:
            combinations *= len(column)
        if combinations == len(set(addresses)):
            return "^" + "/".join(re.escape(c[0]) if len(c) == 1 else "(?:" + "|".join(map(re.escape, c)) + ")"
                                  for c in columns) + "$"
    return "^(?:" + "|".join(map(re.escape, addresses)) + ")$"


def _document_values(schemas: dict[str, Any], tree) -> None:
    """``PATCH /params``: ``changes`` maps each address of this mixer to the values it takes (from
    ``GET /params``), one ``patternProperties`` entry per table row and value rule; no other key."""
    changes = schemas.get("ChangeSet", {}).get("properties", {}).get("changes")
    if changes is None:
        return
    groups: dict[tuple[str, str], list[str]] = {}
    rules: dict[str, dict[str, Any]] = {}
    for spec in tree.describe():
        rule = value_schema(spec)
        key = json.dumps(rule, sort_keys=True)
        rules[key] = rule
        groups.setdefault((spec.get("template") or spec["address"], key), []).append(spec["address"])
    changes.pop("additionalProperties", None)
    changes["patternProperties"] = {_addresses_regex(addresses): rules[key] for (_, key), addresses in groups.items()}
    changes["additionalProperties"] = False
