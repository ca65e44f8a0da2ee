"""/scenes: save, list, read, update with the mix, rename, delete (confirmed), export, import and recall scenes;
which scene the mix is at."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Query

from mixerd.control.access import actor_of
from mixerd.control.scenes import SceneError
from mixerd.store import Scene
from mixerd.web.deps import PrincipalDep, ScenesDep
from mixerd.web.errors import expects_body
from mixerd.web.schemas import (ErrorBody, RecallIn, RecallOut, SceneDeletedOut, SceneDocument, SceneImport,
                                SceneImportOut, SceneInfo, SceneName, SceneOut, ScenesOut)

router = APIRouter(prefix="/scenes", tags=["scenes"])

_NAME_BODY = '{"name": "<1-64 characters>"}'
_RECALL_BODY = '{"fade_ms": <0-60000>, "scope": ["<pattern>", ...]} (both optional)'
_IMPORT_BODY = '{"mixerd_scene": 1, "name": "<1-64 characters>", "values": {"<address>": <value>, ...}}'


def errors(**described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries with the common error body: ``errors(e404="No scene …")``."""
    return {int(k[1:]): {"model": ErrorBody, "description": v} for k, v in described.items()}


BAD_REQUEST = "Malformed request: body, id or query parameter of the wrong shape"
NO_SCENE = "No scene with this id (code not_found)"


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def scene_info(scene: Scene) -> dict[str, Any]:
    return {"id": scene.id, "name": scene.name, "created": utc(scene.created), "updated": utc(scene.updated),
            "size": len(scene.values)}


@router.get("", response_model=ScenesOut, summary="Every scene, and the one the mix is at")
def list_scenes(scenes: ScenesDep) -> dict:
    """Id, name, times and size of every scene, oldest first (``GET /scenes/{id}`` has the values), and
    ``current``: the scene last recalled, saved or updated, with ``modified`` true once a value it holds was
    changed (the WebSocket's ``scenes`` message carries the same, again whenever it changes)."""
    return {"scenes": [scene_info(s) for s in scenes.scenes()], "current": scenes.current()}


@router.post("", response_model=SceneInfo, status_code=201, summary="Save the current state as a scene",
             responses=errors(e400=BAD_REQUEST, e409="Another scene has this name (code name_taken)",
                              e422="The name is empty, too long or has a character names may not hold "
                                   "(code invalid_name)"))
@expects_body(_NAME_BODY)
def save_scene(body: SceneName, scenes: ScenesDep) -> dict:
    """Save every current value of the mixer under a new name; answers the new scene's id."""
    return scene_info(scenes.save_scene(body.name))


@router.post("/import", response_model=SceneImportOut, status_code=201, summary="Import an exported scene",
             responses=errors(e400=BAD_REQUEST, e409="Another scene has this name (code name_taken)",
                              e422="Not a scene document of format 1, a bad name, no value fits this mixer, or "
                                   "(strict) some value does not fit (code invalid_scene or invalid_name)"))
@expects_body(_IMPORT_BODY)
def import_scene(body: SceneImport, scenes: ScenesDep,
                 strict: bool = Query(False, description="refuse the whole import if any value does not fit "
                                      "this mixer (default: skip and report such values)")) -> dict:
    """Store a scene document (as ``GET /scenes/{id}/export`` writes it) as a new scene.

    Every value is checked against this mixer: unknown addresses and invalid values are skipped and
    listed in ``skipped`` (with ``?strict=true`` they refuse the import instead, nothing stored).
    Addresses the document lacks are not part of the scene; recalling it leaves them alone."""
    scene, skipped = scenes.import_scene(body.model_dump(), strict=strict)
    return {"scene": scene_info(scene), "imported": len(scene.values), "skipped": skipped}


@router.get("/{scene_id:int}", response_model=SceneOut, summary="One scene with its values",
            responses=errors(e400=BAD_REQUEST, e404=NO_SCENE))
def read_scene(scene_id: int, scenes: ScenesDep) -> dict:
    scene = scenes.scene(scene_id)
    return {**scene_info(scene), "values": scene.values}


@router.put("/{scene_id:int}", response_model=SceneOut, summary="Update a scene with the current mix",
            responses=errors(e400=BAD_REQUEST, e404=NO_SCENE))
def update_scene(scene_id: int, scenes: ScenesDep) -> dict:
    """Save the mix as it is now into this scene (no body): its values are replaced, its id and name stay. The
    mix is then at this scene, unmodified. Answers the scene as ``GET /scenes/{id}`` does."""
    scene = scenes.update_scene(scene_id)
    return {**scene_info(scene), "values": scene.values}


@router.patch("/{scene_id:int}", response_model=SceneInfo, summary="Rename a scene",
              responses=errors(e400=BAD_REQUEST, e404=NO_SCENE, e409="Another scene has this name (code name_taken)",
                               e422="The name is empty, too long or has a character names may not hold "
                                    "(code invalid_name)"))
@expects_body(_NAME_BODY)
def rename_scene(scene_id: int, body: SceneName, scenes: ScenesDep) -> dict:
    return scene_info(scenes.rename_scene(scene_id, body.name))


@router.delete("/{scene_id:int}", response_model=SceneDeletedOut, summary="Delete a scene (confirmed)",
               responses=errors(e400=BAD_REQUEST, e404=NO_SCENE,
                                e409="Not confirmed: repeat with ?confirm=true (code confirm_required)"))
def delete_scene(scene_id: int, scenes: ScenesDep,
                 confirm: bool = Query(False, description="must be true: deleting a scene cannot be undone")) -> dict:
    """Deleting cannot be undone, so it must be confirmed: without ``?confirm=true`` the answer is 409
    ``confirm_required`` naming the scene, and nothing is deleted."""
    scene = scenes.scene(scene_id)
    if not confirm:
        raise SceneError("confirm_required", f"deleting scene {scene.id} ({scene.name!r}) cannot be undone; to delete "
                         f"it, repeat the request as DELETE /api/v1/scenes/{scene.id}?confirm=true",
                         None, "?confirm=true")
    return {"deleted": scene_info(scenes.delete_scene(scene.id, confirm=True))}


@router.get("/{scene_id:int}/export", response_model=SceneDocument, summary="A scene as a portable JSON document",
            responses=errors(e400=BAD_REQUEST, e404=NO_SCENE))
def export_scene(scene_id: int, scenes: ScenesDep) -> dict:
    """``{"mixerd_scene": 1, "name", "values"}``: keep it as a file, import it here or on another mixer."""
    return scenes.export_scene(scene_id)


@router.post("/{scene_id:int}/recall", response_model=RecallOut, summary="Recall a scene",
             responses=errors(e400=BAD_REQUEST, e404=NO_SCENE,
                              e422="fade_ms out of range (out_of_range), an empty scope (invalid_scope), a scope "
                                   "pattern that is malformed (invalid_pattern) or matches nothing (no_match)"))
@expects_body(_RECALL_BODY)
def recall_scene(scene_id: int, scenes: ScenesDep, principal: PrincipalDep, body: RecallIn | None = None) -> dict:
    """Apply the scene's values that are in ``scope`` (default: all), not safe and different from now, as
    one atomic change (one undo step) that the audio follows over ``fade_ms``. The answer lists what
    changed and which differing values were kept because they are safe."""
    body = body or RecallIn()
    return scenes.recall_scene(scene_id, body.fade_ms, body.scope, actor_of(principal)).to_dict()
