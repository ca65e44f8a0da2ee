"""Group buses in the core offline: assigned channels summed post-fader, the group's own processing, the
sum into the main (or not), no output port, and a channel that reaches the main twice."""

import numpy as np
import pytest
from support import loaded_engine, ramped_change

from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
SETTLED = slice(1200, None)
LAYOUT = Layout(inputs=("Kick", "Snare", "Vox"),
                buses=(BusLayout("Wedge"), BusLayout("Drums", stereo=True, kind="group"), BusLayout("Vox grp", kind="group")),
                generators=0)


def signals(frames=9600):
    t = np.arange(frames) / RATE
    return np.stack([0.25 * np.sin(2 * np.pi * 100 * t), 0.2 * np.sin(2 * np.pi * 700 * t),
                     0.1 * np.sin(2 * np.pi * 300 * t)]).astype(np.float32)


def pan(p):
    theta = (p / 100 + 1) * np.pi / 4
    return np.cos(theta), np.sin(theta)


def test_the_address_space_of_a_group():
    tree = ParamTree.from_layout(LAYOUT)
    d = tree.defaults()
    # Assigning a channel is switching its send on: post-fader at 0 dB.
    assert (d["ch/1/send/2/on"], d["ch/1/send/2/level"], d["ch/1/send/2/pre"]) == (False, 0.0, False)
    assert (d["ch/1/send/1/on"], d["ch/1/send/1/level"], d["ch/1/send/1/pre"]) == (True, -90.0, True)
    assert d["bus/2/main"] is True and "bus/1/main" not in tree
    assert "ch/1/send/2/me" not in tree and "bus/2/moreme" not in tree and d["bus/2/limiter/on"] is False
    assert LAYOUT.n_outputs == 2 + 1 + 2  # main, the wedge, solo: groups have no port


def test_assigned_channels_reach_the_main_through_the_group():
    x = signals()
    # Kick and snare only through the drum group (not assigned to the main directly), panned in it.
    engine, state = loaded_engine(LAYOUT, {
        "ch/1/main": False, "ch/2/main": False, "ch/3/main": False, "ch/1/fader": -6.0,
        "ch/1/send/2/on": True, "ch/2/send/2/on": True, "ch/2/send/2/pan": 100.0, "bus/2/fader": -3.0})
    y = engine.core.process(x)
    g1, g2 = 10 ** (-6 / 20), 10 ** (-3 / 20)
    left = g2 * (g1 * x[0] * pan(0)[0] + x[1] * pan(100)[0])
    right = g2 * (g1 * x[0] * pan(0)[1] + x[1] * pan(100)[1])
    np.testing.assert_allclose(y[0], left, atol=1e-5)
    np.testing.assert_allclose(y[1], right, atol=1e-5)
    meters = engine.meters()["points"]
    assert meters["bus/2"]["peak"][0] > -30  # the group is metered like any bus

    ramped_change(engine, state, {"bus/2/main": False})  # the group unassigned from the main
    y = engine.core.process(x)
    assert np.abs(y[:2, SETTLED]).max() == 0.0
    ramped_change(engine, state, {"bus/2/main": True, "bus/2/mute": True})
    y = engine.core.process(x)
    assert np.abs(y[:2, SETTLED]).max() == 0.0


def test_a_channel_on_the_main_and_in_a_group_reaches_the_main_twice():
    x = signals()
    direct = loaded_engine(LAYOUT, {"ch/2/main": False, "ch/1/main": False})[0].core.process(x)  # vox only
    twice = loaded_engine(LAYOUT, {"ch/2/main": False, "ch/1/main": False, "ch/3/send/3/on": True})[0].core.process(x)
    # The mono vox group (centred into the main like a channel) adds the same signal again: +6 dB.
    ratio = np.abs(twice[0, SETTLED]).max() / np.abs(direct[0, SETTLED]).max()
    assert 20 * np.log10(ratio) == pytest.approx(6.02, abs=0.05)


def test_a_group_can_be_soloed_and_fed_from_a_generator():
    x = signals()
    engine, state = loaded_engine(LAYOUT, {"ch/1/send/2/on": True, "bus/2/solo": True, "ch/1/main": False,
                                           "ch/2/main": False, "ch/3/main": False})
    y = engine.core.process(x)
    solo = LAYOUT.solo_output_offset
    np.testing.assert_allclose(y[solo], y[0], atol=1e-6)  # the group alone, as it goes to the main
    np.testing.assert_allclose(y[solo + 1], y[1], atol=1e-6)
