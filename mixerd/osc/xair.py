"""The X AIR dialect: mixerd's layout presented as a Behringer XR18, its paths and value encodings (no I/O).

An XR18 has 16 channels, 6 buses, 4 FX (a send bus, an effect and a stereo return each), a main LR and 4 DCAs.
``XAirMap`` binds each X AIR path to the mixerd address(es) it shows; a path it does not bind does not exist
for the apps (``binding()`` is None, ``explain()`` says why).

Layout (what the README's "Existing apps" section says):

* ``/ch/01…/ch/16``: mixerd channels 1–16. With fewer channels the rest are unmapped (8 channels:
  ``/ch/09…/ch/16`` show nothing); with more, channels 17 and up are not reachable over OSC. ``/headamp/NN``
  is channel NN's gain (mixerd's trim). The XR18's aux channel (``/rtn/aux``, inputs 17/18) is not mapped.
* ``/bus/1…/bus/6``: mixerd's aux and group buses (every bus that is not an FX bus) in bus order, mono or
  stereo alike (a stereo mixerd bus is one X AIR bus, not a linked pair); a 7th and later are not reachable.
* ``/fx/1…4``, ``/fxsend/1…4``, ``/rtn/1…4``: mixerd's FX buses in bus order (the effect, its send master,
  its return); a 5th and later are not reachable.
* Sends ``/ch/NN/mix/MM/…``: MM 01–06 the buses above (level, tap, grpon, and pan on a stereo bus), 07–10 the
  FX sends 1–4 (level only, as on the X AIR).
* ``/lr``: mixerd's main. ``/dca/1…4``: ``dca/1…4``; ``/ch/NN/grp/dca`` and ``grp/mute`` a channel's DCA and
  mute-group membership, ``/config/mute/1…4`` mute groups 1–4 engaged (mixerd has 8 DCAs and 6 mute groups by
  default: the rest are not reachable). ``/config/solo/level`` and ``chmode`` are the solo bus's level and
  PFL/AFL, ``/-stat/solosw/01…16`` the channels' solo switches.

Encodings (X AIR floats are 0.0–1.0 on the wire, k/(steps−1) for the k-th step; integers are indices):

==========================  =====================================================  ================
X AIR                       curve and steps                                        mixerd
==========================  =====================================================  ================
fader, send level, DCA      dB = 40f−30 (f≥0.5), 80f−50 (≥0.25), 160f−70            −90…+10 dB
                            (≥0.0625), 480f−90 (f=0: −∞); 1024 steps              (−90 = closed)
EQ frequency                log 20 Hz…20 kHz, 201 steps                            20–20000 Hz
EQ Q                        log 10…0.3, 72 steps (0.0 = Q 10)                      0.3–10
EQ gain                     −15…+15 dB, 0.25 dB (121 steps)                        ±15 dB
EQ type (int)               0 LCut 1 LShv 2 PEQ 3 VEQ 4 HShv 5 HCut                VEQ → peaking
pan, send pan, balance      −100…+100, steps of 2 (101)                            −100…+100
high-pass                   log 20…400 Hz, 101 steps; slope 0 = 12, 2 = 24 dB/oct   18 dB/oct refused
headamp gain                −12…+60 dB, 0.5 dB (145 steps)                         trim −24…+24 dB
preamp trim, rtntrim        −18…+18 dB, 0.25 dB (145 steps)                        trim
gate threshold              −80…0 dB, 0.5 dB (161 steps)                           −90…0 (below −80: −80)
gate range                  3…60 dB attenuation, 1 dB (58 steps)                   −3…−60 dB (negated)
gate/dyn attack             0…120 ms, 1 ms (121 steps)                             0.05–100 / 200 ms
gate hold                   log 0.02…2000 ms, 101 steps                            0–2000 ms
gate/dyn release            log 5…4000 ms, 101 steps                               5–2000 ms
dyn threshold               −60…0 dB, 0.5 dB (121 steps)                           −60…0 dB
dyn ratio (int)             1.1 1.3 1.5 2 2.5 3 4 5 7 10 20 100                    1–20 (100 → 20)
dyn knee                    0…5 dB, 1 dB (6 steps)                                 0–24 dB (above 5: 5)
dyn make-up (mgain)         0…24 dB, 0.5 dB (49 steps)                             0–24 dB
dyn pos (int)               0 PRE, 1 POST (the EQ)                                 order dyn>eq, eq>dyn
mix/on, dca/on (int)        1 = sounding                                           mute (inverted)
send tap (int)              0 IN 1 PREEQ 2 POSTEQ 3 PRE 4 POST 5 GRP               pre: 0–3 → true
grp/dca, grp/mute (int)     bit k−1 = member of group k                            ch/N/dca/K, …
colour (int)                0 OFF 1 RD 2 GN 3 YE 4 BL 5 MG 6 CY 7 WH, 8–15 the     #rrggbb (PALETTE;
                            same inverted                                          others: nearest)
FX type (int)               0–9 reverbs, 10–12 delays (others refused)             reverb (0), delay (10)
==========================  =====================================================  ================

A step means the same both ways: ``to_osc`` gives the step nearest to mixerd's value, ``from_osc`` a value on
that step, so a value set over OSC and read back over REST (or the other way) lands on the same step. Where
mixerd's range is narrower (an attack of 120 ms, a ratio of 100) ``from_osc`` clamps to it and the app then
reads mixerd's limit; where it is wider (a −90 dB gate threshold) ``to_osc`` shows the X AIR's limit. Linear
steps come back as their own value (0.25 dB); on the fader and the log scales the simplest number on the step
(0 dB for 0.75, not −0.0098; 1000 Hz, not 990.9), so what REST shows reads like what was dialled. The X AIR's
tap, EQ type and colour have more choices than mixerd: IN, PREEQ and POSTEQ are pre-fader sends (read back as
PRE), GRP a post-fader one (POST), VEQ a peaking band (PEQ); a colour that is not in the palette shows as the
nearest one.

Sources: the fader curve and its 1024 steps (f = k/1023, incoming floats rounded to a step) from P.-G. Maillot's
"Unofficial X32/M32 OSC Remote Protocol" and his X AIR forum note (behringer.world, "Question on OSC /meters
data"), and F. Homann on ardour-dev (2016-05-14); ranges, log/linear scales and enumerations from the X AIR
OSC command list (Behringer's X AIR parameter list as tabulated by the Sysex OSC generator), onyx-and-iris's
xair-api (``shared.py``: HPF 20–400 log, Q log 10…0.3, gate and dynamics ranges) and the XR18 FX type list;
the step counts (201, 72, 0.25 dB, steps of 2, 101, 161, …) are the X32 parameter types the X AIR shares.

Not mapped (mixerd has no such parameter; ``NOT_MAPPED`` says why for each): the channel's input and USB
routing, phantom power, gate mode/key/filter, compressor mode/detector/envelope/hold/mix/auto/key/filter,
inserts, automix, the aux channel, an FX return's EQ, mute, pan and LR switch, FX parameters, bus and main
dynamics, inserts and graphic EQs, a bus's or FX send's DCA and mute-group membership, EQ bands 2 and 5 of the
six-band bus and main EQs (mixerd's four bands are bands 1, 3, 4 and 6), the main's name and colour, DCA
colours, channel/bus links, solo source, dim and mono, routing, preferences and status other than channel solo.

A parameter made of several of mixerd's addresses (``grp/dca``, ``grp/mute``: one bit per group) is one
``Binding`` with ``many`` true: its ``addresses`` are the members, ``to_osc`` takes a mapping of them to their
values and ``from_osc`` returns such a mapping. ``read`` and ``changes`` work for every binding alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from mixerd.model.errors import MixerError, ParamError
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.model.spec import ParamSpec, format_number, show_value, type_phrase

#: The XR18's shape.
CHANNELS, BUSES, FX, DCAS, MUTE_GROUPS = 16, 6, 4, 4, 4
#: ``/ch/NN/mix/07…10`` are the sends to FX 1…4.
FX_SEND_FIRST = 7
#: The bands of the X AIR's six-band bus and main EQs that show mixerd's four bands (low, low-mid, high-mid, high).
SIX_BAND = (1, 3, 4, 6)

#: X AIR colour index → (its name, the mixerd colour it stands for). The inverted ones (8–15) are darker.
PALETTE: tuple[tuple[str, str], ...] = (
    ("OFF", "#6b7280"), ("RD", "#ef4444"), ("GN", "#22c55e"), ("YE", "#eab308"), ("BL", "#3b82f6"),
    ("MG", "#d946ef"), ("CY", "#06b6d4"), ("WH", "#f3f4f6"), ("OFFi", "#374151"), ("RDi", "#991b1b"),
    ("GNi", "#166534"), ("YEi", "#854d0e"), ("BLi", "#1e40af"), ("MGi", "#86198f"), ("CYi", "#155e75"),
    ("WHi", "#9ca3af"),
)
EQ_TYPES = ("LCut", "LShv", "PEQ", "VEQ", "HShv", "HCut")
TAPS = ("IN", "PREEQ", "POSTEQ", "PRE", "POST", "GRP")
RATIOS = (1.1, 1.3, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 20.0, 100.0)
FX_TYPES = ("HALL", "AMBI", "RPLT", "ROOM", "CHAM", "PLAT", "VREV", "VRM", "GATE", "RVRS", "DLY", "3TAP", "4TAP",
            "CRS", "FLNG", "PHAS", "DIMC", "FILT", "ROTA", "PAN", "SUB", "D/RV", "CR/R", "FL/R", "D/CR", "D/FL",
            "MODD", "GEQ2", "GEQ", "TEQ2", "TEQ", "DES2", "DES", "P1A", "P1A2", "PQ5", "PQ5S", "WAVD", "LIM", "CMB",
            "CMB2", "FAC", "FAC1M", "FAC2", "LEC", "LEC2", "ULC", "ULC2", "ENH2", "ENH", "EXC2", "EXC", "IMG", "EDI",
            "SON", "AMP2", "AMP", "DRV2", "DRV", "PIT2", "PIT")


class OscArgError(MixerError):
    """An OSC argument refused (wrong type, outside 0.0–1.0, an index with no meaning here); nothing changed.
    ``path`` is the X AIR path, ``address`` the mixerd address it shows."""

    family = frozenset({"wrong_type", "out_of_range", "invalid_value"})

    def __init__(self, code: str, message: str, path: str, address: str | None = None, allowed: str | None = None):
        super().__init__(code, message, address, allowed)
        self.path = path


class _Bad(Exception):
    """An encoding's refusal, before the binding adds the path and what is allowed."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


