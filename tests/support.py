"""Test helpers: a real uvicorn server for an app, jackd names and readiness, bounded waits, a probe JACK
client that plays and records audio, level measurements, an offline engine loaded with a state, jackd and
mosquitto processes of the tests' own, a self-signed certificate."""

from __future__ import annotations

import itertools
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import jack
import numpy as np
import pytest

from mixerd.bench.jack_client import PythonClient
from mixerd.demo.broker import LocalBroker
from mixerd.jackhost.server import open_client
from mixerd.system.net import free_port
from mixerd.web.server import serve  # noqa: F401  (a real uvicorn server for an app)

RATE = 48000
PERIOD = 64
_names = itertools.count(1)
_run_slot: str | None = None
_handed_in: dict[str, int] = {}  # server name -> the test (see next_test) it was handed out in
_test_number = 0
_slot_locks: list = []  # open lock files: each holds its slot for as long as this process lives


def _claim_run_slot() -> str:
    """The lowest slot no other live test process holds (an ``flock`` kept until this process ends)."""
    import fcntl
    import tempfile

    folder = os.path.join(tempfile.gettempdir(), f"mixerd-test-jack-{os.getuid()}")
    os.makedirs(folder, exist_ok=True)
    for slot in itertools.count():
        lock = open(os.path.join(folder, f"{slot}.lock"), "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        _slot_locks.append(lock)
        return str(slot)
    raise AssertionError("unreachable")


def unique_server_name() -> str:
    """A JACK server name no other live server of the tests has: ``mixerd-test-<slot>-<n>``.

    JACK2 keeps a machine-wide table of 8 servers (/dev/shm/jack-shm-registry). A server killed with SIGKILL
    (which several tests do) leaves its row, and the row is reclaimed only when a server of the same name starts
    again: names that never repeat would fill the table within one run ("Too many servers already active", no
    jackd at all). So a name whose row is left by a dead server is handed out again, once the test that had it
    is over; the slot keeps test processes that run at the same time apart.
    """
    global _run_slot
    if _run_slot is None:
        _run_slot = _claim_run_slot()
    prefix = f"mixerd-test-{_run_slot}-"
    reusable = sorted(n for n in dead_jack_servers()
                      if n.startswith(prefix) and _handed_in.get(n, -1) < _test_number)
    if reusable:
        name = reusable[0]
    else:
        name = prefix + str(next(_names))
        while name in _handed_in:
            name = prefix + str(next(_names))
    _handed_in[name] = _test_number
    return name


def next_test() -> None:
    """A new test begins (the conftest calls this): names handed out before it may be reused."""
    global _test_number
    _test_number += 1


JACK_REGISTRY = "/dev/shm/jack-shm-registry"
_REGISTRY_HEADER = struct.Struct("<IHxxiIII")  # magic, protocol, shm type, size, header length, entry length
_REGISTRY_ROW = 264  # pid_t pid; char name[257]; padded to 4
_REGISTRY_MAGIC = 0x4A41434B  # "JACK"


def dead_jack_servers() -> set[str]:
    """Server names whose row in JACK2's registry was left by a process that is gone (see unique_server_name)."""
    try:
        with open(JACK_REGISTRY, "rb") as f:
            data = f.read()
        magic, _, _, _, header_len, _ = _REGISTRY_HEADER.unpack_from(data)
    except (OSError, struct.error):
        return set()
    if magic != _REGISTRY_MAGIC:
        return set()
    dead = set()
    for offset in range(_REGISTRY_HEADER.size, header_len - _REGISTRY_ROW + 1, _REGISTRY_ROW):
        (pid,) = struct.unpack_from("<i", data, offset)
        row = data[offset + 4:offset + _REGISTRY_ROW].split(b"\0", 1)[0].decode(errors="replace")
        # A row's name is "jack-<uid>:<server>:".
        match = re.fullmatch(rf"jack-{os.getuid()}:(.+):", row)
        if pid > 0 and match and not _alive(pid):
            dead.add(match.group(1))
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def jackd_pids(server: str) -> list[int]:
    """The running jackd processes serving ``server`` (names are [a-z0-9-]: the anchor keeps -n x-1 from
    matching x-10)."""
    from mixerd.system.children import start_time

    found = subprocess.run(["pgrep", "-f", f"jackd .*-n {server}( |$)"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split() if start_time(int(p)) is not None]


def kill_and_wait(pids: list[int]) -> None:
    """SIGKILL each of ``pids`` still running and wait (bounded) until it is gone: a test's clean-up."""
    import signal

    from mixerd.system.children import start_time

    for pid in pids:
        started = start_time(pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        wait_until(lambda: start_time(pid) != started, timeout=30, what=f"process {pid} to end")


def wait_for_server(name: str, proc: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"jackd exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            open_client("probe-wait", name).close()
            return
        except jack.JackError:
            time.sleep(0.05)
    raise RuntimeError(f"jackd {name} did not come up")


class Probe(PythonClient):
    """A test JACK client: plays sines on its outputs and records its inputs into ring buffers.

    Its process callback is Python (it is a test instrument, not part of mixerd); ``close()`` ends it safely.
    """

    def __init__(self, server: str, n_out: int = 2, n_in: int = 4, seconds: float = 4.0):
        super().__init__("probe", server)
        self.outs = [self.client.outports.register(f"out_{i + 1}") for i in range(n_out)]
        self.ins = [self.client.inports.register(f"in_{i + 1}") for i in range(n_in)]
        self.size = int(seconds * RATE)
        self.rec = np.zeros((n_in, self.size), np.float32)
        self.written = 0  # frames recorded so far (monotonic)
        self.tones = [(0.0, 0.0)] * n_out  # (freq, amplitude) per output
        self.phase = 0
        self.client.activate()

    def process(self, frames: int) -> None:
        t = (self.phase + np.arange(frames)) / RATE
        for port, (freq, amp) in zip(self.outs, self.tones):
            port.get_array()[:] = amp * np.sin(2 * np.pi * freq * t)
        self.phase += frames
        start = self.written % self.size
        for i, port in enumerate(self.ins):
            self.rec[i, start:start + frames] = port.get_array()
        self.written += frames

    def play(self, out: int, freq: float, amplitude: float) -> None:
        self.tones = [*self.tones[:out], (freq, amplitude), *self.tones[out + 1:]]

    def connect(self, src: str, dst: str) -> None:
        self.client.connect(src, dst)

    @classmethod
    def tone_into_input_1(cls, server: str, record: list[str]) -> "Probe":
        """A probe playing a -12 dBFS 1 kHz sine into ``mixerd:in_1`` and recording the mixerd output
        ports ``record`` (e.g. ``["mixerd:bus_2"]``) on its inputs in that order."""
        probe = cls(server, n_out=1, n_in=len(record))
        probe.connect("probe:out_1", "mixerd:in_1")
        for i, port in enumerate(record, start=1):
            probe.connect(port, f"probe:in_{i}")
        probe.play(0, 1000.0, 0.25)
        return probe

    def record(self, seconds: float, timeout: float = 20.0) -> np.ndarray:
        """The next ``seconds`` of audio on every input (waits for it, bounded)."""
        n = int(seconds * RATE)
        assert n < self.size
        start = self.written
        deadline = time.monotonic() + timeout
        while self.written - start < n:
            if time.monotonic() > deadline:
                raise TimeoutError("the probe recorded too little audio (is jackd running?)")
            time.sleep(0.01)
        idx = (start + np.arange(n)) % self.size
        return self.rec[:, idx].copy()


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(max(np.mean(np.asarray(x, np.float64) ** 2), 1e-30)))


def peak_db(x: np.ndarray) -> float:
    return float(20 * np.log10(max(np.abs(x).max(), 1e-15)))


# Chromium for the browser tests: the machine's own (Debian's package), without background traffic.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def mixer_config(server: str, state_dir, *, profile: str | None = None, mqtt: dict | None = None):
    """The config of a whole mixer (``mixerd.daemon.Mixer``) in the tests' jackd ``server``: never starting
    one of its own, state in ``state_dir``, the default profile unless ``profile``, MQTT off unless ``mqtt``
    (the ``[mqtt]`` settings to change, e.g. ``{"broker": broker.url}``), mDNS off."""
    import dataclasses

    from mixerd.config import Config

    cfg = Config()
    return dataclasses.replace(
        cfg, jack=dataclasses.replace(cfg.jack, server=server, start_server="never"),
        state=dataclasses.replace(cfg.state, dir=state_dir),
        mixer=dataclasses.replace(cfg.mixer, profile=profile) if profile else cfg.mixer,
        mqtt=dataclasses.replace(cfg.mqtt, **mqtt) if mqtt else dataclasses.replace(cfg.mqtt, enabled=False),
        mdns=dataclasses.replace(cfg.mdns, enabled=False))  # a test's mixer is not announced on the LAN


@contextmanager
def running_mixer(cfg, http: bool = False):
    """A whole mixer (``mixerd.daemon.Mixer``) started from ``cfg`` — on its broker when MQTT is on; with ``http``
    its web app on a free 127.0.0.1 port (``mixer.web_url``) — and stopped after the block."""
    from mixerd.daemon import Mixer, bind_http

    sock = bind_http("127.0.0.1", 0) if http else None
    mixer = Mixer(cfg, http_socket=sock)
    try:
        mixer.start()
        if cfg.mqtt.enabled:
            wait_until(lambda: mixer.mqtt.connected, what="mixerd on the broker")
        yield mixer
    finally:
        mixer.stop()
        if sock is not None:
            sock.close()


def loaded_engine(layout, changes, rate: int = RATE):
    """An offline engine for ``layout`` loaded (no ramps) with the defaults plus ``changes``, limiters
    out; returns it and the state it holds."""
    from mixerd.engine import Engine
    from mixerd.model.params import ParamTree

    state = ParamTree.from_layout(layout).defaults()
    state.update({a: False for a in state if a.endswith("limiter/on")})
    state.update(changes)
    engine = Engine(layout, sample_rate=rate)
    engine.load(state)
    return engine, state


def ramped_change(engine, state, changes) -> None:
    """Apply ``changes`` the way a user's change arrives: ramped."""
    state.update(changes)
    engine.apply(state, list(changes))


def self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key (PEM), made by openssl for this test."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return str(cert), str(key)


@contextmanager
def running_jackd(log_dir, realtime: bool = False, name: str | None = None, period: int = PERIOD) -> Iterator[str]:
    """Start a dummy-backend jackd in synchronous mode (``--no-realtime`` unless ``realtime``; a new name
    unless ``name``; ``period`` frames), yield its name, stop it."""
    name = name or unique_server_name()
    # Synchronous mode (-S): a cycle starts only once every client has finished the one before. In JACK's
    # default asynchronous mode a late client (the tests' probe is Python, and CI machines are busy) reads
    # its inputs while mixerd already writes the next cycle, and a recording holds a seam no mixer made.
    cmd = ["jackd", "-S", "-R" if realtime else "--no-realtime", "-n", name, "-d", "dummy", "-r", str(RATE),
           "-p", str(period), "-C", "8", "-P", "10", "-w", str(round(period * 1e6 / RATE))]
    # Its output goes to a file, not a pipe: nobody reads a pipe while the tests run, and a jackd that
    # reports many xruns (a busy machine) would fill it and hang in write() with every client waiting.
    log = log_dir / f"{name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_server(name, proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its output:\n{log.read_text()}") from None
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Broker(LocalBroker):
    """mixerd's own LocalBroker on a free loopback port; ``restart()`` brings it back on the same port."""

    def __init__(self, options: str = "allow_anonymous true"):
        super().__init__(free_port(), options)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:  # type: ignore[override]
        assert super().start(timeout=10) == "started", f"mosquitto on port {self.port}"

    def restart(self) -> None:
        """Kill it (SIGKILL: a broker that crashes says goodbye to no one) and start it again."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
        self.stop()
        self.start()


class Output:
    """Collects a process's output lines in a thread so the test can wait for one."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip())
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if m := re.search(pattern, line):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))
                self._cond.wait(left)


