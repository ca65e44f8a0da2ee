"""The X AIR address map and value encodings (mixerd/osc/xair.py): every step of every encoding round-trips,
known values from the X AIR's documentation and from a real X AIR client library (xair-api), refusals, and
the layout presented as an XR18 for a small and a large mixer."""

from __future__ import annotations

import math
import struct

import pytest

from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.osc.xair import (NOT_MAPPED, PALETTE, RATIOS, Choice, Colour, Fader, Mask, OscArgError, Ratios,
                             Stepped, Switch, Text, XAirMap, _regex)

SMALL = Layout.simple(8, 4, stereo_buses=2, fx=("reverb", "delay"))
LARGE = Layout(
    inputs=tuple(f"Ch {n}" for n in range(1, 33)),
    buses=(BusLayout("Mon 1"), BusLayout("Mon 2"), BusLayout("IEM 3", stereo=True), BusLayout("Mon 4"),
           BusLayout("IEM 5", stereo=True), BusLayout("Drums", stereo=True, kind="group"), BusLayout("Mon 7"),
           BusLayout("Rev A", kind="fx"), BusLayout("Mon 9"), BusLayout("Dly", kind="fx", effect="delay"),
           BusLayout("Rev B", kind="fx"), BusLayout("Rev C", kind="fx"), BusLayout("Rev D", kind="fx")),
)
FEW_GROUPS = Layout(inputs=("Vox",), buses=(BusLayout("Wedge"),), dcas=2, mute_groups=1)


def xmap(layout: Layout) -> XAirMap:
    return XAirMap(layout, ParamTree.from_layout(layout))


@pytest.fixture(scope="module")
def small() -> XAirMap:
    return xmap(SMALL)


@pytest.fixture(scope="module")
def large() -> XAirMap:
    return xmap(LARGE)


def f32(x: float) -> float:
    """``x`` as it arrives over OSC: a 32-bit float."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


def distinct(m: XAirMap):
    """One binding per encoding and address template (every fader of every channel encodes alike)."""
    seen = {}
    for path in m.paths():
        b = m.binding(path)
        key = (b.encoding, b.spec.template if b.spec is not None else len(b.addresses))
        seen.setdefault(key, b)
    return list(seen.values())


# -- every step of every encoding -------------------------------------------------------------------------

def test_every_float_step_round_trips_and_passes_validation(large):
    """from_osc(k-th step) passes mixerd's validation and to_osc gives back exactly the k-th step's float; a step
    outside mixerd's range comes back as mixerd's limit's step. Also from the float32 the wire carries."""
    checked = 0
    for b in distinct(large):
        enc = b.encoding
        if not isinstance(enc, Stepped):
            continue
        last = enc.steps - 1
        reach = sorted((enc.step(enc.lo), enc.step(enc.hi)))
        for k in range(enc.steps):
            for arg in (k / last, f32(k / last)):
                value = b.from_osc(arg)
                assert large.tree.validate(b.address, value) == value, (b.path, k)
                expected = min(max(k, reach[0]), reach[1]) / last
                assert b.to_osc(value) == expected, (b.path, k, value)
            checked += 1
    # eight fader-like levels of 1024 steps (channel, send, bus, main, DCA, two returns, solo) and the rest
    assert checked > 11_000


def of_kind(m: XAirMap, kind) -> list:
    return [b for b in distinct(m) if isinstance(b.encoding, kind)]


def test_every_choice_round_trips_or_reads_back_as_documented(large):
    """IN, PREEQ and POSTEQ are pre-fader sends (read back PRE), GRP a post-fader one (POST), VEQ a peaking band
    (PEQ), every reverb reads back as HALL and every delay as DLY; an index without a counterpart is refused."""
    coerced = {"tap": {0: 3, 1: 3, 2: 3, 5: 4}, "type": {3: 2}}
    for b in of_kind(large, Choice):
        enc, leaf = b.encoding, b.path.rsplit("/", 1)[1]
        for i, label in enumerate(enc.labels):
            if enc.values[i] is None:
                with pytest.raises(OscArgError, match=f"{b.path}: {i} \\({label}\\)"):
                    b.from_osc(i)
                continue
            value = b.from_osc(i)
            assert large.tree.validate(b.address, value) == value
            expected = (0 if i < 10 else 10) if b.path.startswith("/fx/") else coerced.get(leaf, {}).get(i, i)
            assert b.to_osc(value) == expected, (b.path, i)
        for value in large.tree.spec(b.address).choices or ():
            assert enc.values[b.to_osc(value)] == value  # every mixerd choice has its index