# -- reading arguments ---------------------------------------------------------------------------------------

def _unit_float(arg: Any) -> float:
    """An X AIR float argument: a number 0.0…1.0 (an int 0 or 1 too; not a bool, which is no level)."""
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise _Bad("wrong_type", f"{_shown(arg)} is {type_phrase(arg)}, not a float")
    if isinstance(arg, float) and not math.isfinite(arg):
        raise _Bad("invalid_value", f"{_shown(arg)} is not a finite number")
    if not 0.0 <= arg <= 1.0:
        raise _Bad("out_of_range", f"{_shown(arg)} is outside 0.0…1.0")
    return float(arg)


def _index(arg: Any, count: int) -> int:
    """An X AIR int argument 0…count−1 (also a whole float, as TouchOSC sends, or a bool)."""
    if isinstance(arg, float) and arg.is_integer():
        arg = int(arg)
    if not isinstance(arg, int):
        raise _Bad("wrong_type", f"{_shown(arg)} is {type_phrase(arg)}, not an int")
    if not 0 <= arg < count:
        raise _Bad("out_of_range", f"{arg} is outside 0…{count - 1}")
    return int(arg)


def _shown(arg: Any) -> str:
    return show_value(arg) if isinstance(arg, (bool, int, float, str)) or arg is None else type(arg).__name__


