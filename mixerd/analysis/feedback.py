"""The feedback finder's ear: a howl in a mix's power spectra (``rta.Spectra``).

Feedback is a tone the loop builds by itself: one narrow peak far above the spectrum around it that stays at
the same frequency. Music has peaks too, but they move, end, or sit among others; a held note or a test tone
stays put, and tells itself from feedback only by not growing. So a peak is a *candidate* when it is a local
maximum at least ``prominence_db`` above the median of the spectrum within a third of an octave each side, above
``floor_db``, between 60 Hz and 16 kHz, and not ``masked_db`` below a stronger peak within a third of an octave
(a howl's skirt and the loop's weaker modes beside it: inaudible next to it, gone with it); a candidate is *tracked* from spectrum to spectrum while it stays within
one bin; and a track is a *howl* once it has lasted ``hold_s`` (present in most of its spectra) and —

* while ringing out (``ringing_out``: the engineer drives the wedges into feedback on purpose): at once;
* always on: only once it has grown by ``growth_db`` since it was first seen (what a held note or a tone does
  not), and a howl that is limited (a limiter holds it) stays one while it lasts.

A howl's frequency is the peak bin refined by a parabola through its neighbours (log magnitudes): well within
a sixth of an octave at any frequency the finder looks at. A howl ends when its track is gone ``gone_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LOW_HZ, HIGH_HZ = 60.0, 16000.0


@dataclass(frozen=True)
class Howl:
    """A howl found: its frequency (Hz), its level now (dBFS) and when it began (the finder's clock, s)."""

    freq: float
    level_db: float
    since: float


@dataclass
class _Track:
    bin: float
    first: float
    last: float
    first_db: float
    peak_db: float
    level_db: float
    seen: int = 1
    frames: int = 1
    howling: bool = False
    freqs: list[float] = field(default_factory=list)


class FeedbackDetector:
    """Feed it power spectra of one mix (``feed``); it says which howls sound now."""

    def __init__(self, rate: float, n_fft: int, *, ringing_out: bool = False, prominence_db: float = 20.0,
                 floor_db: float = -60.0, hold_s: float = 0.4, growth_db: float = 6.0, gone_s: float = 0.3,
                 masked_db: float = 30.0):
        self.rate, self.n_fft = rate, n_fft
        self.ringing_out = ringing_out
        self.prominence_db, self.floor_db = prominence_db, floor_db
        self.hold_s, self.growth_db, self.gone_s = hold_s, growth_db, gone_s
        self.masked_db = masked_db
        spacing = rate / n_fft
        self._lo, self._hi = int(np.ceil(LOW_HZ / spacing)), int(min(HIGH_HZ / spacing, n_fft // 2 - 2))
        self._tracks: list[_Track] = []

    def feed(self, power: np.ndarray, now: float) -> list[Howl]:
        """One power spectrum (bins summing to the mean square) taken at ``now`` (seconds): the howls now."""
        db = 10.0 * np.log10(np.maximum(power, 1e-30) * 2.0)  # a full-scale sine's bins peak near 0 dB
        found = self._candidates(db)
        for track in self._tracks:
            track.frames += 1
        for k, level in found:
            track = next((t for t in self._tracks if abs(t.bin - k) <= 1.5), None)
            if track is None:
                self._tracks.append(_Track(k, now, now, level, level, level, freqs=[self._freq(db, k)]))
                continue
            track.bin, track.last, track.level_db, track.seen = k, now, level, track.seen + 1
            track.peak_db = max(track.peak_db, level)
            track.freqs = (track.freqs + [self._freq(db, k)])[-8:]
        self._tracks = [t for t in self._tracks if now - t.last <= self.gone_s]
        howls = []
        for t in self._tracks:
            if not t.howling and now - t.first >= self.hold_s and t.seen >= 0.7 * t.frames:
                t.howling = self.ringing_out or t.peak_db - t.first_db >= self.growth_db
            if t.howling and t.last == now:
                howls.append(Howl(float(np.median(t.freqs)), t.level_db, t.first))
        return howls

    def _candidates(self, db: np.ndarray) -> list[tuple[int, float]]:
        """(bin, level) of each peak that stands out enough, the strongest first, at most 8."""
        lo, hi = self._lo, self._hi
        inner = db[lo:hi]
        peaks = np.flatnonzero((inner > db[lo - 1:hi - 1]) & (inner >= db[lo + 1:hi + 1])
                               & (inner > self.floor_db)) + lo
        out = []
        for k in peaks[np.argsort(db[peaks])[::-1]][:32]:
            span = max(8, int(k * (2 ** (1 / 3) - 1)))  # a third of an octave each side, at least 8 bins
            around = np.median(db[max(1, k - span):k + span + 1])
            masked = any(abs(np.log2(k / j)) <= 1 / 3 and level - db[k] > self.masked_db for j, level in out)
            if db[k] - around >= self.prominence_db and not masked:
                out.append((int(k), float(db[k])))
            if len(out) == 8:
                break
        return out

    def _freq(self, db: np.ndarray, k: int) -> float:
        """Bin ``k``'s peak refined by a parabola through it and its neighbours."""
        a, b, c = db[k - 1], db[k], db[k + 1]
        denominator = a - 2 * b + c
        delta = 0.0 if denominator == 0 else 0.5 * (a - c) / denominator
        return (k + max(-0.5, min(0.5, delta))) * self.rate / self.n_fft
