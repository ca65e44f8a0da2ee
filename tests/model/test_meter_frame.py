"""Meter frames: a layout that tiles the frame, read-only arrays every reader shares, the per-point JSON view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mixerd.model.meters import FLOOR_DB, MeterLayout, MeterPoint, empty_frame

LAYOUT = MeterLayout((MeterPoint("ch/1/inserts", 0, 1, gr=(("gate_gr", 0), ("dyn_gr", 1))),
                      MeterPoint("main", 1, 2, master=True, gr=(("limiter_gr", 2),)),
                      MeterPoint("solo", 3, 2)), n_gr=3)


def test_points_must_tile_the_frame():
    with pytest.raises(ValueError, match="starts at 2, expected 1"):
        MeterLayout((MeterPoint("a", 0, 1), MeterPoint("b", 2, 1)), 0)
    assert LAYOUT.n_meters == 5 and LAYOUT.describe() == [{"name": "ch/1/inserts", "width": 1},
                                                          {"name": "main", "width": 2}, {"name": "solo", "width": 2}]


def test_a_frame_is_read_only_and_reads_per_point():
    frame = dataclasses.replace(empty_frame(LAYOUT, 50), seq=3,
                                peak=np.array([-10, -6, -3, -20, -30], np.float32),
                                gr=np.array([1.5, 0, 2.25], np.float32), lufs_s=np.array([FLOOR_DB, -23.04, FLOOR_DB]))
    with pytest.raises(ValueError):
        frame.peak[0] = 0.0
    assert frame.point_max(frame.peak).tolist() == [-10, -3, -20]
    assert frame.point("nope") is None
    main = frame.point("main")
    assert main["peak"] == [-6.0, -3.0] and main["lufs_s"] == -23.04 and main["limiter_gr"] == 2.25
    assert set(main) == {"peak", "hold", "rms", "clips", "true_peak", "lufs_m", "lufs_s", "limiter_gr"}
    assert frame.point("ch/1/inserts")["gate_gr"] == 1.5
    assert set(frame.point("solo")) == {"peak", "hold", "rms", "clips"}
    view = frame.to_dict()
    assert view["seq"] == 3 and view["rate"] == 50 and list(view["points"]) == ["ch/1/inserts", "main", "solo"]