# -- curves: X AIR unit value ↔ wire position 0…1 -------------------------------------------------------------

@dataclass(frozen=True)
class Linear:
    """Evenly spaced from ``lo`` (wire 0) to ``hi`` (wire 1)."""

    lo: float
    hi: float

    def wire(self, x: float) -> float:
        return (x - self.lo) / (self.hi - self.lo)

    def value(self, w: float) -> float:
        return self.lo + (self.hi - self.lo) * w


@dataclass(frozen=True)
class Log:
    """Logarithmic from ``lo`` (wire 0) to ``hi`` (wire 1); ``hi`` may be the smaller (Q: 10 … 0.3)."""

    lo: float
    hi: float

    def wire(self, x: float) -> float:
        return math.log(x / self.lo) / math.log(self.hi / self.lo)

    def value(self, w: float) -> float:
        return self.lo * (self.hi / self.lo) ** w


@dataclass(frozen=True)
class Fader:
    """The X32/X AIR fader law: four linear segments of dB, −90 dB (−∞) at wire 0, +10 dB at wire 1."""

    lo: float = -90.0
    hi: float = 10.0

    def wire(self, db: float) -> float:
        if db >= -10.0:
            return (db + 30.0) / 40.0
        if db >= -30.0:
            return (db + 50.0) / 80.0
        if db >= -60.0:
            return (db + 70.0) / 160.0
        return (db + 90.0) / 480.0

    def value(self, w: float) -> float:
        if w >= 0.5:
            return 40.0 * w - 30.0
        if w >= 0.25:
            return 80.0 * w - 50.0
        if w >= 0.0625:
            return 160.0 * w - 70.0
        return 480.0 * w - 90.0


Curve = Union[Linear, Log, Fader]


# -- encodings: mixerd value ↔ OSC argument ------------------------------------------------------------------

@dataclass(frozen=True)
class Stepped:
    """A float parameter of ``steps`` steps along ``curve`` (in X AIR units: mixerd's value × ``sign``), clamped
    to mixerd's ``lo``…``hi`` on the way in. ``nominal``: a step comes back as its own value (linear scales of
    decimal steps), else as the simplest number on it (the fader, log scales). ``text`` shows the range."""

    curve: Curve
    steps: int
    lo: float
    hi: float
    text: str
    sign: float = 1.0
    nominal: bool = False
    tag = "f"

    @property
    def allowed(self) -> str:
        return f"a float 0.0…1.0 ({self.text}, {self.steps} steps)"

    def step(self, value: float) -> int:
        """The index of the step nearest to mixerd's ``value`` (X AIR's limits where mixerd's range is wider)."""
        low, high = sorted((self.curve.lo, self.curve.hi))
        x = min(max(value * self.sign, low), high)
        return math.floor(self.curve.wire(x) * (self.steps - 1) + 0.5)

    def to_osc(self, value: float) -> float:
        return self.step(value) / (self.steps - 1)

    def from_osc(self, arg: Any) -> float:
        k = math.floor(_unit_float(arg) * (self.steps - 1) + 0.5)  # a float32 off its step lands back on it
        value = self.sign * self.curve.value(k / (self.steps - 1))
        if value <= self.lo:
            return self.lo
        if value >= self.hi:
            return self.hi
        return round(value, 9) + 0.0 if self.nominal else self._simplest(value, k)

    def _simplest(self, value: float, k: int) -> float:
        """The number with the fewest significant digits whose nearest step is ``k`` (nearest ``value`` first)."""
        if self.lo <= 0.0 <= self.hi and self.step(0.0) == k:
            return 0.0
        first = -math.floor(math.log10(abs(value)))  # decimal places of one significant digit
        for places in range(first, first + 16):
            scale = 10.0 ** places
            for c in sorted({round(math.floor(value * scale) / scale, places),
                             round(math.ceil(value * scale) / scale, places)}, key=lambda c: abs(c - value)):
                if self.lo <= c <= self.hi and self.step(c) == k:
                    return c + 0.0
        return value


