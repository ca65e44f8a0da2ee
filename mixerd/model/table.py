"""The address space as a table: one Row per parameter pattern, expanded per Layout by ParamTree.

Adding a parameter (EQ, dynamics, solo…) means adding a row here; nothing else in the model changes.
Placeholders in a template: ``{n}`` channel 1…n_inputs, ``{b}`` bus 1…n_buses, ``{k}`` generator
1…generators, ``{i}`` EQ band 1…4, ``{a}`` a bus an FX return feeds (1…n_buses, aux buses only),
``{d}`` DCA group, ``{g}`` mute group, ``{t}`` talkback button.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from mixerd.model.layout import FX_EFFECTS, Layout
from mixerd.model.spec import Kind

Indices = Mapping[str, int]

#: How many values each placeholder takes for a layout (values run from 1 to that count).
PLACEHOLDERS: dict[str, Callable[[Layout], int]] = {
    "n": lambda layout: layout.n_inputs,
    "b": lambda layout: layout.n_buses,
    "k": lambda layout: layout.generators,
    "i": lambda layout: EQ_BANDS,
    "a": lambda layout: layout.n_buses,
    "d": lambda layout: layout.dcas,
    "g": lambda layout: layout.mute_groups,
    "t": lambda layout: TALKBACK_BUTTONS,
}

EQ_BANDS = 4
EQ_TYPES = ("low-shelf", "peaking", "high-shelf", "low-cut", "high-cut")
#: Band defaults (type, Hz, Q): a flat four-band EQ laid out the way consoles ship it.
EQ_DEFAULTS = (("low-shelf", 100.0, 0.7), ("peaking", 500.0, 1.0), ("peaking", 2500.0, 1.0),
               ("high-shelf", 8000.0, 0.7))
#: The graphic EQ's bands by their ISO 266 nominal centres (Hz), band 1 first: 31 bands a third of an octave
#: apart (designed at the exact IEC 61260 centres: mixerd/engine/dsp/filters.py geq_band).
GEQ_FREQS = (20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600,
             2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000)
ORDERS = ("eq>dyn", "dyn>eq")
SOLO_MODES = ("pfl", "afl")
GEN_TYPES = ("sine", "pink", "white")
#: Talk buttons, each with its own destinations (the X32's talkback A and B).
TALKBACK_BUTTONS = 2


#: ``drives`` names the engine unit a parameter feeds: the set of core commands recomputed together when any
#: of its values changes (every ``ch/3/eq/2/*`` feeds one biquad). Its first item is the unit's kind, one of
#: DRIVES (the engine has a command builder for each); the others are literals, a placeholder's number
#: (``"{n}"`` → 3) or ``"{owner}"`` (the address's owner: ``ch/3``, ``bus/2``, ``main``).
DRIVES = ("trim", "level", "group", "pan", "hpf", "eq", "insert", "gate", "comp", "order", "send", "master",
          "limiter", "fx_kind", "reverb", "delay", "return", "moreme", "gen_level", "gen_freq", "gen_target",
          "gen_mod", "gen_kind", "solo", "group_main", "talkback", "geq", "out_delay")
OWNER = "{owner}"


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
    choices: Callable[[Layout], tuple[Any, ...]] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    hint: str | Callable[[Layout], str] | None = None
    lowercase: bool = False
    when: Callable[[Layout, Indices], bool] | None = None
    scene: bool = True  # stored in scenes and recalled by them (solo is monitoring, not the mix)
    momentary: bool = False  # a button held or latched for the moment (talk): no undo step, off after a restart
    drives: tuple[Any, ...] | None = None  # the engine unit the value feeds (see DRIVES); None: no audio


# -- row builders: the units and conventions every level, pan, switch and name shares ------------------

CLOSED = "-90 = closed"
GREY = "#6b7280"


def level(template: str, description: str, default: float = 0.0, lo: float = -90.0, hi: float = 10.0,
          note: str | None = CLOSED, unit: str = "dB", **kw: Any) -> Row:
    """A level in dB; by default a fader range where the bottom means fully closed (−∞)."""
    return Row(template, "number", unit, default, description, min=lo, max=hi, note=note, **kw)


def pan(template: str, description: str, **kw: Any) -> Row:
    """A stereo position in percent, −100 hard left … +100 hard right."""
    return Row(template, "number", "%", 0.0, description, min=-100.0, max=100.0,
               note="-100 = hard left, 0 = centre, +100 = hard right", **kw)


def switch(template: str, description: str, default: bool, **kw: Any) -> Row:
    """An on/off parameter (JSON true/false only)."""
    return Row(template, "bool", "bool", default, description, **kw)


def name(template: str, description: str, default: Callable[[Layout, Indices], str]) -> Row:
    """A display name: 1–32 characters under the one text rule for names (mixerd/model/text.py), surrounding
    blanks stripped."""
    return Row(template, "string", "string", default, description, min_length=1, max_length=32)


def color(template: str, description: str) -> Row:
    """A display colour ``#rrggbb``, stored in lower case."""
    return Row(template, "string", "string", GREY, description, pattern=r"#[0-9a-fA-F]{6}",
               hint="#rrggbb, e.g. #ff8800", lowercase=True)


