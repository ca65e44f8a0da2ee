"""The REST API: one router per resource, collected here and mounted under /api/v1."""

from fastapi import APIRouter

from mixerd.web.routes import health, history, meters, mixes, params, state, system, templates
from mixerd.web.routes import ab, auth, diagnostics, safes, scenes, versions

#: One router per resource, each with its own routes (the OpenAPI post-processing reads their endpoints).
ROUTERS = [m.router for m in (auth, state, params, history, meters, health, system, mixes, templates, scenes, safes,
                              versions, ab, diagnostics)]
api_router = APIRouter()
for _router in ROUTERS:
    api_router.include_router(_router)

__all__ = ["ROUTERS", "api_router"]
