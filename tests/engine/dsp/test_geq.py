"""The graphic EQ's design (mixerd/engine/dsp/filters.py geq_band) and its kernel (mix_biquad_run_live).

Design: every band at several gains and rates against an independent reference written here from the
formula — the analog constant-Q peaking prototype H(s) = (s² + s·A/Q + 1) / (s² + s/(A·Q) + 1), taken to
z by scipy's bilinear transform with the band's centre pre-warped — compared through scipy.signal.sosfreqz
within 0.1 dB (they agree to ~1e-9 dB: the same filter reached two ways). The constant-Q figures the design
documents (half the gain one half-band away at any gain, how neighbours combine) are measured here too.

Kernel: a bank of 31 sections run through its live mask gives what running every section in turn gives
(within float32 rounding), and a flat band drops out of the mask.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal as ss

from mixerd import _core
from mixerd.engine.dsp import filters
from mixerd.model import table

RATES = (44100, 48000, 96000)
GAINS = (-15.0, -9.0, -3.0, -0.5, 0.5, 6.0, 15.0)
BANDS = range(1, filters.GEQ_BANDS + 1)
DB = 0.1  # the brief's tolerance; the two designs agree far closer


def sos(sections):
    return np.array([[c[0], c[1], c[2], 1.0, c[3], c[4]] for c in sections], dtype=float)


def response_db(sections, freqs, fs):
    return 20 * np.log10(np.abs(ss.sosfreqz(sos(sections), worN=np.atleast_1d(np.asarray(freqs, float)), fs=fs)[1]))


def reference_band(f0, gain_db, q, fs):
    """The constant-Q peaking band from its analog prototype: bilinear transform, f0 pre-warped."""
    a = 10 ** (gain_db / 40)
    wa = 2 * fs * math.tan(math.pi * f0 / fs)  # the analog frequency that lands on f0
    b, aa = ss.bilinear([1 / wa ** 2, a / (q * wa), 1.0], [1 / wa ** 2, 1 / (a * q * wa), 1.0], fs=fs)
    return (b[0] / aa[0], b[1] / aa[0], b[2] / aa[0], aa[1] / aa[0], aa[2] / aa[0])


def grid(fs):
    """Log-spaced frequencies from 10 Hz to just below Nyquist."""
    return np.geomspace(10.0, 0.499 * fs, 3000)


def test_the_bands_are_third_octaves_at_the_iso_centres():
    centres = [filters.geq_centre(k) for k in BANDS]
    assert len(centres) == filters.GEQ_BANDS == _core.GEQ_BANDS == len(table.GEQ_FREQS)
    assert centres[filters.GEQ_REFERENCE_BAND - 1] == 1000.0
    np.testing.assert_allclose(np.diff(np.log10(centres)), 0.1, rtol=1e-12)  # base-10 third octaves
    np.testing.assert_allclose(centres, table.GEQ_FREQS, rtol=0.015)  # their ISO 266 nominal names
    assert filters.GEQ_Q == pytest.approx(4.3334, abs=1e-4)
    for bad in (0, 32, 1.0, True, "1"):
        with pytest.raises(ValueError):
            filters.geq_centre(bad)
    with pytest.raises(ValueError):
        filters.geq_band(18, 15.5, 48000)
    with pytest.raises(ValueError):
        filters.geq_band(18, -6.0, 1000)


@pytest.mark.parametrize("fs", RATES)
def test_every_band_matches_the_reference_design_within_a_tenth_of_a_db(fs):
    f = grid(fs)
    worst = 0.0
    for k in BANDS:
        f0 = filters.geq_centre(k)
        for gain in GAINS:
            got = response_db([filters.geq_band(k, gain, fs)], f, fs)
            want = response_db([reference_band(f0, gain, filters.GEQ_Q, fs)], f, fs)
            worst = max(worst, float(np.abs(got - want).max()))
            # The band's own gain at its centre, exactly (the peaking filter's defining point).
            assert response_db([filters.geq_band(k, gain, fs)], f0, fs)[0] == pytest.approx(gain, abs=1e-9)
    assert worst < DB
    assert worst < 1e-6  # in fact the same filter


@pytest.mark.parametrize("fs", RATES)
def test_a_flat_band_is_the_identity(fs):
    for k in BANDS:
        assert filters.geq_band(k, 0.0, fs) == filters.IDENTITY
        assert filters.geq_band(k, -0.0, fs) == filters.IDENTITY


def test_bands_the_rate_cannot_carry_are_left_flat():
    """At 32 kHz the 16 and 20 kHz bands lie above 0.49 fs: flat (not piled onto the 12.5 kHz band)."""
    assert filters.geq_band(30, -9.0, 32000) == filters.IDENTITY == filters.geq_band(31, -9.0, 32000)
    assert filters.geq_band(29, -9.0, 32000) != filters.IDENTITY


@pytest.mark.parametrize("gain", [-15.0, -6.0, 6.0, 15.0])
def test_constant_q_half_the_gain_half_a_band_away(gain):
    """The band's width does not change with its gain: half its dB gain a half-band (1/6 octave) either side of
    the centre, at any gain (the mid bands, where the bilinear warp is negligible at 96 kHz)."""
    fs = 96000
    r = filters.GEQ_RATIO
    for k in (5, 12, 18, 24):
        f0 = filters.geq_centre(k)
        edges = response_db([filters.geq_band(k, gain, fs)], [f0 / math.sqrt(r), f0 * math.sqrt(r)], fs)
        np.testing.assert_allclose(edges, gain / 2, atol=0.02 * abs(gain))


def test_neighbours_combine_as_a_constant_q_graphic():
    """The figures filters.py documents, at 48 kHz around 1 kHz: two neighbours at the same gain give that
    gain halfway between them and 1.2–1.25 times it at their centres; a lone band at −15 dB reaches −3.6 dB at the
    next centre and −1.2 dB two bands away."""
    fs, k = 48000, 18
    f0, r = filters.geq_centre(k), filters.GEQ_RATIO
    for gain in (-15.0, -6.0, 15.0):
        pair = [filters.geq_band(k, gain, fs), filters.geq_band(k + 1, gain, fs)]
        centre, between = response_db(pair, [f0, f0 * math.sqrt(r)], fs)
        assert between == pytest.approx(gain, abs=0.05)
        assert 1.2 < centre / gain < 1.25
    lone = response_db([filters.geq_band(k, -15.0, fs)], [f0 * r, f0 * r * r], fs)
    np.testing.assert_allclose(lone, [-3.6, -1.2], atol=0.05)


# -- the kernel: mix_biquad_run_live --------------------------------------------------------------------------

def bank(gains, fs=48000, immediate=True, ramp=480):
    c = _core.dsp_biquad_Cascade(filters.GEQ_BANDS)
    for k, g in gains.items():
        c.set(k - 1, filters.geq_band(k, g, fs), ramp, immediate)
    return c


def noise(n=9600, seed=3):
    return (0.25 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


@pytest.mark.parametrize("gains", [{3: -6.0}, {1: -9.0, 2: 4.0, 17: -3.0, 18: -12.0, 30: 6.0, 31: -15.0},
                                   {k: (-1.0) ** k * k / 3 for k in BANDS}],  # all 31 in use: chains of 8
                         ids=["one", "six", "all"])
def test_the_live_bands_give_what_every_band_in_turn_gives(gains):
    x = noise()
    every = bank(gains).run(x)  # every section, one after the other
    live_y, live = bank(gains).run_live(x, (1 << 31) - 1)
    np.testing.assert_allclose(live_y, every, rtol=0, atol=2e-6)
    assert live == sum(1 << (k - 1) for k in gains)  # the flat ones dropped out of the mask
    # And what scipy makes of the same sections.
    want = ss.sosfilt(sos([filters.geq_band(k, gains.get(k, 0.0), 48000) for k in BANDS]), x.astype(float))
    np.testing.assert_allclose(live_y, want, rtol=0, atol=2e-5)


def test_a_band_fading_runs_in_its_place_and_drops_out_once_flat():
    """A band ramped to flat keeps running while it fades (the result is each section in turn's), then leaves
    the mask; sections left out of the mask are not run at all."""
    x = noise()
    ref, live_bank = bank({5: -9.0, 18: -6.0}), bank({5: -9.0, 18: -6.0})
    for c in (ref, live_bank):
        c.set(17, filters.IDENTITY, 480)  # band 18 fades to flat over 10 ms
    every = ref.run(x)
    live_y, live = live_bank.run_live(x, (1 << 4) | (1 << 17))
    np.testing.assert_allclose(live_y, every, rtol=0, atol=2e-6)
    assert live == 1 << 4
    # A band outside the mask is not run, whatever it holds.
    y, live = bank({5: -9.0, 18: -6.0}).run_live(x, 1 << 4)
    np.testing.assert_allclose(y, bank({5: -9.0}).run(x), rtol=0, atol=2e-6)
    assert live == 1 << 4
