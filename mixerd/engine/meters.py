"""Meter ballistics on the control side: peak, peak hold, RMS and clip counts from the core's frames.

The audio thread publishes raw frames (peak, mean square, clipped samples) about 50 times a second;
this module keeps a short history of them and turns it into what a meter bridge shows. Windows are
measured in samples, not wall time, so the figures are exact whatever the reader's timing.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

FLOOR_DB = -120.0


def to_db(linear: np.ndarray) -> np.ndarray:
    """Amplitude → dBFS, with silence reported as the floor (−120) instead of −∞."""
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(np.maximum(linear, 0.0)), FLOOR_DB)


class MeterBallistics:
    """History of meter frames and the derived readings, for ``n_meters`` meter channels.

    ``peak`` is the highest sample over the last ``peak_ms``, ``hold`` over the last ``hold_ms``,
    ``rms`` the root mean square over the last ``rms_ms``; ``clips`` counts samples at or above
    full scale since start.
    """

    def __init__(self, n_meters: int, sample_rate: int, *, peak_ms: float = 50.0, rms_ms: float = 300.0,
                 hold_ms: float = 2000.0):
        self.n_meters = n_meters
        self._lock = threading.Lock()
        self._frames: deque[tuple[np.ndarray, np.ndarray, int]] = deque()
        self._clips = np.zeros(n_meters, dtype=np.int64)
        self.seq = 0
        self.set_sample_rate(sample_rate, peak_ms=peak_ms, rms_ms=rms_ms, hold_ms=hold_ms)

    def set_sample_rate(self, sample_rate: int, *, peak_ms: float = 50.0, rms_ms: float = 300.0,
                        hold_ms: float = 2000.0) -> None:
        self._peak_len = int(sample_rate * peak_ms / 1000)
        self._rms_len = int(sample_rate * rms_ms / 1000)
        self._hold_len = int(sample_rate * hold_ms / 1000)

    def add(self, peak: np.ndarray, ms: np.ndarray, clips: np.ndarray, frames: np.ndarray) -> None:
        """Append frames as returned by ``Core.read_meters()`` (oldest first)."""
        if len(frames) == 0:
            return
        with self._lock:
            for i in range(len(frames)):
                self._frames.append((peak[i].copy(), ms[i].copy(), int(frames[i])))
            self._clips += clips.sum(axis=0).astype(np.int64)
            self.seq += len(frames)
            # Keep just enough history for the longest window.
            total = sum(f[2] for f in self._frames)
            while self._frames and total - self._frames[0][2] >= self._hold_len:
                total -= self._frames.popleft()[2]

    def readings(self) -> dict[str, np.ndarray]:
        """Current peak, hold and RMS in dBFS and the clip counts, one entry per meter channel."""
        n = self.n_meters
        peak = np.zeros(n, dtype=np.float32)
        hold = np.zeros(n, dtype=np.float32)
        energy = np.zeros(n, dtype=np.float64)
        with self._lock:
            covered = rms_covered = 0
            for fpeak, fms, count in reversed(self._frames):
                if covered < self._peak_len:
                    np.maximum(peak, fpeak, out=peak)
                if rms_covered < self._rms_len:
                    energy += fms.astype(np.float64) * count
                    rms_covered += count
                np.maximum(hold, fpeak, out=hold)
                covered += count
            clips = self._clips.copy()
            seq = self.seq
        rms = np.sqrt(energy / rms_covered) if rms_covered else np.zeros(n)
        return {"peak": to_db(peak), "hold": to_db(hold), "rms": to_db(rms), "clips": clips, "seq": seq}
