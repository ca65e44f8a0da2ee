"""The REST API: one router per resource, collected here and mounted under /api/v1."""

from fastapi import APIRouter

from mixerd.web.routes import health, meters, params, state, system

api_router = APIRouter()
for _module in (state, params, meters, health, system):
    api_router.include_router(_module.router)

__all__ = ["api_router"]
