"""Why a channel does not reach a mix or the main, in plain words (names, not addresses), each reason with
the one change that brings the channel back.

The controls that stop a channel come from model/routing.py (``send_stops``, ``main_stops``: the same facts
the engine applies); here they are worded for a musician. The listener-side trace lists them for every channel
missing from a bus or the main, and the problem finder's ``mix_source_cut`` quotes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mixerd.model.address import owner_of, parameter_of, segments
from mixerd.model.layout import Layout
from mixerd.model.routing import main_stops, send_stops

#: Where a send at −∞ is brought back to. The level it had before is not kept anywhere, so the fix picks a
#: level that is clearly heard but well below a channel at unity: the listener raises it from there.
SEND_FIX_DB = -10.0
#: Where a closed channel or DCA fader is brought back to: unity, the fader's default.
FADER_FIX_DB = 0.0
#: A group's send is its assignment: brought back at unity, as a fresh assignment is.
GROUP_SEND_FIX_DB = 0.0


@dataclass(frozen=True)
class Reason:
    """One thing that keeps a channel out of a bus or the main: ``code`` (stable), the ``stage`` of the
    channel's path where it stops (as in the channel's trace: input, mute, fader, sends, main), the
    ``control`` that stops it (None for the input), ``what`` is wrong in words without the channel's name,
    and the ``fix``: ``{"address", "value", "label"}`` (None when nothing in the mixer fixes it; then ``hint``
    says what to do)."""

    code: str
    stage: str
    control: str | None
    what: str
    fix: dict[str, Any] | None = None
    hint: str | None = None

    def to_dict(self, name: str) -> dict[str, Any]:
        return {"code": self.code, "stage": self.stage, "control": self.control, "message": f"{name}: {self.what}",
                "fix": dict(self.fix) if self.fix else None, "hint": self.hint}


def bus_reasons(values: Mapping[str, Any], layout: Layout, n: int, b: int) -> list[Reason]:
    """Why channel ``n`` does not reach bus ``b`` by its settings (empty: it does), in signal order."""
    return [_worded(values, layout, n, control, b) for control in send_stops(values, layout, n, b)]


def main_reasons(values: Mapping[str, Any], layout: Layout, n: int) -> list[Reason]:
    """Why channel ``n`` does not reach the main by its settings (empty: it does), in signal order."""
    return [_worded(values, layout, n, control, None) for control in main_stops(values, layout, n)]


def input_reason(name: str, unconnected_port: str | None) -> Reason:
    """No signal at the channel's input: nothing connected to ``unconnected_port``, or a silent source."""
    if unconnected_port is not None:
        return Reason("unconnected", "input", None, "nothing is connected to its input",
                      hint=f"connect the source to {unconnected_port} (the profile's [[input]] port, or jack_connect)")
    return Reason("no_signal", "input", None, "no signal at its input",
                  hint=f"check {name}'s source: cable, power, phantom power, the interface's gain")


def _db(value: float) -> str:
    return f"{value:g} dB".replace("-", "−")


def _fix(address: str, value: Any, label: str) -> dict[str, Any]:
    return {"address": address, "value": value, "label": label}


def _worded(values: Mapping[str, Any], layout: Layout, n: int, control: str, b: int | None) -> Reason:
    """``control`` (one of ``send_stops`` / ``main_stops``) as a reason for channel ``n`` missing from bus
    ``b`` (None: the main)."""
    name = values[f"ch/{n}/name"]
    owner, param = owner_of(control), parameter_of(control)
    kind = segments(owner)[0]
    if kind == "mutegroup":
        group = values[owner + "/name"]
        return Reason("mute_group", "mute", control, f"muted by the mute group '{group}'",
                      _fix(control, False, f"release the mute group '{group}'"))
    if kind == "dca" and param == ["mute"]:
        dca = values[owner + "/name"]
        return Reason("dca_muted", "mute", control, f"muted by the DCA '{dca}'",
                      _fix(control, False, f"unmute the DCA '{dca}'"))
    if kind == "dca" or param == ["fader"]:
        return _closed(values, layout, n, control, b)
    if param == ["mute"]:
        return Reason("muted", "mute", control, "muted", _fix(control, False, f"unmute {name}"))
    if param == ["main"]:
        return Reason("not_assigned", "main", control, "not assigned to the main",
                      _fix(control, True, f"assign {name} to the main"))
    return _send(values, layout, n, control, b)


def _closed(values: Mapping[str, Any], layout: Layout, n: int, control: str, b: int | None) -> Reason:
    """A closed channel fader or DCA fader (``control``) before the main or a post-fader send to bus ``b``."""
    name = values[f"ch/{n}/name"]
    owner = owner_of(control)
    dca = values[owner + "/name"] if segments(owner)[0] == "dca" else None
    code, what = ("dca_closed", f"the DCA '{dca}' is closed") if dca else ("fader_closed", "fader closed")
    if b is not None and layout.buses[b - 1].is_aux:
        # A monitor mix should not follow the front-of-house fader: the expected fix is a pre-fader send,
        # not opening a fader the engineer closed on purpose.
        bus = values[f"bus/{b}/name"]
        fix = _fix(f"ch/{n}/send/{b}/pre", True, f"make {name}'s send to {bus} pre-fader")
    else:
        fader = f"the DCA '{dca}'" if dca else f"{name}'s fader"
        fix = _fix(control, FADER_FIX_DB, f"raise {fader} to {_db(FADER_FIX_DB)}")
    if b is not None:
        what += f", and the send to {values[f'bus/{b}/name']} is post-fader"
    return Reason(code, "fader", control, what, fix)


def _send(values: Mapping[str, Any], layout: Layout, n: int, control: str, b: int) -> Reason:
    """Channel ``n``'s send to bus ``b`` switched off or at −∞ (``control``: its ``on`` or ``level``)."""
    name, bus = values[f"ch/{n}/name"], values[f"bus/{b}/name"]
    group = layout.buses[b - 1].is_group
    if parameter_of(control)[-1] == "on":
        if group:
            return Reason("send_off", "sends", control, f"not assigned to the group {bus}",
                          _fix(control, True, f"assign {name} to the group {bus}"))
        return Reason("send_off", "sends", control, f"its send to {bus} is off",
                      _fix(control, True, f"switch {name}'s send to {bus} on"))
    level = GROUP_SEND_FIX_DB if group else SEND_FIX_DB
    return Reason("send_closed", "sends", control, f"its send to {bus} is at −∞",
                  _fix(control, level, f"bring {name}'s send to {bus} up to {_db(level)}"))
