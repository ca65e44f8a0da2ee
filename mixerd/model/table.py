"""The address space as a table: one Row per parameter pattern, expanded per Layout by ParamTree.

Adding a parameter (EQ, dynamics, solo…) means adding a row here; nothing else in the model changes.
Placeholders in a template: ``{n}`` channel 1…n_inputs, ``{b}`` bus 1…n_buses, ``{k}`` generator
1…generators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from mixerd.model.layout import Layout
from mixerd.model.spec import Kind

Indices = Mapping[str, int]

#: How many values each placeholder takes for a layout (values run from 1 to that count).
PLACEHOLDERS: dict[str, Callable[[Layout], int]] = {
    "n": lambda layout: layout.n_inputs,
    "b": lambda layout: layout.n_buses,
    "k": lambda layout: layout.generators,
}


@dataclass(frozen=True)
class Row:
    """One parameter pattern. ``default``, ``choices`` and ``hint`` may be callables of the layout
    (and, for ``default``, of the placeholder values); ``when`` leaves out addresses that do not exist
    for a layout (a send pan only on stereo buses)."""

    template: str
    kind: Kind
    unit: str
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    note: str | None = None
    choices: Callable[[Layout], tuple[str, ...]] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    hint: str | Callable[[Layout], str] | None = None
    lowercase: bool = False
    when: Callable[[Layout, Indices], bool] | None = None


# -- row builders: the units and conventions every level, pan, switch and name shares ------------------

CLOSED = "-90 = closed"
GREY = "#6b7280"


def level(template: str, description: str, default: float = 0.0, lo: float = -90.0, hi: float = 10.0,
          note: str | None = CLOSED, unit: str = "dB") -> Row:
    """A level in dB; by default a fader range where the bottom means fully closed (−∞)."""
    return Row(template, "number", unit, default, description, min=lo, max=hi, note=note)


def pan(template: str, description: str, **kw: Any) -> Row:
    """A stereo position in percent, −100 hard left … +100 hard right."""
    return Row(template, "number", "%", 0.0, description, min=-100.0, max=100.0,
               note="-100 = hard left, 0 = centre, +100 = hard right", **kw)


def switch(template: str, description: str, default: bool) -> Row:
    """An on/off parameter (JSON true/false only)."""
    return Row(template, "bool", "bool", default, description)


def name(template: str, description: str, default: Callable[[Layout, Indices], str]) -> Row:
    """A display name: 1–32 printable characters, surrounding blanks stripped."""
    return Row(template, "string", "string", default, description, min_length=1, max_length=32)


def color(template: str, description: str) -> Row:
    """A display colour ``#rrggbb``, stored in lower case."""
    return Row(template, "string", "string", GREY, description, pattern=r"#[0-9a-fA-F]{6}",
               hint="#rrggbb, e.g. #ff8800", lowercase=True)


def _stereo_bus(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].stereo


def _channel_targets(layout: Layout) -> tuple[str, ...]:
    return ("none",) + tuple(f"ch/{n}" for n in range(1, layout.n_inputs + 1))


def _channel_targets_hint(layout: Layout) -> str:
    if layout.n_inputs == 0:
        return '"none"'
    if layout.n_inputs == 1:
        return '"none" or "ch/1"'
    return f'"none" or "ch/1"…"ch/{layout.n_inputs}"'


def _gen_default_target(layout: Layout, idx: Indices) -> str:
    return f"ch/{min(idx['k'], layout.n_inputs)}" if layout.n_inputs else "none"


# -- the table ---------------------------------------------------------------------------------------

ROWS: tuple[Row, ...] = (
    # input channels
    name("ch/{n}/name", "channel name", lambda layout, idx: layout.inputs[idx["n"] - 1]),
    color("ch/{n}/color", "channel colour on the control surfaces"),
    level("ch/{n}/trim", "input gain before the channel processing", lo=-24.0, hi=24.0, note=None),
    level("ch/{n}/fader", "channel fader: level into the main mix and post-fader sends"),
    pan("ch/{n}/pan", "channel position in the main mix"),
    switch("ch/{n}/mute", "channel mute: silences the main mix and every send, pre-fader ones too", False),
    switch("ch/{n}/main", "channel assigned to the main mix", True),
    level("ch/{n}/send/{b}/level", "send level from the channel to the bus", default=-90.0),
    switch("ch/{n}/send/{b}/pre", "send taken before the channel fader (monitor mix)", True),
    switch("ch/{n}/send/{b}/on", "send switched on", True),
    pan("ch/{n}/send/{b}/pan", "channel position in a stereo bus", when=_stereo_bus),
    # buses
    name("bus/{b}/name", "bus name", lambda layout, idx: layout.buses[idx["b"] - 1].name),
    color("bus/{b}/color", "bus colour on the control surfaces"),
    level("bus/{b}/fader", "bus output level"),
    switch("bus/{b}/mute", "bus output mute", False),
    # main mix
    level("main/fader", "main mix output level"),
    switch("main/mute", "main mix output mute", False),
    # signal generators (test tones for sound check and the demo)
    switch("gen/{k}/on", "signal generator running", False),
    Row("gen/{k}/freq", "number", "Hz", 1000.0, "generator tone frequency", min=20.0, max=20000.0),
    level("gen/{k}/level", "generator output level in dBFS", default=-18.0, hi=0.0, note=None),
    Row("gen/{k}/target", "string", "string", _gen_default_target, "channel input the generator feeds",
        choices=_channel_targets, hint=_channel_targets_hint),
    Row("gen/{k}/mod", "number", "Hz", 0.0, "amplitude-modulation rate", min=0.0, max=20.0,
        note="0 = steady tone"),
)
