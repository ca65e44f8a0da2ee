"""Dynamics kernels (ext/dsp_dynamics.c) offline against their definitions (mixerd/engine/dsp/dynamics.py).

The C kernels run through the `dsp_dynamics_*` entry points of mixerd._core, which process a whole
numpy signal block by block as the callback would, without FTZ/DAZ. Gains are measured as output /
input sample by sample, so the test signals keep the input away from zero where a gain is read.
"""

import math

import numpy as np
import pytest

from mixerd import _core
from mixerd.engine.dsp import dynamics as dyn

FS = 48000
FLT_MIN = np.finfo(np.float32).tiny
E63 = 1.0 - 1.0 / math.e  # a one-pole covers this fraction of a step in its time constant


def db(x):
    return 20.0 * np.log10(np.asarray(x, dtype=np.float64))


def tone(level_db, seconds, freq=1000.0, phase=0.0):
    t = np.arange(int(round(seconds * FS)))
    return (10 ** (level_db / 20) * np.cos(2 * np.pi * freq * t / FS + phase)).astype(np.float32)


def dc(level_db, seconds):
    return np.full(int(round(seconds * FS)), 10 ** (level_db / 20), dtype=np.float32)


def gain_of(x, y):
    """Applied gain per sample (float64); NaN where the input is too small to read it."""
    x = x.astype(np.float64)
    out = np.full(x.shape, np.nan)
    ok = np.abs(x) > 1e-6
    out[ok] = y[ok] / x[ok]
    return out


