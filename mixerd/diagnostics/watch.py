"""The problem finder on a live mixer, working on changes: what the live monitor looks at four times a second.

A look costs next to nothing when nothing changed:

- the routing facts (``problems.Facts``) are redone only when the state's ``seq`` moved (and then only what
  the changed addresses touch: ``Facts.update``) or the JACK connections answer differs (it is asked for
  at every look: nothing tells of its changes);
- the settling strips come from the addresses that changed, found only when ``seq`` moved;
- the meters are the engine's shared ``MeterFrame``: one array operation gives the hold of every point the
  finder reads, one more everything that decides the problems (``problems.decisions``). When those and the
  holds the last problems quote are the same, the last problems stand (the same list object); when the
  frame is the one of the last look, nothing is read at all.

Everything it finds is what ``problems.find`` finds on a snapshot of the same moment, word for word
(tests/diagnostics/test_finder_equivalence.py holds the two, and the finder as it was, together). The one
finding that depends on the past, ``mix_source_cut`` (``problems.CutSources``), is kept apart in ``cut``: it
is fed the same readings, only when the facts, the decisions or the settling strips moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import compress
from operator import ne
from typing import Any

import numpy as np

from mixerd.diagnostics.problems import CutSources, Facts, Problem, decisions, evaluate, point_names
from mixerd.diagnostics.snapshot import FLOOR_DB, HOLD_S
from mixerd.model.address import owner_of
from mixerd.model.meters import MeterFrame, MeterLayout


class Settling:
    """The strips whose values changed within the meters' hold window: their holds still remember levels
    from before the change, so the finder reads their peak instead (``Snapshot.settling``)."""

    def __init__(self) -> None:
        self._changed: dict[str, float] = {}  # strip → when a value of it last changed
        self.current: frozenset[str] = frozenset()

    def mark(self, addresses: Iterable[str], now: float) -> None:
        """``addresses`` changed at ``now``."""
        for address in addresses:
            self._changed[owner_of(address)] = now

    def at(self, now: float) -> frozenset[str]:
        """The settling strips at ``now``."""
        if self._changed:
            for owner in [o for o, t in self._changed.items() if now - t >= HOLD_S]:
                del self._changed[owner]
            if len(self._changed) != len(self.current) or not self.current.issuperset(self._changed):
                self.current = frozenset(self._changed)
        elif self.current:
            self.current = frozenset()
        return self.current


def changed_addresses(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The addresses whose value differs between two states of one Control (an address missing from
    ``before`` has not changed)."""
    if len(before) == len(after) and list(before) == list(after):
        # The states of one Control have the same addresses in the same order (its key set never changes):
        # compare the values pairwise, in C.
        return list(compress(after, map(ne, before.values(), after.values())))
    return [address for address, value in after.items() if before.get(address, value) != value]


class _Reader:
    """Reads the finder's holds (``problems.point_names``) from a meter frame: every side of a point
    rounded as the meters' JSON (2 decimals), the loudest side, the peak for a settling strip."""

    def __init__(self, names: list[str], meters: MeterLayout):
        self.meters = meters
        index = [meters.index.get(name, -1) for name in names]
        self.missing = np.array([i < 0 for i in index], dtype=bool)
        self.index = np.array([max(i, 0) for i in index], dtype=np.intp)
        self.owners = [owner_of(name) for name in names]
        self._settling: frozenset[str] | None = None
        self._mask = np.zeros(len(names), dtype=bool)

    def holds(self, frame: MeterFrame, settling: frozenset[str]) -> np.ndarray:
        if settling is not self._settling:
            self._settling = settling
            self._mask = np.array([o in settling for o in self.owners], dtype=bool)
        hold = self._loudest(frame, frame.hold)[self.index]
        if self._mask.any():
            hold = np.where(self._mask, self._loudest(frame, frame.peak)[self.index], hold)
        hold[self.missing] = FLOOR_DB
        return hold

    @staticmethod
    def _loudest(frame: MeterFrame, values: np.ndarray) -> np.ndarray:
        """Per point, ``max()`` of its rounded sides — to the sign of a zero: ``max`` keeps the first of equal
        sides, and the text says "-0.0 dBFS" for a −0.0."""
        rounded = _rounded(values)
        loudest = frame.point_max(rounded)
        for i in np.flatnonzero(loudest == 0.0).tolist():
            p = frame.layout.points[i]
            loudest[i] = max(rounded[p.first:p.first + p.width].tolist())
        return loudest