@dataclass(frozen=True)
class Switch:
    """An X AIR on/off int (1 = on) for a mixerd bool; ``invert`` for mixerd's mutes (X AIR ``on`` = sounding)."""

    invert: bool = False
    tag = "i"

    @property
    def allowed(self) -> str:
        return "an int: 1 = on (not muted), 0 = off (muted)" if self.invert else "an int: 1 = on, 0 = off"

    def to_osc(self, value: bool) -> int:
        return int(bool(value) != self.invert)

    def from_osc(self, arg: Any) -> bool:
        return bool(_index(arg, 2)) != self.invert


@dataclass(frozen=True)
class Choice:
    """An X AIR enumeration: index ``i`` (named ``labels[i]``) is mixerd's ``values[i]`` (None: refused,
    ``why``); a mixerd value shows as ``shown[value]`` (as pairs), the index several share reading back as it."""

    labels: tuple[str, ...]
    values: tuple[Any, ...]
    shown: tuple[tuple[Any, int], ...]
    why: str = "has no counterpart in mixerd"
    tag = "i"

    @property
    def allowed(self) -> str:
        named = (f"{i} {label}" for i, label in enumerate(self.labels) if self.values[i] is not None)
        return "an int: " + ", ".join(named)

    def to_osc(self, value: Any) -> int:
        return dict(self.shown)[value]

    def from_osc(self, arg: Any) -> Any:
        i = _index(arg, len(self.labels))
        if self.values[i] is None:
            raise _Bad("invalid_value", f"{i} ({self.labels[i]}) {self.why}")
        return self.values[i]


@dataclass(frozen=True)
class Ratios:
    """The X AIR's compressor ratios (an index) for mixerd's continuous ratio ``lo``…``hi``: a ratio shows as the
    nearest one (on a log scale), an X AIR ratio above mixerd's range comes in as ``hi``."""

    lo: float
    hi: float
    tag = "i"

    @property
    def allowed(self) -> str:
        return "an int: " + ", ".join(f"{i} {format_number(r)}:1" for i, r in enumerate(RATIOS))

    def to_osc(self, value: float) -> int:
        return min(range(len(RATIOS)), key=lambda i: abs(math.log(RATIOS[i] / value)))

    def from_osc(self, arg: Any) -> float:
        return min(max(RATIOS[_index(arg, len(RATIOS))], self.lo), self.hi)


@dataclass(frozen=True)
class Text:
    """A name: the string as it is (mixerd's name rule decides; X AIR apps may show only the first 12 characters)."""

    tag = "s"

    @property
    def allowed(self) -> str:
        return "a string"

    def to_osc(self, value: str) -> str:
        return value

    def from_osc(self, arg: Any) -> str:
        if not isinstance(arg, str):
            raise _Bad("wrong_type", f"{_shown(arg)} is {type_phrase(arg)}, not a string")
        return arg


@dataclass(frozen=True)
class Colour:
    """An X AIR colour index for mixerd's ``#rrggbb``: the palette's colour, or the nearest one."""

    tag = "i"

    @property
    def allowed(self) -> str:
        return "an int: " + ", ".join(f"{i} {name}" for i, (name, _) in enumerate(PALETTE))

    def to_osc(self, value: str) -> int:
        rgb = _rgb(value)
        return min(range(len(PALETTE)), key=lambda i: sum((a - b) ** 2 for a, b in zip(_rgb(PALETTE[i][1]), rgb)))

    def from_osc(self, arg: Any) -> str:
        return PALETTE[_index(arg, len(PALETTE))][1]


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@dataclass(frozen=True)
class Mask:
    """An X AIR bit mask over mixerd bools: bit k−1 is ``addresses[k-1]`` (group k of ``what``)."""

    addresses: tuple[str, ...]
    what: str
    tag = "i"

    @property
    def allowed(self) -> str:
        n = len(self.addresses)
        return f"an int 0…{2 ** n - 1}: bit k−1 = member of {self.what} k (1…{n})"

    def to_osc(self, values: Mapping[str, Any]) -> int:
        if not isinstance(values, Mapping):
            raise TypeError(f"a {self.what} mask reads {len(self.addresses)} addresses: give a mapping of "
                            f"{', '.join(self.addresses)} to their values (Binding.read does)")
        return sum(1 << i for i, a in enumerate(self.addresses) if values[a])

    def from_osc(self, arg: Any) -> dict[str, bool]:
        n = len(self.addresses)
        try:
            bits = _index(arg, 2 ** n)
        except _Bad as bad:
            if bad.code == "out_of_range" and arg > 0:  # a bit at or above n: name the groups not shown
                beyond = [str(k + 1) for k in range(n, int(arg).bit_length()) if int(arg) >> k & 1]
                bad.detail += f": there is no {self.what} {', '.join(beyond)} here (only 1…{n})"
            raise
        return {a: bool(bits >> i & 1) for i, a in enumerate(self.addresses)}


