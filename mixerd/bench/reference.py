"""A plain numpy implementation of the core's mix, straight from the dB/%/bool values of a state.

It shares no code with the core or its command mapping, so tests can hold the C core to it and the
bench can compare speeds on the same work. It covers the mix (trim, polarity, mute, fader, pan, sends,
bus and main masters, the solo bus), not the inserts: compare with HPF, EQ bands, dynamics and limiters flat or
off. Ramps are not modelled: compare once gains have settled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mixerd.model.layout import Layout


def _gain(db: float) -> float:
    return 0.0 if db <= -90.0 else float(10.0 ** (db / 20.0))


def _balance(balance: float) -> np.ndarray:
    return np.array([min(1.0, 1.0 - balance / 100.0), min(1.0, 1.0 + balance / 100.0)], dtype=np.float32)


def _pan(pan: float) -> tuple[float, float]:
    theta = (pan / 100.0 + 1.0) * np.pi / 4.0
    return float(np.cos(theta)), float(np.sin(theta))


class ReferenceMix:
    """The mix of ``state`` as matrices: ``process(inputs)`` gives (n_outputs, frames) like the core."""

    def __init__(self, layout: Layout, state: Mapping[str, Any]):
        n, lay = layout.n_inputs, layout
        s = state
        self.trim = np.array([_gain(s[f"ch/{c}/trim"]) * (-1.0 if s[f"ch/{c}/polarity"] else 1.0)
                              for c in range(1, n + 1)], dtype=np.float32)
        self.on = np.array([0.0 if s[f"ch/{c}/mute"] else 1.0 for c in range(1, n + 1)], dtype=np.float32)
        self.fader = np.array([_gain(s[f"ch/{c}/fader"]) for c in range(1, n + 1)], dtype=np.float32)
        n_out = layout.n_outputs
        self.pre = np.zeros((n_out, n), dtype=np.float32)   # rows: output channels
        self.post = np.zeros((n_out, n), dtype=np.float32)
        self.master = np.zeros(n_out, dtype=np.float32)
        for c in range(1, n + 1):
            if s[f"ch/{c}/main"]:
                self.post[0, c - 1], self.post[1, c - 1] = _pan(s[f"ch/{c}/pan"])
        self.master[:2] = 0.0 if s["main/mute"] else _gain(s["main/fader"])
        if any(not bus.is_aux for bus in lay.buses):
            raise ValueError("the plain reference mix has aux buses only (no FX or group buses)")
        self.master[:2] *= _balance(s["main/balance"])
        for b, bus in enumerate(lay.buses, start=1):
            first = lay.bus_output_offset(b)
            self.master[first:first + bus.width] = 0.0 if s[f"bus/{b}/mute"] else _gain(s[f"bus/{b}/fader"])
            if bus.width == 2:
                self.master[first:first + 2] *= _balance(s[f"bus/{b}/balance"])
            for c in range(1, n + 1):
                p = f"ch/{c}/send/{b}/"
                level = _gain(s[p + "level"]) if s[p + "on"] else 0.0
                gains = [level * g for g in _pan(s[p + "pan"])] if bus.stereo else [level]
                matrix = self.pre if s[p + "pre"] else self.post
                for i, g in enumerate(gains):
                    matrix[first + i, c - 1] = g
        self._solo(layout, state)

    def _solo(self, layout: Layout, s: Mapping[str, Any]) -> None:
        """The solo bus (the last two outputs): PFL from the trimmed signal before mute, AFL post-fader
        with the pan, soloed bus outputs; the main while nothing is soloed."""
        n = layout.n_inputs
        afl = s["solo/mode"] == "afl"
        self.solo_pfl = np.zeros((2, n), dtype=np.float32)
        self.solo_afl = np.zeros((2, n), dtype=np.float32)
        self.solo_from = np.zeros((2, layout.n_outputs), dtype=np.float32)  # outputs heard on solo L/R
        for c in range(1, n + 1):
            if s[f"ch/{c}/solo"]:
                if afl:
                    self.solo_afl[:, c - 1] = _pan(s[f"ch/{c}/pan"])
                else:
                    self.solo_pfl[:, c - 1] = 1.0
        soloed = [b for b in range(1, layout.n_buses + 1) if s[f"bus/{b}/solo"]]
        for b in soloed:
            first = layout.bus_output_offset(b)
            self.solo_from[0, first] = 1.0
            self.solo_from[1, first + layout.buses[b - 1].width - 1] = 1.0
        if not soloed and not any(s[f"ch/{c}/solo"] for c in range(1, n + 1)):
            self.solo_from[0, 0] = self.solo_from[1, 1] = 1.0
        self.solo_level = _gain(s["solo/level"])

    def process(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs for ``inputs`` (n_inputs, frames), float32."""
        trimmed = inputs * self.trim[:, None]
        pre = trimmed * self.on[:, None]
        post = pre * self.fader[:, None]
        out = self.pre @ pre + self.post @ post
        out *= self.master[:, None]
        out[-2:] = (self.solo_pfl @ trimmed + self.solo_afl @ post + self.solo_from @ out) * self.solo_level
        return out

    def meters(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Peak and mean square per meter channel (input, post-inserts, post-fader, between the inserts,
        outputs), as the core meters them (with flat inserts the post-inserts signal is the input's)."""
        pre = inputs * self.trim[:, None]
        post = pre * (self.on * self.fader)[:, None]
        stages = np.concatenate([pre, pre, post, pre, self.process(inputs)])
        return np.abs(stages).max(axis=1), (stages.astype(np.float64) ** 2).mean(axis=1)
