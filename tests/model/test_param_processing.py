"""Channel strip and bus processing addresses: HPF, EQ, gate, compressor, insert order, balance,
limiters, FX buses and their returns, and generator targets on buses."""

import json

import pytest

from mixerd.model import BusLayout, Layout, ParamError, ParamTree
from mixerd.model.spec import format_number
from mixerd.model.table import EQ_TYPES, ORDERS


@pytest.fixture(scope="module")
def layout():
    # bus 1 mono aux, bus 2 stereo aux, bus 3 reverb, bus 4 delay
    return Layout.simple(8, 2, stereo_buses=1, generators=2, fx=("reverb", "delay"))


@pytest.fixture(scope="module")
def tree(layout):
    return ParamTree.from_layout(layout)


def reject(tree, address, value):
    with pytest.raises(ParamError) as info:
        tree.validate(address, value)
    return info.value


def test_the_layout(layout):
    assert [(b.kind, b.stereo, b.width, b.in_width) for b in layout.buses] == [
        ("aux", False, 1, 1), ("aux", True, 2, 2), ("fx", False, 2, 1), ("fx", False, 2, 1)]
    assert [b.effect for b in layout.buses[2:]] == ["reverb", "delay"]
    assert layout.to_dict() == {
        "inputs": [f"Ch {n}" for n in range(1, 9)],
        "buses": [
            {"name": "Mix 1", "stereo": False, "kind": "aux", "width": 1},
            {"name": "Mix 2", "stereo": True, "kind": "aux", "width": 2},
            {"name": "Reverb", "stereo": True, "kind": "fx", "width": 2, "effect": "reverb"},
            {"name": "Delay", "stereo": True, "kind": "fx", "width": 2, "effect": "delay"},
        ],
        "generators": 2,
    }
    assert Layout.simple(8, 2, stereo_buses=1, generators=2).with_fx(("reverb", "delay")) == layout


def test_defaults_are_valid_values(tree):
    for address, value in tree.defaults().items():
        assert tree.validate(address, value) == value


def test_strip_defaults(tree):
    d = tree.defaults()
    assert d["ch/1/polarity"] is False
    assert (d["ch/1/hpf/on"], d["ch/1/hpf/freq"], d["ch/1/hpf/slope"]) == (False, 80.0, 12.0)
    assert d["ch/1/eq/on"] is True
    assert [d[f"ch/1/eq/{i}/type"] for i in (1, 2, 3, 4)] == ["low-shelf", "peaking", "peaking", "high-shelf"]
    assert [d[f"ch/1/eq/{i}/freq"] for i in (1, 2, 3, 4)] == [100.0, 500.0, 2500.0, 8000.0]
    assert [d[f"ch/1/eq/{i}/gain"] for i in (1, 2, 3, 4)] == [0.0] * 4  # a flat EQ
    assert [d[f"ch/1/eq/{i}/q"] for i in (1, 2, 3, 4)] == [0.7, 1.0, 1.0, 0.7]
    assert d["ch/1/gate/on"] is False and d["ch/1/dyn/on"] is False
    assert d["ch/1/order"] == "eq>dyn"
    # buses and main share the EQ defaults
    for prefix in ("bus/1", "bus/3", "main"):
        assert [d[f"{prefix}/eq/{i}/type"] for i in (1, 2, 3, 4)] == ["low-shelf", "peaking", "peaking", "high-shelf"]
    assert d["bus/2/balance"] == 0.0 and d["main/balance"] == 0.0
    assert (d["main/limiter/threshold"], d["main/limiter/release"]) == (-1.0, 100.0)


# -- HPF ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [12, 24, 12.0, 24.0])
def test_hpf_slope_is_12_or_24(tree, value):
    result = tree.validate("ch/3/hpf/slope", value)
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize("value", [18, 12.5, 23.999, 13])
def test_hpf_slope_between_the_choices_is_invalid(tree, value):
    e = reject(tree, "ch/3/hpf/slope", value)
    assert e.code == "invalid_value"
    assert e.address == "ch/3/hpf/slope"
    assert "12 or 24" in e.allowed
    assert e.message == f"ch/3/hpf/slope: {json.dumps(value)} is not an allowed value; allowed 12 or 24 dB/oct"


