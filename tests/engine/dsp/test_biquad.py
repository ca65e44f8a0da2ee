"""Biquad kernel (ext/dsp_biquad.c) and its designs (mixerd/engine/dsp/filters.py) against scipy.

Tolerances: the kernel computes in double and stores float32, so a settled filter matches
scipy.signal.lfilter (double) to float32 rounding; 1e-4 absolute leaves room for the largest gains.
Coefficient changes crossfade two filters; "no click" is measured on a 440 Hz sine with two
metrics that immediate switching fails by one to two orders of magnitude (asserted too):
  * the largest second difference of the output relative to that of the same sine through the
    loudest of the fixed filters involved (a smooth waveform stays ~1; a step of 0.3 % full scale
    already doubles it);
  * the peak of what lies above 3 kHz (8th-order Butterworth high-pass), where a 440 Hz sine
    through any EQ setting has nothing, but a click spreads its energy.

The cascade's cost, settled and fading, is measured by ``mixerd bench --workload kernels``.
"""

import math

import numpy as np
import pytest
import scipy.signal as ss

from mixerd import _core
from mixerd.engine.dsp import filters

RATE = 48000
RAMP = 480  # 10 ms, the engine's default ramp
TOL = 1e-4

FREQS = (20.0, 100.0, 1000.0, 5000.0, 20000.0)
GAINS = (-15.0, -6.0, 0.0, 6.0, 15.0)
QS = (0.3, 1 / math.sqrt(2), 2.0, 10.0)
CUTS = ("low-cut", "high-cut")


def grid(kind, freqs=FREQS, gains=GAINS, qs=QS):
    """(freq, gain, q) combinations for a kind; the cuts ignore gain, so one gain suffices."""
    return [(f, g, q) for f in freqs for g in ((0.0,) if kind in CUTS else gains) for q in qs]


def lfilter(c, x):
    return ss.lfilter(c[:3], [1.0, c[3], c[4]], np.asarray(x, dtype=np.float64))


def response(c, freqs, fs):
    return ss.freqz(c[:3], [1.0, c[3], c[4]], worN=np.atleast_1d(np.asarray(freqs, dtype=float)), fs=fs)[1]


def pole_radius(c):
    return float(np.abs(np.roots([1.0, c[3], c[4]])).max())


def decay_samples(c, to=1e-12):
    """Samples until the slowest mode has decayed by ``to``."""
    return int(math.log(to) / math.log(pole_radius(c))) + 1


def settled(c, n=1):
    """A cascade of ``n`` sections, each set at once to ``c``, zero state."""
    f = _core.dsp_biquad_Cascade(n)
    for k in range(n):
        f.set(k, c, immediate=True)
        f.reset(k)
    return f


def play(sets, times, x, ramp=RAMP, block=64, immediate=False):
    """Run ``x`` through one section set at once to sets[0], then moved to sets[k] at times[k]."""
    f = settled(sets[0])
    out, pos = [], 0
    for k, (c, end) in enumerate(zip(sets, [*times[1:], len(x)])):
        if k:
            f.set(0, c, ramp, immediate)
        out.append(f.run(x[pos:end], block))
        pos = end
    return np.concatenate(out).astype(np.float64)


def rand_design(rng, fs, kind=None):
    """A random band over the whole ranges (log-uniform frequency and Q)."""
    kind = kind or str(rng.choice(filters.KINDS))
    freq = float(np.exp(rng.uniform(math.log(20), math.log(20000))))
    q = float(np.exp(rng.uniform(math.log(0.3), math.log(10))))
    return filters.design(kind, freq, float(rng.uniform(-15, 15)), q, fs)


# ---- 1. settled output equals lfilter ----------------------------------------------------------------


@pytest.mark.parametrize("kind", filters.KINDS)
def test_settled_output_equals_lfilter(kind):
    rng = np.random.default_rng(1)
    n = 8192
    t = np.arange(n)
    signals = [rng.uniform(-1, 1, n)] + [np.sin(2 * np.pi * f * t / RATE) for f in (50, 440, 5000, 15000)]
    signals = [s.astype(np.float32) for s in signals]
    for f0, g, q in grid(kind):
        c = filters.design(kind, f0, g, q, RATE)
        for x in signals:
            for block in (64, 37):  # block boundaries must not matter
                y = settled(c).run(x, block)
                err = np.abs(y - lfilter(c, x)).max()
                assert err < TOL, (kind, f0, g, q, block, err)


