"""FX kernels (ext/dsp_fx.c) offline, and their control side (mixerd/engine/dsp/fx.py).

The reverb is checked against Freeverb's theory (comb tunings, decay per pass), the delay against its
difference equation run by scipy. Every run goes through the C code the audio thread uses, via the
``dsp_fx_*`` entry points; blocks are split exactly at parameter events.
"""

import math

import numpy as np
import pytest
from scipy import signal

from mixerd import _core
from mixerd.engine.dsp import fx

FS = 48000
MAX_PRE = fx.max_predelay_samples(FS)
MAX_DELAY = fx.max_delay_samples(FS)
COMB_TUNINGS = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
SPREAD = 23
# Every comb length, both sides, as the kernel scales them from 44.1 kHz.
COMB_LENGTHS = [round((t + s) * FS / 44100) for s in (0, SPREAD) for t in COMB_TUNINGS]
MINUS_90_DB = 10 ** (-90 / 20)
SMALLEST_NORMAL = np.finfo(np.float32).tiny


def reverb(x, *events, block=64):
    return _core.dsp_fx_reverb(np.asarray(x, np.float32), FS, MAX_PRE, list(events), block)


def delay(x, *events, block=64):
    return _core.dsp_fx_delay(np.asarray(x, np.float32), MAX_DELAY, list(events), block)


def impulse(seconds, at=0):
    x = np.zeros(round(seconds * FS), np.float32)
    x[at] = 1.0
    return x


def sine(seconds, freq=440.0, amp=0.5):
    return (amp * np.sin(2 * np.pi * freq * np.arange(round(seconds * FS)) / FS)).astype(np.float32)


def noise(seconds, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, round(seconds * FS)).astype(np.float32)


def energy(*chans):
    return sum(c.astype(np.float64) ** 2 for c in chans)


def rt60(left, right, fs=FS):
    """RT60 from Schroeder backward integration: line fit of the decay curve from −5 to −25 dB (T20)."""
    e = energy(left, right)
    edc = np.cumsum(e[::-1])[::-1]
    with np.errstate(divide="ignore"):
        curve = 10 * np.log10(edc / edc[0])
    i5, i25 = np.argmax(curve <= -5), np.argmax(curve <= -25)
    assert 0 < i5 < i25, "the impulse response is too short for a T20 fit"
    slope, _ = np.polyfit(np.arange(i5, i25) / fs, curve[i5:i25], 1)
    return -60.0 / slope


def hf_fraction_db(x, above_hz):
    """Share of the energy of x above ``above_hz``, in dB."""
    spec = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / FS)
    return 10 * np.log10(spec[f > above_hz].sum() / spec.sum())


def max_jump(y):
    """Click metric: the largest sample-to-sample step |y[n] − y[n−1]|."""
    return float(np.max(np.abs(np.diff(y.astype(np.float64)))))


def assert_clean(*chans):
    """Finite, and no subnormal sample (the kernels guard their loops even without FTZ/DAZ)."""
    for c in chans:
        assert np.all(np.isfinite(c))
        a = np.abs(c)
        assert not np.any((a > 0) & (a < SMALLEST_NORMAL))


# ---- control side ------------------------------------------------------------------------------


def test_reverb_params_map_to_the_header_fields():
    p = fx.reverb_params(0.0, 0.25, 0.5, 50.0, FS)
    assert p == (0.7, 0.25, 0.5, 2400.0) and p._fields == ("room", "damp", "width", "predelay")
    assert fx.reverb_params(1.0, 1.0, 1.0, 100.0, FS).room == pytest.approx(0.98, abs=1e-12)
    assert fx.reverb_params(0.5, 0, 0, 0, 44100).room == pytest.approx(0.84, abs=1e-12)
    assert fx.reverb_params(0.5, 0, 0, 100.0, 44100).predelay == 4410.0 <= fx.max_predelay_samples(44100)
    assert fx.MAX_PREDELAY_MS == 100.0 and MAX_PRE == 4800


