"""One contract between the C core and the Python side (issue 15, item 5).

The numbers the control side sends and reads — op codes, enums, slot and index arithmetic, the meter
frame — come from the core (mixcore.h through ``mixerd._core``). This module holds the two sides together:
(a) the Python name tables (mapping's orders, FX kinds, generator kinds, bus kinds, inserts) are the
core's values and cover the model's choices; (b) with real audio through the core offline, a signal
put in one place lights exactly the meter ``Core.meter_layout()`` names for it, and a command sent to
the slot or index a helper computes changes exactly that channel's or bus's audio — first posting to
the core directly, then through ``CommandMap`` from parameter addresses.

Meters are compared exactly (the core is deterministic: the same commands and input give the same
numbers), except the levels the core is asked to produce (``approx`` at 1e-6 on float32 meters).
"""

from __future__ import annotations

import numpy as np
import pytest

from mixerd import _core
from mixerd.engine import mapping
from mixerd.engine.dsp import dynamics, filters, fx
from mixerd.engine.mapping import CommandMap, bus_shapes
from mixerd.model import table
from mixerd.model.layout import BUS_KINDS, FX_EFFECTS, BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
BLOCK = 64
FRAMES = 4096  # long enough for the reverb's first reflections (its combs are 1100–1700 samples long)
IMM = _core.IMMEDIATE

# Every kind and width of bus: mono and stereo aux, an FX bus, stereo and mono groups.
SHAPES = [(_core.BUS_AUX, 1), (_core.BUS_AUX, 2), (_core.BUS_FX, 2), (_core.BUS_GROUP, 2), (_core.BUS_GROUP, 1)]
N_IN, N_BUS = 3, len(SHAPES)
FX_BUS = 2
MAIN = _core.main_bus(N_BUS)
HALF = (0.5, 0.0, 0.0, 0.0, 0.0)  # a biquad section that halves: b0 b1 b2 a1 a2
LAYOUT = Layout(inputs=("A", "B", "C"), generators=0, buses=(
    BusLayout("Wedge"), BusLayout("IEM", stereo=True), BusLayout("Verb", kind="fx", effect="reverb"),
    BusLayout("Drums", stereo=True, kind="group"), BusLayout("Vox", kind="group")))


# -- (a) the name tables ------------------------------------------------------------------------------

def _enum(table_: dict, count: int) -> None:
    """A name table maps onto the core's enum one to one."""
    assert sorted(table_.values()) == list(range(count))


def test_name_tables_are_the_cores_values():
    assert mapping.ORDERS == {"eq>dyn": _core.ORDER_EQ_DYN, "dyn>eq": _core.ORDER_DYN_EQ}
    assert tuple(mapping.ORDERS) == table.ORDERS
    _enum(mapping.ORDERS, _core.N_ORDERS)
    assert mapping.FX_KINDS == {"reverb": _core.FX_REVERB, "delay": _core.FX_DELAY}
    assert tuple(mapping.FX_KINDS) == FX_EFFECTS
    _enum(mapping.FX_KINDS, _core.N_FX_KINDS)
    assert mapping.GEN_KINDS == {"sine": _core.GEN_SINE, "pink": _core.GEN_PINK, "white": _core.GEN_WHITE}
    assert tuple(mapping.GEN_KINDS) == table.GEN_TYPES
    _enum(mapping.GEN_KINDS, _core.N_GEN_KINDS)
    assert mapping.BUS_KINDS == {"aux": _core.BUS_AUX, "fx": _core.BUS_FX, "group": _core.BUS_GROUP}
    assert tuple(mapping.BUS_KINDS) == BUS_KINDS
    _enum(mapping.BUS_KINDS, _core.N_BUS_KINDS)
    targets = {"none": mapping.TARGET_NONE, "ch": mapping.TARGET_CHANNEL, "bus": mapping.TARGET_BUS}
    assert targets == {"none": _core.TARGET_NONE, "ch": _core.TARGET_CHANNEL, "bus": _core.TARGET_BUS}
    _enum(targets, _core.N_TARGETS)
    assert mapping.CH_INSERTS == {"hpf": _core.INS_HPF, "eq": _core.INS_EQ, "gate": _core.INS_GATE,
                                  "dyn": _core.INS_COMP}
    _enum(mapping.CH_INSERTS, _core.N_CH_INSERTS)
    assert mapping.BUS_INSERTS == {"eq": _core.INS_BUS_EQ, "geq": _core.INS_GEQ, "limiter": _core.INS_LIMITER}
    _enum(mapping.BUS_INSERTS, _core.N_BUS_INSERTS)
    assert tuple(mapping.BUS_INSERTS) == ("eq", "geq", "limiter")  # slot order is signal order
    assert (mapping.CH_FILTERS, mapping.BUS_FILTERS) == (_core.CH_FILTERS, _core.BUS_FILTERS)
    assert _core.CH_FILTERS == _core.CH_HPF_SECTIONS + _core.EQ_BANDS == _core.CH_EQ_FIRST + _core.EQ_BANDS
    assert _core.BUS_FILTERS == _core.EQ_BANDS == table.EQ_BANDS
    # The graphic EQ: the core's band count is the model's and the design's; the nominal centres the user sees
    # are the ISO roundings of the exact ones the bands are designed at.
    assert _core.GEQ_BANDS == len(table.GEQ_FREQS) == filters.GEQ_BANDS == 31
    for k, nominal in enumerate(table.GEQ_FREQS, start=1):
        assert filters.geq_centre(k) == pytest.approx(nominal, rel=0.015), k
    assert _core.OUT_DELAY_MAX_MS == 100
    assert [_core.out_delay_max(r) for r in (44100, 48000, 96000, 8001)] == [4410, 4800, 9600, 801]


