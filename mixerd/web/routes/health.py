"""GET /health: is the audio running? 503 when not, so load balancers and probes can tell."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mixerd.web.deps import ControlDep
from mixerd.web.schemas import HealthOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", response_model=HealthOut,
            responses={503: {"model": HealthOut, "description": "The audio engine is not running"}},
            summary="Engine and JACK health")
def read_health(control: ControlDep, request: Request):
    """Engine and JACK health, the recorder's (a take the disk ended) and the other front ends' (``osc``: where it
    listens, the apps following); status 503 with the same body while the engine is not running."""
    health = control.health()
    recorder = getattr(request.app.state, "recorder", None)
    if recorder is not None:
        status = recorder.status()
        health["recorder"] = {"recording": status["recording"], "problem": status["problem"]}
    for name, front_end_status in list(request.app.state.statuses.items()):
        health[name] = front_end_status()
    if not health.get("engine", {}).get("running", False):
        return JSONResponse(status_code=503, content=HealthOut.model_validate(health).model_dump(mode="json"))
    return health