@pytest.mark.parametrize("args, word", [
    ((1.5, 0.5, 1, 0), "size"), ((-0.1, 0.5, 1, 0), "size"), ((0.5, 1.1, 1, 0), "damping"),
    ((0.5, 0.5, 2, 0), "width"), ((0.5, 0.5, 1, 101), "predelay"), ((0.5, 0.5, 1, -1), "predelay"),
    ((math.nan, 0.5, 1, 0), "size"), ((0.5, math.inf, 1, 0), "damping"), ((0.5, 0.5, True, 0), "width"),
    (("big", 0.5, 1, 0), "size"),
])
def test_reverb_params_reject_bad_values_by_name(args, word):
    with pytest.raises(ValueError, match=word):
        fx.reverb_params(*args, FS)


def test_delay_params_map_to_the_header_fields():
    p = fx.delay_params(250.0, 0.5, 20000.0, FS)
    assert p == (12000.0, 0.5, 0.0, 960.0) and p._fields == ("time", "feedback", "highcut_coef", "xfade")
    assert fx.delay_params(2000.0, 0.95, 1000.0, FS).time == MAX_DELAY == 96000
    assert fx.delay_params(1.0, 0, 20000, FS).time == 48.0
    assert 0 < fx.delay_params(100, 0, 5000, FS).highcut_coef < 1
    assert fx.MAX_DELAY_MS == 2000.0 and fx.FEEDBACK_RANGE == (0.0, 0.95)


@pytest.mark.parametrize("args, word", [
    ((0.5, 0.5, 5000), "time"), ((2001, 0.5, 5000), "time"), ((100, 0.96, 5000), "feedback"),
    ((100, -0.1, 5000), "feedback"), ((100, 0.5, 999), "high-cut"), ((100, 0.5, 20001), "high-cut"),
    ((math.nan, 0.5, 5000), "time"), ((100, None, 5000), "feedback"),
])
def test_delay_params_reject_bad_values_by_name(args, word):
    with pytest.raises(ValueError, match=word):
        fx.delay_params(*args, FS)


@pytest.mark.parametrize("fs", [0, -48000, math.nan, "48000"])
def test_bad_sample_rate_is_rejected(fs):
    with pytest.raises(ValueError, match="sample rate"):
        fx.reverb_params(0.5, 0.5, 1, 0, fs)
    with pytest.raises(ValueError, match="sample rate"):
        fx.delay_params(100, 0.5, 5000, fs)


@pytest.mark.parametrize("fs", [44100, 48000, 96000])
@pytest.mark.parametrize("fc", [1000.0, 5000.0, 12000.0, 19000.0])
def test_highcut_corner_is_exactly_minus_3_db(fs, fc):
    """The one-pole y = (1 − a)·x + a·y₋₁ is 3.01 dB down at the set corner (±0.001 dB)."""
    a = fx.highcut_coef(fc, fs)
    _, h = signal.freqz([1 - a], [1, -a], worN=[fc], fs=fs)
    assert 20 * np.log10(abs(h[0])) == pytest.approx(-10 * np.log10(2), abs=1e-3)


# ---- reverb ------------------------------------------------------------------------------------