Encoding = Union[Stepped, Switch, Choice, Ratios, Text, Colour, Mask]
Make = Callable[[ParamSpec], Encoding]


# -- the encodings of the X AIR's parameters, for a mixerd spec -----------------------------------------------

def _linear(lo: float, hi: float, step: float, unit: str, sign: float = 1.0) -> Make:
    text = f"{format_number(lo, lo < 0)}…{format_number(hi, lo < 0)} {unit}".rstrip()
    steps = round((hi - lo) / step) + 1
    return lambda spec: Stepped(Linear(lo, hi), steps, spec.min, spec.max, text, sign, nominal=True)


def _log(lo: float, hi: float, steps: int, unit: str) -> Make:
    text = f"{format_number(lo)}…{format_number(hi)}{' ' + unit if unit else ''}, logarithmic"
    return lambda spec: Stepped(Log(lo, hi), steps, spec.min, spec.max, text)


def _choice(labels: tuple[str, ...], values: tuple[Any, ...], shown: dict[Any, int],
            why: str = "has no counterpart in mixerd") -> Make:
    encoding = Choice(labels, values, tuple(shown.items()), why)
    return lambda spec: encoding


FADER: Make = lambda spec: Stepped(Fader(), 1024, spec.min, spec.max, "−∞…+10 dB")  # noqa: E731
PAN = _linear(-100.0, 100.0, 2.0, "")
FREQ = _log(20.0, 20000.0, 201, "Hz")
Q = _log(10.0, 0.3, 72, "")
EQ_GAIN = _linear(-15.0, 15.0, 0.25, "dB")
HPF = _log(20.0, 400.0, 101, "Hz")
HEADAMP = _linear(-12.0, 60.0, 0.5, "dB")
TRIM = _linear(-18.0, 18.0, 0.25, "dB")
GATE_THRESHOLD = _linear(-80.0, 0.0, 0.5, "dB")
GATE_RANGE = _linear(3.0, 60.0, 1.0, "dB attenuation", sign=-1.0)
ATTACK = _linear(0.0, 120.0, 1.0, "ms")
HOLD = _log(0.02, 2000.0, 101, "ms")
RELEASE = _log(5.0, 4000.0, 101, "ms")
DYN_THRESHOLD = _linear(-60.0, 0.0, 0.5, "dB")
KNEE = _linear(0.0, 5.0, 1.0, "dB")
MAKEUP = _linear(0.0, 24.0, 0.5, "dB")
RATIO: Make = lambda spec: Ratios(spec.min, spec.max)  # noqa: E731
ON: Make = lambda spec: Switch()  # noqa: E731
MIX_ON: Make = lambda spec: Switch(invert=True)  # noqa: E731
NAME: Make = lambda spec: Text()  # noqa: E731
COLOUR: Make = lambda spec: Colour()  # noqa: E731
EQ_TYPE = _choice(EQ_TYPES, ("low-cut", "low-shelf", "peaking", "peaking", "high-shelf", "high-cut"),
                  {"low-cut": 0, "low-shelf": 1, "peaking": 2, "high-shelf": 4, "high-cut": 5})
TAP = _choice(TAPS, (True, True, True, True, False, False), {True: 3, False: 4})
HP_SLOPE = _choice(("12 dB/oct", "18 dB/oct", "24 dB/oct"), (12.0, None, 24.0), {12.0: 0, 24.0: 2},
                   "is not a slope of mixerd's high-pass filter (12 or 24 dB/oct)")
DYN_POS = _choice(("PRE", "POST"), ("dyn>eq", "eq>dyn"), {"dyn>eq": 0, "eq>dyn": 1})
SOLO_MODE = _choice(("PFL", "AFL"), ("pfl", "afl"), {"pfl": 0, "afl": 1})
FX_TYPE = _choice(FX_TYPES, ("reverb",) * 10 + ("delay",) * 3 + (None,) * (len(FX_TYPES) - 13),
                  {"reverb": 0, "delay": 10}, "is not an effect mixerd has: its FX buses run a reverb or a delay")

#: The X AIR's per-channel parameters: (path under /ch/NN, address under ch/N, encoding).
CHANNEL: tuple[tuple[str, str, Make], ...] = (
    ("config/name", "name", NAME),
    ("config/color", "color", COLOUR),
    ("preamp/trim", "trim", TRIM),
    ("preamp/rtntrim", "trim", TRIM),
    ("preamp/invert", "polarity", ON),
    ("preamp/hpon", "hpf/on", ON),
    ("preamp/hpf", "hpf/freq", HPF),
    ("preamp/hpslope", "hpf/slope", HP_SLOPE),
    ("gate/on", "gate/on", ON),
    ("gate/thr", "gate/threshold", GATE_THRESHOLD),
    ("gate/range", "gate/range", GATE_RANGE),
    ("gate/attack", "gate/attack", ATTACK),
    ("gate/hold", "gate/hold", HOLD),
    ("gate/release", "gate/release", RELEASE),
    ("dyn/on", "dyn/on", ON),
    ("dyn/pos", "order", DYN_POS),
    ("dyn/thr", "dyn/threshold", DYN_THRESHOLD),
    ("dyn/ratio", "dyn/ratio", RATIO),
    ("dyn/knee", "dyn/knee", KNEE),
    ("dyn/mgain", "dyn/makeup", MAKEUP),
    ("dyn/attack", "dyn/attack", ATTACK),
    ("dyn/release", "dyn/release", RELEASE),
    ("mix/on", "mute", MIX_ON),
    ("mix/fader", "fader", FADER),
    ("mix/pan", "pan", PAN),
    ("mix/lr", "main", ON),
)
#: One EQ band's parameters: (X AIR leaf, mixerd leaf, encoding).
BAND: tuple[tuple[str, str, Make], ...] = (("type", "type", EQ_TYPE), ("f", "freq", FREQ), ("g", "gain", EQ_GAIN),
                                           ("q", "q", Q))