@pytest.mark.parametrize("fs", [44100, 96000])
def test_settled_output_equals_lfilter_other_rates(fs):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 8192).astype(np.float32)
    for kind in filters.KINDS:
        for f0, g, q in grid(kind, gains=(-15.0, 15.0), qs=(0.3, 10.0)):
            c = filters.design(kind, f0, g, q, fs)
            err = np.abs(settled(c).run(x) - lfilter(c, x)).max()
            assert err < TOL, (kind, fs, f0, g, q, err)


def test_cascade_equals_sosfilt():
    """Sections in series (as a strip runs its HPF and EQ bands) equal scipy's cascade."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 48000).astype(np.float32)
    sections = [*filters.hpf(80, 24, RATE), filters.design("low-shelf", 120, 4, 0.7, RATE),
                filters.design("peaking", 2500, -6, 2, RATE),
                filters.design("high-shelf", 9000, 3, 0.7, RATE),
                filters.design("high-cut", 18000, 0, 0.7, RATE)]
    f = _core.dsp_biquad_Cascade(len(sections))
    for k, c in enumerate(sections):
        f.set(k, c, immediate=True)
    sos = np.array([[c[0], c[1], c[2], 1.0, c[3], c[4]] for c in sections])
    assert np.abs(f.run(x, 256) - ss.sosfilt(sos, x.astype(np.float64))).max() < TOL


# ---- 2. measured frequency response equals freqz -----------------------------------------------------


@pytest.mark.parametrize("kind", filters.KINDS)
def test_measured_response_equals_freqz(kind):
    for f0, g, q in grid(kind, freqs=(20.0, 1000.0, 20000.0), gains=(-15.0, 15.0), qs=(0.3, 10.0)):
        c = filters.design(kind, f0, g, q, RATE)
        # Long enough for the impulse response to decay below 1e-12 (2^18 for 20 Hz at Q 10).
        n = max(4096, 1 << (decay_samples(c) - 1).bit_length())
        impulse = np.zeros(n, dtype=np.float32)
        impulse[0] = 1.0
        h = settled(c).run(impulse, 256).astype(np.float64)
        measured = np.fft.rfft(h)
        expected = response(c, np.fft.rfftfreq(n, 1 / RATE), RATE)
        err = np.abs(measured - expected).max()
        assert err < TOL, (kind, f0, g, q, n, err)


# ---- 3. the designs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
@pytest.mark.parametrize("slope", [12, 24])
def test_hpf_is_butterworth(slope, fs):
    w = np.geomspace(1, fs / 2 * 0.999, 4000)
    for f0 in (20.0, 40.0, 80.0, 150.0, 400.0, 1000.0):
        sections = filters.hpf(f0, slope, fs)
        assert len(sections) == slope // 12
        sos = ss.butter(slope // 6, f0, "highpass", fs=fs, output="sos")
        ours = np.prod([response(c, w, fs) for c in sections], axis=0)
        theirs = ss.sosfreqz(sos, worN=w, fs=fs)[1]
        assert np.abs(ours - theirs).max() < 1e-6, (slope, fs, f0)
        # Section by section: the same pole pairs as scipy's sections.
        ours_poles = sorted(np.abs(np.roots([1, c[3], c[4]])).max() for c in sections)
        theirs_poles = sorted(np.abs(np.roots(s[3:])).max() for s in sos)
        assert np.allclose(ours_poles, theirs_poles, rtol=0, atol=1e-9)
        assert 20 * np.log10(abs(np.prod([response(c, f0, fs) for c in sections]))) == pytest.approx(
            -10 * math.log10(2), abs=1e-9)


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
def test_peaking_gain_at_centre(fs):
    for f0, g, q in grid("peaking"):
        c = filters.design("peaking", f0, g, q, fs)
        assert 20 * np.log10(abs(response(c, f0, fs)[0])) == pytest.approx(g, abs=1e-9), (f0, g, q)
        # Far from the centre the band leaves the signal alone.
        if 200 <= f0 <= 2000 and q >= 2:
            assert abs(20 * np.log10(abs(response(c, [f0 / 100, f0 * 10], fs)))).max() < 0.1


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
def test_shelves_reach_their_gain_far_from_the_corner(fs):
    for kind in ("low-shelf", "high-shelf"):
        for f0, g, q in grid(kind):
            c = filters.design(kind, f0, g, q, fs)
            dc, nyq = 20 * np.log10(np.abs(response(c, [0.0, fs / 2], fs)))
            shelf, flat = (dc, nyq) if kind == "low-shelf" else (nyq, dc)
            assert shelf == pytest.approx(g, abs=1e-6), (kind, f0, g, q)
            assert flat == pytest.approx(0.0, abs=1e-6), (kind, f0, g, q)
            # Two decades away from the corner the shelf is within 0.01 dB of its final value.
            lo, hi = f0 / 100, f0 * 100
            if kind == "low-shelf" and lo >= 1:
                assert 20 * np.log10(abs(response(c, lo, fs)[0])) == pytest.approx(g, abs=0.01)
            if kind == "high-shelf" and hi < fs / 2:
                assert 20 * np.log10(abs(response(c, hi, fs)[0])) == pytest.approx(g, abs=0.01)


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
def test_cuts_are_minus_3_db_at_the_corner(fs):
    for kind in CUTS:
        for f0 in FREQS:
            c = filters.design(kind, f0, 0.0, 1 / math.sqrt(2), fs)
            assert 20 * np.log10(abs(response(c, f0, fs)[0])) == pytest.approx(-10 * math.log10(2), abs=1e-9)
            # The cookbook's property for any Q: |H(f0)| = Q.
            for q in QS:
                c = filters.design(kind, f0, 0.0, q, fs)
                assert abs(response(c, f0, fs)[0]) == pytest.approx(q, rel=1e-9)
            # Pass band: unity at the far end, zero at the cut end.
            dc, nyq = np.abs(response(c, [0.0, fs / 2], fs))
            assert (nyq, dc) == pytest.approx((1.0, 0.0), abs=1e-9) if kind == "low-cut" else \
                (dc, nyq) == pytest.approx((1.0, 0.0), abs=1e-9)


def test_designs_match_the_cookbook_literally():
    """One case per kind written out from the cookbook's formulas (a0-normalised)."""
    fs, f0, g, q = 48000.0, 1000.0, 6.0, 0.9
    w0 = 2 * math.pi * f0 / fs
    cw, al, a = math.cos(w0), math.sin(w0) / (2 * q), 10 ** (g / 40)
    sa = 2 * math.sqrt(a) * al
    raw = {
        "peaking": (1 + al * a, -2 * cw, 1 - al * a, 1 + al / a, -2 * cw, 1 - al / a),
        "low-shelf": (a * ((a + 1) - (a - 1) * cw + sa), 2 * a * ((a - 1) - (a + 1) * cw),
                      a * ((a + 1) - (a - 1) * cw - sa), (a + 1) + (a - 1) * cw + sa,
                      -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - sa),
        "high-shelf": (a * ((a + 1) + (a - 1) * cw + sa), -2 * a * ((a - 1) + (a + 1) * cw),
                       a * ((a + 1) + (a - 1) * cw - sa), (a + 1) - (a - 1) * cw + sa,
                       2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sa),
        "low-cut": ((1 + cw) / 2, -(1 + cw), (1 + cw) / 2, 1 + al, -2 * cw, 1 - al),
        "high-cut": ((1 - cw) / 2, 1 - cw, (1 - cw) / 2, 1 + al, -2 * cw, 1 - al),
    }
    for kind, (b0, b1, b2, a0, a1, a2) in raw.items():
        expected = (b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0)
        assert filters.design(kind, f0, g, q, fs) == pytest.approx(expected, rel=1e-12, abs=1e-15), kind


