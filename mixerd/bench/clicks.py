"""Clicks through a link, timed, as a JACK client in a process of its own (libjack talks to one server a process).

    python -m mixerd.bench.clicks <server> play <port>   a 1 kHz burst of 10 ms into <port> every 0.5 s, a steady
                                                        -20 dBFS 1 kHz tone between them; prints "click <µs>"
                                                        for each burst's first sample
    python -m mixerd.bench.clicks <server> hear <port>   prints "heard <µs>" for the first sample of each burst that
                                                        arrives at <port> (above -10 dBFS), and "level <dBFS>"
                                                        every 0.5 s: the peak of the periods without a burst

The times are JACK's (``jack_get_time``: the system's monotonic clock in µs), the same on every server of one
machine, so "heard" minus "click" is the latency from one server's input to the other's output. Runs until stdin
closes.
"""

from __future__ import annotations

import ctypes
import sys
import threading

import jack
import numpy as np

# JACK-Client does not wrap jack_frames_to_time; the process already has libjack loaded, this is the same library.
_libjack = ctypes.CDLL("libjack.so.0")
_libjack.jack_frames_to_time.restype = ctypes.c_uint64
_libjack.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]


def usecs(client: jack.Client, frame: int) -> int:
    """JACK's time (µs) of frame ``frame`` of ``client``'s server."""
    return _libjack.jack_frames_to_time(int(jack._ffi.cast("uintptr_t", client._ptr)), frame & 0xFFFFFFFF)

FREQ, BURST_S, EVERY_S = 1000.0, 0.010, 0.5
TONE, BURST = 0.1, 0.9  # -20 dBFS between the bursts, about -1 dBFS in them


def main() -> None:
    server, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]
    client = jack.Client(f"clicks-{mode}", servername=server, no_start_server=True)
    rate = client.samplerate
    lines: list[str] = []
    wake = threading.Event()
    state = {"n": 0, "armed": True, "peak": 0.0, "seen": 0}

    if mode == "play":
        port = client.outports.register("out")
        every, burst = int(EVERY_S * rate), int(BURST_S * rate)

        @client.set_process_callback
        def process(frames: int) -> None:
            n0 = state["n"]
            n = n0 + np.arange(frames)
            phase = n % every
            out = np.where(phase < burst, BURST, TONE) * np.sin(2 * np.pi * FREQ * n / rate)
            port.get_array()[:] = out
            starts = np.flatnonzero(phase == 0)
            if starts.size:
                at = usecs(client, client.last_frame_time + int(starts[0]))
                lines.append(f"click {at}")
                wake.set()
            state["n"] = n0 + frames
    else:
        port = client.inports.register("in")

        @client.set_process_callback
        def process(frames: int) -> None:
            x = np.abs(port.get_array())
            if x.max() < 0.32:  # a cycle without a burst in it: the tone's level
                state["peak"] = max(state["peak"], float(x.max()))
            state["seen"] += frames
            loud = np.flatnonzero(x > 0.32)  # -10 dBFS: a burst, never the tone
            if loud.size and state["armed"]:
                state["armed"] = False
                lines.append(f"heard {usecs(client, client.last_frame_time + int(loud[0]))}")
                wake.set()
            elif not loud.size and x.max() < 0.2:
                state["armed"] = True  # between bursts again
            if state["seen"] >= EVERY_S * rate:
                lines.append(f"level {20 * np.log10(max(state['peak'], 1e-9)):.1f}")
                state["peak"], state["seen"] = 0.0, 0
                wake.set()

    client.activate()
    if mode == "play":
        client.connect(port, target)
    else:
        client.connect(target, port)
    print("ready", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    while not done.is_set():
        wake.wait(0.2)
        wake.clear()
        while lines:
            print(lines.pop(0), flush=True)
    client.deactivate()
    client.close()


if __name__ == "__main__":
    main()
