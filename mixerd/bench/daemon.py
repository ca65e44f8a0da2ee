"""``mixerd bench --workload daemon``: what the whole mixerd process costs around its realtime core.

The figure every change to the Python side is judged by (GUIDE §7): the daemon must cost no more than
about the core itself. The bench runs a real ``mixerd run`` in a **child process** and measures that
process from outside, through ``/proc/<pid>``; the bench's own work (the tone, the WebSocket clients,
the sampling) runs in other processes, so nothing has to be subtracted and nothing of the bench is
counted as mixerd's:

- its own jackd, started by that mixerd as ``start_server = "always"`` does (dummy backend, 64 frames at
  48 kHz, realtime when allowed), under the fixed name ``mixerd-bench-daemon``: JACK2 frees a killed
  server's row in its 8-row table only when a server of the same name starts, so names must repeat;
- a generated profile of ``--inputs`` × ``--buses`` (default 32 × 16) plus the two FX buses (reverb,
  delay), its state written to the store before the start: the core bench's reference workload
  (mixerd.bench.core.full_state: full strips — HPF, EQ, gate, compressor — every send open, FX returns);
- a tone (−18 dBFS, 750 Hz: one period per 64-frame block) on every input, from a JACK client in the
  bench's process (the mixer's own generators are at most 16);
- a local mosquitto (MQTT meters on, at the configured rate, Home Assistant discovery on), access control
  off, the web app on a free loopback port;
- 0, 4 and 16 WebSocket clients reading meters (mixerd/bench/clients.py, a process of their own);
- the OSC front end on (as every front end a box may run): one more case with 16 X AIR apps following every
  change and reading ``/meters/1`` every 50 ms while one more app sets 200 faders a second
  (mixerd/bench/osc_apps.py, a process of its own);
- a bare C JACK client on the same server (jackd2's ``jack_metro``), measured over the same spans: what any
  JACK client costs there — its RSS is mostly JACK's port table, which libjack maps and locks into every client.

For each case: the process's CPU time (utime + stime of ``/proc/<pid>/stat``) over the span, as % of one
core; each thread's share (``/proc/<pid>/task/*/stat``, grouped by thread name — threads that exist only
part of the span count for what they used in it); the meter frames each client got; the RSS at the end.

The child is ``python -m mixerd.bench.daemon run --config …``: ``mixerd run`` after one hook that gives
each Python thread its Python name at the OS level as it starts (``pthread_setname_np``, 15 characters;
the main thread is "main"), so /proc can tell the threads apart; CPython 3.11 leaves them all "python".
Threads started by C from the main thread (libjack's, numpy's) inherit "main" and are reported as
"jack-rt" when realtime (libjack's process thread, where the core runs) and "c-threads" otherwise.

The core's own cost: its JACK callback times itself (``/health`` engine ``callback_s``, the seconds spent in
the callback so far), read at the start and end of each span; the ratio printed is whole process / core
in that span. For comparison the core is also timed offline after the daemon has stopped (the same
layout and state, the same tone, the same 64-frame blocks, as ``--workload full`` does; median of five):
in the daemon it shares caches with everything else, offline it runs alone. Beside it, the CPU of the
realtime thread that runs the callback (core and libjack's cycle; known only when jackd runs realtime).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from mixerd.bench.clients import DRAG_HZ
from mixerd.bench.common import BenchError, positive_float, spread
from mixerd.bench.jack_client import PythonClient

SERVER = "mixerd-bench-daemon"
CLIENT = "mixerd"
TONE_DB = -18.0
TONE_HZ = 750.0  # 48000 / 64: one period per block, so the offline core's repeated block is the same tone
RATE, FRAMES = 48000, 64
CLIENT_COUNTS = (0, 4, 16)
DRAGGING = 4  # one more case: the largest number of clients, this many of them dragging a fader at 30 moves/s
OSC_APPS = 16  # one more case: this many X AIR apps following changes and meters, 200 changes a second made
OSC_CHANGES_HZ = 200.0
RTA_CLIENTS = 1  # one more case: the largest number of clients, this many of them looking at the main's RTA
SETTLE_S = 1.0  # after the clients connect (their first state and hello), before the span
WARM_S = 2.0  # after the tone starts, before the first span
WAIT_S = 30.0  # a bound on each wait, not a measurement
TICK = os.sysconf("SC_CLK_TCK")
CORE_RUNS, CORE_S = 5, 0.5  # the core offline: the median of 5 runs of about 0.5 s (a busy machine disturbs some)


def _counts(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(f"expected numbers ≥ 0, got {text!r}")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("daemon (also --inputs, --buses)")
    group.add_argument("--daemon-seconds", type=positive_float, default=10.0,
                       help="daemon: how long each case is measured (default 10)")
    group.add_argument("--daemon-clients", type=_counts, default=CLIENT_COUNTS, metavar="N,N,…",
                       help="daemon: WebSocket clients of each case (default 0,4,16)")
    group.add_argument("--daemon-dragging", type=int, default=DRAGGING, metavar="N",
                       help=f"daemon: one more case with the most clients, N of them dragging a fader at "
                            f"{DRAG_HZ:g} moves a second (default {DRAGGING}; 0: no such case)")
    group.add_argument("--daemon-rta", type=int, default=RTA_CLIENTS, metavar="N",
                       help=f"daemon: one more case with the most clients, N of them looking at the main's RTA "
                            f"(default {RTA_CLIENTS}; 0: no such case)")
    group.add_argument("--daemon-osc-apps", type=int, default=OSC_APPS, metavar="N",
                       help=f"daemon: one more case with N X AIR apps on OSC following changes and meters while "
                            f"{OSC_CHANGES_HZ:g} changes a second are made (default {OSC_APPS}; 0: no such case)")


def run(args: argparse.Namespace) -> dict:
    if min(args.daemon_dragging, args.daemon_osc_apps, args.daemon_rta) < 0:
        raise BenchError(f"--daemon-dragging, --daemon-rta and --daemon-osc-apps must be 0 or more, got "
                         f"{args.daemon_dragging}, {args.daemon_rta} and {args.daemon_osc_apps}", code=2)
    figures = measure_daemon(args.inputs, args.buses, args.daemon_clients, args.daemon_seconds,
                             args.daemon_dragging, args.daemon_osc_apps, args.daemon_rta)
    if not args.json:
        print_daemon(figures)
    return figures


# ---- the mixer's files --------------------------------------------------------------------------------

def profile_toml(inputs: int, buses: int) -> str:
    """A dummy-backend profile: ``inputs`` channels with nothing connected (the tone client feeds them),
    main L/R and ``buses`` mono mixes on the dummy's playback ports."""
    lines = ['[profile]', f'id = "bench-{inputs}x{buses}"', f'name = "mixerd bench {inputs} x {buses}"', '',
             '[jack]', 'driver = "dummy"', f'rate = {RATE}', f'period = {FRAMES}', 'periods = 2',
             f'capture = {inputs}', f'playback = {2 + buses}', '']
    for n in range(1, inputs + 1):
        lines += ['[[input]]', 'port = ""', f'label = "In {n}"', '']
    for p in range(1, buses + 3):
        lines += ['[[output]]', f'port = "system:playback_{p}"', f'label = "Out {p}"', '']
    lines += ['[main]', 'outputs = ["system:playback_1", "system:playback_2"]', '']
    for b in range(1, buses + 1):
        lines += ['[[bus]]', f'name = "Mix {b}"', f'outputs = ["system:playback_{b + 2}"]', '']
    return "\n".join(lines)