def _rounded(values: np.ndarray) -> np.ndarray:
    """``round(float(v), 2)`` of each value, as the meters' JSON has it (``MeterFrame.to_dict``).

    For float32 readings (the engine's) one array operation is exact: ``v * 100`` is exact in float64
    (24 + 7 bits), ``rint`` rounds it half to even as ``round`` does, and the division is correctly
    rounded, so the result is the double nearest to the same k / 100 that ``round`` returns."""
    if values.dtype == np.float32:
        return np.rint(values.astype(np.float64) * 100.0) / 100.0
    return np.array([round(float(v), 2) for v in values.tolist()], dtype=np.float64)


class Watcher:
    """The problems of ``control`` now (``look``), redoing only what changed since the last look; ``cut``: the
    ``mix_source_cut`` problems of the last look (``cut_sources`` remembers what the mixes had)."""

    def __init__(self, control, settling: Settling | None = None, cut_sources: CutSources | None = None):
        self.control = control
        self.layout = control.tree.layout
        self.settling = settling if settling is not None else Settling()
        self.cut_sources = cut_sources if cut_sources is not None else CutSources()
        self.cut: list[Problem] = []
        self._names = point_names(self.layout)
        self._seq: int | None = None
        self._values: Mapping[str, Any] = {}
        self._facts: Facts | None = None
        self._version = 0            # grows whenever the facts change
        self._reader: _Reader | None = None
        self._silence = np.full(len(self._names), FLOOR_DB)
        # the last reading and what it found
        self._frame: MeterFrame | None = None
        self._read = (-1, frozenset())  # (facts version, settling) of that reading
        self._decided: tuple[int, bytes] | None = None
        self._cut_read: tuple[tuple[int, bytes], frozenset[str]] | None = None  # what ``cut`` was looked at with
        self._quoted = np.zeros(0, dtype=np.intp)
        self._quoted_holds = b""
        self.found: list[Problem] = []

    def look(self, now: float) -> list[Problem]:
        """The problems now (without the xruns, which the monitor counts): the same list object as the last
        look's when nothing it depends on changed."""
        self._follow(now)
        settling = self.settling.at(now)
        frame = self.control.meter_frame()
        if frame is self._frame and self._read == (self._version, settling):
            return self.found
        self._frame, self._read = frame, (self._version, settling)
        holds = self._holds(frame, settling)
        decided = (self._version, decisions(self._facts, holds))
        if (decided, settling) != self._cut_read:
            # What the mixes had moves only with the facts, the signal decisions and the settling strips (fed
            # the same again, it stays as it is): looked at only when one of them moved.
            self._cut_read = (decided, settling)
            self.cut = self.cut_sources.look(self._facts, holds, self._values, settling)
        if decided == self._decided and holds[self._quoted].tobytes() == self._quoted_holds:
            return self.found  # the same problems, quoting the same levels (to the sign of a zero)
        self.found, quoted = evaluate(self._facts, holds)
        self._decided = decided
        self._quoted = np.array(quoted, dtype=np.intp)
        self._quoted_holds = holds[self._quoted].tobytes()
        return self.found

    # -- internals --------------------------------------------------------------------------------

    def _follow(self, now: float) -> None:
        """Bring the facts up to the state and the connections (and mark what changed as settling)."""
        # The connections are asked for at every look: nothing tells of their changes. Their answer is
        # short (one entry a port); only a different one redoes the facts.
        ports = self.control.ports()
        changed: list[str] = []
        if self.control.seq != self._seq:
            seq, values = self.control.state()
            if self._facts is not None:
                changed = changed_addresses(self._values, values)
                self.settling.mark(changed, now)
            self._values, self._seq = values, seq
        if self._facts is None or ports != self._facts.ports:
            self._facts = Facts(self.layout, self._values, ports)
        elif changed:
            self._facts.update(self._values, changed)
        else:
            return
        self._version += 1

    def _holds(self, frame: MeterFrame | None, settling: frozenset[str]) -> np.ndarray:
        if frame is None:
            return self._silence
        if self._reader is None or self._reader.meters is not frame.layout:
            self._reader = _Reader(self._names, frame.layout)
        return self._reader.holds(frame, settling)
