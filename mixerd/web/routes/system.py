"""GET /system: layout, ports and sample rate."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.web.deps import ControlDep
from mixerd.web.schemas import SystemOut

router = APIRouter(prefix="/system", tags=["system"])


@router.get("", response_model=SystemOut, response_model_exclude_none=True,
            summary="Layout, ports and sample rate")
def read_system(control: ControlDep) -> dict:
    """What this mixer is: its layout and what the engine reports about JACK."""
    return control.system()
