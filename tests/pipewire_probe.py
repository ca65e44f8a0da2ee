"""A JACK client of a test PipeWire (run by ``pipewire_rig.PipeWire.probe`` with PipeWire's libjack).

``pipewire_probe.py record PORT SECONDS``: connects ``PORT`` (e.g. ``mixerd:main_L``) to its input, records
``SECONDS`` of audio and prints JSON: the rate and period it ran at, the RMS level in dBFS and the frequency of
the strongest tone (an FFT peak refined by parabolic interpolation: well under 0.1 Hz off for a clean sine), over
the longest stretch it recorded without a missed cycle.
``pipewire_probe.py info``: the server's rate and period.
"""

from __future__ import annotations

import faulthandler
import json
import sys
import threading
import time

import jack
import numpy as np


def tone_hz(x: np.ndarray, rate: int) -> float:
    """The frequency of the strongest component of ``x`` (Hann window, parabolic peak interpolation)."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-30)
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return float((k + shift) * rate / len(x))


def longest_run(blocks: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """The longest stretch of blocks without a gap between them. A Python callback on a busy machine misses
    cycles now and then; glued together across a gap, a clean tone would measure off its frequency."""
    best, start, frames = (0, 0), 0, 0  # the best run's (first, end) block; the current run's first and frames
    best_frames = 0
    for i, (at, block) in enumerate(blocks):
        if i and at != blocks[i - 1][0] + len(blocks[i - 1][1]):
            start, frames = i, 0
        frames += len(block)
        if frames > best_frames:
            best, best_frames = (start, i + 1), frames
    run = [b for _, b in blocks[best[0]:best[1]]]
    return np.concatenate(run) if run else np.zeros(0, np.float32)


def record(port: str, seconds: float) -> dict:
    client = jack.Client("pwprobe", no_start_server=True)
    inp = client.inports.register("in")
    blocks: list[tuple[int, np.ndarray]] = []  # (the cycle's frame time, its frames)
    done = threading.Event()
    want: list[int | None] = [None]  # frames still to record; None: not recording yet
    lock = threading.Lock()

    @client.set_process_callback
    def process(frames):
        with lock:  # a test's Python client: taken between cycles only when a recording starts again
            if want[0] is None or done.is_set():
                return
            blocks.append((client.last_frame_time, inp.get_array().copy()))
            want[0] -= frames
            if want[0] <= 0:
                done.set()

    client.activate()
    client.connect(port, "pwprobe:in")
    time.sleep(0.3)  # past the connection's first cycles
    rate = client.samplerate
    # A busy machine makes this Python callback miss cycles; record again until a quarter second came whole
    # (bounded: a server that stalls for good still fails).
    deadline = time.monotonic() + 60
    while True:
        with lock:
            blocks.clear()
            done.clear()
            want[0] = int(seconds * rate)
        if not done.wait(seconds + 30):
            raise SystemExit(f"recorded only {sum(map(len, blocks))} frames of {port}")
        x = longest_run(blocks).astype(np.float64)
        if len(x) >= rate // 4:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"no quarter second of {port} without a missed cycle in a minute of tries")
    out = {"rate": rate, "period": client.blocksize, "frames": len(x),
           "rms_db": float(10 * np.log10(max(np.mean(x ** 2), 1e-30))), "hz": tone_hz(x, rate)}
    client.deactivate()
    client.close()
    return out


def info() -> dict:
    client = jack.Client("pwprobe", no_start_server=True)
    out = {"rate": client.samplerate, "period": client.blocksize}
    client.close()
    return out


#: A probe still running this long is stuck in PipeWire's libjack (opening, activating or closing a client while
#: the graph settles after a rate change): it prints every thread's stack and ends, so the rig can say where and
#: ask again, instead of hanging the test.
STUCK_S = 45

if __name__ == "__main__":
    faulthandler.dump_traceback_later(STUCK_S, exit=True)  # exit code 1 after the stacks on stderr
    if sys.argv[1] == "record":
        print(json.dumps(record(sys.argv[2], float(sys.argv[3]))))
    else:
        print(json.dumps(info()))
