"""Translate parameter values (dB, %, Hz, bool) at their addresses into ready numbers for the core.

All the expensive math (dB → linear, pan law, oscillator rotations) happens here, on the control
side; the audio thread only interpolates what it is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from mixerd import _core
from mixerd.model.layout import Layout

CLOSED_DB = -90.0  # a fader, send or level at or below this is fully closed (−∞)


class Command(NamedTuple):
    op: int
    index: int
    a: float
    b: float = 0.0


def db_to_gain(db: float) -> float:
    """Linear gain of a level in dB; −90 dB and below is silence."""
    return 0.0 if db <= CLOSED_DB else 10.0 ** (db / 20.0)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law: −100 (left) … 0 (centre, −3 dB each side) … +100 (right)."""
    theta = (max(-100.0, min(100.0, pan)) / 100.0 + 1.0) * math.pi / 4.0
    # cos(π/2) is 6e-17, not 0: snap so a hard-panned channel is truly absent from the other side.
    return tuple(0.0 if abs(g) < 1e-9 else g for g in (math.cos(theta), math.sin(theta)))  # type: ignore[return-value]


def rotation(freq_hz: float, sample_rate: float) -> tuple[float, float]:
    """cos/sin of the per-sample phase step of an oscillator at ``freq_hz``."""
    w = 2.0 * math.pi * freq_hz / sample_rate
    return math.cos(w), math.sin(w)


class CommandMap:
    """Knows, for a layout, which core commands each address drives and computes them from a state."""

    def __init__(self, layout: Layout, sample_rate: int):
        self.layout = layout
        self.sample_rate = sample_rate

    def all_commands(self, state: Mapping[str, Any]) -> list[Command]:
        """Every command needed to put the core into ``state``."""
        cmds: list[Command] = []
        n_in, lay = self.layout.n_inputs, self.layout
        for n in range(1, n_in + 1):
            cmds += self._channel_gain(state, n, "trim")
            cmds += self._channel_gain(state, n, "mute")
            cmds += self._channel_gain(state, n, "fader")
            cmds += self._channel_gain(state, n, "pan")
            for b in range(1, lay.n_buses + 1):
                cmds += self._send(state, n, b)
        for b in range(1, lay.n_buses + 1):
            cmds += self._bus(state, b)
        cmds += self._main(state)
        for k in range(1, lay.generators + 1):
            cmds += self._gen(state, k, "level") + self._gen(state, k, "freq")
            cmds += self._gen(state, k, "target") + self._gen(state, k, "mod")
        return cmds

    def commands_for(self, state: Mapping[str, Any], address: str) -> list[Command]:
        """The commands that change when ``address`` changes (none for names, colours, …)."""
        parts = address.split("/")
        head = parts[0]
        if head == "ch" and len(parts) >= 3:
            n = int(parts[1])
            if parts[2] == "send" and len(parts) == 5:
                return self._send(state, n, int(parts[3]))
            return self._channel_gain(state, n, parts[2])
        if head == "bus" and len(parts) == 3 and parts[2] in ("fader", "mute"):
            return self._bus(state, int(parts[1]))
        if head == "main" and len(parts) == 2 and parts[1] in ("fader", "mute"):
            return self._main(state)
        if head == "gen" and len(parts) == 3:
            return self._gen(state, int(parts[1]), parts[2])
        return []

    # -- per entity ------------------------------------------------------------------------------

    def _channel_gain(self, s: Mapping[str, Any], n: int, what: str) -> list[Command]:
        p, c = f"ch/{n}/", n - 1
        if what == "trim":
            return [Command(_core.OP_TRIM, c, db_to_gain(s[p + "trim"]))]
        if what == "mute":
            return [Command(_core.OP_MUTE, c, 0.0 if s[p + "mute"] else 1.0)]
        if what == "fader":
            return [Command(_core.OP_FADER, c, db_to_gain(s[p + "fader"]))]
        if what in ("pan", "main"):
            left, right = pan_gains(s[p + "pan"]) if s[p + "main"] else (0.0, 0.0)
            return [Command(_core.OP_MAIN_L, c, left), Command(_core.OP_MAIN_R, c, right)]
        return []

    def _send(self, s: Mapping[str, Any], n: int, b: int) -> list[Command]:
        p = f"ch/{n}/send/{b}/"
        level = db_to_gain(s[p + "level"]) if s[p + "on"] else 0.0
        bus = self.layout.buses[b - 1]
        gains = [level * g for g in pan_gains(s[p + "pan"])] if bus.stereo else [level]
        pre = bool(s[p + "pre"])
        first = self.layout.bus_output_offset(b) - 2  # bus channel index inside the send matrix
        cmds = []
        for i, g in enumerate(gains):
            index = (first + i) * self.layout.n_inputs + (n - 1)
            # The send lives in one matrix; the other entry ramps to zero (a click-free crossfade).
            cmds.append(Command(_core.OP_SEND_PRE, index, g if pre else 0.0))
            cmds.append(Command(_core.OP_SEND_POST, index, 0.0 if pre else g))
        return cmds

    def _bus(self, s: Mapping[str, Any], b: int) -> list[Command]:
        gain = 0.0 if s[f"bus/{b}/mute"] else db_to_gain(s[f"bus/{b}/fader"])
        first = self.layout.bus_output_offset(b)
        return [Command(_core.OP_OUT_GAIN, first + i, gain) for i in range(self.layout.buses[b - 1].width)]

    def _main(self, s: Mapping[str, Any]) -> list[Command]:
        gain = 0.0 if s["main/mute"] else db_to_gain(s["main/fader"])
        return [Command(_core.OP_OUT_GAIN, 0, gain), Command(_core.OP_OUT_GAIN, 1, gain)]

    def _gen(self, s: Mapping[str, Any], k: int, what: str) -> list[Command]:
        p, g = f"gen/{k}/", k - 1
        if what in ("on", "level"):
            return [Command(_core.OP_GEN_LEVEL, g, db_to_gain(s[p + "level"]) if s[p + "on"] else 0.0)]
        if what == "freq":
            return [Command(_core.OP_GEN_FREQ, g, *rotation(s[p + "freq"], self.sample_rate))]
        if what == "target":
            target = s[p + "target"]
            channel = int(target.split("/")[1]) - 1 if target.startswith("ch/") else -1
            return [Command(_core.OP_GEN_TARGET, g, float(channel))]
        if what == "mod":
            rate = s[p + "mod"]
            return [Command(_core.OP_GEN_MOD, g, *(rotation(rate, self.sample_rate) if rate > 0 else (1.0, 0.0)))]
        return []
