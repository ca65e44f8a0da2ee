"""Every audio link of the config (``[[link]]``): its engine's processes started, watched and restarted, their JACK
ports connected to the mixer's, and what each link does — state, latency, dropouts — for /health, the trace and
the problem finder (``link_down``, ``link_dropouts``).

A link that sends starts ``zita-j2n`` with one port per channel it carries, fed by the mixer's ports for them: a
mix's or the main's output ports, or for a channel whatever feeds its input (the interface's input, a player, a
test's probe: re-read every turn, so a re-patched input is followed). A link that receives starts ``zita-n2j``,
whose ports feed the mixer inputs set aside for the link (the channels after the interface's, named after it).
A process that ends — killed, its server restarted, the program missing — is started again after a pause that
grows to ``RESTART_MAX_S``; ports are connected again whenever one is missing. A netjack2 link
(``mixerd.links.netjack``) is one end carrying both directions, its internal client kept loaded the same way.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from mixerd.config import LinkConfig
from mixerd.diagnostics.problems import Problem
from mixerd.links.netjack import MANAGER, Loader, NetjackEnd, manager_options
from mixerd.links.zita import PROGRAMS, ZitaEnd
from mixerd.model.layout import Layout

log = logging.getLogger(__name__)

TURN_S = 0.5           # how often the supervisor looks
RESTART_MIN_S, RESTART_MAX_S = 1.0, 10.0
DOWN_AFTER_S = 5.0     # a receiver not receiving this long (or a sender not running) is down
DROPOUT_WINDOW_S = 60.0
_WAITING = {"waiting": "waiting for the other box", "syncing": "locking onto the other box's clock",
            "starting": "starting", "stopped": "not running"}
_NETJACK_FIX = {True: "check that the other box runs with this link (the same name, its peer this box's address, "
                      "UDP port {}); mixerd keeps netjack2 loaded by itself",
                False: "check that the master box ({}) runs with this link (the same name) and that UDP port {} "
                       "reaches it; mixerd loads netjack2 again by itself"}
_DOWN_FIX = {True: "check that the other box runs and sends to this one (UDP ports {}, {}); mixerd restarts the "
                   "bridge by itself",
             False: "mixerd restarts the bridge by itself; if it keeps failing see the log (journalctl -u mixerd)"}


class LinkError(ValueError):
    """A ``[[link]]`` that cannot work with this mixer (a source it does not have); says what it has."""


class Ports(Protocol):
    """The JACK operations a link needs (``mixerd.jackhost.JackHost`` has them)."""

    client_name: str

    def connect_ports(self, pairs: Sequence[tuple[str, str]]) -> list[str]: ...

    def feeders(self, port: str) -> list[str]: ...

    def port_names(self, pattern: str) -> list[str]: ...

    def info(self) -> dict[str, Any]: ...


def link_channel_names(links: Sequence[LinkConfig]) -> tuple[str, ...]:
    """The names of the channels the links receive, in order: ``"stage 1"``, ``"stage 2"``…"""
    return tuple(f"{link.name} {k}" for link in links for k in range(1, link.receive + 1))


@dataclass(frozen=True)
class Source:
    """One thing a link sends: its owner (``ch/3``, ``bus/2``, ``main``) and the mixer ports it comes from — an
    output port of ours, or (``feeds`` set) the input port whose feeders carry it."""

    owner: str
    port: str
    feeds: bool = False


def plan_sources(link: LinkConfig, layout: Layout, client: str) -> list[Source]:
    """The ports ``link`` sends, one per channel it carries, in order; LinkError for a source this mixer has not."""
    out = []
    mixes = [f"bus/{b}" for b, bus in enumerate(layout.buses, start=1) if bus.is_aux]
    for owner in link.send:
        kind, _, number = owner.partition("/")
        if owner == "main":
            out += [Source(owner, f"{client}:main_L"), Source(owner, f"{client}:main_R")]
        elif kind == "ch" and 1 <= int(number) <= layout.n_inputs:
            out.append(Source(owner, f"{client}:in_{number}", feeds=True))
        elif owner in mixes:
            bus = layout.buses[int(number) - 1]
            names = [f"bus_{number}_L", f"bus_{number}_R"] if bus.stereo else [f"bus_{number}"]
            out += [Source(owner, f"{client}:{name}") for name in names]
        else:
            raise LinkError(f"link {link.name!r} sends {owner}, which this mixer does not have; it can send "
                            f"ch/1…ch/{layout.n_inputs}, {', '.join(mixes) + ', ' if mixes else ''}main "
                            "(a group or FX bus has no output of its own)")
    return out


class Link:
    """One ``[[link]]``: its sending and receiving ends and the mixer inputs its channels feed."""

    def __init__(self, config: LinkConfig, sources: list[Source], first_input: int, server: str | None,
                 clock: Callable[[], float], manager: Loader | None = None, rate: Callable[[], int] = lambda: 48000):
        self.config = config
        self.sources = sources
        self.inputs = list(range(first_input, first_input + config.receive))  # the mixer's channel numbers
        self.sender = self.receiver = self.netjack = None
        if config.engine == "netjack2":
            self.netjack = NetjackEnd(config, server, len(sources), manager, rate, clock)
        else:
            self.sender = ZitaEnd(config, "send", server, len(sources), clock) if sources else None
            self.receiver = ZitaEnd(config, "receive", server, config.receive, clock) if config.receive else None
        self.next_start = {"send": 0.0, "receive": 0.0}
        self.pause = {"send": RESTART_MIN_S, "receive": RESTART_MIN_S}
        self.unconnected: list[str] = []

    @property
    def ends(self) -> list[ZitaEnd | NetjackEnd]:
        return [end for end in (self.sender, self.receiver, self.netjack) if end is not None]


class Links:
    """The links of one mixer; ``start()``/``stop()`` with it, ``status()`` and ``problems()`` while it runs."""

    def __init__(self, links: Sequence[LinkConfig], layout: Layout, ports: Ports, *, server: str | None,
                 first_input: int, clock: Callable[[], float] = time.monotonic):
        self.ports = ports
        self._clock = clock
        self.links: list[Link] = []
        masters = [c for c in links if c.engine == "netjack2" and not c.peer]
        #: the netmanager of the netjack2 links this box is the master of (they share one port: config.py)
        self.manager = Loader(MANAGER, "netmanager", lambda: manager_options(masters[0].port), server) \
            if masters else None
        at = first_input
        for config in links:
            self.links.append(Link(config, plan_sources(config, layout, ports.client_name), at, server, clock,
                                   self.manager, self._rate))
            at += config.receive
        # What netjack2 says of a joining box's stream is in jackd's output, whose lines do not say which adapter
        # speaks: read for the one adapter of this box (from a jackd mixerd started: no other prints here).
        joining = [link.netjack for link in self.links if link.netjack is not None and not link.netjack.master]
        if len(joining) == 1 and hasattr(ports, "server_output"):
            ports.server_output.append(self._server_line)
            self._reader = joining[0]
        else:
            self._reader = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.links and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="mixerd-links", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)
        for link in self.links:
            for end in link.ends:
                end.stop()
        if self.manager is not None:
            self.manager.stop()

    def _rate(self) -> int:
        return self.ports.info().get("sample_rate") or 48000

    def _server_line(self, line: str) -> None:
        """A line of jackd's output (the jackd's reader thread): the joining netjack2 end's stream."""
        if self._reader is not None:
            self._reader.reads_output = True
            self._reader.stream.read(line, self._clock())

    # -- what the links do ------------------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        """Each link: where it goes, and per end whether it runs, what it carries and (receiving) the stream's
        state, its latency and its dropouts."""
        now, rate = self._clock(), self.ports.info().get("sample_rate")
        return [self._link_status(link, now, rate) for link in self.links]

    def problems(self) -> list[Problem]:
        """Per link, the worse of: ``link_down`` (an end that has not worked for 5 s: the sender not running, the
        receiver not receiving), ``link_dropouts`` (an end that dropped out in the last minute)."""
        now, out = self._clock(), []
        for link in self.links:
            down = [why for end in link.ends if (why := self._down(link, end, now))]
            if down:
                c = link.config
                if link.netjack is not None:
                    fix = _NETJACK_FIX[link.netjack.master].format(*((c.port,) if link.netjack.master
                                                                     else (c.peer, c.send_port)))
                else:
                    fix = _DOWN_FIX[link.receiver is not None].format(c.port, c.port + 1)
                out.append(Problem("link_down", _address(link), f"Link {c.name}: " + "; ".join(down), fix,
                                   stage="input", details={"link": c.name}))
                continue
            dropped = sum(end.stream.dropouts_since(now - DROPOUT_WINDOW_S) for end in link.ends)
            if dropped:
                out.append(Problem(
                    "link_dropouts", _address(link), f"Link {link.config.name}: {dropped} dropout"
                    f"{'s' if dropped != 1 else ''} in the last minute (the stream ran dry, or a bridge restarted)",
                    f"raise link.buffer_ms (now {link.config.buffer_ms} ms) in the config, or keep other traffic "
                    "off the network between the boxes", stage="input",
                    details={"link": link.config.name, "dropouts": dropped}))
        return out

    @staticmethod
    def _down(link: Link, end: ZitaEnd | NetjackEnd, now: float) -> str | None:
        """Why ``end`` does not work (for ``DOWN_AFTER_S``), or None."""
        stream = end.stream
        if isinstance(end, NetjackEnd):
            if end.alive and stream.state in ("receiving", "running") or now - stream.since <= DOWN_AFTER_S:
                return None
            if not end.alive and end.last_exit:
                what = end.last_exit
            elif end.master:
                what = "waiting for the other box to join"
            else:
                what = f"waiting for the master at {link.config.peer}" if stream.state == "waiting" \
                    else _WAITING.get(stream.state, stream.state)
            return f"not connected for {now - stream.since:.0f} s ({what})"
        if end.role == "send":
            if end.alive or now - stream.since <= DOWN_AFTER_S:
                return None
            return f"sends nothing to {link.config.peer} ({end.last_exit or PROGRAMS['send'] + ' is not running'})"
        if stream.state == "receiving" or now - stream.since <= DOWN_AFTER_S:
            return None
        what = end.last_exit if not end.alive and end.last_exit else _WAITING.get(stream.state, stream.state)
        return f"nothing received for {now - stream.since:.0f} s ({what})"

    # -- the supervisor ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            for link in self.links:
                for end in link.ends:
                    try:
                        self._tend(link, end)
                    except Exception:  # the supervisor must outlive anything one link does
                        log.exception("link %s: supervising its %s end failed", link.config.name, end.role)
            self._stop.wait(TURN_S)

    def _tend(self, link: Link, end: ZitaEnd | NetjackEnd) -> None:
        if isinstance(end, NetjackEnd):
            self._tend_netjack(link, end)
            return
        now = self._clock()
        if not end.alive:
            if end.starts and end.last_exit is None:
                log.warning("link %s: %s; starting it again", link.config.name, end.exited())
                end.stream.restarted(now)
            if now < link.next_start[end.role]:
                return
            try:
                end.start()
                log.info("link %s: started %s (%s)", link.config.name, PROGRAMS[end.role], " ".join(end.argv()))
            except OSError as exc:
                end.last_exit = f"{PROGRAMS[end.role]} cannot be started: {exc.strerror or exc}"
                log.warning("link %s: %s", link.config.name, end.last_exit)
            link.next_start[end.role] = now + link.pause[end.role]
            link.pause[end.role] = min(link.pause[end.role] * 2, RESTART_MAX_S)
            return
        end.last_exit = None
        if end.role == "receive" and end.stream.state == "receiving":
            link.pause["receive"] = RESTART_MIN_S  # it works: the next failure is retried soon again
        elif end.role == "send" and now - end.stream.since > DOWN_AFTER_S:
            link.pause["send"] = RESTART_MIN_S
        link.unconnected = self.ports.connect_ports(self._pairs(link, end))

    def _tend_netjack(self, link: Link, end: NetjackEnd) -> None:
        now, loader = self._clock(), end.loader
        if not loader.alive:
            if loader.starts and loader.last_exit is None:
                log.warning("link %s: %s; loading it again", link.config.name, loader.exited())
                # loading again cuts the stream of every link the loader carries (the manager: all it masters)
                for other in self.links:
                    if other.netjack is not None and other.netjack.loader is loader:
                        other.netjack.stream.restarted(now)
            if now < loader.next_start:
                return
            try:
                loader.start()
                log.info("link %s: loading %s (%s)", link.config.name, loader.module, " ".join(loader.argv()))
            except OSError as exc:
                loader.last_exit = f"{loader.module} cannot be loaded: {exc.strerror or exc}"
                log.warning("link %s: %s", link.config.name, loader.last_exit)
            loader.pause = min(max(loader.pause * 2, RESTART_MIN_S), RESTART_MAX_S)
            loader.next_start = now + loader.pause
            return
        loader.last_exit = None
        names = self.ports.port_names("^" + re.escape(end.client_name + ":"))
        if end.master:
            end.stream.seen(bool(names), now)
            # what the joining box carries, by its client's ports (a mismatch with this link is shown)
            end.stream.sender_channels = sum("from_slave_" in name for name in names) if names else None
            end.other_receives = sum("to_slave_" in name for name in names) if names else None
        elif not end.reads_output:
            end.stream.to_state("running" if names else "starting", now)
        if end.stream.state == "receiving":
            loader.pause = 0.0  # it works: the next failure is retried soon again
        link.unconnected = self.ports.connect_ports(self._pairs(link, end)) if names else []

    def _pairs(self, link: Link, end: ZitaEnd | NetjackEnd) -> list[tuple[str, str]]:
        if isinstance(end, NetjackEnd):
            pairs = [(port, f"{self.ports.client_name}:in_{n}") for port, n in zip(end.recv_ports, link.inputs)]
            for source, port in zip(link.sources, end.send_ports):
                pairs += [(feeder, port) for feeder in
                          (self.ports.feeders(source.port) if source.feeds else [source.port])]
            return pairs
        client = end.client_name
        if end.role == "receive":
            return [(f"{client}:out_{k}", f"{self.ports.client_name}:in_{n}") for k, n in enumerate(link.inputs, 1)]
        pairs = []
        for k, source in enumerate(link.sources, start=1):
            feeders = self.ports.feeders(source.port) if source.feeds else [source.port]
            pairs += [(port, f"{client}:in_{k}") for port in feeders]
        return pairs

    def _link_status(self, link: Link, now: float, rate: int | None) -> dict[str, Any]:
        c = link.config
        out: dict[str, Any] = {"name": c.name, "engine": c.engine, "peer": c.peer or None, "unconnected": link.unconnected}
        if link.netjack is not None:
            return self._netjack_status(link, link.netjack, out, now, rate)
        if link.sender is not None:
            out["send"] = {"running": link.sender.alive, "to": f"{c.peer}:{c.send_port}",
                           "sources": [s.owner for s in link.sources], "channels": len(link.sources),
                           "starts": link.sender.starts, "last_exit": link.sender.last_exit}
        if link.receiver is not None:
            s = link.receiver.stream
            latency = None
            if rate:
                # zita-n2j holds its buffer at the extra buffer plus its resampler's delay after the packets' arrival
                latency = round((s.filter_delay or 0) / rate * 1000 + c.buffer_ms, 2)
            out["receive"] = {"running": link.receiver.alive, "state": s.state, "for_s": round(now - s.since, 1),
                              "from": s.sender, "port": c.port, "channels": [f"ch/{n}" for n in link.inputs],
                              "sender_rate": s.sender_rate, "latency_ms": latency, "buffer_ms": c.buffer_ms,
                              "dropouts": s.dropouts, "dropouts_last_minute": s.dropouts_since(now - DROPOUT_WINDOW_S),
                              "resyncs": s.resyncs, "min_frames": s.min_frames, "ratio": s.ratio,
                              "starts": link.receiver.starts, "last_exit": link.receiver.last_exit}
        return out


    def _netjack_status(self, link: Link, end: NetjackEnd, out: dict[str, Any], now: float,
                        rate: int | None) -> dict[str, Any]:
        """A netjack2 link's status, in the shape of a zita link's (``send``/``receive``), and its ``role``."""
        c, s = link.config, end.stream
        period = self.ports.info().get("period")
        latency = end.latency_ms(period, rate) if rate and period else None
        connected = end.alive and s.state in ("receiving", "running")
        out["role"] = "master" if end.master else "joins"
        if end.master and s.sender_channels is not None:
            out["other_box"] = {"sends": s.sender_channels, "receives": end.other_receives}
        if link.sources:
            to = f"{c.peer}:{c.send_port}" if c.peer else f"the box joining on UDP {c.port}"
            out["send"] = {"running": connected, "to": to,
                           "sources": [src.owner for src in link.sources], "channels": len(link.sources),
                           "starts": end.starts, "last_exit": end.last_exit}
        if link.inputs:
            out["receive"] = {"running": end.alive, "state": s.state, "for_s": round(now - s.since, 1),
                              "from": s.sender or c.peer or None, "port": c.port,
                              "channels": [f"ch/{n}" for n in link.inputs], "sender_rate": None,
                              "latency_ms": latency, "buffer_ms": c.buffer_ms, "dropouts": s.dropouts,
                              "dropouts_last_minute": s.dropouts_since(now - DROPOUT_WINDOW_S), "resyncs": s.resyncs,
                              "min_frames": None, "ratio": None, "starts": end.starts, "last_exit": end.last_exit}
        return out


def _address(link: Link) -> str:
    """Where a link's problem shows: its first received channel, else the first thing it sends."""
    if link.inputs:
        return f"ch/{link.inputs[0]}"
    return link.sources[0].owner if link.sources else "audio"
