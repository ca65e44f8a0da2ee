"""/ab: compare two states — the current one (A) and a scene or version (B) — and switch between them."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.web.deps import ScenesDep
from mixerd.web.errors import expects_body
from mixerd.web.routes.scenes import BAD_REQUEST, errors
from mixerd.web.schemas import ABEndOut, ABOut, ABStart, ABStatusOut, ABToggle

router = APIRouter(prefix="/ab", tags=["scenes"])

NOT_ACTIVE = "No comparison is running (code ab_not_active)"


@router.get("", response_model=ABStatusOut, summary="The running comparison, if any")
def ab_status(scenes: ScenesDep) -> dict:
    return scenes.ab_status()


@router.post("", response_model=ABOut, summary="Start comparing: keep the current state as A, recall B",
             responses=errors(e400=BAD_REQUEST, e404="No scene or version with this id (code not_found)",
                              e409="A comparison is already running (code ab_active)",
                              e422="fade_ms out of range, or a bad scope (out_of_range, invalid_scope, "
                                   "invalid_pattern, no_match)"))
@expects_body('{"with": {"scene": <id>} | {"version": <id>}, "fade_ms": <0-60000>, "scope": [...]}')
def ab_start(body: ABStart, scenes: ScenesDep) -> dict:
    """B (the scene or version) is recalled like a scene (safes and ``scope`` respected) and plays."""
    status, recall = scenes.ab_start(body.target.scene, body.target.version, body.fade_ms, body.scope)
    return {**status, "recall": recall.to_dict()}


@router.post("/toggle", response_model=ABOut, summary="Switch between A and B",
             responses=errors(e400=BAD_REQUEST, e409=NOT_ACTIVE, e422="fade_ms out of range (out_of_range)"))
@expects_body('{"fade_ms": <0-60000>} (optional)')
def ab_toggle(scenes: ScenesDep, body: ABToggle | None = None) -> dict:
    """The current state is kept in the playing slot (edits made while listening stay with that slot),
    then the other slot is recalled."""
    status, recall = scenes.ab_toggle(body.fade_ms if body else None)
    return {**status, "recall": recall.to_dict()}


@router.delete("", response_model=ABEndOut, summary="End the comparison, keeping what is playing",
               responses=errors(e409=NOT_ACTIVE))
def ab_end(scenes: ScenesDep) -> dict:
    kept = scenes.ab_end()
    return {**scenes.ab_status(), "kept": kept}
