"""X AIR nodes: a whole node's values as one line of text (``/node``) and text lines that set values (``/``).

    app: /node ,s "ch/01/mix"                     mixerd: node ,s "/ch/01/mix ON -10.0 ON +0\\n"
    app: / ,s "/ch/01/mix/fader -6"               mixerd: sets the fader (as /ch/01/mix/fader 0.6 would),
                                                          echoes the line to the sender
    app: / ,s "/ch/01/mix OFF -10.0"              mixerd: mutes and sets the fader in one undo step

The request names the node without the leading slash (``ch/01/mix``; with one is taken too); the reply's
address is ``node`` (no slash) and its one string is the node's path, a space, its values in the X AIR's order
separated by spaces, and a newline. A level is right-aligned in five columns (``ON   -oo``), as the X AIR
prints it; apps split the line on whitespace. A leaf path (``ch/01/mix/fader``) is answered as a node of one
value. A path mixerd does not answer (not an X AIR node, or a node none of whose parameters ``XAirMap`` binds)
gets no reply, as an X AIR gives none.

Text formats (the X AIR's, the X32's alike):

==========================  =========================================================================
parameter                   text
==========================  =========================================================================
switches (on, lr, grpon…)   ``ON`` / ``OFF``
fader, send level, DCA      dB with one decimal, ``-oo`` at the bottom, ``0.0`` at 0 dB, else signed
                            (``+2.0``, ``-10.5``), right-aligned in 5 columns
trim, headamp, EQ gain      signed: ``+0.0`` (0.25/0.5 dB steps), EQ gain ``+0.00``
thresholds, range, knee…    ``-80.0``, ``60.0``, attack and knee whole numbers, make-up ``6.50``
pan                         signed whole number: ``+0``, ``-100``
EQ frequency                ``990.9`` below 1 kHz, ``1k02`` (kHz, two decimals cut, not rounded) above
high-pass                   whole hertz (``178``)
hold, release               three significant digits: ``0.32``, ``10.0``, ``502``
EQ Q                        one decimal (``2.0``)
enumerations                by name: ``PEQ``, ``POSTEQ``, ``PFL``, ``HALL``; ratio ``3.0``, ``10``
colour (in a config node)   the index (``3``), as the X AIR writes it; a name (``YE``) is read too
DCA / mute group masks      ``%`` and four bits, group 1 rightmost: ``%0001``
names                       in double quotes (a ``"`` in a name shows as ``'``: it would end the text)
==========================  =========================================================================

Where the X AIR's precision does not name one step (a high-pass of 20.6 Hz is "21", which is the next step),
a decimal is added, so a line read and written back changes nothing; levels keep the X AIR's 0.1 dB, finer
than the ear and coarser than the fader's top steps (0.04 dB): a level written as text lands on the step
nearest the text.

A parameter of a node that mixerd does not map (a gate's mode, a channel's input source, a send's tap to an
FX bus) shows the X AIR's default text, so every value after it keeps its position: an app reads the node
positionally. Written in a node line, such a value is skipped; so is a node's value whose binding this layout
lacks (a send pan on a mono bus). Nodes answered: ``/ch/NN/config, preamp, gate, dyn, eq, eq/1…4, mix,
mix/01…10, grp``; ``/headamp/NN``; ``/rtn/N/config, mix, mix/01…06``; ``/bus/N/config, eq, eq/1…6, mix``;
``/fxsend/N/config, mix``; ``/lr/eq, eq/1…6, mix``; ``/dca/N``, ``/dca/N/config``; ``/fx/N``;
``/config/mute``, ``/config/solo`` — those of them with at least one bound parameter in this layout (the bus
EQ's bands 2 and 5 have none).

A text write goes where the float write goes (``OscServer._change``: access, the map's and mixerd's
validation, the same step and undo); a node line is one undo step. A value that is not text the X AIR would
take is refused and counted like any refusal; the other values of the line still apply.

Sources: the request, the ``node`` reply address, the leading slash and newline of the reply text, the
answer to a leaf and the silence for an unknown node from P.-G. Maillot's X32 emulator (``X32.c``,
function_node, function_node_single, function_slash, in github.com/pmaillot/X32-Behringer) and his
"Unofficial X32/M32 OSC Remote Protocol"; the ``/`` text write and the XR18 echoing the line from his
XAir_Command.c ("XR18 will echo back the line"); the X AIR's node layouts (which parameters, in which order)
from an XR18 scene file saved by X AIR Edit (``/ch/01/preamp +0.0 OFF OFF ON 178``, ``/ch/01/mix OFF -12.1
ON -2``, ``/ch/01/mix/01   -oo OFF POSTEQ -100``, ``/lr/mix ON  -1.4 +0``, the defaults shown here) and
K. Mitchell's X AIR port of Maillot's scene parser (``XAirSetSceneParse.c``, ``XAirSetScene.h``: the order of
every node and the enumeration names); the number formats from the same scene files and the emulator's
tables (its 201/121/101-step frequency tables are what ``_freq`` prints, checked step by step).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Union

from mixerd.osc.xair import EQ_TYPES, FX_TYPES, PALETTE, RATIOS, TAPS, Binding, Stepped, XAirMap


class TextError(ValueError):
    """A value written as text that the X AIR would not take (what it is and what would be)."""


# -- text formats: an OSC argument of a binding ↔ the X AIR's text -------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _number(token: str) -> float:
    if not _NUMBER.fullmatch(token):
        raise TextError(f"{token!r} is not a number")
    return float(token)


def _stepped(encoding: Any) -> Stepped:
    if not isinstance(encoding, Stepped):  # a format row given to the wrong parameter: a bug, not bad input
        raise TypeError(f"a number format needs a stepped encoding, not {type(encoding).__name__}")
    return encoding


def _value(encoding: Any, arg: float) -> float:
    """The X AIR's value (its units) of the step ``arg`` stands for."""
    enc = _stepped(encoding)
    k = math.floor(arg * (enc.steps - 1) + 0.5)
    return enc.curve.value(k / (enc.steps - 1)) + 0.0  # + 0.0: no "-0.0"


