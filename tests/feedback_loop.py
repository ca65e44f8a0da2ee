"""An acoustic feedback loop for the tests, as a JACK client in a process of its own: what a wedge hears of itself.

    python tests/feedback_loop.py <server> <from port> <to port> [--freq HZ] [--q Q] [--gain-db DB] [--delay-ms MS]

or, from a test, ``with looping(server, "mixerd:bus_2", "mixerd:in_1"): …``.

It takes a mix's output (``from``: the wedge), passes it through a resonance (a band-pass of the given centre and
Q, the room and the mic's response) with ``gain-db`` of gain at its peak and a delay (the air), adds a whisper of noise (the room: the
seed a howl grows from) and plays it into a channel's input (``to``: the mic). With a loop gain above 0 dB at the
resonance the mix howls near ``freq``; notched there by the mixer, it dies away. Runs until stdin closes.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator

import jack
import numpy as np
from scipy import signal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--freq", type=float, default=1000.0)
    parser.add_argument("--q", type=float, default=4.0)
    parser.add_argument("--gain-db", type=float, default=2.0)
    parser.add_argument("--delay-ms", type=float, default=10.0)
    args = parser.parse_args()

    client = jack.Client("feedback-loop", servername=args.server, no_start_server=True)
    inport, outport = client.inports.register("in"), client.outports.register("out")
    rate = client.samplerate
    w0 = 2 * np.pi * args.freq / rate
    alpha = np.sin(w0) / (2 * args.q)
    # RBJ band-pass, 0 dB at the centre
    b = np.array([alpha, 0.0, -alpha]) / (1 + alpha)
    a = np.array([1 + alpha, -2 * np.cos(w0), 1 - alpha]) / (1 + alpha)
    gain = 10 ** (args.gain_db / 20)
    # the sound's way through the air: a delay (modes every 1/delay Hz, so one sits near the resonance whatever
    # latency JACK adds)
    state = {"zi": np.zeros(2), "air": np.zeros(int(args.delay_ms * rate / 1000))}
    rng = np.random.default_rng(7)

    @client.set_process_callback
    def process(frames: int) -> None:
        x = inport.get_array()
        y, state["zi"] = signal.lfilter(b, a, x, zi=state["zi"])
        air = np.concatenate((state["air"], y))
        state["air"] = air[frames:]
        outport.get_array()[:] = gain * air[:frames] + rng.normal(0.0, 1e-4, frames)

    client.activate()
    client.connect(args.source, inport)
    client.connect(outport, args.target)
    print("looping", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    client.deactivate()
    client.close()


@contextlib.contextmanager
def looping(server: str, source: str, target: str, *, freq: float = 1000.0, q: float = 4.0,
            gain_db: float = 2.0) -> Iterator[None]:
    """The loop running (in a process of its own, as a room is not the mixer) while the block runs."""
    loop = subprocess.Popen([sys.executable, __file__, server, source, target, "--freq", str(freq), "--q", str(q),
                             "--gain-db", str(gain_db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert loop.stdout.readline().strip() == "looping", loop.stderr.read()
        yield
    finally:
        loop.stdin.close()  # the loop's end
        try:
            loop.wait(10)
        except subprocess.TimeoutExpired:
            loop.kill()
            loop.wait()


if __name__ == "__main__":
    main()