def test_reverb_impulse_response_decays():
    """Energy in successive 100 ms windows falls strictly and ends > 150 dB below the first."""
    left, right = reverb(impulse(4.0), (0, fx.reverb_params(0.5, 0.5, 1.0, 0.0, FS)))
    assert_clean(left, right)
    windows = energy(left, right).reshape(-1, FS // 10).sum(axis=1)
    assert np.all(np.diff(windows) < 0)
    assert 10 * np.log10(windows[-1] / windows[0]) < -150


def test_reverb_onset_is_the_shortest_comb():
    """Freeverb's tunings scaled to 48 kHz: nothing before a side's shortest comb, then output
    (full width keeps the sides apart; the right side is 23 samples at 44.1 kHz longer)."""
    left, right = reverb(impulse(0.1), (0, fx.reverb_params(0.5, 0.5, 1.0, 0.0, FS)))
    assert np.flatnonzero(left)[0] == min(COMB_LENGTHS[:8]) == 1215
    assert np.flatnonzero(right)[0] == min(COMB_LENGTHS[8:]) == 1240


def test_tunings_scale_with_the_sample_rate():
    """At 44.1 kHz the onsets are Freeverb's own shortest combs (1116, and 1116 + 23 on the right);
    at 48 and 96 kHz the same settings give the same RT60 (within 3 %)."""
    times = []
    for fs in (44100, 48000, 96000):
        x = np.zeros(3 * fs, np.float32)
        x[0] = 1.0
        p = fx.reverb_params(0.5, 0.5, 1.0, 0.0, fs)
        left, right = _core.dsp_fx_reverb(x, fs, fx.max_predelay_samples(fs), [(0, p)])
        if fs == 44100:
            assert np.flatnonzero(left)[0] == 1116 and np.flatnonzero(right)[0] == 1116 + SPREAD
        times.append(rt60(left, right, fs))
    assert max(times) / min(times) < 1.03, times


@pytest.mark.parametrize("damping", [0.0, 0.5])
def test_rt60_grows_with_size(damping):
    """T20-based RT60 rises strictly with size. Undamped, each comb decays by `room` per pass, so the
    RT60 must lie within the per-comb values −3·L/(fs·log10 room) of the shortest and longest comb."""
    sizes = [0.0, 0.25, 0.5, 0.75, 1.0]
    times = []
    for size in sizes:
        p = fx.reverb_params(size, damping, 1.0, 0.0, FS)
        left, right = reverb(impulse(16.0), (0, p))
        times.append(rt60(left, right))
        if damping == 0.0:
            lo, hi = (-3 * n / (FS * math.log10(p.room)) for n in (min(COMB_LENGTHS), max(COMB_LENGTHS)))
            assert lo <= times[-1] <= hi
    assert all(b > a for a, b in zip(times, times[1:])), times
    assert times[0] < 0.7 and times[-1] > 8.0  # a small room … a long hall


def test_damping_darkens_the_tail():
    """Share of tail energy (0.3–1.5 s) above 5 kHz falls strictly with damping; 1 vs 0: ≥ 12 dB less."""
    shares = []
    for damping in [0.0, 0.25, 0.5, 0.75, 1.0]:
        left, right = reverb(impulse(1.5), (0, fx.reverb_params(0.5, damping, 1.0, 0.0, FS)))
        tail = np.concatenate([left[int(0.3 * FS):], right[int(0.3 * FS):]])
        shares.append(hf_fraction_db(tail, 5000.0))
    assert all(b < a for a, b in zip(shares, shares[1:])), shares
    assert shares[-1] < shares[0] - 12.0


def test_width():
    """Width 0: left and right identical to the bit. Wider: the sides decorrelate, width 1 nearly fully."""
    x = impulse(2.0)
    corr = []
    for width in [0.0, 0.25, 0.5, 0.75, 1.0]:
        left, right = reverb(x, (0, fx.reverb_params(0.5, 0.5, width, 0.0, FS)))
        if width == 0.0:
            assert np.array_equal(left, right) and np.any(left)
        corr.append(np.corrcoef(left, right)[0, 1])
    assert all(b < a for a, b in zip(corr, corr[1:])), corr
    assert abs(corr[-1]) < 0.2


@pytest.mark.parametrize("predelay_ms", [1 / 48, 10.0, 100.0])
def test_predelay_shifts_the_output_by_exactly_its_samples(predelay_ms):
    x = noise(0.5)
    p0 = fx.reverb_params(0.5, 0.5, 1.0, 0.0, FS)
    p = fx.reverb_params(0.5, 0.5, 1.0, predelay_ms, FS)
    shift = int(p.predelay)
    assert shift == round(predelay_ms * 48)
    ref_l, ref_r = reverb(x, (0, p0))
    left, right = reverb(x, (0, p))
    for out, ref in ((left, ref_l), (right, ref_r)):
        assert not np.any(out[:shift])
        assert np.array_equal(out[shift:], ref[:-shift])
    onset = reverb(impulse(0.2), (0, p))[0]
    assert np.flatnonzero(onset)[0] == min(COMB_LENGTHS) + shift


def test_predelay_change_crossfades_instead_of_splicing():
    """A predelay is a delay of the input, so a change with a hard jump would equal the reverb (no
    predelay) of a spliced input. Moving 20 → 21.15 ms (half a period of 440 Hz: the worst splice,
    at a peak) must put at least 60 dB less energy above 4 kHz into the 100 ms after the change."""
    x = sine(3.0)
    at = 2 * FS + 27  # a peak of the sine
    p0 = fx.reverb_params(0.5, 0.5, 1.0, 20.0, FS)
    p1 = p0._replace(predelay=p0.predelay + 55)
    left, _ = reverb(x, (0, p0), (at, p1))
    spliced = np.concatenate([np.zeros(int(p0.predelay)), x])[:len(x)]
    later = np.concatenate([np.zeros(int(p1.predelay)), x])[:len(x)]
    spliced[at:] = later[at:]
    hard_left, _ = reverb(spliced, (0, p0._replace(predelay=0.0)))
    highpass = signal.butter(8, 4000, "highpass", fs=FS, output="sos")  # 440 Hz: < -150 dB

    def hf_energy(y):
        return np.sum(signal.sosfilt(highpass, y.astype(np.float64))[at:at + FS // 10] ** 2)

    assert 10 * np.log10(hf_energy(left) / hf_energy(hard_left)) < -60
    assert_clean(left)


@pytest.mark.parametrize("size, damping, stated_s", [(1.0, 0.0, None), (1.0, 0.5, None), (0.5, 0.5, 2.5)])
def test_full_scale_noise_stays_bounded_and_the_tail_ends(size, damping, stated_s):
    """10 s of full-scale uniform noise: no NaN, peak under +12 dBFS, level steady (RMS of seconds
    5–6 and 9–10 within 0.5 dB). After the input stops the tail falls below −90 dBFS within the time
    the slowest mode needs: the longest comb loses 20·log10(room) dB per pass, from the peak of the
    last input second down to −90 dBFS (for size 0.5 also within a stated 2.5 s)."""
    x = np.concatenate([noise(10.0, seed=1), np.zeros(25 * FS, np.float32)])
    p = fx.reverb_params(size, damping, 1.0, 0.0, FS)
    left, right = reverb(x, (0, p))
    assert_clean(left, right)
    peak = np.maximum(np.abs(left), np.abs(right))
    assert peak.max() < 10 ** (12 / 20)
    rms = [np.sqrt(np.mean(left[s * FS:(s + 1) * FS].astype(np.float64) ** 2)) for s in (5, 9)]
    assert abs(20 * np.log10(rms[1] / rms[0])) < 0.5
    tail = peak[10 * FS:]
    below_at = (np.flatnonzero(tail >= MINUS_90_DB)[-1] + 1) / FS
    slowest_db_per_s = -20 * math.log10(p.room) * FS / max(COMB_LENGTHS)
    bound = (20 * math.log10(peak[9 * FS:10 * FS].max()) + 90) / slowest_db_per_s
    assert below_at <= bound
    if stated_s is not None:
        assert below_at <= stated_s


def test_tail_ends_in_exact_zeros():
    """Without FTZ/DAZ (offline here) the loops neither sink into denormals nor hang in a limit
    cycle: 15 s after a noise burst (size 0.5) the output is exactly 0, and nothing was subnormal."""
    x = np.concatenate([noise(1.0), np.zeros(15 * FS, np.float32)])
    left, right = reverb(x, (0, fx.reverb_params(0.5, 0.5, 1.0, 10.0, FS)))
    assert_clean(left, right)
    assert not np.any(left[-2 * FS:]) and not np.any(right[-2 * FS:])


def test_reset_silences_the_reverb():
    """Input stops at 0.5 s and the reverb is reset there: both sides are exactly 0 from then on."""
    x = noise(2.0)
    x[FS // 2:] = 0.0
    p = fx.reverb_params(1.0, 0.0, 1.0, 50.0, FS)
    left, right = reverb(x, (0, p), (FS // 2, None))
    assert np.any(left[:FS // 2])
    assert not np.any(left[FS // 2:]) and not np.any(right[FS // 2:])
    # After a reset the state is that of a fresh reverb: same output for the same input.
    y = noise(1.0, seed=3)
    after = reverb(np.concatenate([x[:FS // 2], y]), (0, p), (FS // 2, None))
    fresh = reverb(y, (0, p))
    for a, f in zip(after, fresh):
        assert np.array_equal(a[FS // 2:], f)


@pytest.mark.parametrize("block", [1, 37, 128, 1000])
def test_reverb_block_size_does_not_change_the_output(block):
    """Settled parameters and a predelay crossfade give the same samples for any block size."""
    x = noise(1.0)
    p = fx.reverb_params(0.6, 0.3, 0.8, 5.0, FS)
    events = [(0, p), (FS // 2 + 3, p._replace(predelay=1234.0))]
    assert all(np.array_equal(a, b) for a, b in zip(reverb(x, *events, block=64), reverb(x, *events, block=block)))


def test_reverb_ignores_non_finite_params_and_input():
    x = noise(1.0)
    p = fx.reverb_params(0.8, 0.5, 1.0, 0.0, FS)
    ref = reverb(x, (0, p))
    for bad in [(math.nan, 0.5, 1.0, 0.0), (0.8, math.inf, 1.0, 0.0), (0.8, 0.5, 1.0, math.nan)]:
        out = reverb(x, (0, p), (FS // 3, bad))
        assert all(np.array_equal(a, b) for a, b in zip(out, ref))
    # A NaN or inf input sample enters as silence instead of poisoning the tail for ever.
    dirty, clean = x.copy(), x.copy()
    dirty[[100, 200]] = [np.nan, np.inf]
    clean[[100, 200]] = 0.0
    out = reverb(dirty, (0, p))
    assert_clean(*out)
    assert all(np.array_equal(a, b) for a, b in zip(out, reverb(clean, (0, p))))


def test_reverb_parameter_changes_glide():
    """Size, damping and width jump here, the kernel glides them: output stays finite, and once the
    glide is over the reverb decays like one set that way from the start (RT60 within 5 %)."""
    x = impulse(14.0, at=FS)
    small = fx.reverb_params(0.0, 1.0, 0.0, 0.0, FS)
    big = fx.reverb_params(1.0, 0.0, 1.0, 0.0, FS)
    left, right = reverb(x, (0, small), (FS // 2, big))
    assert_clean(left, right)
    ref = rt60(*reverb(x[FS:], (0, big)))
    assert rt60(left[FS:], right[FS:]) == pytest.approx(ref, rel=0.05)


# ---- delay -------------------------------------------------------------------------------------


@pytest.mark.parametrize("time", [1, 2, 480, 4800, MAX_DELAY])
def test_delay_impulse_arrives_after_exactly_time_samples(time):
    x = impulse(time / FS + 0.1, at=5)
    left, right = delay(x, (0, (float(time), 0.0, 0.0, 960.0)))
    assert np.array_equal(left, right)
    assert np.flatnonzero(left).tolist() == [5 + time] and left[5 + time] == 1.0


def test_delay_repeats_scale_by_feedback():
    """High-cut off: repeat k is feedback^k times the impulse (rel. 1e-5), nothing in between."""
    time, fb = 4800, 0.6
    left, right = delay(impulse(3.0), (0, fx.delay_params(100.0, fb, 20000.0, FS)))
    assert np.array_equal(left, right)
    hits = np.flatnonzero(left)
    assert hits.tolist() == [time * k for k in range(1, len(hits) + 1)] and len(hits) == 29
    np.testing.assert_allclose(left[hits], fb ** np.arange(len(hits)), rtol=1e-5)  # 29 float32 roundings


def test_delay_matches_its_difference_equation():
    """y[n] = x[n−T] + fb·lp[n−T], lp = one-pole high-cut of y: as scipy.lfilter with
    b = z^−T (1 − a z^−1), a = 1 − a z^−1 − fb (1 − a) z^−T; max error 1e-5 over 2 s of noise."""
    time, fb = 480, 0.7
    p = fx.delay_params(10.0, fb, 3000.0, FS)
    a = p.highcut_coef
    x = noise(2.0)
    b_coef = np.zeros(time + 2)
    b_coef[time:time + 2] = [1.0, -a]
    a_coef = np.zeros(time + 1)
    a_coef[:2] = [1.0, -a]
    a_coef[time] += -fb * (1 - a)
    ref = signal.lfilter(b_coef, a_coef, x.astype(np.float64))
    left, _ = delay(x, (0, p))
    assert np.max(np.abs(left - ref)) < 1e-5


def test_delay_highcut_darkens_each_repeat():
    """First echo is the untouched impulse; each later repeat has less energy above 5 kHz."""
    time = 2400
    left, _ = delay(impulse(1.0), (0, fx.delay_params(50.0, 0.9, 4000.0, FS)))
    assert left[time] == 1.0 and not np.any(left[time + 1:2 * time])
    shares = [hf_fraction_db(left[k * time:(k + 1) * time], 5000.0) for k in range(1, 8)]
    assert all(b < a - 1.0 for a, b in zip(shares, shares[1:])), shares


def _click_run(xfade_ms, feedback):
    x = sine(3.0)
    at = FS + 27  # at a peak of the sine: a splice would jump by nearly twice the amplitude
    p0 = fx.delay_params(100.0, feedback, 20000.0, FS, xfade_ms=xfade_ms)
    p1 = p0._replace(time=p0.time + 55)  # half a period of 440 Hz later: the worst case
    left, _ = delay(x, (0, p0), (at, p1))
    steady = max(max_jump(left[FS // 2:at]), max_jump(left[int(2.5 * FS):]))
    return x, p1, left, max_jump(left[at - 1:int(2.5 * FS)]) / steady


@pytest.mark.parametrize("feedback", [0.0, 0.5])
def test_delay_time_change_has_no_click(feedback):
    """Metric: the largest sample-to-sample step during the change, relative to the largest step of
    the settled output before and after it. A 20 ms crossfade keeps it ≤ 1.05 (a steady sine's own
    step); the same change without a crossfade (a splice) is > 10 times worse."""
    x, p1, left, ratio = _click_run(fx.DELAY_XFADE_MS, feedback)
    assert ratio <= 1.05
    assert_clean(left)
    if feedback == 0.0:  # after the fade: exactly the input, delayed by the new time
        t = int(p1.time)
        assert np.array_equal(left[2 * FS:], x[2 * FS - t:len(x) - t])
    assert _click_run(0.0, feedback)[3] > 10.0


def test_delay_knob_sweep_has_no_click():
    """The time moves every 64 samples (a turned knob, 100 → 300 ms in 0.5 s): each change waits for
    the running fade, none clicks (metric as above, ≤ 1.05), and the output ends on the last time."""
    x = sine(4.0)
    p = fx.delay_params(100.0, 0.0, 20000.0, FS)
    events = [(0, p)]
    for i, pos in enumerate(range(FS, FS + FS // 2, 64)):
        events.append((pos, p._replace(time=float(round(4800 + 9600 * i * 64 / (FS // 2))))))
    last = int(events[-1][1].time)
    left, _ = delay(x, *events)
    steady = max_jump(left[FS // 2:FS])
    assert max_jump(left[FS - 1:]) <= 1.05 * steady
    assert np.array_equal(left[3 * FS:], x[3 * FS - last:len(x) - last])


def test_reset_silences_the_delay():
    """Input stops at 0.5 s and the delay is reset there: both sides are exactly 0 from then on."""
    x = noise(2.0)
    x[FS // 2:] = 0.0
    left, right = delay(x, (0, fx.delay_params(30.0, 0.95, 5000.0, FS)), (FS // 2, None))
    assert np.any(left[:FS // 2])
    assert not np.any(left[FS // 2:]) and not np.any(right[FS // 2:])


def test_delay_tail_ends_in_exact_zeros():
    """Feedback 0.95 with high-cut, offline (no FTZ/DAZ): no subnormal ever, exact zeros at the end."""
    x = np.concatenate([noise(0.5), np.zeros(20 * FS, np.float32)])
    left, right = delay(x, (0, fx.delay_params(20.0, 0.95, 2000.0, FS)))
    assert_clean(left, right)
    assert not np.any(left[-FS:])


def test_delay_ignores_non_finite_params_and_input():
    x = noise(1.0)
    p = fx.delay_params(10.0, 0.8, 5000.0, FS)
    ref = delay(x, (0, p))
    out = delay(x, (0, p), (FS // 3, (math.nan, 0.5, 0.0, 960.0)), (FS // 2, (480.0, math.inf, 0.0, 960.0)))
    assert all(np.array_equal(a, b) for a, b in zip(out, ref))
    dirty, clean = x.copy(), x.copy()
    dirty[[100, 200]] = [np.nan, -np.inf]
    clean[[100, 200]] = 0.0
    out = delay(dirty, (0, p))
    assert_clean(*out)
    assert all(np.array_equal(a, b) for a, b in zip(out, delay(clean, (0, p))))


@pytest.mark.parametrize("block", [1, 37, 128, 1000])
def test_delay_block_size_does_not_change_the_output(block):
    """Settled feedback/high-cut plus a time crossfade: the same samples for any block size."""
    x = noise(1.0)
    p = fx.delay_params(12.5, 0.7, 6000.0, FS)
    events = [(0, p), (FS // 2 + 5, p._replace(time=333.0))]
    assert all(np.array_equal(a, b) for a, b in zip(delay(x, *events, block=64), delay(x, *events, block=block)))
