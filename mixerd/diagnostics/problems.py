"""The problem finder: signal-flow problems read from a snapshot, each with a stable code, the address
where it occurs, a one-line explanation and the fix.

For every channel the checks follow the signal and stop at the first stage that explains the rest: an
input with nothing connected is not also reported as silent, a muted channel is not also "not routed".
``find`` is a plain function of a snapshot; the live monitor (monitor.py) adds time: hysteresis, and
the xruns counted over a recent window.

The finder works in two steps so that the live monitor can look often for next to nothing:

- ``Facts``: everything the values and the JACK connections say — what feeds what, mutes, closed faders,
  sends per bus with their tap point, groups, FX returns, generators, insert blocks, loose ports — with
  every problem that needs no meter already worded. Made when the state or the connections change, and
  then only what the changed addresses touch is redone (``Facts.update``).
- ``evaluate(facts, holds)``: the problems of one meter reading, ``holds`` being the 2 s hold of every
  point the finder reads (``point_names``) as one array. ``decisions`` is everything of a reading that
  decides which problems there are; with the same facts, the same decisions and the same holds at the
  points the last problems quote (``evaluate``'s second answer), the problems are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mixerd.diagnostics.reasons import bus_reasons
from mixerd.diagnostics.snapshot import CLIP_DB, INPUT_CLIP_DB, SIGNAL_DB, Snapshot
from mixerd.model.address import number_of, segments
from mixerd.model.layout import Layout
from mixerd.model.routing import CLOSED_DB, channel_level, fx_return_targets, main_paths, send_level_db

#: Every code the finder reports → (severity, what it means). Codes are stable: clients key on them.
CODES: dict[str, tuple[str, str]] = {
    "input_port_unconnected": ("error", "nothing is connected to the channel's input port"),
    "no_input_signal": ("info", "the channel's input is connected but silent"),
    "input_clipping": ("error", "the signal clips before it reaches the mixer"),
    "clipping_at_stage": ("error", "the signal goes over full scale at a stage of the mixer"),
    "low_headroom": ("warning", "peaks are close to full scale"),
    "muted": ("warning", "a mute stops a signal that is there"),
    "fader_closed": ("warning", "a closed fader stops a signal that is there"),
    "not_routed": ("warning", "the channel reaches no bus and not the main"),
    "double_routed": ("warning", "the channel reaches the main by two paths (it is summed twice)"),
    "send_too_hot": ("warning", "an effect send and return add more than the dry signal"),
    "bus_not_reaching_output": ("warning", "a bus that is fed reaches no output"),
    "output_port_unconnected": ("error", "an output port is connected to nothing"),
    "main_clipping": ("error", "the main mix goes over full scale"),
    "xruns": ("warning", "the audio dropped out (JACK xruns)"),
    "audio_stopped": ("error", "no audio: mixerd is not connected to a running JACK server"),
    "recorder_stopped": ("error", "a take ended by itself: the recorder's disk is full or failed"),
    "recorder_overrun": ("warning", "the recorder's disk is too slow: audio of the take was lost"),
    "recorder_space_low": ("warning", "the recorder's disk has room for less than 10 minutes more"),
    "feedback": ("error", "a mix howls: feedback at one frequency (the fix: the notch that stops it, in the details)"),
    "link_down": ("error", "an audio link to another box carries nothing: its channels are silent or it sends nothing"),
    "link_dropouts": ("warning", "an audio link to another box dropped out in the last minute (its buffer ran dry)"),
    "mix_source_cut": ("info", "a channel this mix had is cut off from it (a mute, a DCA, a mute group, a closed "
                               "fader before a post-fader send, its send switched off or at −∞)"),
}
SEVERITIES = ("error", "warning", "info")
HEADROOM_DB = -6.0       # a channel peaking above this (post-trim) has less than 6 dB left
MAIN_HEADROOM_DB = -3.0  # the main peaking above this is about to clip (or limit hard)
TARGET_DB = -18.0        # where channel peaks should sit (the gain-staging assistant's default)


@dataclass(frozen=True)
class Problem:
    """One problem: ``code`` at ``address`` (a channel, bus, ``main``, ``solo`` or ``audio``), where in
    the path (``stage``), what is wrong (``message``), what to do (``fix``) and the control that does it
    (``fix_address``, or None when the fix is outside the mixer)."""

    code: str
    address: str
    message: str
    fix: str
    fix_address: str | None = None
    stage: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the problem over time (the hysteresis follows it)."""
        return self.code, self.address

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        """``asdict`` plus the severity (written out: ``asdict``'s deep copy is most of a look's cost when the
        levels the problems quote move)."""
        return {"code": self.code, "address": self.address, "message": self.message, "fix": self.fix,
                "fix_address": self.fix_address, "stage": self.stage, "details": _copy(self.details),
                "severity": CODES[self.code][0]}


