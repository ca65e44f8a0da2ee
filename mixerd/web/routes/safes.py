"""/safes: address patterns a recall never changes (the drummer's in-ear mix survives scene changes)."""

from __future__ import annotations

from fastapi import APIRouter

from mixerd.web.deps import ScenesDep
from mixerd.web.errors import expects_body
from mixerd.web.routes.scenes import BAD_REQUEST, errors
from mixerd.web.schemas import SafesIn, SafesOut

router = APIRouter(prefix="/safes", tags=["scenes"])


def _answer(scenes) -> dict:
    return {"patterns": scenes.safes(), "addresses": len(scenes.safe_addresses())}


@router.get("", response_model=SafesOut, summary="The safe address patterns")
def read_safes(scenes: ScenesDep) -> dict:
    return _answer(scenes)


@router.put("", response_model=SafesOut, summary="Replace the safe address patterns",
            responses=errors(e400=BAD_REQUEST, e422="A pattern is malformed (invalid_pattern) or matches no address "
                             "of this mixer (no_match); error.errors lists each, nothing was changed"))
@expects_body('{"patterns": ["<pattern>", ...]}')
def write_safes(body: SafesIn, scenes: ScenesDep) -> dict:
    """``*`` stands for one address segment, ``**`` for one or more: ``ch/*/send/3/*`` keeps every send to
    bus 3, ``bus/3/**`` all of bus 3. Each pattern must match at least one address; stored in the
    database. An empty list clears the safes."""
    scenes.set_safes(body.patterns)
    return _answer(scenes)
