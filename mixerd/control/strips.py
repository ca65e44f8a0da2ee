"""A channel's settings as a portable document: copy a strip onto a channel of another mixer (issue 22).

The document holds the channel's values by their address *below* the channel (``fader``, ``eq/2/gain``), so it
lands on any channel number: ``{"mixerd_channel": 1, "name": "Kick", "values": {"trim": 12.0, …}}``. It holds what
a scene would hold of the strip (no solo, no talk); its routing — sends, DCA and mute-group assignments, which
name the mixes and groups of the box it came from — only when asked for. Where it lands, values that do not fit
that mixer (a band or a send it has not) are skipped and reported, as a scene import does; the rest is one batch
through control (atomic, evented, one undo step).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mixerd.model.errors import ParamError
from mixerd.model.params import ParamTree

CHANNEL_FORMAT = 1
#: What below ``ch/N/`` is the channel's routing on its own mixer (left out unless asked for).
ROUTING = ("send/", "dca/", "mutegroup/")


def channel_number(tree: ParamTree, channel: object) -> int:
    """``channel`` (an int 1…inputs) checked against ``tree``; ParamError ``not_found`` otherwise."""
    n = tree.layout.n_inputs
    if isinstance(channel, bool) or not isinstance(channel, int) or not 1 <= channel <= n:
        raise ParamError("not_found", f"this mixer has no channel {channel!r}; it has channels 1…{n}",
                         None, f"a channel number 1…{n}")
    return channel


def channel_document(tree: ParamTree, values: Mapping[str, Any], channel: object,
                     routing: bool = False) -> dict[str, Any]:
    """Channel ``channel``'s settings (``values``: the mix now) as a document; with ``routing`` its sends, DCA
    and mute-group assignments too."""
    prefix = f"ch/{channel_number(tree, channel)}/"
    own = {}
    for address, value in values.items():
        if not address.startswith(prefix) or not tree.spec(address).scene:
            continue
        below = address[len(prefix):]
        if routing or not below.startswith(ROUTING):
            own[below] = value
    return {"mixerd_channel": CHANNEL_FORMAT, "name": values[prefix + "name"], "values": own}


def channel_changes(tree: ParamTree, document: object, channel: object) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The changes that give channel ``channel`` of ``tree``'s mixer the settings in ``document``, and the values
    skipped because they do not fit it (``{"address", "code", "message"}``). ParamError ``invalid_value`` for a
    document that is none, or of which nothing fits."""
    target = channel_number(tree, channel)
    allowed = '{"mixerd_channel": 1, "values": {"fader": -6.0, "eq/1/gain": 3.0, …}}'
    if not isinstance(document, Mapping) or document.get("mixerd_channel") != CHANNEL_FORMAT \
            or isinstance(document.get("mixerd_channel"), bool):
        raise ParamError("invalid_value", f"a channel's settings are a document of format {CHANNEL_FORMAT}: "
                         '{"mixerd_channel": 1, "values": {…}}', None, allowed)
    values = document.get("values")
    if not isinstance(values, Mapping) or not values:
        raise ParamError("invalid_value", "the channel document's values must be an object mapping addresses "
                         "below the channel (fader, eq/1/gain, …) to values, at least one", None, allowed)
    prefix = f"ch/{target}/"
    changes: dict[str, Any] = {}
    skipped: list[dict[str, Any]] = []
    for below, value in values.items():
        address = prefix + str(below)
        if not isinstance(below, str) or address not in tree or not tree.spec(address).scene:
            skipped.append({"address": address, "code": "unknown_address",
                            "message": f"channel {target} of this mixer has no {below!r}"})
            continue
        try:
            changes[address] = tree.validate(address, value)
        except ParamError as exc:
            skipped.append({"address": address, "code": exc.code, "message": exc.message})
    if not changes:
        raise ParamError("invalid_value", f"none of the {len(values)} values fit channel {target} of this mixer; "
                         "nothing was changed", prefix.rstrip("/"), "settings of a mixerd channel")
    return changes, skipped