def test_tap_kinds_are_the_cores_values():
    """Every tap kind is one of the core's (the tap rings: Core.record, Core.analyse), and each channel meter stage
    has its own tap, a channel kind."""
    kinds = {"raw": _core.TAP_RAW, "trim": _core.TAP_TRIM, "insert1": _core.TAP_INSERT1,
             "inserts": _core.TAP_INSERTS, "post": _core.TAP_POST, "bus": _core.TAP_BUS, "solo": _core.TAP_SOLO}
    _enum(kinds, _core.N_TAP_KINDS)
    assert set(_core.METER_STAGE_TAPS) == set(_core.METER_STAGE_NAMES)
    stage_taps = set(_core.METER_STAGE_TAPS.values())
    assert len(stage_taps) == len(_core.METER_STAGE_NAMES)
    assert stage_taps == set(kinds.values()) - {_core.TAP_RAW, _core.TAP_BUS, _core.TAP_SOLO}


def test_every_insert_and_name_table_entry_is_an_address():
    tree = ParamTree.from_layout(LAYOUT)
    for key in mapping.CH_INSERTS:
        assert f"ch/1/{key}/on" in tree
    for key in mapping.BUS_INSERTS:
        assert f"bus/1/{key}/on" in tree and f"main/{key}/on" in tree
    # Only the buses that leave by a port (aux buses and the main) have a graphic EQ and an output delay.
    for b, (kind, _) in enumerate(SHAPES, start=1):
        aux = kind == _core.BUS_AUX
        assert (f"bus/{b}/geq/on" in tree) is aux and (f"bus/{b}/geq/31/gain" in tree) is aux
        assert (f"bus/{b}/delay" in tree) is aux
    assert "main/geq/1/gain" in tree and "main/delay" in tree and "bus/1/geq/32/gain" not in tree
    assert tree.spec("ch/1/order").choices == tuple(mapping.ORDERS)


def test_the_model_layout_numbers_buses_as_the_core_does():
    """layout.py still computes send rows, master gains and ports for its own users; they agree."""
    shapes = bus_shapes(LAYOUT)
    assert shapes == SHAPES
    for b in range(1, LAYOUT.n_buses + 1):
        assert LAYOUT.send_row(b) == _core.send_row(shapes, b - 1)
        assert LAYOUT.master_index(b) == _core.master_index(shapes, b - 1)
        assert LAYOUT.buses[b - 1].width == _core.bus_width(*shapes[b - 1])
        assert LAYOUT.buses[b - 1].in_width == _core.bus_in_width(*shapes[b - 1])
    assert LAYOUT.solo_master_index == _core.master_index(shapes, LAYOUT.n_buses)
    assert LAYOUT.n_outputs == _core.Core(LAYOUT.n_inputs, shapes, 0).n_outputs


def test_helpers_refuse_what_is_out_of_range():
    for call in (lambda: _core.channel_filter_slot(0, _core.CH_FILTERS),
                 lambda: _core.bus_filter_slot(N_IN, 0, _core.BUS_FILTERS),
                 lambda: _core.channel_insert_slot(0, _core.N_CH_INSERTS),
                 lambda: _core.bus_insert_slot(N_IN, 0, _core.N_BUS_INSERTS),
                 lambda: _core.channel_meter(N_IN, _core.N_METER_STAGES, 0),
                 lambda: _core.channel_meter(N_IN, 0, N_IN),
                 lambda: _core.gr_index(N_IN, _core.N_GR_KINDS, 0),
                 lambda: _core.send_row(SHAPES, N_BUS + 1),
                 lambda: _core.master_index(SHAPES, N_BUS + 1),
                 lambda: _core.return_index(N_BUS, N_BUS, 0),
                 lambda: _core.send_index(N_IN, 0, N_IN),
                 lambda: _core.geq_slot(N_BUS, N_BUS + 1, 0),
                 lambda: _core.geq_slot(N_BUS, 0, _core.GEQ_BANDS)):
        with pytest.raises(ValueError):
            call()


# -- the meter frame ------------------------------------------------------------------------------------

