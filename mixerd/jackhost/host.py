"""The JACK host: runs the engine's core inside a JACK client, wires its ports, survives restarts.

The core's C process callback is installed on the JACK-Client ``Client`` before ``activate()``; no
Python runs in JACK's realtime thread. If the server goes away, a supervisor thread reconnects
(restarting our own jackd if we started it) and the core carries on with the mix it had.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jack

from mixerd.engine import Engine
from mixerd.jackhost.server import JackServer, JackServerError, ServerSpec, server_running
from mixerd.model.layout import Layout
from mixerd.system.children import ChildRecord

log = logging.getLogger(__name__)

START_MODES = ("auto", "always", "never")


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
        self.asound = asound
        self.interface_losses = 0
        # Where the jackd we start is noted (the state directory), so that a start after a kill -9 stops
        # one that outlived us before asking whether a server runs.
        self.record = record
        self.own_server: JackServer | None = None
        self.client: jack.Client | None = None
        self.xruns = 0
        self.reconnects = 0
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
        if running and self.start_mode == "always":
            raise JackServerError(f"a JACK server named {self.spec.name or 'default'!r} is already running "
                                  "and jack.start_server is 'always'; stop it or use 'auto'")
        if not running:
            if self.start_mode == "never":
                raise JackServerError(f"no JACK server named {self.spec.name or 'default'!r} is running and "
                                      "mixerd is not to start one (jack.autostart = \"off\" or jack.start_server "
                                      "= \"never\"); start jackd (mixerd-jackd.service) or let mixerd start it")
            self.own_server = JackServer(self.spec, self.record)
            self.own_server.start()
        self._open()
        self._stop.clear()
        self._supervisor = threading.Thread(target=self._supervise, name="mixerd-jack-supervisor", daemon=True)
        self._supervisor.start()

    def stop(self) -> None:
        """Deactivate and close our client, then stop jackd if we started it."""
        self._stop.set()
        self._lost.set()
        if self._supervisor:
            self._supervisor.join(timeout=10)
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
                "xruns": self.xruns,
                "reconnects": self.reconnects,
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

    def interface_present(self) -> bool:
        """Whether the interface's ALSA card is there (always, when jackd runs on no card of ours)."""
        return self.interface is None or (self.asound / self.interface).exists()

    # -- internals --------------------------------------------------------------------------------

    def _open(self) -> None:
        layout = self.engine.layout
        client = jack.Client(self.client_name, no_start_server=True, servername=self.spec.name or None)
        try:
            client.set_xrun_callback(self._on_xrun)
            client.set_shutdown_callback(self._on_shutdown)
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
        # died can block in libjack for a long time, and /health, the problem finder and shutdown must not
        # wait for that.
        with self._lock:
            client, self.client = self.client, None
        if client is None:
            return
        try:
            client.deactivate()
            client.close()
        finally:
            # Only now is JACK's thread guaranteed not to be inside the callback.
            self.engine.core.detach_jack()

    def _on_xrun(self, delayed_usecs: float) -> None:
        self.xruns += 1

    def _on_shutdown(self, status: jack.Status, reason: str) -> None:
        # Called from JACK's thread like a signal handler: only flag it, the supervisor does the rest.
        log.warning("jack: server shut our client down: %s", reason)
        self._lost.set()

    def _supervise(self) -> None:
        delay = 0.5
        noticed = False  # the interface's loss was already counted
        while not self._stop.is_set():
            if not self._lost.wait(0.5):
                if self.own_server and not self.interface_present():
                    # The card vanished under a running jackd: it can only fail from here on.
                    log.warning("jack: the interface %s disappeared; stopping our jackd", self.interface)
                    self.interface_losses += 1
                    noticed = True
                    self._lost.set()
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
                log.info("jack: reconnected")
            except Exception as exc:  # keep trying with backoff; the daemon must outlive JACK
                log.warning("jack: reconnect failed (%s); retrying in %.1f s", exc, delay)
                self._lost.set()
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, 5.0)