def _arg(encoding: Any, x: float) -> float:
    """The wire argument of the step nearest the X AIR value ``x`` (outside its range: the nearest end, as an
    X AIR takes text)."""
    enc = _stepped(encoding)
    return enc.step(x * enc.sign) / (enc.steps - 1)


def _same_step(encoding: Any, text: str, arg: float) -> bool:
    return _arg(encoding, float(text)) == arg


@dataclass(frozen=True)
class OnOff:
    def text(self, encoding: Any, arg: int) -> str:
        return "ON" if arg else "OFF"

    def parse(self, encoding: Any, token: str) -> int:
        word = token.upper()
        if word not in ("ON", "OFF"):
            raise TextError(f"{token!r} is not ON or OFF")
        return int(word == "ON")


@dataclass(frozen=True)
class Level:
    """A fader-law level: dB with one decimal, ``-oo`` at the bottom, in five columns."""

    def text(self, encoding: Any, arg: float) -> str:
        if arg <= 0.0:
            return "  -oo"
        db = round(_value(encoding, arg), 1)
        return f"{'0.0' if db == 0 else format(db, '+.1f'):>5}"

    def parse(self, encoding: Any, token: str) -> float:
        if token.lower() in ("-oo", "-inf"):
            return 0.0
        return _arg(encoding, _number(token))


@dataclass(frozen=True)
class Number:
    """A linear scale shown with ``spec`` (``+.1f``, ``.0f``, …): its decimals name every step."""

    spec: str

    def text(self, encoding: Any, arg: float) -> str:
        return format(_value(encoding, arg), self.spec)

    def parse(self, encoding: Any, token: str) -> float:
        return _arg(encoding, _number(token))