def _copy(value: Any) -> Any:
    """A copy of a JSON-like value (dicts and lists copied, the rest shared: strings and numbers are immutable)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _some(items: list[str], most: int = 4) -> str:
    """``a, b, c`` — or the first ``most`` and an ellipsis."""
    return ", ".join(items[:most]) + ("…" if len(items) > most else "")


def _db(value: float) -> str:
    return f"{value:+.1f} dB"


def _dbfs(value: float) -> str:
    return "silence" if value <= -119 else f"{value:.1f} dBFS"


def find(snap: Snapshot, recent_xruns: int = 0) -> list[Problem]:
    """Every problem in ``snap``, channels first, then buses, the main and the audio engine.
    ``recent_xruns``: xruns counted over the monitor's recent window."""
    facts = Facts(snap.layout, snap.values, snap.ports)
    found, _ = evaluate(facts, holds_of(snap))
    return found + xruns_problems(recent_xruns)


def xruns_problems(recent_xruns: int) -> list[Problem]:
    """The ``xruns`` problem when there were any over the monitor's recent window."""
    if not recent_xruns:
        return []
    return [Problem("xruns", "audio", f"{recent_xruns} audio dropout(s) (xruns) just now: JACK's cycle was "
                    "not finished in time, which is heard as clicks",
                    "close other programs, raise the JACK period (the profile's [jack] period) or run jackd "
                    "with realtime priority", details={"recent": recent_xruns})]


def audio_problems(health: Mapping[str, Any]) -> list[Problem]:
    """The ``audio_stopped`` problem while mixerd's JACK client is down (``health`` status "down" with a JACK
    backend): the server died, stalled or changed its rate, or the interface is unplugged; mixerd reconnects
    by itself, and says why it lost the server."""
    jack = health.get("jack", {})
    if health.get("status") != "down" or jack.get("backend") != "jack":
        return []
    why = jack.get("last_loss") or "no JACK server answered"
    interface = jack.get("interface") or {}
    if interface.get("present") is False:
        why = f"the interface {interface.get('card')} is unplugged"
    server = "PipeWire" if jack.get("pipewire") else f"the JACK server {jack.get('server', 'default')!r}"
    return [Problem("audio_stopped", "audio", f"no audio: {why}; mixerd reconnects by itself as soon as {server} "
                    f"answers ({jack.get('reconnects', 0)} reconnects so far)",
                    "check that the interface is plugged in and that jackd (mixerd-jackd.service) or PipeWire "
                    "runs; nothing to do in the mixer", details={"last_loss": jack.get("last_loss"),
                                                                 "reconnects": jack.get("reconnects", 0)})]


#: Seconds of room left on the recorder's disk below which a running take says so.
SPACE_LOW_S = 600.0


def recorder_problems(status: Mapping[str, Any] | None) -> list[Problem]:
    """What the recorder's status (``Recorder.status()``) says is wrong: a take the disk ended (until the next
    take starts), audio lost because the disk was too slow, little room left while recording."""
    if not status:
        return []
    found = []
    if not status["recording"] and status.get("problem"):
        found.append(Problem("recorder_stopped", "recorder", status["problem"]["message"],
                             "free space on the recorder's disk or check it (a USB disk pulled out?), then start a "
                             "new take; the take so far is kept", details={"code": status["problem"]["code"]}))
    if status["recording"] and status["lost_seconds"] > 0:
        found.append(Problem("recorder_overrun", "recorder", f"{status['lost_seconds']:.1f} s of the take were lost: "
                             "the recorder's disk did not keep up (silence in the files there)",
                             "record to a faster disk (a USB SSD rather than a stick or the SD card), or fewer "
                             "sources", details={"lost_seconds": status["lost_seconds"]}))
    left = status["space"]["seconds_left"]
    if status["recording"] and left is not None and left < SPACE_LOW_S:
        found.append(Problem("recorder_space_low", "recorder", f"the recorder's disk has room for {left / 60:.0f} "
                             "more minutes of this take (the take stops when it is full)",
                             "free space on the disk, or stop the take and record to a bigger one",
                             details={"seconds_left": left}))
    return found


# -- the meter points the finder reads -----------------------------------------------------------------

