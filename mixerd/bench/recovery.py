"""``mixerd bench --workload recovery``: how long the audio is gone when jackd crashes.

A whole mixer (the demo profile, MQTT off, state in a temporary directory) starts its own jackd (dummy
backend, realtime when allowed), as ``mixerd run`` does with ``autostart = "dummy"``. Channel 1 is sent
pre-fader at 0 dB to mix 2. A listener, a JACK client of the bench's own, plays a −12 dBFS 1 kHz tone into
channel 1 and listens on mix 2's port. jackd is killed (SIGKILL: a crash, no goodbye) ``kills`` times;
each time the bench notes when mixerd is back (reconnected to the jackd it restarted, its callback
running) and when the listener hears the tone again. The reference, in the same process, is the mixer's
first start: from ``Mixer.start()`` to the tone heard. Figures are printed, never asserted.

The listener joins only once mixerd is back (libjack must not open a client in this process while mixerd's
is being closed), so "audio back" includes the listener's own connection to jackd.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from mixerd.bench.common import BenchError, positive_int, spread
from mixerd.bench.jack_client import PythonClient
from mixerd.config import Config
from mixerd.jackhost import JackServerError, realtime_allowed
from mixerd.system.net import free_port

TONE = 0.25  # −12.04 dBFS
TONE_HZ = 1000.0
HEARD = 10 ** (-30 / 20)  # a period whose peak reaches −30 dBFS carries the tone
LEVEL_S = 0.1  # the level is the peak over this long once the tone is heard
WAIT_S = 20.0  # a bound on each wait, not a measurement
#: The mix the listener hears: channel 1 into mix 2, pre-fader, at 0 dB.
MIX = {"ch/1/send/2/pre": True, "ch/1/send/2/level": 0.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("recovery")
    group.add_argument("--recovery-kills", type=positive_int, default=10,
                       help="recovery: how many times jackd is killed (default 10)")


def run(args: argparse.Namespace) -> dict:
    figures = measure_recovery(args.recovery_kills)
    if not args.json:
        print_recovery(figures)
    return figures


class Listener(PythonClient):
    """A JACK client that plays the tone into ``play_to`` and notes when it first hears it on
    ``listen_to`` (``heard_at``, monotonic seconds) and the peak over the following ``LEVEL_S``."""

    def __init__(self, server: str, play_to: str, listen_to: str):
        super().__init__("mixerd-bench-listener", server)
        self.rate = self.client.samplerate
        self.out = self.client.outports.register("out")
        self.inp = self.client.inports.register("in")
        self.heard_at: float | None = None
        self.peak = 0.0
        self.done = threading.Event()
        self._phase = 0
        self._left = int(LEVEL_S * self.rate)
        self.client.activate()
        self.client.connect(self.out, play_to)
        self.client.connect(listen_to, self.inp)

    def process(self, frames: int) -> None:
        t = (self._phase + np.arange(frames)) / self.rate
        self.out.get_array()[:] = TONE * np.sin(2 * np.pi * TONE_HZ * t)
        self._phase += frames
        peak = float(np.abs(self.inp.get_array()).max())
        if self.heard_at is None:
            if peak < HEARD:
                return
            self.heard_at = time.monotonic()
        if self._left > 0:
            self.peak = max(self.peak, peak)
            self._left -= frames
            if self._left <= 0:
                self.done.set()


def _listen(server: str) -> tuple[float, float]:
    """(monotonic time the tone was heard on mix 2, its level in dBFS)."""
    listener = Listener(server, "mixerd:in_1", "mixerd:bus_2")
    try:
        if not listener.done.wait(WAIT_S) or listener.heard_at is None:
            raise BenchError(f"no tone on mixerd:bus_2 within {WAIT_S:g} s")
        return listener.heard_at, 20 * math.log10(listener.peak)
    finally:
        listener.close()


def _wait_until(predicate, what: str) -> float:
    """Poll ``predicate`` every 5 ms until it holds; the monotonic time it did."""
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {WAIT_S:g} s waiting for {what}")
        time.sleep(0.005)
    return time.monotonic()


def measure_recovery(kills: int = 10) -> dict:
    """The mixer's first start, then ``kills`` crashes of its jackd; the figures."""
    from mixerd.daemon import Mixer

    realtime = realtime_allowed()
    server = f"mixerd-bench-{free_port()}"
    state = Path(tempfile.mkdtemp(prefix="mixerd-bench-"))
    cfg = Config()
    cfg = dataclasses.replace(
        cfg, jack=dataclasses.replace(cfg.jack, server=server, start_server="always", autostart="dummy",
                                      realtime=realtime),
        state=dataclasses.replace(cfg.state, dir=state), mqtt=dataclasses.replace(cfg.mqtt, enabled=False))
    mixer = Mixer(cfg, initial_changes=MIX)
    quiet = logging.getLogger("mixerd")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # "our jackd died; restarting it" is what the bench does on purpose
    try:
        began = time.monotonic()
        try:
            mixer.start()
        except JackServerError as exc:
            raise BenchError(f"the recovery bench could not start its own jackd: {exc}", code=2) from exc
        started = time.monotonic()
        heard, level_db = _listen(server)
        first = {"back_s": started - began, "audio_s": heard - began, "level_db": level_db}
        rows = []
        for kill in range(1, kills + 1):
            os.kill(mixer.host.own_server.proc.pid, signal.SIGKILL)
            killed = time.monotonic()
            back = _wait_until(lambda: mixer.host.reconnects >= kill and mixer.control.health()["engine"]["running"],
                               f"mixerd back on jackd after kill {kill}")
            heard, level_db = _listen(server)
            rows.append({"kill": kill, "back_s": back - killed, "audio_s": heard - killed, "level_db": level_db})
        reconnects = mixer.host.reconnects
    finally:
        mixer.stop()
        quiet.setLevel(level)
        shutil.rmtree(state, ignore_errors=True)
    audio = spread([r["audio_s"] for r in rows])
    return {"realtime_jackd": realtime, "kills": kills, "reconnects": reconnects, "first_start": first,
            "recoveries": rows, "audio_s": audio, "back_s": spread([r["back_s"] for r in rows]),
            "levels_db": spread([r["level_db"] for r in rows]),
            "median_over_first_start": audio["median"] / first["audio_s"] if rows else None}


def _seconds(s: dict) -> str:
    return f"{s['min']:.2f} / {s['median']:.2f} / {s['max']:.2f} s"


def print_recovery(r: dict) -> None:
    first = r["first_start"]
    print(f"recovery: a mixer on its own {'realtime' if r['realtime_jackd'] else 'non-realtime'} jackd (dummy, "
          f"64 frames), jackd killed {r['kills']} times (SIGKILL); a listener plays a tone into channel 1 and "
          "hears it on mix 2")
    print(f"  first start: mixer up after {first['back_s']:.2f} s, tone heard after {first['audio_s']:.2f} s "
          f"at {first['level_db']:.2f} dBFS (the reference)")
    if not r["recoveries"]:
        return
    print("  after each kill, min / median / max:")
    print(f"    mixer back on a new jackd: {_seconds(r['back_s'])}")
    print(f"    tone heard again:          {_seconds(r['audio_s'])}   "
          f"median / first start = {r['median_over_first_start']:.2f}×")
    print(f"    its level:                 {r['levels_db']['min']:.2f} … {r['levels_db']['max']:.2f} dBFS; "
          f"{r['reconnects']} reconnects")
    print("    each kill: " + "  ".join(f"{row['audio_s']:.2f}" for row in r["recoveries"]) + " s")