#: X AIR parameters mixerd has no counterpart for, with why (``explain``; the README's "what not"). In a pattern
#: ``NN``/``MM`` is a two-digit number, ``N`` any number, ``{a,b}`` one of the choices and ``*`` anything.
NOT_MAPPED: tuple[tuple[str, str], ...] = (
    ("/ch/NN/config/{insrc,rtnsrc}", "which input feeds a channel is the hardware profile's (mixerd has no "
                                     "input patch)"),
    ("/ch/NN/preamp/rtnsw", "mixerd has no USB playback source per channel (the player plays takes back)"),
    ("/headamp/NN/phantom", "phantom power is the audio interface's, not mixerd's"),
    ("/ch/NN/gate/{mode,keysrc,filter/*}", "mixerd's gate is one gate/expander keyed by the channel itself"),
    ("/ch/NN/dyn/{mode,det,env,hold,mix,auto,keysrc,filter/*}",
     "mixerd's compressor has threshold, ratio, knee, attack, release and make-up only"),
    ("/{ch/NN,bus/N,lr}/insert/*", "mixerd has no insert effects"),
    ("/ch/NN/automix/*", "mixerd has no automixer"),
    ("/rtn/aux/*", "the XR18's aux channel (inputs 17/18) has no counterpart: mixerd's channels are /ch/01…16"),
    ("/rtn/N/{eq/*,preamp/*,grp/*,mix/on,mix/lr,mix/pan,mix/MM/{pan,tap,grpon},mix/{07,08,09,10}/*}",
     "an FX return in mixerd is its levels only: into the main (/rtn/N/mix/fader) and into each aux mix"),
    ("/fx/N/{par/*,insert}", "mixerd's effects have their own parameters (bus/F/fx/… over REST)"),
    ("/fxsend/N/grp/*", "an FX bus is in no DCA or mute group in mixerd"),
    ("/{bus/N,lr}/{dyn/*,geq/*,eq/mode,eq/{2,5}/*}", "mixerd's buses and main have a four-band EQ (X AIR bands "
                                                      "1, 3, 4, 6) and a limiter, no compressor or graphic EQ"),
    ("/bus/N/grp/*", "a bus is in no DCA or mute group in mixerd"),
    ("/lr/config/*", "mixerd's main has no name or colour"),
    ("/dca/N/config/color", "mixerd's DCA groups have no colour"),
    ("/config/{chlink,buslink,linkcfg,amixenable,amixlock}/*", "mixerd has no channel or bus links (a stereo bus "
                                                               "is one bus) and no automixer"),
    ("/config/solo/{source,sourcetrim,busmode,dim,dimatt,dimpfl,mono,mute,delay,delaytime,exclusive}",
     "mixerd's solo bus has a level and a PFL/AFL mode only"),
    ("/routing/*", "routing is the hardware profile's (mixerd/profiles)"),
    ("/-prefs/*", "mixer preferences are mixerd's config file"),
    ("/-action/*", "no console actions over OSC"),
    ("/-stat/*", "of the X AIR's status only the channel solo switches /-stat/solosw/01…16 are mapped"),
)


def _regex(pattern: str) -> re.Pattern:
    text = re.escape(pattern).replace(r"\{", "(?:").replace(r"\}", ")").replace(",", "|").replace(r"\*", ".+")
    end = r"(?=/|$|\)|\|)"  # a whole segment: up to a slash, the end, or the end of a choice
    text = re.sub(r"(?<=/)(NN|MM)" + end, r"\\d\\d", text)
    return re.compile(re.sub(r"(?<=/)N" + end, r"\\d+", text))


_NOT_MAPPED = tuple((_regex(p), why) for p, why in NOT_MAPPED)


