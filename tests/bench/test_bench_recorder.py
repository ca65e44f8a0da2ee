"""``mixerd bench --workload recorder`` (mixerd/bench/recorder.py): a take of every input and the main on a whole
mixer in its own jackd, against a span without it; every file checked afterwards."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pytest
import soundfile as sf

from mixerd.recorder import BroadcastWav

from mixerd.bench.recorder import continuity, generator_hz

pytestmark = pytest.mark.jack


def test_every_input_has_its_own_frequency():
    freqs = [generator_hz(n) for n in range(1, 33)]
    assert len(set(freqs)) == 32 and freqs[0] == 100.0 and max(freqs) < 24000 / 2


def test_the_recorder_bench_records_every_input_and_checks_the_files(bench):
    figures = bench("--workload", "recorder", "--inputs", "4", "--recorder-seconds", "1.5", "--recorder-stall", "0.3",
                    timeout=300)
    assert (figures["inputs"], figures["tracks"], figures["rate"], figures["frames"]) == (4, 6, 48000, 64)
    assert figures["files"] == 5 and figures["files_as_long_as_the_take"]  # 4 channels and the stereo main
    assert figures["distinct_signals_found"] == 4 and figures["signals_off"] == []
    assert figures["take_seconds"] > 1.0 and figures["take_bytes"] > 0 and figures["bytes_per_s"] > 0
    without, recording = figures["without"], figures["recording"]
    assert without["cpu_percent"] > 0 and recording["cpu_percent"] > 0 and recording["disk_thread_percent"] >= 0
    assert figures["cpu_over_reference"] == pytest.approx(recording["cpu_percent"] / without["cpu_percent"])
    assert figures["core_over_reference"] == pytest.approx(recording["core_percent"] / without["core_percent"])
    assert 0 <= figures["buffer_max"] <= 1 and figures["buffer_capacity_s"] == 8.0 and figures["lost_s"] >= 0
    assert figures["stall_injected_s"] == 0.3 and figures["stall_max_s"] >= 0.3  # the stall was made, and seen


def test_the_recorder_lines(bench_text):
    text = bench_text("--workload", "recorder", "--inputs", "2", "--recorder-seconds", "1", timeout=300)
    assert text.startswith("recorder: a take of 2 inputs (a generator on each, every one its own frequency) and the "
                           "main, 4 tracks of 24-bit PCM at 48000 Hz")
    assert re.search(r"process CPU: [\d.]+ % of a core without, [\d.]+ % recording \([\d.]+×\); the disk thread "
                     r"[\d.]+ %", text)
    assert re.search(r"the core's callback: [\d.]+ % without, [\d.]+ % with the taps \([\d.]+×\)", text)
    assert re.search(r"files: 3, all as long as the take: yes; each channel its own frequency: 2 of 2$", text, re.M)
    assert re.search(r"the longest disk stall survived: [\d.]+ s \(the disk thread stalled 1 s on purpose half-way; "
                     r"the ring lasts 8 s\)", text)


@pytest.mark.parametrize("damage, breaks", [(None, 0), ("lost", 1), ("doubled", 1)])
def test_the_continuity_check_finds_one_frame_lost_or_doubled(tmp_path, damage, breaks):
    """What the bench's check is worth: a 24-bit file of a generator's tone, with one frame taken out or repeated in
    the middle of 3 s, is found broken once; the file as it was, not at all."""
    n = np.arange(3 * 48000)
    x = (10 ** (-18 / 20) * np.sin(2 * np.pi * 100.0 * n / 48000)).astype(np.float32)
    if damage == "lost":
        x = np.delete(x, 70001)
    elif damage == "doubled":
        x = np.insert(x, 70001, x[70001])
    with BroadcastWav(tmp_path / "tone.wav", 1, 48000, name="tone", origination=datetime(2026, 12, 3)) as w:
        w.write(x)
    with sf.SoundFile(str(tmp_path / "tone.wav")) as f:
        step, found = continuity(f, 100.0)
    assert found == breaks
    assert (step < 1e-4) if breaks == 0 else (step > 5e-3)  # 0.013 rad at 100 Hz, over one or two steps


def test_a_30_second_take_of_32_inputs_loses_and_doubles_no_frame(bench):
    """The issue's suite version of the 10-minute bench: 32 inputs, each a generator at its own frequency, and the
    main through a real jackd, the disk stalled for 1 s half-way. The tones live in the core, so JACK's xruns on a
    busy machine cannot break them: only the recorder could."""
    figures = bench("--workload", "recorder", "--inputs", "32", "--recorder-seconds", "30", timeout=600)
    assert figures["files"] == 33 and figures["files_as_long_as_the_take"] and figures["take_seconds"] > 29
    assert figures["distinct_signals_found"] == 32, figures["signals_off"]
    assert figures["breaks"] == 0 and figures["phase_step_max"] < 1e-3 and figures["lost_s"] == 0
    assert figures["stall_max_s"] >= figures["stall_injected_s"] == 1.0  # survived: nothing lost, nothing broken
