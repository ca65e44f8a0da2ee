"""The solo bus in the core offline: the main until something is soloed, PFL before mute and fader,
AFL after the fader with the pan, whole mixes as they leave, its level, and no clicks or side effects."""

import numpy as np
import pytest
from support import loaded_engine, ramped_change

from mixerd.engine import Engine
from mixerd.bench.reference import ReferenceMix
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
RAMP = 480
SETTLED = slice(2 * RAMP, None)
# Two channels, a mono wedge mix and a stereo in-ear mix, plus a reverb.
LAYOUT = Layout(inputs=("Vox", "Gtr"), buses=(BusLayout("Wedge"), BusLayout("IEM", stereo=True)),
                generators=0).with_fx(("reverb",))
SOLO_L, SOLO_R = LAYOUT.solo_output_offset, LAYOUT.solo_output_offset + 1


def signals(frames=9600):
    """Two distinguishable tones: 500 Hz at −12 dBFS on Vox, 1.5 kHz at −20 dBFS on Gtr."""
    t = np.arange(frames) / RATE
    return np.stack([0.25 * np.sin(2 * np.pi * 500 * t), 0.1 * np.sin(2 * np.pi * 1500 * t)]).astype(np.float32)


def mixer(**changes):
    """The test mixer with a send into each mix and the reverb, plus ``changes``."""
    sends = {"ch/1/send/1/level": -6.0, "ch/2/send/2/level": 0.0, "ch/2/send/2/pan": 100.0,
             "ch/1/send/3/level": -10.0, "bus/3/return/main/level": -6.0}
    return loaded_engine(LAYOUT, {**sends, **changes}, RATE)


def change(engine, state, **changes):
    ramped_change(engine, state, changes)


def test_the_layout_puts_the_solo_pair_last():
    assert LAYOUT.n_outputs == 2 + 1 + 2 + 2 and (SOLO_L, SOLO_R) == (5, 6)
    engine, _ = mixer()
    assert engine.core.n_outputs == LAYOUT.n_outputs
    assert engine.meter_points()["solo"] == (4 * 2 + LAYOUT.solo_master_index, 2)


def test_with_nothing_soloed_the_solo_bus_carries_the_main():
    engine, _ = mixer(**{"solo/level": -6.0})
    y = engine.core.process(signals())
    assert np.abs(y[0]).max() > 0.1
    np.testing.assert_allclose(y[SOLO_L], y[0] * 10 ** (-6 / 20), atol=1e-6)
    np.testing.assert_allclose(y[SOLO_R], y[1] * 10 ** (-6 / 20), atol=1e-6)


def test_pfl_hears_a_channel_before_its_mute_and_fader():
    x = signals()
    engine, state = mixer(**{"ch/1/mute": True, "ch/1/fader": -90.0, "ch/1/trim": 6.0})
    change(engine, state, **{"ch/1/solo": True})
    y = engine.core.process(x)
    trimmed = x[0] * 10 ** (6 / 20)
    # Only the soloed channel, after trim, on both sides (mono), while the mute keeps it out of the main.
    np.testing.assert_allclose(y[SOLO_L, SETTLED], trimmed[SETTLED], atol=1e-5)
    np.testing.assert_allclose(y[SOLO_R, SETTLED], trimmed[SETTLED], atol=1e-5)
    main_alone = mixer(**{"ch/1/mute": True, "ch/1/fader": -90.0, "ch/1/trim": 6.0})[0].core.process(x)
    np.testing.assert_allclose(y[:SOLO_L], main_alone[:SOLO_L], atol=1e-6)  # solo changes no other output


def test_pfl_is_after_the_inserts():
    x = signals()
    boost = {"ch/2/eq/on": True, "ch/2/eq/3/type": "peaking", "ch/2/eq/3/freq": 1500.0, "ch/2/eq/3/gain": 12.0,
             "ch/2/eq/3/q": 1.0}
    y = mixer(**boost, **{"ch/2/solo": True})[0].core.process(x)
    gain = np.abs(y[SOLO_L, SETTLED]).max() / np.abs(x[1, SETTLED]).max()
    assert 20 * np.log10(gain) == pytest.approx(12.0, abs=0.2)


