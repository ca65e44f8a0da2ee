"""What another box copies onto this one over MQTT: the ``scene_import`` and ``channel_import`` actions (issue 22).

A box of the fleet (``fleet.Fleet.ask``) — or anyone allowed to publish to ``{base}/action/…`` — sends a document:
a scene as ``GET /scenes/{id}/export`` writes it (stored here as a scene, recalled when someone chooses to), or a
channel's settings (``mixerd.control.strips``: one undo step on the channel named). Values that do not fit this
mixer are skipped and reported, as the REST import does. When the document carries a ``request`` id the outcome
is answered on ``{base}/answer`` (``answer``), so the asking box can tell its user what happened here.
"""

from __future__ import annotations

import re
from typing import Any

from mixerd.control.strips import channel_changes
from mixerd.model.errors import MixerError
from mixerd.mqtt.topics import PayloadError

#: How many skipped values an answer lists (the count is always whole).
SKIPPED_LISTED = 20
_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def request_of(body: dict[str, Any]) -> str | None:
    """The ``request`` id a document carries (1–64 of ``A-Za-z0-9_.-``), or None: nobody waits for an answer."""
    request = body.get("request")
    return request if isinstance(request, str) and _ID.fullmatch(request) else None


def sender_of(body: dict[str, Any]) -> str | None:
    """The node id of the box that sent it (its ``from``), or None."""
    sender = body.get("from")
    return sender if isinstance(sender, str) and _ID.fullmatch(sender) else None


def import_scene(scenes, body: dict[str, Any]) -> dict[str, Any]:
    """Store the scene document ``body`` (``replace``: over a scene of its name); what the answer says."""
    if scenes is None:
        raise PayloadError("not_available", "scenes are not available on this mixer")
    scene, skipped = scenes.import_scene(body, replace=body.get("replace") is True)
    return {"scene": {"id": scene.id, "name": scene.name}, "imported": len(scene.values), **_skipped(skipped)}


def import_channel(control, access, body: dict[str, Any]) -> dict[str, Any]:
    """Apply the channel document ``body`` to its ``channel`` as one step (whoever sent it is the actor: the
    box ``box:<node>``, else MQTT); what the answer says."""
    changes, skipped = channel_changes(control.tree, body, body.get("channel"))
    access.check_action("channel_import", changes)
    sender = sender_of(body)
    control.set_many(changes, "mqtt", actor=f"box:{sender}" if sender else None)
    return {"channel": body["channel"], "applied": len(changes), **_skipped(skipped)}


def answer(request: str, action: str, result: dict[str, Any] | None = None,
           error: MixerError | None = None, hints: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``{base}/answer`` message for ``request``: ``ok`` with ``result``, or the ``error``."""
    if error is not None:
        return {"request": request, "action": action, "ok": False, "error": error.to_dict(hints or {})}
    return {"request": request, "action": action, "ok": True, **(result or {})}


def _skipped(skipped: list[dict[str, Any]]) -> dict[str, Any]:
    return {"skipped": skipped[:SKIPPED_LISTED], "skipped_count": len(skipped)}