def config_toml(profile: Path, state: Path, http_port: int, mqtt_port: int, realtime: bool, osc_port: int) -> str:
    return "\n".join([
        '[mixer]', f'profile = "{profile}"', '',
        '[jack]', f'server = "{SERVER}"', 'start_server = "always"', f'client_name = "{CLIENT}"',
        f'realtime = {"true" if realtime else "false"}', '',
        '[engine]', 'generators = 0', 'fx = ["reverb", "delay"]', '',
        '[http]', 'host = "127.0.0.1"', f'port = {http_port}', '',
        '[auth]', 'enabled = false', '',
        '[mqtt]', f'broker = "mqtt://127.0.0.1:{mqtt_port}"', 'node_id = "bench"', '',
        '[osc]', 'enabled = true', 'host = "127.0.0.1"', f'port = {osc_port}', '',
        '[state]', f'dir = "{state}"', '',
        '[log]', 'level = "warning"', ''])


def _prepare(folder: Path, inputs: int, buses: int, http_port: int, mqtt_port: int, realtime: bool,
             osc_port: int):
    """Write the profile, the config and the starting state (the reference workload); the layout and state."""
    from mixerd.bench.core import full_state
    from mixerd.profiles import load_profile
    from mixerd.store import Store

    profile = folder / f"bench-{inputs}x{buses}.toml"
    profile.write_text(profile_toml(inputs, buses))
    layout = load_profile(str(profile)).layout(generators=0).with_fx(("reverb", "delay"))
    state = full_state(layout, 0.5, np.random.default_rng(1))
    store = Store.open(folder / "state")
    try:
        store.commit([], values=state)
    finally:
        store.close()
    config = folder / "mixerd.toml"
    config.write_text(config_toml(profile, folder / "state", http_port, mqtt_port, realtime, osc_port))
    return config, layout, state


