"""``mixerd bench --workload link`` (mixerd/bench/link.py): two boxes on two jackd linked by zita-njbridge (or
netjack2). At 256 frames with a 20 ms buffer (steady on a busy machine); the figures' meaning and relations, never
their speed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.jack

ARGS = ("--workload", "link", "--link-period", "256", "--link-buffer-ms", "20", "--link-seconds", "3")


def test_the_link_is_timed_click_by_click_against_its_target(bench):
    f = bench(*ARGS)
    assert (f["period"], f["rate"], f["buffer_ms"], f["seconds"], f["clicks_sent"]) == (256, 48000, 20, 3, 6)
    assert f["two_periods_ms"] == pytest.approx(2 * 256 / 48)
    assert 20 < f["target_ms"] < 23  # the buffer and the resampler's delay (16 to 96 samples)
    assert 0 < f["clicks_heard"] <= f["clicks_sent"] + 1  # a click on its way when the timing began may be counted
    s = f["latency_ms"]
    assert s["n"] == f["clicks_heard"] and 0 < s["min"] <= f["median_ms"] <= s["max"] < 500
    assert f["dropouts"] >= 0 and f["resyncs"] >= 0


def test_the_link_lines(bench_text):
    text = bench_text(*ARGS)
    assert "linked by zita-njbridge over loopback; the receiver's buffer 20 ms; clicks timed for 3 s" in text
    assert re.search(r"latency, the stage box's channel 1 in → the main box's mix 1 out: [\d.]+ ms median "
                     r"\([\d.]+ … [\d.]+ ms over \d+ of 6 clicks\)", text)
    assert re.search(r"against the engine's own figure \(buffer \+ resampler\): [\d.]+ ms → [\d.]+×", text)
    assert re.search(r"dropouts \(quarter seconds the buffer ran dry, restarts\): \d+; relocks: \d+", text)


def test_netjack2_the_main_box_the_master(bench_text):
    text = bench_text(*ARGS, "--link-engine", "netjack2")
    assert "linked by netjack2 over loopback; the receiver's buffer 20 ms" in text
    # its figure: the adapter's ring buffer half full (2048 frames, the power of two at least twice 20 ms) and two
    # of the master's periods
    assert re.search(r"against the engine's own figure \(the adapter's buffer \+ two of the master's periods\): "
                     r"32\.0 ms → [\d.]+×", text)
    assert re.search(r"over \d+ of 6 clicks", text)
