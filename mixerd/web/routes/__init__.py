"""The REST API: one router per resource, collected here and mounted under /api/v1."""

from fastapi import APIRouter, Depends

from mixerd.web.routes import health, history, meters, mixes, params, state, system, templates
from mixerd.web.routes import ab, auth, diagnostics, fleet, recorder, safes, scenes, versions
from mixerd.web.text import refuse_lone_surrogates

#: One router per resource, each with its own routes (the OpenAPI post-processing reads their endpoints).
ROUTERS = [m.router for m in (auth, state, params, history, meters, health, system, mixes, templates, scenes, safes,
                              versions, ab, diagnostics, recorder, fleet)]
# Every body is text: a lone UTF-16 surrogate is refused (400) before a route sees it (mixerd/web/text.py).
api_router = APIRouter(dependencies=[Depends(refuse_lone_surrogates)])
for _router in ROUTERS:
    api_router.include_router(_router)

__all__ = ["ROUTERS", "api_router"]