def new_core(meter_interval=FRAMES):
    """The test core: nothing open (faders, sends, returns closed, inserts out), unity trims and masters;
    the FX bus a reverb without predelay."""
    core = _core.Core(N_IN, SHAPES, 1, sample_rate=RATE, max_frames=BLOCK, meter_interval=meter_interval,
                      meter_slots=FRAMES // meter_interval + 1, ramp_samples=0)
    post(core, _core.OP_FX_KIND, FX_BUS, _core.FX_REVERB)
    post(core, _core.OP_REVERB, FX_BUS, *fx.reverb_params(0.5, 0.5, 1.0, 0.0, RATE))
    return core


def post(core, op, index, *values):
    assert core.post(op | IMM, index, *values)


def run(core, inputs=None, last=False):
    """Process FRAMES samples; (peak per meter, mean square per meter, gain reduction per point, outputs),
    each the largest of every meter frame published (``last``: of the last frame)."""
    x = np.zeros((N_IN, FRAMES), np.float32) if inputs is None else inputs
    out = core.process(x, block=BLOCK)
    data, _, _ = core.read_meters()
    assert len(data), "no meter frame published"
    ml = core.meter_layout()
    nm = ml["n_meters"]
    frame = data[-1] if last else data.max(axis=0)
    return (frame[_core.MF_PEAK * nm:(_core.MF_PEAK + 1) * nm], frame[_core.MF_MS * nm:(_core.MF_MS + 1) * nm],
            frame[ml["gr_offset"]:], out)


def lit(values, floor=1e-7):
    return {int(m) for m in np.flatnonzero(values > floor)}


def dc(*channels, level=0.5):
    x = np.zeros((N_IN, FRAMES), np.float32)
    x[list(channels)] = level
    return x


def tone(*channels, level=0.25, freq=1000.0):
    x = np.zeros((N_IN, FRAMES), np.float32)
    x[list(channels)] = level * np.sin(2 * np.pi * freq * np.arange(FRAMES) / RATE)
    return x


def stages(ml, c, names=("input", "inserts", "insert1", "post")):
    return {ml["channel_stages"][s] + c for s in names}


def span(first_width):
    first, width = first_width
    return set(range(first, first + width))


def test_meter_layout_describes_the_whole_frame():
    core = new_core()
    ml = core.meter_layout()
    assert ml["n_inputs"] == N_IN and ml["n_meters"] == core.n_meters and ml["n_gr"] == core.n_gr
    assert ml["fields"] == ("peak", "ms", "clips", "kms", "tp")
    assert [ml["fields"].index(f) for f in ("peak", "ms", "clips", "kms", "tp")] == \
        [_core.MF_PEAK, _core.MF_MS, _core.MF_CLIPS, _core.MF_KMS, _core.MF_TP]
    assert ml["gr_offset"] == len(ml["fields"]) * ml["n_meters"]
    assert ml["frame_floats"] == core.frame_floats == ml["gr_offset"] + ml["n_gr"]
    assert tuple(ml["channel_stages"]) == _core.METER_STAGE_NAMES == ("input", "inserts", "post", "insert1")
    assert [w for _, w in ml["buses"]] == [_core.bus_width(*s) for s in SHAPES]
    # Every meter channel belongs to exactly one point, every gain reduction to one processor.
    meters = [m for first in ml["channel_stages"].values() for m in range(first, first + N_IN)]
    for point in (ml["main"], *ml["buses"], ml["solo"]):
        meters += sorted(span(point))
    assert sorted(meters) == list(range(ml["n_meters"])) and len(meters) == ml["n_meters"]
    gr = ml["gr"]
    points = [*range(gr["gate"], gr["gate"] + N_IN), *range(gr["comp"], gr["comp"] + N_IN),
              *range(gr["limiter"], gr["limiter"] + N_BUS + 1)]
    assert sorted(points) == list(range(ml["n_gr"])) and len(points) == ml["n_gr"]
    # The helpers say the same.
    for stage, name in enumerate(_core.METER_STAGE_NAMES):
        assert ml["channel_stages"][name] == _core.channel_meter(N_IN, stage, 0)
    assert ml["main"][0] == _core.master_meter(N_IN, _core.MASTER_MAIN)
    assert [f for f, _ in ml["buses"]] == [_core.master_meter(N_IN, _core.master_index(SHAPES, b))
                                           for b in range(N_BUS)]
    assert ml["solo"][0] == _core.master_meter(N_IN, _core.master_index(SHAPES, N_BUS))
    assert gr == {"gate": _core.gr_index(N_IN, _core.GR_GATE, 0), "comp": _core.gr_index(N_IN, _core.GR_COMP, 0),
                  "limiter": _core.gr_index(N_IN, _core.GR_LIMITER, 0)}


@pytest.mark.parametrize("order", [_core.ORDER_EQ_DYN, _core.ORDER_DYN_EQ], ids=["eq>dyn", "dyn>eq"])
@pytest.mark.parametrize("c", range(N_IN))
def test_a_channel_lights_its_own_stage_meters_in_its_insert_order(c, order):
    """Input only on channel c, its HPF and EQ each halving (one section each), fader at half: the input,
    insert1, inserts and post meters of c read 0.8, 0.4 or 0.2, 0.2, 0.1; nothing else lights."""
    core = new_core()
    post(core, _core.OP_BIQUAD, _core.channel_filter_slot(c, 0), *HALF)                        # HPF section 1
    post(core, _core.OP_BIQUAD, _core.channel_filter_slot(c, _core.CH_EQ_FIRST + 3), *HALF)    # EQ band 4
    post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_HPF), 1.0)
    post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_EQ), 1.0)
    post(core, _core.OP_ORDER, c, order)
    post(core, _core.OP_FADER, c, 0.5)
    peak, _, gr, out = run(core, dc(c, level=0.8))
    ml = core.meter_layout()
    first = ml["channel_stages"]
    assert lit(peak) == stages(ml, c)
    assert peak[first["input"] + c] == pytest.approx(0.8, rel=1e-6)
    assert peak[first["insert1"] + c] == pytest.approx(0.2 if order == _core.ORDER_EQ_DYN else 0.4, rel=1e-6)
    assert peak[first["inserts"] + c] == pytest.approx(0.2, rel=1e-6)
    assert peak[first["post"] + c] == pytest.approx(0.1, rel=1e-6)
    assert not lit(gr) and not np.abs(out).any()


@pytest.mark.parametrize("c", range(N_IN))
def test_a_generator_on_a_channel_lights_that_channel(c):
    core = new_core()
    post(core, _core.OP_GEN_FREQ, 0, *mapping.rotation(1000.0, RATE))
    post(core, _core.OP_GEN_LEVEL, 0, 0.5)
    post(core, _core.OP_GEN_TARGET, 0, _core.TARGET_CHANNEL, c)
    peak, *_ = run(core)
    assert lit(peak) == stages(core.meter_layout(), c, ("input", "inserts", "insert1"))  # fader closed