def test_every_ratio_round_trips_up_to_mixerds_limit(large):
    [b] = of_kind(large, Ratios)
    for i, ratio in enumerate(RATIOS):
        value = b.from_osc(i)
        assert large.tree.validate(b.address, value) == value == min(ratio, 20.0)
        assert b.to_osc(value) == min(i, RATIOS.index(20.0))  # 100:1 is beyond mixerd's 20:1


def test_every_switch_and_colour_round_trips(large):
    for b in of_kind(large, (Switch, Colour)):
        for i in range(len(PALETTE) if isinstance(b.encoding, Colour) else 2):
            value = b.from_osc(i)
            assert large.tree.validate(b.address, value) == value
            assert b.to_osc(value) == i
            assert type(b.to_osc(value)) is int  # never a bool: python-osc would send T/F


def test_every_mask_round_trips(large):
    for b in of_kind(large, Mask):
        for bits in range(2 ** len(b.addresses)):
            values = b.from_osc(bits)
            assert set(values) == set(b.addresses)
            assert all(large.tree.validate(a, v) == v for a, v in values.items())
            assert b.to_osc(values) == bits


def test_to_osc_gives_the_nearest_step_of_any_mixerd_value(large):
    for b in distinct(large):
        enc = b.encoding
        if not isinstance(enc, Stepped):
            continue
        last = enc.steps - 1
        low, high = sorted((enc.curve.lo, enc.curve.hi))
        values = [enc.lo + (enc.hi - enc.lo) * i / 4000 for i in range(4001)] + [large.tree.spec(b.address).default]
        for value in values:
            w = b.to_osc(value)
            assert w == round(w * last) / last, (b.path, value)  # exactly the k-th step's float k/(steps-1)
            exact = enc.curve.wire(min(max(value * enc.sign, low), high))
            assert abs(exact - w) <= 0.5 / last + 1e-12, (b.path, value)


def test_a_value_that_is_the_simplest_on_its_step_survives_osc_and_back(small):
    """REST → OSC → REST: 0 dB, −10 dB, 1 kHz, Q 0.7 and a 0.25 dB gain come back as they were."""
    for path, value in (("/ch/01/mix/fader", 0.0), ("/ch/01/mix/fader", -10.0), ("/ch/01/mix/fader", -90.0),
                        ("/ch/01/mix/02/level", 6.0), ("/ch/01/eq/2/f", 1000.0), ("/ch/01/eq/2/q", 0.7),
                        ("/ch/01/eq/2/g", -3.25), ("/ch/01/mix/pan", -30.0), ("/ch/01/preamp/hpf", 80.0),
                        ("/ch/01/gate/thr", -50.0), ("/ch/01/gate/range", -60.0), ("/ch/01/dyn/ratio", 3.0)):
        b = small.binding(path)
        assert b.from_osc(f32(b.to_osc(value))) == value, path


# -- known values -----------------------------------------------------------------------------------------

def test_fader_curve_known_values(small):
    """Maillot's X32/X AIR fader law (0.75 = 0 dB, 0.5 = −10, 0.25 = −30, 0.0625 = −60, 0 = −∞) on 1024 steps:
    the mixer reports a level as idx/1023 (0 dB: 767/1023 = 0.7498) and rounds an incoming float to a step
    (F. Homann, ardour-dev, 2016-05-14)."""
    fader = small.binding("/ch/01/mix/fader")
    assert fader.tag == "f" and fader.encoding.steps == 1024
    assert [fader.from_osc(w) for w in (1.0, 0.75, 0.5, 0.25, 0.0625, 0.0)] == [10.0, 0.0, -10.0, -30.0, -60.0, -90.0]
    assert fader.to_osc(0.0) == 767 / 1023 and round(fader.to_osc(0.0), 4) == 0.7498
    assert fader.to_osc(10.0) == 1.0 and fader.to_osc(-90.0) == 0.0
    assert fader.to_osc(-10.0) == 512 / 1023  # 0.5 lies half-way between two steps: the upper one
    curve = Fader()
    for k in range(1024):  # the four segments meet: the curve is continuous and its inverse exact
        assert curve.wire(curve.value(k / 1023)) == pytest.approx(k / 1023, abs=1e-12)