@pytest.mark.parametrize("value, nearest", [(6, "12"), (36, "24"), (48.0, "24")])
def test_hpf_slope_outside_the_choices_is_out_of_range(tree, value, nearest):
    e = reject(tree, "ch/1/hpf/slope", value)
    assert e.code == "out_of_range"
    assert f"the nearest allowed value is {nearest}" in e.message
    assert e.allowed == "12 or 24 dB/oct"


@pytest.mark.parametrize("value", ["24", True, None, "12 dB/oct"])
def test_hpf_slope_must_be_a_number(tree, value):
    e = reject(tree, "ch/1/hpf/slope", value)
    assert e.code == "wrong_type"
    assert "expected a number, 12 or 24 dB/oct" in e.message


def test_hpf_slope_spec_lists_numeric_choices(tree):
    described = next(d for d in tree.describe() if d["address"] == "ch/1/hpf/slope")
    assert described["choices"] == [12.0, 24.0]
    assert described["allowed"] == "12 or 24 dB/oct"
    json.dumps(described)  # must not raise


# -- EQ ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["ch/1", "ch/8", "bus/1", "bus/2", "bus/3", "main"])
def test_eq_types(tree, prefix):
    for band in (1, 2, 3, 4):
        address = f"{prefix}/eq/{band}/type"
        assert tree.spec(address).choices == EQ_TYPES
        for kind in EQ_TYPES:
            assert tree.validate(address, kind) == kind
    assert tree.validate(f"{prefix}/eq/2/type", "  high-cut ") == "high-cut"  # stripped like names


@pytest.mark.parametrize("value", ["bell", "Peaking", "PEAKING", "lowshelf", "low shelf", ""])
def test_unknown_eq_type_lists_the_choices(tree, value):
    e = reject(tree, "ch/2/eq/3/type", value)
    assert e.code == "invalid_value"
    assert e.allowed == "one of low-shelf, peaking, high-shelf, low-cut, high-cut"
    assert e.message == (f"ch/2/eq/3/type: {json.dumps(value)} is not an allowed value; "
                         "allowed one of low-shelf, peaking, high-shelf, low-cut, high-cut")


def test_eq_type_must_be_a_string(tree):
    e = reject(tree, "ch/1/eq/1/type", 1)
    assert e.code == "wrong_type"
    assert "expected a string, one of low-shelf" in e.message


@pytest.mark.parametrize("address, suggestion", [
    ("ch/1/eq/1/typ", "ch/1/eq/1/type"), ("ch/1/eq/1/gian", "ch/1/eq/1/gain"), ("ch/1/eq/1/Q", "ch/1/eq/1/q"),
    ("CH/1/EQ/2/FREQ", "ch/1/eq/2/freq"), ("ch/1/eq/of", "ch/1/eq/on"), ("ch/1/hpf/slop", "ch/1/hpf/slope"),
    ("ch/1/ordr", "ch/1/order"), ("ch/1/polarty", "ch/1/polarity"), ("main/limitr/on", "main/limiter/on"),
    ("bus/3/fx/predly", "bus/3/fx/predelay"), ("ch/1/gate/treshold", "ch/1/gate/threshold"),
])
def test_near_miss_addresses_get_a_did_you_mean(tree, address, suggestion):
    e = reject(tree, address, 0)
    assert e.code == "unknown_address"
    assert e.address == address
    assert f"did you mean '{suggestion}' ({tree.spec(suggestion).description})?" in e.message