#: a channel's points, in signal order: post-trim, between the insert blocks, after them, post-fader
CHANNEL_POINTS = ("input", "insert1", "inserts", "post")
_IN, _INSERT1, _INSERTS, _POST = range(4)


def point_names(layout: Layout) -> list[str]:
    """The points of a ``holds`` array: each channel's ``CHANNEL_POINTS``, then each bus, then the main."""
    names = [f"ch/{n}/{stage}" for n in range(1, layout.n_inputs + 1) for stage in CHANNEL_POINTS]
    return names + [f"bus/{b}" for b in range(1, layout.n_buses + 1)] + ["main"]


def holds_of(snap: Snapshot) -> np.ndarray:
    """The hold (dB) the finder reads at each of ``point_names`` in ``snap`` (settling strips: their peak;
    no meter: silence)."""
    return np.array([snap.level_or_silent(p).hold for p in point_names(snap.layout)], dtype=np.float64)


def _ch_point(n: int, stage: int) -> int:
    return 4 * (n - 1) + stage


# -- the facts of a state ------------------------------------------------------------------------------

def insert_blocks(values, n: int) -> list[tuple[str, list[str]]]:
    """The channel's inserts as metered: ``[(meter point, [inserts in it])]`` in signal order. The HPF
    runs first in either order; the insert1 meter sits between the EQ and the dynamics."""
    if values[f"ch/{n}/order"] == "dyn>eq":
        return [(f"ch/{n}/insert1", ["hpf", "gate", "dyn"]), (f"ch/{n}/inserts", ["eq"])]
    return [(f"ch/{n}/insert1", ["hpf", "eq"]), (f"ch/{n}/inserts", ["gate", "dyn"])]


#: what the finder reads of a bus (``bus/B/…``) besides its solo, for the channels too: its name (in their
#: messages), whether a group feeds the main, "more me", FX returns, an FX bus's fader and mute (too hot sends)
_BUS_FACTS = frozenset(("name", "main", "moreme", "return", "fader", "mute"))


@dataclass(frozen=True)
class _Channel:
    """What the values say about one channel."""

    n: int
    name: str                # "ch/3 (Snare)"
    in_use: bool             # set up to be heard: the main or an open send
    trim: float
    unplugged: Problem | None  # in use, no generator, and its input port connects to nothing
    #: the metered stages where it can clip first: (point index, stage, fix address, fix)
    stages: tuple[tuple[int, str, str, str], ...]
    #: what the values say once there is signal: muted, or a closed fader and the routing problems
    tail: tuple[Problem, ...]


@dataclass(frozen=True)
class _Bus:
    """What the values say about one bus."""

    addr: str
    name: str                # "bus/2 (Wedge)"
    muted: bool
    closed: bool
    tail: tuple[Problem, ...]  # once it is fed: going nowhere (a group off the main, no FX return, loose ports)


@dataclass(frozen=True)
class _Main:
    loose: tuple[Problem, ...]  # its output ports that connect to nothing
    muted: bool
    closed: bool
    gens: list[str]             # the generators into it


def _generators(values: Mapping[str, Any], layout: Layout) -> dict[str, list[str]]:
    """Target (``ch/N``, ``bus/B``, ``main``) → the running generators that feed it."""
    out: dict[str, list[str]] = {}
    for k in range(1, layout.generators + 1):
        g = f"gen/{k}/"
        if values.get(g + "on") and values[g + "level"] > -90:
            out.setdefault(values.get(g + "target"), []).append(f"gen/{k}")
    return out


