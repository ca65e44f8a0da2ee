"""``WS /api/v1/ws``: live state, change events and meter frames; sets from the client.

On connect: ``hello`` (who you are, the meter points), then the full ``state`` and the current
``diagnostics`` (signal-flow problems); then every ``change`` in seq order, binary meter frames (see
``MeterEncoder``) up to 25 times a second when the engine measured something new, a new ``diagnostics`` whenever the problems change, and a ``ping`` every 5 s. A client that falls behind gets a
fresh ``state`` instead of the events it missed. A client that connects with ``?compress=gzip`` gets each
``state`` as a gzip member in a binary frame (the web app inflates it with the browser's DecompressionStream):
it is the one big message. Client messages ``set`` and ``set_many`` go through the
control core (origin ``ws``) after ``authorize``; a message with an ``id`` is answered with ``ack`` or
``error``.

The control core's typed notices (``mixerd.control.events``) are pushed as they happen; nothing here polls the
control core for them. After the ``diagnostics`` on connect come ``undo`` (what undo/redo would do),
``scenes`` (the scene list and the safes) and ``health``; then each again whenever it changes, ``diagnostics``
when the problems change, and ``history`` (each recorded step, undo and redo) to a client that asked for it
with ``{"type": "follow", "history": true}``. After a resync the ``state`` is followed by ``diagnostics``,
``undo``, ``scenes`` and ``health`` again. ``recorder`` and ``player`` (their status, as ``GET /recorder`` and
``GET /player`` say it) come whenever a take starts or stops recording or playing back, a marker is set in the take
recorded or played, or a channel of the take played back is switched between the take and the band; those
operations themselves are REST's and MQTT's, not the socket's. ``fleet`` (as ``GET /fleet`` says it) comes whenever
a mixerd on the broker says something new.

Nothing here can hold up the control path or another client: the control core hands events to each
connection's own bounded subscription without waiting (an overflow becomes a resync), meter frames are
computed once per tick for everyone and each connection keeps only the newest one, and every socket has its
own sender, so a client that does not read stalls only itself.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import itertools
import json
import logging
import math
import re
from datetime import datetime, timezone
import struct
import sys
from typing import Any, Callable

import anyio.to_thread
import numpy as np
from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from mixerd.control import Control
from mixerd.control.events import Event, Lagged, Notice, Subscription
from mixerd.control.health import summary as health_summary
from mixerd.control.scenes import SceneService
from mixerd.diagnostics import Diagnostics
from mixerd.model.errors import MixerError
from mixerd.model.meters import MeterFrame, MeterLayout
from mixerd.control.access import OPEN, Auth, Principal, actor_of, authorize, authorize_own_undo
from mixerd.web.deps import presented_token
from mixerd.web.errors import error_body, status_of

log = logging.getLogger(__name__)

METER_HZ = 25.0
PING_S = 5.0
SEND_TIMEOUT_S = 20.0  # a client that takes longer to take one frame is dropped
CLOSE_TOO_SLOW = 1008
QUEUE_EVENTS = 1024  # events a connection may fall behind before it is resynced
#: The notices every client gets; ``history`` only once it asks (``follow``).
STANDING = ("undo", "scenes", "problems", "health", "recorder", "player", "takes", "fleet")

CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
#: The client messages, quoted when one cannot be read.
MESSAGE_SHAPE = ('{"type": "set", "address": "<address>", "value": <value>, "id": <string or number>}, '
                 '{"type": "set_many", "changes": {"<address>": <value>, ...}, "id": <string or number>}, '
                 '{"type": "undo"} or {"type": "redo"} (your newest step, or the step you undid last; "step": N for '
                 'exactly that step of anyone\'s, admin only; "id" optional), '
                 '{"type": "follow", "history": true or false, "id": <string or number>} or '
                 '{"type": "pong"} (id optional)')
MAX_ID = 200  # characters of a string id
#: What a browser may call itself with ``?client=`` (access control off: its undo is its own).
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SOCKETS = itertools.count(1)


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


@functools.lru_cache(maxsize=4096)
def _change_text(event: Event) -> str:
    """A change message, encoded once for every connection that sends it (events are shared objects)."""
    return _dumps({"type": "change", "seq": event.seq, "address": event.address, "value": event.value,
                   "origin": event.origin, "actor": event.actor})


def _iso(ts: float) -> str:
    """Epoch seconds as the REST answers write times: ISO 8601 in UTC."""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z")


@functools.lru_cache(maxsize=256)
def _notice_text(notice: Notice) -> str:
    """The message of a ``history`` or ``scenes`` notice, encoded once for every connection that sends it
    (a notice is one shared object, cached by identity); times as in the REST answers."""
    data = dict(notice.data)
    if notice.kind == "history":
        data["entries"] = [{"seq": e["seq"], "when": _iso(e["ts"]), "origin": e["origin"], "actor": e["actor"],
                            "address": e["address"], "old": e["old"], "new": e["new"], "step": e["step"],
                            "undone": e["undone"]}
                           for e in data["entries"]]
    elif notice.kind == "scenes":
        return _scenes_text(notice.seq, data)
    return _dumps({"type": notice.kind, "seq": notice.seq, **data})


def _scenes_text(seq: int, listing: dict[str, Any]) -> str:
    """A ``scenes`` message: ``SceneService.listing()`` (the scenes, the safes and ``current``, the scene the mix
    is at; and the notice's action and id), times as in REST."""
    scenes = [{**scene, "created": _iso(scene["created"]), "updated": _iso(scene["updated"])}
              for scene in listing["scenes"]]
    return _dumps({"type": "scenes", "seq": seq, "action": None, "id": None, **listing, "scenes": scenes})


#: Binary meter frames: version, 0, meter channels, seq (little-endian); then per meter channel the peak
#: (int16, 0.1 dB) and the clip count (uint16, wrapping), then every point's extras in hello order (int16, 0.1 dB).
METER_FORMAT = 1
#: gzip's level for the state sent compressed (a binary frame that begins with gzip's 1f 8b; meter frames begin
#: with their format, 1)
STATE_GZIP_LEVEL = 6
#: RTA frames a second at most, to a client looking at one (the listener makes about 23)
RTA_HZ = 12
_METER_HEADER = struct.Struct("<BBHI")


class MeterEncoder:
    """Meter frames of one meter layout as the WebSocket sends them: a binary message of about 4 bytes per
    meter channel, the same bytes for every client (no per-socket compression needed), and the hello's
    description of the layout that a client reads them with."""

    def __init__(self, layout: MeterLayout):
        self.layout = layout
        n, k = layout.n_meters, len(layout.points)
        gather: list[int] = []  # extras taken from (true_peak | lufs_m | lufs_s | gr) concatenated
        self.points: list[dict[str, Any]] = []
        for i, p in enumerate(layout.points):
            extras: list[str] = []
            if p.master:
                extras += ["true_peak", "lufs_m", "lufs_s"]
                gather += [*range(p.first, p.first + p.width), n + i, n + k + i]
            for key, g in p.gr:
                extras.append(key)
                gather.append(n + 2 * k + g)
            self.points.append({"name": p.name, "width": p.width, **({"extras": extras} if extras else {})})
        self._gather = np.array(gather, dtype=np.intp)

    def encode(self, frame: MeterFrame) -> bytes:
        source = np.concatenate((frame.true_peak, frame.lufs_m, frame.lufs_s, frame.gr))
        return b"".join((_METER_HEADER.pack(METER_FORMAT, 0, self.layout.n_meters, frame.seq & 0xFFFFFFFF),
                         _tenths(frame.peak), (frame.clips & 0xFFFF).astype("<u2").tobytes(),
                         _tenths(source[self._gather])))


def decode_meters(data: bytes, points: list[dict[str, Any]]) -> dict[str, Any]:
    """A binary meter frame read back with the hello's ``meter_points`` (what static/js/meterframe.js does):
    ``{"type": "meters", "seq", "peak", "clips", "extra"}``. For Python clients, the benches and the tests."""
    version, _, n, seq = _METER_HEADER.unpack_from(data)
    if version != METER_FORMAT:
        raise ValueError(f"meter frame format {version}, this reads {METER_FORMAT}")
    at = _METER_HEADER.size
    peak = (np.frombuffer(data, "<i2", n, at) / 10.0).tolist()
    clips = np.frombuffer(data, "<u2", n, at + 2 * n).tolist()
    values = iter((np.frombuffer(data, "<i2", offset=at + 4 * n) / 10.0).tolist())
    extra = {p["name"]: {key: [next(values) for _ in range(p["width"])] if key == "true_peak" else next(values)
                         for key in p["extras"]} for p in points if p.get("extras")}
    return {"type": "meters", "seq": seq, "peak": peak, "clips": clips, "extra": extra}


def _tenths(values: np.ndarray) -> bytes:
    return np.clip(np.rint(values * 10.0), -32768, 32767).astype("<i2").tobytes()


class LiveHub:
    """The WebSocket side of one app: its connections and the one meter task that feeds them all.

    ``subscribe_maxsize`` bounds each connection's event backlog (a test makes it tiny to force a resync).
    """

    def __init__(self, control: Control, auth: Auth | None, *, diagnostics: Diagnostics | None = None,
                 scenes: SceneService | None = None, listener=None,
                 meter_hz: float = METER_HZ, ping_s: float = PING_S, subscribe_maxsize: int = QUEUE_EVENTS):
        self.control = control
        self.auth = auth
        self.diagnostics = diagnostics
        self.scenes = scenes
        self.listener = listener  # the RTA's ears (mixerd.diagnostics.listener.Listener), or None
        self._diagnostics_text: tuple[int, str] | None = None  # (version, message) last composed
        if diagnostics is not None:
            control.follow_problems(diagnostics)  # its changes come as ``problems`` notices
        self.meter_hz = meter_hz
        self.ping_s = ping_s
        self.subscribe_maxsize = subscribe_maxsize
        self._connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._meter_task: asyncio.Task | None = None
        self._encoder: MeterEncoder | None = None
        self._closing = False
        if auth is not None:
            auth.on_revoke(self._revoked)

    def __len__(self) -> int:
        return len(self._connections)

    # -- connections --------------------------------------------------------------------------------

    async def serve(self, websocket: WebSocket) -> None:
        """Run one client's connection until it or the server closes it."""
        self._loop = asyncio.get_running_loop()
        await websocket.accept()
        principal = self._identify(websocket)
        if principal is None:
            presented = presented_token(websocket, query=True) is not None
            await _close(websocket, CLOSE_UNAUTHENTICATED,
                         "invalid or revoked token" if presented else "credentials needed")
            return
        if self._closing:
            await _close(websocket, CLOSE_GOING_AWAY, "server shutting down")
            return
        conn = _Connection(self, websocket, principal)
        self._connections.add(conn)
        self._ensure_meters()
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)

    def _identify(self, websocket: WebSocket) -> Principal | None:
        if self.auth is None:
            return OPEN
        return self.auth.identify(presented_token(websocket, query=True))

    def _revoked(self, token_id: str) -> None:
        """Auth listener (any thread): close the sockets of a token that is no longer valid."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def close_them() -> None:
            for conn in list(self._connections):
                if conn.principal.token_id == token_id:
                    conn.stop(CLOSE_UNAUTHENTICATED, "token revoked")

        try:
            if _running_loop() is loop:
                close_them()
            else:
                loop.call_soon_threadsafe(close_them)
        except RuntimeError:  # the loop closed meanwhile: nobody left to close
            pass

    def start(self) -> None:
        """Accept connections (again): the app's lifespan begins."""
        self._closing = False

    async def shutdown(self) -> None:
        """Close every connection (1001) and stop the meter task; bounded."""
        self._closing = True
        conns = list(self._connections)
        for conn in conns:
            conn.stop(CLOSE_GOING_AWAY, "server shutting down")
        if conns:
            waits = [asyncio.ensure_future(c.done.wait()) for c in conns]
            _, pending = await asyncio.wait(waits, timeout=5)
            for wait in pending:
                wait.cancel()
        task, self._meter_task = self._meter_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    # -- meters -------------------------------------------------------------------------------------

    def _ensure_meters(self) -> None:
        if self._meter_task is None or self._meter_task.done():
            self._meter_task = asyncio.get_running_loop().create_task(self._meter_loop(), name="mixerd-ws-meters")

    async def meter_points(self) -> list[dict[str, Any]]:
        """The hello's ``meter_points``: every point's name, width and extras, in frame order (fixed for
        the mixer's layout); empty without an engine."""
        encoder = self._meter_encoder()
        return encoder.points if encoder is not None else []

    def _meter_encoder(self) -> MeterEncoder | None:
        if self._encoder is None:
            frame = self.control.meter_frame()
            if frame is None:
                return None  # no engine (yet): nothing to meter
            self._encoder = MeterEncoder(frame.layout)
        return self._encoder

    async def _meter_loop(self) -> None:
        """One frame per tick for every connection, while there are connections. The frame is read and
        encoded once per tick for everybody; a tick without a new core frame sends nothing new."""
        loop = asyncio.get_running_loop()
        period = 1.0 / self.meter_hz
        due = loop.time()
        encoded: tuple[int, bytes] | None = None  # (seq, message) of the last frame encoded
        try:
            while self._connections and not self._closing:
                try:
                    frame, encoder = self.control.meter_frame(), self._meter_encoder()
                    if frame is not None and encoder is not None and (encoded is None or encoded[0] != frame.seq):
                        encoded = (frame.seq, encoder.encode(frame))
                except Exception:
                    log.exception("ws: meter frame failed")
                text = encoded[1] if encoded else None
                for conn in list(self._connections):
                    conn.offer_meters(text)  # also the tick that sends pings
                due += period
                now = loop.time()
                if due < now:  # fell behind (a slow snapshot): keep the rate, skip the lost ticks
                    due = now
                await asyncio.sleep(due - now)
        finally:
            if self._meter_task is asyncio.current_task():
                self._meter_task = None

    def diagnostics_message(self, message: dict[str, Any] | None = None) -> tuple[int, str] | None:
        """``(version, text)`` of the ``diagnostics`` message of ``message`` (default: the problems now),
        composed once per version for everyone; None without a problem finder."""
        if self.diagnostics is None:
            return None
        if message is None:
            message = self.diagnostics.problems()
        known = self._diagnostics_text
        if known is None or known[0] != message["version"]:
            known = (message["version"], _dumps({"type": "diagnostics", **message}))
            if self._diagnostics_text is None or known[0] > self._diagnostics_text[0]:
                self._diagnostics_text = known
        return known


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        if (websocket.application_state == WebSocketState.CONNECTED
                and websocket.client_state != WebSocketState.DISCONNECTED):
            await asyncio.wait_for(websocket.close(code, reason), SEND_TIMEOUT_S / 4)
    except Exception:  # already gone
        pass