def test_eq_band_out_of_range_hints_the_bands(tree):
    e = reject(tree, "ch/1/eq/5/gain", 0)
    assert e.code == "unknown_address"
    assert e.allowed == "ch/1/eq/{1…4/…|on}"
    e = reject(tree, "ch/1/eq/1", 0)
    assert "names a group of parameters" in e.message
    assert e.allowed == "ch/1/eq/1/{type|freq|gain|q}"


def test_strip_group_hint_lists_the_new_fields(tree):
    e = reject(tree, "ch/4", 0)
    assert e.allowed == ("ch/4/{name|color|trim|polarity|hpf/…|eq/…|gate/…|dyn/…|order|fader|pan|mute|main"
                         "|solo|talk|send/…|dca/…|mutegroup/…}")
    assert reject(tree, "ch/4/hpf", 0).allowed == "ch/4/hpf/{on|freq|slope}"
    assert reject(tree, "ch/4/gate", 0).allowed == "ch/4/gate/{on|threshold|range|attack|hold|release}"
    assert reject(tree, "ch/4/dyn", 0).allowed == "ch/4/dyn/{on|threshold|ratio|knee|attack|release|makeup}"


# -- ranges --------------------------------------------------------------------------------------------

RANGES = [
    # template (filled with every prefix), unit, min, max
    ("ch/{}/hpf/freq", "Hz", 20.0, 400.0),
    ("{}/eq/1/freq", "Hz", 20.0, 20000.0),
    ("{}/eq/4/freq", "Hz", 20.0, 20000.0),
    ("{}/eq/2/gain", "dB", -15.0, 15.0),
    ("{}/eq/3/q", "Q", 0.3, 10.0),
    ("ch/{}/gate/threshold", "dB", -90.0, 0.0),
    ("ch/{}/gate/range", "dB", -90.0, 0.0),
    ("ch/{}/gate/attack", "ms", 0.05, 100.0),
    ("ch/{}/gate/hold", "ms", 0.0, 2000.0),
    ("ch/{}/gate/release", "ms", 5.0, 2000.0),
    ("ch/{}/dyn/threshold", "dB", -60.0, 0.0),
    ("ch/{}/dyn/ratio", "ratio", 1.0, 20.0),
    ("ch/{}/dyn/knee", "dB", 0.0, 24.0),
    ("ch/{}/dyn/attack", "ms", 0.05, 200.0),
    ("ch/{}/dyn/release", "ms", 5.0, 2000.0),
    ("ch/{}/dyn/makeup", "dB", 0.0, 24.0),
    ("{}/limiter/threshold", "dB", -30.0, 0.0),
    ("{}/limiter/release", "ms", 5.0, 2000.0),
    ("{}/balance", "%", -100.0, 100.0),
]
FILLS = {"ch/{}": ["1", "8"], "{}": ["ch/1", "ch/8", "bus/1", "bus/2", "bus/3", "bus/4", "main"]}


def addresses_of(tree, template):
    """The addresses ``template`` gives on this tree (limiters and balance are not on channels, balance
    not on the mono bus)."""
    fills = FILLS["ch/{}"] if template.startswith("ch/{}") else FILLS["{}"]
    return [a for a in (template.format(fill) for fill in fills) if a in tree]


def test_every_ranged_template_is_checked(tree):
    checked = {a for template, *_ in RANGES for a in addresses_of(tree, template)}
    assert {"ch/8/eq/2/gain", "bus/4/eq/3/q", "main/eq/1/freq", "main/limiter/threshold", "bus/1/limiter/release",
            "bus/3/balance", "ch/1/dyn/makeup"} <= checked
    assert "bus/1/balance" not in checked and "ch/1/limiter/threshold" not in checked
    assert len(checked) == 12 * 2 + 4 * 7 + 2 * 5 + 4  # channel-only, EQ, limiter, balance


