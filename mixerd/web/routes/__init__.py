"""The REST API: one router per resource, collected here and mounted under /api/v1."""

from fastapi import APIRouter

from mixerd.web.routes import health, history, meters, mixes, params, state, system, templates
from mixerd.web.routes import ab, safes, scenes, versions

api_router = APIRouter()
for _module in (state, params, history, meters, health, system, mixes, templates, scenes, safes, versions, ab):
    api_router.include_router(_module.router)

__all__ = ["api_router"]