class Facts:
    """What a state and its JACK connections say, before any meter: see the module's docstring.
    ``ports`` is the engine's answer (``{}``: unknown, e.g. offline)."""

    def __init__(self, layout: Layout, values: Mapping[str, Any], ports: Mapping[str, list[dict[str, Any]]]):
        n_in, n_bus = layout.n_inputs, layout.n_buses
        self.layout = layout
        self.ports = ports
        self.ports_known = bool(ports)
        self.in_points = np.array([_ch_point(n, _IN) for n in range(1, n_in + 1)], dtype=np.intp)
        self.inserts_points = self.in_points + _INSERTS
        self.post_points = self.in_points + _POST
        self.bus_points = np.arange(4 * n_in, 4 * n_in + n_bus, dtype=np.intp)
        self.main_point = 4 * n_in + n_bus
        self.trims = np.zeros(n_in)
        self.channels: list[_Channel] = [None] * n_in  # type: ignore[list-item]
        #: [bus, channel]: the channel feeds the bus when there is signal at its inserts point (the tap of a
        #: pre-fader send; a post-fader send is only there when the fader is open, and carries what is there)
        self.send_source = np.zeros((n_bus, n_in), dtype=bool)
        self.main_channel = np.zeros(n_in, dtype=bool)    # feeds the main when there is signal post-fader
        self._rebuild(values)

    def update(self, values: Mapping[str, Any], changed: Iterable[str]) -> None:
        """Bring the facts to ``values`` after ``changed`` addresses changed, redoing only what they touch:
        a channel's own values only that channel; the main's or a bus's fader or mute only that strip
        (an FX bus's also the channels, whose sends into it may now be too hot); what the finder does not
        read (EQ, dynamics settings, pans, limiters, colours…) nothing. Anything else redoes everything."""
        channels: set[int] = set()
        buses: set[int] = set()
        main = False
        for address in changed:
            parts = segments(address)
            if parts[0] == "ch":
                channels.add(int(parts[1]))
            elif parts[0] == "main":
                main = main or parts[1] in ("fader", "mute")
            elif parts[0] == "bus":
                b, what = int(parts[1]), parts[2]
                if what in ("fader", "mute") and not self.layout.buses[b - 1].is_fx:
                    buses.add(b)
                elif what in _BUS_FACTS:
                    self._rebuild(values)
                    return
                # its solo: redone below; anything else of a bus the finder does not read
            else:  # a DCA, a mute group, a generator…
                self._rebuild(values)
                return
        for n in sorted(channels):
            self._channel(values, n)
        for b in buses:
            self.buses[b - 1] = self._bus(values, b)
        if main:
            self.main = self._main(values)
        self.solo = self._solo(values)

    # -- building ---------------------------------------------------------------------------------

    def _rebuild(self, values: Mapping[str, Any]) -> None:
        lay = self.layout
        self.gens = _generators(values, lay)
        self.fx_returns = {b: fx_return_targets(values, lay, b) for b, bus in enumerate(lay.buses, start=1)
                           if bus.is_fx}
        # [bus, FX bus]: the FX bus returns into the bus (it feeds it when there is signal at its meter)
        self.fx_source = np.zeros((lay.n_buses, lay.n_buses), dtype=bool)
        for f, returns in self.fx_returns.items():
            for target in returns:
                if target != "main":
                    self.fx_source[number_of(target) - 1, f - 1] = True
        self.bus_gens = [self.gens.get(f"bus/{b}", []) for b in range(1, lay.n_buses + 1)]
        self.has_gens = np.array([bool(g) for g in self.bus_gens], dtype=bool)
        for n in range(1, lay.n_inputs + 1):
            self._channel(values, n)
        self.buses = [self._bus(values, b) for b in range(1, lay.n_buses + 1)]
        self.main = self._main(values)
        self.solo = self._solo(values)

    def _channel(self, v: Mapping[str, Any], n: int) -> None:
        lay = self.layout
        ch = f"ch/{n}"
        name = f"{ch} ({v[ch + '/name']})"
        paths = main_paths(v, lay, n)
        sends = {b: send_level_db(v, lay, n, b) for b in range(1, lay.n_buses + 1)}
        open_sends = [b for b, level in sends.items() if level is not None]
        in_use = bool(paths) or bool(open_sends)
        unplugged = None
        if in_use and self.ports_known and not self.gens.get(ch):
            ports = list(self.ports.get(ch, ()))
            if ports and not any(p["connections"] for p in ports):
                unplugged = Problem("input_port_unconnected", ch, f"{name}: nothing is connected to its input port "
                                    f"{ports[0]['port']}", "connect the source to the port (the profile's [[input]] "
                                    "port, or jack_connect)", stage="input", details={"port": ports[0]["port"]})
        level = channel_level(v, lay, n)
        tail: list[Problem] = []
        if level.muted:
            tail.append(Problem("muted", ch, f"{name}: there is signal but the channel is muted (by "
                                f"{', '.join(level.muted_by)})", f"unmute {level.muted_by[0]}",
                                fix_address=level.muted_by[0], stage="mute"))
        else:
            if level.closed:
                tail.append(Problem("fader_closed", ch, f"{name}: there is signal but its fader is closed "
                                    f"({', '.join(level.closed_by)})", f"raise {level.closed_by[0]}",
                                    fix_address=level.closed_by[0], stage="fader"))
                # pre-fader sends still carry it: routing is still worth checking
            if not paths and not open_sends:
                tail.append(Problem("not_routed", ch, f"{name}: has signal but is assigned to no bus and not to "
                                    "the main", "assign it to the main, or open a send to a mix",
                                    fix_address=ch + "/main", stage="main"))
            if len(paths) > 1:
                via = " and ".join("directly" if p == "direct" else f"through {p} ({v[p + '/name']})" for p in paths)
                fix_at = next(p for p in paths if p != "direct")
                tail.append(Problem("double_routed", ch, f"{name}: reaches the main {via}: it is summed twice "
                                    "(louder, and comb-filtered if the paths differ)",
                                    f"take it off the main ({ch}/main) or out of the group "
                                    f"({ch}/send/{fix_at.split('/')[1]}/on)",
                                    fix_address=ch + "/main", stage="main", details={"paths": paths}))
            tail += self._hot_sends(v, n, sends, level.fader_db, bool(paths))
        self.channels[n - 1] = _Channel(n, name, in_use, v[ch + "/trim"], unplugged, self._stages(v, n), tuple(tail))
        self.trims[n - 1] = v[ch + "/trim"]
        for b, bus in enumerate(lay.buses, start=1):
            pre = v[f"{ch}/send/{b}/pre"] and not bus.is_group
            self.send_source[b - 1, n - 1] = (sends[b] is not None and not level.muted
                                              and not (not pre and level.closed))
        self.main_channel[n - 1] = bool(v[ch + "/main"]) and not level.muted and not level.closed

    @staticmethod
    def _stages(v: Mapping[str, Any], n: int) -> tuple[tuple[int, str, str, str], ...]:
        """The metered stages of channel ``n`` in signal order: trim, each insert block in use, the fader."""
        ch = f"ch/{n}"
        stages = [(_ch_point(n, _IN), "trim", ch + "/trim", "lower the trim")]
        for point, inserts in insert_blocks(v, n):
            active = [i for i in inserts if v[f"{ch}/{i}/on"]]
            if not active:
                continue
            stage = active[-1] if len(active) == 1 else "+".join(active)
            if "eq" in active:
                fix, fix_address = "reduce the EQ boost", ch + "/eq/on"
                boosts = [(v[f"{ch}/eq/{k}/gain"], k) for k in range(1, 5) if v[f"{ch}/eq/{k}/gain"] > 0]
                if boosts:
                    gain, band = max(boosts)
                    fix, fix_address = f"reduce the EQ boost (band {band}: {_db(gain)})", f"{ch}/eq/{band}/gain"
                stage = "eq"
            else:
                fix, fix_address = "lower the compressor's make-up gain", ch + "/dyn/makeup"
                stage = "dyn" if "dyn" in active else active[-1]
            index = _ch_point(n, _INSERT1 if point.endswith("/insert1") else _INSERTS)
            stages.append((index, stage, fix_address, fix))
        stages.append((_ch_point(n, _POST), "fader", ch + "/fader", "pull the fader down"))
        return tuple(stages)

    def _hot_sends(self, v: Mapping[str, Any], n: int, sends: dict[int, float | None], fader_db: float,
                   reaches_main: bool) -> list[Problem]:
        """FX sends whose wet path into the main is louder than the channel's dry path."""
        ch = f"ch/{n}"
        if not reaches_main or fader_db <= CLOSED_DB:
            return []
        out = []
        for b, bus in enumerate(self.layout.buses, start=1):
            send = sends[b]
            if not bus.is_fx or send is None or v[f"bus/{b}/mute"] or v[f"bus/{b}/fader"] <= CLOSED_DB:
                continue
            ret = self.fx_returns[b].get("main")
            if ret is None:
                continue
            wet = send + (0.0 if v[f"{ch}/send/{b}/pre"] else fader_db) + v[f"bus/{b}/fader"] + ret
            if wet > fader_db:
                out.append(Problem("send_too_hot", ch, f"{ch} ({v[ch + '/name']}): the {v[f'bus/{b}/name']} send "
                                   f"({_db(send)}, return {_db(ret)}) puts {_db(wet - fader_db)} more into the main "
                                   "than the dry signal", f"lower {ch}/send/{b}/level (or the return)",
                                   fix_address=f"{ch}/send/{b}/level", stage="sends",
                                   details={"bus": f"bus/{b}", "wet_db": round(wet, 1), "dry_db": round(fader_db, 1)}))
        return out

    def _bus(self, v: Mapping[str, Any], b: int) -> _Bus:
        bus = self.layout.buses[b - 1]
        addr = f"bus/{b}"
        name = f"{addr} ({v[addr + '/name']})"
        tail = []
        if bus.is_group and not v[addr + "/main"]:
            tail.append(Problem("bus_not_reaching_output", addr, f"{name}: a group that is fed but not assigned to "
                                "the main", f"assign it to the main ({addr}/main)", fix_address=addr + "/main",
                                stage="main"))
        elif bus.is_fx and not self.fx_returns[b]:
            tail.append(Problem("bus_not_reaching_output", addr, f"{name}: an effect that is fed but returns to "
                                "nothing", f"open its return into the main ({addr}/return/main/level) or a mix",
                                fix_address=addr + "/return/main/level", stage="returns"))
        elif bus.is_aux and self.ports_known:
            ports = list(self.ports.get(addr, ()))
            loose = [p["port"] for p in ports if not p["connections"]]
            if loose and len(loose) == len(ports):
                tail.append(_unconnected(addr, name, loose))
        return _Bus(addr, name, bool(v[addr + "/mute"]), v[addr + "/fader"] <= CLOSED_DB, tuple(tail))

    def _main(self, v: Mapping[str, Any]) -> _Main:
        lay = self.layout
        loose = ()
        if self.ports_known:
            ports = [p["port"] for p in self.ports.get("main", ()) if not p["connections"]]
            if ports:
                loose = (_unconnected("main", "main", ports),)
        # The buses that feed the main when there is signal at their meter: assigned groups, FX returning there
        self.main_bus = np.array([(bus.is_group and bool(v[f"bus/{b}/main"]))
                                  or (bus.is_fx and "main" in self.fx_returns[b])
                                  for b, bus in enumerate(lay.buses, start=1)], dtype=bool).reshape(lay.n_buses)
        return _Main(loose, bool(v["main/mute"]), v["main/fader"] <= CLOSED_DB, self.gens.get("main", []))

    def _solo(self, v: Mapping[str, Any]) -> tuple[Problem, ...]:
        lay = self.layout
        soloed = any(v[f"ch/{n}/solo"] for n in range(1, lay.n_inputs + 1)) or any(
            v[f"bus/{b}/solo"] for b in range(1, lay.n_buses + 1))
        if not soloed or not self.ports_known:
            return ()
        loose = [p["port"] for p in self.ports.get("solo", ()) if not p["connections"]]
        return (_unconnected("solo", "solo (the listen output)", loose),) if loose else ()


