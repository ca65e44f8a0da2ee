"""The analysis ring in the C core, offline (mixerd._core Core.analyse / Analysis, mixerd.engine Engine.analyse): every
meter point can be tapped and its tap carries exactly the samples its meter measures; a lagging reader loses whole
blocks, counted, and never holds the audio up; a take and an analysis are fed side by side, each its own data; the
ring is swapped for another while the audio runs."""

import threading
import time

import numpy as np
import pytest
from scipy import signal

from mixerd import _core
from mixerd.engine import Engine
from mixerd.model.errors import ParamError
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
BLOCK = 64
# Every kind of bus: mono and stereo aux, an FX bus, a stereo group.
LAYOUT = Layout(inputs=("Kick", "Vox", "Gtr", "Keys"), generators=0, buses=(
    BusLayout("Wedge"), BusLayout("IEM", stereo=True), BusLayout("Verb", kind="fx", effect="reverb"),
    BusLayout("Drums", stereo=True, kind="group")))
TRIMS = {1: 6.0, 2: -3.0, 3: 0.0, 4: 3.0}  # dB; channel 2 has its polarity inverted
FADER_4 = -10.0


def band_engine():
    """A settled engine where every meter point carries something different: channel 1 with HPF and a boosted
    EQ, channel 2 compressed with its EQ after the dynamics, channel 3 muted, channel 4 at -10 dB and soloed (PFL);
    sends into every bus, channel 1 into the drum group, the reverb back into the main."""
    state = ParamTree.from_layout(LAYOUT).defaults()
    for c, trim in TRIMS.items():
        state[f"ch/{c}/trim"] = trim
        for b in (1, 2, 3):
            state[f"ch/{c}/send/{b}/level"] = -6.0
    state["ch/2/polarity"] = True
    state.update({"ch/1/hpf/on": True, "ch/1/hpf/freq": 120.0, "ch/1/eq/on": True, "ch/1/eq/2/type": "peaking",
                  "ch/1/eq/2/freq": 1000.0, "ch/1/eq/2/gain": 9.0, "ch/1/eq/2/q": 1.0,
                  "ch/1/send/4/on": True, "ch/1/send/4/level": -3.0})
    state.update({"ch/2/dyn/on": True, "ch/2/dyn/threshold": -30.0, "ch/2/dyn/ratio": 4.0, "ch/2/order": "dyn>eq",
                  "ch/2/eq/on": True, "ch/2/eq/3/gain": -6.0})
    state["ch/3/mute"] = True
    state["ch/4/fader"] = FADER_4
    state["ch/4/solo"] = True
    state["bus/3/return/main/level"] = -6.0
    engine = Engine(LAYOUT, sample_rate=RATE, max_frames=BLOCK)
    engine.load(state)
    return engine, state


def distinct(n_inputs, frames, seed=1):
    """A different signal on every input (noise at a different level, a tone), so a track can only match its own."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / RATE
    x = rng.standard_normal((n_inputs, frames)) * 0.05 * np.arange(1, n_inputs + 1)[:, None]
    x += 0.3 * np.sin(2 * np.pi * np.array([220.0, 440.0, 880.0, 1760.0])[:n_inputs, None] * t)
    return x.astype(np.float32)


def meter_frames(core, frames):
    """(peak, mean square, clips) per meter frame the core published, and the sample span each covers."""
    data, lengths, _ = core.read_meters(64)
    nm = core.n_meters
    ends = np.cumsum(lengths)
    assert ends[-1] == frames, "the test reads every published frame"
    spans = list(zip(ends - lengths, ends))
    return (data[:, _core.MF_PEAK * nm:(_core.MF_PEAK + 1) * nm], data[:, _core.MF_MS * nm:(_core.MF_MS + 1) * nm],
            data[:, _core.MF_CLIPS * nm:(_core.MF_CLIPS + 1) * nm], spans)


def test_every_meter_point_can_be_tapped():
    engine, _ = band_engine()
    assert set(engine.tap_points) == set(engine.meter_points())
    for name, (_, width) in engine.meter_points().items():
        assert len(engine.tap_points[name]) == width, name  # a stereo point: two tracks


def test_each_tap_carries_exactly_what_its_meter_measures():
    """All meter points at once; over every published meter frame, each track's peak, mean square and clipped
    samples are its meter's: the very samples the meter measured."""
    engine, _ = band_engine()
    points = engine.meter_points()
    feed = engine.analyse(list(points), capacity=1 << 14)
    frames = 960 * 10  # ten meter frames
    x = distinct(4, frames)
    x[0, 5000:5100] *= 8  # some clipping on channel 1
    engine.core.process(x, block=BLOCK)
    data, at = feed.ring.read()
    assert at == 0 and data.shape == (feed.ring.n_tracks, frames) and feed.ring.lost == 0
    peak, ms, clips, spans = meter_frames(engine.core, frames)
    assert len(spans) == 10
    for name, (first, width) in points.items():
        track = feed.sides(data, name)
        assert track.shape == (width, frames)
        for k, (a, b) in enumerate(spans):
            seg = track[:, a:b].astype(np.float64)
            np.testing.assert_array_equal(np.abs(track[:, a:b]).max(axis=1), peak[k, first:first + width], name)
            np.testing.assert_allclose((seg ** 2).mean(axis=1), ms[k, first:first + width], rtol=2e-5, atol=1e-12,
                                       err_msg=name)
            np.testing.assert_array_equal((np.abs(track[:, a:b]) >= 1.0).sum(axis=1), clips[k, first:first + width])
    assert peak[:, points["ch/1/post"][0]].max() > 1.0  # the clipping went through