def test_every_design_is_stable_and_accepted_by_the_kernel():
    for fs in (32000, 44100, 48000, 96000, 192000):
        for kind in filters.KINDS:
            for f0, g, q in grid(kind, freqs=(20.0, 21.0, 50.0, 1000.0, 15000.0, 19999.0, 20000.0)):
                c = filters.design(kind, f0, g, q, fs)
                assert pole_radius(c) < 1.0, (kind, fs, f0, g, q)
                f = _core.dsp_biquad_Cascade(1)
                f.set(0, c, immediate=True)
                assert f.state(0)["c"] == pytest.approx(c, rel=0, abs=0), (kind, fs, f0, g, q)


def test_frequency_is_clamped_below_nyquist():
    for fs in (8000, 16000, 32000, 40000):
        top = filters.MAX_FREQ_FRACTION * fs
        for kind in filters.KINDS:
            assert filters.design(kind, 20000, 6, 1, fs) == filters.design(kind, top, 6, 1, fs)
            assert pole_radius(filters.design(kind, 20000, 6, 1, fs)) < 1.0
        assert filters.hpf(20000, 24, fs) == filters.hpf(top, 24, fs)
    # At 44.1 kHz and above nothing is clamped.
    assert filters.design("peaking", 20000, 6, 1, 44100) != filters.design("peaking", 19999, 6, 1, 44100)


