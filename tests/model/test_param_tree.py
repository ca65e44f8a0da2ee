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


EQ = ["eq/on"] + [f"eq/{i}/{p}" for i in (1, 2, 3, 4) for p in ("type", "freq", "gain", "q")]
LIMITER = ["limiter/on", "limiter/threshold", "limiter/release"]
GEQ = ["geq/on"] + [f"geq/{k}/gain" for k in range(1, 32)]  # aux buses and the main
CHANNEL = ["name", "color", "trim", "polarity", "hpf/on", "hpf/freq", "hpf/slope", *EQ,
           "gate/on", "gate/threshold", "gate/range", "gate/attack", "gate/hold", "gate/release",
           "dyn/on", "dyn/threshold", "dyn/ratio", "dyn/knee", "dyn/attack", "dyn/release", "dyn/makeup",
           "order", "fader", "pan", "mute", "main", "solo", "talk"]
FX = ["fx/type", "fx/size", "fx/damping", "fx/width", "fx/predelay", "fx/time", "fx/feedback", "fx/highcut"]


DCAS, MUTE_GROUPS = 8, 6  # Layout defaults


def expected_addresses(n_inputs, buses, generators):
    """Every address the GUIDE's address space gives a layout; ``buses`` is a list of "mono", "stereo"
    or "fx" (an FX bus: mono send in, stereo out)."""
    aux = [b for b, kind in enumerate(buses, start=1) if kind != "fx"]
    expected = set()
    for n in range(1, n_inputs + 1):
        expected |= {f"ch/{n}/{p}" for p in CHANNEL}
        for b, kind in enumerate(buses, start=1):
            expected |= {f"ch/{n}/send/{b}/{p}" for p in ("level", "pre", "on")}
            if kind == "stereo":
                expected.add(f"ch/{n}/send/{b}/pan")
            if kind != "fx":
                expected.add(f"ch/{n}/send/{b}/me")
        expected |= {f"ch/{n}/dca/{d}" for d in range(1, DCAS + 1)}
        expected |= {f"ch/{n}/mutegroup/{g}" for g in range(1, MUTE_GROUPS + 1)}
    for b, kind in enumerate(buses, start=1):
        expected |= {f"bus/{b}/{p}" for p in ["name", "color", "fader", "mute", "solo", *EQ, *LIMITER]}
        if kind != "fx":
            expected.add(f"bus/{b}/moreme")
            expected |= {f"bus/{b}/{p}" for p in [*GEQ, "delay"]}
        if kind != "mono":
            expected.add(f"bus/{b}/balance")
        if kind == "fx":
            expected |= {f"bus/{b}/{p}" for p in FX}
            expected.add(f"bus/{b}/return/main/level")
            expected |= {f"bus/{b}/return/{a}/level" for a in aux}
    expected |= {f"main/{p}" for p in ["fader", "mute", "balance", *EQ, *GEQ, *LIMITER, "delay"]}
    expected |= {"solo/mode", "solo/level"}
    expected |= {"talkback/source", "talkback/level", "talkback/dim", "feedback/watch", "feedback/auto",
                 "main/ringout"}
    expected |= {f"bus/{b}/ringout" for b in aux}
    for t in (1, 2):
        expected |= {f"talkback/{t}/{p}" for p in ("name", "to/main", "on")}
        expected |= {f"talkback/{t}/to/{b}" for b in aux}
    expected |= {f"dca/{d}/{p}" for d in range(1, DCAS + 1) for p in ("name", "fader", "mute")}
    expected |= {f"mutegroup/{g}/{p}" for g in range(1, MUTE_GROUPS + 1) for p in ("name", "on")}
    for k in range(1, generators + 1):
        expected |= {f"gen/{k}/{p}" for p in ("on", "type", "freq", "level", "target", "mod")}
    return expected


def test_every_address_of_the_milestone_exists(tree):
    expected = expected_addresses(3, ["mono", "stereo"], 4)
    assert set(tree.addresses()) == expected
    # 3 strips of 43, 7 send fields + 2 "me" + 8 DCA + 6 mute-group memberships; 2 buses of 25 plus
    # "more me", a graphic EQ (32), an output delay and ring-out, plus one balance; main 23 + 33 + ring-out; solo 2;
    # talkback 3 + 2 buttons of 3 + 2 mixes each; the feedback finder 2; 8 DCAs of 3, 6 mute groups of 2;
    # 4 generators of 6
    assert len(CHANNEL) == 44 and len(EQ) == 17
    assert len(tree) == len(expected) == (3 * (44 + 7 + 2 + 8 + 6) + 2 * (26 + 33 + 1) + 1 + 23 + 33 + 1 + 2 + 3
                                          + 2 * (3 + 2) + 2 + 8 * 3 + 6 * 2 + 4 * 6)


def test_every_address_with_fx_buses_exists(layout):
    tree = ParamTree.from_layout(layout.with_fx(("reverb", "delay")))
    expected = expected_addresses(3, ["mono", "stereo", "fx", "fx"], 4)
    assert set(tree.addresses()) == expected
    assert len(tree) == len(expected)
    # the same through Layout.simple(..., fx=...)
    simple = ParamTree.from_layout(Layout.simple(3, 2, stereo_buses=1, generators=4, fx=("reverb", "delay")))
    assert set(simple.addresses()) == expected


def test_send_pan_only_on_stereo_buses(tree):
    assert "ch/1/send/2/pan" in tree
    assert "ch/1/send/1/pan" not in tree


