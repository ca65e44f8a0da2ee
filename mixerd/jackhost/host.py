"""The JACK host: runs the engine's core inside a JACK client, wires its ports, survives restarts.

The core's C process callback is installed on the JACK-Client ``Client`` before ``activate()``; no
Python runs in JACK's realtime thread. If the server goes away, a supervisor thread reconnects
(restarting our own jackd if we started it) and the core carries on with the mix it had.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jack

from mixerd.engine import Engine
from mixerd.jackhost.server import (JackServer, JackServerError, ServerSpec, open_client, server_running,
                                    uses_pipewire_libjack)
from mixerd.model.layout import Layout
from mixerd.system.children import ChildRecord

log = logging.getLogger(__name__)

START_MODES = ("auto", "always", "never")

# How long the libjack thread that told us of a shutdown may take to end before the client is closed anyway.
# jack_client_close cancels libjack's notification thread asynchronously, wherever it is: one cancelled while it
# held libjack's synchro mutex (it takes it for every client that comes or goes, and a dying jackd removes its
# clients) leaves that mutex locked for good, and the close, and every later open in this process, hang on it.
# Once the server's socket is closed the thread ends by itself, in milliseconds.
NOTIFIER_TIMEOUT = 2.0
# How long deactivate + close may take before the client is abandoned. A close that returns at all does so in
# milliseconds (a dead server answers nothing, its socket fails at once); one that hangs in libjack never
# returns, and the supervisor (reconnecting), /health and shutdown must go on without it.
CLOSE_TIMEOUT = 3.0
# How long the audio may stand still before the server counts as lost. PipeWire's JACK reports no shutdown when
# PipeWire stops or restarts (its libjack only logs "Broken pipe"): cycles that stop advancing are the only
# sign. 2 s is many periods even at PipeWire's longest (8192 frames at 44.1 kHz: 0.19 s) and short enough for a
# musician. jackd reports its own end; its graph can stand still for seconds while alive (a synchronous
# server waiting on a slow client), and closing a client of a live, busy server can hang in libjack, so with
# jackd's libjack only a much longer stall counts (a server hung for good, or one that never delivered our
# client's notification connection and so cannot tell us it went away).
STALL_TIMEOUT = {"pipewire": 2.0, "jackd": 15.0}
# How often the supervisor looks at the running client: a shutdown JACK reported (flagged in C), a stall, a new
# rate or period. A shutdown is acted on within this.
POLL_INTERVAL = 0.25


def input_port_names(layout: Layout) -> list[str]:
    """Short names of the mixer's input ports: ``in_1`` … ``in_N``."""
    return [f"in_{n}" for n in range(1, layout.n_inputs + 1)]


def output_ports(layout: Layout) -> list[tuple[str, str]]:
    """``(short name, what it carries)`` of the output ports in core order: main_L, main_R (``main``),
    then ``bus_B`` or ``bus_B_L/R`` (``bus/B``) for every aux bus (FX and group buses feed the mixes and
    have no port), then solo_L, solo_R (``solo``)."""
    ports = [("main_L", "main"), ("main_R", "main")]
    for b, bus in enumerate(layout.buses, start=1):
        if bus.is_aux:
            names = [f"bus_{b}_L", f"bus_{b}_R"] if bus.stereo else [f"bus_{b}"]
            ports += [(name, f"bus/{b}") for name in names]
    return ports + [("solo_L", "solo"), ("solo_R", "solo")]


def output_port_names(layout: Layout) -> list[str]:
    """Short names of the output ports in core order (see ``output_ports``)."""
    return [name for name, _ in output_ports(layout)]


@dataclass(frozen=True)
class Wiring:
    """Which physical ports feed each input and which each output channel feeds (from the profile)."""

    inputs: Sequence[str | None] = ()                      # per input channel: a capture port or None
    outputs: Mapping[int, Sequence[str]] = field(default_factory=dict)  # core output index → playback ports


def _addr(ptr: Any) -> int:
    return int(jack._ffi.cast("uintptr_t", ptr))