def test_constants():
    assert filters.KINDS == ("low-shelf", "peaking", "high-shelf", "low-cut", "high-cut")
    assert filters.IDENTITY == (1.0, 0.0, 0.0, 0.0, 0.0)
    x = np.random.default_rng(4).uniform(-1, 1, 1000)
    assert np.array_equal(lfilter(filters.IDENTITY, x), x)
    b0, b1, b2, a1, a2 = filters.design("peaking", 1000, 0.0, 1.0, RATE)  # 0 dB: b == a, H = 1
    assert (b0, b1, b2) == pytest.approx((1.0, a1, a2), rel=1e-15)


@pytest.mark.parametrize("args, match", [
    (("notch", 1000, 0, 1, RATE), "kind 'notch' is unknown: allowed low-shelf, peaking"),
    (("peaking", 19.9, 0, 1, RATE), r"frequency 19.9 Hz is out of range: allowed 20…20000 Hz"),
    (("peaking", 20001, 0, 1, RATE), "frequency 20001 Hz is out of range"),
    (("peaking", float("nan"), 0, 1, RATE), "frequency nan Hz is out of range"),
    (("peaking", "1k", 0, 1, RATE), "frequency must be a number, got '1k'"),
    (("peaking", 1000, 15.5, 1, RATE), r"gain 15.5 dB is out of range: allowed -15…15 dB"),
    (("low-cut", 1000, -16, 1, RATE), "gain -16 dB is out of range"),
    (("peaking", 1000, True, 1, RATE), "gain must be a number, got True"),
    (("peaking", 1000, 0, 0.29, RATE), r"Q 0.29 is out of range: allowed 0.3…10"),
    (("peaking", 1000, 0, 11, RATE), "Q 11 is out of range"),
    (("peaking", 1000, 0, 1, 0), "sample rate 0 Hz is out of range"),
])
def test_design_rejects_bad_values(args, match):
    with pytest.raises(ValueError, match=match):
        filters.design(*args)


def test_hpf_rejects_bad_values():
    with pytest.raises(ValueError, match="HPF slope 18 dB/octave is not available: allowed 12, 24"):
        filters.hpf(100, 18, RATE)
    with pytest.raises(ValueError, match="frequency 10 Hz is out of range"):
        filters.hpf(10, 12, RATE)
    with pytest.raises(ValueError, match="HPF slope True"):
        filters.hpf(100, True, RATE)


# ---- 4. no clicks ------------------------------------------------------------------------------------

SINE_HZ = 440.0
SKIP = 4800  # the sine's own start-up through resonant filters is not under test
ABOVE_3K = ss.butter(8, 3000, "highpass", fs=RATE, output="sos")


def click_metrics(sets, times, **kw):
    """(second-difference ratio, peak ratio, peak above 3 kHz) of a 440 Hz sine through ``sets``."""
    n = times[-1] + 9600
    x = np.sin(2 * np.pi * SINE_HZ / RATE * np.arange(n)).astype(np.float32)
    loudest = max(sets, key=lambda c: abs(response(c, SINE_HZ, RATE)[0]))
    ref = lfilter(loudest, x)[SKIP:]
    y = play(sets, times, x, **kw)[SKIP:]
    d2 = np.abs(np.diff(y, 2)).max() / np.abs(np.diff(ref, 2)).max()
    peak = np.abs(y).max() / np.abs(ref).max()
    hf = np.abs(ss.sosfilt(ABOVE_3K, y)[2400:]).max()  # past the high-pass's own start-up
    return d2, peak, hf


