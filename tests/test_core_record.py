"""The recorder's taps in the C core, offline (mixerd._core Core.record / Take): what a take records is exactly
what the core had at that point, a full ring loses whole blocks and says where, and a take stops cleanly."""

import numpy as np
import pytest

from mixerd import _core
from mixerd.engine import Engine
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

RATE = 48000


def band_engine():
    """4 channels with a trim each, a mono and a stereo mix with sends open, the main: a settled engine."""
    layout = Layout.simple(4, 2, stereo_buses=1, generators=0)
    state = ParamTree.from_layout(layout).defaults()
    for c in range(1, 5):
        state[f"ch/{c}/trim"] = -6.0 + 3 * c
        state[f"ch/{c}/polarity"] = c == 2
        for b in (1, 2):
            state[f"ch/{c}/send/{b}/level"] = -10.0
            state[f"ch/{c}/send/{b}/on"] = True
    engine = Engine(layout, sample_rate=RATE, max_frames=64)  # blocks of 64: a small ring fills in a few
    engine.load(state)
    return engine, state


def distinct(n_inputs, frames, seed=1):
    """A different signal on every input (noise at a different level), so a track can only match its own."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n_inputs, frames)) * 0.1 * np.arange(1, n_inputs + 1)[:, None]).astype(np.float32)


def test_every_tap_records_exactly_what_the_core_had_there():
    engine, state = band_engine()
    core = engine.core
    main, mono_mix, stereo_mix = core.n_buses, 0, 1  # the main is bus n_buses
    take = core.record([(_core.TAP_RAW, 0, 0), (_core.TAP_TRIM, 1, 0), (_core.TAP_TRIM, 3, 0),
                        (_core.TAP_BUS, main, 0), (_core.TAP_BUS, main, 1), (_core.TAP_BUS, mono_mix, 0),
                        (_core.TAP_BUS, stereo_mix, 1), (_core.TAP_RAW, 3, 0)], capacity=1 << 14)
    assert core.recording is take and take.start_frame is None  # begins with the next block
    x = distinct(4, 4800)
    y = core.process(x, block=64)
    data, at = take.read(1 << 14)
    assert at == 0 and data.shape == (8, 4800) and take.start_frame == 0 and take.lost == 0
    np.testing.assert_array_equal(data[0], x[0])  # raw: the input as it came
    np.testing.assert_array_equal(data[7], x[3])
    trim2, trim4 = 10 ** ((-6 + 6) / 20) * -1, 10 ** ((-6 + 12) / 20)  # channel 2 has its polarity inverted
    np.testing.assert_allclose(data[1], x[1] * trim2, rtol=1e-6)
    np.testing.assert_allclose(data[2], x[3] * trim4, rtol=1e-6)
    np.testing.assert_array_equal(data[3:5], y[0:2])  # the main as it leaves: its output ports, bit for bit
    np.testing.assert_array_equal(data[5], y[2])      # the mono mix's port
    np.testing.assert_array_equal(data[6], y[4])      # the stereo mix's right side
    assert take.read(64)[0].shape == (8, 0) and take.gaps() == []


def test_a_full_ring_loses_whole_blocks_and_says_where():
    engine, _ = band_engine()
    core = engine.core
    take = core.record([(_core.TAP_RAW, 0, 0), (_core.TAP_RAW, 1, 0)], capacity=256)
    x = distinct(4, 64 * 10)
    core.process(x[:, :64 * 6], block=64)  # 6 blocks into 4 blocks of room: 2 lost
    first, at = take.read(100)             # the disk thread takes some, late
    assert at == 0 and first.shape == (2, 100)
    core.process(x[:, 64 * 6:], block=64)  # room for 1 more block now, then it is full again
    rest, at2 = take.read(10_000)
    gaps = take.gaps()
    assert take.lost == 64 * 5 and take.lost_at_end == 64 * 3
    assert gaps == [(256, 128)]  # blocks 5 and 6 were lost before the data written at position 256
    got = np.concatenate([first, rest], axis=1)
    assert at2 == 100 and got.shape == (2, 64 * 5)
    # Put the timeline back together: what was written, the gap's silence where it was, the lost end.
    timeline = np.concatenate([got[:, :256], np.zeros((2, 128), np.float32), got[:, 256:],
                               np.zeros((2, take.lost_at_end), np.float32)], axis=1)
    kept = np.ones(640, bool)
    kept[256:384] = kept[448:] = False
    np.testing.assert_array_equal(timeline[:, kept], x[:2, kept])
    assert timeline.shape[1] == 640 and not timeline[:, ~kept].any()


def test_a_take_stops_with_what_is_in_its_ring_still_readable():
    engine, _ = band_engine()
    core = engine.core
    x = distinct(4, 640)
    core.process(x[:, :128], block=64)  # before the take: not in it
    take = core.record([(_core.TAP_TRIM, 2, 0)], capacity=1024)
    core.process(x[:, 128:384], block=64)
    assert core.stop_recording() is take and core.recording is None and core.stop_recording() is None
    core.process(x[:, 384:], block=64)  # after the take: not in it
    data, _ = take.read(4096)
    assert take.start_frame == 128 and data.shape == (1, 256)
    np.testing.assert_allclose(data[0], x[2, 128:384] * 10 ** ((-6 + 9) / 20), rtol=1e-6)
    again = core.record([(_core.TAP_TRIM, 2, 0)], capacity=1024)  # the next take starts afresh
    core.process(x[:, :64], block=64)
    assert again.read(4096)[0].shape == (1, 64) and again.start_frame == 640


def test_a_long_period_is_recorded_slice_by_slice_without_a_seam():
    core = Engine(Layout.simple(2, 0, generators=0), sample_rate=RATE, max_frames=256).core
    take = core.record([(_core.TAP_RAW, 1, 0)], capacity=4096)
    x = distinct(2, 2048)
    core.process(x, block=1000)  # periods longer than the core's blocks are mixed in slices
    data, _ = take.read(4096)
    np.testing.assert_array_equal(data[0], x[1])


@pytest.mark.parametrize("taps, capacity", [
    ([(_core.TAP_RAW, 4, 0)], 1024),        # no channel 5
    ([(_core.TAP_TRIM, 0, 1)], 1024),       # a channel has one side
    ([(_core.TAP_BUS, 0, 1)], 1024),        # the mono mix has one side
    ([(_core.TAP_BUS, 3, 0)], 1024),        # bus 3 does not exist (2 buses, the main is 2)
    ([(7, 0, 0)], 1024),                    # no such kind
    ([(_core.TAP_RAW, 0, 0), (_core.TAP_RAW, 0, 0)], 1024),  # a channel raw twice
    ([(_core.TAP_RAW, 0, 0)], 1000),        # not a power of two
    ([(_core.TAP_RAW, 0, 0)], 16),          # smaller than a block
    ([], 1024),
    ([(_core.TAP_RAW, -1, 0)], 1024),
])
def test_a_take_the_core_cannot_record_is_refused(taps, capacity):
    core = _core.Core(4, [(_core.BUS_AUX, 1), (_core.BUS_AUX, 2)], 0, max_frames=64)
    with pytest.raises(ValueError):
        core.record(taps, capacity)
    assert core.recording is None
    take = core.record([(_core.TAP_RAW, 0, 0), (_core.TAP_TRIM, 0, 0)], 1024)  # raw and trim of one channel: fine
    with pytest.raises(ValueError, match="already"):
        core.record([(_core.TAP_RAW, 1, 0)], 1024)
    assert core.recording is take
