"""X AIR meter banks made from mixerd's meter frame.

An X AIR sends a meter bank as one OSC blob: a little-endian int32 count, then that many little-endian int16
levels in 1/256 dB (−32768 is −128 dB), inside the big-endian OSC blob. Banks served here:

``/meters/1`` (40 levels, what X AIR Edit, Mixing Station and Companion draw on their mixer pages):
  0-15 channels 1-16 (pre-fader: after the processing), 16-17 aux in L/R, 18-25 FX returns 1-4 L/R,
  26-31 buses 1-6, 32-35 FX sends 1-4, 36-37 main L/R (post-fader), 38-39 monitor (mixerd's solo) L/R.

Which mixerd channel or bus stands behind an X AIR strip is the address map's to say (``XAirMap.channels``,
``buses``, ``fx``). A strip with no counterpart (the aux in; a channel beyond the layout's) reads −120 dB. An FX
send and its return both read the FX bus's output (mixerd meters an FX bus once). The layout is resolved once
per meter layout; a tick is one gather over the frame, whatever the number of subscribers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from mixerd.model.meters import FLOOR_DB, MeterFrame, MeterLayout

#: The X AIR's meter period: a subscriber gets its bank every tick (50 ms) or every n-th.
TICK_S = 0.05

MONO, LEFT, RIGHT = "mono", "left", "right"


@dataclass(frozen=True)
class Slot:
    """One level of a bank: X AIR strip ``number`` of ``kind`` (``ch``, ``aux``, ``bus``, ``fx``, ``main``,
    ``solo``); ``side`` picks a side of a stereo meter (mono: the louder)."""

    kind: str
    number: int = 0
    side: str = MONO


def _pair(kind: str, number: int = 0) -> list[Slot]:
    return [Slot(kind, number, LEFT), Slot(kind, number, RIGHT)]


#: Bank id → its levels, in X AIR order.
BANKS: dict[int, tuple[Slot, ...]] = {
    1: tuple([Slot("ch", n) for n in range(1, 17)] + _pair("aux")
             + [s for k in range(1, 5) for s in _pair("fx", k)]
             + [Slot("bus", b) for b in range(1, 7)] + [Slot("fx", k) for k in range(1, 5)]
             + _pair("main") + _pair("solo")),
}


class MeterBanks:
    """Encodes the banks of ``BANKS`` from a meter frame, for the strips ``xmap`` (an ``XAirMap``) shows."""

    def __init__(self, xmap):
        self.map = xmap
        self._indices: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # bank → its meter channels, for _layout
        self._layout: MeterLayout | None = None

    @staticmethod
    def known(bank: int) -> bool:
        return bank in BANKS

    def levels(self, bank: int, frame: MeterFrame) -> np.ndarray:
        """The bank's peak levels in dB."""
        first, second = self._resolve(bank, frame.layout)
        peak = np.append(frame.peak, np.float32(FLOOR_DB))  # the last entry: what a strip with no meter reads
        return np.maximum(peak[first], peak[second])

    def blob(self, bank: int, frame: MeterFrame) -> bytes:
        """The bank as the X AIR's blob content: count, then int16 levels in 1/256 dB, little-endian."""
        levels = np.clip(np.round(self.levels(bank, frame) * 256.0), -32768, 32767).astype("<i2")
        return struct.pack("<i", levels.size) + levels.tobytes()

    def _resolve(self, bank: int, layout: MeterLayout) -> tuple[np.ndarray, np.ndarray]:
        if layout is not self._layout:
            self._layout, self._indices = layout, {}
        if bank not in self._indices:
            pairs = [self._channels(slot, layout) for slot in BANKS[bank]]
            self._indices[bank] = (np.array([p[0] for p in pairs], np.intp), np.array([p[1] for p in pairs], np.intp))
        return self._indices[bank]

    def _point(self, slot: Slot) -> str | None:
        """The mixerd meter point behind a slot, None if the X AIR strip has no counterpart."""
        def nth(numbers: tuple[int, ...]) -> int | None:
            return numbers[slot.number - 1] if slot.number <= len(numbers) else None

        if slot.kind == "ch":
            n = nth(self.map.channels)
            return None if n is None else f"ch/{n}/inserts"  # the X AIR's "pre": after the processing
        if slot.kind in ("bus", "fx"):
            b = nth(self.map.buses if slot.kind == "bus" else self.map.fx)
            return None if b is None else f"bus/{b}"
        return slot.kind if slot.kind in ("main", "solo") else None

    def _channels(self, slot: Slot, layout: MeterLayout) -> tuple[int, int]:
        """The two meter channels a slot reads the louder of (the floor entry when it has none)."""
        name = self._point(slot)
        if name is None or name not in layout.index:
            return layout.n_meters, layout.n_meters
        point = layout.points[layout.index[name]]
        last = point.first + point.width - 1
        if slot.side == LEFT:
            return point.first, point.first
        if slot.side == RIGHT:
            return last, last
        return point.first, last