def test_frequency_q_gain_pan_known_values(small):
    """Log 20 Hz–20 kHz in 201 steps (step 100 = 20·√1000 = 632.5 Hz), Q log 10…0.3 in 72 steps, gain ±15 dB in
    0.25 dB steps, pan −100…+100 in steps of 2, HPF log 20–400 Hz in 101 steps (the X32/X AIR parameter types)."""
    freq = small.binding("/ch/01/eq/1/f")
    assert freq.encoding.steps == 201
    assert freq.to_osc(632.5) == 0.5 and freq.to_osc(20.0) == 0.0 and freq.to_osc(20000.0) == 1.0
    assert freq.from_osc(0.5) == 630.0  # the simplest number on step 100 (621.6…643.5 Hz)
    assert freq.to_osc(1000.0) == 113 / 200 and freq.from_osc(113 / 200) == 1000.0
    q = small.binding("/ch/01/eq/1/q")
    assert q.encoding.steps == 72 and q.from_osc(0.0) == 10.0 and q.from_osc(1.0) == 0.3
    assert q.encoding.curve.value(35 / 71) == pytest.approx(10 * 0.03 ** (35 / 71))
    gain = small.binding("/ch/01/eq/1/g")
    assert gain.encoding.steps == 121 and gain.to_osc(0.0) == 0.5 and gain.from_osc(61 / 120) == 0.25
    assert gain.to_osc(15.0) == 1.0 and gain.to_osc(-15.0) == 0.0
    pan = small.binding("/ch/01/mix/pan")
    assert pan.encoding.steps == 101 and pan.to_osc(0.0) == 0.5 and pan.from_osc(0.51) == 2.0
    assert pan.to_osc(-100.0) == 0.0 and pan.to_osc(100.0) == 1.0
    hpf = small.binding("/ch/01/preamp/hpf")
    assert hpf.encoding.steps == 101 and hpf.to_osc(20.0) == 0.0 and hpf.to_osc(400.0) == 1.0
    assert hpf.to_osc(80.0) == 46 / 100  # log(80/20)/log(400/20) = 0.463


def test_dynamics_known_values_and_mixerd_limits(small):
    """Gate −80…0 dB (0.5), range 3…60 dB (1), attack 0…120 ms (1), hold log 0.02…2000 ms, release log
    5…4000 ms; compressor −60…0 dB (0.5), ratio 1.1…100 (12 choices), knee 0…5 dB, make-up 0…24 dB (0.5)."""
    b = small.binding
    assert b("/ch/01/gate/thr").from_osc(0.0) == -80.0 and b("/ch/01/gate/thr").to_osc(-90.0) == 0.0
    assert b("/ch/01/gate/thr").encoding.steps == 161
    rng = b("/ch/01/gate/range")  # X AIR attenuation 3…60 dB is mixerd's (negative) range −3…−60
    assert rng.from_osc(0.0) == -3.0 and rng.from_osc(1.0) == -60.0 and rng.to_osc(-90.0) == 1.0
    assert rng.to_osc(0.0) == 0.0 and rng.encoding.steps == 58
    attack = b("/ch/01/gate/attack")
    assert attack.from_osc(0.0) == 0.05 and attack.from_osc(1.0) == 100.0  # mixerd's gate attack 0.05–100 ms
    assert attack.to_osc(10.0) == 10 / 120
    assert b("/ch/01/dyn/attack").from_osc(1.0) == 120.0  # the compressor's goes to 200 ms
    assert b("/ch/01/gate/hold").to_osc(0.0) == 0.0 and b("/ch/01/gate/hold").from_osc(1.0) == 2000.0
    assert b("/ch/01/gate/release").from_osc(1.0) == 2000.0  # 4000 ms is beyond mixerd's 2000
    assert b("/ch/01/gate/release").to_osc(2000.0) == pytest.approx(math.log(400) / math.log(800), abs=0.005)
    assert b("/ch/01/dyn/thr").encoding.steps == 121 and b("/ch/01/dyn/thr").from_osc(0.0) == -60.0
    assert b("/ch/01/dyn/ratio").to_osc(3.0) == 5 and b("/ch/01/dyn/ratio").from_osc(11) == 20.0
    assert b("/ch/01/dyn/knee").to_osc(24.0) == 1.0 and b("/ch/01/dyn/knee").from_osc(1.0) == 5.0
    assert b("/ch/01/dyn/mgain").encoding.steps == 49 and b("/ch/01/dyn/mgain").from_osc(0.5) == 12.0
    assert b("/ch/01/dyn/pos").to_osc("dyn>eq") == 0 and b("/ch/01/dyn/pos").from_osc(1) == "eq>dyn"


