"""/versions: the automatic versions kept while the mix changes; read and recall them."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.control.access import actor_of
from mixerd.web.deps import PrincipalDep, ScenesDep
from mixerd.web.errors import expects_body
from mixerd.web.routes.scenes import _RECALL_BODY, BAD_REQUEST, errors, utc
from mixerd.web.schemas import RecallIn, RecallOut, VersionOut, VersionsOut

router = APIRouter(prefix="/versions", tags=["versions"])

NO_VERSION = "No version with this id (code not_found)"


@router.get("", response_model=VersionsOut, summary="Automatic versions, newest first")
def list_versions(scenes: ScenesDep) -> dict:
    """A version of the whole state is kept ``interval_minutes`` after the first change that is not in
    the previous version (so one every few minutes while the mix changes, none while it does not)."""
    return {"versions": [{**v, "time": utc(v["time"])} for v in scenes.version_list()],
            "interval_minutes": scenes.versions.interval / 60}


@router.get("/{version_id:int}", response_model=VersionOut, summary="One version with its values",
            responses=errors(e400=BAD_REQUEST, e404=NO_VERSION))
def read_version(version_id: int, scenes: ScenesDep) -> dict:
    version = scenes.version(version_id)
    return {**version, "time": utc(version["time"])}


@router.post("/{version_id:int}/recall", response_model=RecallOut, summary="Recall a version like a scene",
             responses=errors(e400=BAD_REQUEST, e404=NO_VERSION,
                              e422="fade_ms out of range (out_of_range), an empty scope (invalid_scope), a scope "
                                   "pattern that is malformed (invalid_pattern) or matches nothing (no_match)"))
@expects_body(_RECALL_BODY)
def recall_version(version_id: int, scenes: ScenesDep, principal: PrincipalDep, body: RecallIn | None = None) -> dict:
    """Same rules as a scene recall: scope, safes, only what differs, one undo step, ``fade_ms``."""
    body = body or RecallIn()
    return scenes.recall_version(version_id, body.fade_ms, body.scope, actor_of(principal)).to_dict()
