"""GET /meters: the engine's latest meter snapshot."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.web.deps import ControlDep
from mixerd.web.schemas import MetersOut

router = APIRouter(prefix="/meters", tags=["meters"])


@router.get("", response_model=MetersOut, summary="Latest meter snapshot (dBFS)")
def read_meters(control: ControlDep) -> dict:
    """Peak, hold, RMS and clip counts per metering point; empty points without an engine."""
    return control.meters()