def music_like(seconds, seed=1):
    """Noise under a moving envelope (−60…0 dBFS), never zero, so every sample shows its gain."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    env_db = np.interp(np.arange(n), np.linspace(0, n, 40), rng.uniform(-60, 0, 40))
    mag = 10 ** (env_db / 20) * rng.uniform(0.05, 1.0, n)
    return (mag * rng.choice([-1.0, 1.0], n)).astype(np.float32)


def coef(time_ms):
    """The one-pole coefficient as the kernel holds it (float32): trajectories are compared to this."""
    return float(np.float32(dyn.time_coef(time_ms, FS)))


def first_index(mask):
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


# ---- fast log2 / exp2 --------------------------------------------------------------------------

def test_fast_log2_accuracy_over_minus150_to_plus20_db():
    x = (10 ** (np.linspace(-150, 20, 400001) / 20)).astype(np.float32)
    err = 20 * math.log10(2) * _core.dsp_dynamics_fast_log2(x).astype(np.float64) - db(x)
    assert np.abs(err).max() < 1e-3  # required < 0.01 dB; the polynomial gives ~1.2e-5 dB
    assert _core.dsp_dynamics_fast_log2(np.array([1.0, 2.0, 0.5]))[0] == 0.0
    np.testing.assert_array_equal(_core.dsp_dynamics_fast_log2(np.array([2.0, 0.5, 1024.0])), [1, -1, 10])


def test_fast_exp2_accuracy_over_minus150_to_plus20_db():
    level = np.linspace(-150, 20, 400001)
    y = (level / (20 * math.log10(2))).astype(np.float32)
    err = db(_core.dsp_dynamics_fast_exp2(y)) - 20 * math.log10(2) * y.astype(np.float64)
    assert np.abs(err).max() < 1e-3  # required < 0.01 dB; the polynomial gives ~1e-6 dB
    np.testing.assert_array_equal(_core.dsp_dynamics_fast_exp2(np.array([0.0, 1.0, -3.0, 10.0])),
                                  [1.0, 2.0, 0.125, 1024.0])
    # Outside [-126, 126] the result clamps to a normal float instead of wrapping the exponent.
    big = _core.dsp_dynamics_fast_exp2(np.array([-1000.0, 1000.0, np.nan]))
    assert np.all(np.isfinite(big)) and np.all(big >= FLT_MIN)


# ---- compressor: static curve -------------------------------------------------------------------

CURVES = [(-20.0, 4.0, 0.0), (-30.0, 2.0, 12.0), (-10.0, 20.0, 6.0), (-40.0, 8.0, 24.0), (-24.0, 1.0, 6.0)]


def test_comp_curve_python_definition():
    c = dyn.comp_curve
    assert c(-50, -20, 4, 0) == -50  # below threshold: unchanged
    assert c(-4, -20, 4, 0) == pytest.approx(-16)  # 16 dB over at 4:1 -> 4 dB over
    assert c(-20, -20, 4, 0) == -20
    assert c(-27, -20, 4, 12) == -27  # 7 dB under: below the 12 dB knee (starts 6 dB under)
    assert c(-14, -20, 4, 12) == pytest.approx(-20 + 6 / 4)  # knee top joins the ratio line
    assert c(-20, -20, 4, 12) == pytest.approx(-20 - 0.75 * 36 / 24)  # mid-knee: (1/R-1)(W/2)^2/(2W)
    assert c(0, -30, 1, 12) == 0  # ratio 1: a straight line
    # Continuous and monotonic, slope between 1/R and 1.
    lv = np.linspace(-80, 10, 9001)
    for t, r, k in CURVES:
        out = np.array([c(v, t, r, k) for v in lv])
        slope = np.diff(out) / np.diff(lv)
        assert slope.min() >= 1 / r - 1e-9 and slope.max() <= 1 + 1e-9


@pytest.mark.parametrize("threshold,ratio,knee", CURVES)
def test_comp_curve_c_equals_python(threshold, ratio, knee):
    lv = np.linspace(-90, 20, 11001).astype(np.float32)
    params = dyn.comp_params(threshold, ratio, knee, 10, 100, 0, FS)
    got = _core.dsp_dynamics_comp_curve(lv, params).astype(np.float64)
    want = np.array([dyn.comp_curve(float(v), threshold, ratio, knee) for v in lv])
    assert np.abs(got - want).max() < 1e-3


@pytest.mark.parametrize("threshold,ratio,knee", CURVES)
@pytest.mark.parametrize("attack_ms,release_ms", [(0.05, 1000.0), (1.0, 1000.0)])
def test_comp_static_curve_from_steady_sines(threshold, ratio, knee, attack_ms, release_ms):
    """Settled output peak of a 1 kHz sine vs the curve at the input peak, −60…0 dBFS: within 0.1 dB."""
    params = dyn.comp_params(threshold, ratio, knee, attack_ms, release_ms, 0, FS)
    errors = []
    for level in np.arange(-60.0, 0.1, 3.0):
        x = tone(level, 2.0)
        y, _, _, _ = _core.dsp_dynamics_comp(x, params)
        tail = slice(-FS // 5, None)  # the last 200 ms, long after the attack settled
        peak_in = db(np.abs(x[tail]).max())
        peak_out = db(np.abs(y[tail]).max())
        errors.append(peak_out - dyn.comp_curve(peak_in, threshold, ratio, knee))
    assert np.abs(errors).max() < 0.1, errors


def test_comp_makeup_adds_exactly_its_db():
    x = music_like(2.0)
    base = dyn.comp_params(-30, 4, 6, 5, 100, 0, FS)
    lifted = dyn.comp_params(-30, 4, 6, 5, 100, 7.5, FS)
    y0, gr0, _, _ = _core.dsp_dynamics_comp(x, base)
    y1, gr1, _, _ = _core.dsp_dynamics_comp(x, lifted)
    diff = db(np.abs(y1.astype(np.float64))) - db(np.abs(y0.astype(np.float64)))
    # Makeup slews in at 0.005 dB per sample (no step, no click): 7.5 dB takes 1500 samples.
    slew = np.minimum(7.5, 0.005 * np.arange(1, x.size + 1))
    assert np.abs(diff - slew).max() < 0.02
    assert np.abs(diff[1500:] - 7.5).max() < 1e-3
    np.testing.assert_array_equal(gr0, gr1)  # the reported reduction does not count makeup
    assert gr0.max() > 10  # the signal was really compressed


# ---- compressor: time constants -----------------------------------------------------------------

@pytest.mark.parametrize("attack_ms", [1.0, 10.0, 50.0, 200.0])
def test_comp_attack_follows_the_exponential_definition(attack_ms):
    # DC steps keep the instantaneous level constant, so the reduction target is one number.
    threshold, ratio = -30.0, 4.0
    params = dyn.comp_params(threshold, ratio, 0, attack_ms, 100, 0, FS)
    pre = dc(-60, 0.1)
    x = np.concatenate([pre, dc(-6, max(1.5, 12 * attack_ms / 1000))])
    y, _, _, _ = _core.dsp_dynamics_comp(x, params)
    gr = -db(gain_of(x, y))[pre.size:]
    target = (1 - 1 / ratio) * (db(x[-1]) - threshold)
    k = np.arange(1, gr.size + 1)  # the first loud sample already takes one step
    expected = target * (1 - coef(attack_ms) ** k)
    assert np.abs(gr - expected).max() < 0.01
    reached = first_index(gr >= E63 * target) + 1
    assert reached == pytest.approx(attack_ms * FS / 1000, rel=0.05)
    assert gr[-1] == pytest.approx(target, abs=1e-3)


@pytest.mark.parametrize("attack_ms,release_ms", [(1, 5), (1, 50), (1, 300), (1, 1000), (200, 50)])
def test_comp_release_follows_the_exponential_definition(attack_ms, release_ms):
    # (200, 50): attack slower than release, the kernel's other smoothing branch.
    params = dyn.comp_params(-30, 4, 0, attack_ms, release_ms, 0, FS)
    loud = dc(-6, 0.3)
    x = np.concatenate([loud, dc(-60, 6 * release_ms / 1000 + 0.1)])
    y, _, _, _ = _core.dsp_dynamics_comp(x, params)
    gr = -db(gain_of(x, y))
    start = gr[loud.size - 1]
    rel = gr[loud.size:]
    k = np.arange(1, rel.size + 1)
    expected = start * coef(release_ms) ** k
    assert np.abs(rel - expected).max() < 0.01
    reached = first_index(rel <= (1 - E63) * start) + 1
    assert reached == pytest.approx(release_ms * FS / 1000, rel=0.05)


def test_comp_reported_reduction_equals_measured_attenuation():
    x = music_like(3.0, seed=4)
    makeup = 3.0
    params = dyn.comp_params(-35, 6, 10, 2, 150, makeup, FS)
    block = 64
    y, gr, _, _ = _core.dsp_dynamics_comp(x, params, block)
    # Makeup (slewing in at 0.005 dB per sample from 0) is not counted, as the contract says.
    makeup_now = np.minimum(makeup, 0.005 * np.arange(1, x.size + 1))
    att = makeup_now - db(gain_of(x, y))
    measured = np.pad(att, (0, -att.size % block), constant_values=-np.inf).reshape(-1, block).max(axis=1)
    assert np.abs(gr - np.maximum(measured, 0)).max() < 1e-3
    assert gr.max() > 15


def test_comp_block_size_does_not_change_the_output():
    x = music_like(1.0, seed=7)
    params = dyn.comp_params(-30, 4, 6, 3, 80, 2, FS)
    ref, _, st, _ = _core.dsp_dynamics_comp(x, params, 64)
    for block in (1, 37, 64 * 3 + 5, 4096):
        # The smoother state is rounded to float at block ends: equal to well under 0.001 dB.
        y, _, st2, _ = _core.dsp_dynamics_comp(x, params, block)
        assert np.abs(db(np.abs(y)) - db(np.abs(ref))).max() < 1e-4
        assert st2 == pytest.approx(st, abs=1e-4)


def test_comp_nan_and_inf_do_not_poison_the_state():
    params = dyn.comp_params(-20, 4, 0, 1, 20, 0, FS)
    x = tone(-40, 0.5)
    x[1000] = np.nan
    x[2000] = np.inf
    y, _, st, _ = _core.dsp_dynamics_comp(x, params)
    assert np.isfinite(st)
    # An inf sample reads as +200 dB for one attack step; 0.4 s later the reduction is gone again.
    np.testing.assert_array_equal(y[-FS // 10:], x[-FS // 10:])


# ---- gate / expander ----------------------------------------------------------------------------

def test_gate_opens_holds_then_closes_to_the_range():
    threshold, range_db, attack_ms, hold_ms, release_ms = -40.0, -80.0, 0.5, 50.0, 20.0
    params = dyn.gate_params(threshold, range_db, attack_ms, hold_ms, release_ms, FS)
    hold = int(params[4])
    assert hold == 2400
    probe = dc(-60, 2.0)  # a small DC under everything so the gain is readable everywhere
    x = probe.copy()
    burst = slice(FS // 2, FS)  # 0.5 s of a -20 dBFS tone
    x[burst] += tone(-20, 0.5, freq=997.0, phase=0.3)
    y, gr, state, _ = _core.dsp_dynamics_gate(x, params)
    g = gain_of(x, y)
    floor = 10 ** (range_db / 20)

    # Closed before the burst: the probe is below the threshold.
    assert abs(db(g[burst.start - 1]) - range_db) < 0.5
    # Opens on the first sample above the threshold, with the attack time constant.
    first = first_index(np.abs(x) > 10 ** (threshold / 20))
    assert first >= burst.start
    opened = (g[first:] - floor) / (1 - floor)
    reached = first_index(opened >= E63) + 1
    assert reached == pytest.approx(attack_ms * FS / 1000, rel=0.05)
    # Fully open during the tone: exactly unity gain (hold bridges the tone's zero crossings).
    last = int(np.flatnonzero(np.abs(x) > 10 ** (threshold / 20))[-1])
    assert burst.stop - 3 <= last < burst.stop  # the tone's last sample over the threshold ends the burst
    assert np.all(g[first + FS // 100:last + 1] == 1.0)
    # Stays open for hold_ms after the last sample above the threshold, then releases.
    closing = first_index(g[last + 1:] < 1.0) + last + 1
    assert abs(closing - (last + 1 + hold)) <= 2
    assert np.all(g[last + 1:last + 1 + hold] == 1.0)
    released = (1 - g[closing:]) / (1 - floor)
    reached = first_index(released >= E63) + 1
    assert reached == pytest.approx(release_ms * FS / 1000, rel=0.05)
    # Closed again: the range attenuation, within 0.5 dB, and the state says so.
    assert abs(db(g[-1]) - range_db) < 0.5
    assert abs(db(state[1]) - range_db) < 0.5
    assert gr[-1] == pytest.approx(-db(g[-1]), abs=1e-3)


def test_gate_reported_attenuation_equals_measured():
    params = dyn.gate_params(-30, -60, 1, 20, 50, FS)
    x = music_like(3.0, seed=3)
    block = 64
    y, gr, _, _ = _core.dsp_dynamics_gate(x, params, block)
    att = -db(gain_of(x, y))
    measured = np.pad(att, (0, -att.size % block), constant_values=-np.inf).reshape(-1, block).max(axis=1)
    assert np.abs(gr - np.maximum(measured, 0)).max() < 1e-3
    assert gr.max() > 40 and gr.min() == 0.0  # it really opened and closed


def test_expander_attenuates_exactly_its_range():
    params = dyn.gate_params(-30, -10, 1, 10, 20, FS)
    x = dc(-50, 1.0)
    y, gr, state, _ = _core.dsp_dynamics_gate(x, params)
    steady = db(gain_of(x, y)[-FS // 10:])
    assert np.abs(steady + 10).max() < 0.01
    assert gr[-1] == pytest.approx(10, abs=0.01)
    # Above the threshold the same expander is transparent.
    y, gr, _, _ = _core.dsp_dynamics_gate(dc(-20, 0.5), params)
    assert np.all(gr == 0) and np.all(y == dc(-20, 0.5))


def test_gate_hold_zero_is_samplewise():
    params = dyn.gate_params(-40, -80, 0.05, 0, 5, FS)
    x = np.concatenate([dc(-20, 0.1), dc(-60, 0.1)])
    y, _, _, _ = _core.dsp_dynamics_gate(x, params)
    g = gain_of(x, y)
    assert g[FS // 10 - 1] == 1.0 and g[FS // 10] < 1.0  # closes on the first quiet sample


def test_gate_block_size_does_not_change_the_output():
    x = music_like(1.0, seed=9)
    params = dyn.gate_params(-35, -50, 2, 15, 40, FS)
    ref, _, st, _ = _core.dsp_dynamics_gate(x, params, 64)
    for block in (1, 37, 4096):
        y, _, st2, _ = _core.dsp_dynamics_gate(x, params, block)
        np.testing.assert_allclose(y, ref, rtol=1e-5)  # the gain is rounded to float at block ends
        assert st2[1] == pytest.approx(st[1], rel=1e-5)
        assert st2[2] == st[2]  # env is the last block's peak, so it depends on the block


# ---- limiter ------------------------------------------------------------------------------------

def test_limiter_steady_sine_12db_over_never_exceeds_the_threshold():
    threshold = -6.0
    params = dyn.limiter_params(threshold, 50, FS)
    ceiling = np.float32(params[0])
    x = tone(threshold + 12, 1.0, freq=441.0, phase=0.1)[None, :]
    y, gr, gain, _ = _core.dsp_dynamics_limiter(x, params)
    first_peak = int(np.argmax(np.abs(x[0, : FS // 441])))
    assert db(np.abs(y[0, first_peak:]).max()) <= threshold + 0.1  # the tolerance
    assert np.abs(y).max() <= ceiling  # the stronger claim: not one sample above, from the start
    # It limits, it does not pump: every later cycle peaks at the threshold.
    cycles = y[0, FS // 10:].reshape(-1, 480)  # 10 ms windows, 4.4 cycles each
    assert np.abs(db(np.abs(y[0, FS // 10:]).max()) - threshold) < 0.01
    assert np.abs(db(np.abs(cycles).max(axis=1)) - threshold).max() < 0.1
    assert gr.max() == pytest.approx(12, abs=0.01)


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_limiter_random_loud_signal_never_exceeds_the_threshold(channels):
    rng = np.random.default_rng(channels)
    envelope = np.repeat(rng.uniform(0.01, 8, 5 * 50), FS // 50)  # -40…+18 dBFS, a new level every 20 ms
    x = (rng.standard_normal((channels, 5 * FS)) * envelope).astype(np.float32)
    for threshold in (-30.0, -10.0, -0.1, 0.0):
        params = dyn.limiter_params(threshold, 5, FS)
        for block in (1, 64, 333):
            y, _, _, _ = _core.dsp_dynamics_limiter(x, params, block)
            assert np.abs(y).max() <= np.float32(params[0])


def test_limiter_stereo_link_applies_one_gain_to_both_sides():
    params = dyn.limiter_params(-10, 100, FS)
    left = tone(0, 1.0, freq=220.0)
    right = tone(-40, 1.0, freq=3000.0, phase=1.0)  # far below the threshold on its own
    x = np.stack([left, right])
    y, _, _, _ = _core.dsp_dynamics_limiter(x, params)
    gl, gr = gain_of(x[0], y[0]), gain_of(x[1], y[1])
    ok = ~np.isnan(gl) & ~np.isnan(gr) & (np.abs(x[0]) > 1e-3) & (np.abs(x[1]) > 1e-3)
    np.testing.assert_allclose(gl[ok], gr[ok], rtol=1e-6)
    assert db(np.nanmin(gr)) < -9.9  # the quiet side is turned down with the loud one


@pytest.mark.parametrize("release_ms", [5.0, 100.0, 1000.0])
def test_limiter_release_recovery_time(release_ms):
    params = dyn.limiter_params(-6, release_ms, FS)
    loud = dc(0, 0.05)
    x = np.concatenate([loud, dc(-40, 6 * release_ms / 1000 + 0.05)])[None, :]
    y, _, gain, _ = _core.dsp_dynamics_limiter(x, params)
    g = gain_of(x[0], y[0])
    g0 = g[loud.size - 1]
    assert db(g0) == pytest.approx(-6, abs=1e-3)
    rec = (g[loud.size:] - g0) / (1 - g0)
    k = np.arange(1, rec.size + 1)
    np.testing.assert_allclose(rec, 1 - coef(release_ms) ** k, atol=1e-5)
    reached = first_index(rec >= E63) + 1
    assert reached == pytest.approx(release_ms * FS / 1000, rel=0.05)


def test_limiter_reported_reduction_equals_measured():
    x = (music_like(3.0, seed=5) * 4.0)[None, :]
    params = dyn.limiter_params(-12, 60, FS)
    block = 64
    y, gr, _, _ = _core.dsp_dynamics_limiter(x, params, block)
    att = -db(gain_of(x[0], y[0]))
    measured = np.pad(att, (0, -att.size % block), constant_values=-np.inf).reshape(-1, block).max(axis=1)
    assert np.abs(gr - np.maximum(measured, 0)).max() < 1e-3
    assert gr.max() > 10


def test_raw_garbage_parameters_cannot_produce_nan():
    """The kernels clamp what arrives from the ring: NaN, negative or huge values stay harmless."""
    x = music_like(0.5, seed=21) * 2
    nan = float("nan")
    for params in [(nan, nan, nan, nan, nan), (-500, 50, 2.0, -1.0, -10), (0, -1e9, 1.0, 1.0, 1e12)]:
        y, gr, st, _ = _core.dsp_dynamics_gate(x, params)
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(gr)) and np.all(np.isfinite(st))
    for params in [(nan,) * 6, (-500, 0.1, -5, 2.0, -1.0, 1e9), (500, 1e12, 1e9, 0.0, 0.0, -1e9)]:
        y, gr, st, _ = _core.dsp_dynamics_comp(x, params)
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(gr)) and np.isfinite(st)
    for params in [(nan, nan), (-1.0, 2.0), (0.0, -1.0), (1e30, 0.5)]:
        y, gr, st, _ = _core.dsp_dynamics_limiter(x[None, :], params)
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(gr)) and np.isfinite(st)
    y, _, _, _ = _core.dsp_dynamics_limiter(x[None, :], (-1.0, 0.5))  # a negative ceiling -> the minimum
    assert np.abs(y).max() <= np.float32(1e-6)


# ---- denormals (their cost: mixerd bench --workload kernels) ------------------------------------

def _kernels():
    return {
        "gate": (_core.dsp_dynamics_gate, dyn.gate_params(-40, -90, 1, 10, 5, FS), lambda s: s),
        "comp": (_core.dsp_dynamics_comp, dyn.comp_params(-40, 10, 6, 1, 5, 0, FS), lambda s: s),
        "limiter": (_core.dsp_dynamics_limiter, dyn.limiter_params(-20, 5, FS), lambda s: s[None, :]),
    }


def _normal_or_zero(v):
    v = abs(float(np.float32(v)))
    return v == 0.0 or v >= FLT_MIN


@pytest.mark.parametrize("name", ["gate", "comp", "limiter"])
def test_states_stay_normal_through_long_silence(name):
    run, params, shape = _kernels()[name]
    signal = music_like(0.5, seed=11) * 3
    for silence_s in (0.001, 0.01, 0.1, 1.0, 10.0):
        x = np.concatenate([signal, np.zeros(int(silence_s * FS), np.float32)])
        y, _, state, _ = run(shape(x), params)
        for v in np.atleast_1d(state):
            assert _normal_or_zero(v), (silence_s, state)
        assert np.all([_normal_or_zero(v) for v in y.ravel()[-FS // 100:]])
    # After 10 s every state has landed exactly on its resting value.
    if name == "gate":
        assert state[0] == 0.0 and state[2] == 0.0
        assert state[1] == pytest.approx(10 ** (-90 / 20), rel=1e-4)
    elif name == "comp":
        assert state == 0.0
    else:
        assert state == 1.0


# ---- control side ----------------------------------------------------------------------------

def test_param_tuples_follow_the_header_field_order():
    thr, rng, ac, rc, hold = dyn.gate_params(-45, -70, 2, 100, 250, FS)
    assert (thr, rng, hold) == (-45, -70, 4800.0)
    assert ac == pytest.approx(math.exp(-1 / (0.002 * FS)))
    assert rc == pytest.approx(math.exp(-1 / (0.25 * FS)))
    assert dyn.comp_params(-18, 3, 6, 10, 120, 4, FS) == pytest.approx(
        (-18, 3, 6, math.exp(-1 / (0.010 * FS)), math.exp(-1 / (0.120 * FS)), 4))
    assert dyn.limiter_params(-1, 50, FS) == pytest.approx((10 ** (-1 / 20), math.exp(-1 / (0.05 * FS))))
    # The definition: a step covers 1 - 1/e of its way in t.
    assert 1 - dyn.time_coef(10, FS) ** (0.010 * FS) == pytest.approx(E63)


@pytest.mark.parametrize("call", [
    lambda: dyn.gate_params(-91, -80, 1, 10, 50, FS),
    lambda: dyn.gate_params(1, -80, 1, 10, 50, FS),
    lambda: dyn.gate_params(-40, -91, 1, 10, 50, FS),
    lambda: dyn.gate_params(-40, 0.5, 1, 10, 50, FS),
    lambda: dyn.gate_params(-40, -80, 0.01, 10, 50, FS),
    lambda: dyn.gate_params(-40, -80, 101, 10, 50, FS),
    lambda: dyn.gate_params(-40, -80, 1, -1, 50, FS),
    lambda: dyn.gate_params(-40, -80, 1, 2001, 50, FS),
    lambda: dyn.gate_params(-40, -80, 1, 10, 4, FS),
    lambda: dyn.gate_params(-40, -80, 1, 10, 2001, FS),
    lambda: dyn.comp_params(-61, 4, 0, 10, 100, 0, FS),
    lambda: dyn.comp_params(0.1, 4, 0, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, 0.9, 0, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, 21, 0, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, 4, -1, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, 4, 25, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, 4, 0, 0.04, 100, 0, FS),
    lambda: dyn.comp_params(-20, 4, 0, 201, 100, 0, FS),
    lambda: dyn.comp_params(-20, 4, 0, 10, 4.9, 0, FS),
    lambda: dyn.comp_params(-20, 4, 0, 10, 2001, 0, FS),
    lambda: dyn.comp_params(-20, 4, 0, 10, 100, -1, FS),
    lambda: dyn.comp_params(-20, 4, 0, 10, 100, 25, FS),
    lambda: dyn.comp_params(-20, float("nan"), 0, 10, 100, 0, FS),
    lambda: dyn.comp_params(-20, "loud", 0, 10, 100, 0, FS),
    lambda: dyn.limiter_params(-31, 50, FS),
    lambda: dyn.limiter_params(0.5, 50, FS),
    lambda: dyn.limiter_params(-1, 3, FS),
    lambda: dyn.limiter_params(-1, 2500, FS),
    lambda: dyn.limiter_params(-1, 50, 0),
    lambda: dyn.comp_curve(-10, -20, 0.5, 0),
])
def test_out_of_range_values_raise_clear_value_errors(call):
    with pytest.raises(ValueError, match=r"must be"):
        call()


def test_range_edges_are_accepted():
    dyn.gate_params(-90, -90, 0.05, 0, 5, FS)
    dyn.gate_params(0, 0, 100, 2000, 2000, FS)
    dyn.comp_params(-60, 1, 0, 0.05, 5, 0, FS)
    dyn.comp_params(0, 20, 24, 200, 2000, 24, FS)
    dyn.limiter_params(-30, 5, FS)
    dyn.limiter_params(0, 2000, FS)
