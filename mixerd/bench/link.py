"""``mixerd bench --workload link``: what an audio link between two boxes adds, and how steady it is.

Two boxes on this machine: two jackd (dummy backends, ``--link-period`` frames at 48 kHz, realtime when allowed),
two ``mixerd run`` — the stage box sends its channel 1 over a ``[[link]]`` (zita-njbridge on loopback; netjack2
with ``--link-engine netjack2``, the main box the master) to the main box, which receives it as a channel and
sends it pre-fader at 0 dB to its mix 1. A JACK client on each server (``python -m mixerd.bench.clicks``) plays a
click every half second with a tone between into the stage box's channel 1 and times each click's arrival at the
main box's mix output, on the two servers' common clock. Printed: the latency from one box's input to the other's
output (median and spread), against the engine's own figure (zita's buffer and resampler, netjack2's buffer and
network periods: the main box's ``/health``) and against two periods (what an interface's own round trip adds at
that period); the dropouts and relocks the main box counted; whether the tone arrived at its level. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from mixerd.bench.common import BenchError, positive_int, spread
from mixerd.config import LINK_ENGINES
from mixerd.jackhost import realtime_allowed
from mixerd.system.children import end
from mixerd.system.net import free_port

RATE = 48000
WAIT_S = 60.0  # a bound on each wait, not a measurement
TONE_DB = -20.0
ENGINE_NAMES = {"zita": "zita-njbridge", "netjack2": "netjack2"}
TARGET = {"zita": "buffer + resampler", "netjack2": "the adapter's buffer + two of the master's periods"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("link")
    group.add_argument("--link-period", type=positive_int, default=64,
                       help="link: frames per period on both boxes (default 64)")
    group.add_argument("--link-buffer-ms", type=int, default=5,
                       help="link: the receiver's extra buffer, ms (default 5)")
    group.add_argument("--link-seconds", type=positive_int, default=20,
                       help="link: how long the clicks are timed, s (default 20)")
    group.add_argument("--link-engine", choices=LINK_ENGINES, default="zita",
                       help="link: zita-njbridge (default) or netjack2 (the main box the master, the stage box joins)")


def run(args: argparse.Namespace) -> dict:
    figures = measure_link(args.link_period, args.link_buffer_ms, args.link_seconds, args.link_engine)
    if not args.json:
        print_link(figures)
    return figures


class _Box:
    """A jackd and a ``mixerd run`` on it."""

    def __init__(self, folder: Path, name: str, period: int, realtime: bool, link_toml: str):
        # A name of its own: a jackd of an earlier run may still be on its way out under the plain one.
        self.server, self.folder = f"mixerd-bench-{name}-{os.getpid()}", folder / name
        self.folder.mkdir()
        self.http = free_port()
        self.url = f"http://127.0.0.1:{self.http}/api/v1"
        self.jackd = subprocess.Popen(
            ["jackd", "-R" if realtime else "--no-realtime", "-n", self.server, "-d", "dummy", "-r", str(RATE),
             "-p", str(period)], stdout=open(self.folder / "jackd.log", "w"), stderr=subprocess.STDOUT,
            start_new_session=True)
        config = self.folder / "mixerd.toml"
        config.write_text("\n".join([
            "[jack]", f'server = "{self.server}"', 'start_server = "never"', "realtime = false", "",
            "[http]", 'host = "127.0.0.1"', f"port = {self.http}", "", "[auth]", "enabled = false", "",
            "[mqtt]", "enabled = false", "", "[state]", f'dir = "{self.folder / "state"}"', "",
            "[log]", 'level = "info"', "", link_toml]))
        time.sleep(1.0)  # jackd's socket; mixerd waits for the server itself too
        self.log = open(self.folder / "mixerd.log", "w")
        self.mixerd = subprocess.Popen([sys.executable, "-m", "mixerd", "run", "--config", str(config)],
                                       stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=5) as answer:
            return json.loads(answer.read())

    def patch(self, changes: dict) -> None:
        request = urllib.request.Request(self.url + "/params", method="PATCH", data=json.dumps(
            {"changes": changes}).encode(), headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).close()

    def wait_running(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.mixerd.poll() is not None:
                tail = (self.folder / "mixerd.log").read_text(errors="replace").strip().splitlines()[-5:]
                raise BenchError("mixerd run ended at start-up: " + " / ".join(tail))
            try:
                if self.get("/health")["engine"]["running"]:
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise BenchError(f"mixerd was not running within {WAIT_S:g} s")

    def close(self) -> None:
        end(self.mixerd, 30)
        end(self.jackd, 10)
        self.log.close()


class Clicks:
    """``python -m mixerd.bench.clicks`` on one server (a process of its own: libjack talks to one server a
    process), started and ready; its lines as they come."""

    def __init__(self, server: str, mode: str, port: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "mixerd.bench.clicks", server, mode, port],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        if self.proc.stdout.readline().strip() != "ready":
            raise BenchError(f"the bench's JACK client did not start on {server}")
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()

    def values(self, kind: str) -> list[float]:
        return [float(line.split()[1]) for line in list(self.lines) if line.startswith(kind + " ")]

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measure_link(period: int = 64, buffer_ms: int = 5, seconds: int = 20, engine: str = "zita") -> dict:
    """Two boxes linked over loopback by ``engine``; the latency of the link from one's input to the other's
    output."""
    for program in ("jackd", *(("zita-j2n", "zita-n2j") if engine == "zita" else ("jack_load", "jack_unload"))):
        if shutil.which(program) is None:
            raise BenchError(f"the link bench needs {program} (apt install jackd2 zita-njbridge)", code=2)
    realtime = realtime_allowed()
    port_stage, port_main = free_port(), free_port()
    boxes: list[_Box] = []
    clicks: list[Clicks] = []
    with tempfile.TemporaryDirectory(prefix="mixerd-bench-link-") as tmp:
        folder = Path(tmp)
        try:
            if engine == "netjack2":  # one name on both boxes; the main box the master, the stage box joins it
                stage_link = ['name = "stage"', 'engine = "netjack2"', 'peer = "127.0.0.1"', f"port = {port_main}",
                              f"buffer_ms = {buffer_ms}"]
                main_link = ['name = "stage"', 'engine = "netjack2"', f"port = {port_main}"]
            else:
                stage_link = ['name = "main-box"', 'peer = "127.0.0.1"', f"peer_port = {port_main}",
                              f"port = {port_stage}"]
                main_link = ['name = "stage"', 'listen = "127.0.0.1"', f"port = {port_main}"]
            stage = _Box(folder, "stage", period, realtime, "\n".join(["[[link]]", *stage_link, 'send = ["ch/1"]', ""]))
            boxes.append(stage)
            main = _Box(folder, "main", period, realtime, "\n".join([
                "[[link]]", *main_link, "receive = 1", f"buffer_ms = {buffer_ms}", ""]))
            boxes.append(main)
            stage.wait_running()
            main.wait_running()
            first = main.get("/system")["layout"]["inputs"].index("stage 1") + 1
            main.patch({f"ch/{first}/send/1/level": 0.0, f"ch/{first}/send/1/pre": True,
                        f"ch/{first}/send/1/on": True, "bus/1/fader": 0.0, "bus/1/limiter/on": False})
            clicks = [Clicks(stage.server, "play", "mixerd:in_1"), Clicks(main.server, "hear", "mixerd:bus_1")]
            play, hear = clicks
            deadline = time.monotonic() + WAIT_S
            while _receive(main)["state"] != "receiving":
                if time.monotonic() > deadline:
                    raise BenchError(f"the link did not lock within {WAIT_S:g} s: {_receive(main)}")
                time.sleep(0.2)
            time.sleep(2.0)  # settled: its first seconds are the lock's
            before, started = _receive(main), len(hear.values("heard"))
            time.sleep(seconds)
            after = _receive(main)
            clicks_at, heard_at = play.values("click"), hear.values("heard")[started:]
            delays_ms = [(h - max(c for c in clicks_at if c <= h)) / 1000 for h in heard_at
                         if any(c <= h for c in clicks_at)]
            levels = hear.values("level")[-int(seconds * 2):]
        finally:
            for c in clicks:
                c.close()
            for box in reversed(boxes):
                box.close()
    sent = int(seconds / 0.5)
    return {
        "engine": engine, "period": period, "rate": RATE, "buffer_ms": buffer_ms, "seconds": seconds,
        "realtime": realtime,
        "clicks_sent": sent, "clicks_heard": len(delays_ms),
        "latency_ms": spread(delays_ms) if delays_ms else None,
        "median_ms": statistics.median(delays_ms) if delays_ms else None,
        "target_ms": after.get("latency_ms"), "two_periods_ms": 2 * period / RATE * 1000,
        "dropouts": after["dropouts"] - before["dropouts"], "resyncs": after["resyncs"] - before["resyncs"],
        "tone_db": statistics.median(levels) if levels else None,
    }


def _receive(box: _Box) -> dict:
    """The main box's received stream (/health); asked again on a timeout, which a busy machine gives."""
    for _ in range(3):
        try:
            return box.get("/health")["links"][0]["receive"]
        except (OSError, ValueError, KeyError, IndexError):
            time.sleep(0.5)
    return {"state": "unknown", "dropouts": 0, "resyncs": 0}