# ---- the tone ------------------------------------------------------------------------------------------

class Tone(PythonClient):
    """One output port playing the tone, connected to every mixerd input."""

    def __init__(self, inputs: int):
        super().__init__("mixerd-bench-tone", SERVER)
        frames = self.client.blocksize
        t = np.arange(frames) / self.client.samplerate
        self._block = (10 ** (TONE_DB / 20) * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
        self.out = self.client.outports.register("out")
        self.client.activate()
        for n in range(1, inputs + 1):
            self.client.connect(self.out, f"{CLIENT}:in_{n}")

    def process(self, frames: int) -> None:
        self.out.get_array()[:] = self._block[:frames]


class _MqttMeters:
    """An MQTT client of the bench's (in its own process) counting mixerd's meter messages."""

    def __init__(self, port: int):
        import paho.mqtt.client as mqtt

        self.count, self._began = 0, time.monotonic()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="mixerd-bench-daemon-meters")
        self.client.on_connect = lambda client, *_: client.subscribe("mixerd/bench/meters")
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _message(self, *_) -> None:
        self.count += 1

    def count_from(self) -> None:
        self.count, self._began = 0, time.monotonic()

    def rate(self) -> float:
        return self.count / (time.monotonic() - self._began)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


# ---- /proc ---------------------------------------------------------------------------------------------

def _cpu_ticks(stat: str) -> int:
    """utime + stime from a /proc stat line (fields after the command name, which may hold spaces)."""
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def sample(pid: int) -> tuple[float, int, dict[int, tuple[str, int]]]:
    """(monotonic time, the process's CPU ticks, tid → (thread name, its CPU ticks))."""
    at = time.monotonic()
    total = _cpu_ticks(Path(f"/proc/{pid}/stat").read_text())
    threads = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name, stat = (task / "comm").read_text().strip(), (task / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
        threads[int(task.name)] = (_thread_name(pid, int(task.name), name, stat), _cpu_ticks(stat))
    return at, total, threads


def _thread_name(pid: int, tid: int, comm: str, stat: str) -> str:
    """The thread's name; threads that C started from the main thread inherit its name "main": those are
    told apart as "jack-rt" (a realtime thread: libjack's process thread, the core) or "c-threads"."""
    if comm != "main" or tid == pid:
        return comm
    policy = int(stat[stat.rindex(")") + 2:].split()[38])
    return "jack-rt" if policy in (1, 2) else "c-threads"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS in /proc/{pid}/status")


def jack_shm_mb(pid: int) -> float:
    """The part of the RSS that is the JACK server's shared memory (port buffers, /dev/shm/jack-*): mapped
    by every JACK client and counted in each one's RSS, but jackd's, and sized by jackd's port limit."""
    kb, name = 0, ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0] and not line.endswith(":"):
            fields = line.split()
            name = fields[5] if len(fields) > 5 else ""
        elif line.startswith("Rss:") and name.startswith("/dev/shm/jack"):
            kb += int(line.split()[1])
    return kb / 1024


def usage(before, after) -> dict:
    """% of one core of the process and of each thread name between two samples."""
    wall = after[0] - before[0]
    per_name: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for tid, (name, ticks) in after[2].items():
        per_name[name] += ticks - before[2].get(tid, (name, 0))[1]
        count[name] += 1
    percent = 100 / TICK / wall
    return {"seconds": wall, "cpu_percent": (after[1] - before[1]) * percent,
            "threads": sorted(({"name": n, "count": count[n], "cpu_percent": t * percent}
                               for n, t in per_name.items()), key=lambda t: -t["cpu_percent"])}


