"""X AIR meter banks made from mixerd's meter frame.

An X AIR sends a meter bank as one OSC blob: a little-endian int32 count, then that many little-endian int16
values in 1/256 dB (−32768 is −128 dB), inside the big-endian OSC blob. It has ten banks, ``/meters/0…9`` (no
source lists more). Served here, in the X AIR's counts and order (L/R: left, then right):

``/meters/0`` (8), one channel strip: ``/meters ,si /meters/0 8`` is channel 9 (the argument counts from 0; in
  ``/batchsubscribe`` it is the first integer): 0-1 pre-fader L/R, 2 gate and 3 compressor gain reduction,
  4-5 post-fader L/R, 6 gate key, 7 compressor key.
``/meters/1`` (40), the mixer page: 0-15 channels 1-16 (pre-fader), 16-17 aux in, 18-25 FX returns 1-4 L/R,
  26-31 buses 1-6, 32-35 FX sends 1-4, 36-37 main L/R (post-fader), 38-39 monitor L/R.
``/meters/2`` (36), the inputs: 0-15 preamps 1-16, 16-17 aux in, 18-35 USB returns 1-18.
``/meters/3`` (56), the effects: per FX 1-4, 14 values: in L/R, 10 meters of the effect's own, out L/R.
``/meters/5`` (44), the outputs: 0-5 aux outs 1-6, 6-7 main L/R, 8-23 Ultranet (P16) 1-16, 24-41 USB sends 1-18,
  42-43 phones L/R.
``/meters/6`` (39), gain reduction: 0-15 the channels' gates, 16-31 their compressors, 32-37 the buses'
  dynamics, 38 the main's.

Not served (a subscription to them is ignored, as one to an unknown bank, and counted as unknown): ``/meters/4``
(the RTA, 100 bands: mixerd computes no spectrum), ``/meters/7`` (automix gains of 16 channels: mixerd has no
automixer), ``/meters/8`` (4 DCAs: mixerd meters no DCA), ``/meters/9`` (the 2-track USB recorder's in and out
L/R: mixerd's recorder is multitrack and not metered).

mixerd's counterparts: pre-fader is ``ch/N/inserts`` (after the processing), a preamp ``ch/N/input`` (after the
trim, the X AIR's headamp gain), post-fader ``ch/N/post`` (a mixerd channel is mono: its L and R read the same);
a bus, an aux out, an FX send, return and out read ``bus/B``'s output (mixerd meters a bus once); the monitor and
the phones ``solo``. Which mixerd channel or bus is behind an X AIR strip is ``XAirMap.channels``, ``buses`` and
``fx``'s to say. A gain reduction is a gain: 0 dB for none, negative while reducing (the X32's are linear gains,
1.0 for none), from ``gate_gr``, ``dyn_gr`` and, for the buses' and the main's dynamics, ``limiter_gr`` (a mixerd
bus's only dynamics: an app should see it reduce). What has no counterpart reads −120 dB (mixerd's floor, what a
silent meter reads), a gain reduction 0 dB: the aux in, USB, Ultranet, an effect's input and own meters, the
keys (mixerd does not meter its detectors' input), a strip beyond the layout's.

Sources: Behringer, "X AIR Mixer Series Remote Control Protocol" (firmware 1.11+, 4 pages: the blob, and
``/meters ,si "/meters/0" 8`` = channel 9's 8 meters); jskeet/DemoCode ``OscMixerControl/Notes/addresses.md``
(each bank's layout, its count measured on an XR16, gain reductions reading 0 at rest; X AIR Edit subscribes
``/meters/0``, ``1``, ``3``, ``6``, ``7``) and ``DigiMixer/DigiMixer.Osc/XAir.cs`` (``/meters/5``: buses at 0-5,
main at 6-7); mxfriend/mxfriend ``packages/libmxair/src/types/meters.ts`` (the ten banks' sizes and layouts);
the sign of a gain reduction is inferred from the X32's (pmaillot, "Unofficial X32/M32 OSC Remote Protocol").

Each (bank, argument) is resolved once per meter layout into indices; a tick makes one value vector from the
frame and each blob is one gather over it, whatever the number of subscribers.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace

import numpy as np

from mixerd.model.meters import FLOOR_DB, MeterFrame, MeterLayout

#: The X AIR's meter period: a subscriber gets its bank every tick (50 ms) or every n-th.
TICK_S = 0.05

MONO, LEFT, RIGHT = "mono", "left", "right"
#: Channel strips ``/meters/0`` can show (its argument 0-15); another argument shows a strip with no counterpart.
STRIPS = 16
NO_STRIP = -1


@dataclass(frozen=True)
class Slot:
    """One value of a bank: X AIR strip ``number`` of ``kind`` (``ch``, ``bus``, ``fx``, ``main``, ``solo`` have
    counterparts; ``aux``, ``usb``, ``p16``, ``fx_in``, ``fx_own``, ``key`` none). ``side`` picks a side of a
    stereo meter (mono: the louder); ``tap`` a channel's meter (``input``, ``inserts``, ``post``); ``gr`` makes it
    the point's gain reduction of that name (``gate_gr``, ``dyn_gr``, ``limiter_gr``) instead of its level."""

    kind: str
    number: int = 0
    side: str = MONO
    tap: str = "inserts"
    gr: str = ""


def _pair(kind: str, number: int = 0, tap: str = "inserts") -> list[Slot]:
    return [Slot(kind, number, LEFT, tap), Slot(kind, number, RIGHT, tap)]


def _each(kind: str, count: int, **fields) -> list[Slot]:
    return [Slot(kind, n, **fields) for n in range(1, count + 1)]