@dataclass(frozen=True)
class Binding:
    """One X AIR path bound to mixerd: ``address`` (for a ``many`` binding, the first of ``addresses``), the OSC
    ``tag`` the X AIR uses (``f``, ``i`` or ``s``) and the encoding between their values.

    ``to_osc(value)`` gives the X AIR's argument on its step; ``from_osc(arg)`` mixerd's value, one that passes
    mixerd's validation, or raises ``OscArgError`` (a ValueError) naming the path and what is allowed. For a
    ``many`` binding (a bit mask over several addresses) both take and give a mapping address → value; ``read``
    and ``changes`` hide the difference.
    """

    path: str
    address: str
    tag: str
    encoding: Encoding = field(repr=False, compare=False)
    addresses: tuple[str, ...] = ()
    spec: ParamSpec | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.addresses:
            object.__setattr__(self, "addresses", (self.address,))

    @property
    def many(self) -> bool:
        """True for a parameter made of several addresses (``to_osc``/``from_osc`` take and give mappings)."""
        return isinstance(self.encoding, Mask)

    @property
    def allowed(self) -> str:
        """What the X AIR takes here, in its terms."""
        if isinstance(self.encoding, Text) and self.spec is not None:
            return f"a string, {self.spec.allowed}"
        return self.encoding.allowed

    def to_osc(self, value: Any) -> Any:
        """Mixerd's value (a mapping of ``addresses`` for a ``many`` binding) as the X AIR's argument."""
        return self.encoding.to_osc(value)

    def from_osc(self, arg: Any) -> Any:
        """The X AIR's argument as mixerd's value (a dict address → value for a ``many`` binding)."""
        try:
            value = self.encoding.from_osc(arg)
        except _Bad as bad:
            raise OscArgError(bad.code, f"{self.path}: {bad.detail}; allowed {self.allowed}; nothing was changed",
                              self.path, self.address, self.allowed) from None
        if self.spec is None:
            return value
        try:
            return self.spec.validate(value)
        except ParamError as e:
            raise OscArgError(e.code, f"{self.path}: {e.message}", self.path, self.address, e.allowed) from None

    def read(self, get: Callable[[str], Any]) -> Any:
        """The X AIR's argument now, ``get`` giving mixerd's value of an address (``control.get``)."""
        if self.many:
            return self.encoding.to_osc({a: get(a) for a in self.addresses})
        return self.encoding.to_osc(get(self.address))

    def changes(self, arg: Any) -> dict[str, Any]:
        """What setting the X AIR's argument changes: address → value (every member of a ``many`` binding)."""
        value = self.from_osc(arg)
        return dict(value) if self.many else {self.address: value}


