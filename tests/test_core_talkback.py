"""Talkback in the core offline: the talkback mic into the mixes a talk button talks to (and the main), taken over
while it talks (muted or faded out, it still talks; it reaches nothing else), the rest of those mixes dimmed,
the other mixes untouched, everything back as it was once the button is off, and no click either way; and a
musician talking to the engineer on the solo bus (ch/N/talk) over its own content dimmed."""

import numpy as np
import pytest
from support import loaded_engine, ramped_change

from mixerd.model.layout import BusLayout, Layout

RATE = 48000
RAMP = 480
SETTLED = slice(2 * RAMP, None)
# A singer and a guitar, the engineer's talkback mic; a mono wedge mix, a stereo in-ear mix and a reverb.
LAYOUT = Layout(inputs=("Vox", "Gtr", "Talk"), buses=(BusLayout("Wedge"), BusLayout("IEM", stereo=True)),
                generators=0).with_fx(("reverb",))
MAIN_L, MAIN_R, WEDGE, IEM_L, IEM_R = range(5)
VOX, GTR, TALK = 500.0, 1500.0, 3000.0


def signals(frames=9600):
    """Three tones told apart by frequency: Vox 500 Hz, Gtr 1.5 kHz, the talk mic 3 kHz, each at −12 dBFS."""
    t = np.arange(frames) / RATE
    return np.stack([0.25 * np.sin(2 * np.pi * f * t) for f in (VOX, GTR, TALK)]).astype(np.float32)


def level_db(y: np.ndarray, freq: float) -> float:
    """The level (dB re the −12 dBFS tone) of the ``freq`` component of ``y`` over the settled part."""
    x = y[SETTLED]
    t = np.arange(x.size) / RATE
    amplitude = 2 * abs(np.dot(x, np.exp(-2j * np.pi * freq * t))) / x.size
    return 20 * np.log10(max(amplitude, 1e-9) / 0.25)


def mixer(**changes):
    """Vox and Gtr into both mixes and the main; the talk mic's channel muted, faded out and sent nowhere, as a
    talkback mic sits; talk button 1 talks to the wedge, button 2 to the in-ears and the main."""
    setup = {"ch/1/send/1/level": 0.0, "ch/2/send/1/level": -6.0, "ch/1/send/2/level": 0.0, "ch/2/send/2/level": 0.0,
             "ch/3/mute": True, "ch/3/fader": -90.0, "ch/3/main": False,
             "ch/3/send/1/level": -90.0, "ch/3/send/2/level": -90.0, "ch/3/send/3/level": -90.0,
             "ch/1/send/3/level": -10.0, "bus/3/return/main/level": -90.0, "bus/3/return/1/level": -90.0,
             "bus/3/return/2/level": -90.0,
             "talkback/source": "ch/3", "talkback/1/to/1": True, "talkback/2/to/2": True, "talkback/2/to/main": True}
    return loaded_engine(LAYOUT, {**setup, **changes}, RATE)


def test_nothing_talks_while_no_button_is_on():
    y = mixer()[0].core.process(signals())
    for out in (MAIN_L, WEDGE, IEM_L):
        assert level_db(y[out], TALK) < -80
    assert level_db(y[WEDGE], VOX) == pytest.approx(0.0, abs=0.05)


def test_a_talk_button_talks_to_its_mix_dims_the_rest_of_it_and_leaves_the_others_alone():
    x = signals()
    engine, state = mixer()
    before = engine.core.process(x)
    ramped_change(engine, state, {"talkback/1/on": True})
    y = engine.core.process(x)
    # the wedge: the talk mic at the talkback level (0 dB), though its channel is muted and faded out; Vox and
    # Gtr 20 dB down (the dim)
    assert level_db(y[WEDGE], TALK) == pytest.approx(0.0, abs=0.05)
    assert level_db(y[WEDGE], VOX) == pytest.approx(-20.0, abs=0.05)
    assert level_db(y[WEDGE], GTR) == pytest.approx(-26.0, abs=0.05)
    # the in-ears and the main: exactly as before (button 1 does not talk to them)
    for out in (MAIN_L, MAIN_R, IEM_L, IEM_R):
        np.testing.assert_allclose(y[out, SETTLED], before[out, SETTLED], atol=1e-6)

    ramped_change(engine, state, {"talkback/1/on": False})
    after = engine.core.process(x)
    np.testing.assert_allclose(after[:, SETTLED], before[:, SETTLED], atol=1e-6)  # all back as it was