def number(template: str, unit: str, default: Any, description: str, lo: float, hi: float, **kw: Any) -> Row:
    """A plain number in a range (a frequency, a time, a ratio)."""
    return Row(template, "number", unit, default, description, min=lo, max=hi, **kw)


def choice(template: str, choices: tuple[str, ...], default: Any, description: str, **kw: Any) -> Row:
    """One of a fixed set of strings."""
    return Row(template, "string", "string", default, description, choices=lambda layout: choices, **kw)


BAND = ("eq", OWNER, "{i}")
LEVEL = ("level", "{n}")  # a channel's fader and mute, with the DCAs and mute groups it is in
SEND = ("send", "{n}", "{b}")
SOLO = ("solo",)
TRIM, PAN, ORDER = ("trim", "{n}"), ("pan", "{n}"), ("order", "{n}")
HPF, GATE, COMP = ("hpf", OWNER), ("gate", OWNER), ("comp", OWNER)
MASTER, REVERB, DELAY = ("master", "{b}"), ("reverb", "{b}"), ("delay", "{b}")
GEN = lambda unit: (unit, "{k}")  # noqa: E731
TALKBACK = ("talkback",)


def eq_rows(prefix: str, what: str) -> tuple[Row, ...]:
    """A four-band parametric EQ under ``prefix`` (``ch/{n}``, ``bus/{b}`` or ``main``)."""
    band = lambda field: (lambda layout, idx: EQ_DEFAULTS[idx["i"] - 1][field])  # noqa: E731
    return (
        switch(f"{prefix}/eq/on", f"{what} EQ in (false: bypassed)", True, drives=("insert", OWNER, "eq")),
        choice(f"{prefix}/eq/{{i}}/type", EQ_TYPES, band(0), "EQ band filter type (RBJ cookbook)", drives=BAND),
        number(f"{prefix}/eq/{{i}}/freq", "Hz", band(1), "EQ band frequency", 20.0, 20000.0, drives=BAND),
        level(f"{prefix}/eq/{{i}}/gain", "EQ band gain (shelves and peaking)", lo=-15.0, hi=15.0, note=None,
              drives=BAND),
        number(f"{prefix}/eq/{{i}}/q", "Q", band(2), "EQ band Q (width; shelf slope)", 0.3, 10.0, drives=BAND),
    )


def limiter_rows(prefix: str, what: str, on: bool | Callable[[Layout, Indices], bool]) -> tuple[Row, ...]:
    """An output peak limiter under ``prefix``."""
    return (
        switch(f"{prefix}/limiter/on", f"{what} limiter in: no sample leaves above its threshold", on,
               drives=("insert", OWNER, "limiter")),
        level(f"{prefix}/limiter/threshold", f"{what} limiter ceiling in dBFS", default=-1.0, lo=-30.0, hi=0.0,
              note=None, drives=("limiter", OWNER)),
        number(f"{prefix}/limiter/release", "ms", 100.0, f"{what} limiter release time", 5.0, 2000.0,
               drives=("limiter", OWNER)),
    )


