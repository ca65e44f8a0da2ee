"""Loudness for Home Assistant, sparse: what ``{base}/loudness`` carries (no networking here).

Home Assistant's recorder keeps a row for every new state of every sensor. Loudness taken from the
meter messages (twice a second) made about 1.2 million rows a day from one mixer's seven strips, so the
loudness sensors read this topic instead: every ``interval`` seconds (``[mqtt] loudness_interval``,
default 30) the short-term loudness (LUFS, the last 3 s) of the main and every mix, rounded to 0.1 LU,
and published only when one of them changed. At the default that is at most 2,880 messages a day, so at
most 2,880 rows a day per sensor; a steady or silent mix adds none.
"""

from __future__ import annotations

import time
from typing import Callable

from mixerd.model.meters import MeterFrame

DECIMALS = 1  # 0.1 LU: finer than anyone hears a loudness change, coarse enough to stay put on a steady mix


def loudness_values(frame: MeterFrame | None) -> dict[str, float]:
    """Short-term loudness per strip (``main``, ``bus/B``) from a meter frame, rounded to 0.1 LU."""
    if frame is None:
        return {}
    return {p.name: round(float(frame.lufs_s[i]), DECIMALS)
            for i, p in enumerate(frame.layout.points) if p.master}


class LoudnessReport:
    """When to take the next loudness value and whether it is news. ``clock`` is monotonic seconds (tests
    drive it); ``take`` is called when ``due()``."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._next: float | None = None  # None: at once
        self._checked = 0.0  # the clock when due() last said yes
        self.sent: dict[str, float] | None = None

    def due(self) -> bool:
        if self.interval <= 0:
            return False
        now = self._clock()
        if self._next is not None and now < self._next:
            return False
        self._checked = now
        return True

    def take(self, frame: MeterFrame | None) -> dict[str, float] | None:
        """The values to publish now, or None (nothing measured, or nothing changed); the next one is
        due ``interval`` seconds after due() said yes."""
        # Counted from due(), not from now: the frame was read in between, and a clock that moved while it
        # was read (a driven clock in the tests, a stalled thread) must not push the next value a whole
        # interval further away.
        self._next = self._checked + self.interval
        values = loudness_values(frame)
        if not values or values == self.sent:
            return None
        self.sent = values
        return values
