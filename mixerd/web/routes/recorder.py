"""/recorder, /takes and /player: start and stop a take, set markers, list, rename, delete and download takes (a
file, or the whole take as a zip), play a take back into its channels and switch each of them between the take and
the band (virtual soundcheck)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path as PathParam, Query, Request
from fastapi.responses import FileResponse, StreamingResponse

from mixerd.control.access import actor_of
from mixerd.model.errors import MixerError
from mixerd.web.deps import PrincipalDep
from mixerd.web.errors import expects_body
from mixerd.web.schemas import (ErrorBody, MarkerIn, MarkerOut, PlayerOut, PlayIn, RecorderOut, RecordIn, SourceIn,
                                TakeOut, TakeRename, TakesOut)

router = APIRouter(tags=["recorder"])

TAKE_ID = PathParam(description="a take's id, e.g. 20261203-201500", max_length=40)


def errors(**described: str) -> dict[int | str, dict[str, Any]]:
    return {int(k[1:]): {"model": ErrorBody, "description": v} for k, v in described.items()}


def get_recorder(request: Request):
    """The recorder of this app; ``not_available`` (503) when the mixer has none (``[recorder] enabled``)."""
    recorder = getattr(request.app.state, "recorder", None)
    if recorder is None:
        raise MixerError("not_available", "this mixer does not record ([recorder] enabled = false in its config)",
                         None, "a mixer with the recorder on")
    return recorder


RecorderDep = Annotated[Any, Depends(get_recorder)]
NO_RECORDER = "The recorder is off on this mixer (code not_available)"
NO_TAKE = "No take with this id (code not_found)"


@router.get("/recorder", response_model=RecorderOut, summary="The recorder now",
            responses=errors(e503=NO_RECORDER))
def recorder_status(recorder: RecorderDep) -> dict:
    """Recording or not, the take, how long, frames lost, the disk's fill and the space left."""
    return recorder.status()


@router.post("/recorder/start", response_model=RecorderOut, status_code=201, summary="Start a take",
             responses=errors(e400="Malformed body", e404="A source this mixer has not (code not_found)",
                              e409="A take is being recorded already (code recording)",
                              e422="A source listed twice, a bad name or tap (code invalid_value, invalid_name)",
                              e503="No room above the disk's reserve (code no_disk_space), or the recorder is off"))
def start_take(recorder: RecorderDep, principal: PrincipalDep, body: RecordIn | None = None) -> dict:
    """Record the sources from now on (admin only); answers the recorder's status."""
    body = body or RecordIn()
    return recorder.start(body.sources, name=body.name, tap=body.tap, actor=actor_of(principal, None, "rest"))


@router.post("/recorder/stop", response_model=TakeOut, summary="Stop the take",
             responses=errors(e409="No take is being recorded (code not_recording)", e503=NO_RECORDER))
def stop_take(recorder: RecorderDep, principal: PrincipalDep) -> dict:
    """Stop recording (admin only); answers the finished take."""
    return recorder.stop(actor=actor_of(principal, None, "rest"))


@router.post("/recorder/marker", response_model=MarkerOut, status_code=201, summary="Set a marker in the take",
             responses=errors(e400="Malformed body",
                              e409="No take is being recorded or played (code not_recording)",
                              e422="A bad name (code invalid_name)", e503=NO_RECORDER))
def set_marker(body: MarkerIn, recorder: RecorderDep) -> dict:
    """A marker ("verse 2") at this moment of the take being recorded or, when none is, at the moment being heard
    of the take played back (admin only)."""
    return recorder.mark(body.name)


@router.get("/takes", response_model=TakesOut, summary="Every take", responses=errors(e503=NO_RECORDER))
def list_takes(recorder: RecorderDep) -> dict:
    """Every take on the recorder's disk, oldest first (the one being recorded has ``complete`` false)."""
    return {"takes": recorder.takes.list()}


@router.get("/takes/{take_id}", response_model=TakeOut, summary="One take",
            responses=errors(e404=NO_TAKE, e503=NO_RECORDER))
def read_take(recorder: RecorderDep, take_id: str = TAKE_ID) -> dict:
    return recorder.takes.get(take_id)


@router.patch("/takes/{take_id}", response_model=TakeOut, summary="Rename a take",
              responses=errors(e400="Malformed body", e404=NO_TAKE, e422="A bad name (code invalid_name)",
                               e503=NO_RECORDER))
