"""Translate parameter values (dB, %, Hz, ms, bool) at their addresses into ready numbers for the core.

All the expensive math (dB → linear, pan law, filter coefficients, time constants, oscillator
rotations) happens here, on the control side; the audio thread only applies and interpolates.

Each address belongs to a *unit* — the set of core commands its value feeds (e.g. every
``ch/3/eq/2/*`` address feeds one biquad); its row in the parameter table says which (``drives``), so this
module only looks it up. A change recomputes just its unit; a full load computes every unit once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any, NamedTuple

from mixerd import _core
from mixerd.engine.dsp import dynamics, filters, fx
from mixerd.model.address import number_of, segments
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.model.routing import CLOSED_DB, channel_level, send_level_db, talkback

# The address space's names for the core's numbers. The numbers, the slot and index arithmetic and the
# sizes all come from the core (mixcore.h through _core); tests/engine/test_core_contract.py holds them
# together with the model's choices and with real audio.
CH_INSERTS = {"hpf": _core.INS_HPF, "eq": _core.INS_EQ, "gate": _core.INS_GATE, "dyn": _core.INS_COMP}
BUS_INSERTS = {"eq": _core.INS_BUS_EQ, "geq": _core.INS_GEQ, "limiter": _core.INS_LIMITER}
CH_FILTERS, BUS_FILTERS = _core.CH_FILTERS, _core.BUS_FILTERS
ORDERS = {"eq>dyn": _core.ORDER_EQ_DYN, "dyn>eq": _core.ORDER_DYN_EQ}
FX_KINDS = {"reverb": _core.FX_REVERB, "delay": _core.FX_DELAY}
GEN_KINDS = {"sine": _core.GEN_SINE, "pink": _core.GEN_PINK, "white": _core.GEN_WHITE}
BUS_KINDS = {"aux": _core.BUS_AUX, "fx": _core.BUS_FX, "group": _core.BUS_GROUP}
TARGET_NONE, TARGET_CHANNEL, TARGET_BUS = _core.TARGET_NONE, _core.TARGET_CHANNEL, _core.TARGET_BUS


def bus_shapes(layout: Layout) -> list[tuple[int, int]]:
    """The ``(kind, width)`` of every bus, as ``_core.Core`` and its index helpers take them."""
    return [(BUS_KINDS[b.kind], 2 if b.is_fx else b.width) for b in layout.buses]


class Command(NamedTuple):
    op: int
    index: int
    values: tuple[float, ...]


def db_to_gain(db: float) -> float:
    """Linear gain of a level in dB; −90 dB and below is silence."""
    return 0.0 if db <= CLOSED_DB else 10.0 ** (db / 20.0)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law: −100 (left) … 0 (centre, −3 dB each side) … +100 (right)."""
    theta = (max(-100.0, min(100.0, pan)) / 100.0 + 1.0) * math.pi / 4.0
    # cos(π/2) is 6e-17, not 0: snap so a hard-panned channel is truly absent from the other side.
    return tuple(0.0 if abs(g) < 1e-9 else g for g in (math.cos(theta), math.sin(theta)))  # type: ignore[return-value]


def balance_gains(balance: float) -> tuple[float, float]:
    """Balance of a stereo bus: the side it moves away from is turned down, the other stays at unity."""
    b = max(-100.0, min(100.0, balance)) / 100.0
    return min(1.0, 1.0 - b), min(1.0, 1.0 + b)


def rotation(freq_hz: float, sample_rate: float) -> tuple[float, float]:
    """cos/sin of the per-sample phase step of an oscillator at ``freq_hz``."""
    w = 2.0 * math.pi * freq_hz / sample_rate
    return math.cos(w), math.sin(w)


def cmd(op: int, index: int, *values: float) -> Command:
    return Command(op, index, tuple(float(v) for v in values))


Unit = tuple[Hashable, ...]


@functools.lru_cache(maxsize=8)
def units_of(layout: Layout) -> dict[str, Unit | None]:
    """Address → the unit it feeds, from the parameter table (each row declares what it ``drives``)."""
    tree = ParamTree.from_layout(layout)
    return {address: tree.spec(address).drives for address in tree.addresses()}