def test_channel_taps_are_the_strip_after_trim_inserts_and_fader():
    engine, state = band_engine()
    feed = engine.analyse(["ch/1/input", "ch/1/inserts", "ch/1/post", "ch/3/inserts", "ch/3/post",
                           "ch/4/input", "ch/4/inserts", "ch/4/post", "ch/2/input"], capacity=1 << 14)
    x = distinct(4, 4800)
    engine.core.process(x, block=BLOCK)
    data, _ = feed.ring.read()
    tap = {name: feed.sides(data, name)[0] for name in feed.tracks}
    gain = {c: 10 ** (trim / 20) for c, trim in TRIMS.items()}
    # After the trim (channel 2: polarity inverted too).
    np.testing.assert_allclose(tap["ch/1/input"], x[0] * gain[1], rtol=1e-6)
    np.testing.assert_allclose(tap["ch/2/input"], -x[1] * gain[2], rtol=1e-6)
    np.testing.assert_allclose(tap["ch/4/input"], x[3] * gain[4], rtol=1e-6)
    # After the inserts: channel 1's HPF and EQ, as designed on the control side (float64 reference).
    slots = {_core.channel_filter_slot(0, s): s for s in range(_core.CH_FILTERS)}
    sos = np.tile([1.0, 0, 0, 1.0, 0, 0], (_core.CH_FILTERS, 1))
    for cmd in engine.map.all_commands(state):
        if cmd.op == _core.OP_BIQUAD and cmd.index in slots:
            b0, b1, b2, a1, a2 = cmd.values
            sos[slots[cmd.index]] = (b0, b1, b2, 1.0, a1, a2)
    want = signal.sosfilt(sos, tap["ch/1/input"].astype(np.float64))
    assert np.abs(want - tap["ch/1/input"]).max() > 0.05  # the EQ does change it
    np.testing.assert_allclose(tap["ch/1/inserts"], want, atol=2e-5)
    np.testing.assert_allclose(tap["ch/1/post"], tap["ch/1/inserts"], rtol=1e-6)  # fader at 0 dB
    # A muted channel: its inserts point still hears it (before the mute), its post is silent.
    np.testing.assert_array_equal(tap["ch/3/inserts"], x[2] * np.float32(1.0))
    assert not tap["ch/3/post"].any()
    # Channel 4: no inserts, the fader at -10 dB.
    np.testing.assert_array_equal(tap["ch/4/inserts"], tap["ch/4/input"])
    np.testing.assert_allclose(tap["ch/4/post"], tap["ch/4/inserts"] * 10 ** (FADER_4 / 20), rtol=1e-6)


