"""Meter ballistics on the control side: peak, hold, RMS, clips, loudness, true peak, gain reduction.

The audio thread publishes raw frames about 50 times a second (per meter channel: peak, mean square,
clipped samples, K-weighted mean square, true peak; per dynamics stage: the largest gain reduction).
This module keeps a few seconds of them and turns them into what a meter bridge shows. Windows are
measured in samples, not wall time, so the figures are exact whatever the reader's timing.
"""

from __future__ import annotations

import threading
from collections import deque

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
    """History of meter frames for ``n_meters`` meter channels and ``n_gr`` gain-reduction points."""

    def __init__(self, n_meters: int, n_gr: int, sample_rate: int):
        self.n_meters = n_meters
        self.n_gr = n_gr
        self._lock = threading.Lock()
        self._frames: deque[tuple[np.ndarray, int]] = deque()
        self._clips = np.zeros(n_meters, dtype=np.int64)
        self.seq = 0
        self.set_sample_rate(sample_rate)

    def set_sample_rate(self, sample_rate: int) -> None:
        samples = lambda ms: int(sample_rate * ms / 1000)  # noqa: E731
        self._peak_len, self._rms_len, self._hold_len = samples(PEAK_MS), samples(RMS_MS), samples(HOLD_MS)
        self._m_len, self._s_len = samples(MOMENTARY_MS), samples(SHORT_TERM_MS)
        self._keep = max(self._hold_len, self._s_len)

    def add(self, data: np.ndarray, frames: np.ndarray) -> None:
        """Append frames as returned by ``Core.read_meters()`` (oldest first)."""
        if len(frames) == 0:
            return
        n = self.n_meters
        with self._lock:
            for i in range(len(frames)):
                self._frames.append((data[i].copy(), int(frames[i])))
            self._clips += data[:, 2 * n:3 * n].sum(axis=0).astype(np.int64)
            self.seq += len(frames)
            # Keep just enough history for the longest window.
            total = sum(f[1] for f in self._frames)
            while self._frames and total - self._frames[0][1] >= self._keep:
                total -= self._frames.popleft()[1]

    def readings(self) -> dict[str, np.ndarray | int]:
        """Per meter channel: peak, hold, rms, true_peak (dB), clips, and the K-weighted mean squares
        over the momentary and short-term windows (linear); per gain-reduction point: gr (dB)."""
        n, g = self.n_meters, self.n_gr
        peak = np.zeros(n, np.float32)
        hold = np.zeros(n, np.float32)
        tp = np.zeros(n, np.float32)
        gr = np.zeros(g, np.float32)
        sums = {"rms": np.zeros(n), "m": np.zeros(n), "s": np.zeros(n)}
        counts = {"rms": 0, "m": 0, "s": 0}
        lengths = {"rms": self._rms_len, "m": self._m_len, "s": self._s_len}
        with self._lock:
            covered = 0
            for data, count in reversed(self._frames):
                fpeak = data[:n]
                if covered < self._peak_len:
                    np.maximum(peak, fpeak, out=peak)
                    np.maximum(gr, data[FIELDS * n:FIELDS * n + g], out=gr)
                if covered < self._hold_len:
                    np.maximum(hold, fpeak, out=hold)
                    np.maximum(tp, data[4 * n:5 * n], out=tp)
                for key, field in (("rms", 1), ("m", 3), ("s", 3)):
                    if counts[key] < lengths[key]:
                        sums[key] += data[field * n:(field + 1) * n].astype(np.float64) * count
                        counts[key] += count
                covered += count
            clips = self._clips.copy()
            seq = self.seq
        mean = {k: sums[k] / counts[k] if counts[k] else np.zeros(n) for k in sums}
        return {"peak": to_db(peak), "hold": to_db(hold), "rms": to_db(np.sqrt(mean["rms"])),
                "true_peak": to_db(tp), "clips": clips, "k_momentary": mean["m"], "k_short": mean["s"],
                "gr": gr, "seq": seq}