class CommandMap:
    """Knows, for a layout, which core commands each address drives and computes them from a state."""

    def __init__(self, layout: Layout, sample_rate: int):
        self.layout = layout
        self.sample_rate = sample_rate
        # Where each bus lives in the core (the core's helpers over the bus shapes), looked up once.
        shapes = bus_shapes(layout)
        self._main = _core.main_bus(layout.n_buses)
        self._rows = [_core.send_row(shapes, b) for b in range(layout.n_buses)]
        self._in_widths = [_core.bus_in_width(*shape) for shape in shapes]
        self._widths = [_core.bus_width(*shape) for shape in shapes]
        self._masters = [_core.master_index(shapes, b) for b in range(layout.n_buses)]
        self._solo_master = _core.master_index(shapes, layout.n_buses)
        self._units = units_of(layout)
        self._builders: dict[str, Callable[[Mapping[str, Any], Unit], list[Command]]] = {
            "trim": self._trim, "level": self._level, "group": self._group, "pan": self._pan,
            "hpf": self._hpf, "eq": self._eq_band, "insert": self._insert, "gate": self._gate,
            "comp": self._comp, "order": self._order, "send": self._send, "master": self._master,
            "limiter": self._limiter, "fx_kind": self._fx_kind, "reverb": self._reverb, "delay": self._delay,
            "return": self._return, "moreme": self._moreme, "gen_level": self._gen_level, "gen_freq": self._gen_freq,
            "gen_target": self._gen_target, "gen_mod": self._gen_mod, "gen_kind": self._gen_kind,
            "solo": self._solo, "group_main": self._group_main, "talkback": self._talkback,
            "geq": self._geq_band, "out_delay": self._out_delay,
        }

    def all_commands(self, state: Mapping[str, Any]) -> list[Command]:
        """Every command needed to put the core into ``state``."""
        units = dict.fromkeys(u for u in map(self.unit_of, state) if u is not None)
        return [c for unit in units for c in self._builders[unit[0]](state, unit)]

    def commands_for(self, state: Mapping[str, Any], address: str) -> list[Command]:
        """The commands that change when ``address`` changes (none for names, colours, …)."""
        unit = self.unit_of(address)
        return self._builders[unit[0]](state, unit) if unit else []

    def unit_of(self, address: str) -> Unit | None:
        """The unit ``address`` feeds, e.g. ``("eq", "ch/3", 2)`` (its parameter row's ``drives``); None if it
        feeds no audio."""
        return self._units.get(address)

    # -- where things live in the core ------------------------------------------------------------

    def _bus_slot(self, owner: str) -> int:
        """Bus index in the core: bus/b → b − 1, the main → its place after the buses."""
        return self._main if owner == "main" else number_of(owner) - 1

    def _insert_index(self, owner: str, key: str) -> int:
        if owner.startswith("ch/"):
            return _core.channel_insert_slot(number_of(owner) - 1, CH_INSERTS[key])
        return _core.bus_insert_slot(self.layout.n_inputs, self._bus_slot(owner), BUS_INSERTS[key])

    def _filter_index(self, owner: str, section: int) -> int:
        """A channel's filter section (HPF sections, then EQ bands from CH_EQ_FIRST) or a bus's EQ band."""
        if owner.startswith("ch/"):
            return _core.channel_filter_slot(number_of(owner) - 1, section)
        return _core.bus_filter_slot(self.layout.n_inputs, self._bus_slot(owner), section)

    # -- unit → commands --------------------------------------------------------------------------

    def _trim(self, s, u):
        n = u[1]
        gain = db_to_gain(s[f"ch/{n}/trim"]) * (-1.0 if s[f"ch/{n}/polarity"] else 1.0)
        return [cmd(_core.OP_TRIM, n - 1, gain)]

    def _level(self, s, u):
        """A channel's fader and mute as the audio sees them (DCAs and mute groups included). The talkback
        channel while it talks: open at unity (its sends and main gains carry the talk level)."""
        if talkback(s, self.layout).source == u[1]:
            return [cmd(_core.OP_FADER, u[1] - 1, 1.0), cmd(_core.OP_MUTE, u[1] - 1, 1.0)]
        level = channel_level(s, self.layout, u[1])
        return [cmd(_core.OP_FADER, u[1] - 1, db_to_gain(level.fader_db)),
                cmd(_core.OP_MUTE, u[1] - 1, 0.0 if level.muted else 1.0)]

    def _group(self, s, u):
        """A DCA or mute group changed: every member channel's level again."""
        _, kind, k = u
        members = [n for n in range(1, self.layout.n_inputs + 1) if s[f"ch/{n}/{kind}/{k}"]]
        return [c for n in members for c in self._level(s, ("level", n))]

    def _pan(self, s, u):
        p = f"ch/{u[1]}/"
        left, right = pan_gains(s[p + "pan"]) if s[p + "main"] else (0.0, 0.0)
        talk = talkback(s, self.layout)
        if talk.source == u[1]:  # the talkback mic, centred, into the main only when it talks to it
            left, right = (db_to_gain(talk.level_db) * g for g in pan_gains(0.0)) if talk.main else (0.0, 0.0)
        elif talk.dims("main"):
            left, right = (g * db_to_gain(talk.dim_db) for g in (left, right))
        return [cmd(_core.OP_MAIN_L, u[1] - 1, left), cmd(_core.OP_MAIN_R, u[1] - 1, right),
                *self._solo_channel(s, u[1], s["solo/mode"] == "afl")]  # AFL follows the pan

    def _solo(self, s, u):
        """The solo bus: the soloed channels (PFL or AFL) and mixes, or the main while nothing is soloed; a
        musician talking to the engineer over all of it, which is dimmed meanwhile."""
        lay = self.layout
        afl = s["solo/mode"] == "afl"
        out = [c for n in range(1, lay.n_inputs + 1) for c in self._solo_channel(s, n, afl)]
        buses = [s[f"bus/{b}/solo"] for b in range(1, lay.n_buses + 1)]
        any_solo = any(buses) or any(s[f"ch/{n}/solo"] for n in range(1, lay.n_inputs + 1))
        dim = self._talk_dim(s)
        out += [cmd(_core.OP_SOLO_SRC, b - 1, dim if on else 0.0) for b, on in enumerate(buses, start=1)]
        out.append(cmd(_core.OP_SOLO_SRC, self._main, 0.0 if any_solo else dim))
        level = db_to_gain(s["solo/level"])
        out += [cmd(_core.OP_OUT_GAIN, self._solo_master + side, level) for side in (0, 1)]
        return out

    def _solo_channel(self, s, n: int, afl: bool) -> list[Command]:
        if s[f"ch/{n}/talk"]:  # talking to the engineer: the PFL tap at unity, whatever its solo, mute and fader
            return [cmd(_core.OP_SOLO_PFL, n - 1, 1.0), cmd(_core.OP_SOLO_AFL_L, n - 1, 0.0),
                    cmd(_core.OP_SOLO_AFL_R, n - 1, 0.0)]
        soloed, dim = s[f"ch/{n}/solo"], self._talk_dim(s)
        left, right = pan_gains(s[f"ch/{n}/pan"]) if soloed and afl else (0.0, 0.0)
        return [cmd(_core.OP_SOLO_PFL, n - 1, dim if soloed and not afl else 0.0),
                cmd(_core.OP_SOLO_AFL_L, n - 1, left * dim), cmd(_core.OP_SOLO_AFL_R, n - 1, right * dim)]

    def _talk_dim(self, s) -> float:
        """What the solo bus's own content is turned down to while a musician talks to the engineer."""
        talking = any(s[f"ch/{n}/talk"] for n in range(1, self.layout.n_inputs + 1))
        return db_to_gain(s["talkback/dim"]) if talking else 1.0

    def _order(self, s, u):
        return [cmd(_core.OP_ORDER, u[1] - 1, ORDERS[s[f"ch/{u[1]}/order"]])]

    def _insert(self, s, u):
        _, owner, key = u
        return [cmd(_core.OP_INSERT, self._insert_index(owner, key), 1.0 if s[f"{owner}/{key}/on"] else 0.0)]

    def _hpf(self, s, u):
        owner = u[1]
        sections = filters.hpf(s[f"{owner}/hpf/freq"], int(s[f"{owner}/hpf/slope"]), self.sample_rate)
        sections = list(sections) + [filters.IDENTITY] * (_core.CH_HPF_SECTIONS - len(sections))
        return [cmd(_core.OP_BIQUAD, self._filter_index(owner, k), *c) for k, c in enumerate(sections)]

    def _eq_band(self, s, u):
        _, owner, i = u
        p = f"{owner}/eq/{i}/"
        coefs = filters.design(s[p + "type"], s[p + "freq"], s[p + "gain"], s[p + "q"], self.sample_rate)
        section = (_core.CH_EQ_FIRST if owner.startswith("ch/") else 0) + i - 1
        return [cmd(_core.OP_BIQUAD, self._filter_index(owner, section), *coefs)]

    def _geq_band(self, s, u):
        """One band of an aux bus's or the main's graphic EQ (both sides)."""
        _, owner, k = u
        coefs = filters.geq_band(k, s[f"{owner}/geq/{k}/gain"], self.sample_rate)
        return [cmd(_core.OP_GEQ, _core.geq_slot(self.layout.n_buses, self._bus_slot(owner), k - 1), *coefs)]

    def _out_delay(self, s, u):
        """An aux bus's or the main's output delay in whole samples (sample-accurate: round(ms · rate / 1000))."""
        samples = min(round(s[f"{u[1]}/delay"] * self.sample_rate / 1000), _core.out_delay_max(self.sample_rate))
        return [cmd(_core.OP_OUT_DELAY, self._bus_slot(u[1]), samples)]

    def _gate(self, s, u):
        p = f"{u[1]}/gate/"
        params = dynamics.gate_params(s[p + "threshold"], s[p + "range"], s[p + "attack"], s[p + "hold"],
                                      s[p + "release"], self.sample_rate)
        return [cmd(_core.OP_GATE, number_of(u[1]) - 1, *params)]

    def _comp(self, s, u):
        p = f"{u[1]}/dyn/"
        params = dynamics.comp_params(s[p + "threshold"], s[p + "ratio"], s[p + "knee"], s[p + "attack"],
                                      s[p + "release"], s[p + "makeup"], self.sample_rate)
        return [cmd(_core.OP_COMP, number_of(u[1]) - 1, *params)]

    def _limiter(self, s, u):
        p = f"{u[1]}/limiter/"
        params = dynamics.limiter_params(s[p + "threshold"], s[p + "release"], self.sample_rate)
        return [cmd(_core.OP_LIMITER, self._bus_slot(u[1]), *params)]

    def _send(self, s, u):
        _, n, b = u
        p = f"ch/{n}/send/{b}/"
        level_db = send_level_db(s, self.layout, n, b)  # "more me" included; closed stays closed
        level = 0.0 if level_db is None else db_to_gain(level_db)
        pan, pre = s.get(p + "pan", 0.0), bool(s[p + "pre"])
        talk = talkback(s, self.layout)
        if talk.source == n:  # the talkback mic while it talks: into the mixes it talks to only, centred
            level, pan, pre = (db_to_gain(talk.level_db) if b in talk.buses else 0.0), 0.0, True
        elif talk.dims(b):
            level *= db_to_gain(talk.dim_db)
        gains = [level * g for g in pan_gains(pan)] if self._in_widths[b - 1] == 2 else [level]
        out = []
        for side, g in enumerate(gains):
            index = _core.send_index(self.layout.n_inputs, self._rows[b - 1] + side, n - 1)
            # The send lives in one matrix; the other entry ramps to zero (a click-free crossfade).
            out.append(cmd(_core.OP_SEND_PRE, index, g if pre else 0.0))
            out.append(cmd(_core.OP_SEND_POST, index, 0.0 if pre else g))
        return out

    def _master(self, s, u):
        b = u[1]
        owner, first, width = (("main", _core.MASTER_MAIN, 2) if b == 0
                               else (f"bus/{b}", self._masters[b - 1], self._widths[b - 1]))
        gain = 0.0 if s[f"{owner}/mute"] else db_to_gain(s[f"{owner}/fader"])
        sides = balance_gains(s[f"{owner}/balance"]) if width == 2 else (1.0,)
        return [cmd(_core.OP_OUT_GAIN, first + i, gain * side) for i, side in enumerate(sides)]

    def _group_main(self, s, u):
        """A group into the main: stereo side by side; a mono group centred like a channel (pan law)."""
        gain = 1.0 if self._widths[u[1] - 1] == 2 else pan_gains(0.0)[0]
        talk = talkback(s, self.layout)
        if talk.dims("main"):
            gain *= db_to_gain(talk.dim_db)
        return [cmd(_core.OP_GROUP_MAIN, u[1] - 1, gain if s[f"bus/{u[1]}/main"] else 0.0)]

    def _fx_kind(self, s, u):
        return [cmd(_core.OP_FX_KIND, u[1] - 1, FX_KINDS[s[f"bus/{u[1]}/fx/type"]])]

    def _reverb(self, s, u):
        p = f"bus/{u[1]}/fx/"
        params = fx.reverb_params(s[p + "size"] / 100, s[p + "damping"] / 100, s[p + "width"] / 100,
                                  s[p + "predelay"], self.sample_rate)
        return [cmd(_core.OP_REVERB, u[1] - 1, *params)]

    def _delay(self, s, u):
        p = f"bus/{u[1]}/fx/"
        params = fx.delay_params(s[p + "time"], s[p + "feedback"] / 100, s[p + "highcut"], self.sample_rate)
        return [cmd(_core.OP_DELAY, u[1] - 1, *params)]

    def _moreme(self, s, u):
        b = u[1]
        return [c for n in range(1, self.layout.n_inputs + 1) if s[f"ch/{n}/send/{b}/me"]
                for c in self._send(s, ("send", n, b))]

    def _return(self, s, u):
        _, b, target = u
        address = f"bus/{b}/return/{'main' if target == 0 else target}/level"
        index = _core.return_index(self.layout.n_buses, b - 1, self._main if target == 0 else target - 1)
        gain = db_to_gain(s[address])
        if talkback(s, self.layout).dims("main" if target == 0 else target):
            gain *= db_to_gain(s["talkback/dim"])
        return [cmd(_core.OP_RETURN, index, gain)]

    def _talkback(self, s, u):
        """Talk started, stopped or was set up: every gain it may touch again — each channel's fader, mute,
        main gains and sends, the FX returns and the groups into the main (only those that change are sent)."""
        lay = self.layout
        out = [c for n in range(1, lay.n_inputs + 1) for c in (*self._level(s, ("level", n)), *self._pan(s, ("pan", n)))]
        out += [c for n in range(1, lay.n_inputs + 1) for b in range(1, lay.n_buses + 1)
                for c in self._send(s, ("send", n, b))]
        for b, bus in enumerate(lay.buses, start=1):
            if bus.is_fx:
                out += self._return(s, ("return", b, 0))
                out += [c for a, aux in enumerate(lay.buses, start=1) if aux.is_aux
                        for c in self._return(s, ("return", b, a))]
            elif bus.is_group:
                out += self._group_main(s, ("group_main", b))
        return out

    def _gen_level(self, s, u):
        p = f"gen/{u[1]}/"
        return [cmd(_core.OP_GEN_LEVEL, u[1] - 1, db_to_gain(s[p + "level"]) if s[p + "on"] else 0.0)]

    def _gen_freq(self, s, u):
        return [cmd(_core.OP_GEN_FREQ, u[1] - 1, *rotation(s[f"gen/{u[1]}/freq"], self.sample_rate))]

    def _gen_target(self, s, u):
        target = s[f"gen/{u[1]}/target"]
        kind = {"ch": TARGET_CHANNEL, "bus": TARGET_BUS}.get(segments(target)[0], TARGET_NONE)
        index = 0 if kind == TARGET_NONE else number_of(target) - 1
        return [cmd(_core.OP_GEN_TARGET, u[1] - 1, kind, index)]

    def _gen_mod(self, s, u):
        rate = s[f"gen/{u[1]}/mod"]
        return [cmd(_core.OP_GEN_MOD, u[1] - 1, *(rotation(rate, self.sample_rate) if rate > 0 else (1.0, 0.0)))]

    def _gen_kind(self, s, u):
        return [cmd(_core.OP_GEN_KIND, u[1] - 1, GEN_KINDS[s[f"gen/{u[1]}/type"]])]