def _unconnected(addr: str, name: str, ports: list[str]) -> Problem:
    return Problem("output_port_unconnected", addr, f"{name}: {', '.join(ports)} connected to nothing: nobody hears it",
                   "connect the port to an interface output (the profile's [[output]] mix, or jack_connect)",
                   stage="outputs", details={"ports": ports})


# -- one reading ---------------------------------------------------------------------------------------

def decisions(facts: Facts, holds: np.ndarray) -> bytes:
    """Every comparison of a reading that ``evaluate`` decides by (signal, clipping, a signal arriving at
    full scale, headroom), as bytes: with the same facts and the same decisions, ``evaluate`` finds the
    same problems (only the levels they quote may differ)."""
    hin = holds[facts.in_points]
    return b"".join((
        (holds > SIGNAL_DB).tobytes(), (holds >= CLIP_DB).tobytes(),
        (hin - facts.trims >= INPUT_CLIP_DB).tobytes(), (hin > HEADROOM_DB).tobytes(),
        bytes((int(holds[facts.main_point] > MAIN_HEADROOM_DB),)),
    ))


def evaluate(facts: Facts, holds: np.ndarray) -> tuple[list[Problem], list[int]]:
    """The problems of channels, buses, the main and solo with the meters reading ``holds`` (one hold per
    ``point_names``), and the points whose hold the problems quote."""
    h = holds.tolist()
    out: list[Problem] = []
    quoted: list[int] = []
    for c in facts.channels:
        out += _channel(c, h, quoted)
    signal = holds > SIGNAL_DB
    # Buses: what feeds each (an open send, unmuted, with signal at the tap; an FX return; a generator)
    from_channels = facts.send_source & signal[facts.inserts_points]
    from_fx = facts.fx_source & signal[facts.bus_points]
    for b in np.flatnonzero(from_channels.any(axis=1) | from_fx.any(axis=1) | facts.has_gens).tolist():
        bus = facts.buses[b]
        point = int(facts.bus_points[b])

        def sources(b: int = b) -> list[str]:
            return ([f"ch/{n + 1}" for n in np.flatnonzero(from_channels[b]).tolist()]
                    + [f"bus/{f + 1}" for f in np.flatnonzero(from_fx[b]).tolist()] + facts.bus_gens[b])
        out += _bus(bus, sources, point, h, quoted)
    out += _main(facts, signal, h, quoted)
    out += facts.solo
    return out, quoted


