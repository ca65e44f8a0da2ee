"""Monitor-mix conveniences: start an aux mix from the main mix or from another aux mix.

A copy is one ordinary batch of changes through control (atomic, evented, one undo step).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mixerd.model.errors import ParamError
from mixerd.model.layout import Layout
from mixerd.model.routing import CLOSED_DB


def _aux_bus(layout: Layout, ref: str, role: str) -> int:
    """The bus number of ``ref`` ("bus/3" or "3"), which must be an aux mix."""
    text = ref.removeprefix("bus/")
    allowed = f"bus/1…bus/{layout.n_buses} (aux mixes, not FX or group buses)"
    if not text.isdigit() or not 1 <= int(text) <= layout.n_buses:
        raise ParamError("not_found", f"{role} {ref!r} is not a bus of this mixer; allowed {allowed}", ref, allowed)
    b = int(text)
    if not layout.buses[b - 1].is_aux:
        raise ParamError("invalid_value", f"{role} bus/{b} is an {layout.buses[b - 1].kind.upper()} bus; a mix is "
                         "copied between aux mixes", f"bus/{b}", allowed)
    return b


def copy_mix(layout: Layout, values: Mapping[str, Any], target: str, source: str) -> dict[str, Any]:
    """The changes that make aux mix ``target`` a copy of ``source`` ("main" or another aux "bus/N").

    From the main: each channel's send level becomes its fader (closed if it is not on the main) and
    the send is switched on; on a stereo mix the send pan follows the channel pan. From an aux mix:
    every send's level, on, pre, "me" and (between stereo mixes) pan, and the mix's "more me".
    """
    t = _aux_bus(layout, target, "target")
    stereo_t = layout.buses[t - 1].stereo
    changes: dict[str, Any] = {}
    if source == "main":
        for n in range(1, layout.n_inputs + 1):
            p = f"ch/{n}/send/{t}/"
            on_main = values[f"ch/{n}/main"]
            changes[p + "level"] = values[f"ch/{n}/fader"] if on_main else CLOSED_DB
            changes[p + "on"] = True
            if stereo_t:
                changes[p + "pan"] = values[f"ch/{n}/pan"]
        return changes
    s = _aux_bus(layout, source, "source")
    if s == t:
        raise ParamError("invalid_value", f"bus/{t} cannot be copied onto itself; choose main or another mix",
                         f"bus/{t}", "main or another aux mix")
    stereo_s = layout.buses[s - 1].stereo
    for n in range(1, layout.n_inputs + 1):
        src, dst = f"ch/{n}/send/{s}/", f"ch/{n}/send/{t}/"
        for field in ("level", "on", "pre", "me"):
            changes[dst + field] = values[src + field]
        if stereo_t:
            changes[dst + "pan"] = values[src + "pan"] if stereo_s else 0.0
    changes[f"bus/{t}/moreme"] = values[f"bus/{s}/moreme"]
    return changes