@pytest.mark.parametrize("b", range(N_BUS))
def test_a_generator_on_a_bus_lights_that_bus_and_its_sides(b):
    core = new_core()
    post(core, _core.OP_GEN_FREQ, 0, *mapping.rotation(1000.0, RATE))
    post(core, _core.OP_GEN_LEVEL, 0, 0.5)
    post(core, _core.OP_GEN_TARGET, 0, _core.TARGET_BUS, b)
    peak, _, gr, out = run(core)
    ml = core.meter_layout()
    assert lit(peak) == span(ml["buses"][b])
    assert not lit(gr)
    # Solo takes the bus (a mono one on both sides); a master gain at 0 darkens just its side.
    post(core, _core.OP_SOLO_SRC, b, 1.0)
    assert lit(run(core)[0]) == span(ml["buses"][b]) | span(ml["solo"])
    first, width = ml["buses"][b]
    solo = ml["solo"][0]
    for side in range(width):
        post(core, _core.OP_OUT_GAIN, _core.master_index(SHAPES, b) + side, 0.0)
        live = set(range(width)) - {side}
        solo_live = {j for j in (0, 1) if (j if width == 2 else 0) in live}  # a mono bus feeds both solo sides
        assert lit(run(core)[0]) == {first + k for k in live} | {solo + j for j in solo_live}
        post(core, _core.OP_OUT_GAIN, _core.master_index(SHAPES, b) + side, 1.0)


@pytest.mark.parametrize("b", range(N_BUS))
@pytest.mark.parametrize("pre", [False, True], ids=["post", "pre"])
def test_a_send_row_lights_its_bus_side(b, pre):
    """Channel 1 into one send-matrix row of bus b: that side (an FX bus: its stereo return) lights."""
    core = new_core()
    post(core, _core.OP_FADER, 1, 1.0)
    ml = core.meter_layout()
    first, width = ml["buses"][b]
    rows = range(_core.send_row(SHAPES, b), _core.send_row(SHAPES, b + 1))
    assert len(rows) == _core.bus_in_width(*SHAPES[b])
    for side, row in enumerate(rows):
        index = _core.send_index(N_IN, row, 1)
        post(core, _core.OP_SEND_PRE if pre else _core.OP_SEND_POST, index, 1.0)
        expect = span(ml["buses"][b]) if SHAPES[b][0] == _core.BUS_FX else {first + side}
        assert lit(run(core, tone(1))[0]) == stages(ml, 1) | expect
        post(core, _core.OP_SEND_PRE if pre else _core.OP_SEND_POST, index, 0.0)


def test_main_sides_solo_taps_and_masters():
    core = new_core()
    ml = core.meter_layout()
    main_l, main_r = sorted(span(ml["main"]))
    solo_l, solo_r = sorted(span(ml["solo"]))
    ch = stages(ml, 0)
    post(core, _core.OP_FADER, 0, 1.0)
    post(core, _core.OP_MAIN_L, 0, 1.0)
    assert lit(run(core, tone(0))[0]) == ch | {main_l}
    post(core, _core.OP_MAIN_R, 0, 1.0)
    assert lit(run(core, tone(0))[0]) == ch | {main_l, main_r}
    post(core, _core.OP_OUT_GAIN, _core.MASTER_MAIN, 0.0)
    assert lit(run(core, tone(0))[0]) == ch | {main_r}
    post(core, _core.OP_SOLO_SRC, MAIN, 1.0)  # the main into the solo bus
    assert lit(run(core, tone(0))[0]) == ch | {main_r, solo_r}
    post(core, _core.OP_SOLO_SRC, MAIN, 0.0)
    post(core, _core.OP_MAIN_L, 0, 0.0)
    post(core, _core.OP_MAIN_R, 0, 0.0)
    post(core, _core.OP_SOLO_AFL_L, 0, 1.0)
    assert lit(run(core, tone(0))[0]) == ch | {solo_l}
    post(core, _core.OP_SOLO_AFL_L, 0, 0.0)
    post(core, _core.OP_SOLO_PFL, 0, 1.0)
    post(core, _core.OP_OUT_GAIN, _core.master_index(SHAPES, N_BUS) + 1, 0.0)  # solo R
    assert lit(run(core, tone(0))[0]) == ch | {solo_l}


@pytest.mark.parametrize("to", [b for b in range(N_BUS + 1) if b == MAIN or SHAPES[b][0] != _core.BUS_FX])
def test_an_fx_return_lights_its_destination(to):
    core = new_core()
    ml = core.meter_layout()
    post(core, _core.OP_GEN_FREQ, 0, *mapping.rotation(1000.0, RATE))
    post(core, _core.OP_GEN_LEVEL, 0, 0.5)
    post(core, _core.OP_GEN_TARGET, 0, _core.TARGET_BUS, FX_BUS)
    post(core, _core.OP_RETURN, _core.return_index(N_BUS, FX_BUS, to), 1.0)
    destination = ml["main"] if to == MAIN else ml["buses"][to]
    assert lit(run(core)[0]) == span(ml["buses"][FX_BUS]) | span(destination)


# -- the tap rings: a tap carries what the meter the layout names for it measures ------------------------