def test_afl_hears_the_channel_after_its_fader_and_pan_and_not_when_muted():
    x = signals()
    engine, state = mixer(**{"solo/mode": "afl", "ch/1/solo": True, "ch/1/fader": -10.0, "ch/1/pan": -100.0})
    y = engine.core.process(x)
    np.testing.assert_allclose(y[SOLO_L], x[0] * 10 ** (-10 / 20), atol=1e-5)
    assert np.abs(y[SOLO_R]).max() == 0.0  # hard left
    change(engine, state, **{"ch/1/mute": True})
    y = engine.core.process(x)
    assert np.abs(y[SOLO_L, SETTLED]).max() == 0.0


def test_soloing_a_mix_hears_it_as_the_musician_does():
    x = signals()
    engine, state = mixer(**{"bus/2/solo": True, "bus/2/fader": -3.0})
    y = engine.core.process(x)
    # The stereo in-ear mix side by side (Gtr panned right in it), nothing of the main.
    np.testing.assert_allclose(y[SOLO_L], y[3], atol=1e-6)
    np.testing.assert_allclose(y[SOLO_R], y[4], atol=1e-6)
    assert np.abs(y[4]).max() > 0.05 and np.abs(y[3]).max() < 1e-6
    # A mono wedge into both ears; two mixes soloed add up.
    change(engine, state, **{"bus/2/solo": False, "bus/1/solo": True})
    y = engine.core.process(x)
    np.testing.assert_allclose(y[SOLO_L, SETTLED], y[2, SETTLED], atol=1e-6)
    np.testing.assert_allclose(y[SOLO_R, SETTLED], y[2, SETTLED], atol=1e-6)


def test_soloing_an_fx_bus_hears_the_effect_alone():
    x = signals()
    y = mixer(**{"bus/3/solo": True})[0].core.process(x)
    dry = mixer(**{"bus/3/return/main/level": -90.0})[0].core.process(x)
    wet_in_main = y[0] - dry[0]  # the reverb return at −6 dB is what the FX bus adds to the main
    np.testing.assert_allclose(y[SOLO_L] * 10 ** (-6 / 20), wet_in_main, atol=1e-5)
    assert np.abs(y[SOLO_L]).max() > 1e-3


def test_solo_changes_ramp_without_clicks():
    # A low tone: any step from a gain jump stands far above the signal's own sample-to-sample change.
    t = np.arange(RATE // 2) / RATE
    x = np.stack([0.5 * np.sin(2 * np.pi * 50 * t), np.zeros_like(t)]).astype(np.float32)
    engine, state = mixer(**{"ch/1/fader": -90.0})
    own_step = float(np.abs(np.diff(x[0])).max())
    steps = []
    for changes in ({"ch/1/solo": True}, {"solo/mode": "afl"}, {"ch/1/fader": 0.0}, {"solo/level": -20.0},
                    {"ch/1/solo": False}):
        change(engine, state, **changes)
        y = engine.core.process(x[:, :4800])
        steps.append(float(np.abs(np.diff(y[SOLO_L])).max()))
    assert max(steps) < 1.5 * own_step, steps


def test_the_solo_meters_read_the_solo_outputs():
    engine, _ = mixer(**{"ch/1/solo": True, "solo/level": -6.0})
    x = np.tile(signals(4800), 10)
    engine.process(x)
    solo = engine.meters()["points"]["solo"]
    expected = 20 * np.log10(0.25) - 6.0
    assert solo["peak"] == [pytest.approx(expected, abs=0.1)] * 2
    assert solo["rms"][0] == pytest.approx(expected - 3.01, abs=0.1)
    assert set(solo) == {"peak", "hold", "rms", "clips"}


@pytest.mark.parametrize("mode", ["pfl", "afl"])
def test_solo_matches_the_reference_mix(mode):
    layout = Layout.simple(4, 3, stereo_buses=1, generators=0)
    state = ParamTree.from_layout(layout).defaults()
    state.update({a: False for a in state if a.endswith("limiter/on")})
    state.update({"ch/1/solo": True, "ch/3/solo": True, "bus/3/solo": True, "solo/mode": mode,
                  "ch/3/pan": 40.0, "ch/3/mute": True, "ch/1/fader": -5.0, "ch/2/send/3/level": -3.0,
                  "ch/2/send/3/pan": -30.0, "solo/level": 3.0})
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 4800)) * 0.2).astype(np.float32)
    engine = Engine(layout, sample_rate=RATE)
    engine.load(state)
    y = engine.core.process(x)
    np.testing.assert_allclose(y, ReferenceMix(layout, state).process(x), atol=1e-5, rtol=0)
    assert np.abs(y[-2:]).max() > 0.05
