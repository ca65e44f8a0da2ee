"""/undo, /redo, /history: one history for every front end, undone per actor (each takes back its own changes;
taking back someone else's is an explicit step of the history)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query

from mixerd.control.access import actor_of
from mixerd.control.history import StepEvents
from mixerd.store import MAX_ROW_ID
from mixerd.web.deps import ControlDep, PrincipalDep, own_changes
from mixerd.web.errors import responses
from mixerd.web.schemas import HistoryOut, StepOut

router = APIRouter(tags=["history"])


def _conflict(what: str, *codes: int) -> dict:
    answer = responses(*codes, 409)
    answer[409] = {**answer[409], "description": f"Nothing to {what}; nothing was changed"}
    return answer


def _step(control, events: StepEvents) -> dict:
    return {"step": events.step, "seq": events[-1].seq if events else control.seq,
            "events": [e.to_dict() for e in events], "kept": events.kept}


StepNumber = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="the undo step (an entry's `step`)")]


@router.post("/undo", response_model=StepOut, responses=_conflict("undo"), summary="Undo your last step")
@own_changes
def undo(control: ControlDep, principal: PrincipalDep) -> dict:
    """Take back the caller's newest step (one request, one fader drag or one scene recall): each value goes
    back to what it was before, unless someone changed it since; that one is kept and listed in ``kept`` (with
    who changed it). The caller is the signed-in session or link (with access control off: the REST API as a
    whole). 409 ``nothing_to_undo`` when the caller has no step left. Someone else's step:
    ``POST /history/{step}/undo``."""
    return _step(control, control.undo(actor_of(principal)))


@router.post("/redo", response_model=StepOut, responses=_conflict("redo"), summary="Redo the step you undid last")
@own_changes
def redo(control: ControlDep, principal: PrincipalDep) -> dict:
    """Re-apply the step the caller undid last, where the values are still as the undo left them. 409
    ``nothing_to_redo`` when the caller has undone nothing since its last change."""
    return _step(control, control.redo(actor_of(principal)))


@router.post("/history/{step}/undo", response_model=StepOut, responses=_conflict("undo", 404),
             summary="Undo one step, whoever made it")
def undo_step(step: StepNumber, control: ControlDep, principal: PrincipalDep) -> dict:
    """Take back exactly ``step`` (admin): as ``POST /undo`` does, for anyone's step. 404 ``unknown_step`` when
    the history no longer holds it, 409 when it is undone already."""
    return _step(control, control.undo(actor_of(principal), step=step))


@router.post("/history/{step}/redo", response_model=StepOut, responses=_conflict("redo", 404),
             summary="Redo one undone step")
def redo_step(step: StepNumber, control: ControlDep, principal: PrincipalDep) -> dict:
    """Re-apply exactly the undone ``step`` (admin). 409 when it is not undone."""
    return _step(control, control.redo(actor_of(principal), step=step))


@router.get("/history", response_model=HistoryOut, responses=responses(400), summary="Who changed what, when")
def read_history(control: ControlDep, principal: PrincipalDep,
                 limit: Annotated[int, Query(ge=1, le=1000, description="how many entries")] = 100,
                 before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID,
                                                      description="only entries with a seq below this")] = None,
                 ) -> dict:
    """Recorded changes, newest first: seq, when, origin (which front end), actor (who: see ``POST /undo``),
    address, old and new value, undo step, and whether the step is undone; and what the caller's undo and redo
    would do. Page with ``before`` = the previous page's ``next_before``. ``seq``: the history as of that change
    (the WebSocket's ``history`` messages go on from there)."""
    seq, entries, status = control.history_view(limit, before, actor_of(principal))
    return {
        "entries": [{"seq": e.seq, "when": datetime.fromtimestamp(e.ts, timezone.utc), "origin": e.origin,
                     "actor": e.actor, "address": e.address, "old": e.old, "new": e.new, "step": e.step,
                     "undone": e.undone}
                    for e in entries],
        **status,
        "next_before": entries[-1].seq if len(entries) == limit else None,
        "seq": seq,
    }