def _hz(freq: float) -> str:
    return f"{freq / 1000:g} kHz" if freq >= 1000 else f"{freq:g} Hz"


def geq_rows(prefix: str, what: str, **kw: Any) -> tuple[Row, ...]:
    """A 31-band graphic EQ under ``prefix`` (``bus/{b}`` or ``main``): after the EQ, before the fader and the
    limiter; one gain per ISO third-octave band, each band's row naming its frequency."""
    return (
        switch(f"{prefix}/geq/on", f"{what} graphic EQ in (31 third-octave bands after the EQ; false: bypassed)",
               False, drives=("insert", OWNER, "geq"), **kw),
        *(level(f"{prefix}/geq/{k}/gain", f"{what} graphic EQ band {k} ({_hz(freq)}) gain",
                lo=-15.0, hi=15.0, note=None, drives=("geq", OWNER, k), **kw)
          for k, freq in enumerate(GEQ_FREQS, start=1)),
    )


def out_delay_row(prefix: str, what: str, **kw: Any) -> Row:
    """The output delay under ``prefix``: the last thing before the output port (time alignment)."""
    return number(f"{prefix}/delay", "ms", 0.0, f"{what} output delay, the last thing before the output (time "
                  "alignment to the PA; sample-accurate)", 0.0, 100.0, drives=("out_delay", OWNER), **kw)


def _stereo_bus(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].stereo


def _stereo_out(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].width == 2


def _aux_bus(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].is_aux


def _group_bus(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].is_group


def _fx_bus(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].is_fx


def _fx_return(layout: Layout, idx: Indices) -> bool:
    return layout.buses[idx["b"] - 1].is_fx and layout.buses[idx["a"] - 1].is_aux


def _channel_targets(layout: Layout) -> tuple[str, ...]:
    return (("none",) + tuple(f"ch/{n}" for n in range(1, layout.n_inputs + 1))
            + tuple(f"bus/{b}" for b in range(1, layout.n_buses + 1)))


def _channel_targets_hint(layout: Layout) -> str:
    parts = ['"none"']
    if layout.n_inputs:
        parts.append('"ch/1"' if layout.n_inputs == 1 else f'"ch/1"…"ch/{layout.n_inputs}"')
    if layout.n_buses:
        parts.append('"bus/1"' if layout.n_buses == 1 else f'"bus/1"…"bus/{layout.n_buses}"')
    return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]


def _gen_default_target(layout: Layout, idx: Indices) -> str:
    return f"ch/{min(idx['k'], layout.n_inputs)}" if layout.n_inputs else "none"


def _talk_sources(layout: Layout) -> tuple[str, ...]:
    return ("none",) + tuple(f"ch/{n}" for n in range(1, layout.n_inputs + 1))


def _talk_sources_hint(layout: Layout) -> str:
    if not layout.n_inputs:
        return '"none"'
    return '"none" or ' + ('"ch/1"' if layout.n_inputs == 1 else f'"ch/1"…"ch/{layout.n_inputs}"')


# -- the table ---------------------------------------------------------------------------------------