#: Bank id → its values, in X AIR order. ``/meters/0``'s slots have number 0: the argument's channel.
BANKS: dict[int, tuple[Slot, ...]] = {
    0: tuple(_pair("ch") + [Slot("ch", gr="gate_gr"), Slot("ch", gr="dyn_gr")] + _pair("ch", tap="post")
             + [Slot("key"), Slot("key")]),
    1: tuple(_each("ch", 16) + _pair("aux") + [s for k in range(1, 5) for s in _pair("fx", k)]
             + _each("bus", 6) + _each("fx", 4) + _pair("main") + _pair("solo")),
    2: tuple(_each("ch", 16, tap="input") + _pair("aux") + _each("usb", 18)),
    3: tuple(s for k in range(1, 5) for s in _pair("fx_in", k) + [Slot("fx_own", k)] * 10 + _pair("fx", k)),
    5: tuple(_each("bus", 6) + _pair("main") + _each("p16", 16) + _each("usb", 18) + _pair("solo")),
    6: tuple(_each("ch", 16, gr="gate_gr") + _each("ch", 16, gr="dyn_gr") + _each("bus", 6, gr="limiter_gr")
             + [Slot("main", gr="limiter_gr")]),
}
#: Banks of one channel strip, picked by the subscription's argument.
STRIP_BANKS = frozenset({0})


class MeterBanks:
    """Encodes the banks of ``BANKS`` from a meter frame, for the strips ``xmap`` (an ``XAirMap``) shows."""

    def __init__(self, xmap):
        self.map = xmap
        self._indices: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}  # (bank, argument), for _layout
        self._layout: MeterLayout | None = None
        self._frame: MeterFrame | None = None  # the frame _values was made from
        self._values = np.zeros(0, np.float32)

    @staticmethod
    def known(bank: int) -> bool:
        return bank in BANKS

    @staticmethod
    def argument(bank: int, arg) -> int:
        """What tells two subscriptions of ``bank`` apart: the channel strip (0-15, or ``NO_STRIP``) of a strip
        bank, 0 for any other (the X AIR ignores their argument)."""
        if bank not in STRIP_BANKS:
            return 0
        return arg if type(arg) is int and 0 <= arg < STRIPS else NO_STRIP

    def levels(self, bank: int, frame: MeterFrame, arg: int = 0) -> np.ndarray:
        """The bank's values in dB: peak levels and gain reductions (``arg`` as ``argument`` made it)."""
        first, second = self._resolve(bank, arg, frame.layout)
        values = self._values_of(frame)
        return np.maximum(values[first], values[second])

    def blob(self, bank: int, frame: MeterFrame, arg: int = 0) -> bytes:
        """The bank as the X AIR's blob content: count, then int16 values in 1/256 dB, little-endian."""
        levels = np.clip(np.round(self.levels(bank, frame, arg) * 256.0), -32768, 32767).astype("<i2")
        return struct.pack("<i", levels.size) + levels.tobytes()

    def _values_of(self, frame: MeterFrame) -> np.ndarray:
        """Every value a slot can read, made once per frame: the peaks, the floor, the gains (gain reductions
        negated), 0 dB (see ``_channels`` for the indices)."""
        if frame is not self._frame:
            self._values = np.concatenate((frame.peak, [FLOOR_DB], -frame.gr, [0.0])).astype(np.float32)
            self._frame = frame
        return self._values

    def _resolve(self, bank: int, arg: int, layout: MeterLayout) -> tuple[np.ndarray, np.ndarray]:
        if layout is not self._layout:
            self._layout, self._indices = layout, {}
        key = (bank, arg)
        if key not in self._indices:
            slots = BANKS[bank]
            if bank in STRIP_BANKS:
                slots = tuple(replace(slot, number=arg + 1) if slot.number == 0 else slot for slot in slots)
            pairs = [self._channels(slot, layout) for slot in slots]
            self._indices[key] = (np.array([p[0] for p in pairs], np.intp), np.array([p[1] for p in pairs], np.intp))
        return self._indices[key]

    def _point(self, slot: Slot) -> str | None:
        """The mixerd meter point behind a slot, None if the X AIR strip has no counterpart."""
        def nth(numbers: tuple[int, ...]) -> int | None:
            return numbers[slot.number - 1] if 1 <= slot.number <= len(numbers) else None

        if slot.kind == "ch":
            n = nth(self.map.channels)
            return None if n is None else f"ch/{n}/{slot.tap}"
        if slot.kind in ("bus", "fx"):
            b = nth(self.map.buses if slot.kind == "bus" else self.map.fx)
            return None if b is None else f"bus/{b}"
        return slot.kind if slot.kind in ("main", "solo") else None

    def _channels(self, slot: Slot, layout: MeterLayout) -> tuple[int, int]:
        """The two entries of the value vector a slot reads the louder of: meter channels (0 … n−1), the floor
        (n), gains (n+1 … n+g), 0 dB (n+g+1) — a gain reduction with no counterpart reads 0 dB, a level the
        floor."""
        name = self._point(slot)
        point = layout.points[layout.index[name]] if name in layout.index else None
        floor = layout.n_meters
        if slot.gr:
            g = dict(point.gr).get(slot.gr) if point is not None else None
            at = floor + 1 + (layout.n_gr if g is None else g)
            return at, at
        if point is None:
            return floor, floor
        last = point.first + point.width - 1
        if slot.side == LEFT:
            return point.first, point.first
        if slot.side == RIGHT:
            return last, last
        return point.first, last