def tap_meter(ml, kind, index, side):
    """The meter channel ``Core.meter_layout()`` names for a tap (None for a raw channel: no meter reads it)."""
    stage = {tap: name for name, tap in _core.METER_STAGE_TAPS.items()}
    if kind in stage:
        return ml["channel_stages"][stage[kind]] + index
    if kind == _core.TAP_BUS:
        return (ml["main"] if index == MAIN else ml["buses"][index])[0] + side
    if kind == _core.TAP_SOLO:
        return ml["solo"][0] + side
    return None


def every_tap(core):
    """Every tap of every kind this core has: each channel at each point, each side of each bus, the main, the
    solo."""
    taps = [(kind, c, 0) for kind in (_core.TAP_RAW, *_core.METER_STAGE_TAPS.values()) for c in range(N_IN)]
    taps += [(_core.TAP_BUS, b, side) for b in range(N_BUS) for side in range(_core.bus_width(*SHAPES[b]))]
    taps += [(_core.TAP_BUS, MAIN, side) for side in (0, 1)] + [(_core.TAP_SOLO, 0, side) for side in (0, 1)]
    assert {kind for kind, _, _ in taps} == set(range(_core.N_TAP_KINDS))
    return taps


def test_every_tap_carries_what_its_meter_measures():
    """A mix where channel 1's EQ comes before its dynamics and channel 2's after, channel 3's fader is closed, every
    bus hears something and the solo takes a PFL: analysed and recorded at once, every track's peak and mean square
    are those of the meter the layout names for its tap (a raw track is the input), in both rings alike."""
    core = new_core()
    for c, order in ((0, _core.ORDER_EQ_DYN), (1, _core.ORDER_DYN_EQ)):
        post(core, _core.OP_BIQUAD, _core.channel_filter_slot(c, 0), *HALF)
        post(core, _core.OP_BIQUAD, _core.channel_filter_slot(c, _core.CH_EQ_FIRST + 1), *HALF)
        post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_HPF), 1.0)
        post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_EQ), 1.0)
        post(core, _core.OP_ORDER, c, order)
        post(core, _core.OP_FADER, c, 0.5 + 0.25 * c)
    for c, op in ((0, _core.OP_MAIN_L), (1, _core.OP_MAIN_R)):
        post(core, op, c, 1.0)
    for row in range(_core.send_row(SHAPES, N_BUS)):
        post(core, _core.OP_SEND_POST, _core.send_index(N_IN, row, 0), 0.5)
        post(core, _core.OP_SEND_PRE, _core.send_index(N_IN, row, 2), 0.25)  # fader closed, pre-fader still sends
    for b in range(N_BUS):
        if SHAPES[b][0] == _core.BUS_GROUP:
            post(core, _core.OP_GROUP_MAIN, b, 1.0)
    post(core, _core.OP_RETURN, _core.return_index(N_BUS, FX_BUS, MAIN), 0.5)
    post(core, _core.OP_SOLO_PFL, 1, 1.0)
    taps = every_tap(core)
    analysis = core.analyse(taps, 1 << 13)
    take = core.record(taps, 1 << 13)
    x = tone(0) + tone(1, freq=300.0, level=0.4)
    x[2] = np.random.default_rng(2).standard_normal(FRAMES).astype(np.float32) * 0.1
    core.process(x, block=BLOCK)
    data, _, _ = core.read_meters()
    assert len(data) == 1  # one meter frame: the whole run
    ml = core.meter_layout()
    nm = ml["n_meters"]
    peak, ms = data[0, _core.MF_PEAK * nm:(_core.MF_PEAK + 1) * nm], data[0, _core.MF_MS * nm:(_core.MF_MS + 1) * nm]
    tracks, _ = analysis.read(FRAMES)
    np.testing.assert_array_equal(take.read(FRAMES)[0], tracks)
    assert tracks.shape == (len(taps), FRAMES)
    for track, tap in zip(tracks, taps):
        m = tap_meter(ml, *tap)
        if m is None:
            np.testing.assert_array_equal(track, x[tap[1]])
            continue
        assert np.abs(track).max() == peak[m], tap
        assert np.mean(track.astype(np.float64) ** 2) == pytest.approx(ms[m], rel=2e-5, abs=1e-12), tap
    # Every tap carries something but the closed fader's post: none matches its meter by being silent.
    assert [t for t in taps if not np.abs(tracks[taps.index(t)]).any()] == [(_core.TAP_POST, 2, 0)]


# -- commands at the helpers' slots change exactly their own audio ---------------------------------------

def all_channels_in(core, hpf=True, eq=True):
    for c in range(N_IN):
        post(core, _core.OP_FADER, c, 1.0)
        post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_HPF), float(hpf))
        post(core, _core.OP_INSERT, _core.channel_insert_slot(c, _core.INS_EQ), float(eq))
    return dc(*range(N_IN), level=0.8)


@pytest.mark.parametrize("section", range(_core.CH_FILTERS))
@pytest.mark.parametrize("c", range(N_IN))
def test_a_channel_filter_slot_filters_that_channel_section(c, section):
    base = new_core()
    peak0, *_ = run(base, all_channels_in(base))
    core = new_core()
    x = all_channels_in(core)
    post(core, _core.OP_BIQUAD, _core.channel_filter_slot(c, section), *HALF)
    peak, *_ = run(core, x)
    ml = core.meter_layout()
    changed = {int(m) for m in np.flatnonzero(peak != peak0)}
    assert changed == stages(ml, c, ("inserts", "post", "insert1"))
    assert peak[ml["channel_stages"]["inserts"] + c] == pytest.approx(0.4, rel=1e-6)