def schedule(sets, every):
    return [0] + [SKIP + every * i for i in range(len(sets) - 1)]


@pytest.mark.parametrize("gain", [12.0, -12.0])
@pytest.mark.parametrize("q", [0.7, 2.0, 10.0])
def test_peaking_sweep_does_not_click(gain, q):
    # 100 Hz -> 10 kHz in 2 s: 20 updates per second, 480-sample fades, past the sine at 440 Hz.
    sets = [filters.design("peaking", f, gain, q, RATE) for f in np.geomspace(100, 10000, 41)]
    times = schedule(sets, RATE // 20)
    d2, peak, hf = click_metrics(sets, times)
    assert d2 < 1.1 and peak < 1.05 and hf < 2e-3, (d2, peak, hf)
    # The metrics do see clicks: the same sweep switched at once.
    d2, _, hf = click_metrics(sets, times, immediate=True)
    assert d2 > 50 and hf > 0.1, (d2, hf)


@pytest.mark.parametrize("centre", [440.0, 300.0])
@pytest.mark.parametrize("q", [0.7, 2.0, 10.0])
def test_gain_jumps_do_not_click(q, centre):
    sets = [filters.design("peaking", centre, g, q, RATE) for g in (0, -15, 15, -15, 15, 0)]
    times = schedule(sets, RATE // 10)
    d2, peak, hf = click_metrics(sets, times)
    assert d2 < 1.1 and peak < 1.2 and hf < 2e-3, (d2, peak, hf)
    d2, _, hf = click_metrics(sets, times, immediate=True)
    assert d2 > 10 and hf > 0.05, (d2, hf)


@pytest.mark.parametrize("centre", [440.0, 300.0])
@pytest.mark.parametrize("gain", [15.0, -15.0])
def test_q_jumps_do_not_click(gain, centre):
    sets = [filters.design("peaking", centre, gain, q, RATE) for q in (1, 0.3, 10, 0.3, 10, 1)]
    times = schedule(sets, RATE // 10)
    d2, peak, hf = click_metrics(sets, times)
    # Worst case, a -15 dB notch centred on the tone jumping to Q 10: the incoming filter has no
    # history, so the notch takes a few ms to dig in and the tone swells (to 1.45x of -15 dB, still
    # -12 dB) as a smooth envelope: the second-difference ratio equals the peak ratio, nothing above 3 kHz.
    assert d2 < 1.6 and d2 < peak * 1.05 and hf < 2e-3, (d2, peak, hf)
    d2, _, hf = click_metrics(sets, times, immediate=True)
    assert d2 > 10 and hf > 0.01, (d2, hf)


def test_low_cut_and_high_cut_jumps_do_not_thump():
    """Big frequency jumps of the cuts: where coefficient interpolation overshoots many times over."""
    for sets in ([filters.design("low-cut", f, 0, 0.7, RATE) for f in (20, 2000, 20, 400, 20)],
                 [filters.design("low-cut", f, 0, 10, RATE) for f in (20, 400, 20, 400, 20)],
                 [filters.design("high-cut", f, 0, 0.7, RATE) for f in (20000, 500, 20000, 600, 20000)]):
        d2, peak, hf = click_metrics(sets, schedule(sets, RATE // 10))
        assert d2 < 1.3 and peak < 1.25, (d2, peak)


def test_fast_updates_queue_and_land_on_the_last_target():
    """A knob turned faster than the fades (an update every 100 samples) never stacks filters: each
    new target waits for the running fade, the latest wins, and the output stays smooth."""
    sets = [filters.design("peaking", f, 12, 2, RATE) for f in np.geomspace(200, 2000, 60)]
    times = schedule(sets, 100)
    d2, peak, hf = click_metrics(sets, times)
    assert d2 < 1.1 and peak < 1.05 and hf < 2e-3, (d2, peak, hf)
    f = settled(sets[0])
    for c in sets[1:]:
        f.set(0, c, RAMP)
        f.run(np.zeros(100, np.float32))
    f.run(np.zeros(2 * RAMP, np.float32))
    s = f.state(0)
    assert s["remaining"] == 0 and s["c"] == sets[-1] and s["target"] == sets[-1]


# ---- 5. stability over random transitions ------------------------------------------------------------


def l1_norm(c):
    """Sum of |h|: no input bounded by 1 can drive the filter's output above it, from any start."""
    return float(np.abs(lfilter(c, np.r_[1.0, np.zeros(decay_samples(c))])).sum())


@pytest.mark.parametrize("fs", [48000, 96000])
def test_random_transitions_stay_bounded_and_settle(fs):
    rng = np.random.default_rng(fs)
    for i in range(200):
        a, b = rand_design(rng, fs), rand_design(rng, fs)
        if i % 4 == 0:
            a = filters.design("low-cut", 20, 0, float(rng.uniform(0.3, 10)), fs)
        elif i % 4 == 1:
            b = filters.design("low-cut", 20, 0, float(rng.uniform(0.3, 10)), fs)
        t0 = 4800
        n = t0 + RAMP + decay_samples(b, 1e-9) + 2000
        x = rng.uniform(-1, 1, n).astype(np.float32)
        y = play([a, b], [0, t0], x)
        ya, yb = lfilter(a, x), lfilter(b, x)
        # Bounded: never louder than either filter alone (2 % margin for the incoming filter's
        # start-up), and provably within the larger L1 norm.
        assert np.abs(y[t0:]).max() <= 1.05 * max(np.abs(ya[t0:]).max(), np.abs(yb[t0:]).max()), (a, b)
        assert np.abs(y).max() <= max(l1_norm(a), l1_norm(b)), (a, b)
        # After the fade the output is exactly the target filter started at the change ...
        assert np.abs(y[t0 + RAMP:] - lfilter(b, x[t0:])[RAMP:]).max() < TOL, (a, b)
        # ... so it settles on lfilter with the target coefficients.
        assert np.abs(y[-2000:] - yb[-2000:]).max() < TOL, (a, b)


def test_random_change_storm_stays_bounded():
    """Many random designs at random intervals (most changes land mid-fade)."""
    rng = np.random.default_rng(5)
    for fs in (48000, 96000):
        sets = [rand_design(rng, fs) for _ in range(80)]
        sets[::7] = [filters.design("low-cut", 20, 0, 10, fs)] * len(sets[::7])
        times = [0, *np.cumsum(rng.integers(1, 1500, len(sets) - 1))]
        n = times[-1] + 3 * RAMP + decay_samples(sets[-1], 1e-9) + 2000
        x = rng.uniform(-1, 1, n).astype(np.float32)
        y = play(sets, times, x, block=int(rng.integers(16, 256)))
        assert np.all(np.isfinite(y))
        assert np.abs(y).max() <= max(l1_norm(c) for c in sets)
        assert np.abs(y[-2000:] - lfilter(sets[-1], x)[-2000:]).max() < TOL


def test_result_does_not_depend_on_block_size():
    rng = np.random.default_rng(6)
    sets = [rand_design(rng, RATE) for _ in range(12)]
    times = [0, *np.cumsum(rng.integers(50, 900, len(sets) - 1))]
    x = rng.uniform(-1, 1, times[-1] + 4000).astype(np.float32)
    outs = [play(sets, times, x, block=b) for b in (1, 7, 64, 4096)]
    for y in outs[1:]:
        assert np.array_equal(y, outs[0])


# ---- 6. identity, reset, refusals, denormals ---------------------------------------------------------


def test_identity_detection():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, 4 * RAMP).astype(np.float32)
    f = _core.dsp_biquad_Cascade(1)
    assert f.is_identity(0)
    assert np.array_equal(f.run(x), x)  # the identity leaves samples untouched, bit for bit

    c = filters.design("peaking", 1000, 6, 1, RATE)
    f.set(0, c, RAMP)
    assert not f.is_identity(0)
    f.run(x)
    f.set(0, filters.IDENTITY, RAMP)
    assert not f.is_identity(0)  # fading out
    f.run(x[: RAMP - 1])
    assert not f.is_identity(0)
    f.run(x[:1])
    assert f.is_identity(0)  # the fade is over and the incoming identity has no state
    assert np.array_equal(f.run(x), x)

    # At once from a running filter: the state goes with the old coefficients.
    f.set(0, c, immediate=True)
    f.run(x)
    f.set(0, filters.IDENTITY, immediate=True)
    assert f.is_identity(0)
    assert np.array_equal(f.run(x), x)

    # Coefficients that merely look like unity gain (0 dB peaking, b == a) are not skipped.
    f.set(0, filters.design("peaking", 1000, 0, 1, RATE), immediate=True)
    assert not f.is_identity(0)


def test_reset_clears_state_not_coefficients():
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, 4096).astype(np.float32)
    c = filters.design("low-shelf", 100, 12, 2, RATE)
    f = settled(c)
    f.run(x)
    assert f.state(0)["state"] != (0.0, 0.0)
    f.reset(0)
    s = f.state(0)
    assert s["state"] == (0.0, 0.0) and s["c"] == c and s["remaining"] == 0
    assert np.abs(f.run(x) - lfilter(c, x)).max() < TOL  # as from a fresh filter


def test_same_coefficients_do_not_start_a_fade():
    c = filters.design("peaking", 1000, 6, 1, RATE)
    f = settled(c)
    f.set(0, c, RAMP)
    assert f.state(0)["remaining"] == 0


def test_immediate_during_a_fade_keeps_the_incoming_filter():
    rng = np.random.default_rng(9)
    x = rng.uniform(-1, 1, 8000).astype(np.float32)
    a, b = filters.design("peaking", 500, 9, 1, RATE), filters.design("high-shelf", 3000, -6, 0.7, RATE)
    f = settled(a)
    f.run(x[:1000])
    f.set(0, b, RAMP)
    f.run(x[1000:1200])
    f.set(0, b, immediate=True)  # cut the fade short onto b, whose filter has run since 1000
    y = f.run(x[1200:])
    assert np.abs(y - lfilter(b, x[1000:])[200:]).max() < TOL


@pytest.mark.parametrize("bad", [
    (float("nan"), 0, 0, 0, 0), (1, float("inf"), 0, 0, 0),
    (1, 0, 0, 0, 1.0),  # pole on the unit circle
    (1, 0, 0, -2.1, 0.9),  # outside the stability triangle
    (1, 0, 0, 0, -1.2),
])
def test_invalid_coefficients_are_ignored(bad):
    c = filters.design("peaking", 1000, 6, 1, RATE)
    f = settled(c)
    before = f.state(0)
    f.set(0, bad, RAMP)
    f.set(0, bad, immediate=True)
    assert f.state(0) == before


def test_silence_decays_to_exact_zeros():
    """Without FTZ (offline, nothing sets it): the state is cleared once it falls below -300 dB, so
    silence after a signal becomes exact zeros, never subnormal numbers, even through the fastest
    decaying designs and long blocks."""
    rng = np.random.default_rng(10)
    x = rng.uniform(-1, 1, 4800).astype(np.float32)
    designs = [
        filters.design("low-cut", 20, 0, 10, 96000),  # slowest decay
        filters.design("peaking", 20, 15, 10, RATE),
        filters.design("high-cut", 12000, 0, 0.3, RATE),  # poles at +-0.5
        filters.design("high-shelf", 9319, 12.5, 0.495, RATE),  # poles within 0.072: the fastest we design
        filters.design("low-shelf", 5000, -15, 0.3, RATE),
    ]
    assert pole_radius(designs[3]) < 0.075
    for c in designs:
        for block in (64, 4096):
            f = settled(c)
            f.run(x)
            silence = np.zeros(decay_samples(c, 1e-17) + RATE, np.float32)
            y = f.run(silence, block)
            assert f.state(0)["state"] == (0.0, 0.0), (c, block)
            assert not np.any(f.run(silence[:RATE], block))
            tiny = np.abs(y[y != 0])
            # No subnormal float came out on the way down.
            assert tiny.size == 0 or tiny.min() >= np.finfo(np.float32).tiny, (c, block)