def test_switches_colours_and_choices(small):
    b = small.binding
    assert b("/ch/01/mix/on").to_osc(False) == 1 and b("/ch/01/mix/on").from_osc(0) is True  # on = not muted
    assert b("/dca/1/on").from_osc(1) is False and b("/lr/mix/on").to_osc(True) == 0
    assert b("/ch/01/mix/on").from_osc(1.0) is False  # TouchOSC sends its buttons as floats
    assert b("/ch/01/config/color").to_osc("#6b7280") == 0  # mixerd's default grey: OFF
    assert b("/ch/01/config/color").to_osc("#ff0000") == 1 and b("/ch/01/config/color").from_osc(9) == "#991b1b"
    assert b("/ch/01/eq/1/type").from_osc(3) == "peaking" and b("/ch/01/eq/1/type").to_osc("low-cut") == 0
    assert b("/ch/01/mix/01/tap").from_osc(1) is True and b("/ch/01/mix/01/tap").to_osc(False) == 4
    assert b("/ch/01/preamp/hpslope").to_osc(24.0) == 2 and b("/ch/01/preamp/hpslope").from_osc(0) == 12.0
    assert b("/fx/2/type").to_osc("delay") == 10 and b("/fx/1/type").from_osc(3) == "reverb"
    assert b("/config/solo/chmode").from_osc(1) == "afl"
    name = b("/ch/01/config/name")
    assert name.tag == "s" and isinstance(name.encoding, Text) and name.from_osc("  Kick In ") == "Kick In"


# -- a real X AIR client library agrees ----------------------------------------------------------------------

def test_xair_api_conversions_land_on_mixerd_steps(small):
    """xair-api (onyx-and-iris, on PyPI) converts dB, Hz, ms to the floats it sends: those land on the step
    to_osc gives for the same value, and its reading of our float is that value to within the step."""
    util = pytest.importorskip("xair_api.util")
    sent = []
    to_fader = util.db_to(lambda param, val: sent.append(val))

    def quantize(w: float, steps: int) -> float:
        return math.floor(w * (steps - 1) + 0.5) / (steps - 1)

    fader = small.binding("/ch/01/mix/fader")
    for db in [x / 4 for x in range(-360, 41)]:
        to_fader(None, db)
        assert quantize(sent[-1], 1024) == fader.to_osc(db), db
        assert util.db_from(lambda: fader.to_osc(db))() == pytest.approx(db, abs=0.25)
    scales = [  # path, xair-api's setter and getter, X AIR values to try
        ("/ch/01/eq/1/f", lambda v: util.log_set(20, 20000, v), lambda w: util.log_get(20, 20000, w), (25, 632.5, 1e4)),
        ("/ch/01/eq/1/q", lambda v: 1 - util.log_set(0.3, 10, v), lambda w: util.log_get(0.3, 10, 1 - w), (0.5, 4)),
        ("/ch/01/eq/1/g", lambda v: util.lin_set(-15, 15, v), lambda w: util.lin_get(-15, 15, w), (-6.5, 0, 3.25)),
        ("/ch/01/preamp/hpf", lambda v: util.log_set(20, 400, v), lambda w: util.log_get(20, 400, w), (40, 120)),
        ("/ch/01/gate/thr", lambda v: util.lin_set(-80, 0, v), lambda w: util.lin_get(-80, 0, w), (-42.5,)),
        ("/ch/01/gate/hold", lambda v: util.log_set(0.02, 2000, v), lambda w: util.log_get(0.02, 2000, w), (50,)),
        ("/ch/01/dyn/release", lambda v: util.log_set(5, 4000, v), lambda w: util.log_get(5, 4000, w), (150,)),
        ("/ch/01/dyn/mgain", lambda v: util.lin_set(0, 24, v), lambda w: util.lin_get(0, 24, w), (6.5,)),
        ("/headamp/01/gain", lambda v: util.lin_set(-12, 60, v), lambda w: util.lin_get(-12, 60, w), (-6, 22.5)),
        ("/ch/01/preamp/rtntrim", lambda v: util.lin_set(-18, 18, v), lambda w: util.lin_get(-18, 18, w), (-3.75,)),
    ]
    for path, xset, xget, values in scales:
        b = small.binding(path)
        for value in values:
            assert quantize(xset(value), b.encoding.steps) == pytest.approx(b.to_osc(value), abs=1e-12), (path, value)
            step = b.from_osc(b.to_osc(value))
            assert xget(b.to_osc(value)) == pytest.approx(step, rel=0.04, abs=0.5), (path, value)