class CutSources:
    """What each aux mix has had, for ``mix_source_cut``: a channel that reached a mix with signal and then stops
    reaching it by a setting (``routing.send_stops``) is cut off from that mix. The mix forgets it once it reaches
    the mix again or falls silent (its 2 s hold below −60 dBFS: a pause), so the problem is news while it matters
    — a snare cut mid-song — and a channel taken out of a mix on purpose does not stay an ``info`` for the rest
    of the show. Why a channel is missing stays in the bus's trace.

    The one finding that depends on the past, so it is not ``find``'s (a function of one snapshot) nor the
    reference's: the monitor keeps one, and feeds it each reading it evaluates (``look``)."""

    def __init__(self) -> None:
        self._had: np.ndarray | None = None  # [bus, channel]: the channel reached the aux mix with signal
        self._aux: np.ndarray | None = None  # [bus, 1]: the bus is an aux mix
        self._settling: frozenset[str] | None = None
        self._settling_channels = np.zeros(0, dtype=bool)

    def look(self, facts: Facts, holds: np.ndarray, values: Mapping[str, Any],
             settling: frozenset[str] = frozenset()) -> list[Problem]:
        """The ``mix_source_cut`` problems of this reading (one per mix, naming every channel cut from it).
        ``settling``: the strips whose holds were read as peaks (``Snapshot.settling``)."""
        lay = facts.layout
        if self._had is None or self._had.shape != facts.send_source.shape:
            self._aux = np.array([bus.is_aux for bus in lay.buses], dtype=bool)[:, None]
            self._had = np.zeros(facts.send_source.shape, dtype=bool)
        if settling is not self._settling:
            self._settling = settling
            self._settling_channels = np.array([f"ch/{n}" in settling for n in range(1, lay.n_inputs + 1)],
                                               dtype=bool)
        # The tap point (after the inserts, before the mute) still has the signal a stop keeps out.
        playing = holds[facts.inserts_points] > SIGNAL_DB
        # A strip just changed (a mute, a send) is read by its peak, which dips between two snare hits: only its
        # hold, once it settled, says it paused.
        kept = self._had & (playing | self._settling_channels)
        self._had = self._aux & ((facts.send_source & playing) | (kept & ~facts.send_source))
        cut = self._had & ~facts.send_source
        return [self._problem(values, lay, b + 1, np.flatnonzero(cut[b]) + 1)
                for b in np.flatnonzero(cut.any(axis=1)).tolist()]

    @staticmethod
    def _problem(values: Mapping[str, Any], layout: Layout, b: int, channels: np.ndarray) -> Problem:
        addr = f"bus/{b}"
        lost, sources = [], []
        fixes: dict[str, str] = {}  # address → what it does (two closed faders share the pre-fader fix)
        for n in channels.tolist():
            name = values[f"ch/{n}/name"]
            reasons = bus_reasons(values, layout, n, b)  # every stop of a send has a fix in the mixer
            lost.append(f"ch/{n} ({name}) no longer reaches it ({'; '.join(r.what for r in reasons)})")
            fixes.update((r.fix["address"], r.fix["label"]) for r in reasons)
            sources.append({"address": f"ch/{n}", "name": name, "reasons": [r.code for r in reasons],
                            "changes": {r.fix["address"]: r.fix["value"] for r in reasons}})
        return Problem("mix_source_cut", addr, f"{addr} ({values[addr + '/name']}): {'; '.join(lost)}",
                       "; ".join(f"{label} ({address})" for address, label in fixes.items()),
                       fix_address=next(iter(fixes)), stage="sources", details={"sources": sources})