def test_bus_main_and_solo_taps_are_their_ports_bit_for_bit():
    engine, _ = band_engine()
    feed = engine.analyse(["main", "bus/1", "bus/2", "solo", "bus/3", "bus/4"], capacity=1 << 14)
    x = distinct(4, 4800)
    y = engine.core.process(x, block=BLOCK)
    data, _ = feed.ring.read()
    # Ports: main L/R, the mono wedge, the stereo IEM, solo L/R (the FX and group buses have none).
    np.testing.assert_array_equal(feed.sides(data, "main"), y[0:2])
    np.testing.assert_array_equal(feed.sides(data, "bus/1"), y[2:3])
    np.testing.assert_array_equal(feed.sides(data, "bus/2"), y[3:5])
    np.testing.assert_array_equal(feed.sides(data, "solo"), y[5:7])
    assert np.abs(feed.sides(data, "solo")).max() > 0.1  # channel 4 soloed
    for name in ("bus/3", "bus/4"):
        assert feed.sides(data, name).shape == (2, 4800) and np.abs(feed.sides(data, name)).max() > 1e-3, name


def test_a_lagging_reader_loses_whole_blocks_counts_them_and_never_holds_up_the_audio():
    engine, _ = band_engine()
    twin, _ = band_engine()  # the same mix with nothing tapped: the audio must not differ by a bit
    feed = engine.analyse(["ch/1/input", "main"], capacity=256)
    ring = feed.ring
    x = distinct(4, BLOCK * 10)
    y = engine.core.process(x[:, :BLOCK * 6], block=BLOCK)  # 6 blocks into room for 4: 2 dropped
    assert (ring.drops, ring.lost, ring.queued) == (2, 2 * BLOCK, 256)
    first, at = ring.read(100)  # the reader takes some, late
    assert at == 0 and first.shape == (3, 100)
    y2 = engine.core.process(x[:, BLOCK * 6:], block=BLOCK)  # room for one more block, then full again
    rest, at2 = ring.read()
    assert at2 == 100 and ring.drops == 5 and ring.lost == 5 * BLOCK
    assert ring.gaps() == [(256, 2 * BLOCK)]  # blocks 5 and 6 were dropped before the data at position 256
    np.testing.assert_array_equal(np.concatenate([y, y2], axis=1), twin.core.process(x, block=BLOCK))
    got = np.concatenate([first, rest], axis=1)
    assert got.shape == (3, 5 * BLOCK)
    kept = np.r_[0:4 * BLOCK, 6 * BLOCK:7 * BLOCK]  # what went in: blocks 1-4 and 7
    trim = 10 ** (TRIMS[1] / 20)
    np.testing.assert_allclose(got[0], x[0, kept] * trim, rtol=1e-6)
    np.testing.assert_array_equal(feed.sides(got, "main"), np.concatenate([y, y2], axis=1)[0:2, kept])


def test_a_reader_that_never_asks_for_gaps_never_stalls_the_ring():
    """The ring takes nothing while 64 gaps wait untaken; read() takes them, so a reader that ignores them
    still gets every block it has room for."""
    engine, _ = band_engine()
    ring = engine.analyse(["ch/4/post"], capacity=128).ring
    x = distinct(4, BLOCK * 4)
    for _ in range(100):
        engine.core.process(x, block=BLOCK)  # 4 blocks into room for 2: the last 2 dropped
        data, _ = ring.read()
        assert data.shape == (1, 2 * BLOCK)
    assert ring.drops == 200 and ring.lost == 200 * BLOCK
    gaps = ring.gaps()
    assert len(gaps) == 64 and ring.gaps() == []  # the newest 64
    assert gaps[-1] == (2 * BLOCK * 99, 2 * BLOCK)


