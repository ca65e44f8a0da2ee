"""``mixerd bench --workload meters|ws`` (mixerd/bench/meters.py, ws.py): the real web app over real HTTP,
its clients in a process of their own (mixerd/bench/clients.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def test_meter_frames_a_second_against_the_configured_rate(bench):
    figures = bench("--workload", "meters", "--inputs", "4", "--buses", "2", "--meters-clients", "2",
                    "--meters-seconds", "1", "--meter-hz", "20")
    assert (figures["inputs"], figures["buses"], figures["clients"], figures["seconds"]) == (4, 2, 2, 1)
    assert figures["target_hz"] == 20 and figures["meter_points"] > 0
    frames, rates = figures["frames"], figures["rates_hz"]
    assert len(frames) == 2 and rates["n"] == 2
    assert (rates["min"], rates["max"]) == (min(frames) / 1, max(frames) / 1)  # frames in the 1 s counted
    assert figures["median_over_target"] == pytest.approx(rates["median"] / 20)
    assert figures["intervals_ms"]["n"] == sum(max(0, n - 1) for n in frames)  # the gaps between frames


def test_the_meters_lines(bench_text):
    text = bench_text("--workload", "meters", "--inputs", "3", "--buses", "1", "--meters-clients", "1",
                      "--meters-seconds", "0.5")
    assert text.startswith("meters: 1 WebSocket client of the web app over real HTTP (loopback), a 3 × 1 mixer")
    assert re.search(r"frames a second per client: min [\d.]+ / median [\d.]+ / max [\d.]+; configured 25 Hz: "
                     r"median/configured = [\d.]+×", text)


def test_change_latency_to_every_client(bench):
    figures = bench("--workload", "ws", "--inputs", "3", "--buses", "2", "--ws-clients", "4", "--ws-rounds", "4",
                    "--ws-waves", "1")
    assert (figures["clients"], figures["rounds"], figures["waves"]) == (4, 4, 1)
    assert figures["acks"] == 1 + 4 + 4 * 1  # the first change, the rounds, one wave: every set acknowledged
    assert figures["first_ms"]["n"] == 4  # each change reached all 4 clients
    one, burst = figures["one_at_a_time_ms"], figures["all_at_once_ms"]
    assert one["n"] == 4 * 4 and burst["n"] == 4 * 4 * 1
    for s in (one, burst, figures["first_ms"]):
        assert 0 < s["min"] <= s["median"] <= s["p95"] <= s["max"]
    assert figures["all_over_one"] == pytest.approx(burst["median"] / one["median"])
    assert figures["target_ms"] == 100 and figures["target_met"] == (one["max"] < 100)


def test_the_ws_lines_and_a_mixer_too_small(bench_text):
    text = bench_text("--workload", "ws", "--inputs", "3", "--buses", "2", "--ws-clients", "2", "--ws-rounds", "2",
                      "--ws-waves", "1")
    for label in ("the server's first change", "one change at a time", "all 2 at once", "REST GET /state meanwhile"):
        assert re.search(rf"^  {label}: +median [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms \(\d+\)$", text, re.M), label
    assert re.search(r"all at once / one at a time \(medians\): [\d.]+×", text)
    assert re.search(r"every change at every client within 100 ms, one at a time: (met|NOT met)$", text, re.M)
    small = subprocess.run([sys.executable, "-m", "mixerd", "bench", "--workload", "ws", "--inputs", "2"],
                           capture_output=True, text=True, timeout=60)
    assert small.returncode == 2 and "--inputs 3" in small.stderr
