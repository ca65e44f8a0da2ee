"""Meter frames: what the engine measured at every meter point, once per tick, for every reader.

The engine makes one ``MeterFrame`` per tick from the core's meter ring; the WebSocket, MQTT, the problem
finder and ``GET /meters`` all read that same immutable frame. Its values are flat numpy arrays in the
core's meter order (``MeterLayout``: which meter channels each point owns), so a reader takes what it
needs with array operations instead of walking a dict per point. ``to_dict()`` gives the per-point JSON
view (``GET /meters``), built only when asked for.

The layout is fixed for a mixer layout and described once to clients (the WebSocket ``hello``,
``GET /system``): ``[{"name", "width"}]`` in frame order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

FLOOR_DB = -120.0

#: Per-point extras of a channel's inserts point (gain reduction of its gate and compressor, dB) and of a
#: master point (a bus or the main: true peak dBTP, momentary and short-term loudness LUFS, limiter dB).
INSERT_EXTRAS = ("gate_gr", "dyn_gr")
MASTER_EXTRAS = ("true_peak", "lufs_m", "lufs_s", "limiter_gr")


@dataclass(frozen=True)
class MeterPoint:
    """One meter point: ``name`` (``ch/3/input``, ``bus/2``, ``main``, ``solo``), its meter channels
    ``first … first + width − 1`` in the frame, and its gain-reduction indices by extra name."""

    name: str
    first: int
    width: int
    master: bool = False  # a bus or the main: loudness, true peak and a limiter
    gr: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, eq=False)
class MeterLayout:
    """Every meter point in frame order; the points tile the frame's meter channels without gaps."""

    points: tuple[MeterPoint, ...]
    n_gr: int
    index: dict[str, int] = field(init=False, repr=False)
    starts: np.ndarray = field(init=False, repr=False)    # first meter channel of each point
    owner: np.ndarray = field(init=False, repr=False)     # point index of each meter channel

    def __post_init__(self) -> None:
        at = 0
        for p in self.points:
            if p.first != at or p.width < 1:
                raise ValueError(f"meter point {p.name} starts at {p.first}, expected {at}")
            at += p.width
        object.__setattr__(self, "index", {p.name: i for i, p in enumerate(self.points)})
        object.__setattr__(self, "starts", np.array([p.first for p in self.points], dtype=np.intp))
        object.__setattr__(self, "owner", np.repeat(np.arange(len(self.points)), [p.width for p in self.points]))

    @property
    def n_meters(self) -> int:
        return int(self.owner.size)

    def describe(self) -> list[dict[str, Any]]:
        """``[{"name", "width"}]`` in frame order: what a client needs to read the flat arrays."""
        return [{"name": p.name, "width": p.width} for p in self.points]

    def names(self) -> list[str]:
        return [p.name for p in self.points]


@dataclass(frozen=True, eq=False)
class MeterFrame:
    """One tick's readings. Per meter channel (``layout`` order): ``peak`` (50 ms), ``hold`` (2 s),
    ``rms`` (300 ms), ``true_peak`` (2 s) in dB, floor −120, and ``clips`` (samples at full scale since
    start); per point: ``lufs_m``/``lufs_s`` (momentary/short-term loudness, floor −120; masters only);
    per gain-reduction index: ``gr`` (dB). ``seq`` counts the core frames taken in; ``rate`` is how many
    the core publishes a second. Arrays are read-only: every reader shares them."""

    layout: MeterLayout
    seq: int
    rate: int
    peak: np.ndarray
    hold: np.ndarray
    rms: np.ndarray
    true_peak: np.ndarray
    clips: np.ndarray
    lufs_m: np.ndarray
    lufs_s: np.ndarray
    gr: np.ndarray

    def __post_init__(self) -> None:
        for name in ("peak", "hold", "rms", "true_peak", "clips", "lufs_m", "lufs_s", "gr"):
            getattr(self, name).flags.writeable = False

    def point_max(self, values: np.ndarray) -> np.ndarray:
        """Per point, the loudest side of ``values`` (one of this frame's per-channel arrays)."""
        return np.maximum.reduceat(values, self.layout.starts)

    def point(self, name: str) -> dict[str, Any] | None:
        """The JSON view of one point (see ``to_dict``), None if there is no such point."""
        i = self.layout.index.get(name)
        return None if i is None else self._point(self.layout.points[i], i)

    def to_dict(self) -> dict[str, Any]:
        """``{"seq", "rate", "points": {name: {"peak", "hold", "rms", "clips", …}}}`` — ``GET /meters``."""
        return {"seq": self.seq, "rate": self.rate,
                "points": {p.name: self._point(p, i) for i, p in enumerate(self.layout.points)}}

    def _point(self, p: MeterPoint, i: int) -> dict[str, Any]:
        sl = slice(p.first, p.first + p.width)
        out: dict[str, Any] = {key: _rounded(getattr(self, key)[sl]) for key in ("peak", "hold", "rms")}
        out["clips"] = [int(v) for v in self.clips[sl]]
        if p.master:
            out["true_peak"] = _rounded(self.true_peak[sl])
            out["lufs_m"] = round(float(self.lufs_m[i]), 2)
            out["lufs_s"] = round(float(self.lufs_s[i]), 2)
        for key, g in p.gr:
            out[key] = round(float(self.gr[g]), 2)
        return out


def empty_frame(layout: MeterLayout, rate: int = 0) -> MeterFrame:
    """A frame of silence (before the first reading)."""
    n, k = layout.n_meters, len(layout.points)
    floor = np.full(n, FLOOR_DB, dtype=np.float32)
    return MeterFrame(layout, 0, rate, floor, floor.copy(), floor.copy(), floor.copy(), np.zeros(n, np.int64),
                      np.full(k, FLOOR_DB), np.full(k, FLOOR_DB),
                      np.zeros(layout.n_gr, np.float32))


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 2) for v in values]
