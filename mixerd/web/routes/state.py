"""GET /state: every current value in one answer."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.web.deps import ControlDep
from mixerd.web.schemas import StateOut

router = APIRouter(prefix="/state", tags=["state"])


@router.get("", response_model=StateOut, summary="Every current value and its seq")
def read_state(control: ControlDep) -> dict:
    """The whole parameter tree's values; ``seq`` is the last change they include."""
    seq, values = control.state()
    return {"seq": seq, "values": values}