def test_a_take_and_an_analysis_each_get_their_data():
    engine, _ = band_engine()
    core = engine.core
    take = core.record([(_core.TAP_TRIM, 0, 0), (_core.TAP_BUS, core.n_buses, 0)], capacity=1 << 14)
    feed = engine.analyse(["ch/1/input", "ch/2/post", "main"], capacity=256)  # small: it will drop
    assert core.recording is take and core.analysing is feed.ring and engine.analysing is feed
    x = distinct(4, BLOCK * 12)
    y = core.process(x[:, :BLOCK * 4], block=BLOCK)
    ana, _ = feed.ring.read()
    y = np.concatenate([y, core.process(x[:, BLOCK * 4:], block=BLOCK)], axis=1)  # the analysis falls behind
    rec, at = take.read(1 << 14)
    assert at == 0 and rec.shape == (2, BLOCK * 12) and take.lost == 0 and take.gaps() == []
    assert feed.ring.drops == 4 and feed.ring.lost == 4 * BLOCK  # the take lost nothing by it
    trim = 10 ** (TRIMS[1] / 20)
    np.testing.assert_allclose(rec[0], x[0] * trim, rtol=1e-6)
    np.testing.assert_array_equal(rec[1], y[0])
    np.testing.assert_array_equal(ana[0], rec[0, :BLOCK * 4])  # one point in two rings: the same samples
    np.testing.assert_array_equal(feed.sides(ana, "main"), y[0:2, :BLOCK * 4])
    # Stopping one leaves the other running.
    assert engine.stop_analysing() is feed and core.analysing is None and core.recording is take
    core.process(x[:, :BLOCK], block=BLOCK)
    assert take.read()[0].shape == (2, BLOCK) and feed.ring.read()[0].shape == (4, 256)
    assert core.stop_recording() is take
    again = engine.analyse(["ch/1/input"])
    core.process(x[:, :BLOCK], block=BLOCK)
    assert again.ring.read()[0].shape == (1, BLOCK) and take.read()[0].shape == (2, 0)


def test_attach_detach_and_reattach_other_points():
    engine, _ = band_engine()
    core = engine.core
    x = distinct(4, BLOCK * 20)
    core.process(x[:, :BLOCK * 2], block=BLOCK)  # before any analysis: in none
    a = engine.analyse(["ch/2/input", "bus/2"], capacity=1024)
    assert a.tracks == {"ch/2/input": (0,), "bus/2": (1, 2)}
    assert a.ring.taps == ((_core.TAP_TRIM, 1, 0), (_core.TAP_BUS, 1, 0), (_core.TAP_BUS, 1, 1))
    core.process(x[:, BLOCK * 2:BLOCK * 5], block=BLOCK)
    # Another set of points replaces it at once; the first ring stays readable and is fed no more.
    b = engine.analyse(["main", "ch/4/post"], capacity=1024)
    assert engine.analysing is b and core.analysing is b.ring and a.ring is not b.ring and not a.ring.leaked
    core.process(x[:, BLOCK * 5:BLOCK * 8], block=BLOCK)
    got_a, _ = a.ring.read()
    assert a.ring.start_frame == 2 * BLOCK and got_a.shape == (3, 3 * BLOCK)
    np.testing.assert_allclose(got_a[0], -x[1, BLOCK * 2:BLOCK * 5] * 10 ** (TRIMS[2] / 20), rtol=1e-6)
    got_b, _ = b.ring.read()
    assert b.ring.start_frame == 5 * BLOCK and got_b.shape == (3, 3 * BLOCK) and b.tracks["ch/4/post"] == (2,)
    # Detached: nothing more goes in; a stop with none fed says so.
    assert engine.stop_analysing() is b and engine.analysing is None and core.analysing is None
    assert engine.stop_analysing() is None and core.stop_analysing() is None
    core.process(x[:, BLOCK * 8:BLOCK * 9], block=BLOCK)
    assert b.ring.read()[0].shape == (3, 0) and b.ring.queued == 0


def test_rings_are_swapped_while_the_audio_runs():
    """An audio thread mixes a long input without pause while the reader switches the analysis from point to
    point: every ring holds an unbroken run of exactly what its point carried, from the block it began with."""
    engine, _ = band_engine()
    core = engine.core
    frames = BLOCK * 6000
    x = distinct(4, frames, seed=3)
    done = threading.Event()
    audio = threading.Thread(target=lambda: (core.process(x, block=BLOCK), done.set()), daemon=True)
    feeds = []
    audio.start()
    try:
        for k in range(12):
            c = k % 4
            feed = engine.analyse([f"ch/{c + 1}/input"], capacity=1 << 20)
            feeds.append((c, feed))
            deadline = time.monotonic() + 10
            while feed.ring.queued < BLOCK * 4 and not done.is_set() and time.monotonic() < deadline:
                time.sleep(0.0005)  # until this ring has some of the audio (bounded; no timing asserted)
    finally:
        audio.join(60)
    assert not audio.is_alive()
    engine.stop_analysing()
    assert core.stats()["frames"] == frames
    starts = []
    for c, feed in feeds:
        data, at = feed.ring.read(1 << 20)
        assert at == 0 and feed.ring.lost == 0 and not feed.ring.leaked
        start = feed.ring.start_frame
        if start is None:  # attached after the last block: never fed
            assert data.shape[1] == 0
            continue
        starts.append((start, start + data.shape[1]))
        assert start % BLOCK == 0 and data.shape[1] % BLOCK == 0
        np.testing.assert_allclose(data[0], x[c, start:start + data.shape[1]] * (-1 if c == 1 else 1)
                                   * 10 ** (TRIMS[c + 1] / 20), rtol=1e-6)
    # One ring at a time: each starts where the one before it stopped, or later.
    for (_, end), (start, _) in zip(starts, starts[1:]):
        assert start >= end