def test_talking_to_a_stereo_mix_and_the_main_centres_the_mic_and_dims_the_main_and_fx():
    x = signals()
    engine, state = mixer(**{"bus/3/return/main/level": 0.0, "ch/2/send/3/level": -90.0, "talkback/level": -6.0,
                             "talkback/dim": -30.0})
    before = engine.core.process(x)
    ramped_change(engine, state, {"talkback/2/on": True})
    y = engine.core.process(x)
    for out in (IEM_L, IEM_R, MAIN_L, MAIN_R):  # centred: −3 dB a side, below the talkback level
        assert level_db(y[out], TALK) == pytest.approx(-6.0 - 3.01, abs=0.05)
    assert level_db(y[MAIN_L], GTR) == pytest.approx(level_db(before[MAIN_L], GTR) - 30.0, abs=0.05)
    # the reverb's return into the main is dimmed too: its energy well above 5 kHz, where no tone is
    spectrum = lambda z: np.abs(np.fft.rfft(z[SETTLED]))[int(6000 * (z.size - 2 * RAMP) / RATE):].sum()  # noqa
    assert spectrum(y[MAIN_L]) < spectrum(before[MAIN_L]) * 10 ** (-20 / 20)
    np.testing.assert_allclose(y[WEDGE, SETTLED], before[WEDGE, SETTLED], atol=1e-6)  # not talked to


def test_the_talkback_channel_reaches_nothing_else_while_it_talks():
    x = signals()
    # its own routing open (unmuted, fader up, a send to the in-ears and the reverb, assigned to the main)
    engine, state = mixer(**{"ch/3/mute": False, "ch/3/fader": 0.0, "ch/3/main": True, "ch/3/send/2/level": 0.0,
                             "ch/3/send/3/level": 0.0})
    ramped_change(engine, state, {"talkback/1/on": True})
    y = engine.core.process(x)
    assert level_db(y[WEDGE], TALK) == pytest.approx(0.0, abs=0.05)
    for out in (MAIN_L, IEM_L, IEM_R):
        assert level_db(y[out], TALK) < -80
    ramped_change(engine, state, {"talkback/1/on": False})
    y = engine.core.process(x)
    assert level_db(y[IEM_L], TALK) > -4 and level_db(y[MAIN_L], TALK) > -4  # its own routing back


def test_no_source_means_no_talkback():
    engine, state = mixer(**{"talkback/source": "none"})
    before = engine.core.process(signals())
    ramped_change(engine, state, {"talkback/1/on": True})
    np.testing.assert_allclose(engine.core.process(signals())[:, SETTLED], before[:, SETTLED], atol=1e-6)


def test_talk_on_and_off_do_not_click():
    x = signals(frames=4800)
    engine, state = mixer()
    engine.core.process(x)
    steady = np.abs(np.diff(engine.core.process(x)[WEDGE])).max()
    for on in (True, False):
        ramped_change(engine, state, {"talkback/1/on": on})
        y = engine.core.process(x)[WEDGE]
        # a sum of tones that changes level over the ramp: no sample-to-sample step above the largest a steady
        # mix of these tones at full level makes (a click is a jump far above it)
        assert np.abs(np.diff(y)).max() < 2.5 * steady


SOLO_L, SOLO_R = LAYOUT.solo_output_offset, LAYOUT.solo_output_offset + 1


def test_a_musician_talks_to_the_engineer_on_the_solo_bus_over_the_rest_dimmed():
    x = signals()
    # the guitarist's mic channel muted and faded out in every mix: still heard by the engineer while talking
    engine, state = mixer(**{"ch/2/mute": True, "ch/2/fader": -90.0, "talkback/dim": -30.0})
    before = engine.core.process(x)
    ramped_change(engine, state, {"ch/2/talk": True})
    y = engine.core.process(x)
    for side in (SOLO_L, SOLO_R):
        assert level_db(y[side], GTR) == pytest.approx(0.0, abs=0.05)  # after the inserts, at unity
        assert level_db(y[side], VOX) == pytest.approx(level_db(before[side], VOX) - 30.0, abs=0.1)  # the rest dimmed
    np.testing.assert_allclose(y[:SOLO_L, SETTLED], before[:SOLO_L, SETTLED], atol=1e-6)  # no other output changes
    ramped_change(engine, state, {"ch/2/talk": False})
    np.testing.assert_allclose(engine.core.process(x)[:, SETTLED], before[:, SETTLED], atol=1e-6)
