"""Meter ballistics on the control side: peak, hold, RMS, clips, loudness, true peak, gain reduction.

The audio thread publishes raw frames about 50 times a second (per meter channel: peak, mean square,
clipped samples, K-weighted mean square, true peak; per dynamics stage: the largest gain reduction).
This module keeps a few seconds of them and turns them into what a meter bridge shows, for all meter
channels at once (numpy over a ring of frames: no per-point Python on this path). Windows are
measured in samples, not wall time, so the figures are exact whatever the reader's timing.
"""

from __future__ import annotations

import threading

import numpy as np

FLOOR_DB = -120.0
FIELDS = 5  # peak, mean square, clips, K-weighted mean square, true peak (mixcore.h MIX_MF_*)
PEAK_MS, RMS_MS, HOLD_MS = 50.0, 300.0, 2000.0
MOMENTARY_MS, SHORT_TERM_MS = 400.0, 3000.0  # ITU-R BS.1770-4 / EBU R128 windows


def to_db(linear: np.ndarray) -> np.ndarray:
    """Amplitude → dBFS, with silence reported as the floor (−120) instead of −∞."""
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(np.maximum(linear, 0.0)), FLOOR_DB)


def power_to_lufs(power: np.ndarray) -> np.ndarray:
    """BS.1770 loudness of a summed K-weighted mean square: −0.691 + 10·log10(Σ G·z), floor −120."""
    with np.errstate(divide="ignore"):
        return np.maximum(-0.691 + 10.0 * np.log10(np.maximum(power, 0.0)), FLOOR_DB)


class MeterBallistics:
    """The last few seconds of core meter frames for ``n_meters`` meter channels and ``n_gr``
    gain-reduction points, in a fixed ring of ``slots`` rows (no allocation per frame), and the readings
    over them computed with array operations."""

    def __init__(self, n_meters: int, n_gr: int, sample_rate: int, slots: int = 256):
        self.n_meters = n_meters
        self.n_gr = n_gr
        self._lock = threading.Lock()
        self._data = np.zeros((slots, FIELDS * n_meters + n_gr), dtype=np.float32)
        self._counts = np.zeros(slots, dtype=np.int64)  # samples each row covers
        self._clips = np.zeros(n_meters, dtype=np.int64)
        self.seq = 0  # frames taken in so far; the newest is row (seq - 1) % slots
        #: the meter channels whose loudness (K-weighted means) is read; the others read 0
        self.loudness_channels = np.arange(n_meters)
        self.set_sample_rate(sample_rate)

    def set_sample_rate(self, sample_rate: int) -> None:
        samples = lambda ms: int(sample_rate * ms / 1000)  # noqa: E731
        self._peak_len, self._rms_len, self._hold_len = samples(PEAK_MS), samples(RMS_MS), samples(HOLD_MS)
        self._m_len, self._s_len = samples(MOMENTARY_MS), samples(SHORT_TERM_MS)

    def add(self, data: np.ndarray, frames: np.ndarray) -> None:
        """Append frames as returned by ``Core.read_meters()`` (oldest first)."""
        k = len(frames)
        if k == 0:
            return
        n, slots = self.n_meters, len(self._counts)
        with self._lock:
            rows = (self.seq + np.arange(k)) % slots
            self._data[rows] = data[:k]
            self._counts[rows] = frames[:k]
            self._clips += data[:k, 2 * n:3 * n].sum(axis=0).astype(np.int64)
            self.seq += k

    def readings(self) -> dict[str, np.ndarray | int]:
        """Per meter channel: peak, hold, rms, true_peak (dB), clips, and the K-weighted mean squares
        over the momentary and short-term windows (linear; ``loudness_channels`` only); per
        gain-reduction point: gr (dB).

        A window takes the newest frames until it covers its length (the frame that crosses the
        length counts whole), measured in samples, so the figures do not depend on the reader's timing."""
        n, g = self.n_meters, self.n_gr
        slots = len(self._counts)
        loud = self.loudness_channels
        with self._lock:
            have = min(self.seq, slots)
            rows = (self.seq - 1 - np.arange(have)) % slots  # newest first
            counts = self._counts[rows]
            before = np.cumsum(counts) - counts  # samples covered by the newer frames
            taken = lambda length: int(np.searchsorted(before, length, side="left"))  # noqa: E731
            m_peak, m_hold, m_rms = taken(self._peak_len), taken(self._hold_len), taken(self._rms_len)
            m_m, m_s = taken(self._m_len), taken(self._s_len)
            # Copy only the fields each window reads (a row holds every field of every channel).
            data = self._data
            peaks = data[rows[:m_hold], 0:n]
            true_peaks = data[rows[:m_hold], 4 * n:5 * n]
            squares = data[rows[:m_rms], n:2 * n]
            k_squares = data[rows[:max(m_m, m_s)], 3 * n:4 * n][:, loud]
            gr = data[rows[:m_peak], FIELDS * n:FIELDS * n + g]
            clips = self._clips.copy()
            seq = self.seq

        def peak_of(block: np.ndarray, m: int, width: int) -> np.ndarray:
            return block[:m].max(axis=0) if m else np.zeros(width, np.float32)

        def mean_of(block: np.ndarray, m: int, width: int) -> np.ndarray:
            if not m:
                return np.zeros(width)
            w = counts[:m].astype(np.float64)
            return np.dot(w / w.sum(), block[:m])  # weighted by the samples each frame covers

        k_momentary, k_short = np.zeros(n), np.zeros(n)
        k_momentary[loud] = mean_of(k_squares, m_m, len(loud))
        k_short[loud] = mean_of(k_squares, m_s, len(loud))
        return {"peak": to_db(peak_of(peaks, m_peak, n)), "hold": to_db(peak_of(peaks, m_hold, n)),
                "rms": to_db(np.sqrt(mean_of(squares, m_rms, n))), "true_peak": to_db(peak_of(true_peaks, m_hold, n)),
                "clips": clips, "k_momentary": k_momentary, "k_short": k_short, "gr": peak_of(gr, m_peak, g),
                "seq": seq}
