"""/mixes: monitor-mix conveniences — start an aux mix from the main mix or another aux mix."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mixerd.control.access import actor_of
from mixerd.control.mixes import copy_mix
from mixerd.web.deps import ControlDep, PrincipalDep
from mixerd.web.errors import responses
from mixerd.web.schemas import BatchOut

router = APIRouter(prefix="/mixes", tags=["mixes"])


class CopyFrom(BaseModel):
    """Body of ``POST /mixes/{bus}/copy``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"from": "main"}, {"from": "bus/2"}]})
    source: str = Field(alias="from", json_schema_extra={"pattern": "^(?:main|(?:bus/)?[0-9]+)$"},
                        description='"main" or another aux mix: "bus/2" (or "2")')


@router.post("/{bus}/copy", response_model=BatchOut, responses=responses(400, 404, 422),
             summary="Start an aux mix from the main mix or another aux mix")
def copy(bus: str, body: CopyFrom, control: ControlDep, principal: PrincipalDep) -> dict:
    """Overwrite mix ``bus`` (e.g. ``3`` or ``bus/3``) with the main mix's channel levels, or with another
    aux mix's sends; one undoable change."""
    _, values = control.state()
    events = control.set_many(copy_mix(control.tree.layout, values, bus, body.source), origin="rest",
                             actor=actor_of(principal))
    return {"seq": events[-1].seq if events else control.seq, "events": [e.to_dict() for e in events]}
