"""The feedback finder's ear on made signals: a howl that grows out of the band's noise is found at its
frequency (ringing out and always on), a held tone only while ringing out, moving tones never, and a howl is
let go once it stops."""

import numpy as np
import pytest

from mixerd.analysis.feedback import FeedbackDetector
from mixerd.analysis.rta import Spectra

RATE = 48000


def listen(signal: np.ndarray, ringing_out: bool, block: int = 1024):
    """Every spectrum's howls, in time order: a list of (seconds, [Howl])."""
    spectra = Spectra(RATE)
    detector = FeedbackDetector(RATE, spectra.n_fft, ringing_out=ringing_out)
    heard, t = [], 0.0
    for i in range(0, signal.size, block):
        for power in spectra.feed(signal[i:i + block]):
            t += spectra.hop / RATE
            heard.append((t, detector.feed(power, t)))
    return heard


def band(seconds: float, level_db: float = -40.0, seed: int = 3) -> np.ndarray:
    """A band playing: pink-ish noise at ``level_db`` (RMS)."""
    rng = np.random.default_rng(seed)
    white = rng.normal(0, 1, int(seconds * RATE))
    pink = np.cumsum(white) * 0.02
    pink -= np.convolve(pink, np.ones(2048) / 2048, mode="same")  # take the drift out
    return pink / np.sqrt(np.mean(pink ** 2)) * 10 ** (level_db / 20)


def howl(seconds: float, freq: float, start_db: float, end_db: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = 10 ** (np.linspace(start_db, end_db, t.size) / 20)
    return np.sqrt(2) * envelope * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize("ringing_out", [True, False])
@pytest.mark.parametrize("freq", [180.0, 1234.5, 6300.0])
def test_a_growing_howl_is_found_at_its_frequency(ringing_out, freq):
    signal = band(2.0) + howl(2.0, freq, -55.0, -10.0)
    heard = listen(signal, ringing_out)
    howls = [h for _, hs in heard for h in hs]
    assert howls, "no howl found"
    first = next(t for t, hs in heard if hs)
    assert first < 1.5
    for h in howls:
        assert abs(np.log2(h.freq / freq)) < 1 / 12  # well within ±1/6 octave
    assert abs(howls[-1].freq - freq) < 2.0


def test_a_held_tone_is_feedback_only_while_ringing_out():
    signal = band(2.0) + howl(2.0, 1000.0, -12.0, -12.0)  # a test tone, steady
    assert any(hs for _, hs in listen(signal, ringing_out=True))
    assert not any(hs for _, hs in listen(signal, ringing_out=False))


def test_moving_tones_are_music_not_feedback():
    t = np.arange(2 * RATE) / RATE
    melody = np.zeros_like(t)
    notes = [262, 330, 392, 523, 440, 349, 294, 247]
    for i, f in enumerate(notes):  # a quarter second each, rising loud
        part = slice(i * RATE // 4, (i + 1) * RATE // 4)
        melody[part] = 0.3 * np.sin(2 * np.pi * f * t[part]) * np.linspace(0.2, 1.0, t[part].size)
    for ringing_out in (True, False):
        assert not any(hs for _, hs in listen(band(2.0) + melody, ringing_out))


def test_two_howls_at_once_and_a_howl_that_stops_is_let_go():
    signal = band(3.0) + np.concatenate([howl(2.0, 800.0, -50.0, -15.0), np.zeros(RATE)]) + howl(
        3.0, 2500.0, -50.0, -15.0)
    heard = listen(signal, ringing_out=False)
    at_two = [hs for t, hs in heard if 1.7 < t < 1.9]
    assert all(sorted(round(h.freq, -2) for h in hs) == [800.0, 2500.0] for hs in at_two) and at_two
    late = [hs for t, hs in heard if t > 2.6]
    assert late and all([round(h.freq, -2) for h in hs] == [2500.0] for hs in late)


def test_a_weak_mode_beside_a_howl_is_not_a_second_howl():
    # A real loop howls at its strongest mode; the next mode (80 Hz up here, one loop delay away) sounds 50 dB
    # below it, inaudible beside it. Not a second feedback problem; a howl of its own an octave away is one.
    signal = band(2.0) + howl(2.0, 975.0, -10.0, -3.0) + howl(2.0, 1055.0, -55.0, -55.0)
    heard = [h for _, hs in listen(signal, ringing_out=True) for h in hs]
    assert heard and {round(h.freq, -1) for h in heard} == {980.0}
    signal = band(2.0) + howl(2.0, 975.0, -10.0, -3.0) + howl(2.0, 2010.0, -40.0, -40.0)
    assert {round(h.freq, -2) for _, hs in listen(signal, ringing_out=True) for h in hs} == {1000.0, 2000.0}