@dataclass(frozen=True)
class LogNumber:
    """A logarithmic scale: ``places`` decimals (None: three significant digits), more where that text would
    read back as a neighbouring step."""

    places: int | None = None

    def text(self, encoding: Any, arg: float) -> str:
        x = _value(encoding, arg)
        places = self.places if self.places is not None else (0 if x >= 100 else 1 if x >= 10 else 2)
        for extra in range(4):
            text = f"{x:.{places + extra}f}"
            if _same_step(encoding, text, arg):
                break
        return text

    def parse(self, encoding: Any, token: str) -> float:
        return _arg(encoding, _number(token))


@dataclass(frozen=True)
class Frequency:
    """An EQ frequency: ``990.9`` below 1 kHz, ``1k02`` above (kHz cut to two decimals, as the X AIR does)."""

    def text(self, encoding: Any, arg: float) -> str:
        return _freq(_value(encoding, arg))

    def parse(self, encoding: Any, token: str) -> float:
        if "k" in token.lower():  # "1k02" is 1.02 kHz, "1k5" 1.5 kHz
            hz = _number(token.lower().replace("k", ".", 1)) * 1000.0
        else:
            hz = _number(token)
        return _arg(encoding, hz)


def _freq(hz: float) -> str:
    if hz >= 1000.0:
        tens = math.floor(hz / 10.0 + 1e-9)  # 1e-9: a log scale's 20000 may come out as 19999.999…
        return f"{tens // 100}k{tens % 100:02d}"
    return f"{hz:.1f}"


@dataclass(frozen=True)
class Names:
    """An enumeration by name (case does not matter when read)."""

    names: tuple[str, ...]

    def text(self, encoding: Any, arg: int) -> str:
        return self.names[arg]

    def parse(self, encoding: Any, token: str) -> int:
        for i, name in enumerate(self.names):
            if name.upper() == token.upper():
                return i
        raise TextError(f"{token!r} is not one of {', '.join(self.names)}")


@dataclass(frozen=True)
class Ratio(Names):
    """The compressor ratio: ``3.0``, ``10``; read by value too (``3`` is ``3.0``)."""

    def parse(self, encoding: Any, token: str) -> int:
        if _NUMBER.fullmatch(token):
            for i, ratio in enumerate(RATIOS):
                if math.isclose(float(token), ratio):
                    return i
        return super().parse(encoding, token)


@dataclass(frozen=True)
class ColourIndex:
    """A colour as the X AIR's config nodes write it, its index; its name (``YE``, ``RDi``) is read too."""

    def text(self, encoding: Any, arg: int) -> str:
        return str(arg)

    def parse(self, encoding: Any, token: str) -> int:
        if token.isdigit():
            return int(token)  # the map refuses an index beyond the palette
        for i, (name, _) in enumerate(PALETTE):
            if name.upper() == token.upper():
                return i
        raise TextError(f"{token!r} is not a colour index 0…{len(PALETTE) - 1} or name")


@dataclass(frozen=True)
class Bits:
    """A group mask: ``%`` and ``width`` bits, group 1 rightmost."""

    width: int = 4

    def text(self, encoding: Any, arg: int) -> str:
        return "%" + format(arg, f"0{self.width}b")

    def parse(self, encoding: Any, token: str) -> int:
        if re.fullmatch(r"%[01]+", token):
            return int(token[1:], 2)
        if token.isdigit():
            return int(token)
        raise TextError(f"{token!r} is not a group mask such as %0101")


@dataclass(frozen=True)
class Quoted:
    """A name in double quotes."""

    def text(self, encoding: Any, arg: str) -> str:
        return '"' + arg.replace('"', "'") + '"'

    def parse(self, encoding: Any, token: str) -> str:
        return token


Format = Union[OnOff, Level, Number, LogNumber, Frequency, Names, Ratio, ColourIndex, Bits, Quoted]

ON_OFF, LEVEL, PAN, SIGNED_TENTH = OnOff(), Level(), Number("+.0f"), Number("+.1f")