# -- refusals ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, arg, code, words", [
    ("/ch/01/mix/fader", "loud", "wrong_type", '"loud" is a string, not a float'),
    ("/ch/01/mix/fader", True, "wrong_type", "true is a bool, not a float"),
    ("/ch/01/mix/fader", 1.5, "out_of_range", "1.5 is outside 0.0…1.0"),
    ("/ch/01/mix/fader", -0.01, "out_of_range", "-0.01 is outside 0.0…1.0"),
    ("/ch/01/mix/fader", float("nan"), "invalid_value", "is not a finite number"),
    ("/ch/01/eq/1/type", 6, "out_of_range", "6 is outside 0…5"),
    ("/ch/01/mix/on", 2, "out_of_range", "2 is outside 0…1"),
    ("/ch/01/mix/on", 0.5, "wrong_type", "0.5 is a number, not an int"),
    ("/ch/01/preamp/hpslope", 1, "invalid_value", "1 (18 dB/oct) is not a slope of mixerd's high-pass filter"),
    ("/fx/1/type", 13, "invalid_value", "13 (CRS) is not an effect mixerd has"),
    ("/ch/01/config/name", 7, "wrong_type", "7 is a number, not a string"),
    ("/ch/01/config/name", "", "invalid_value", "ch/1/name"),
    ("/ch/01/grp/dca", 16, "out_of_range", "there is no DCA 5 here (only 1…4)"),
    ("/ch/01/grp/mute", "1", "wrong_type", "not an int"),
])
def test_bad_arguments_are_refused_with_a_clear_message(small, path, arg, code, words):
    b = small.binding(path)
    with pytest.raises(ValueError) as caught:
        b.from_osc(arg)
    e = caught.value
    assert isinstance(e, OscArgError) and e.code == code and e.path == path and e.address == b.address
    assert e.message.startswith(path + ": ") and words in e.message, e.message
    assert e.allowed


def test_a_many_binding_needs_all_its_values(small):
    dca = small.binding("/ch/03/grp/dca")
    assert dca.many and dca.addresses == tuple(f"ch/3/dca/{d}" for d in range(1, 5))
    with pytest.raises(TypeError, match="Binding.read"):
        dca.to_osc(True)
    values = {a: False for a in dca.addresses} | {"ch/3/dca/2": True}
    assert dca.read(values.__getitem__) == 2
    assert dca.changes(5) == {"ch/3/dca/1": True, "ch/3/dca/2": False, "ch/3/dca/3": True, "ch/3/dca/4": False}
    fader = small.binding("/ch/03/mix/fader")
    assert not fader.many and fader.changes(0.75) == {"ch/3/fader": 0.0}
    assert fader.read({"ch/3/fader": -10.0}.__getitem__) == 512 / 1023