@pytest.mark.parametrize("template, unit, lo, hi", RANGES, ids=[r[0] for r in RANGES])
def test_ranges(tree, template, unit, lo, hi):
    addresses = addresses_of(tree, template)
    assert addresses, template
    for address in addresses:
        spec = tree.spec(address)
        assert (spec.kind, spec.unit, spec.min, spec.max) == ("number", unit, lo, hi), address
        assert tree.validate(address, lo) == lo and tree.validate(address, hi) == hi
        assert lo <= tree.defaults()[address] <= hi
        below, above = reject(tree, address, lo - 0.01), reject(tree, address, hi + 0.01)
        assert below.code == above.code == "out_of_range"
        assert below.message.startswith(f"{address}: ") and spec.allowed in below.message
        assert below.message.endswith(f"the nearest allowed value is {format_number(lo, lo < 0)}")
        assert above.message.endswith(f"the nearest allowed value is {format_number(hi, lo < 0)}")


def test_range_messages_name_the_unit(tree):
    assert tree.spec("ch/1/eq/1/gain").allowed == "-15…+15 dB"
    assert tree.spec("ch/1/eq/1/q").allowed == "0.3…10 Q"
    assert tree.spec("main/eq/4/freq").allowed == "20…20000 Hz"
    assert tree.spec("ch/1/gate/range").allowed == "-90…0 dB"
    assert tree.spec("ch/1/dyn/ratio").allowed == "1…20 ratio"
    e = reject(tree, "bus/2/eq/1/gain", -16)
    assert e.message == "bus/2/eq/1/gain: -16 is out of range; allowed -15…+15 dB; the nearest allowed value is -15"
    e = reject(tree, "ch/5/eq/4/q", 12)
    assert e.message == "ch/5/eq/4/q: 12 is out of range; allowed 0.3…10 Q; the nearest allowed value is 10"


@pytest.mark.parametrize("address", [
    "ch/1/polarity", "ch/1/hpf/on", "ch/1/eq/on", "ch/1/gate/on", "ch/1/dyn/on", "bus/1/eq/on",
    "bus/1/limiter/on", "bus/3/limiter/on", "main/eq/on", "main/limiter/on",
])
def test_switches_take_json_bools_only(tree, address):
    assert tree.validate(address, True) is True and tree.validate(address, False) is False
    for value in (1, 0, "on", None):
        assert reject(tree, address, value).code == "wrong_type"


# -- insert order ------------------------------------------------------------------------------------

def test_order_choices(tree):
    assert ORDERS == ("eq>dyn", "dyn>eq")
    assert tree.spec("ch/2/order").choices == ORDERS
    assert tree.validate("ch/2/order", "dyn>eq") == "dyn>eq"
    assert tree.validate("ch/2/order", " eq>dyn ") == "eq>dyn"
    for bad in ("eq-dyn", "dyn", "EQ>DYN", "gate>eq>dyn", ""):
        e = reject(tree, "ch/2/order", bad)
        assert e.code == "invalid_value"
        assert e.allowed == "one of eq>dyn, dyn>eq"
    assert reject(tree, "ch/2/order", 1).code == "wrong_type"
    assert "bus/1/order" not in tree and "main/order" not in tree


# -- balance and limiters ------------------------------------------------------------------------------

def test_balance_only_on_stereo_outputs(tree):
    assert "main/balance" in tree
    assert "bus/2/balance" in tree  # stereo aux
    assert "bus/3/balance" in tree and "bus/4/balance" in tree  # FX buses return in stereo
    e = reject(tree, "bus/1/balance", 0)  # mono aux
    assert e.code == "unknown_address"
    assert e.allowed == "bus/1/{name|color|fader|mute|solo|moreme|eq/…|geq/…|limiter/…|delay|ringout}"
    assert "ch/1/balance" not in tree


def test_balance_follows_the_layout():
    tree = ParamTree.from_layout(Layout(inputs=("A",), buses=(BusLayout("M"), BusLayout("S", stereo=True),
                                                              BusLayout("FX", kind="fx"))))
    assert tree.expand("bus/*/balance") == ["bus/2/balance", "bus/3/balance"]