@pytest.mark.parametrize("c", range(N_IN))
def test_a_channel_insert_slot_switches_that_channels_insert(c):
    """Every section of every channel halves; with the inserts out nothing does, then c's HPF (2 sections),
    EQ (4), gate (closed: threshold above the signal) and compressor come in one at a time."""
    def core_with(insert=None, gate=False, comp=False):
        core = new_core(meter_interval=FRAMES // 4)
        x = all_channels_in(core, hpf=False, eq=False)
        for ch in range(N_IN):
            for s in range(_core.CH_FILTERS):
                post(core, _core.OP_BIQUAD, _core.channel_filter_slot(ch, s), *HALF)
            post(core, _core.OP_GATE, ch, *dynamics.gate_params(0.0, -40.0, 0.5, 0.0, 5.0, RATE))
            post(core, _core.OP_COMP, ch, *dynamics.comp_params(-40.0, 20.0, 0.0, 0.05, 50.0, 0.0, RATE))
        if insert is not None:
            post(core, _core.OP_INSERT, _core.channel_insert_slot(c, insert), 1.0)
        return run(core, x, last=True)  # the gate has closed, the compressor has come down

    peak0, _, gr0, _ = core_with()
    ml = new_core().meter_layout()
    inserts = ml["channel_stages"]["inserts"]
    assert np.all(peak0[inserts:inserts + N_IN] == np.float32(0.8)) and not lit(gr0)
    for insert, gain, gr_kind in ((_core.INS_HPF, 0.25, None), (_core.INS_EQ, 0.0625, None),
                                  (_core.INS_GATE, None, "gate"), (_core.INS_COMP, None, "comp")):
        peak, _, gr, _ = core_with(insert)
        changed = {int(m) for m in np.flatnonzero(peak != peak0)}
        assert changed <= stages(ml, c, ("inserts", "post", "insert1"))
        assert inserts + c in changed
        if gain is not None:
            assert peak[inserts + c] == pytest.approx(0.8 * gain, rel=1e-6)
        assert lit(gr) == (set() if gr_kind is None else {ml["gr"][gr_kind] + c})


def all_buses_in(core):
    """Channel 1 (a tone) into every send row, the main L/R; everything at unity."""
    post(core, _core.OP_FADER, 1, 1.0)
    post(core, _core.OP_MAIN_L, 1, 1.0)
    post(core, _core.OP_MAIN_R, 1, 1.0)
    for row in range(_core.send_row(SHAPES, N_BUS)):
        post(core, _core.OP_SEND_POST, _core.send_index(N_IN, row, 1), 1.0)
    for b in range(N_BUS + 1):
        post(core, _core.OP_INSERT, _core.bus_insert_slot(N_IN, b, _core.INS_BUS_EQ), 1.0)
        post(core, _core.OP_INSERT, _core.bus_insert_slot(N_IN, b, _core.INS_GEQ), 1.0)
    return tone(1)


def bus_meters(ml, b):
    return span(ml["main"] if b == MAIN else ml["buses"][b])


def ports(b):
    """Output ports of bus b (the main: 0, 1); FX and group buses have none."""
    if b == MAIN:
        return [0, 1]
    first = 2 + sum(w for k, w in SHAPES[:b] if k == _core.BUS_AUX)
    return list(range(first, first + SHAPES[b][1])) if SHAPES[b][0] == _core.BUS_AUX else []


@pytest.mark.parametrize("band", range(_core.BUS_FILTERS))
@pytest.mark.parametrize("b", range(N_BUS + 1), ids=[f"bus{b}" for b in range(N_BUS)] + ["main"])
def test_a_bus_filter_slot_filters_that_bus(b, band):
    base = new_core()
    peak0, _, _, out0 = run(base, all_buses_in(base))
    core = new_core()
    x = all_buses_in(core)
    post(core, _core.OP_BIQUAD, _core.bus_filter_slot(N_IN, b, band), *HALF)
    peak, _, _, out = run(core, x)
    ml = core.meter_layout()
    assert {int(m) for m in np.flatnonzero(peak != peak0)} == bus_meters(ml, b)
    for m in bus_meters(ml, b):
        assert peak[m] == pytest.approx(0.5 * peak0[m], rel=1e-6)
    changed_ports = {int(o) for o in np.flatnonzero(np.any(out != out0, axis=1))}
    assert changed_ports == set(ports(b))
    for o in ports(b):
        np.testing.assert_allclose(out[o], 0.5 * out0[o], rtol=1e-6, atol=1e-9)


def has_port(b):
    """Aux buses and the main leave by a port: only they have a graphic EQ and an output delay."""
    return b == MAIN or SHAPES[b][0] == _core.BUS_AUX


@pytest.mark.parametrize("band", [0, 17, _core.GEQ_BANDS - 1])
@pytest.mark.parametrize("b", range(N_BUS + 1), ids=[f"bus{b}" for b in range(N_BUS)] + ["main"])
def test_a_geq_slot_filters_that_bus(b, band):
    """A graphic EQ band at the slot geq_slot names halves that bus's output (both sides); an FX or group bus
    has no graphic EQ, so its slots change nothing."""
    base = new_core()
    peak0, _, _, out0 = run(base, all_buses_in(base))
    core = new_core()
    x = all_buses_in(core)
    post(core, _core.OP_GEQ, _core.geq_slot(N_BUS, b, band), *HALF)
    peak, _, _, out = run(core, x)
    ml = core.meter_layout()
    changed = {int(m) for m in np.flatnonzero(peak != peak0)}
    if not has_port(b):
        assert not changed and np.array_equal(out, out0)
        return
    assert changed == bus_meters(ml, b)
    for m in bus_meters(ml, b):
        assert peak[m] == pytest.approx(0.5 * peak0[m], rel=1e-6)
    assert {int(o) for o in np.flatnonzero(np.any(out != out0, axis=1))} == set(ports(b))
    for o in ports(b):
        np.testing.assert_allclose(out[o], 0.5 * out0[o], rtol=1e-6, atol=1e-9)
    # The graphic EQ's bypass slot takes it out again.
    post(core, _core.OP_INSERT, _core.bus_insert_slot(N_IN, b, _core.INS_GEQ), 0.0)
    np.testing.assert_array_equal(run(core, x)[3][ports(b)], run(base, x)[3][ports(b)])


@pytest.mark.parametrize("b", range(N_BUS + 1), ids=[f"bus{b}" for b in range(N_BUS)] + ["main"])
def test_an_out_delay_index_delays_that_bus(b):
    """OP_OUT_DELAY at bus b (the main: main_bus) delays exactly that bus's ports by the samples asked; an FX
    or group bus has no output delay."""
    base = new_core()
    _, _, _, out0 = run(base, all_buses_in(base))
    core = new_core()
    x = all_buses_in(core)
    post(core, _core.OP_OUT_DELAY, b, 100)
    _, _, _, out = run(core, x)
    if not has_port(b):
        assert np.array_equal(out, out0)
        return
    assert {int(o) for o in np.flatnonzero(np.any(out != out0, axis=1))} == set(ports(b))
    for o in ports(b):
        assert not out[o, :100].any()
        np.testing.assert_array_equal(out[o, 100:], out0[o, :-100])


@pytest.mark.parametrize("b", range(N_BUS + 1), ids=[f"bus{b}" for b in range(N_BUS)] + ["main"])
def test_a_bus_limiter_slot_limits_that_bus(b):
    base = new_core()
    peak0, _, gr0, _ = run(base, all_buses_in(base))
    core = new_core()
    x = all_buses_in(core)
    post(core, _core.OP_LIMITER, b, *dynamics.limiter_params(-30.0, 50.0, RATE))
    post(core, _core.OP_INSERT, _core.bus_insert_slot(N_IN, b, _core.INS_LIMITER), 1.0)
    peak, _, gr, _ = run(core, x)
    ml = core.meter_layout()
    assert not lit(gr0)
    assert lit(gr) == {_core.gr_index(N_IN, _core.GR_LIMITER, b)} == {ml["gr"]["limiter"] + b}
    assert {int(m) for m in np.flatnonzero(peak != peak0)} == bus_meters(ml, b)


# -- the same through CommandMap: addresses → the core's numbers ------------------------------------------

def addr_points(ml) -> dict[str, set[int]]:
    points = {f"ch/{c + 1}/{s}": {first + c} for s, first in ml["channel_stages"].items() for c in range(N_IN)}
    points["main"] = span(ml["main"])
    points.update({f"bus/{b + 1}": span(p) for b, p in enumerate(ml["buses"])})
    points["solo"] = span(ml["solo"])
    return points


def base_state() -> dict:
    """Three tones through every channel into every bus and the main; groups off the main, returns closed,
    limiters out, EQ band 2 at 200 Hz (flat until its gain moves)."""
    s = ParamTree.from_layout(LAYOUT).defaults()
    s.update({a: False for a in s if a.endswith("limiter/on")})
    for n in range(1, N_IN + 1):
        for b in range(1, LAYOUT.n_buses + 1):
            s.update({f"ch/{n}/send/{b}/level": -6.0, f"ch/{n}/send/{b}/on": True})
    for owner in [f"ch/{n}" for n in range(1, N_IN + 1)] + [f"bus/{b}" for b in range(1, N_BUS + 1)] + ["main"]:
        s[f"{owner}/eq/2/freq"] = 200.0
    s.update({"bus/3/return/main/level": -90.0, "bus/4/main": False, "bus/5/main": False})
    # The reverb: no predelay and its fader up, so its limiter has something to work on within FRAMES.
    s.update({"bus/3/fx/predelay": 0.0, "bus/3/fader": 10.0})
    return s


def meters_for(state):
    core = _core.Core(LAYOUT.n_inputs, bus_shapes(LAYOUT), LAYOUT.generators, sample_rate=RATE, max_frames=BLOCK,
                      meter_interval=FRAMES, ramp_samples=0)
    for c in CommandMap(LAYOUT, RATE).all_commands(state):
        assert core.post(c.op | IMM, c.index, *c.values)
    t = np.arange(FRAMES) / RATE
    x = np.stack([0.2 * np.sin(2 * np.pi * f * t) for f in (200.0, 200.0 * 1.26, 200.0 / 1.26)]).astype(np.float32)
    core.process(x, block=BLOCK)
    data, _, _ = core.read_meters()
    ml = core.meter_layout()
    return data[-1, :2 * ml["n_meters"]], data[-1, ml["gr_offset"]:], ml


CHANNEL_DOWNSTREAM = ("main", "solo", "bus/1", "bus/2", "bus/3", "bus/4", "bus/5")
CASES = [
    *[({f"ch/{n}/eq/2/gain": -12.0}, (f"ch/{n}/inserts", f"ch/{n}/post", f"ch/{n}/insert1", *CHANNEL_DOWNSTREAM))
      for n in (1, 2, 3)],
    ({"ch/2/hpf/on": True, "ch/2/hpf/freq": 400.0}, ("ch/2/inserts", "ch/2/post", "ch/2/insert1", *CHANNEL_DOWNSTREAM)),
    # dyn>eq: insert1 is taken before the EQ now, so it stays
    ({"ch/3/order": "dyn>eq", "ch/3/eq/2/gain": -12.0}, ("ch/3/inserts", "ch/3/post", *CHANNEL_DOWNSTREAM)),
    ({"ch/1/trim": -6.0}, ("ch/1/input", "ch/1/inserts", "ch/1/post", "ch/1/insert1", *CHANNEL_DOWNSTREAM)),
    # dynamics come after insert1 in eq>dyn: it stays
    ({"ch/1/dyn/on": True, "ch/1/dyn/threshold": -40.0}, ("ch/1/inserts", "ch/1/post", *CHANNEL_DOWNSTREAM)),
    ({"ch/2/gate/on": True, "ch/2/gate/threshold": 0.0}, ("ch/2/inserts", "ch/2/post", *CHANNEL_DOWNSTREAM)),
    ({"ch/2/fader": -12.0}, ("ch/2/post", "main", "solo", "bus/3", "bus/4", "bus/5")),  # aux sends are pre
    *[({f"ch/2/send/{b}/level": -20.0}, (f"bus/{b}",)) for b in range(1, N_BUS + 1)],
    ({"ch/1/send/2/pan": 100.0}, ("bus/2",)),
    ({"ch/1/send/4/pan": -100.0}, ("bus/4",)),
    *[({f"bus/{b}/fader": -12.0}, (f"bus/{b}",)) for b in range(1, N_BUS + 1)],
    *[({f"bus/{b}/eq/2/gain": -12.0}, (f"bus/{b}",)) for b in range(1, N_BUS + 1)],
    *[({f"bus/{b}/limiter/on": True, f"bus/{b}/limiter/threshold": -30.0}, (f"bus/{b}",))
      for b in range(1, N_BUS + 1)],
    ({"main/fader": -12.0}, ("main", "solo")),
    ({"main/eq/2/gain": -12.0}, ("main", "solo")),
    # the graphic EQ (band 11: 200 Hz) of the aux buses and the main; bypassed or flat it changes nothing
    *[({f"bus/{b}/geq/on": True, f"bus/{b}/geq/11/gain": -12.0}, (f"bus/{b}",)) for b in (1, 2)],
    ({"main/geq/on": True, "main/geq/11/gain": -12.0}, ("main", "solo")),
    ({"bus/1/geq/11/gain": -12.0}, ()),
    ({"bus/2/geq/on": True}, ()),
    # the output delay: the port, its meter and the solo bus (which carries the main) start later
    *[({f"bus/{b}/delay": 20.0}, (f"bus/{b}",)) for b in (1, 2)],
    ({"main/delay": 20.0}, ("main", "solo")),
    ({"main/limiter/on": True, "main/limiter/threshold": -30.0}, ("main", "solo")),
    ({"bus/3/return/main/level": 0.0}, ("main", "solo")),
    ({"bus/3/return/1/level": 0.0}, ("bus/1",)),
    ({"bus/3/return/2/level": 0.0}, ("bus/2",)),
    ({"bus/4/main": True}, ("main", "solo")),
    ({"bus/5/main": True}, ("main", "solo")),
    ({"ch/2/solo": True}, ("solo",)),
    ({"bus/5/solo": True}, ("solo",)),
    ({"solo/level": -12.0}, ("solo",)),
]


def moved(fields, fields0, nm) -> set[int]:
    """Meters whose peak or mean square moved by more than rounding (a flat EQ band in or out is not
    bit-exact, a −12 dB change is far beyond this)."""
    return {int(m) % nm for m in np.flatnonzero(~np.isclose(fields, fields0, rtol=1e-4, atol=1e-9))}


@pytest.fixture(scope="module")
def baseline():
    return meters_for(base_state())


@pytest.mark.parametrize("changes, expected", CASES, ids=[",".join(c) for c, _ in CASES])
def test_an_address_changes_exactly_its_own_audio(baseline, changes, expected):
    fields0, gr0, ml = baseline
    state = base_state()
    state.update(changes)
    fields, gr, _ = meters_for(state)
    points = addr_points(ml)
    nm = ml["n_meters"]
    changed = moved(fields, fields0, nm)
    assert changed == set().union(*(points[p] for p in expected)), changes
    assert not lit(gr0)
    reducing = set()  # the gain-reduction point a processor switched in must light, alone
    for key in changes:
        owner, _, what = key.rpartition("/")[0].rpartition("/")
        if what in ("gate", "dyn") and key.endswith("/on"):
            reducing.add(ml["gr"]["gate" if what == "gate" else "comp"] + int(owner.split("/")[1]) - 1)
        elif what == "limiter" and key.endswith("/on"):
            reducing.add(ml["gr"]["limiter"] + (MAIN if owner == "main" else int(owner.split("/")[1]) - 1))
    assert lit(gr) == reducing


def test_a_stereo_bus_balance_turns_down_one_side(baseline):
    fields0, _, ml = baseline
    for b in (2, 3, 4):  # stereo aux, FX (stereo out), stereo group
        for balance, side in ((100.0, 0), (-100.0, 1)):
            state = base_state()
            state[f"bus/{b}/balance"] = balance
            fields, _, _ = meters_for(state)
            changed = moved(fields, fields0, ml["n_meters"])
            assert changed == {ml["buses"][b - 1][0] + side}, (b, balance)
