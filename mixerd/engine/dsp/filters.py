"""Biquad coefficient design for the channel/bus EQ and the high-pass filter (control side).

Formulas are Robert Bristow-Johnson's Audio EQ Cookbook (bilinear transform with the frequency
pre-warped to the corner), normalised so a0 = 1. Results are ``(b0, b1, b2, a1, a2)`` tuples, the
layout of ``mix_bq_coefs_t`` in ext/dsp_biquad.h: y = b0 x + b1 x[-1] + b2 x[-2] - a1 y[-1] - a2 y[-2].
The realtime core only interpolates between ready coefficient sets; all trigonometry happens here.
"""

from __future__ import annotations

import math

Coefs = tuple[float, float, float, float, float]

KINDS: tuple[str, ...] = ("low-shelf", "peaking", "high-shelf", "low-cut", "high-cut")
IDENTITY: Coefs = (1.0, 0.0, 0.0, 0.0, 0.0)

FREQ_RANGE = (20.0, 20000.0)  # Hz
GAIN_RANGE = (-15.0, 15.0)  # dB
Q_RANGE = (0.3, 10.0)
FS_RANGE = (8000.0, 768000.0)  # Hz
HPF_SLOPES = (12, 24)  # dB/octave
# Corners are kept below 0.49 fs: at low sample rates 20 kHz would lie beyond Nyquist, and at
# w0 = pi the cookbook formulas degenerate (sin w0 = 0).
MAX_FREQ_FRACTION = 0.49

# Q of each 2nd-order section of an N-th order Butterworth filter: 1 / (2 cos((2k - 1) pi / (2N))).
_BUTTERWORTH_Q = {
    12: (1.0 / math.sqrt(2.0),),
    24: (1.0 / (2.0 * math.cos(math.pi / 8.0)), 1.0 / (2.0 * math.cos(3.0 * math.pi / 8.0))),
}


def _number(name: str, value, lo: float, hi: float, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not (lo <= v <= hi):  # also rejects NaN
        raise ValueError(f"{name} {value!r}{unit} is out of range: allowed {lo:g}…{hi:g}{unit}")
    return v


def _corner(freq, fs) -> tuple[float, float]:
    fs = _number("sample rate", fs, *FS_RANGE, " Hz")
    freq = _number("frequency", freq, *FREQ_RANGE, " Hz")
    return min(freq, MAX_FREQ_FRACTION * fs), fs


def _normalise(b0: float, b1: float, b2: float, a0: float, a1: float, a2: float) -> Coefs:
    return (b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0)


def design(kind: str, freq: float, gain_db: float, q: float, fs: float) -> Coefs:
    """Coefficients of one EQ band: ``kind`` in KINDS, corner/centre ``freq`` (Hz), ``gain_db``
    (shelves and peaking; ignored by the cuts), ``q`` (all kinds; shelves use the cookbook's Q form,
    the cuts are its 2nd-order HPF/LPF), sample rate ``fs``.

    Raises ValueError for an unknown kind or a value out of range (20 Hz–20 kHz, ±15 dB, Q 0.3–10).
    A frequency at or above 0.49 fs is lowered to 0.49 fs.
    """
    if kind not in KINDS:
        raise ValueError(f"filter kind {kind!r} is unknown: allowed {', '.join(KINDS)}")
    f0, fs = _corner(freq, fs)
    gain_db = _number("gain", gain_db, *GAIN_RANGE, " dB")
    q = _number("Q", q, *Q_RANGE)

    w0 = 2.0 * math.pi * f0 / fs
    cw, sw = math.cos(w0), math.sin(w0)
    alpha = sw / (2.0 * q)

    if kind == "low-cut":
        return _normalise((1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + alpha, -2 * cw, 1 - alpha)
    if kind == "high-cut":
        return _normalise((1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + alpha, -2 * cw, 1 - alpha)

    a = 10.0 ** (gain_db / 40.0)
    if kind == "peaking":
        return _normalise(1 + alpha * a, -2 * cw, 1 - alpha * a, 1 + alpha / a, -2 * cw, 1 - alpha / a)

    k = 2.0 * math.sqrt(a) * alpha
    if kind == "low-shelf":
        return _normalise(
            a * ((a + 1) - (a - 1) * cw + k),
            2 * a * ((a - 1) - (a + 1) * cw),
            a * ((a + 1) - (a - 1) * cw - k),
            (a + 1) + (a - 1) * cw + k,
            -2 * ((a - 1) + (a + 1) * cw),
            (a + 1) + (a - 1) * cw - k,
        )
    # high-shelf
    return _normalise(
        a * ((a + 1) + (a - 1) * cw + k),
        -2 * a * ((a - 1) + (a + 1) * cw),
        a * ((a + 1) + (a - 1) * cw - k),
        (a + 1) - (a - 1) * cw + k,
        2 * ((a - 1) - (a + 1) * cw),
        (a + 1) - (a - 1) * cw - k,
    )


def hpf(freq: float, slope_db: int, fs: float) -> list[Coefs]:
    """The channel high-pass filter as biquad sections: Butterworth, -3 dB at ``freq``.

    ``slope_db`` 12 (dB/octave): one 2nd-order section; 24: the two sections of a 4th-order
    Butterworth (the same response as ``scipy.signal.butter(4, freq, "highpass", fs=fs)``).
    """
    if isinstance(slope_db, bool) or slope_db not in HPF_SLOPES:
        raise ValueError(f"HPF slope {slope_db!r} dB/octave is not available: allowed "
                         f"{', '.join(str(s) for s in HPF_SLOPES)}")
    # Each Butterworth section is the cookbook's HPF at the same pre-warped corner with its own Q.
    return [design("low-cut", freq, 0.0, q, fs) for q in _BUTTERWORTH_Q[int(slope_db)]]