def rename_take(body: TakeRename, recorder: RecorderDep, take_id: str = TAKE_ID) -> dict:
    return recorder.rename(take_id, body.name)


@router.delete("/takes/{take_id}", status_code=204, summary="Delete a take and its files",
               responses=errors(e404=NO_TAKE, e409="Not confirmed (code confirm_required), being recorded "
                                "(code recording) or played back (code playing)", e503=NO_RECORDER))
def delete_take(recorder: RecorderDep, take_id: str = TAKE_ID,
                confirm: bool = Query(False, description="true: delete it for good (there is no undo)")) -> None:
    """Delete a take for good (admin only; ``?confirm=true``)."""
    recorder.delete(take_id, confirm)


@router.get("/takes/{take_id}/files/{number}", summary="Download one file of a take",
            response_class=FileResponse, responses={
                200: {"content": {"audio/wav": {}}, "description": "a Broadcast WAV (RF64 past 4 GiB)"},
                **errors(e404="No take, or no file of this number in it (code not_found)", e503=NO_RECORDER)})
def download_file(recorder: RecorderDep, take_id: str = TAKE_ID,
                  number: int = PathParam(ge=1, le=10_000, description="the source's place in the take, from 1")):
    """The file of the take's ``number``-th source, named as on the disk."""
    path = recorder.takes.file(take_id, number)
    return FileResponse(path, media_type="audio/wav", filename=path.name)


@router.get("/takes/{take_id}/zip", summary="Download a whole take as one zip",
            response_class=StreamingResponse, responses={
                200: {"content": {"application/zip": {}}, "description": "every file of the take, its take.json "
                      "and changes.jsonl, stored (ZIP64)"},
                **errors(e404=NO_TAKE, e503=NO_RECORDER)})
def download_zip(recorder: RecorderDep, take_id: str = TAKE_ID):
    """The take's stems to take home: made while it is sent (nothing kept in memory, nothing written)."""
    take = recorder.takes.get(take_id)
    stream = recorder.takes.zip_stream(take_id)
    name = f"{take['id']} {take['name']}.zip"
    return StreamingResponse(stream, media_type="application/zip",
                             headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"})


def get_player(request: Request):
    """The player of this app; ``not_available`` (503) when the mixer has none."""
    player = getattr(request.app.state, "player", None)
    if player is None:
        raise MixerError("not_available", "this mixer does not play takes back ([recorder] enabled = false in its "
                         "config)", None, "a mixer with the recorder on")
    return player


PlayerDep = Annotated[Any, Depends(get_player)]


@router.get("/player", response_model=PlayerOut, summary="The player now", responses=errors(e503=NO_RECORDER))
def player_status(player: PlayerDep) -> dict:
    """Playing or not, the take, where it is, the loop, the channels hearing it."""
    return player.status()


@router.post("/player/play", response_model=PlayerOut, summary="Play a take back into its channels",
             responses=errors(e400="Malformed body",
                              e404="No take with this id, or a channel not in the take (code not_found)",
                              e422="A start or loop outside the take, a take without channels or at another rate, "
                                   "a channel listed twice", e503=NO_RECORDER))
def play_take(body: PlayIn, player: PlayerDep) -> dict:
    """Virtual soundcheck (admin only): the take's channels (or those of ``channels``) hear the take instead of the
    band, from ``start``, looping ``loop`` if given; a take already playing is stopped first (so this is also how
    to locate)."""
    return player.play(body.take, body.start, body.loop, body.channels)


@router.post("/player/source", response_model=PlayerOut, summary="Switch a channel between the take and the band",
             responses=errors(e400="Malformed body", e404="A channel not in the take playing (code not_found)",
                              e409="No take is playing (code not_playing)", e503=NO_RECORDER))
@expects_body('{"channel": "ch/<N>", "source": "take" or "live"}')
def switch_source(body: SourceIn, player: PlayerDep) -> dict:
    """One channel of the take playing hears the take or the band, crossfaded (admin only): the drums from the
    take, the singer live."""
    return player.source(body.channel, body.source)


@router.post("/player/stop", response_model=PlayerOut, summary="Stop playing back",
             responses=errors(e409="No take is playing (code not_playing)", e503=NO_RECORDER))
def stop_playing(player: PlayerDep) -> dict:
    """Fade the take out; the channels hear the band again (admin only)."""
    return player.stop()