def _channel(c: _Channel, h: list[float], quoted: list[int]) -> list[Problem]:
    ch, name = f"ch/{c.n}", c.name
    point = _ch_point(c.n, _IN)
    post_trim = h[point]
    if not post_trim > SIGNAL_DB:
        if not c.in_use:
            return []  # an unused, silent channel: nothing to say
        if c.unplugged is not None:
            return [c.unplugged]
        quoted.append(point)
        return [Problem("no_input_signal", ch, f"{name}: no signal at the input ({_dbfs(post_trim)})",
                        "check the source: is it plugged in, switched on, phantom power, the interface's gain; "
                        "or mute the channel if it is not used", fix_address=ch + "/trim", stage="input",
                        details={"hold": post_trim})]
    out: list[Problem] = []
    arriving = post_trim - c.trim
    if arriving >= INPUT_CLIP_DB:
        quoted.append(point)
        out.append(Problem("input_clipping", ch, f"{name}: the signal arrives at full scale ({_dbfs(arriving)} before "
                           "the trim): it was clipped at the interface or the source",
                           "turn down the interface's input gain (or the source); the trim cannot undo it",
                           stage="input", details={"arriving": round(arriving, 2)}))
    else:
        for index, stage, fix_address, fix in c.stages:
            hold = h[index]
            if hold >= CLIP_DB:
                quoted.append(index)
                meter = f"ch/{c.n}/{CHANNEL_POINTS[index - point]}"
                out.append(Problem("clipping_at_stage", ch, f"{name}: clips first at the {stage} (peak {_dbfs(hold)})",
                                   fix, fix_address=fix_address, stage=stage, details={"meter": meter, "hold": hold}))
                break
        else:
            if post_trim > HEADROOM_DB:
                quoted.append(point)
                out.append(Problem("low_headroom", ch, f"{name}: peaks at {_dbfs(post_trim)} after the trim, "
                                   f"less than {-HEADROOM_DB:.0f} dB from clipping",
                                   f"lower the trim by about {post_trim - TARGET_DB:.0f} dB (peaks around "
                                   f"{TARGET_DB:.0f} dBFS), or run the gain-staging assistant",
                                   fix_address=ch + "/trim", stage="trim", details={"hold": post_trim}))
    out += c.tail
    return out