def test_limiter_on_defaults(tree):
    d = tree.defaults()
    assert d["main/limiter/on"] is True
    assert d["bus/1/limiter/on"] is True and d["bus/2/limiter/on"] is True  # monitor mixes: ears first
    assert d["bus/3/limiter/on"] is False and d["bus/4/limiter/on"] is False  # FX returns are not outputs
    assert tree.expand("bus/*/limiter/on") == [f"bus/{b}/limiter/on" for b in (1, 2, 3, 4)]
    assert "ch/1/limiter/on" not in tree


# -- sends, FX buses and returns -----------------------------------------------------------------------

def test_send_pre_defaults(tree):
    d = tree.defaults()
    for n in range(1, 9):
        assert d[f"ch/{n}/send/1/pre"] is True and d[f"ch/{n}/send/2/pre"] is True  # aux: pre-fader
        assert d[f"ch/{n}/send/3/pre"] is False and d[f"ch/{n}/send/4/pre"] is False  # FX: post-fader
        assert d[f"ch/{n}/send/3/level"] == -90.0 and d[f"ch/{n}/send/3/on"] is True
    assert tree.validate("ch/1/send/3/pre", True) is True  # a pre-fader FX send is still allowed


def test_fx_sends_are_mono(tree):
    assert "ch/1/send/2/pan" in tree
    e = reject(tree, "ch/1/send/3/pan", 0)
    assert e.code == "unknown_address"
    assert e.allowed == "ch/1/send/3/{level|pre|on}"


FX_RANGES = [("size", "%", 0.0, 100.0, 50.0), ("damping", "%", 0.0, 100.0, 50.0), ("width", "%", 0.0, 100.0, 100.0),
             ("predelay", "ms", 0.0, 100.0, 20.0), ("time", "ms", 1.0, 2000.0, 350.0),
             ("feedback", "%", 0.0, 95.0, 35.0), ("highcut", "Hz", 1000.0, 20000.0, 8000.0)]


@pytest.mark.parametrize("field, unit, lo, hi, default", FX_RANGES, ids=[r[0] for r in FX_RANGES])
def test_fx_parameters(tree, field, unit, lo, hi, default):
    for b in (3, 4):
        address = f"bus/{b}/fx/{field}"
        spec = tree.spec(address)
        assert (spec.unit, spec.min, spec.max, spec.default) == (unit, lo, hi, default)
        assert tree.validate(address, lo) == lo and tree.validate(address, hi) == hi
        assert reject(tree, address, lo - 1).code == "out_of_range"
        assert reject(tree, address, hi + 1).code == "out_of_range"
    for b in (1, 2):
        assert reject(tree, f"bus/{b}/fx/{field}", default).code == "unknown_address"


def test_fx_type(tree):
    d = tree.defaults()
    assert (d["bus/3/fx/type"], d["bus/4/fx/type"]) == ("reverb", "delay")
    assert tree.validate("bus/3/fx/type", "delay") == "delay"
    e = reject(tree, "bus/3/fx/type", "chorus")
    assert e.code == "invalid_value" and e.allowed == "one of reverb, delay"


def test_fx_and_return_addresses_only_on_fx_buses(tree):
    for b in (1, 2):
        for address in (f"bus/{b}/fx/type", f"bus/{b}/return/main/level", f"bus/{b}/return/1/level"):
            e = reject(tree, address, 0)
            assert e.code == "unknown_address"
            assert "fx/" not in e.allowed and "return/" not in e.allowed
    assert reject(tree, "bus/3", 0).allowed == (
        "bus/3/{name|color|fader|mute|solo|balance|eq/…|limiter/…|fx/…|return/…}")
    assert tree.expand("bus/*/fx/type") == ["bus/3/fx/type", "bus/4/fx/type"]
    assert tree.expand("bus/*/return/main/level") == ["bus/3/return/main/level", "bus/4/return/main/level"]


