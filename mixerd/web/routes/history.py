"""/undo, /redo, /history: one undo history shared by every front end."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Query

from mixerd.control.history import StepEvents
from mixerd.store import MAX_ROW_ID
from mixerd.web.deps import ControlDep
from mixerd.web.errors import responses
from mixerd.web.schemas import HistoryOut, StepOut

router = APIRouter(tags=["history"])


def _conflict(what: str) -> dict:
    answer = responses(409)
    answer[409] = {**answer[409], "description": f"Nothing to {what}; nothing was changed"}
    return answer


def _step(control, events: StepEvents) -> dict:
    return {"step": events.step, "seq": events[-1].seq if events else control.seq,
            "events": [e.to_dict() for e in events]}


@router.post("/undo", response_model=StepOut, responses=_conflict("undo"), summary="Undo the last step")
def undo(control: ControlDep) -> dict:
    """Restore the values from before the newest step (one request, one fader drag or one scene
    recall), whoever made it. 409 ``nothing_to_undo`` when the history has no step left."""
    return _step(control, control.undo())


@router.post("/redo", response_model=StepOut, responses=_conflict("redo"), summary="Redo the step undone last")
def redo(control: ControlDep) -> dict:
    """Re-apply the step undone last. 409 ``nothing_to_redo`` when nothing is undone, or a change after
    the undo discarded the redo steps."""
    return _step(control, control.redo())


@router.get("/history", response_model=HistoryOut, responses=responses(400), summary="Who changed what, when")
def read_history(control: ControlDep,
                 limit: Annotated[int, Query(ge=1, le=1000, description="how many entries")] = 100,
                 before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID,
                                                      description="only entries with a seq below this")] = None,
                 ) -> dict:
    """Recorded changes, newest first: seq, when, origin (who), address, old and new value, undo step,
    and whether the step is undone. Page with ``before`` = the previous page's ``next_before``. ``seq``: the
    history as of that change (the WebSocket's ``history`` messages go on from there)."""
    seq, entries, status = control.history_view(limit, before)
    return {
        "entries": [{"seq": e.seq, "when": datetime.fromtimestamp(e.ts, timezone.utc), "origin": e.origin,
                     "address": e.address, "old": e.old, "new": e.new, "step": e.step, "undone": e.undone}
                    for e in entries],
        **status,
        "next_before": entries[-1].seq if len(entries) == limit else None,
        "seq": seq,
    }
