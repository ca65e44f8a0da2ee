"""OscServer: mixerd on UDP in the Behringer X AIR dialect, so the apps made for X AIR mixers drive it.

    app ──datagram──▶ allow? ─▶ /xinfo /info /status ──────────────────────▶ answered at once
                              ─▶ /ch/01/mix/fader (no argument) ─ XAirMap ─▶ the value, to the asker
                              ─▶ /ch/01/mix/fader 0.75 ─ XAirMap ─▶ ChangeWorker ─▶ control.set(origin "osc")
                              ─▶ /xremote, /xremotenfb ─▶ Remotes ◀─ control's event stream (any front end)
                              ─▶ /meters, /batchsubscribe, /subscribe, /renew, /unsubscribe ─▶ Feeds ◀─ tick
                              ─▶ /node ,s "ch/01/mix" ─ NodeTable ─▶ the node as a line of text, to the asker
                              ─▶ / ,s "/ch/01/mix OFF -6" ─ NodeTable ─▶ ChangeWorker (one step a line)
                              ─▶ /-snap/load 2 ─ Snapshots ─▶ ChangeWorker ─▶ scenes.recall_scene

Threads: one runs an asyncio loop that owns the socket, the subscriptions and every send; nothing in it polls.
It follows the control core's events only while some client follows (``/xremote``), and ticks (50 ms, one
meter frame read per tick shared by every subscriber) only while some data subscription lives. Changes are
applied by the ``ChangeWorker``'s thread, because the control core answers only once a change is on disk.

Everything an app changes goes through the control core: validated once, one undo step per drag (the actor is
``osc:<ip>:<port>``), an event every other front end sees. What is refused (validation, ``[osc] read_only``,
``mixes``) is ignored, as an X AIR ignores what it cannot do, and logged once per client (debug) and counted.
The X AIR paths and value encodings are ``XAirMap``'s (``mixerd.osc.xair``), the nodes' text ``NodeTable``'s
(``mixerd.osc.nodes``), the snapshots ``Snapshots``' (``mixerd.osc.snapshots``); this module only serves them.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any, Callable, Hashable

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder

from mixerd.control.events import Event, Lagged, Notice
from mixerd.osc.access import OscAccess
from mixerd.osc.changes import ChangeWorker
from mixerd.osc.meters import TICK_S, MeterBanks
from mixerd.osc.nodes import NodeTable
from mixerd.osc.snapshots import INDEX, LOAD, NAME, SnapshotError, Snapshots
from mixerd.osc.subscriptions import Feeds, Remotes

log = logging.getLogger(__name__)

#: What mixerd says it is: the model and firmware X AIR apps look for (1.17 is what the apps and client
#: libraries were written against), and the OSC server version an X AIR puts first in ``/info``.
MODEL = "XR18"
FIRMWARE = "1.17"
SERVER_VERSION = "V0.04"
#: Bytes of datagrams the socket holds while the thread is busy (asked for; the kernel may give less).
RECV_BUFFER = 1 << 20
#: Datagrams read per wake-up before the loop looks at its other work (a flood must not starve the senders).
RECV_BURST = 256
#: Changes that may wait for the sender; a longer backlog is dropped and every follower gets the whole state.
EVENT_BACKLOG = 16384
METERS_PREFIX = "/meters/"

Client = tuple  # the sender's address as the socket reports it: (host, port), with flow and scope for IPv6


class FirstTime:
    """Whether a key (a client, a sender) shows up for the first time: log once per source. Remembers at most
    ``limit`` keys, so a flood of forged senders cannot grow it."""

    def __init__(self, limit: int = 1024):
        self._seen: set[Hashable] = set()
        self._limit = limit
        self._lock = threading.Lock()

    def __call__(self, key: Hashable) -> bool:
        with self._lock:
            if key in self._seen or len(self._seen) >= self._limit:
                return False
            self._seen.add(key)
            return True


def encode(path: str, *args: tuple[str, Any]) -> bytes:
    """One OSC message: ``args`` are (tag, value) pairs, tag ``f``, ``i``, ``s`` or ``b``."""
    builder = OscMessageBuilder(path)
    for tag, value in args:
        builder.add_arg(value, tag)
    return builder.build().dgram


def messages(data: bytes) -> list[OscMessage]:
    """The messages of a datagram (a bundle's, in order); raises on anything that is not OSC."""
    if OscBundle.dgram_is_bundle(data):
        found: list[OscMessage] = []
        for item in OscBundle(data):
            found += messages(item.dgram)
        return found
    return [OscMessage(data)]


class OscServer:
    """Serves ``control`` to X AIR apps on UDP (``config`` is an ``OscConfig``); ``xmap`` (an ``XAirMap``) maps
    X AIR paths to mixerd addresses and values. ``name`` is what discovery shows; ``clock`` (monotonic seconds)
    times the subscriptions; ``scenes`` (a ``SceneService``) serves the snapshots."""

    def __init__(self, control, config, xmap, *, name: str = "mixerd", clock: Callable[[], float] = time.monotonic,
                 scenes=None):
        self.control = control
        self.snapshots = Snapshots(scenes) if scenes is not None else None  # /-snap/… (None: no scene service)
        self._snap_shown: tuple | None = None  # (index, name) the followers were last sent
        self.config = config
        self.map = xmap
        self.name = name
        self.access = OscAccess.from_config(control.tree.layout, config)
        self.remotes = Remotes(clock)
        self.feeds = Feeds(clock)
        self.meters = MeterBanks(xmap)
        self.nodes = NodeTable(xmap)  # /node and / (text)
        self._worker = ChangeWorker(control, self._refused)
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sub = None  # the control's event stream, while anybody follows
        self._follower: asyncio.Task | None = None  # the task sending it (held: the loop keeps only weak references)
        self._skip_through = 0  # events up to this seq are in the state a resync sent
        self._ticker: asyncio.TimerHandle | None = None
        self._tick = 0
        self._next_tick = 0.0  # loop time of the next tick
        self._denied = FirstTime()
        self._refusal_logged = FirstTime()
        self._local_ips: dict[str, str] = {}
        self._stats_lock = threading.Lock()
        self.stats = {"received": 0, "answered": 0, "changes": 0, "refused": 0, "denied": 0, "malformed": 0,
                      "unknown": 0, "sent": 0, "dropped": 0, "resyncs": 0}

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the UDP socket (OSError if the port is taken) and start serving."""
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            # No SO_REUSEADDR: a second mixerd on the port must fail here, not share the datagrams.
            sock.bind((self.config.host, self.config.port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        # Room for the bursts apps send (every value asked for at connect, a fast drag): capped by net.core.rmem_max.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECV_BUFFER)
        self._sock = sock
        self._worker.start()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="mixerd-osc", daemon=True)
        self._thread.start()
        ready.wait()
        host, port = self.address
        log.info("osc: X AIR apps may connect on udp %s:%d (as %s %s, firmware %s)%s", host, port, MODEL, self.name,
                 FIRMWARE, " — read-only" if self.config.read_only else "")

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(self._shutdown)
            thread.join(timeout=10)
        self._worker.stop()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._loop = self._thread = None

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port)."""
        assert self._sock is not None, "the server is not started"
        host, port = self._sock.getsockname()[:2]
        return host, port

    @property
    def ticking(self) -> bool:
        """Whether the 50 ms tick runs (only while some data subscription lives)."""
        return self._ticker is not None

    def status(self) -> dict[str, Any]:
        """Facts for health pages: where it listens, who follows, and the counters."""
        host, port = self.address if self._sock is not None else (self.config.host, self.config.port)
        return {"listening": f"{host}:{port}", "read_only": self.config.read_only, "mixes": list(self.config.mixes),
                "followers": len(self.remotes), "subscriptions": len(self.feeds), "ticks": self._tick,
                "changes_applied": self._worker.applied,
                "changes_merged": self._worker.merged,  # a drag's positions overtaken while waiting
                "changes_dropped": self._worker.dropped, **self.stats}

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        asyncio.set_event_loop(loop)
        loop.add_reader(self._sock, self._on_readable)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            loop.remove_reader(self._sock)
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def _shutdown(self) -> None:
        self._unfollow()
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        self._loop.stop()

    # -- receiving ------------------------------------------------------------------------------------

    def _on_readable(self) -> None:
        for _ in range(RECV_BURST):
            try:
                data, client = self._sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error for an earlier send; nothing to read
                continue
            try:
                # The whole address: an IPv6 link-local client is answered through its scope.
                self._datagram(data, client)
            except Exception:  # a bug must not stop the server
                log.exception("osc: error handling a datagram from %s:%d", client[0], client[1])

    def _datagram(self, data: bytes, client: Client) -> None:
        self._count("received")
        if not self.access.permits(client[0]):
            self._count("denied")
            if self._denied(client[0]):
                log.warning("osc: ignoring datagrams from %s: not in [osc] allow (%s)", client[0],
                            ", ".join(self.config.allow))
            return
        try:
            found = messages(data)
        except Exception:  # whatever python-osc raises on bytes that are not OSC: the sender's problem
            self._count("malformed")
            if self._refusal_logged(("malformed", client)):
                log.debug("osc: %s:%d sent a datagram that is not OSC", client[0], client[1])
            return
        for message in found:
            self._message(message.address, message.params, client)

    def _message(self, path: str, args: list[Any], client: Client) -> None:
        handler = self._HANDLERS.get(path)
        if handler is not None:
            handler(self, args, client)
            return
        if self.snapshots is not None and self.snapshots.handles(path):
            self._snapshot(path, args, client)
            return
        binding = self.map.binding(path)
        if binding is None:  # ignored, as an X AIR ignores a path it does not have
            self._unknown(client, self.map.explain(path))
            return
        if not args:
            self._reply(client, self._value_message(binding))
        else:
            self._change(binding, args[0], client)

    # -- what an X AIR answers ------------------------------------------------------------------------

    def _xinfo(self, args: list[Any], client: Client) -> None:
        self._reply(client, encode("/xinfo", ("s", self._local_ip(client[0])), ("s", self.name), ("s", MODEL),
                                   ("s", FIRMWARE)))

    def _info(self, args: list[Any], client: Client) -> None:
        self._reply(client, encode("/info", ("s", SERVER_VERSION), ("s", self.name), ("s", MODEL), ("s", FIRMWARE)))

    def _status(self, args: list[Any], client: Client) -> None:
        self._reply(client, encode("/status", ("s", "active"), ("s", self._local_ip(client[0])), ("s", self.name)))

    def _local_ip(self, host: str) -> str:
        """The address of this machine the client reaches it by (what /xinfo reports)."""
        bound = self.address[0]
        if bound not in ("0.0.0.0", "::"):
            return bound
        ip = self._local_ips.get(host)
        if ip is None:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                try:
                    probe.connect((host, 9))  # picks the route; nothing is sent
                    ip = probe.getsockname()[0].removeprefix("::ffff:")
                except OSError:
                    ip = bound
            if len(self._local_ips) < 1024:
                self._local_ips[host] = ip
        return ip

    # -- values and changes ---------------------------------------------------------------------------

    def _value_message(self, binding, value: Any = None, address: str | None = None) -> bytes:
        """``binding``'s current value as its X AIR message (with ``value`` for ``address``: one just changed)."""
        get = self.control.get if address is None else (lambda a: value if a == address else self.control.get(a))
        return encode(binding.path, (binding.tag, binding.read(get)))

    def _change(self, binding, arg: Any, client: Client) -> None:
        changes = self._checked(binding, arg, client)
        if changes is not None:
            self._count("changes")
            self._worker.submit(actor_of(client), changes, client, binding.path)

    def _checked(self, binding, arg: Any, client: Client) -> dict[str, Any] | None:
        """The mixerd changes ``arg`` written to ``binding`` makes; None when refused (said and counted)."""
        why = self.access.refusal(binding.addresses)
        if why is None:
            try:
                return binding.changes(arg)
            except ValueError as exc:  # the map's OscArgError: wrong type, off the X AIR's range, refused by mixerd
                why = str(exc)
        self._refused(client, binding.path, why)
        return None

    def _unknown(self, client: Client, what: str) -> None:
        """A path mixerd does not have: ignored, as an X AIR ignores it; said once per client (debug), counted."""
        self._count("unknown")
        if self._refusal_logged(("unknown", client)):
            log.debug("osc: %s (from %s:%d; its further unknown paths are only counted)", what, client[0], client[1])

    def _refused(self, client: Client, path: str, why: str) -> None:
        """A change not applied: ignored, as an X AIR does; said once per client in the debug log, counted."""
        self._count("refused")
        if self._refusal_logged(client):
            log.debug("osc: ignoring a change from %s:%d (%s: %s); further refusals of this client are only counted",
                      client[0], client[1], path, why)

    # -- nodes as text (/node, /) ---------------------------------------------------------------------

    def _node(self, args: list[Any], client: Client) -> None:
        """``/node ,s "ch/01/mix"``: the node's values as one line of text (``mixerd.osc.nodes``), to the asker."""
        text = self.nodes.read(args[0], self.control.get) if args and isinstance(args[0], str) else None
        if text is None:  # no reply, as an X AIR gives none for a node it does not have
            self._unknown(client, f"/node {args[0] if args else None!r} names no node mixerd answers")
            return
        self._reply(client, encode("node", ("s", text)))

    def _text(self, args: list[Any], client: Client) -> None:
        """``/ ,s "/ch/01/mix/fader -6"`` or a whole node line: each value set as its float write sets it (a line
        is one undo step); the line goes back to the sender, as an XR18 echoes it, when every value was taken."""
        line = args[0] if args and isinstance(args[0], str) else ""
        try:
            path, writes, problems = self.nodes.writes(line)
        except LookupError as exc:  # ignored, as an X AIR ignores a path it does not have
            self._unknown(client, str(exc))
            return
        for leaf, why in problems:  # text the X AIR would not take: that value is ignored, the others apply
            self._refused(client, leaf, why)
        taken = [c for c in (self._checked(binding, arg, client) for binding, arg in writes) if c is not None]
        if taken:  # one value: the float write's undo step; a line's values: one step
            self._count("changes")
            self._worker.submit(actor_of(client), {a: v for c in taken for a, v in c.items()}, client, path)
        if taken and len(taken) == len(writes) and not problems:
            self._reply(client, encode("/", ("s", line)))

    # -- following changes (/xremote) -----------------------------------------------------------------

    def _xremote(self, args: list[Any], client: Client, feedback: bool = True) -> None:
        if not self.remotes.renew(client, actor_of(client), feedback):
            if self._refusal_logged(("full", client)):
                log.warning("osc: %s:%d asked to follow changes, but %d clients follow already", client[0],
                            client[1], len(self.remotes))
            return
        if self._sub is None:
            # Subscribed here, before the next datagram is read: a change made after the app's /xremote reaches it.
            # With the scenes' notices: a recall anywhere moves the snapshot the apps show.
            self._sub = self.control.subscribe(EVENT_BACKLOG, notices=("scenes",) if self.snapshots else False)
            self._follower = self._loop.create_task(self._follow(self._sub))

    def _xremotenfb(self, args: list[Any], client: Client) -> None:
        self._xremote(args, client, feedback=False)

    async def _follow(self, sub) -> None:
        """Send every change to every follower, in order, until nobody follows any more."""
        while self._sub is sub:
            try:
                item = await sub.get_async()
                if item is None:  # closed
                    return
                batch = [item]
                while (item := sub.get_nowait()) is not None:
                    batch.append(item)
            except Lagged:
                self._resync()
                continue
            remotes = self.remotes.live()
            if not remotes:
                self._unfollow()
                return
            for event in batch:
                if isinstance(event, Event) and event.seq > self._skip_through:
                    self._fan_out(event, remotes)
                elif isinstance(event, Notice) and event.kind == "scenes":
                    self._snapshot_moved(event.data, remotes)

    def _fan_out(self, event: Event, remotes) -> None:
        packets = [self._value_message(b, event.value, event.address) for b in self.map.bindings_of(event.address)]
        if not packets:
            return
        own = event.actor if event.origin == "osc" else None
        for remote in remotes:
            if remote.feedback or remote.actor != own:
                for packet in packets:
                    self._send(packet, remote.client)

    def _resync(self) -> None:
        """The event stream dropped changes (the loop fell far behind): every follower gets every value again."""
        self._count("resyncs")
        log.warning("osc: fell behind the changes; sending every value to the %d followers again", len(self.remotes))
        self._skip_through, _ = self.control.state()
        remotes = self.remotes.live()
        for path in self.map.paths():
            binding = self.map.binding(path)
            if binding is not None:
                packet = self._value_message(binding)
                for remote in remotes:
                    self._send(packet, remote.client)

    def _unfollow(self) -> None:
        self._snap_shown = None
        sub, self._sub = self._sub, None
        if sub is not None:
            sub.close()

    # -- snapshots (mixerd's scenes) ------------------------------------------------------------------

    def _snapshot(self, path: str, args: list[Any], client: Client) -> None:
        """``/-snap/load ,i N`` recalls scene N (on the change worker's thread: it waits for the disk, in order
        with the app's changes); any other snapshot path without an argument is answered; a write is ignored."""
        if path == LOAD:
            why = self.access.recall_refusal()
            try:
                if why is None:
                    scene_id = self.snapshots.scene_id(args[0] if args else None)
            except SnapshotError as exc:
                why = str(exc)
            if why is not None:
                self._refused(client, path, why)
                return
            actor = actor_of(client)
            self._count("changes")
            self._worker.submit_call(actor, LOAD, lambda: self.snapshots.scenes.recall_scene(scene_id, actor=actor),
                                     client, path)
        elif not args:
            self._reply(client, encode(path, self.snapshots.read(path)))
        else:
            self._refused(client, path, "snapshots are saved and named in the web app, over REST or MQTT")

    def _snapshot_moved(self, listing, remotes) -> None:
        """The scenes changed (``listing``: the notice's): followers get ``/-snap/index`` and ``/-snap/name`` when
        what they show moved."""
        shown = (self.snapshots.read(INDEX, listing), self.snapshots.read(NAME, listing))
        if shown == self._snap_shown:
            return
        self._snap_shown = shown
        packets = [encode(INDEX, shown[0]), encode(NAME, shown[1])]
        for remote in remotes:
            for packet in packets:
                self._send(packet, remote.client)

    # -- data subscriptions (meters, /subscribe) ------------------------------------------------------

    def _meters(self, args: list[Any], client: Client) -> None:
        """``/meters ,s /meters/N``: bank N every tick for 10 s; renewed by asking again. ``/meters ,si /meters/0
        8``: a channel strip's bank, of channel 9 (the argument counts from 0; other banks ignore it)."""
        if args and isinstance(args[0], str):
            self._subscribe_feed(client, args[0], args[0], every=1, arg=args[1] if len(args) >= 2 else 0)

    def _batchsubscribe(self, args: list[Any], client: Client) -> None:
        """``/batchsubscribe ,ssiii <alias> <path> <a> <b> <time factor>``: the data under the alias (``a``: a
        channel strip bank's channel, from 0)."""
        if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            every = args[4] if len(args) >= 5 and isinstance(args[4], int) else 1
            self._subscribe_feed(client, args[0], args[1], every, arg=args[2] if len(args) >= 3 else 0)

    def _subscribe(self, args: list[Any], client: Client) -> None:
        """``/subscribe ,si <path> <time factor>``: the path's data (a meter bank or a value) under its path."""
        if args and isinstance(args[0], str):
            every = args[1] if len(args) >= 2 and isinstance(args[1], int) else 1
            self._subscribe_feed(client, args[0], args[0], every)

    def _renew(self, args: list[Any], client: Client) -> None:
        self.feeds.renew(client, _reply_address(args[0]) if args and isinstance(args[0], str) else None)

    def _unsubscribe(self, args: list[Any], client: Client) -> None:
        self.feeds.unsubscribe(client, _reply_address(args[0]) if args and isinstance(args[0], str) else None)

    def _subscribe_feed(self, client: Client, reply: str, path: str, every: int, arg: Any = 0) -> None:
        source = self._source(path, arg)
        if source is None:
            self._count("unknown")
            return
        if self.feeds.subscribe(client, _reply_address(reply), source, every) and self._ticker is None:
            self._next_tick = self._loop.time() + TICK_S
            self._ticker = self._loop.call_at(self._next_tick, self._on_tick)

    def _source(self, path: str, arg: Any = 0) -> Hashable | None:
        """What a subscription to ``path`` sends: ``("meters", bank, argument)`` (the argument picks a channel strip
        bank's channel, so apps showing different channels get each theirs) or ``("value", path)``; None if
        nothing."""
        if path.startswith(METERS_PREFIX):
            number = path[len(METERS_PREFIX):]
            if not (number.isdigit() and self.meters.known(int(number))):
                return None
            return ("meters", int(number), self.meters.argument(int(number), arg))
        return ("value", path) if self.map.binding(path) is not None else None

    def _on_tick(self) -> None:
        """Send what is due this tick: every meter blob (bank and argument) encoded once, from one frame, for all
        its subscribers, then put in one message per address they asked for."""
        self._tick += 1
        due = list(self.feeds.due(self._tick))
        if not due and not len(self.feeds):
            self._ticker = None  # nobody subscribes: no more ticks until somebody does
            return
        # Next tick on the 50 ms grid; after a stall, 50 ms from now instead of a burst of late ticks. Set first:
        # a bug in what follows loses this tick, not every later one.
        now = self._loop.time()
        self._next_tick = max(self._next_tick + TICK_S, now + TICK_S / 2)
        self._ticker = self._loop.call_at(self._next_tick, self._on_tick)
        frames: list = []  # the one meter frame of this tick, read when the first meter feed is due
        blobs: dict[Hashable, bytes | None] = {}  # meter source → its blob
        made: dict[tuple[str, Hashable], bytes | None] = {}
        for feed in due:
            key = (feed.reply, feed.source)
            if key not in made:
                if feed.source[0] == "meters":
                    if feed.source not in blobs:
                        if not frames:
                            frames.append(self.control.meter_frame())
                        _, bank, arg = feed.source
                        blobs[feed.source] = None if frames[0] is None else self.meters.blob(bank, frames[0], arg)
                    blob = blobs[feed.source]
                    made[key] = None if blob is None else encode(feed.reply, ("b", blob))
                else:
                    made[key] = self._value_message(self.map.binding(feed.source[1]))
            if made[key] is not None:
                self._send(made[key], feed.client)

    # -- sending --------------------------------------------------------------------------------------

    def _reply(self, client: Client, packet: bytes) -> None:
        self._count("answered")
        self._send(packet, client)

    def _send(self, packet: bytes, client: Client) -> None:
        try:
            self._sock.sendto(packet, client)
        except OSError:  # a full socket buffer or an unreachable client: UDP, as an X AIR, drops it
            self._count("dropped")
            return
        self._count("sent")

    def _count(self, what: str) -> None:
        with self._stats_lock:
            self.stats[what] += 1

    _HANDLERS: dict[str, Callable[["OscServer", list[Any], Client], None]] = {
        "/xinfo": _xinfo, "/info": _info, "/status": _status, "/xremote": _xremote, "/xremotenfb": _xremotenfb,
        "/meters": _meters, "/batchsubscribe": _batchsubscribe, "/subscribe": _subscribe, "/renew": _renew,
        "/unsubscribe": _unsubscribe, "/node": _node, "/": _text,
    }


def actor_of(client: Client) -> str:
    """Whose changes an OSC client's are (each app its own undo): ``osc:<ip>:<port>``."""
    return f"osc:{client[0]}:{client[1]}"


def _reply_address(alias: str) -> str:
    """The address data goes out under: the alias as given, made an OSC address (X AIR Edit writes ``meters/0``)."""
    return alias if alias.startswith("/") else "/" + alias
