"""FX bus parameters on the control side: reverb and delay settings as ready numbers for ext/dsp_fx.c.

The user-facing controls (size 0…1, predelay in ms, delay time in ms, high-cut in Hz, …) become the
fields of ``mix_reverb_params_t`` and ``mix_delay_params_t`` here, in the header's field order, so
the audio thread only stores and glides them. Out-of-range values are rejected with a ValueError that
names the parameter, the value and what is allowed; nothing is clamped silently.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import NamedTuple

# Reverb (Freeverb). Size maps linearly onto the comb feedback ("room"): 0.7 is a small room with an
# RT60 of about 0.6 s, 0.98 a hall of about 11 s (undamped; damping shortens both, at any sample
# rate). The RT60 grows steeply towards the top of the range, as in Freeverb.
SIZE_RANGE = (0.0, 1.0)
ROOM_RANGE = (0.7, 0.98)
DAMPING_RANGE = (0.0, 1.0)  # 0: bright tail, 1: high frequencies die much faster than lows
WIDTH_RANGE = (0.0, 1.0)  # 0: mono (left == right), 1: full stereo
MAX_PREDELAY_MS = 100.0
PREDELAY_RANGE_MS = (0.0, MAX_PREDELAY_MS)

# Delay.
MAX_DELAY_MS = 2000.0
DELAY_TIME_RANGE_MS = (1.0, MAX_DELAY_MS)
FEEDBACK_RANGE = (0.0, 0.95)
HIGHCUT_OFF_HZ = 20000.0  # the top of the range means no high-cut at all
HIGHCUT_RANGE_HZ = (1000.0, HIGHCUT_OFF_HZ)
# A time change crossfades between the old and the new read position over this long (feedback and
# high-cut changes glide over the same time): long enough that the fade adds no click even between
# unrelated signals, short enough that a turned knob follows promptly.
DELAY_XFADE_MS = 20.0


class ReverbParams(NamedTuple):
    """mix_reverb_params_t, field for field."""

    room: float  # comb feedback
    damp: float  # 0…1, comb high-frequency damping
    width: float  # 0…1
    predelay: float  # samples


class DelayParams(NamedTuple):
    """mix_delay_params_t, field for field."""

    time: float  # samples
    feedback: float  # 0…0.95
    highcut_coef: float  # one-pole lowpass coefficient in the feedback path, 0 = off
    xfade: float  # samples a time change crossfades over


def _number(name: str, value: object, lo: float, hi: float, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, not {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or not lo <= v <= hi:
        raise ValueError(f"{name} must be {lo:g}…{hi:g}{unit}, got {value!r}")
    return v


def _sample_rate(fs: object) -> float:
    if isinstance(fs, bool) or not isinstance(fs, Real) or not math.isfinite(float(fs)) or float(fs) <= 0:
        raise ValueError(f"sample rate must be a positive number of Hz, got {fs!r}")
    return float(fs)


def ms_to_samples(ms: float, fs: float) -> int:
    """Whole samples nearest to ``ms`` milliseconds."""
    return round(ms * fs / 1000.0)


def max_predelay_samples(fs: float) -> int:
    """The ``max_predelay`` to give mix_reverb_new: room for MAX_PREDELAY_MS at ``fs``."""
    return math.ceil(MAX_PREDELAY_MS * _sample_rate(fs) / 1000.0)


def max_delay_samples(fs: float) -> int:
    """The ``max_samples`` to give mix_delay_new: room for MAX_DELAY_MS at ``fs``."""
    return math.ceil(MAX_DELAY_MS * _sample_rate(fs) / 1000.0)


def room_for_size(size: float) -> float:
    """Comb feedback for a size 0…1 (linear onto ROOM_RANGE, as Freeverb scales its room size)."""
    size = _number("reverb size", size, *SIZE_RANGE)
    return ROOM_RANGE[0] + (ROOM_RANGE[1] - ROOM_RANGE[0]) * size


def reverb_params(size: float, damping: float, width: float, predelay_ms: float, fs: float) -> ReverbParams:
    """(room, damp, width, predelay in samples) for mix_reverb_set."""
    fs = _sample_rate(fs)
    room = room_for_size(size)
    damping = _number("reverb damping", damping, *DAMPING_RANGE)
    width = _number("reverb width", width, *WIDTH_RANGE)
    predelay_ms = _number("reverb predelay", predelay_ms, *PREDELAY_RANGE_MS, " ms")
    return ReverbParams(room, damping, width, float(ms_to_samples(predelay_ms, fs)))


def highcut_coef(highcut_hz: float, fs: float) -> float:
    """One-pole lowpass coefficient ``a`` (y = (1 − a)·x + a·y₋₁) whose −3 dB point is ``highcut_hz``.

    Solved exactly rather than with exp(−2πf/fs), which drifts from the set corner as it nears
    Nyquist: |H|² = ½ at ω gives a² − 2(2 − cos ω)·a + 1 = 0, of which the root below 1 is stable.
    HIGHCUT_OFF_HZ and anything at or above Nyquist (where a one-pole cannot cut) mean off: 0.
    """
    fs = _sample_rate(fs)
    highcut_hz = _number("delay high-cut", highcut_hz, *HIGHCUT_RANGE_HZ, " Hz")
    if highcut_hz >= HIGHCUT_OFF_HZ or highcut_hz >= fs / 2.0:
        return 0.0
    b = 2.0 - math.cos(2.0 * math.pi * highcut_hz / fs)
    return b - math.sqrt(b * b - 1.0)


def delay_params(time_ms: float, feedback: float, highcut_hz: float, fs: float, *,
                 xfade_ms: float = DELAY_XFADE_MS) -> DelayParams:
    """(time in samples, feedback, high-cut coefficient, crossfade in samples) for mix_delay_set."""
    fs = _sample_rate(fs)
    time_ms = _number("delay time", time_ms, *DELAY_TIME_RANGE_MS, " ms")
    feedback = _number("delay feedback", feedback, *FEEDBACK_RANGE)
    xfade_ms = _number("delay crossfade", xfade_ms, 0.0, 1000.0, " ms")
    coef = highcut_coef(highcut_hz, fs)
    time = max(1, ms_to_samples(time_ms, fs))  # whole samples: the delay never resamples
    return DelayParams(float(time), feedback, coef, float(ms_to_samples(xfade_ms, fs)))
