"""The RTA's bands: ISO-like centres, levels that read a sine at its level in its band and noise as its power,
peak hold, and spectra from blocks of any size."""

import numpy as np
import pytest

from mixerd.analysis.rta import Rta, Spectra, band_centres

RATE = 48000


def test_the_bands_run_from_20_hz_to_20_khz():
    thirds, sixths = band_centres(3), band_centres(6)
    assert thirds.size == 31 and sixths.size == 61
    assert thirds[0] == pytest.approx(19.7, abs=0.1) and thirds[-1] == pytest.approx(20159, abs=1)
    assert 1000.0 in thirds and 1000.0 in sixths
    with pytest.raises(ValueError, match="1/3 or 1/6 octave"):
        band_centres(12)


@pytest.mark.parametrize("per_octave", [3, 6])
@pytest.mark.parametrize("freq", [63.0, 1000.0, 5000.0])
def test_a_sine_reads_its_level_in_its_band(per_octave, freq):
    rta = Rta(RATE, per_octave)
    t = np.arange(RATE) / RATE
    frames = rta.feed(0.5 * np.sin(2 * np.pi * freq * t))  # −6 dBFS
    levels = frames[-1].levels
    band = int(np.argmin(np.abs(np.log2(rta.centres / freq))))
    total = 10 * np.log10(np.sum(10 ** (levels[max(0, band - 1):band + 2] / 10)))  # a sine on a band edge
    assert total == pytest.approx(-6.02, abs=0.3)
    assert levels[band] == levels.max()
    far = np.abs(np.log2(rta.centres / freq)) > 1.0
    assert levels[far].max() < -60


def test_white_noise_reads_its_power_per_band():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.1, 4 * RATE)  # −20 dB mean square relative to 1, -17 dBFS
    frames = Rta(RATE, 3).feed(noise)
    levels = np.mean([f.levels for f in frames[4:]], axis=0)
    total = 10 * np.log10(np.sum(10 ** (levels / 10)))
    assert total == pytest.approx(10 * np.log10(0.01 / 0.5), abs=0.5)
    # white noise: each band's share is its width (a third of an octave doubles every octave: +3 dB/octave)
    k1, k4 = 17, 27  # 1 kHz and 10 kHz
    assert levels[k4] - levels[k1] == pytest.approx(10 * np.log10(10), abs=1.0)


def test_peaks_hold_then_fall():
    rta = Rta(RATE, 3, hold_s=0.5, fall_db_s=20.0)
    t = np.arange(RATE // 2) / RATE
    rta.feed(0.5 * np.sin(2 * np.pi * 1000 * t))
    band = int(np.flatnonzero(rta.centres == 1000.0)[0])
    quiet = rta.feed(np.zeros(RATE // 4))
    assert quiet[-1].peaks[band] > -8  # still held
    later = rta.feed(np.zeros(RATE))
    assert later[-1].peaks[band] < quiet[-1].peaks[band] - 10  # fallen
    assert later[-1].levels[band] <= -100


def test_spectra_do_not_depend_on_the_block_size():
    x = np.random.default_rng(2).normal(0, 0.1, 30000)
    whole = Spectra(RATE).feed(x)
    sliced = Spectra(RATE)
    pieces = [s for i in range(0, x.size, 64) for s in sliced.feed(x[i:i + 64])]
    assert len(whole) == len(pieces) == 1 + (x.size - 8192) // 2048
    for a, b in zip(whole, pieces):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-18)