def _bus(bus: _Bus, sources: Callable[[], list[str]], point: int, h: list[float], quoted: list[int]) -> list[Problem]:
    """A bus that is fed (by ``sources()``): muted, closed, clipping, or going nowhere."""
    addr, name = bus.addr, bus.name
    if bus.muted:
        return [Problem("muted", addr, f"{name}: is fed ({_some(sources())}) but muted", f"unmute {addr}",
                        fix_address=addr + "/mute", stage="fader")]
    if bus.closed:
        return [Problem("fader_closed", addr, f"{name}: is fed ({_some(sources())}) but its fader is closed",
                        f"raise {addr}/fader", fix_address=addr + "/fader", stage="fader")]
    out: list[Problem] = []
    hold = h[point]
    if hold >= CLIP_DB:
        quoted.append(point)
        out.append(Problem("clipping_at_stage", addr, f"{name}: clips (peak {_dbfs(hold)})",
                           "lower the sends into it or its fader", fix_address=addr + "/fader", stage="bus",
                           details={"meter": addr, "hold": hold}))
    return out + list(bus.tail)


def _main(facts: Facts, signal: np.ndarray, h: list[float], quoted: list[int]) -> list[Problem]:
    main = facts.main
    out = list(main.loose)
    channels = np.flatnonzero(facts.main_channel & signal[facts.post_points])
    buses = np.flatnonzero(facts.main_bus & signal[facts.bus_points])
    if not channels.size and not buses.size and not main.gens:
        return out
    if main.muted:
        sources = ([f"ch/{n + 1}" for n in channels.tolist()] + [f"bus/{b + 1}" for b in buses.tolist()]
                   + main.gens)
        return out + [Problem("muted", "main", f"main: is fed ({_some(sources)}) but muted", "unmute main/mute",
                              fix_address="main/mute", stage="fader")]
    if main.closed:
        return out + [Problem("fader_closed", "main", "main: is fed but its fader is closed", "raise main/fader",
                              fix_address="main/fader", stage="fader")]
    point = facts.main_point
    hold = h[point]
    if hold >= CLIP_DB:
        quoted.append(point)
        out.append(Problem("main_clipping", "main", f"main: goes over full scale (peak {_dbfs(hold)}): the "
                           "outputs clip", "pull main/fader down, lower the loudest channels, or switch the main limiter on",
                           fix_address="main/fader", stage="main", details={"hold": hold}))
    elif hold > MAIN_HEADROOM_DB:
        quoted.append(point)
        out.append(Problem("low_headroom", "main", f"main: peaks at {_dbfs(hold)}, less than "
                           f"{-MAIN_HEADROOM_DB:.0f} dB from clipping", "pull main/fader down a few dB",
                           fix_address="main/fader", stage="main", details={"hold": hold}))
    return out