ROWS: tuple[Row, ...] = (
    # input channels
    name("ch/{n}/name", "channel name", lambda layout, idx: layout.inputs[idx["n"] - 1]),
    color("ch/{n}/color", "channel colour on the control surfaces"),
    level("ch/{n}/trim", "input gain before the channel processing", lo=-24.0, hi=24.0, note=None, drives=TRIM),
    switch("ch/{n}/polarity", "polarity inverted", False, drives=TRIM),
    switch("ch/{n}/hpf/on", "high-pass filter in", False, drives=("insert", OWNER, "hpf")),
    number("ch/{n}/hpf/freq", "Hz", 80.0, "high-pass filter corner (Butterworth)", 20.0, 400.0, drives=HPF),
    Row("ch/{n}/hpf/slope", "number", "dB/oct", 12.0, "high-pass filter slope", min=12.0, max=24.0,
        choices=lambda layout: (12.0, 24.0), hint="12 or 24 dB/oct", drives=HPF),
    *eq_rows("ch/{n}", "channel"),
    switch("ch/{n}/gate/on", "gate/expander in", False, drives=("insert", OWNER, "gate")),
    level("ch/{n}/gate/threshold", "gate opens above this level (dBFS)", default=-50.0, lo=-90.0, hi=0.0, note=None,
          drives=GATE),
    level("ch/{n}/gate/range", "attenuation while closed (-90 gate … -3 gentle expander)", default=-60.0,
          lo=-90.0, hi=0.0, note=None, drives=GATE),
    number("ch/{n}/gate/attack", "ms", 0.5, "gate opening time", 0.05, 100.0, drives=GATE),
    number("ch/{n}/gate/hold", "ms", 50.0, "gate stays open this long after the level falls", 0.0, 2000.0, drives=GATE),
    number("ch/{n}/gate/release", "ms", 200.0, "gate closing time", 5.0, 2000.0, drives=GATE),
    switch("ch/{n}/dyn/on", "compressor in", False, drives=("insert", OWNER, "dyn")),
    level("ch/{n}/dyn/threshold", "compressor threshold (dBFS)", default=-20.0, lo=-60.0, hi=0.0, note=None,
          drives=COMP),
    number("ch/{n}/dyn/ratio", "ratio", 3.0, "compression ratio (n:1)", 1.0, 20.0, drives=COMP),
    number("ch/{n}/dyn/knee", "dB", 6.0, "soft-knee width", 0.0, 24.0, drives=COMP),
    number("ch/{n}/dyn/attack", "ms", 10.0, "compressor attack time", 0.05, 200.0, drives=COMP),
    number("ch/{n}/dyn/release", "ms", 150.0, "compressor release time", 5.0, 2000.0, drives=COMP),
    level("ch/{n}/dyn/makeup", "gain after compression", default=0.0, lo=0.0, hi=24.0, note=None, drives=COMP),
    choice("ch/{n}/order", ORDERS, "eq>dyn", "insert order after the HPF: EQ then dynamics, or dynamics then EQ",
           drives=ORDER),
    level("ch/{n}/fader", "channel fader: level into the main mix and post-fader sends", drives=LEVEL),
    pan("ch/{n}/pan", "channel position in the main mix", drives=PAN),
    switch("ch/{n}/mute", "channel mute: silences the main mix and every send, pre-fader ones too", False,
           drives=LEVEL),
    switch("ch/{n}/main", "channel assigned to the main mix", True, drives=PAN),
    switch("ch/{n}/solo", "channel soloed: heard on the solo bus (the engineer's phones), PFL or AFL by solo/mode",
           False, scene=False, drives=SOLO),
    switch("ch/{n}/talk", "the channel talks to the engineer (a musician's talk button): heard on the solo bus "
           "after its inserts, whatever its mute and fader, over the rest of the solo bus dimmed by talkback/dim",
           False, scene=False, momentary=True, drives=SOLO),
    # A group bus is assigned by switching its send on: the send then passes the post-fader signal at 0 dB.
    level("ch/{n}/send/{b}/level", "send level from the channel to the bus",
          default=lambda layout, idx: 0.0 if layout.buses[idx["b"] - 1].is_group else -90.0, drives=SEND),
    Row("ch/{n}/send/{b}/pre", "bool", "bool", lambda layout, idx: layout.buses[idx["b"] - 1].is_aux,
        "send taken before the channel fader (monitor mixes: yes; FX sends and groups: no)", drives=SEND),
    Row("ch/{n}/send/{b}/on", "bool", "bool", lambda layout, idx: not layout.buses[idx["b"] - 1].is_group,
        "send switched on (for a group bus: the channel is assigned to the group)", drives=SEND),
    pan("ch/{n}/send/{b}/pan", "channel position in a stereo bus", when=_stereo_bus, drives=SEND),
    Row("ch/{n}/send/{b}/me", "bool", "bool", False, "the channel is one of this mix's own (\"me\") channels",
        when=_aux_bus, drives=SEND),
    Row("ch/{n}/dca/{d}", "bool", "bool", False, "channel is a member of the DCA group", drives=LEVEL),
    Row("ch/{n}/mutegroup/{g}", "bool", "bool", False, "channel is a member of the mute group", drives=LEVEL),
    # buses
    name("bus/{b}/name", "bus name", lambda layout, idx: layout.buses[idx["b"] - 1].name),
    color("bus/{b}/color", "bus colour on the control surfaces"),
    level("bus/{b}/fader", "bus output level", drives=MASTER),
    switch("bus/{b}/mute", "bus output mute", False, drives=MASTER),
    switch("bus/{b}/solo", "bus soloed: the solo bus carries the mix as it leaves (what the musician hears)",
           False, scene=False, drives=SOLO),
    pan("bus/{b}/balance", "left/right balance of a stereo bus", when=_stereo_out, drives=MASTER),
    level("bus/{b}/moreme", "\"more me\": raises the mix's own channels by this much", lo=0.0, hi=12.0,
          note=None, when=_aux_bus, drives=("moreme", "{b}")),
    *eq_rows("bus/{b}", "bus"),
    *geq_rows("bus/{b}", "mix", when=_aux_bus),
    *limiter_rows("bus/{b}", "bus", lambda layout, idx: layout.buses[idx["b"] - 1].is_aux),
    out_delay_row("bus/{b}", "mix", when=_aux_bus),
    switch("bus/{b}/main", "group bus assigned to the main mix", True, when=_group_bus, drives=("group_main", "{b}")),
    Row("bus/{b}/fx/type", "string", "string", lambda layout, idx: layout.buses[idx["b"] - 1].effect,
        "effect of the FX bus", choices=lambda layout: FX_EFFECTS, when=_fx_bus, drives=("fx_kind", "{b}")),
    number("bus/{b}/fx/size", "%", 50.0, "reverb size (tail length)", 0.0, 100.0, when=_fx_bus, drives=REVERB),
    number("bus/{b}/fx/damping", "%", 50.0, "reverb high-frequency damping", 0.0, 100.0, when=_fx_bus, drives=REVERB),
    number("bus/{b}/fx/width", "%", 100.0, "reverb stereo width", 0.0, 100.0, when=_fx_bus, drives=REVERB),
    number("bus/{b}/fx/predelay", "ms", 20.0, "reverb pre-delay", 0.0, 100.0, when=_fx_bus, drives=REVERB),
    number("bus/{b}/fx/time", "ms", 350.0, "delay time", 1.0, 2000.0, when=_fx_bus, drives=DELAY),
    number("bus/{b}/fx/feedback", "%", 35.0, "delay feedback (share of each repeat)", 0.0, 95.0, when=_fx_bus,
           drives=DELAY),
    number("bus/{b}/fx/highcut", "Hz", 8000.0, "delay high-cut in the feedback path (20000 = off)",
           1000.0, 20000.0, when=_fx_bus, drives=DELAY),
    level("bus/{b}/return/main/level", "FX return level into the main mix", when=_fx_bus, drives=("return", "{b}", 0)),
    level("bus/{b}/return/{a}/level", "FX return level into an aux mix", default=-90.0, when=_fx_return,
          drives=("return", "{b}", "{a}")),
    # main mix
    level("main/fader", "main mix output level", drives=("master", 0)),
    switch("main/mute", "main mix output mute", False, drives=("master", 0)),
    pan("main/balance", "main mix left/right balance", drives=("master", 0)),
    *eq_rows("main", "main"),
    *geq_rows("main", "main"),
    *limiter_rows("main", "main", True),
    out_delay_row("main", "main"),
    # the solo bus: the engineer's listen output
    choice("solo/mode", SOLO_MODES, "pfl", "channel solo taps: pfl (after the inserts, before mute and fader) "
           "or afl (after the fader, panned)", scene=False, drives=SOLO),
    level("solo/level", "solo bus output level (the engineer's phones)", scene=False, drives=SOLO),
    # talkback: the engineer's mic talks to chosen mixes (and the main) while a talk button is on; the channel is
    # taken over while it talks (its own routing comes back after), and the mixes it talks to are dimmed
    Row("talkback/source", "string", "string", "none", "the talkback mic: the channel that talks (\"none\": "
        "no talkback)", choices=_talk_sources, hint=_talk_sources_hint, drives=TALKBACK),
    level("talkback/level", "talkback level into the mixes it talks to", drives=TALKBACK),
    level("talkback/dim", "how far the rest of a mix talked to is turned down while talking", default=-20.0,
          lo=-60.0, hi=0.0, note="0 = not dimmed", drives=TALKBACK),
    name("talkback/{t}/name", "talk button name", lambda layout, idx: "Talk " + "AB"[idx["t"] - 1]),
    switch("talkback/{t}/to/{b}", "the talk button talks to this aux mix", False, when=_aux_bus, drives=TALKBACK),
    switch("talkback/{t}/to/main", "the talk button talks to the main mix", False, drives=TALKBACK),
    switch("talkback/{t}/on", "talking (the button held or latched)", False, scene=False, momentary=True,
           drives=TALKBACK),
    # ringing out: the feedback finder listens to the mixes being rung out (the engineer drives them into feedback
    # on purpose: every peak that stays is a howl) or, watching, to every mix always (a howl is a peak that stays
    # and grows), names each howl as a problem and offers a notch; auto notches it at once
    switch("bus/{b}/ringout", "ringing out this mix: the feedback finder names every peak that stays put",
           False, scene=False, when=_aux_bus),
    switch("main/ringout", "ringing out the main: the feedback finder names every peak that stays put", False,
           scene=False),
    switch("feedback/watch", "the feedback finder listens to every aux mix and the main always (a howl: a peak "
           "that stays put and grows)", False),
    switch("feedback/auto", "every howl the feedback finder names is notched at once on its mix's EQ (one undo "
           "step each)", False),
    # groups
    name("dca/{d}/name", "DCA group name", lambda layout, idx: f"DCA {idx['d']}"),
    level("dca/{d}/fader", "DCA fader: offsets every member channel's fader", lo=-90.0, hi=10.0,
          drives=("group", "dca", "{d}")),
    switch("dca/{d}/mute", "DCA mute: mutes every member channel", False, drives=("group", "dca", "{d}")),
    name("mutegroup/{g}/name", "mute group name", lambda layout, idx: f"Mute {idx['g']}"),
    switch("mutegroup/{g}/on", "mute group engaged: every member channel is muted", False,
           drives=("group", "mutegroup", "{g}")),
    # signal generators (test tones for sound check and the demo)
    switch("gen/{k}/on", "signal generator running", False, drives=GEN("gen_level")),
    choice("gen/{k}/type", GEN_TYPES, "sine", "sine tone, pink noise or white noise", drives=GEN("gen_kind")),
    Row("gen/{k}/freq", "number", "Hz", 1000.0, "generator tone frequency", min=20.0, max=20000.0,
        drives=GEN("gen_freq")),
    level("gen/{k}/level", "generator level in dBFS (peak for a tone, RMS for noise)", default=-18.0, hi=0.0,
          note=None, drives=GEN("gen_level")),
    Row("gen/{k}/target", "string", "string", _gen_default_target, "channel input or bus the generator feeds",
        choices=_channel_targets, hint=_channel_targets_hint, drives=GEN("gen_target")),
    Row("gen/{k}/mod", "number", "Hz", 0.0, "amplitude-modulation rate", min=0.0, max=20.0,
        note="0 = steady tone", drives=GEN("gen_mod")),
)