@pytest.mark.parametrize("taps, capacity", [
    ([(_core.TAP_INSERTS, 4, 0)], 1024),      # no channel 5
    ([(_core.TAP_POST, 0, 1)], 1024),         # a channel has one side
    ([(_core.TAP_INSERT1, 1, 0), (_core.TAP_INSERT1, 1, 0)], 1024),  # one channel at one point twice
    ([(_core.TAP_BUS, 0, 1)], 1024),          # the mono mix has one side
    ([(_core.TAP_BUS, 3, 0)], 1024),          # bus 3 does not exist (2 buses, the main is 2)
    ([(_core.TAP_SOLO, 1, 0)], 1024),         # one solo bus: index 0
    ([(_core.TAP_SOLO, 0, 2)], 1024),         # with two sides
    ([(_core.N_TAP_KINDS, 0, 0)], 1024),      # no such kind
    ([(_core.TAP_RAW, 0, 0)], 1000),          # not a power of two
    ([(_core.TAP_RAW, 0, 0)], 16),            # smaller than a block
    ([], 1024),
    ([(_core.TAP_RAW, 0)], 1024),
    ([(_core.TAP_RAW, -1, 0)], 1024),
])
def test_an_analysis_the_core_cannot_feed_is_refused(taps, capacity):
    core = _core.Core(4, [(_core.BUS_AUX, 1), (_core.BUS_AUX, 2)], 0, max_frames=64)
    with pytest.raises(ValueError):
        core.analyse(taps, capacity)
    assert core.analysing is None
    # One channel at every point of its strip, every bus side, the solo: fine; a second analysis is not.
    every = [(kind, 0, 0) for kind in (_core.TAP_RAW, _core.TAP_TRIM, _core.TAP_INSERT1, _core.TAP_INSERTS,
                                       _core.TAP_POST)]
    every += [(_core.TAP_BUS, 0, 0), (_core.TAP_BUS, 1, 1), (_core.TAP_BUS, 2, 1), (_core.TAP_SOLO, 0, 1)]
    ring = core.analyse(every, 1024)
    with pytest.raises(ValueError, match="already"):
        core.analyse([(_core.TAP_RAW, 1, 0)], 1024)
    assert core.analysing is ring and core.recording is None
    take = core.record(every, 1024)  # the recorder takes every kind too, beside it
    assert core.recording is take and core.analysing is ring


def test_the_engine_refuses_points_it_has_not_and_changes_nothing():
    engine, _ = band_engine()
    feed = engine.analyse(["main"])
    assert feed.ring.capacity >= 2 * engine.core.max_frames
    with pytest.raises(ParamError) as err:
        engine.analyse(["ch/1/inserts", "ch/3/pots"])
    assert err.value.code == "not_found" and err.value.address == "ch/3/pots"
    assert "did you mean 'ch/3/post'" in err.value.message
    for points, capacity in ((["main", "main"], None), ([], None), (["ch/9/post"], None), (["bus/5"], None),
                             (["main"], 1000), (["main"], 32)):
        with pytest.raises(ParamError):
            engine.analyse(points, capacity)
    assert engine.analysing is feed and engine.core.analysing is feed.ring
    single = engine.analyse("ch/2/insert1")  # one name alone is one point
    assert single.tracks == {"ch/2/insert1": (0,)} and single.ring.taps == ((_core.TAP_INSERT1, 1, 0),)