# -- the layout as an XR18 ------------------------------------------------------------------------------------

def test_every_binding_reads_the_default_state_and_takes_its_own_value_back(small, large):
    for m in (small, large):
        defaults = m.tree.defaults()
        for path in m.paths():
            b = m.binding(path)
            assert path.startswith("/") and all(a in m.tree for a in b.addresses)
            assert all(b in m.bindings_of(a) for a in b.addresses)
            arg = b.read(defaults.__getitem__)
            assert type(arg) is {"f": float, "i": int, "s": str}[b.tag], path
            for address, value in b.changes(arg).items():
                assert m.tree.validate(address, value) == value


def test_what_the_issue_lists_is_mapped(small):
    listed = ["/ch/01/mix/fader", "/ch/01/mix/on", "/ch/01/mix/pan", "/ch/01/mix/01/level", "/ch/01/mix/01/tap",
              "/ch/01/mix/03/pan", "/ch/01/config/name", "/ch/01/config/color", "/ch/01/preamp/trim",
              "/ch/01/preamp/hpon", "/ch/01/preamp/hpf", "/ch/01/eq/on", "/ch/01/gate/on", "/ch/01/gate/thr",
              "/ch/01/dyn/on", "/ch/01/dyn/thr", "/ch/01/grp/dca", "/ch/01/grp/mute", "/bus/1/mix/fader",
              "/bus/1/mix/on", "/bus/1/config/name", "/lr/mix/fader", "/lr/mix/on", "/dca/1/fader", "/dca/1/on",
              "/fx/1/type"] + [f"/ch/01/eq/{band}/{leaf}" for band in range(1, 5) for leaf in ("type", "f", "g", "q")]
    assert [p for p in listed if small.binding(p) is None] == []


#: X AIR path → the mixerd address it shows (None: not mapped) for SMALL: 8 channels, 4 aux buses (3 and 4
#: stereo), 2 FX buses (5 reverb, 6 delay), 8 DCAs, 6 mute groups.
SMALL_PATHS = {
    "/ch/08/mix/fader": "ch/8/fader", "/ch/09/mix/fader": None, "/headamp/08/gain": "ch/8/trim",
    "/headamp/09/gain": None, "/bus/4/mix/fader": "bus/4/fader", "/bus/5/mix/fader": None,
    "/ch/01/mix/04/level": "ch/1/send/4/level", "/ch/01/mix/05/level": None,
    "/ch/01/mix/07/level": "ch/1/send/5/level",  # FX 1's send is mixerd bus 5's
    "/ch/01/mix/08/level": "ch/1/send/6/level", "/ch/01/mix/09/level": None,
    "/ch/01/mix/03/pan": "ch/1/send/3/pan", "/ch/01/mix/01/pan": None,  # bus 1 is mono
    "/bus/3/mix/pan": "bus/3/balance", "/bus/1/mix/pan": None, "/bus/1/mix/lr": None,  # an aux bus feeds no LR
    "/fx/2/type": "bus/6/fx/type", "/fx/3/type": None, "/fxsend/1/mix/fader": "bus/5/fader",
    "/fxsend/1/mix/on": "bus/5/mute", "/rtn/2/mix/fader": "bus/6/return/main/level",
    "/rtn/1/mix/04/level": "bus/5/return/4/level", "/lr/mix/pan": "main/balance", "/lr/eq/6/f": "main/eq/4/freq",
    "/bus/2/eq/3/g": "bus/2/eq/2/gain", "/bus/2/eq/2/g": None, "/dca/4/fader": "dca/4/fader", "/dca/5/fader": None,
    "/config/mute/4": "mutegroup/4/on", "/config/mute/5": None, "/-stat/solosw/08": "ch/8/solo",
}
#: The same for LARGE: 32 channels, 8 aux buses and a group bus (6), 5 FX buses (8, 10, 11, 12, 13).
LARGE_PATHS = {
    "/ch/16/mix/fader": "ch/16/fader", "/ch/17/mix/fader": None, "/bus/6/mix/lr": "bus/6/main",
    "/ch/01/mix/06/grpon": "ch/1/send/6/on", "/ch/01/mix/07/level": "ch/1/send/8/level",
    "/ch/01/mix/08/level": "ch/1/send/10/level", "/rtn/1/mix/05/level": "bus/8/return/5/level",
    "/rtn/1/mix/06/level": None,  # no FX return into a group bus
    "/fx/4/type": "bus/12/fx/type", "/fx/5/type": None,
}