def print_link(f: dict) -> None:
    print(f"link: two boxes on this machine, each a mixerd on its own jackd (dummy, {f['period']} frames @ "
          f"{f['rate']} Hz, {'realtime' if f['realtime'] else 'not realtime'}), linked by "
          f"{ENGINE_NAMES[f['engine']]} over loopback; the receiver's buffer {f['buffer_ms']} ms; clicks timed for "
          f"{f['seconds']} s")
    if f["median_ms"] is None:
        print("  no click arrived")
        return
    s = f["latency_ms"]
    print(f"  latency, the stage box's channel 1 in → the main box's mix 1 out: {f['median_ms']:.1f} ms median "
          f"({s['min']:.1f} … {s['max']:.1f} ms over {f['clicks_heard']} of {f['clicks_sent']} clicks)")
    target = f["target_ms"]
    print(f"  against the engine's own figure ({TARGET[f['engine']]}): {target} ms → "
          f"{f['median_ms'] / target:.2f}×; "
          f"against two periods ({f['two_periods_ms']:.1f} ms, an interface's own round trip): "
          f"{f['median_ms'] / f['two_periods_ms']:.1f}×" if target else "")
    print(f"  dropouts (quarter seconds the buffer ran dry, restarts): {f['dropouts']}; relocks: {f['resyncs']}; "
          f"the tone between the clicks at the main box's mix: {f['tone_db']:.1f} dBFS (sent {TONE_DB:.0f})"
          if f["tone_db"] is not None else "")