#: Each bound leaf's text format, by the end of its path (``#`` a number); the longest matching end wins.
FORMATS: dict[str, Format] = {
    "eq/#/type": Names(EQ_TYPES), "eq/#/f": Frequency(), "eq/#/g": Number("+.2f"), "eq/#/q": LogNumber(1),
    "fx/#/type": Names(FX_TYPES),
    "config/name": Quoted(), "config/color": ColourIndex(),
    "preamp/trim": SIGNED_TENTH, "preamp/rtntrim": SIGNED_TENTH, "preamp/hpf": LogNumber(0),
    "preamp/hpslope": Names(("12", "18", "24")), "headamp/#/gain": SIGNED_TENTH,
    "gate/thr": Number(".1f"), "gate/range": Number(".1f"), "gate/hold": LogNumber(),
    "dyn/thr": Number(".1f"), "dyn/ratio": Ratio(tuple(f"{r:.1f}" if r < 10 else f"{r:.0f}" for r in RATIOS)),
    "dyn/knee": Number(".0f"), "dyn/mgain": Number(".2f"), "dyn/pos": Names(("PRE", "POST")),
    "attack": Number(".0f"), "release": LogNumber(),
    "grp/dca": Bits(), "grp/mute": Bits(), "solo/chmode": Names(("PFL", "AFL")),
    "on": ON_OFF, "lr": ON_OFF, "grpon": ON_OFF, "invert": ON_OFF, "hpon": ON_OFF, "config/mute/#": ON_OFF,
    "solosw/#": ON_OFF, "fader": LEVEL, "level": LEVEL, "pan": PAN, "tap": Names(TAPS),
}


def format_of(path: str) -> Format | None:
    """The text format of X AIR leaf ``path`` (None for a path no row covers)."""
    segments = re.sub(r"\d+", "#", path).split("/")
    for n in (3, 2, 1):
        found = FORMATS.get("/".join(segments[-n:]))
        if found is not None:
            return found
    return None


# -- the X AIR's nodes: (path, numbers, fields); a field is (leaf, default text) ------------------------------

Default = Union[str, Callable[..., str]]
Fields = tuple[tuple[str, Default], ...]

_CH, _BUS, _FX4, _DCA = range(1, 17), range(1, 7), range(1, 5), range(1, 5)
_BAND: Fields = (("type", "PEQ"), ("f", "1k00"), ("g", "+0.00"), ("q", "2.0"))
_SEND: Fields = (("level", "  -oo"), ("grpon", "OFF"), ("tap", "POST"))
_SEND_PAN: Fields = _SEND + (("pan", "+0"),)  # the X AIR has a send pan on odd sends 01, 03, 05 only