# ---- the run -------------------------------------------------------------------------------------------

def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())


def _wait_running(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise BenchError("mixerd run ended at start-up: " + " / ".join(tail))
        try:
            if _get(url + "/api/v1/health")["engine"]["running"]:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise BenchError(f"mixerd was not running within {WAIT_S:g} s")


def _clients(url: str, clients: int, seconds: float, dragging: int, rta: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mixerd.bench.clients", "meters", url, "--clients", str(clients),
                             "--seconds", str(seconds), "--dragging", str(dragging), "--rta", str(rta)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _connections(port: int) -> int:
    """Established TCP connections to ``port`` on this machine (IPv4, server side)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        count += fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port
    return count


def _case(pid: int, url: str, clients: int, seconds: float, dragging: int = 0, rta: int = 0) -> dict:
    """One span with ``clients`` WebSocket clients reading meters, ``dragging`` of them dragging a fader each
    (every move is a change: validated, applied, an undo step grown, stored, sent to every client), ``rta`` of
    them looking at the main's RTA (the analysis ring fed, its spectra and bands made, frames sent)."""
    proc = None
    if clients:
        proc = _clients(url, clients, SETTLE_S + seconds + SETTLE_S, dragging, rta)
        port = int(url.rsplit(":", 1)[1])
        deadline = time.monotonic() + WAIT_S
        while _connections(port) < clients:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise BenchError(f"{clients} WebSocket clients did not connect within {WAIT_S:g} s")
            time.sleep(0.05)
        time.sleep(SETTLE_S)  # past each client's hello and state
    callback_before, at_before, seq_before = _callback_s(url), time.monotonic(), _seq(url)
    before = sample(pid)
    time.sleep(seconds)
    after = sample(pid)
    callback_after, at_after, seq_after = _callback_s(url), time.monotonic(), _seq(url)
    case = {"clients": clients, "dragging": dragging, "rta": rta, **usage(before, after), "rss_mb": rss_mb(pid),
            "jack_shm_mb": jack_shm_mb(pid), "frames_hz": None,
            "changes_hz": (seq_after - seq_before) / (at_after - at_before),
            # the core's own cost in this span: the time its JACK callback ran (the core times itself)
            "core_percent": 100 * (callback_after - callback_before) / (at_after - at_before)}
    if proc is not None:
        out, err = proc.communicate(timeout=WAIT_S + seconds)
        if proc.returncode != 0:
            raise BenchError("the WebSocket clients failed: " + (err.strip().splitlines() or ["?"])[-1])
        got = json.loads(out)
        # Each client counts from once all are connected (about when the bench saw them): the span is from
        # SETTLE_S after that, for ``seconds``.
        rates = [sum(SETTLE_S <= t < SETTLE_S + seconds for t in a) / seconds for a in got["arrivals"]]
        case["frames_hz"] = spread(rates)
        case["frame_bytes"] = got["frame_bytes"]
        case["rta_hz"] = got["rta_frames"] / (SETTLE_S + seconds + SETTLE_S) / rta if rta else None
    return case


def _free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to now (for the mixer's OSC)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _osc_case(pid: int, url: str, port: int, apps: int, seconds: float) -> dict:
    """One span with ``apps`` X AIR apps following every change and reading ``/meters/1`` while one more app sets
    ``OSC_CHANGES_HZ`` faders a second (each a change of the control core: validated, stored, sent to every
    follower and every other front end)."""
    changes = int((2 * SETTLE_S + seconds) * OSC_CHANGES_HZ)
    proc = subprocess.Popen([sys.executable, "-m", "mixerd.bench.osc_apps", "127.0.0.1", str(port), "--apps",
                             str(apps), "--changes", str(changes), "--changes-hz", str(OSC_CHANGES_HZ)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(SETTLE_S)  # the apps subscribed and the changes under way
    callback_before, at_before, seq_before = _callback_s(url), time.monotonic(), _seq(url)
    before = sample(pid)
    time.sleep(seconds)
    after = sample(pid)
    callback_after, at_after, seq_after = _callback_s(url), time.monotonic(), _seq(url)
    try:
        out, err = proc.communicate(timeout=WAIT_S + 2 * SETTLE_S + seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise BenchError("the X AIR apps did not finish") from None
    if proc.returncode != 0:
        raise BenchError("the X AIR apps failed: " + (err.strip().splitlines() or ["?"])[-1])
    got = json.loads(out)
    seen = [len(app["faders"]) for app in got["apps"]]
    # Meter blobs are timed from the start marker, about SETTLE_S before the span.
    rates = [sum(SETTLE_S <= t < SETTLE_S + seconds for t in app["meters"]) / seconds for app in got["apps"]]
    return {"clients": 0, "dragging": 0, "osc_apps": apps, **usage(before, after), "rss_mb": rss_mb(pid),
            "jack_shm_mb": jack_shm_mb(pid), "frames_hz": spread(rates),
            "changes_hz": (seq_after - seq_before) / (at_after - at_before),
            "core_percent": 100 * (callback_after - callback_before) / (at_after - at_before),
            "osc_changes_sent": got["sent"], "osc_changes_seen": spread(seen),
            "osc_all_alike": all(app["faders"] == got["apps"][0]["faders"] for app in got["apps"]),
            "osc_all_ended": all(app["ended"] for app in got["apps"])}


def _seq(url: str) -> int:
    """How many changes the mixer has applied so far."""
    return int(_get(url + "/api/v1/state")["seq"])


def _bare_client() -> subprocess.Popen:
    """A bare C JACK client on the bench's server (jackd2's jack_metro, its port connected to nothing): what
    any JACK client costs there, in CPU and in memory — JACK's port table is locked into each one's RSS."""
    from mixerd.system.children import spawn

    if shutil.which("jack_metro") is None:
        raise BenchError("jack_metro is not installed (it comes with jackd2)", code=2)
    proc = spawn(["jack_metro", "-n", "mixerd-bench-bare", "-b", "60"], stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL, env={**os.environ, "JACK_DEFAULT_SERVER": SERVER})
    deadline = time.monotonic() + WAIT_S
    while jack_shm_mb(proc.pid) == 0:  # attached once the port table is mapped
        if proc.poll() is not None or time.monotonic() > deadline:
            raise BenchError("jack_metro did not attach to the bench's jackd")
        time.sleep(0.05)
    return proc


def _callback_s(url: str) -> float:
    return float(_get(url + "/api/v1/health")["engine"]["callback_s"])


def measure_core(layout, state: dict) -> dict:
    """The core offline on the daemon's layout and state, fed the same tone in the same blocks."""
    from mixerd.bench.core import _time_core, loaded_engine

    t = np.arange(FRAMES) / RATE
    block = np.tile((10 ** (TONE_DB / 20) * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32),
                    (layout.n_inputs, 1))
    engine = loaded_engine(layout, state, RATE)
    runs = [_time_core(engine, block, CORE_S) for _ in range(CORE_RUNS)]
    us = spread([seconds * 1e6 for seconds, _ in runs])
    budget_us = FRAMES / RATE * 1e6
    return {"how": "offline", "us_per_block": us["median"], "us_per_block_runs": us,
            "blocks": sum(blocks for _, blocks in runs), "cpu_percent": 100 * us["median"] / budget_us}


def measure_daemon(inputs: int = 32, buses: int = 16, client_counts=CLIENT_COUNTS, seconds: float = 10.0,
                   dragging: int = DRAGGING, osc_apps: int = OSC_APPS, rta: int = RTA_CLIENTS) -> dict:
    from mixerd.jackhost import realtime_allowed

    if shutil.which("jackd") is None:
        raise BenchError("the daemon bench starts its own jackd and jackd is not installed (apt install jackd2)",
                         code=2)
    realtime = realtime_allowed()
    with _one_at_a_time():
        return _measure(inputs, buses, client_counts, seconds, realtime, dragging, osc_apps, rta)


@contextmanager
def _one_at_a_time():
    """Hold a lock for the server name: two daemon benches at once would both want ``SERVER``."""
    with open(Path(tempfile.gettempdir()) / f"{SERVER}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _measure(inputs: int, buses: int, client_counts, seconds: float, realtime: bool, dragging: int,
             osc_apps: int, rta: int) -> dict:
    from mixerd.demo.broker import LocalBroker
    from mixerd.system.children import spawn
    from mixerd.system.net import free_port

    folder = Path(tempfile.mkdtemp(prefix="mixerd-bench-daemon-"))
    http_port, broker, osc_port = free_port(), LocalBroker(free_port()), _free_udp_port()
    url = f"http://127.0.0.1:{http_port}"
    mixerd = tone = listener = bare = None
    try:
        if broker.start() != "started":
            raise BenchError("mosquitto could not be started for the daemon bench (apt install mosquitto)", code=2)
        config, layout, state = _prepare(folder, inputs, buses, http_port, broker.port, realtime, osc_port)
        log = folder / "mixerd.log"
        with log.open("w") as out:
            # spawn: the mixerd (and so its jackd) gets SIGTERM if the bench dies first
            mixerd = spawn([sys.executable, "-m", "mixerd.bench.daemon", "run", "--config", str(config)],
                           stdout=out, stderr=subprocess.STDOUT)
        _wait_running(mixerd, url, log)
        tone = Tone(inputs)
        listener = _MqttMeters(broker.port)
        bare = _bare_client()
        time.sleep(WARM_S)
        xruns = int(_get(url + "/api/v1/health")["engine"]["xruns"])
        listener.count_from()
        bare_before = sample(bare.pid)
        cases = [_case(mixerd.pid, url, n, seconds) for n in client_counts]
        most = max(client_counts)
        if rta and most:
            cases.append(_case(mixerd.pid, url, most, seconds, rta=min(rta, most)))
        if dragging and most:
            cases.append(_case(mixerd.pid, url, most, seconds, min(dragging, most)))
        if osc_apps:
            cases.append(_osc_case(mixerd.pid, url, osc_port, osc_apps, seconds))
        bare_figures = {**usage(bare_before, sample(bare.pid)), "rss_mb": rss_mb(bare.pid),
                        "jack_shm_mb": jack_shm_mb(bare.pid)}
        mqtt_meters_hz = listener.rate()
        health = _get(url + "/api/v1/health")
        engine = health["engine"]
        meters = _get(url + "/api/v1/meters")
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(WAIT_S)
        if listener is not None:
            listener.close()
        if tone is not None:
            tone.close()
        if mixerd is not None:
            mixerd.send_signal(signal.SIGTERM)
            try:
                mixerd.wait(WAIT_S)
            except subprocess.TimeoutExpired:
                mixerd.kill()
                mixerd.wait()
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)
    core = measure_core(layout, state)
    for case in cases:
        case["over_core"] = case["cpu_percent"] / case["core_percent"] if case["core_percent"] > 0 else None
        case["over_offline_core"] = case["cpu_percent"] / core["cpu_percent"]
        case["rt_thread_percent"] = sum(t["cpu_percent"] for t in case["threads"] if t["name"] == "jack-rt") \
            if realtime else None
    return {"inputs": inputs, "buses": buses, "fx_buses": 2, "frames": FRAMES, "rate": RATE,
            "realtime_jackd": realtime, "seconds": seconds, "meter_points": len(meters.get("points", [])),
            "xruns": int(engine["xruns"]) - xruns, "dsp_load": engine.get("dsp_load"),
            "mqtt_meter_hz": mqtt_meters_hz, "cases": cases, "core": core, "bare_client": bare_figures,
            "rss_mb": max(c["rss_mb"] for c in cases),
            "own_rss_mb": max(c["rss_mb"] - c["jack_shm_mb"] for c in cases)}


def print_daemon(r: dict) -> None:
    print(f"daemon: the whole mixerd process (mixerd run, a child measured through /proc) with {r['inputs']} inputs × "
          f"{r['buses']} mixes + {r['fx_buses']} FX, full strips, every send open, a tone on every input; its own "
          f"{'realtime' if r['realtime_jackd'] else 'non-realtime'} jackd (dummy, {r['frames']} frames @ "
          f"{r['rate']} Hz), MQTT meters on, OSC on, {r['seconds']:g} s a case")
    core, runs = r["core"], r["core"]["us_per_block_runs"]
    print("  core: its JACK callback's own time in each span (the core times itself); for comparison the core "
          f"offline on the same layout, state, tone and blocks: {core['us_per_block']:.2f} µs/block = "
          f"{core['cpu_percent']:.2f} % of one core (median of {runs['n']}: {runs['min']:.1f} … {runs['max']:.1f} µs)")
    print("  WebSocket clients   whole process     core   / core   RT thread   meter frames/s per client      RSS"
          "   (JACK's shm)")
    for c in r["cases"]:
        rate = c["frames_hz"]
        who = f"{c['clients']} ({c['dragging']} dragging)" if c["dragging"] else str(c["clients"])
        if c.get("rta"):
            who = f"{c['clients']} ({c['rta']} on the RTA)"
        if c.get("osc_apps"):
            who = f"{c['osc_apps']} X AIR apps"
        frames = f"{rate['median']:.1f} (min {rate['min']:.1f})" if rate else "—"
        rt = f"{c['rt_thread_percent']:.1f} %" if c["rt_thread_percent"] is not None else "—"
        ratio = f"{c['over_core']:>5.1f}×" if c["over_core"] is not None else "    —"
        print(f"  {who:>17}   {c['cpu_percent']:>11.1f} %   {c['core_percent']:>4.1f} %   {ratio}   "
              f"{rt:>9}   {frames:>25}   {c['rss_mb']:>3.0f} MB   ({c['jack_shm_mb']:.0f} MB)")
    print(f"  mixerd's own memory (RSS without jackd's shared port buffers), at most: {r['own_rss_mb']:.0f} MB")
    bare = r["bare_client"]
    print(f"  a bare C JACK client on the same server (jack_metro) in the same spans: {bare['cpu_percent']:.1f} % of "
          f"one core, RSS {bare['rss_mb']:.0f} MB ({bare['jack_shm_mb']:.0f} MB of it JACK's shm)")
    print(f"  MQTT meter messages: {r['mqtt_meter_hz']:.1f} a second; xruns during the cases: {r['xruns']}; "
          f"jackd DSP load at the end: {r['dsp_load']} %")
    for c in r["cases"]:
        if c["dragging"]:
            print(f"  {c['dragging']} clients dragging a fader at {DRAG_HZ:g} moves a second each: "
                  f"{c['changes_hz']:.1f} changes a second applied")
        if c.get("rta"):
            print(f"  {c['rta']} of {c['clients']} clients looking at the main's RTA (1/6 octave): "
                  f"{c['rta_hz']:.1f} RTA frames a second each")
        if c.get("osc_apps"):
            seen = c["osc_changes_seen"]
            print(f"  {c['osc_apps']} X AIR apps (/xremote and /meters/1) while one more sets {OSC_CHANGES_HZ:g} faders "
                  f"a second: {c['changes_hz']:.1f} changes a second applied; each app saw {seen['min']:.0f} of them "
                  f"({c['osc_changes_sent']} sent; the same ones, in the same order, in every app: "
                  f"{'yes' if c['osc_all_alike'] and c['osc_all_ended'] else 'NO'})")
    for c in r["cases"]:
        top = [t for t in c["threads"] if t["cpu_percent"] >= 0.05]
        dragging = f" ({c['dragging']} dragging)" if c["dragging"] else ""
        rta_on = f" ({c['rta']} on the RTA)" if c.get("rta") else ""
        who = f"{c['osc_apps']} X AIR apps" if c.get("osc_apps") else f"{c['clients']} clients{dragging}{rta_on}"
        print(f"  threads with {who}: " + ", ".join(
            f"{t['name']}{'×' + str(t['count']) if t['count'] > 1 else ''} {t['cpu_percent']:.1f} %" for t in top))


# ---- the child -----------------------------------------------------------------------------------------

def name_threads() -> None:
    """From now on every Python thread carries its name at the OS level (what /proc/*/task/*/comm shows)."""
    import ctypes
    import threading

    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_ulong
    libc.pthread_setname_np.argtypes = (ctypes.c_ulong, ctypes.c_char_p)

    def set_name(name: str) -> None:
        libc.pthread_setname_np(libc.pthread_self(), name.encode("utf-8", "replace")[:15])

    bootstrap = threading.Thread._bootstrap_inner

    def named_bootstrap(self) -> None:
        set_name(self.name)
        bootstrap(self)

    threading.Thread._bootstrap_inner = named_bootstrap
    set_name("main")


if __name__ == "__main__":
    from mixerd.cli import main

    name_threads()
    sys.exit(main(sys.argv[1:]))