class XAirMap:
    """mixerd's layout presented as an XR18-shaped mixer: every X AIR path mixerd answers, bound to its
    address(es). ``channels``, ``buses`` and ``fx`` are the mixerd channel and bus numbers behind X AIR channel,
    bus and FX 1, 2, … (what the meters read)."""

    def __init__(self, layout: Layout, tree: ParamTree):
        self.layout = layout
        self.tree = tree
        self.channels = tuple(range(1, min(CHANNELS, layout.n_inputs) + 1))
        self.buses = tuple(b for b, bus in enumerate(layout.buses, 1) if not bus.is_fx)[:BUSES]
        self.fx = tuple(b for b, bus in enumerate(layout.buses, 1) if bus.is_fx)[:FX]
        self.dcas = min(DCAS, layout.dcas)
        self.mute_groups = min(MUTE_GROUPS, layout.mute_groups)
        self._bindings: dict[str, Binding] = {}
        self._of: dict[str, list[Binding]] = {}
        for n in self.channels:
            self._channel(n)
        for n in self.channels:
            self._add(f"/headamp/{n:02d}/gain", f"ch/{n}/trim", HEADAMP)
        for slot, b in enumerate(self.buses, 1):
            self._strip(f"/bus/{slot}", f"bus/{b}", pan="balance")
            self._add(f"/bus/{slot}/mix/lr", f"bus/{b}/main", ON)  # group buses only
        for slot, f in enumerate(self.fx, 1):
            self._fx(slot, f)
        self._strip("/lr", "main", pan="balance", named=False)
        self._groups_and_solo()
        self._shapes = {re.sub(r"\d+", "#", p) for p in self._bindings}

    # -- lookups ------------------------------------------------------------------------------------------

    def binding(self, path: str) -> Binding | None:
        """The binding of X AIR ``path`` (``/ch/01/mix/fader``); None if mixerd does not answer it."""
        return self._bindings.get(path)

    def bindings_of(self, address: str) -> list[Binding]:
        """Every X AIR path that shows mixerd ``address`` (what to send when it changes)."""
        return self._of.get(address, [])

    def paths(self) -> list[str]:
        """Every mapped X AIR path: channels, headamps, buses, FX, main, DCAs, then config and solo."""
        return list(self._bindings)

    def summary(self) -> str:
        """What this mixer looks like as an XR18, in one line (for logs, the demo and ``explain``)."""
        def span(prefix: str, count: int, width: int = 1) -> str:
            return "none" if not count else f"{prefix}{1:0{width}d}…{prefix}{count:0{width}d}"
        return (f"{len(self.channels)} channels ({span('/ch/', len(self.channels), 2)}), {len(self.buses)} buses "
                f"({span('/bus/', len(self.buses))}), {len(self.fx)} FX ({span('/fx/', len(self.fx))}), "
                f"{self.dcas} DCAs and {self.mute_groups} mute groups")

    def explain(self, path: str) -> str:
        """Why ``path`` has no binding (or what it shows if it has one): for logs and error messages."""
        found = self._bindings.get(path)
        if found is not None:
            return f"{path} shows {', '.join(found.addresses)}"
        for regex, why in _NOT_MAPPED:
            if regex.fullmatch(path):
                return f"{path} is not mapped: {why}"
        if re.sub(r"\d+", "#", path) in self._shapes:
            return (f"{path} is not in this mixer: mixerd shows {self.summary()}; a send pan exists only for a "
                    f"stereo bus, an FX return level only into an aux mix, /bus/N/mix/lr only for a group bus")
        return f"{path} is not an X AIR parameter mixerd answers"

    # -- building ---------------------------------------------------------------------------------------

    def _add(self, path: str, address: str | tuple[str, ...], make: Make | None = None, what: str = "") -> None:
        """Bind ``path`` when the address(es) exist in this layout (a send pan only on a stereo bus, …)."""
        if isinstance(address, tuple):
            if not address or any(a not in self.tree for a in address):
                return
            binding = Binding(path, address[0], "i", Mask(address, what), address)
        else:
            if address not in self.tree:
                return
            spec = self.tree.spec(address)
            encoding = make(spec)
            binding = Binding(path, address, encoding.tag, encoding, spec=spec)
        self._bindings[path] = binding
        for a in binding.addresses:
            self._of.setdefault(a, []).append(binding)

    def _groups_and_solo(self) -> None:
        """The DCAs, the mute groups' switches, the solo bus and the channels' solo switches."""
        for d in range(1, self.dcas + 1):
            self._add(f"/dca/{d}/config/name", f"dca/{d}/name", NAME)
            self._add(f"/dca/{d}/on", f"dca/{d}/mute", MIX_ON)
            self._add(f"/dca/{d}/fader", f"dca/{d}/fader", FADER)
        for g in range(1, self.mute_groups + 1):
            self._add(f"/config/mute/{g}", f"mutegroup/{g}/on", ON)
        self._add("/config/solo/level", "solo/level", FADER)
        self._add("/config/solo/chmode", "solo/mode", SOLO_MODE)
        for n in self.channels:
            self._add(f"/-stat/solosw/{n:02d}", f"ch/{n}/solo", ON)

    def _channel(self, n: int) -> None:
        path, owner = f"/ch/{n:02d}", f"ch/{n}"
        for leaf, param, make in CHANNEL:
            self._add(f"{path}/{leaf}", f"{owner}/{param}", make)
        self._eq(path, owner, bands=range(1, 5))
        for slot, b in enumerate(self.buses, 1):
            send, to = f"{path}/mix/{slot:02d}", f"{owner}/send/{b}"
            self._add(f"{send}/level", f"{to}/level", FADER)
            self._add(f"{send}/pan", f"{to}/pan", PAN)  # stereo buses only
            self._add(f"{send}/tap", f"{to}/pre", TAP)
            self._add(f"{send}/grpon", f"{to}/on", ON)
        for slot, f in enumerate(self.fx, FX_SEND_FIRST):
            self._add(f"{path}/mix/{slot:02d}/level", f"{owner}/send/{f}/level", FADER)
        self._add(f"{path}/grp/dca", tuple(f"{owner}/dca/{d}" for d in range(1, self.dcas + 1)), what="DCA")
        self._add(f"{path}/grp/mute", tuple(f"{owner}/mutegroup/{g}" for g in range(1, self.mute_groups + 1)),
                  what="mute group")

    def _eq(self, path: str, owner: str, bands) -> None:
        """``path``'s EQ: X AIR band ``bands[i]`` is mixerd's band i+1."""
        self._add(f"{path}/eq/on", f"{owner}/eq/on", ON)
        for i, band in enumerate(bands, 1):
            for leaf, param, make in BAND:
                self._add(f"{path}/eq/{band}/{leaf}", f"{owner}/eq/{i}/{param}", make)

    def _strip(self, path: str, owner: str, pan: str, named: bool = True) -> None:
        """A bus or the main: name, colour, fader, on, pan (balance of a stereo one) and the six-band EQ."""
        if named:
            self._add(f"{path}/config/name", f"{owner}/name", NAME)
            self._add(f"{path}/config/color", f"{owner}/color", COLOUR)
        self._add(f"{path}/mix/on", f"{owner}/mute", MIX_ON)
        self._add(f"{path}/mix/fader", f"{owner}/fader", FADER)
        self._add(f"{path}/mix/pan", f"{owner}/{pan}", PAN)
        self._eq(path, owner, bands=SIX_BAND)

    def _fx(self, slot: int, f: int) -> None:
        """FX ``slot`` shows mixerd FX bus ``f``: its effect, its send master and its return levels."""
        owner = f"bus/{f}"
        self._add(f"/fx/{slot}/type", f"{owner}/fx/type", FX_TYPE)
        for part in (f"/fxsend/{slot}", f"/rtn/{slot}"):
            self._add(f"{part}/config/name", f"{owner}/name", NAME)
            self._add(f"{part}/config/color", f"{owner}/color", COLOUR)
        self._add(f"/fxsend/{slot}/mix/on", f"{owner}/mute", MIX_ON)
        self._add(f"/fxsend/{slot}/mix/fader", f"{owner}/fader", FADER)
        self._add(f"/rtn/{slot}/mix/fader", f"{owner}/return/main/level", FADER)
        for bus_slot, b in enumerate(self.buses, 1):
            self._add(f"/rtn/{slot}/mix/{bus_slot:02d}/level", f"{owner}/return/{b}/level", FADER)  # aux mixes only
