"""Copying a monitor mix from the main mix or another aux mix."""

import pytest

from mixerd.control import Control
from mixerd.control.mixes import copy_mix
from mixerd.model.errors import ParamError
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

LAYOUT = Layout.simple(3, 3, stereo_buses=1, fx=("reverb",))  # bus/3 stereo, bus/4 FX


@pytest.fixture
def control():
    c = Control(ParamTree.from_layout(LAYOUT))
    c.set_many({"ch/1/fader": -6.0, "ch/1/pan": -40.0, "ch/2/fader": 3.0, "ch/3/main": False,
                "ch/1/send/1/level": -12.0, "ch/1/send/1/pre": False, "ch/1/send/1/me": True,
                "ch/2/send/1/on": False, "bus/1/moreme": 4.0}, "rest")
    return c


def apply(control, target, source):
    _, values = control.state()
    return control.set_many(copy_mix(LAYOUT, values, target, source), "rest")


def test_copy_from_main_takes_faders_main_assign_and_pan(control):
    apply(control, "bus/3", "main")
    _, v = control.state()
    assert [v[f"ch/{n}/send/3/level"] for n in (1, 2, 3)] == [-6.0, 3.0, -90.0]  # ch 3 is not on the main
    assert v["ch/1/send/3/pan"] == -40.0 and all(v[f"ch/{n}/send/3/on"] for n in (1, 2, 3))


def test_copy_from_another_mix_takes_every_send_setting(control):
    apply(control, "3", "bus/1")  # mono into stereo
    _, v = control.state()
    assert v["ch/1/send/3/level"] == -12.0 and v["ch/1/send/3/pre"] is False and v["ch/1/send/3/me"] is True
    assert v["ch/2/send/3/on"] is False and v["ch/1/send/3/pan"] == 0.0 and v["bus/3/moreme"] == 4.0


def test_copy_is_one_atomic_batch(control):
    seq = control.seq
    events = apply(control, "bus/2", "bus/1")
    assert [e.seq for e in events] == list(range(seq + 1, seq + 1 + len(events)))
    assert {e.origin for e in events} == {"rest"}


@pytest.mark.parametrize("target, source, code", [
    ("bus/9", "main", "not_found"), ("bus/4", "main", "invalid_value"), ("bus/1", "bus/4", "invalid_value"),
    ("bus/1", "bus/1", "invalid_value"), ("bus/1", "ch/1", "not_found"), ("x", "main", "not_found"),
])
def test_bad_copies_are_refused_and_change_nothing(control, target, source, code):
    before = control.state()
    with pytest.raises(ParamError) as err:
        apply(control, target, source)
    assert err.value.code == code and err.value.allowed
    assert control.state() == before
