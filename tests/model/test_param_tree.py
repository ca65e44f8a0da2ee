"""ParamTree: which addresses a layout has, their defaults, order and the pattern helper."""

import json

import pytest

from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.model.table import ROWS, level


@pytest.fixture
def layout():
    return Layout(
        inputs=("Vocal", "Guitar", "Keys"),
        buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)),
        generators=4,
    )


@pytest.fixture
def tree(layout):
    return ParamTree.from_layout(layout)


def test_every_address_of_the_milestone_exists(tree):
    per_channel = ["name", "color", "trim", "fader", "pan", "mute", "main"]
    per_send = ["level", "pre", "on"]
    expected = set()
    for n in (1, 2, 3):
        expected |= {f"ch/{n}/{p}" for p in per_channel}
        for b in (1, 2):
            expected |= {f"ch/{n}/send/{b}/{p}" for p in per_send}
        expected.add(f"ch/{n}/send/2/pan")  # bus 2 is stereo
    for b in (1, 2):
        expected |= {f"bus/{b}/{p}" for p in ("name", "color", "fader", "mute")}
    expected |= {"main/fader", "main/mute"}
    for k in (1, 2, 3, 4):
        expected |= {f"gen/{k}/{p}" for p in ("on", "freq", "level", "target", "mod")}
    assert set(tree.addresses()) == expected
    assert len(tree) == len(expected)


def test_send_pan_only_on_stereo_buses(tree):
    assert "ch/1/send/2/pan" in tree
    assert "ch/1/send/1/pan" not in tree


def test_addresses_are_grouped_per_channel_then_buses_main_generators(tree):
    addresses = tree.addresses()
    assert addresses[:7] == ("ch/1/name", "ch/1/color", "ch/1/trim", "ch/1/fader", "ch/1/pan", "ch/1/mute", "ch/1/main")
    assert addresses[7:14] == ("ch/1/send/1/level", "ch/1/send/1/pre", "ch/1/send/1/on",
                               "ch/1/send/2/level", "ch/1/send/2/pre", "ch/1/send/2/on", "ch/1/send/2/pan")
    assert addresses[14] == "ch/2/name"
    families = [a.split("/")[0] for a in addresses]
    assert families == sorted(families, key=["ch", "bus", "main", "gen"].index)


def test_defaults(tree):
    d = tree.defaults()
    assert d["ch/2/name"] == "Guitar"
    assert d["bus/2/name"] == "IEM"
    assert d["ch/1/color"] == "#6b7280"
    assert d["ch/1/fader"] == 0.0 and isinstance(d["ch/1/fader"], float)
    assert d["ch/1/send/1/level"] == -90.0
    assert d["ch/1/send/1/pre"] is True and d["ch/1/send/1/on"] is True
    assert d["ch/1/main"] is True and d["ch/1/mute"] is False
    assert d["gen/1/on"] is False
    assert (d["gen/1/freq"], d["gen/1/level"], d["gen/1/mod"]) == (1000.0, -18.0, 0.0)
    # generator k feeds channel k, the last channel when there are more generators than channels
    assert [d[f"gen/{k}/target"] for k in (1, 2, 3, 4)] == ["ch/1", "ch/2", "ch/3", "ch/3"]
    assert set(d) == set(tree.addresses())


def test_defaults_are_valid_values(tree):
    for address, value in tree.defaults().items():
        assert tree.validate(address, value) == value


def test_generator_target_without_channels_is_none():
    tree = ParamTree.from_layout(Layout(inputs=(), generators=1))
    assert tree.defaults()["gen/1/target"] == "none"
    assert tree.spec("gen/1/target").choices == ("none",)


def test_layout_with_invalid_name_is_refused():
    with pytest.raises(ValueError, match="ch/1/name"):
        ParamTree.from_layout(Layout(inputs=("x" * 40,)))


def test_layout_names_are_stored_stripped():
    tree = ParamTree.from_layout(Layout(inputs=("  Kick  ",)))
    assert tree.defaults()["ch/1/name"] == "Kick"


def test_spec_carries_range_unit_and_template(tree):
    spec = tree.spec("ch/3/fader")
    assert (spec.kind, spec.unit, spec.min, spec.max, spec.default) == ("number", "dB", -90.0, 10.0, 0.0)
    assert spec.template == "ch/{n}/fader"
    assert "-90 = closed" in spec.allowed
    assert tree.spec("gen/2/freq").unit == "Hz"
    assert tree.spec("ch/1/pan").unit == "%"
    assert (tree.spec("gen/1/level").min, tree.spec("gen/1/level").max) == (-90.0, 0.0)
    assert (tree.spec("ch/1/trim").min, tree.spec("ch/1/trim").max) == (-24.0, 24.0)
    assert (tree.spec("gen/1/mod").min, tree.spec("gen/1/mod").max) == (0.0, 20.0)
    assert tree.spec("gen/1/target").choices == ("none", "ch/1", "ch/2", "ch/3")


def test_describe_is_json_and_complete(tree):
    described = tree.describe()
    assert [d["address"] for d in described] == list(tree.addresses())
    json.dumps(described)  # must not raise
    fader = next(d for d in described if d["address"] == "ch/1/fader")
    assert fader == {
        "address": "ch/1/fader", "kind": "number", "unit": "dB", "default": 0.0,
        "description": fader["description"], "allowed": "-90…+10 dB (-90 = closed)",
        "min": -90.0, "max": 10.0, "note": "-90 = closed", "template": "ch/{n}/fader",
    }
    color = next(d for d in described if d["address"] == "bus/1/color")
    assert color["pattern"] and "#rrggbb" in color["allowed"]
    mute = next(d for d in described if d["address"] == "main/mute")
    assert "min" not in mute and mute["kind"] == "bool"


def test_expand_patterns(tree):
    assert tree.expand("ch/*/mute") == ["ch/1/mute", "ch/2/mute", "ch/3/mute"]
    assert tree.expand("ch/{n}/send/{b}/pan") == ["ch/1/send/2/pan", "ch/2/send/2/pan", "ch/3/send/2/pan"]
    assert tree.expand("bus/2/*") == ["bus/2/name", "bus/2/color", "bus/2/fader", "bus/2/mute"]
    assert tree.expand("main/fader") == ["main/fader"]
    assert tree.expand("nothing/*") == []


def test_a_new_table_row_adds_addresses(layout):
    rows = ROWS + (level("ch/{n}/hpf/freq", "high-pass corner", default=80.0, lo=20.0, hi=400.0,
                         note=None, unit="Hz"),)
    tree = ParamTree.from_layout(layout, rows)
    assert tree.expand("ch/*/hpf/freq") == ["ch/1/hpf/freq", "ch/2/hpf/freq", "ch/3/hpf/freq"]
    assert tree.validate("ch/2/hpf/freq", 120) == 120.0
    # the new row sorts into each channel's block, not after the generators
    assert tree.addresses().index("ch/1/hpf/freq") < tree.addresses().index("ch/2/name")


def test_simple_layout_sizes():
    tree = ParamTree.from_layout(Layout.simple(8, 4, stereo_buses=2, generators=2))
    assert len(tree.expand("ch/*/fader")) == 8
    assert len(tree.expand("ch/*/send/*/level")) == 32
    assert len(tree.expand("ch/*/send/*/pan")) == 16
    assert len(tree.expand("gen/*/on")) == 2
