"""Loudness and true peak on the control side (ITU-R BS.1770-4; EBU R 128 momentary and short-term).

The audio thread (ext/dsp_loudness.c) only filters and accumulates: per block and channel it yields the
sum of squares of the K-weighted signal and the largest magnitude of the 4x oversampled signal. This
module designs what that code needs for the running sample rate (`kweight_coefs`, `truepeak_taps`) and
turns its per-block figures into readings (`Loudness`, `lufs`, `dbtp`).

K-weighting. BS.1770 gives the two biquads only at 48 kHz. Each is the prewarped bilinear transform of an
analog prototype, which is recovered here from the standard's own table (the same prototype libebur128
and pyloudnorm's "DeMan" filter hard-code) and transformed again for any rate. One difference from
libebur128: the standard's high-pass numerator [1, -2, 1] carries a passband gain of +0.043 dB at
48 kHz that belongs to the prototype, so it is kept constant instead of drifting with the rate
(+0.047 dB at 44.1 kHz, +0.022 dB at 96 kHz in libebur128). That keeps the response at 44.1-192 kHz
within 0.01 dB of the 48 kHz standard over 20 Hz-20 kHz.

True peak. 4 phases of 12 taps on a 4x grid that includes the original samples. Three phases are
weighted-minimax fractional delays (1/4, 1/2, 3/4 of a sample), the fourth is the original sample
itself. Spec: every interpolated point within 0.6 % of band-limited interpolation (complex error:
+-0.05 dB in level, +-0.1 degree in phase) from DC to 0.30 fs (14.4 kHz at 48 kHz), and within 1.8 %
(+-0.16 dB, +-0.5 degree) up to 0.40 fs (19.2 kHz). Above that the phases roll off (-1.7 to -3.6 dB
at 0.45 fs), as 12 taps must: a real filter cannot delay by a fraction of a sample at fs/2, so "flat
to 0.45 fs" is reachable for the prototype low-pass but not for the interpolated points the peak is
read from. The grid holds the half-sample point, where clipped runs and the classic fs/4 sine have
their overs. Like any 4x meter it can under-read content near 0.4 fs by up to 0.44 dB (a crest can
fall 1/8 sample from the nearest grid point).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from functools import cache

import numpy as np

LUFS_OFFSET = -0.691
FLOOR_LUFS = -120.0
FLOOR_DBTP = -120.0
MOMENTARY_S = 0.4
SHORT_TERM_S = 3.0
WEIGHT_FRONT = 1.0  # L, R, C and mono
WEIGHT_SURROUND = 1.41

TP_PHASES = 4
TP_TAPS = 12
TP_PASSBAND = 0.40  # of the sample rate: the band the interpolation spec covers
TP_KNEE = 0.30  # below this the spec is tighter
TP_EMPHASIS = 3.0  # design weight of the band below TP_KNEE
TP_MAX_ERROR_KNEE = 0.006  # complex error of each interpolated point up to TP_KNEE (0.05 dB, 0.1°)
TP_MAX_ERROR = 0.018  # ... and up to TP_PASSBAND (0.16 dB, 0.5°)
TP_DELAY = (TP_TAPS - 2) // 2  # 5: input delay of the phase that is the original sample

# ITU-R BS.1770-4, table 1 (pre-filter, a high shelf) and table 2 (RLB high-pass), both at 48 kHz.
STANDARD_RATE = 48000
SHELF_48K = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
HIGHPASS_48K = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


# ---- K-weighting ----------------------------------------------------------------------------------

def _unwarp(a1: float, a2: float, fs: float) -> tuple[float, float, float]:
    """Corner frequency and Q of the analog poles behind a prewarped bilinear biquad, and its
    normaliser D = 1 + K/Q + K^2 (K = tan(pi f0 / fs)).

    The transform gives D (1 + a1 + a2) = 4 K^2, D (1 - a1 + a2) = 4 and D (1 - a2) = 2 K / Q.
    """
    k = math.sqrt((1.0 + a1 + a2) / (1.0 - a1 + a2))
    d = 4.0 / (1.0 - a1 + a2)
    q = 2.0 * k / (d * (1.0 - a2))
    return fs / math.pi * math.atan(k), q, d


@cache
def kweight_prototype() -> dict[str, float]:
    """The analog prototypes of both stages, recovered from the 48 kHz table.

    Shelf: H(s) = (vh s^2 + vb (w0/q) s + w0^2) / (s^2 + (w0/q) s + w0^2), w0 = 2 pi f0.
    High-pass: H(s) = gain s^2 / (s^2 + (w0/q) s + w0^2).
    """
    (b0, _, b2), (_, a1, a2) = SHELF_48K
    f0, q, d = _unwarp(a1, a2, STANDARD_RATE)
    k = math.tan(math.pi * f0 / STANDARD_RATE)
    vh = d * (b0 + b2) / 2.0 - k * k
    vb = d * (b0 - b2) / 2.0 * q / k
    (hb0, _, _), (_, ha1, ha2) = HIGHPASS_48K
    hf0, hq, hd = _unwarp(ha1, ha2, STANDARD_RATE)
    return {"shelf_f0": f0, "shelf_q": q, "shelf_vh": vh, "shelf_vb": vb,
            "hp_f0": hf0, "hp_q": hq, "hp_gain": hb0 * hd}


def kweight_coefs(sample_rate: float) -> list[float]:
    """The two K-weighting biquads for ``sample_rate`` as 10 floats: b0 b1 b2 a1 a2 of the shelf, then
    of the high-pass (a0 = 1), in the order ``mix_kweight_init`` takes them."""
    fs = float(sample_rate)
    if not 8000.0 <= fs <= 768000.0:
        raise ValueError(f"sample rate {sample_rate} Hz is outside 8000…768000 Hz")
    p = kweight_prototype()

    k = math.tan(math.pi * p["shelf_f0"] / fs)
    q, vh, vb = p["shelf_q"], p["shelf_vh"], p["shelf_vb"]
    d = 1.0 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / d, 2.0 * (k * k - vh) / d, (vh - vb * k / q + k * k) / d,
             2.0 * (k * k - 1.0) / d, (1.0 - k / q + k * k) / d]

    k = math.tan(math.pi * p["hp_f0"] / fs)
    q, g = p["hp_q"], p["hp_gain"]
    d = 1.0 + k / q + k * k
    highpass = [g / d, -2.0 * g / d, g / d, 2.0 * (k * k - 1.0) / d, (1.0 - k / q + k * k) / d]
    return shelf + highpass


# ---- true peak ------------------------------------------------------------------------------------

def _fractional_delay(delay: float, iterations: int = 400, grid: int = 600) -> np.ndarray:
    """TP_TAPS-tap filter approximating a delay of ``delay`` samples from DC to TP_PASSBAND, exact at
    DC (taps summing to 1), in the weighted minimax sense: error weighted TP_EMPHASIS times more up to
    TP_KNEE, where programme and test tones live, than towards the band edge.

    Lawson's algorithm: weighted least squares on the complex error, each point's weight multiplied by
    its weighted error until that error is level. Each step solves the 12 x 12 normal equations with
    the DC constraint as a Lagrange row.
    """
    f = np.linspace(0.0, TP_PASSBAND, grid)
    emphasis = np.where(f <= TP_KNEE, TP_EMPHASIS, 1.0)
    basis = np.exp(-2j * np.pi * np.outer(f, np.arange(TP_TAPS)))
    target = np.exp(-2j * np.pi * f * delay)
    weight = np.full(grid, 1.0 / grid)
    kkt = np.zeros((TP_TAPS + 1, TP_TAPS + 1))
    kkt[:TP_TAPS, TP_TAPS] = kkt[TP_TAPS, :TP_TAPS] = 1.0
    rhs = np.zeros(TP_TAPS + 1)
    rhs[TP_TAPS] = 1.0
    taps = np.zeros(TP_TAPS)
    for _ in range(iterations):
        weighted = basis.conj().T * (weight * emphasis**2)
        kkt[:TP_TAPS, :TP_TAPS] = (weighted @ basis).real
        rhs[:TP_TAPS] = (weighted @ target).real
        taps = np.linalg.solve(kkt, rhs)[:TP_TAPS]
        weight = weight * np.abs(basis @ taps - target) * emphasis
        weight /= weight.sum()
    return taps


@cache
def _truepeak_taps() -> tuple[float, ...]:
    # Phase p at input index m is the signal at m - 5.75 + p/4: delays 5.75, 5.5, 5.25 and 5 (the
    # original sample, TP_DELAY). Mirroring phase 0 into phase 2 keeps the whole filter linear-phase.
    centre = (TP_TAPS - 1) / 2.0
    p0 = _fractional_delay(centre + 0.25)
    p1 = _fractional_delay(centre)
    p1 = (p1 + p1[::-1]) / 2.0  # symmetric in exact arithmetic; remove rounding asymmetry
    p3 = np.zeros(TP_TAPS)
    p3[TP_DELAY] = 1.0
    return tuple(float(v) for v in np.concatenate([p0, p1, p0[::-1], p3]))


def truepeak_taps() -> list[float]:
    """The 48 phase-major taps for ``mix_truepeak_run`` (phase p, tap k applies to x[m - k]).

    Independent of the sample rate: the spec (see the module docstring) scales with it.
    """
    return list(_truepeak_taps())


# ---- readings -------------------------------------------------------------------------------------

def lufs(weighted_mean_square: float) -> float:
    """-0.691 + 10 log10(sum over channels of G * mean square); silence reads FLOOR_LUFS."""
    if not weighted_mean_square > 0.0:
        return FLOOR_LUFS
    return max(LUFS_OFFSET + 10.0 * math.log10(weighted_mean_square), FLOOR_LUFS)


def dbtp(peak):
    """True peak (linear, a number or an array) → dBTP, silence reading FLOOR_DBTP."""
    with np.errstate(divide="ignore"):
        db = np.maximum(20.0 * np.log10(np.maximum(np.asarray(peak, dtype=np.float64), 0.0)), FLOOR_DBTP)
    return float(db) if np.ndim(db) == 0 else db


class Loudness:
    """Momentary (400 ms) and short-term (3 s) loudness of one programme (a bus or the main).

    Feed it what the audio thread measures, oldest first: per block, the K-weighted sum of squares of
    each channel and the block's length in frames (optionally its true peak per channel). Windows are
    counted in samples, not wall time; a block straddling a window's start counts pro rata. Before a
    window has filled, the missing time counts as silence, as on a meter just reset.

    ``weights`` are the BS.1770 channel weights G, one per channel: 1.0 for L, R, C and mono,
    WEIGHT_SURROUND (1.41) for surround channels.
    """

    def __init__(self, sample_rate: int, weights=(WEIGHT_FRONT, WEIGHT_FRONT)):
        self.weights = np.asarray(weights, dtype=np.float64).ravel()
        if self.weights.size == 0 or np.any(self.weights < 0.0):
            raise ValueError("one non-negative weight per channel")
        self.n_channels = int(self.weights.size)
        self._lock = threading.Lock()
        self.set_sample_rate(sample_rate)

    def set_sample_rate(self, sample_rate: int) -> None:
        """Window lengths for ``sample_rate``; also forgets the history."""
        if sample_rate <= 0:
            raise ValueError("sample rate must be positive")
        self.sample_rate = int(sample_rate)
        self.momentary_frames = round(MOMENTARY_S * sample_rate)
        self.short_term_frames = round(SHORT_TERM_S * sample_rate)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._blocks: deque[tuple[int, float]] = deque()  # (frames, sum over channels of G * sumsq)
            self._covered = 0
            self._peak = np.zeros(self.n_channels)

    def add(self, sumsq, frames, peak=None) -> None:
        """Append one block (``sumsq`` shape (channels,), ``frames`` an int) or several (``sumsq`` shape
        (blocks, channels), ``frames`` shape (blocks,)). ``peak``: true peak (linear), same shape as
        ``sumsq``. A non-finite sum, which only a fault upstream produces, counts as silence."""
        s = np.asarray(sumsq, dtype=np.float64).reshape(-1, self.n_channels)
        f = np.asarray(frames, dtype=np.int64).reshape(-1)
        if f.shape[0] != s.shape[0]:
            raise ValueError(f"{s.shape[0]} blocks of sums but {f.shape[0]} frame counts")
        if np.any(f < 0):
            raise ValueError("frame counts must be ≥ 0")
        energy = np.where(np.isfinite(s), s, 0.0) @ self.weights
        with self._lock:
            for n, e in zip(f.tolist(), energy.tolist()):
                if n:
                    self._blocks.append((n, e))
                    self._covered += n
            # Keep just enough history for the short-term window.
            while self._blocks and self._covered - self._blocks[0][0] >= self.short_term_frames:
                self._covered -= self._blocks.popleft()[0]
            if peak is not None:
                p = np.asarray(peak, dtype=np.float64).reshape(-1, self.n_channels)
                np.fmax(self._peak, np.nanmax(p, axis=0, initial=0.0), out=self._peak)

    def _window(self, length: int) -> float:
        """Sum over channels of G * mean square over the newest ``length`` frames (lock held)."""
        energy, need = 0.0, length
        for n, e in reversed(self._blocks):
            if n >= need:
                energy += e * need / n
                break
            energy += e
            need -= n
        return energy / length

    def momentary(self) -> float:
        """Loudness of the last 400 ms, LUFS."""
        with self._lock:
            return lufs(self._window(self.momentary_frames))

    def short_term(self) -> float:
        """Loudness of the last 3 s, LUFS."""
        with self._lock:
            return lufs(self._window(self.short_term_frames))

    def true_peak(self) -> np.ndarray:
        """Largest true peak per channel since the last reset, dBTP."""
        with self._lock:
            return dbtp(self._peak.copy())

    def readings(self) -> dict:
        """Momentary and short-term LUFS and the maximum true peak (dBTP, over all channels)."""
        with self._lock:
            m = lufs(self._window(self.momentary_frames))
            s = lufs(self._window(self.short_term_frames))
            tp = dbtp(float(self._peak.max()))
        return {"momentary": m, "short_term": s, "true_peak": tp}