class JackHost:
    """Connects ``engine`` to a JACK server and keeps it connected. Implements ``AudioDriver``."""

    def __init__(self, engine: Engine, server: ServerSpec, wiring: Wiring, *, client_name: str = "mixerd",
                 start_server: str = "auto", interface: str | None = None, asound: Path = Path("/proc/asound"),
                 record: ChildRecord | None = None):
        if start_server not in START_MODES:
            raise ValueError(f"start_server must be one of {START_MODES}, not {start_server!r}")
        self.engine = engine
        self.spec = server
        self.wiring = wiring
        self.client_name = client_name
        self.start_mode = start_server
        # The ALSA card (its id, as in hw:USB) our jackd runs on: while /proc/asound/<id> is gone the USB
        # interface is unplugged, and jackd is not restarted until it is back.
        self.interface = interface
        #: mixerd talks JACK through PipeWire's libjack (pw-jack): PipeWire is the only server it can reach
        self.pipewire = uses_pipewire_libjack()
        self.asound = asound
        self.interface_losses = 0
        # Where the jackd we start is noted (the state directory), so that a start after a kill -9 stops
        # one that outlived us before asking whether a server runs.
        self.record = record
        self.own_server: JackServer | None = None
        #: called with each line the jackd we start prints (its internal clients speak only there: netjack2's)
        self.server_output: list[Callable[[str], None]] = []
        self.client: jack.Client | None = None
        self.reconnects = 0
        self.abandoned_clients = 0  # clients whose close hung in libjack (see _close)
        self.stalls = 0  # servers taken for lost because the audio stood still (see STALL_TIMEOUT)
        self.rate_changes = 0
        self.period_changes = 0
        self.last_loss: str | None = None  # why the server was last taken for lost, for /health and the finder
        self._watch: tuple[int, float, int] | None = None  # (cycles, when they last moved, period) while running
        self.unconnected: list[str] = []
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Attach to (or start) the JACK server and start processing; raises if that is impossible."""
        if self.record:
            self.record.stop_leftover()
        running = server_running(self.spec.name)
        if self.pipewire and not running and self.start_mode != "never":
            # Under pw-jack a jackd of ours would be no use: PipeWire's libjack talks to PipeWire only. Wait for
            # PipeWire (a user session starting, a restart) as the supervisor does for a lost server.
            log.warning("jack: PipeWire's JACK does not answer (mixerd runs with PipeWire's libjack, pw-jack); "
                        "waiting for PipeWire instead of starting jackd")
            self._lose("PipeWire's JACK did not answer at start")
            self._stop.clear()
            self._supervisor = threading.Thread(target=self._supervise, name="mixerd-jack-supervisor", daemon=True)
            self._supervisor.start()
            return
        if running and self.start_mode == "always":
            raise JackServerError(f"a JACK server named {self.spec.name or 'default'!r} is already running "
                                  "and jack.start_server is 'always'; stop it or use 'auto'")
        if not running:
            if self.start_mode == "never":
                raise JackServerError(f"no JACK server named {self.spec.name or 'default'!r} is running and "
                                      "mixerd is not to start one (jack.autostart = \"off\" or jack.start_server "
                                      "= \"never\"); start jackd (mixerd-jackd.service) or let mixerd start it")
            self.own_server = JackServer(self.spec, self.record, listeners=self.server_output)
            self.own_server.start()
        self._open()
        self._stop.clear()
        self._supervisor = threading.Thread(target=self._supervise, name="mixerd-jack-supervisor", daemon=True)
        self._supervisor.start()

    def stop(self) -> None:
        """Deactivate and close our client, then stop jackd if we started it. Bounded whatever libjack does:
        about NOTIFIER_TIMEOUT + CLOSE_TIMEOUT for the client, then jackd's SIGTERM-then-SIGKILL."""
        self._stop.set()
        self._lost.set()
        if self._supervisor:
            # It may be closing the client itself (bounded); one stuck opening a client (libjack wedged by an
            # abandoned close) is left behind, a daemon thread.
            self._supervisor.join(timeout=NOTIFIER_TIMEOUT + CLOSE_TIMEOUT + 1)
        self._close()
        if self.own_server:
            self.own_server.stop()
            self.own_server = None

    # -- AudioDriver ------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Running state and figures for health and /system."""
        with self._lock:
            client = self.client
            out: dict[str, Any] = {
                "backend": "jack",
                "server": self.spec.name or "default",
                "own_server": self.own_server is not None,
                "running": client is not None and not self._lost.is_set(),
                "xruns": self.engine.core.jack_xruns(),
                "reconnects": self.reconnects,
                "abandoned_clients": self.abandoned_clients,
                "stalls": self.stalls,
                "rate_changes": self.rate_changes,
                "period_changes": self.period_changes,
                "last_loss": self.last_loss,
                "pipewire": self.pipewire,
                "unconnected": list(self.unconnected),
            }
            if self.interface:
                out["interface"] = {"card": self.interface, "present": self.interface_present(),
                                    "losses": self.interface_losses}
            if client is not None and not self._lost.is_set():
                out.update(
                    client=client.name,
                    sample_rate=client.samplerate,
                    period=client.blocksize,
                    dsp_load=client.cpu_load(),
                )
        return out

    def ports(self) -> dict[str, list[dict[str, Any]]]:
        """Our JACK ports by what they carry — ``ch/N`` (its input), ``main``, ``bus/B`` (an aux mix),
        ``solo`` — each ``{"port": full name, "connections": [the ports connected to it]}``, in port
        order. Empty while we are not connected to a server."""
        layout = self.engine.layout
        owners = [f"ch/{n}" for n in range(1, layout.n_inputs + 1)] + [owner for _, owner in output_ports(layout)]
        with self._lock:  # held across the queries: the client is not closed under them
            client = self.client
            if client is None or self._lost.is_set():
                return {}
            out: dict[str, list[dict[str, Any]]] = {}
            try:
                for owner, port in zip(owners, [*client.inports, *client.outports]):
                    links = [p.name for p in client.get_all_connections(port)]
                    out.setdefault(owner, []).append({"port": port.name, "connections": links})
            except jack.JackError as exc:  # the server went away under us: the supervisor takes over
                log.debug("jack: cannot list connections (%s)", exc)
                return {}
        return out

    def connect_ports(self, pairs: Sequence[tuple[str, str]]) -> list[str]:
        """Connect each (source, destination) pair of full port names that is not connected yet (another
        client's ports too: a link's bridge). Returns the pairs that could not be (their ports missing, the
        server gone), as "source → destination"."""
        with self._lock:
            client = self.client
            if client is None or self._lost.is_set():
                return [f"{src} → {dst}" for src, dst in pairs]
            failed = []
            for src, dst in pairs:
                try:
                    if dst not in (p.name for p in client.get_all_connections(src)):
                        client.connect(src, dst)
                except jack.JackError as exc:
                    log.debug("jack: cannot connect %s → %s (%s)", src, dst, exc)
                    failed.append(f"{src} → {dst}")
            return failed

    def port_names(self, pattern: str) -> list[str]:
        """The full names of the server's ports matching the regular expression ``pattern`` (any client's); empty
        while not connected to a server."""
        with self._lock:
            client = self.client
            if client is None or self._lost.is_set():
                return []
            try:
                return [p.name for p in client.get_ports(pattern)]
            except jack.JackError:
                return []

    def feeders(self, port: str) -> list[str]:
        """The ports connected to ``port`` (a full name); empty while not connected to a server."""
        with self._lock:
            client = self.client
            if client is None or self._lost.is_set():
                return []
            try:
                return [p.name for p in client.get_all_connections(port)]
            except jack.JackError:
                return []

    def interface_present(self) -> bool:
        """Whether the interface's ALSA card is there (always, when jackd runs on no card of ours)."""
        return self.interface is None or (self.asound / self.interface).exists()

    # -- internals --------------------------------------------------------------------------------

    def _open(self) -> None:
        layout = self.engine.layout
        client = open_client(self.client_name, self.spec.name or None)
        try:
            # No Python callbacks on libjack's threads: the core's binding counts xruns and flags a shutdown
            # in C (see jack_process.h), and the supervisor polls it.
            self.engine.set_sample_rate(client.samplerate)
            ins = [client.inports.register(name) for name in input_port_names(layout)]
            outs = [client.outports.register(name) for name in output_port_names(layout)]
            self.engine.core.attach_jack(_addr(client._ptr), [_addr(p._ptr) for p in ins],
                                         [_addr(p._ptr) for p in outs])
            self._lost.clear()
            client.activate()
        except Exception:
            self.engine.core.detach_jack()
            client.close()
            raise
        with self._lock:
            # The Port objects live as long as the client (client.inports/outports keep them).
            self.client = client
            self._watch = (self.engine.core.cycles, time.monotonic(), client.blocksize)
        self._wire(client, ins, outs)
        log.info("jack: %s active at %d Hz, %d frames", client.name, client.samplerate, client.blocksize)

    def _wire(self, client: jack.Client, ins: list, outs: list) -> None:
        missing = []
        for port, source in zip(ins, self.wiring.inputs):
            if source:
                missing += self._connect(client, source, port.name)
        for index, targets in self.wiring.outputs.items():
            for target in targets:
                missing += self._connect(client, outs[index].name, target)
        self.unconnected = missing

    @staticmethod
    def _connect(client: jack.Client, src: str, dst: str) -> list[str]:
        try:
            client.connect(src, dst)
        except jack.JackErrorCode as exc:
            if "already exists" not in str(exc):
                log.warning("jack: cannot connect %s → %s (%s)", src, dst, exc)
                return [f"{src} → {dst}"]
        except jack.JackError as exc:
            log.warning("jack: cannot connect %s → %s (%s)", src, dst, exc)
            return [f"{src} → {dst}"]
        return []

    def _close(self) -> None:
        # The client is taken out under the lock (info() and ports() query it only under the lock, so none
        # is querying it now and none will), then closed without the lock: closing a client whose server
        # died can block in libjack, and /health, the problem finder and shutdown must not wait for that.
        with self._lock:
            client, self.client = self.client, None
        if client is None:
            return
        shutdown = self.engine.core.jack_shutdown()
        if shutdown is not None:
            self._wait_until_gone(shutdown[1])
        closing = threading.Thread(target=self._close_client, args=(client,), name="mixerd-jack-close", daemon=True)
        closing.start()
        closing.join(CLOSE_TIMEOUT)
        if not closing.is_alive():
            # Only now is JACK's thread guaranteed not to be inside the callback.
            self.engine.core.detach_jack()
            return
        # Abandoned: the thread keeps the client (a Client that is collected closes itself) and ends if the
        # close ever returns. The core's binding is retired and leaked, never freed under libjack's thread.
        # (If the hung close holds libjack's open mutex, the reconnect waits on it too: /health says so, and
        # under systemd the watchdog, petted only while audio runs, restarts mixerd.)
        self.abandoned_clients += 1
        log.warning("jack: closing the client of a dead server hangs in libjack; abandoning it (%d so far)",
                    self.abandoned_clients)
        if not self.engine.core.abandon_jack():
            log.warning("jack: the abandoned client's callback never left the core; retired it anyway")

    @staticmethod
    def _close_client(client: jack.Client) -> None:
        try:
            client.deactivate()
            client.close()
        except Exception:  # nobody waits for this thread: report here
            log.exception("jack: closing the client failed")

    @staticmethod
    def _wait_until_gone(tid: int) -> None:
        """Wait (bounded) until the thread ``tid`` of this process has ended."""
        deadline = time.monotonic() + NOTIFIER_TIMEOUT
        while os.path.exists(f"/proc/self/task/{tid}"):
            if time.monotonic() > deadline:
                log.warning("jack: libjack's thread %d is still running %.0f s after the shutdown; closing anyway",
                            tid, NOTIFIER_TIMEOUT)
                return
            time.sleep(0.01)

    def _check_shutdown(self) -> None:
        # JACK's shutdown callback only sets a flag in the core's binding (C, libjack's thread); the rest is
        # done here, in the supervisor's thread, and the close waits for that libjack thread to end (see
        # NOTIFIER_TIMEOUT).
        shutdown = self.engine.core.jack_shutdown()
        if shutdown is not None and not self._lost.is_set():
            log.warning("jack: server shut our client down: %s", shutdown[0])
            self._lose(f"the server shut mixerd's client down ({shutdown[0]})")

    def _lose(self, why: str) -> None:
        self.last_loss = why
        self._lost.set()

    def _watch_running(self) -> None:
        """One look at a running client (the supervisor's, every POLL_INTERVAL): audio that stands still for
        STALL_TIMEOUT, or a new sample rate, make the server lost (a reconnect re-makes everything for the
        rate); a new period is followed by the core by itself and only logged."""
        with self._lock:
            client = self.client
            if client is None or self._lost.is_set():
                return
            try:
                rate, period = client.samplerate, client.blocksize
            except jack.JackError:
                return
        now, cycles = time.monotonic(), self.engine.core.cycles
        if self._watch is None:
            self._watch = (cycles, now, period)
            return
        last_cycles, moved_at, last_period = self._watch
        if period != last_period:
            self.period_changes += 1
            log.info("jack: the period is now %d frames (was %d); the core follows it", period, last_period)
        if cycles != last_cycles:
            moved_at = now
        self._watch = (cycles, moved_at, period)
        if rate != self.engine.sample_rate:
            self.rate_changes += 1
            log.warning("jack: the sample rate changed to %d Hz (was %d); re-opening mixerd's client to re-make "
                        "everything rate-dependent", rate, self.engine.sample_rate)
            self._lose(f"the sample rate changed to {rate} Hz")
        elif now - moved_at >= STALL_TIMEOUT["pipewire" if self.pipewire else "jackd"]:
            self.stalls += 1
            log.warning("jack: no audio cycle for %.1f s though the server reported nothing (PipeWire's JACK does "
                        "not when it stops); taking the server for lost and reconnecting", now - moved_at)
            self._lose(f"the audio stood still for {now - moved_at:.1f} s without a word from the server")

    def _supervise(self) -> None:
        delay = 0.5
        noticed = False  # the interface's loss was already counted
        while not self._stop.is_set():
            if not self._lost.wait(POLL_INTERVAL):
                self._check_shutdown()
                self._watch_running()
                if self.own_server and not self.interface_present():
                    # The card vanished under a running jackd: it can only fail from here on.
                    log.warning("jack: the interface %s disappeared; stopping our jackd", self.interface)
                    self.interface_losses += 1
                    noticed = True
                    self._lose(f"the interface {self.interface} disappeared")
                    self._close()
                    self.own_server.stop()
                continue
            if self._stop.is_set():
                return
            self._close()
            if self.own_server and not self.interface_present():
                # Unplugged: jackd cannot open it; wait for it to come back instead of failing in a loop.
                if not noticed:
                    self.interface_losses += 1
                log.warning("jack: the interface %s is gone (unplugged?); waiting for it to come back", self.interface)
                while not self.interface_present():
                    if self._stop.wait(0.25):
                        return
                log.info("jack: the interface %s is back", self.interface)
            noticed = False
            try:
                if self.own_server and not self.own_server.alive:
                    log.warning("jack: our jackd died (%s); restarting it", self.own_server.last_output())
                    self.own_server.start()
                self._open()
                self.reconnects += 1
                delay = 0.5
                log.info("jack: reconnected (after: %s)", self.last_loss)
            except Exception as exc:  # keep trying with backoff; the daemon must outlive JACK
                log.warning("jack: reconnect failed (%s); retrying in %.1f s", exc, delay)
                self._lost.set()
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, 5.0)
