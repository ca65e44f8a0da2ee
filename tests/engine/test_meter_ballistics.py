"""Meter ballistics over the core's frames: windows measured in samples (the newest frames until they cover
the window), the same for every reader whenever it reads; and one frame per tick shared by every reader."""

from __future__ import annotations

import numpy as np

from mixerd.engine import Engine
from mixerd.engine.meters import FIELDS, MeterBallistics
from mixerd.model import Layout, ParamTree

RATE = 48000
STEP = 960  # samples per core frame at 50 frames a second


def frames_of(peaks: list[float], ms: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Core frames for one meter channel (and no gain reduction): peak and mean square per frame."""
    data = np.zeros((len(peaks), FIELDS), np.float32)
    data[:, 0] = peaks
    data[:, 1] = ms if ms is not None else np.square(peaks)
    return data, np.full(len(peaks), STEP, np.uint32)


def test_windows_take_the_newest_frames_that_cover_them():
    b = MeterBallistics(1, 0, RATE, slots=200)
    # 3 s of frames, oldest first: one loud frame 1.5 s ago, then quieter ones, the last 0.1 s at 0.25
    peaks = [0.01] * 150
    peaks[-75] = 1.0
    peaks[-5:] = [0.25] * 5
    b.add(*frames_of(peaks))
    r = b.readings()
    assert abs(r["peak"][0] - 20 * np.log10(0.25)) < 1e-4  # 50 ms: the last three frames (the 3rd crosses)
    assert r["hold"][0] == 0.0  # 2 s: still holds the loud frame
    assert r["seq"] == 150


def test_a_frame_read_in_pieces_reads_as_a_whole():
    peaks = list(np.linspace(0.01, 0.5, 160))
    whole, pieces = MeterBallistics(1, 0, RATE, slots=200), MeterBallistics(1, 0, RATE, slots=200)
    data, counts = frames_of(peaks)
    whole.add(data, counts)
    for at in range(0, 160, 7):  # ring wraps: 160 frames into 200 slots, then more
        pieces.add(data[at:at + 7], counts[at:at + 7])
    a, b = whole.readings(), pieces.readings()
    for key in ("peak", "hold", "rms", "k_short"):
        assert np.array_equal(a[key], b[key]), key


def test_rms_is_the_sample_weighted_mean_of_the_window():
    b = MeterBallistics(1, 0, RATE, slots=64)
    data, counts = frames_of([0.5] * 20, ms=[0.04] * 10 + [0.01] * 10)
    b.add(data, counts)
    # 300 ms = 15 frames of 960: the newest 10 at 0.01, the 5 before at 0.04
    expected = 10 * np.log10((10 * 0.01 + 5 * 0.04) / 15)
    assert abs(float(b.readings()["rms"][0]) - expected) < 1e-4


def test_every_reader_gets_the_same_frame_until_the_core_measures_again():
    layout = Layout.simple(2, 1, generators=1)
    engine = Engine(layout, sample_rate=RATE)
    state = ParamTree.from_layout(layout).defaults()
    state.update({"gen/1/on": True, "gen/1/level": -18.0, "gen/1/target": "ch/1"})
    engine.load(state)
    engine.process(np.zeros((2, 4800), np.float32))
    first = engine.meter_frame()
    assert engine.meter_frame() is first
    assert abs(first.peak[first.layout.points[first.layout.index["ch/1/input"]].first] + 18.0) < 0.1
    engine.process(np.zeros((2, 960), np.float32))
    second = engine.meter_frame()
    assert second is not first and second.seq == first.seq + 1
    assert engine.meters()["points"]["ch/1/input"] == second.point("ch/1/input")