#: The X AIR's nodes that hold parameters mixerd maps, each with its parameters in the X AIR's order and the
#: default text of each (shown where mixerd has no such parameter). ``{0}``, ``{1}`` are the path's numbers.
NODES: tuple[tuple[str, tuple[Iterable[int], ...], Fields], ...] = (
    ("/ch/{0:02d}/config", (_CH,), (("name", '""'), ("color", "1"), ("insrc", "In{0:02d}"),
                                     ("rtnsrc", "U{0:02d}"))),
    ("/ch/{0:02d}/preamp", (_CH,), (("rtntrim", "+0.0"), ("rtnsw", "OFF"), ("invert", "OFF"), ("hpon", "OFF"),
                                     ("hpf", "20"))),
    ("/ch/{0:02d}/gate", (_CH,), (("on", "OFF"), ("mode", "GATE"), ("thr", "-80.0"), ("range", "60.0"),
                                   ("attack", "1"), ("hold", "502"), ("release", "983"), ("keysrc", "SELF"))),
    ("/ch/{0:02d}/dyn", (_CH,), (("on", "OFF"), ("mode", "COMP"), ("det", "PEAK"), ("env", "LOG"),
                                  ("thr", "0.0"), ("ratio", "3.0"), ("knee", "1"), ("mgain", "0.00"),
                                  ("attack", "10"), ("hold", "10.0"), ("release", "151"), ("mix", "100"),
                                  ("keysrc", "SELF"), ("auto", "OFF"))),
    ("/ch/{0:02d}/eq", (_CH,), (("on", "ON"),)),
    ("/ch/{0:02d}/eq/{1}", (_CH, range(1, 5)), _BAND),
    ("/ch/{0:02d}/mix", (_CH,), (("on", "ON"), ("fader", "  -oo"), ("lr", "ON"), ("pan", "+0"))),
    ("/ch/{0:02d}/mix/{1:02d}", (_CH, (1, 3, 5)), _SEND_PAN),
    ("/ch/{0:02d}/mix/{1:02d}", (_CH, (2, 4, 6, 7, 8, 9, 10)), _SEND),
    ("/ch/{0:02d}/grp", (_CH,), (("dca", "%0000"), ("mute", "%0000"))),
    ("/headamp/{0:02d}", (_CH,), (("gain", "+0.0"), ("phantom", "OFF"))),
    ("/rtn/{0}/config", (_FX4,), (("name", '""'), ("color", "2"),
                                  ("rtnsrc", lambda n: f"U{2 * n - 1:02d}{2 * n:02d}"))),
    ("/rtn/{0}/mix", (_FX4,), (("on", "ON"), ("fader", "  0.0"), ("lr", "ON"), ("pan", "+0"))),
    ("/rtn/{0}/mix/{1:02d}", (_FX4, (1, 3, 5)), _SEND_PAN),
    ("/rtn/{0}/mix/{1:02d}", (_FX4, (2, 4, 6)), _SEND),
    ("/bus/{0}/config", (_BUS,), (("name", '""'), ("color", "3"))),
    ("/bus/{0}/eq", (_BUS,), (("on", "ON"), ("mode", "PEQ"))),
    ("/bus/{0}/eq/{1}", (_BUS, range(1, 7)), _BAND),
    ("/bus/{0}/mix", (_BUS,), (("on", "ON"), ("fader", "  -oo"), ("lr", "OFF"), ("pan", "+0"))),
    ("/fxsend/{0}/config", (_FX4,), (("name", '""'), ("color", "4"))),
    ("/fxsend/{0}/mix", (_FX4,), (("on", "ON"), ("fader", "  0.0"))),
    ("/lr/eq", (), (("on", "ON"), ("mode", "PEQ"))),
    ("/lr/eq/{0}", (range(1, 7),), _BAND),
    ("/lr/mix", (), (("on", "ON"), ("fader", "  -oo"), ("pan", "+0"))),
    ("/dca/{0}", (_DCA,), (("on", "ON"), ("fader", "  0.0"))),
    ("/dca/{0}/config", (_DCA,), (("name", '""'), ("color", "0"))),
    ("/fx/{0}", (_FX4,), (("type", "HALL"), ("insert", "OFF"))),
    ("/config/mute", (), tuple((str(g), "OFF") for g in range(1, 5))),
    ("/config/solo", (), (("level", "  0.0"), ("source", "LRAFL"), ("sourcetrim", "0.0"), ("chmode", "PFL"),
                          ("busmode", "PFL"), ("dimatt", "-20"), ("dim", "OFF"), ("mono", "OFF"),
                          ("mute", "OFF"), ("dimpfl", "OFF"))),
)


@dataclass(frozen=True)
class Field:
    """One parameter of a node: its leaf path, its binding (None: mixerd has none here) and text format."""

    path: str
    binding: Binding | None
    format: Format | None
    default: str


@dataclass(frozen=True)
class Node:
    path: str
    fields: tuple[Field, ...]


#: A node line's values: a quoted string (may hold spaces, may be empty) or a run of non-blanks.
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def _tokens(text: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(text)]


