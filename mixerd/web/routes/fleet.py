"""/fleet: every mixerd announced on this box's MQTT broker, this one marked; copy a scene or a channel's settings
onto another of them (issue 22)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from mixerd.control.strips import channel_document
from mixerd.model.errors import MixerError
from mixerd.web.deps import ControlDep, ScenesDep
from mixerd.web.errors import expects_body, responses
from mixerd.web.schemas import CopyChannelIn, CopyChannelOut, CopySceneIn, CopySceneOut, FleetOut

router = APIRouter(prefix="/fleet", tags=["fleet"])

_COPY = ("Copies go over the MQTT broker (the other box's `{base}/action/…`, answered on its `{base}/answer`); "
         "refusals: 404 no such scene/channel here or no such box announced, 409 the box is offline "
         "(`box_offline`) or refused it (e.g. `name_taken`), 422 nothing fits it, 503 MQTT off, not on the broker "
         "(`not_connected`) or no answer within 10 s (`no_answer`).")


@router.get("", response_model=FleetOut, summary="Every mixerd on the MQTT broker and the local network")
def read_fleet(request: Request) -> dict:
    """Every mixerd that announced itself on this box's MQTT broker (``{base}/info``) or on the local network (mDNS,
    ``lan``): its name, version, web app, whether it is online, its health and when it was last heard; ``this``
    marks this box. With MQTT and mDNS off the list is empty and both say ``off``."""
    fleet = request.app.state.fleet
    if fleet is None:
        return {"mqtt": "off", "mdns": "off", "connected": False, "nodes": []}
    return fleet.status()


_COPY_SCENE = ("Store this box's scene `scene` as a scene of the other box (its name kept; `replace` replaces one of "
               "that name there). Nothing is recalled: it is there to be recalled. Values the other box has not (more "
               "channels here) are skipped and listed. ")
_COPY_CHANNEL = ("Give channel `to` of the other box (default: the same number) the settings of channel `channel` "
                 "here: name, colour, trim, HPF, EQ, dynamics, order, fader, pan, mute (with `routing` also its sends, "
                 "DCA and mute-group assignments) — one undo step there, made by this box. ")


@router.post("/{node_id}/scenes", response_model=CopySceneOut, summary="Copy a scene to another mixer",
             description=_COPY_SCENE + _COPY, responses=responses(400, 404, 409, 422, 503))
@expects_body('{"scene": <id>, "replace": false}')
def copy_scene(node_id: str, body: CopySceneIn, scenes: ScenesDep, request: Request) -> dict:
    """Copy scene ``body.scene`` to box ``node_id`` (``_COPY_SCENE``)."""
    document = scenes.export_scene(body.scene)
    answer = _fleet(request).ask(node_id, "scene_import", {**document, "replace": body.replace})
    return _copied(answer, scene=answer.get("scene"), imported=answer.get("imported"))


@router.post("/{node_id}/channels", response_model=CopyChannelOut, summary="Copy a channel's settings to another "
             "mixer", description=_COPY_CHANNEL + _COPY, responses=responses(400, 404, 409, 422, 503))
@expects_body('{"channel": <n>, "to": <n>, "routing": false}')
def copy_channel(node_id: str, body: CopyChannelIn, control: ControlDep, request: Request) -> dict:
    """Copy channel ``body.channel``'s settings to box ``node_id`` (``_COPY_CHANNEL``)."""
    _, values = control.state()
    document = channel_document(control.tree, values, body.channel, routing=body.routing)
    answer = _fleet(request).ask(node_id, "channel_import", {**document, "channel": body.to or body.channel})
    return _copied(answer, channel=answer.get("channel"), applied=answer.get("applied"))


def _fleet(request: Request):
    fleet = request.app.state.fleet
    if fleet is None or not fleet.mqtt:
        raise MixerError("not_available", "this mixer is on no MQTT broker ([mqtt] is off in its config), so it "
                         "knows no other box to copy to", None, "set [mqtt] broker on every box of the fleet")
    return fleet


def _copied(answer: dict, **fields) -> dict:
    return {"node": answer["node"], **fields, "skipped": answer.get("skipped") or [],
            "skipped_count": answer.get("skipped_count") or 0}
