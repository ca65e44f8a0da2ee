"""Biquad coefficient design for the channel/bus EQ, the graphic EQ and the high-pass filter (control side).

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
        return _peaking(cw, alpha, a)

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


def _peaking(cw: float, alpha: float, a: float) -> Coefs:
    """The cookbook's peaking EQ from cos w0, alpha = sin w0 / (2 Q) and A = 10^(gain/40)."""
    return _normalise(1 + alpha * a, -2 * cw, 1 - alpha * a, 1 + alpha / a, -2 * cw, 1 - alpha / a)


# ---- the graphic EQ ------------------------------------------------------------------------------
# 31 bands a third of an octave apart, band 1 at 20 Hz, band 18 at 1 kHz, band 31 at 20 kHz: the exact
# base-10 midband frequencies of IEC 61260 (1 kHz · 10^(k/10)), whose rounded values are the ISO 266
# nominal centres the user sees (20, 25, 31.5 … 16k, 20k). Each band is the cookbook's peaking filter.
#
# Constant Q: every band has the same Q at every gain, so its width does not change as it is pulled, and
# that Q makes the band exactly one band-spacing wide (r = 10^0.1, a third of an octave) between its
# half-gain points (the cookbook's bandwidth: where the response is half the band's gain in dB):
#     Q = sqrt(r) / (r - 1) ≈ 4.33.
# So the half-gain points of neighbours meet halfway between their centres, at any setting: two neighbours
# at the same gain give that gain halfway between them (−15 dB each: −14.96 dB there) and 1.2–1.25 times
# it at their centres (−18.6 dB), the familiar interaction of constant-Q graphics; a lone band cut to ring out
# a feedback tone reaches −3.6 dB at the next centre and −1.2 dB two bands away (at −15 dB; at −6 dB: −1.2 and
# −0.35). A proportional-Q design would be wide at small gains and narrow at large ones; a graphic's faders
# read best when each moves a fixed slice. tests/engine/dsp/test_geq.py measures these figures.
GEQ_BANDS = 31
GEQ_REFERENCE_BAND = 18  # the 1 kHz band
GEQ_RATIO = 10.0 ** 0.1  # centre to centre: a third of an octave (base 10)
GEQ_Q = math.sqrt(GEQ_RATIO) / (GEQ_RATIO - 1.0)
GEQ_GAIN_RANGE = GAIN_RANGE


def geq_centre(band: int) -> float:
    """Exact centre (Hz) of graphic EQ band ``band`` (1…31): 1 kHz · 10^((band − 18) / 10)."""
    if isinstance(band, bool) or not isinstance(band, int) or not 1 <= band <= GEQ_BANDS:
        raise ValueError(f"graphic EQ band {band!r} does not exist: allowed 1…{GEQ_BANDS}")
    return 1000.0 * GEQ_RATIO ** (band - GEQ_REFERENCE_BAND)


def geq_band(band: int, gain_db: float, fs: float) -> Coefs:
    """Coefficients of graphic EQ band ``band`` (1…31) at ``gain_db`` (±15 dB) for sample rate ``fs``.

    A flat band (0 dB) is exactly IDENTITY, which the core skips: an unused band costs nothing. So is a band
    whose centre lies at or above 0.49 fs (only below 44.1 kHz: the 20 kHz band at 32 kHz), which the rate
    cannot carry; lowering it onto its neighbours as the parametric EQ does would stack their gains.
    """
    f0 = geq_centre(band)
    gain_db = _number("gain", gain_db, *GEQ_GAIN_RANGE, " dB")
    fs = _number("sample rate", fs, *FS_RANGE, " Hz")
    if gain_db == 0.0 or f0 >= MAX_FREQ_FRACTION * fs:
        return IDENTITY
    w0 = 2.0 * math.pi * f0 / fs
    return _peaking(math.cos(w0), math.sin(w0) / (2.0 * GEQ_Q), 10.0 ** (gain_db / 40.0))


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
