"""``mixerd bench --workload recorder`` (mixerd/bench/recorder.py): a take of every input and the main on a whole
mixer in its own jackd, against a span without it; every file checked afterwards."""

from __future__ import annotations

import re

import pytest

from mixerd.bench.recorder import generator_hz

pytestmark = pytest.mark.jack


def test_every_input_has_its_own_frequency():
    freqs = [generator_hz(n) for n in range(1, 33)]
    assert len(set(freqs)) == 32 and freqs[0] == 100.0 and max(freqs) < 24000 / 2


def test_the_recorder_bench_records_every_input_and_checks_the_files(bench):
    figures = bench("--workload", "recorder", "--inputs", "4", "--recorder-seconds", "1.5", timeout=300)
    assert (figures["inputs"], figures["tracks"], figures["rate"], figures["frames"]) == (4, 6, 48000, 64)
    assert figures["files"] == 5 and figures["files_as_long_as_the_take"]  # 4 channels and the stereo main
    assert figures["distinct_signals_found"] == 4 and figures["signals_off"] == []
    assert figures["take_seconds"] > 1.0 and figures["take_bytes"] > 0 and figures["bytes_per_s"] > 0
    without, recording = figures["without"], figures["recording"]
    assert without["cpu_percent"] > 0 and recording["cpu_percent"] > 0 and recording["disk_thread_percent"] >= 0
    assert figures["cpu_over_reference"] == pytest.approx(recording["cpu_percent"] / without["cpu_percent"])
    assert figures["core_over_reference"] == pytest.approx(recording["core_percent"] / without["core_percent"])
    assert 0 <= figures["buffer_max"] <= 1 and figures["buffer_capacity_s"] == 8.0 and figures["lost_s"] >= 0


def test_the_recorder_lines(bench_text):
    text = bench_text("--workload", "recorder", "--inputs", "2", "--recorder-seconds", "1", timeout=300)
    assert text.startswith("recorder: a take of 2 inputs (a generator on each, every one its own frequency) and the "
                           "main, 4 tracks of 24-bit PCM at 48000 Hz")
    assert re.search(r"process CPU: [\d.]+ % of a core without, [\d.]+ % recording \([\d.]+×\); the disk thread "
                     r"[\d.]+ %", text)
    assert re.search(r"the core's callback: [\d.]+ % without, [\d.]+ % with the taps \([\d.]+×\)", text)
    assert re.search(r"files: 3, all as long as the take: yes; each channel its own frequency: 2 of 2$", text, re.M)