class NodeTable:
    """The X AIR nodes ``xmap`` answers, and its leaves as text (made once per server)."""

    def __init__(self, xmap: XAirMap):
        self.map = xmap
        self._nodes: dict[str, Node] = {}
        for template, ranges, fields in NODES:
            for numbers in itertools.product(*ranges):
                path = template.format(*numbers)
                node = Node(path, tuple(self._field(f"{path}/{leaf}", default, numbers) for leaf, default in fields))
                if any(f.binding is not None for f in node.fields):
                    self._nodes[path] = node

    def _field(self, path: str, default: Default, numbers: tuple[int, ...]) -> Field:
        binding = self.map.binding(path)
        text = default(*numbers) if callable(default) else default.format(*numbers)
        return Field(path, binding, format_of(path) if binding is not None else None, text)

    def nodes(self) -> list[str]:
        """Every node path answered, in the X AIR's order."""
        return list(self._nodes)

    # -- reading -----------------------------------------------------------------------------------------

    def read(self, request: str, get: Callable[[str], Any]) -> str | None:
        """The reply text to ``/node ,s request`` (``ch/01/mix``, with or without the leading slash), ``get``
        giving mixerd's value of an address; None when mixerd answers no node or leaf of that path."""
        path = "/" + request.strip().strip("/")
        node = self._nodes.get(path)
        if node is not None:
            values = [self._text(f, get) if f.binding is not None else f.default for f in node.fields]
            return f"{path} {' '.join(values)}\n"
        binding, fmt = self.map.binding(path), format_of(path)
        if binding is None or fmt is None:
            return None
        return f"{path} {fmt.text(binding.encoding, binding.read(get)).lstrip()}\n"

    @staticmethod
    def _text(field: Field, get: Callable[[str], Any]) -> str:
        return field.format.text(field.binding.encoding, field.binding.read(get))

    # -- writing -----------------------------------------------------------------------------------------

    def writes(self, line: str) -> tuple[str, list[tuple[Binding, Any]], list[tuple[str, str]]]:
        """What the text line ``line`` (``/ch/01/mix/fader -6`` or a node line) sets: its path, the (binding,
        OSC argument) pairs to apply, and (leaf path, why) for each value refused as text. Raises LookupError
        when the path is no node or leaf mixerd answers."""
        path, _, rest = line.strip().partition(" ")
        path = "/" + path.strip("/")
        node = self._nodes.get(path)
        if node is not None:
            return path, *self._node_writes(node, _tokens(rest))
        binding, fmt = self.map.binding(path), format_of(path)
        if binding is None or fmt is None:
            raise LookupError(f"{path} is no X AIR node or parameter mixerd answers ({self.map.explain(path)})")
        # A name is the rest of the line (quoted or not), as the X32 reads a string leaf; another value its first word.
        rest = rest.strip()
        if not rest:
            return path, [], [(path, "no value after the path")]
        if isinstance(fmt, Quoted):
            token = rest[1:-1] if len(rest) >= 2 and rest[0] == rest[-1] == '"' else rest
        else:
            token = _tokens(rest)[0]
        try:
            return path, [(binding, fmt.parse(binding.encoding, token))], []
        except TextError as exc:
            return path, [], [(path, f"{exc}; {path} takes {_takes(fmt)}")]

    @staticmethod
    def _node_writes(node: Node, tokens: list[str]) -> tuple[list[tuple[Binding, Any]], list[tuple[str, str]]]:
        if not tokens:
            return [], [(node.path, "no values after the node's path")]
        writes, problems = [], []
        for field, token in zip(node.fields, tokens):  # a shorter line sets the first values only
            if field.binding is None:
                continue  # not mixerd's: skipped (the X AIR would set it; mixerd has nothing to set)
            try:
                writes.append((field.binding, field.format.parse(field.binding.encoding, token)))
            except TextError as exc:
                problems.append((field.path, f"{exc}; {field.path} takes {_takes(field.format)}"))
        return writes, problems


def _takes(fmt: Format) -> str:
    if isinstance(fmt, Names):
        return "one of " + ", ".join(fmt.names)
    return {OnOff: "ON or OFF", Level: "dB or -oo", Frequency: "Hz such as 990.9 or 1k02", Bits: "a mask such as %0101",
            ColourIndex: "a colour index or name", Quoted: "a name"}.get(type(fmt), "a number")


