"""GET /health: is the audio running? 503 when not, so load balancers and probes can tell."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mixerd.web.deps import ControlDep
from mixerd.web.schemas import HealthOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=HealthOut,
            responses={503: {"model": HealthOut, "description": "The audio engine is not running"}},
            summary="Engine and JACK health")
def read_health(control: ControlDep):
    """Engine and JACK health; status 503 with the same body while the engine is not running."""
    health = control.health()
    if not health.get("engine", {}).get("running", False):
        return JSONResponse(status_code=503, content=HealthOut.model_validate(health).model_dump(mode="json"))
    return health