@contextmanager
def running_mixerd(config, ready: str) -> Iterator[tuple[subprocess.Popen, Output]]:
    """``mixerd run --config <config>`` in a process group of its own, yielded once it printed a line matching
    ``ready``; stopped after the block (Ctrl-C), which it must end from with exit code 0."""
    proc = subprocess.Popen([sys.executable, "-m", "mixerd", "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        out.wait_for(ready)
        yield proc, out
    finally:
        assert stop_mixerd(proc, out) == 0, "\n".join(out.lines)


def stop_mixerd(proc: subprocess.Popen, out: Output, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
    """Stop a ``mixerd run``/``demo`` (SIGINT to its process group: Ctrl-C in a terminal; SIGTERM to the
    process: systemd) and return its exit code. If it does not end within ``timeout`` the test fails with
    everything it printed and every thread's stack (mixerd dumps them on SIGUSR1), then it is killed."""
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(2)  # the dump is written by the process, read by Output's thread
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        pytest.fail(f"mixerd did not end within {timeout:.0f} s of {signal.Signals(sig).name}; it printed "
                    "(every thread's stack last):\n" + "\n".join(out.lines), pytrace=False)


@contextmanager
def small_file_system(folder, size_mb: int = 32) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` MiB mounted on ``folder`` (made) for the block: a disk that fills up for real (ENOSPC
    from the kernel). Mounting needs root, as the suite runs (CI does); otherwise the test fails saying so."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.fail(f"a small file system could not be mounted (the suite runs as root, as CI does): {made.stderr}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill_disk(disk, leave: int) -> Path:
    """Take all but ``leave`` bytes of ``disk``'s file system with a file (returned; less if something else gets
    there first)."""
    filler = Path(disk) / "filler.bin"
    stat = os.statvfs(disk)
    block = b"\0" * (1 << 20)
    wanted = max(0, stat.f_bavail * stat.f_frsize - leave)
    with open(filler, "wb") as f:
        try:
            for _ in range(wanted // len(block)):
                f.write(block)
            f.write(block[:wanted % len(block)])
            f.flush()
        except OSError:  # full already: what was wanted
            pass
    return filler


class ManualClock:
    """Monotonic seconds that move only when the test moves ``now`` (undo windows, rate limits, intervals)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# A JACK client in a process of its own that stalls the cycle (50 ms, far beyond any test period) once for every
# line on its stdin.
_STALLER = """
import sys, threading, time
import jack
client = jack.Client("slowpoke", no_start_server=True, servername=sys.argv[1])
stall = threading.Event()
def process(frames):
    if stall.is_set():
        stall.clear()
        time.sleep(0.05)
client.set_process_callback(process)
client.activate()
print("ready", flush=True)
for line in sys.stdin:
    stall.set()
client.deactivate()
client.close()
"""


class CycleStaller:
    """A real xrun on demand: a JACK client on ``server``, in a process of its own, whose callback sleeps through one
    cycle per ``stall()``. Use it as a context manager (it leaves the server when the block ends)."""

    def __init__(self, server: str):
        import sys

        self.proc = subprocess.Popen([sys.executable, "-c", _STALLER, server], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready", "the stalling client did not start"

    def stall(self) -> None:
        self.proc.stdin.write("stall\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> "CycleStaller":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