@pytest.mark.parametrize("layout, expected", [(SMALL, SMALL_PATHS), (LARGE, LARGE_PATHS)], ids=["small", "large"])
def test_the_layout_as_an_xr18(layout, expected):
    m = xmap(layout)
    found = {path: (b.address if (b := m.binding(path)) is not None else None) for path in expected}
    assert found == expected


def test_a_small_mixer_shows_what_it_has(small):
    assert (small.channels, small.buses, small.fx) == (tuple(range(1, 9)), (1, 2, 3, 4), (5, 6))
    assert "8 channels (/ch/01…/ch/08)" in small.explain("/ch/09/mix/fader")
    assert [x.path for x in small.bindings_of("bus/5/name")] == ["/fxsend/1/config/name", "/rtn/1/config/name"]
    assert small.bindings_of("dca/5/fader") == [] and small.bindings_of("ch/1/dca/5") == []
    assert [x.path for x in small.bindings_of("ch/2/trim")] == ["/ch/02/preamp/trim", "/ch/02/preamp/rtntrim",
                                                                "/headamp/02/gain"]


def test_a_large_mixer_shows_what_the_xr18_has_room_for(large):
    assert (large.channels, large.buses, large.fx) == (tuple(range(1, 17)), (1, 2, 3, 4, 5, 6), (8, 10, 11, 12))
    assert [a for a in ("ch/17/fader", "bus/7/fader", "bus/13/fader") if large.bindings_of(a)] == []
    assert large.binding("/fx/2/type").to_osc(large.tree.spec("bus/10/fx/type").default) == 10  # a delay: DLY
    assert "16 channels (/ch/01…/ch/16), 6 buses (/bus/1…/bus/6), 4 FX (/fx/1…/fx/4)" in large.summary()


def test_fewer_groups_than_the_xr18(small):
    m = xmap(FEW_GROUPS)
    dca, mute = m.binding("/ch/01/grp/dca"), m.binding("/ch/01/grp/mute")
    assert dca.addresses == ("ch/1/dca/1", "ch/1/dca/2") and mute.addresses == ("ch/1/mutegroup/1",)
    assert dca.changes(3) == {"ch/1/dca/1": True, "ch/1/dca/2": True}
    with pytest.raises(OscArgError, match="no DCA 3, 4 here"):
        dca.from_osc(13)
    assert m.binding("/dca/3/fader") is None and m.binding("/config/mute/2") is None
    assert m.buses == (1,) and m.fx == ()
    assert m.binding("/fx/1/type") is None and m.binding("/ch/01/mix/07/level") is None


def test_unmapped_x_air_parameters_are_explained(small):
    assert small.binding("/ch/01/gate/mode") is None
    assert "gate/expander" in small.explain("/ch/01/gate/mode")
    assert "compressor" in small.explain("/ch/01/dyn/mix")
    assert "aux channel" in small.explain("/rtn/aux/mix/fader")
    assert "bands 1, 3, 4, 6" in small.explain("/lr/eq/5/g")
    assert "phantom" in small.explain("/headamp/03/phantom")
    assert "stereo bus" in small.explain("/ch/01/mix/02/pan")
    assert small.explain("/nonsense") == "/nonsense is not an X AIR parameter mixerd answers"
    assert small.explain("/ch/01/mix/fader") == "/ch/01/mix/fader shows ch/1/fader"


def test_no_mapped_path_is_listed_as_not_mapped(small, large):
    patterns = [(text, _regex(text)) for text, _ in NOT_MAPPED]
    for m in (small, large):
        for path in m.paths():
            if path.startswith("/-stat/solosw/"):
                continue  # the one status mapped; "/-stat/*" says so
            assert [text for text, regex in patterns if regex.fullmatch(path)] == [], path