def test_returns_feed_main_and_the_aux_buses_only(tree):
    assert tree.expand("bus/3/return/*/level") == ["bus/3/return/main/level", "bus/3/return/1/level",
                                                   "bus/3/return/2/level"]
    assert tree.expand("bus/4/return/*/level") == ["bus/4/return/main/level", "bus/4/return/1/level",
                                                   "bus/4/return/2/level"]
    for a in (3, 4, 5):  # no return into an FX bus (itself or another), nor past the last bus
        e = reject(tree, f"bus/3/return/{a}/level", 0)
        assert e.code == "unknown_address"
        assert e.allowed == "bus/3/return/{1…2/…|main/…}"
    d = tree.defaults()
    assert d["bus/3/return/main/level"] == 0.0  # the effect is heard in the main mix at once
    assert d["bus/3/return/1/level"] == -90.0 and d["bus/4/return/2/level"] == -90.0  # monitor mixes: closed
    spec = tree.spec("bus/4/return/1/level")
    assert (spec.unit, spec.min, spec.max, spec.note) == ("dB", -90.0, 10.0, "-90 = closed")
    assert reject(tree, "bus/4/return/1/level", 10.5).code == "out_of_range"


def test_returns_skip_fx_buses_wherever_they_sit():
    layout = Layout(inputs=("A",), buses=(BusLayout("FX", kind="fx"), BusLayout("M"), BusLayout("S", stereo=True)))
    tree = ParamTree.from_layout(layout)
    assert tree.expand("bus/*/return/*/level") == ["bus/1/return/main/level", "bus/1/return/2/level",
                                                   "bus/1/return/3/level"]
    assert "bus/1/return/1/level" not in tree


def test_without_fx_buses_there_are_no_fx_addresses():
    tree = ParamTree.from_layout(Layout.simple(4, 4, stereo_buses=2))
    assert tree.expand("bus/*/fx/*") == [] and tree.expand("bus/*/return/*/level") == []
    assert all(v is True for a, v in tree.defaults().items() if a.endswith("/pre"))


# -- generator targets -----------------------------------------------------------------------------------

def test_generator_targets_include_buses(tree):
    assert tree.spec("gen/1/target").choices == ("none", *(f"ch/{n}" for n in range(1, 9)),
                                                 "bus/1", "bus/2", "bus/3", "bus/4")
    assert tree.validate("gen/1/target", "bus/2") == "bus/2"
    assert tree.validate("gen/2/target", "bus/4") == "bus/4"
    for bad in ("bus/9", "bus/0", "bus/5", "bus", "bus/1/fader", "main"):
        e = reject(tree, "gen/1/target", bad)
        assert e.code == "invalid_value"
        assert e.allowed == '"none", "ch/1"…"ch/8" or "bus/1"…"bus/4"'
    assert '"bus/9" is not an allowed value' in reject(tree, "gen/1/target", "bus/9").message


@pytest.mark.parametrize("layout, hint", [
    (Layout(inputs=(), buses=(), generators=1), '"none"'),
    (Layout(inputs=("A",), buses=(), generators=1), '"none" or "ch/1"'),
    (Layout(inputs=("A", "B"), buses=(BusLayout("M"),), generators=1), '"none", "ch/1"…"ch/2" or "bus/1"'),
    (Layout(inputs=(), buses=(BusLayout("M"), BusLayout("N")), generators=1), '"none" or "bus/1"…"bus/2"'),
])
def test_generator_target_hint(layout, hint):
    spec = ParamTree.from_layout(layout).spec("gen/1/target")
    assert spec.allowed == hint
    assert len(spec.choices) == 1 + layout.n_inputs + layout.n_buses


def test_generator_type(tree):
    assert tree.spec("gen/1/type").choices == ("sine", "pink", "white")
    assert tree.defaults()["gen/1/type"] == "sine"
    assert tree.validate("gen/1/type", "pink") == "pink"
    assert reject(tree, "gen/1/type", "brown").allowed == "one of sine, pink, white"