class _Connection:
    """One client: a sender of events, a sender of meters and pings, a receiver of sets."""

    def __init__(self, hub: LiveHub, websocket: WebSocket, principal: Principal):
        self.hub = hub
        self.ws = websocket
        self.principal = principal
        self.control = hub.control
        self.done = asyncio.Event()
        self._stop = asyncio.Event()
        self._close: tuple[int, str] = (1000, "")
        self._send_lock = asyncio.Lock()
        self._sending_since: float | None = None  # loop time the send in progress began
        self._meters: bytes | None = None
        self._meters_sent: bytes | None = None  # the frame last sent (the hub offers the same one until a new one)
        self._meters_ready = asyncio.Event()
        self._seq = 0  # events up to this seq are in what the client has
        self._undo: tuple[int, dict[str, Any]] | None = None  # (seq, status) the client has
        self._health: dict[str, Any] | None = None  # the health summary the client has
        self._problems = -1  # the diagnostics version the client has
        self._scenes = -1  # the scene list revision the client has
        self.follows_history = False  # the client asked for ``history`` messages
        self.sub: Subscription | None = None
        self._pings = 0  # pings sent on this socket (each carries its number, "n")
        self._number = next(_SOCKETS)  # this socket among all this process served (scopes its gesture ids)
        client = websocket.query_params.get("client", "")
        #: whose changes this socket's undo takes back (see ``actor_of``): its session or link, else its browser
        self.actor = actor_of(principal, client if CLIENT_ID.fullmatch(client) else None, f"ws:{self._number}")
        #: the client takes the state gzip-compressed in a binary frame (``?compress=gzip``; see _send_state)
        self.gzip_state = websocket.query_params.get("compress") == "gzip"
        #: switches this client holds on (a talk button under a finger): back to false when the socket closes
        self._held: set[str] = set()
        self._rta = None  # the listener's watch of the RTA this client looks at
        self._rta_frame: dict[str, Any] | None = None  # the newest RTA frame not sent yet
        self._rta_ready = asyncio.Event()

    def stop(self, code: int, reason: str) -> None:
        """Ask the connection to close with ``code`` (from the event loop)."""
        if not self._stop.is_set():
            self._close = (code, reason)
            self._stop.set()

    def offer_meters(self, text: bytes | None) -> None:
        """The hub's tick with the newest meter frame (None: none yet); an unsent older frame is
        replaced, never queued, and a frame this client already has is not sent again."""
        if text is not None and text is not self._meters_sent:
            self._meters = text
        self._meters_ready.set()

    async def run(self) -> None:
        # Subscribe before the snapshot: no event is missed (those already in it are skipped by seq).
        self.sub = sub = self.control.subscribe(self.hub.subscribe_maxsize, notices=STANDING)
        tasks: list[asyncio.Task] = []
        try:
            who = {**self.principal.to_dict(), "actor": self.actor}
            await self._send({"type": "hello", **who, "meter_format": METER_FORMAT,
                              "meter_points": await self.hub.meter_points()})
            await self._send_state()
            await self._send_standing()
            tasks = [asyncio.create_task(coro) for coro in
                     (self._events(sub), self._meters_and_pings(), self._rta_frames(), self._receive(),
                      self._stop.wait())]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, (WebSocketDisconnect, _Gone)):
                    log.error("ws: connection failed", exc_info=exc)
        except (WebSocketDisconnect, _Gone):
            pass
        finally:
            sub.close()
            self._unwatch_rta()
            if self._held:
                self._release_held()  # at once: this task may be being cancelled (no await may finish)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            await _close(self.ws, *self._close)
            self.done.set()

    # -- sending ------------------------------------------------------------------------------------

    async def _send(self, message: dict[str, Any] | str | bytes) -> None:
        text = message if isinstance(message, (str, bytes)) else _dumps(message)
        async with self._send_lock:
            self._sending_since = asyncio.get_running_loop().time()
            try:
                if isinstance(text, bytes):
                    await self.ws.send_bytes(text)
                else:
                    await self.ws.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError) as exc:
                raise _Gone() from exc
            finally:
                self._sending_since = None

    async def _send_state(self) -> None:
        seq, values = await anyio.to_thread.run_sync(self.control.state)
        self._seq = seq
        message = {"type": "state", "seq": seq, "values": values, "layout": self.control.tree.layout.to_dict()}
        if self.gzip_state:
            # The one big message (140 kB of JSON at 32 × 16) in a tenth of that: the socket itself is not
            # compressed (deflating every meter frame for every socket cost more CPU than it saved).
            message = await anyio.to_thread.run_sync(lambda: gzip.compress(_dumps(message).encode(), STATE_GZIP_LEVEL))
        await self._send(message)

    async def _send_standing(self) -> None:
        """What the notices keep up to date, as it is now: the problems, undo/redo, the health."""
        problems = self.hub.diagnostics_message()
        if problems is not None:
            self._problems = problems[0]
            await self._send(problems[1])
        self._undo = await anyio.to_thread.run_sync(self.control.undo_state, self.actor)
        await self._send({"type": "undo", "seq": self._undo[0], **self._undo[1]})
        if self.hub.scenes is not None:
            listing = await anyio.to_thread.run_sync(self.hub.scenes.listing)
            self._scenes = listing["revision"]
            await self._send(_scenes_text(self.control.seq, listing))
        self._health = health_summary(await anyio.to_thread.run_sync(self.control.health))
        await self._send({"type": "health", **self._health})

    async def _events(self, sub) -> None:
        while True:
            try:
                event = await sub.get_async()
            except Lagged:
                log.info("ws: a client fell more than %d events behind; resyncing it", sub.maxsize)
                await self._send_state()
                await self._send_standing()
                continue
            if event is None:  # subscription closed
                return
            if isinstance(event, Notice):
                await self._notice(event)
                continue
            if event.seq <= self._seq:  # already in the state the client has
                continue
            self._seq = event.seq
            await self._send(_change_text(event))

    async def _notice(self, notice: Notice) -> None:
        """Forward a typed notice the client does not have yet."""
        kind = notice.kind
        if kind == "history":
            if self.follows_history:
                await self._send(_notice_text(notice))
        elif kind == "undo":
            status = notice.data["status"].get(self.actor)  # None: this client's undo/redo is as it was
            if status is not None:
                seq = notice.seq
                if self._undo is None or (seq >= self._undo[0] and status != self._undo[1]):
                    self._undo = (seq, status)
                    await self._send({"type": "undo", "seq": seq, **status})
        elif kind == "health":
            if notice.data != self._health:
                self._health = dict(notice.data)
                await self._send({"type": "health", **notice.data})
        elif kind == "problems":
            if notice.source is self.hub.diagnostics and notice.data["version"] > self._problems:
                message = self.hub.diagnostics_message(notice.data)
                if message is not None:
                    self._problems = message[0]
                    await self._send(message[1])
        elif kind in ("recorder", "player", "takes", "fleet"):
            await self._send({"type": kind, "seq": notice.seq, **notice.data})
        elif kind == "scenes":
            if notice.data["revision"] > self._scenes:
                self._scenes = notice.data["revision"]
                await self._send(_notice_text(notice))

    async def _meters_and_pings(self) -> None:
        """Woken by the hub's meter tick (~25 Hz): the newest frame, and a ping when one is due."""
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + self.hub.ping_s
        while True:
            await self._meters_ready.wait()
            self._meters_ready.clear()
            if self._send_lock.locked():
                # Another frame is still on its way: a slow client gets fewer meter frames, never a queue.
                since = self._sending_since
                if since is not None and loop.time() - since > SEND_TIMEOUT_S:
                    log.warning("ws: dropping a client that took no data for %g s", SEND_TIMEOUT_S)
                    self.stop(CLOSE_TOO_SLOW, "too slow")
                    return
                continue
            text, self._meters = self._meters, None
            if text is not None:
                self._meters_sent = text
                await self._send(text)
            if loop.time() >= next_ping:
                self._pings += 1
                await self._send({"type": "ping", "n": self._pings})
                next_ping = loop.time() + self.hub.ping_s

    # -- receiving ----------------------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await self._error(None, "malformed_request", "send JSON text frames, not binary ones")
                continue
            await self._handle(text)

    async def _handle(self, text: str) -> None:
        """Answer one client message. Whatever it holds, a bad message is answered with an ``error`` and the
        connection stays open; only the client going away ends it."""
        try:
            msg = json.loads(text)
        except RecursionError:  # "[[[[…" a thousand deep: Python's parser gives up before it ends
            await self._error(None, "malformed_request", "JSON nested too deeply: send " + MESSAGE_SHAPE,
                              MESSAGE_SHAPE)
            return
        except ValueError as exc:
            await self._error(None, "malformed_request", f"not JSON: {exc}", MESSAGE_SHAPE)
            return
        if not isinstance(msg, dict):
            await self._error(None, "malformed_request", "a message is a JSON object with a \"type\": send "
                              + MESSAGE_SHAPE, MESSAGE_SHAPE)
            return
        msg_id = msg.get("id")
        if not _echoable(msg_id):
            allowed = f"a string of up to {MAX_ID} characters, a finite number, a bool or null"
            await self._error(None, "malformed_request", f"the id is sent back in the answer, so it must be {allowed}",
                              allowed)
            return
        kind = msg.get("type")
        answer: dict[str, Any] = {}  # what the ack says besides the seq
        try:
            if kind == "pong":
                return
            if kind == "follow":
                history = msg.get("history")
                if not isinstance(history, bool):
                    raise _Malformed('{"type": "follow", "history": true or false, "id": <any>}')
                # Acknowledged once set: every history message after the ack is sent, so a GET /history made
                # after the ack plus the messages with a higher seq than its answer is the whole history.
                self.follows_history = history
                if self.sub is not None:
                    self.sub.follow((*STANDING, "history") if history else STANDING)
                seq = self.control.seq
            elif kind == "set":
                address, hold = msg.get("address"), msg.get("hold", False)
                if not isinstance(address, str) or "value" not in msg:
                    raise _Malformed('{"type": "set", "address": "<address>", "value": <value>, "id": <any>}')
                if not isinstance(hold, bool) or hold and msg["value"] is not True:
                    raise _Malformed('"hold": true only with "value": true (a button held down: it goes back to '
                                     'false when this socket closes)')
                self._check_fresh(msg)
                gesture = self._gesture(msg)
                authorize(self.hub.auth, self.principal, [address])
                event = await self._apply(functools.partial(self.control.set, gesture=gesture, actor=self.actor),
                                          address, msg["value"], "ws")
                seq = event.seq
                if hold:
                    self._held.add(address)
                else:
                    self._held.discard(address)  # set again without a hold (a latch, or off): no longer held
            elif kind == "set_many":
                changes, coalesce = msg.get("changes"), msg.get("coalesce", True)
                if not isinstance(changes, dict) or not isinstance(coalesce, bool):
                    raise _Malformed('{"type": "set_many", "changes": {"<address>": <value>, ...}, "coalesce": true '
                                     'or false (default true), "id": <any>}')
                self._check_fresh(msg)
                gesture = self._gesture(msg)
                authorize(self.hub.auth, self.principal, changes)
                # An app sends a multi-value drag (an EQ handle: frequency and gain) this way: one undo step. A
                # one-off batch (solos cleared, trims applied) says coalesce false: a step of its own, always.
                events = await self._apply(functools.partial(self.control.set_many, coalesce=coalesce,
                                                             gesture=gesture, actor=self.actor), changes, "ws")
                seq = events[-1].seq if events else self.control.seq
            elif kind == "rta":
                point, per_octave = msg.get("point"), msg.get("per_octave", 3)
                if point is not None and not isinstance(point, str) or isinstance(per_octave, bool) \
                        or not isinstance(per_octave, int):
                    raise _Malformed('{"type": "rta", "point": "<meter point>" or null (stop), "per_octave": 3 or 6}')
                self._watch_rta(point, per_octave)
                seq = self.control.seq
            elif kind in ("undo", "redo"):
                # Stamped like a change (an undo held up by a dead link would replay as stale as a fader move).
                self._check_fresh(msg)
                step = msg.get("step")
                take = self.control.undo if kind == "undo" else self.control.redo
                if step is None:  # this client's own
                    authorize_own_undo(self.hub.auth, self.principal)
                    done = await self._apply(functools.partial(take, self.actor))
                else:  # exactly that step, whoever made it: the admin's
                    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
                        raise _Malformed(f'{{"type": "{kind}", "step": <a step number from the history>, "id": <any>}}')
                    authorize(self.hub.auth, self.principal)
                    done = await self._apply(functools.partial(take, self.actor, step=step))
                seq = done[-1].seq if done else self.control.seq
                answer = {"step": done.step, "changed": len(done), "kept": done.kept}
            else:
                raise _Malformed('"type": "set", "set_many", "undo", "redo", "rta", "follow" or "pong"')
        except _Malformed as exc:
            what = kind if isinstance(kind, str) and kind.isidentifier() and len(kind) <= 32 else "message"
            await self._error(msg_id, "malformed_request", f"malformed {what}: send {exc}", str(exc))
            return
        except MixerError as exc:
            await self._send({"type": "error", "id": msg_id, "error": {**error_body(exc), "status": status_of(exc)}})
            if exc.kind == "unauthenticated":
                self.stop(CLOSE_UNAUTHENTICATED, "token revoked")
            return
        except Exception:  # a bug of ours, not the client's: say so, log it, keep the connection
            log.exception("ws: a client message failed")
            await self._error(msg_id, "internal_error", "internal error; the details are in the mixerd log")
            return
        if msg_id is not None:
            await self._send({"type": "ack", "id": msg_id, "seq": seq, **answer})

    def _release_held(self) -> None:
        """The socket closed while a finger held a switch on (a talk button): it goes back to false, as a
        button lifted would (a phone that died or left the Wi-Fi must not leave the talkback open). Rare and
        one small change: made here, in the event loop, so it happens even while the connection is cancelled."""
        held, self._held = self._held, set()
        try:
            changes = {a: False for a in held if self.control.get(a) is True}
            if changes:
                self.control.set_many(changes, "ws", actor=self.actor)
                log.info("ws: a client held %s when it went; released", ", ".join(changes))
        except Exception:  # a bug must not stop the connection's cleanup
            log.exception("ws: releasing what a client held failed")

    # -- the RTA: frames only while this client looks at one ---------------------------------------------

    def _watch_rta(self, point: str | None, per_octave: int) -> None:
        """Look at ``point``'s RTA (None: stop). The listener's thread hands each frame over; the newest is sent,
        at most ``RTA_HZ`` a second (a slow client gets fewer, never a queue)."""
        self._unwatch_rta()
        if point is None:
            return
        if self.hub.listener is None:
            raise MixerError("not_available", "this mixer has no RTA (no audio engine)")
        loop = asyncio.get_running_loop()

        def offer(frame: dict[str, Any]) -> None:  # the listener's thread
            self._rta_frame = frame
            loop.call_soon_threadsafe(self._rta_ready.set)

        self._rta = self.hub.listener.watch(point, per_octave, offer)

    def _unwatch_rta(self) -> None:
        watch, self._rta = self._rta, None
        if watch is not None:
            self.hub.listener.unwatch(watch)
        self._rta_frame = None

    async def _rta_frames(self) -> None:
        while True:
            await self._rta_ready.wait()
            self._rta_ready.clear()
            frame, self._rta_frame = self._rta_frame, None
            if frame is not None and self._rta is not None:
                await self._send({"type": "rta", **frame})
                await asyncio.sleep(1.0 / RTA_HZ)

    def _gesture(self, msg: dict[str, Any]) -> str | None:
        """The gesture a change belongs to (``"gesture": "<id>"``, up to MAX_ID characters): every change of one
        gesture is one undo step (``Control.set_many``). Scoped to this socket, so two phones' ids never meet."""
        gesture = msg.get("gesture")
        if gesture is None:
            return None
        if not isinstance(gesture, str) or not 0 < len(gesture) <= MAX_ID:
            raise _Malformed(f'"gesture": a string of 1 to {MAX_ID} characters naming one touch or drag')
        return f"{self._number}:{gesture}"

    def _check_fresh(self, msg: dict[str, Any]) -> None:
        """Refuse a change that took too long to arrive. A client stamps a change with the newest ping it had
        seen (``"ping": n``); once the server has sent two more, the change was on its way for at least one
        ping interval and up to two — the socket was dead meanwhile (a Wi-Fi drop: TCP delivers what it held
        when the network is back) and the app has given up on it. Applying it would replay a stale move."""
        if "ping" not in msg:
            return  # an API client that does not stamp its changes
        seen = msg["ping"]
        if isinstance(seen, bool) or not isinstance(seen, int) or not 0 <= seen <= self._pings:
            raise _Malformed(f'"ping": the number of the newest ping the client has seen (0…{self._pings})')
        if self._pings - seen >= 2:
            raise MixerError("stale_change", f"this change reached the mixer {self._pings - seen} pings after it was "
                             f"sent (over {self.hub.ping_s * (self._pings - seen - 1):g} s: the connection was down "
                             "meanwhile), so it was not applied; make it again if it is still wanted")

    async def _apply(self, fn: Callable[..., Any], *args: Any) -> Any:
        # The control core commits to the database before it answers: never on the event loop.
        return await anyio.to_thread.run_sync(fn, *args)

    async def _error(self, msg_id: Any, code: str, message: str, allowed: str | None = None) -> None:
        # The socket's own errors: a message it cannot read (400), or a failure of ours (500).
        status = 500 if code == "internal_error" else 400
        await self._send({"type": "error", "id": msg_id, "error": {"code": code, "message": message, "address": None,
                                                                    "allowed": allowed, "status": status}})


def _echoable(msg_id: Any) -> bool:
    """Whether an ``id`` can be sent back as it came: a short string, a finite number (1e400 reads as
    infinity, which JSON cannot carry), a bool or null."""
    if msg_id is None or isinstance(msg_id, bool):
        return True
    if isinstance(msg_id, str):
        return len(msg_id) <= MAX_ID
    if isinstance(msg_id, int):
        return abs(msg_id) <= sys.float_info.max
    return isinstance(msg_id, float) and math.isfinite(msg_id)


class _Malformed(Exception):
    """A client message of the wrong shape; the argument is the shape expected."""


class _Gone(Exception):
    """The client is gone or does not take data."""


async def websocket_endpoint(websocket: WebSocket) -> None:
    """``WS /api/v1/ws``: see the module docstring and the README."""
    await websocket.app.state.live.serve(websocket)
