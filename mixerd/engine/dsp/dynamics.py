"""Dynamics on the control side: gate/expander, compressor and limiter parameters for ext/dsp_dynamics.c.

The realtime kernels take ready numbers; this module validates the user-facing values and turns them
into those numbers, in the field order of the C parameter structs (ext/dsp_dynamics.h).

Time constants. Every attack, release and hold time ``t`` becomes a one-pole coefficient

    coef = exp(-1 / (t * fs))

so that after a step the smoothed value has covered 1 - 1/e (63.2 %) of its way after ``t`` seconds
(86.5 % after 2t, 95 % after 3t). The compressor smooths its gain reduction in dB, the gate and the
limiter their linear gain. The limiter has no attack time: it reaches the required gain on the sample.

Compressor. The static curve is the soft-knee gain computer of Giannoulis, Massberg & Reiss,
"Digital dynamic range compressor design — a tutorial and analysis", JAES 60(6), 2012 (`comp_curve`).
The level is that of the instantaneous sample, and the gain reduction follows it through their
smooth-branching detector (attack coefficient while the reduction grows, release while it shrinks).
On a steady tone the output peak therefore settles on the curve at the input peak when the attack
is fast against the period and the release slow.
"""

from __future__ import annotations

import math

THRESHOLD_DB = (-60.0, 0.0)
GATE_THRESHOLD_DB = (-90.0, 0.0)
RATIO = (1.0, 20.0)
KNEE_DB = (0.0, 24.0)
ATTACK_MS = (0.05, 200.0)
GATE_ATTACK_MS = (0.05, 100.0)
RELEASE_MS = (5.0, 2000.0)
HOLD_MS = (0.0, 2000.0)
RANGE_DB = (-90.0, 0.0)
MAKEUP_DB = (0.0, 24.0)
LIMITER_THRESHOLD_DB = (-30.0, 0.0)
SAMPLE_RATE = (8000.0, 384000.0)


def _check(name: str, value: float, bounds: tuple[float, float], unit: str) -> float:
    lo, hi = bounds
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not (lo <= v <= hi):  # also rejects NaN
        raise ValueError(f"{name} must be within {lo:g}…{hi:g} {unit}, got {value!r}")
    return v


def time_coef(time_ms: float, fs: float) -> float:
    """One-pole coefficient exp(−1/(t·fs)) for a time constant of ``time_ms``: a step covers 63.2 % in t."""
    return math.exp(-1.0 / (time_ms * 1e-3 * fs))


def db_to_lin(db: float) -> float:
    return 10.0 ** (db / 20.0)


def gate_params(threshold_db: float, range_db: float, attack_ms: float, hold_ms: float, release_ms: float,
                fs: float) -> tuple[float, float, float, float, float]:
    """Gate/expander → (threshold_db, range_db, attack_coef, release_coef, hold_samples).

    The gate opens on any sample whose magnitude is above ``threshold_db`` (dBFS), stays open for
    ``hold_ms`` after the last such sample, then closes to ``range_db`` (−90: a gate, −10: an expander
    that lowers quiet signal by 10 dB). Threshold −90…0 dB, range −90…0 dB, attack 0.05…100 ms,
    hold 0…2000 ms, release 5…2000 ms.
    """
    fs = _check("sample rate", fs, SAMPLE_RATE, "Hz")
    threshold_db = _check("gate threshold", threshold_db, GATE_THRESHOLD_DB, "dB")
    range_db = _check("gate range", range_db, RANGE_DB, "dB")
    attack_ms = _check("gate attack", attack_ms, GATE_ATTACK_MS, "ms")
    hold_ms = _check("gate hold", hold_ms, HOLD_MS, "ms")
    release_ms = _check("gate release", release_ms, RELEASE_MS, "ms")
    return (threshold_db, range_db, time_coef(attack_ms, fs), time_coef(release_ms, fs),
            float(round(hold_ms * 1e-3 * fs)))


def comp_params(threshold_db: float, ratio: float, knee_db: float, attack_ms: float, release_ms: float,
                makeup_db: float, fs: float) -> tuple[float, float, float, float, float, float]:
    """Compressor → (threshold_db, ratio, knee_db, attack_coef, release_coef, makeup_db).

    Threshold −60…0 dB, ratio 1…20, knee 0…24 dB (full width, centred on the threshold), attack
    0.05…200 ms, release 5…2000 ms, makeup 0…24 dB.
    """
    fs = _check("sample rate", fs, SAMPLE_RATE, "Hz")
    threshold_db = _check("compressor threshold", threshold_db, THRESHOLD_DB, "dB")
    ratio = _check("compressor ratio", ratio, RATIO, ":1")
    knee_db = _check("compressor knee", knee_db, KNEE_DB, "dB")
    attack_ms = _check("compressor attack", attack_ms, ATTACK_MS, "ms")
    release_ms = _check("compressor release", release_ms, RELEASE_MS, "ms")
    makeup_db = _check("compressor makeup", makeup_db, MAKEUP_DB, "dB")
    return (threshold_db, ratio, knee_db, time_coef(attack_ms, fs), time_coef(release_ms, fs), makeup_db)


def limiter_params(threshold_db: float, release_ms: float, fs: float) -> tuple[float, float]:
    """Peak limiter → (threshold_lin, release_coef). Threshold −30…0 dBFS, release 5…2000 ms."""
    fs = _check("sample rate", fs, SAMPLE_RATE, "Hz")
    threshold_db = _check("limiter threshold", threshold_db, LIMITER_THRESHOLD_DB, "dB")
    release_ms = _check("limiter release", release_ms, RELEASE_MS, "ms")
    return (db_to_lin(threshold_db), time_coef(release_ms, fs))


def comp_curve(level_db: float, threshold_db: float, ratio: float, knee_db: float) -> float:
    """Static compressor curve, dB in → dB out before makeup (Giannoulis et al. 2012, eq. 4).

    With d = level − threshold and knee width W: below the knee (2d < −W) the level passes; inside it
    (2|d| ≤ W) out = level + (1/R − 1)(d + W/2)² / (2W); above it out = threshold + d/R.
    """
    threshold_db = _check("compressor threshold", threshold_db, THRESHOLD_DB, "dB")
    ratio = _check("compressor ratio", ratio, RATIO, ":1")
    knee_db = _check("compressor knee", knee_db, KNEE_DB, "dB")
    level_db = float(level_db)
    d = level_db - threshold_db
    if 2.0 * d < -knee_db:
        return level_db
    if knee_db > 0.0 and 2.0 * abs(d) <= knee_db:
        return level_db + (1.0 / ratio - 1.0) * (d + knee_db / 2.0) ** 2 / (2.0 * knee_db)
    return threshold_db + d / ratio