def test_addresses_are_grouped_per_channel_then_buses_main_generators(tree):
    addresses = tree.addresses()
    # a channel strip in signal-flow order, each EQ band's fields together, then the sends by bus
    strip = tuple(f"ch/1/{p}" for p in CHANNEL)
    assert addresses[:len(strip)] == strip
    assert addresses[len(strip):len(strip) + 9] == (
        "ch/1/send/1/level", "ch/1/send/1/pre", "ch/1/send/1/on", "ch/1/send/1/me",
        "ch/1/send/2/level", "ch/1/send/2/pre", "ch/1/send/2/on", "ch/1/send/2/pan", "ch/1/send/2/me")
    groups = tuple(f"ch/1/dca/{d}" for d in range(1, DCAS + 1)) + tuple(
        f"ch/1/mutegroup/{g}" for g in range(1, MUTE_GROUPS + 1))
    assert addresses[len(strip) + 9:len(strip) + 9 + len(groups)] == groups
    assert addresses[len(strip) + 9 + len(groups)] == "ch/2/name"
    families = [a.split("/")[0] for a in addresses]
    assert families == sorted(families, key=["ch", "bus", "main", "solo", "talkback", "feedback", "dca",
                                             "mutegroup", "gen"].index)
    main = [a for a in addresses if a.startswith("main/")]
    assert main == ["main/fader", "main/mute", "main/balance", *(f"main/{p}" for p in EQ + GEQ + LIMITER),
                    "main/delay", "main/ringout"]
    assert [a for a in addresses if a.startswith("gen/1/")] == [
        "gen/1/on", "gen/1/type", "gen/1/freq", "gen/1/level", "gen/1/target", "gen/1/mod"]


def test_fx_bus_addresses_are_in_table_order(layout):
    addresses = ParamTree.from_layout(layout.with_fx(("reverb",))).addresses()
    assert [a for a in addresses if a.startswith("bus/3/")] == [
        "bus/3/name", "bus/3/color", "bus/3/fader", "bus/3/mute", "bus/3/solo", "bus/3/balance",
        *(f"bus/3/{p}" for p in EQ + LIMITER + FX),
        "bus/3/return/main/level", "bus/3/return/1/level", "bus/3/return/2/level"]
    buses = [a for a in addresses if a.startswith("bus/")]
    assert [a.split("/")[1] for a in buses] == sorted(a.split("/")[1] for a in buses)  # bus by bus


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
    assert tree.spec("gen/1/target").choices == ("none", "ch/1", "ch/2", "ch/3", "bus/1", "bus/2")
    assert tree.spec("gen/1/target").allowed == '"none", "ch/1"…"ch/3" or "bus/1"…"bus/2"'
    slope = tree.spec("ch/2/hpf/slope")
    assert (slope.kind, slope.unit, slope.default, slope.choices) == ("number", "dB/oct", 12.0, (12.0, 24.0))
    assert slope.allowed == "12 or 24 dB/oct" and slope.template == "ch/{n}/hpf/slope"
    assert tree.spec("ch/1/eq/3/type").template == "ch/{n}/eq/{i}/type"


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
    assert tree.expand("bus/2/*") == ["bus/2/name", "bus/2/color", "bus/2/fader", "bus/2/mute", "bus/2/solo",
                                       "bus/2/balance", "bus/2/moreme", "bus/2/delay", "bus/2/ringout"]
    assert tree.expand("ch/2/eq/*/gain") == [f"ch/2/eq/{i}/gain" for i in (1, 2, 3, 4)]
    assert tree.expand("main/limiter/*") == ["main/limiter/on", "main/limiter/threshold", "main/limiter/release"]
    assert tree.expand("main/fader") == ["main/fader"]
    assert tree.expand("nothing/*") == []


def test_a_new_table_row_adds_addresses(layout):
    assert "ch/1/lpf/freq" not in ParamTree.from_layout(layout)
    rows = ROWS + (level("ch/{n}/lpf/freq", "low-pass corner", default=18000.0, lo=1000.0, hi=20000.0,
                         note=None, unit="Hz"),)
    tree = ParamTree.from_layout(layout, rows)
    assert tree.expand("ch/*/lpf/freq") == ["ch/1/lpf/freq", "ch/2/lpf/freq", "ch/3/lpf/freq"]
    assert tree.validate("ch/2/lpf/freq", 12000) == 12000.0
    assert tree.defaults()["ch/3/lpf/freq"] == 18000.0
    # the new row sorts into each channel's block, not after the generators
    assert tree.addresses().index("ch/1/lpf/freq") < tree.addresses().index("ch/2/name")
    assert tree.addresses().index("ch/3/lpf/freq") < tree.addresses().index("bus/1/name")


def test_a_duplicate_table_row_is_refused(layout):
    rows = ROWS + (level("ch/{n}/hpf/freq", "high-pass corner", default=80.0, lo=20.0, hi=400.0,
                         note=None, unit="Hz"),)
    with pytest.raises(ValueError, match="duplicate parameter address 'ch/1/hpf/freq'"):
        ParamTree.from_layout(layout, rows)


def test_simple_layout_sizes():
    tree = ParamTree.from_layout(Layout.simple(8, 4, stereo_buses=2, generators=2))
    assert len(tree.expand("ch/*/fader")) == 8
    assert len(tree.expand("ch/*/send/*/level")) == 32
    assert len(tree.expand("ch/*/send/*/pan")) == 16
    assert len(tree.expand("ch/*/eq/*/q")) == 32
    assert len(tree.expand("bus/*/balance")) == 2
    assert len(tree.expand("gen/*/on")) == 2
    fx = ParamTree.from_layout(Layout.simple(8, 4, stereo_buses=2, generators=2, fx=("reverb", "delay")))
    assert len(fx.expand("ch/*/send/*/level")) == 48
    assert len(fx.expand("ch/*/send/*/pan")) == 16  # an FX bus takes a mono send
    assert len(fx.expand("bus/*/balance")) == 4
    assert len(fx.expand("bus/*/return/*/level")) == 2 * (1 + 4)
