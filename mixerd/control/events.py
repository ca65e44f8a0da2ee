"""Change events, typed notices, and their fan-out to subscribers (WebSocket clients, MQTT).

One stream per Control carries two kinds of item, in the order they happened:

* ``Event`` — one applied parameter change ``{"seq", "address", "value", "origin"}``; every subscriber
  gets these.
* ``Notice`` — a typed event about something that changes rarely, for subscribers that ask for them
  (``Control.subscribe(notices=True)`` for every kind, or a set of kinds; ``Subscription.follow`` changes
  it); a front end follows them instead of polling. A notice is made only while somebody follows its kind.
  ``kind`` is one of
  ``NOTICE_KINDS``, ``data`` is JSON-ready, ``seq`` is the control's seq when it was emitted (a notice of
  an undo step comes right after that step's change events, with the seq of the last of them):

  - ``undo`` ``{"actors", "status"}``: what undo/redo would do for these actors may have changed (a step of
    theirs came, grew, was undone or redone, or was forgotten); ``status`` is each one's
    ``Control.undo_status(actor)`` as of the notice's seq (read under the control's lock, so a follower need
    not ask: a drag's every move brings one).
  - ``history`` ``{"action", "step", "actor", "entries", "complete", "replaces", "drop_steps",
    "drop_steps_through", "kept"}``: the recorded history changed. ``action`` ``append`` (a new step; ``entries``
    are its rows, newest first, as ``HistoryEntry.to_dict()``; a step with more than ``HISTORY_ENTRIES``
    rows sends only its newest and ``complete`` false), ``extend`` (a fader drag went on: its rows
    ``replaces`` are replaced by ``entries``), ``undo`` or ``redo`` (``step`` was undone or redone: its entries'
    ``undone``; ``kept``: its values someone changed since, left alone). ``actor``: whose step it is.
    ``drop_steps`` / ``drop_steps_through``: those steps (the actor's undone ones, forgotten by its new step)
    or every step up to that number (beyond the undo depth) are gone from the history.
  - ``scenes`` ``{"revision", "action", "id", "scenes", "safes", "safe_addresses", "current"}``: the scene
    list, the safes or the scene the mix is at changed (``action`` ``saved``, ``renamed``, ``deleted``,
    ``imported``, ``updated`` (saved again with the mix), ``safes``, or ``current``: the mix came to another
    scene, or moved away from it or back; ``id`` is then the current scene's); ``scenes`` is every scene's
    ``{"id", "name", "created", "updated", "size"}`` (times in seconds since the epoch), ``current`` the scene
    the mix is at ``{"id", "name", "modified"}`` or null, ``revision`` grows with every such change (emitted
    by ``SceneService``).
  - ``player``: a take started or stopped playing back (``data`` is ``Player.status()``).
  - ``fleet``: a mixerd on the MQTT broker (this one too) said something new — announced itself, came online or
    went offline, its health — or the bridge joined or left the broker (``data`` is ``Fleet.status()``, what
    ``GET /fleet`` answers).
  - ``recorder``: the recorder's status changed (a take started, stopped or ended by itself; ``data`` is
    ``Recorder.status()``, emitted by ``mixerd.recorder.Recorder``).
  - ``takes``: a take renamed or deleted (``data``: ``{"action": "renamed" | "deleted", "take", "name"}``).
  - ``problems``: the problem finder's list changed; ``data`` is ``Diagnostics.problems()``, ``source``
    the Diagnostics that found it (``Control.follow_problems``).
  - ``health`` ``{"status", "running", "xruns", "sample_rate", "period"[, "interface": {"card",
    "present"}]}``: the engine's health changed (a watcher in control compares it once a second while
    anybody follows them; ``mixerd.control.health``).

Every subscriber has its own bounded queue. Publishing never waits for a subscriber: when a queue is
full its backlog is dropped and the subscription is marked lagged, and the consumer resyncs from
``Control.state()`` (and, if it follows notices, from ``undo_state()``, ``health()``, the scenes and
problems it shows). A slow phone therefore never delays a fader move for anyone else.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Union

#: Who caused a change.
ORIGINS: tuple[str, ...] = ("rest", "ws", "mqtt", "osc", "scene", "undo", "system")
#: The typed notices (see the module docstring).
NOTICE_KINDS: tuple[str, ...] = ("undo", "history", "scenes", "problems", "health", "recorder", "player", "takes",
                                 "fleet")
#: The most history rows one ``history`` notice carries (a scene recall may change thousands at once).
HISTORY_ENTRIES = 100


@dataclass(frozen=True)
class Event:
    """One applied change. ``seq`` counts every change since start-up, in apply order."""

    seq: int
    address: str
    value: Any
    origin: str
    actor: str | None = None  # who (see Control: whose undo takes it back; for an undo's events, who undid)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"seq", "address", "value", "origin", "actor"}``."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Notice:
    """A typed event beside the changes (see the module docstring): ``kind``, JSON-ready ``data``, the
    control's ``seq`` when it was emitted, and for ``problems`` the ``source`` that found them. One notice
    is one object shared by every subscriber (compared and hashed by identity, so a front end can encode
    it once for all its clients)."""

    kind: str
    data: Mapping[str, Any]
    seq: int
    source: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"kind", "seq", **data}``."""
        return {"kind": self.kind, "seq": self.seq, **self.data}


#: What a subscription yields.
Item = Union[Event, Notice]


class Lagged(Exception):
    """The subscription fell behind and its backlog was dropped.

    Resync: take ``seq, values = control.state()``, use ``values``, then ignore events with a
    seq ≤ that seq (they are already in ``values``).
    """


class Subscription:
    """One subscriber's bounded event queue. Use ``get()`` from a thread or ``await get_async()`` from asyncio.

    A subscription receives the typed ``Notice`` items of the kinds it follows too (``kinds``), in stream
    order; they count towards ``maxsize`` like changes."""

    def __init__(self, hub: "EventHub", maxsize: int, kinds: frozenset[str] = frozenset()):
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self.kinds = kinds
        self._hub = hub
        self._cond = threading.Condition()
        self._queue: deque[Item] = deque()
        self._lagged = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waker: asyncio.Event | None = None
        # An asyncio consumer waits (get_async) / a wake-up is on its way to it: a burst of events costs one
        # wake-up of the event loop (a write to its self-pipe) per waiting consumer, not one per event.
        self._waiting = False
        self._woken = False

    @property
    def lagged(self) -> bool:
        """True after an overflow, until ``get`` has reported it by raising Lagged. Events published
        meanwhile are dropped too: the consumer's resync from state() includes them."""
        return self._lagged

    @property
    def closed(self) -> bool:
        return self._closed

    def follow(self, notices: bool | Iterable[str]) -> None:
        """Receive the notices of these kinds from now on (True: every kind, False: none)."""
        self._hub.refollow(self, kinds_of(notices))

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, event: Item) -> None:
        """Queue ``event`` without ever blocking on the consumer (called by the hub)."""
        with self._cond:
            if self._closed or self._lagged:
                # While lagged, the resync from state() the consumer is about to do covers this event.
                return
            if len(self._queue) >= self.maxsize:
                # Drop the backlog, not just the newest event: a partial stream would leave the
                # consumer with a wrong picture, a resync from state() gives it the right one.
                self._queue.clear()
                self._lagged = True
            else:
                self._queue.append(event)
            self._cond.notify_all()
            loop, waker = self._loop, self._waker
            wake = self._waiting and not self._woken
            self._woken = self._woken or wake
        if wake and loop is not None and waker is not None:
            try:
                loop.call_soon_threadsafe(waker.set)
            except RuntimeError:  # the consumer's loop is closed; nobody is waiting any more
                pass

    def get(self, timeout: float | None = None) -> Item | None:
        """Next event, waiting up to ``timeout`` seconds (None: forever). Returns None on timeout or
        when closed; raises Lagged once after an overflow."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                event = self._take()
                if event is not None or self._closed:
                    return event
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def get_nowait(self) -> Item | None:
        """Next event or None if the queue is empty; raises Lagged once after an overflow."""
        with self._cond:
            return self._take()

    async def get_async(self, timeout: float | None = None) -> Item | None:
        """Like ``get`` for an asyncio consumer: waits without blocking the event loop."""
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._loop is not loop or self._waker is None:
                self._loop, self._waker = loop, asyncio.Event()
            waker = self._waker
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._cond:
                event = self._take()
                if event is not None or self._closed:
                    self._waiting = False
                    return event
                # Cleared and marked waiting under the lock a put decides under: the first put from now on
                # wakes this consumer (once), none is lost.
                waker.clear()
                self._waiting, self._woken = True, False
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                with self._cond:
                    self._waiting = False
                return None
            try:
                await asyncio.wait_for(waker.wait(), remaining)
            except TimeoutError:
                with self._cond:
                    self._waiting = False
                return None

    def close(self) -> None:
        """Stop receiving events and wake every waiting consumer."""
        self._hub.remove(self)
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
            loop, waker = self._loop, self._waker
        if loop is not None and waker is not None:
            try:
                loop.call_soon_threadsafe(waker.set)
            except RuntimeError:
                pass

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> Item | None:
        if self._lagged:
            self._lagged = False
            raise Lagged(f"subscriber fell more than {self.maxsize} events behind; resync from state()")
        return self._queue.popleft() if self._queue else None


def kinds_of(notices: bool | Iterable[str]) -> frozenset[str]:
    """The notice kinds meant by ``notices``: True every kind, False none, else the kinds named."""
    if notices is True:
        return frozenset(NOTICE_KINDS)
    if notices is False:
        return frozenset()
    kinds = frozenset(notices)  # type: ignore[arg-type]
    if kinds - set(NOTICE_KINDS):
        raise ValueError(f"unknown notice kinds {sorted(kinds - set(NOTICE_KINDS))}; one of {', '.join(NOTICE_KINDS)}")
    return kinds


class EventHub:
    """The set of live subscriptions; ``publish`` hands each item to all of them (a notice only to those
    that follow its kind)."""

    def __init__(self, on_follow: Callable[[frozenset[str]], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._followers = dict.fromkeys(NOTICE_KINDS, 0)  # kind → subscriptions that follow it
        self._on_follow = on_follow  # told the kinds a subscription follows from now on

    def __len__(self) -> int:
        return len(self._subs)

    def follows(self, kind: str) -> bool:
        """Whether any subscription follows notices of ``kind`` (if none, nobody needs them made)."""
        return self._followers[kind] > 0

    def subscribe(self, maxsize: int = 1024, notices: bool | Iterable[str] = False) -> Subscription:
        """A new subscription that receives every event (and the notices of the kinds in ``notices``, True:
        all) published from now on."""
        sub = Subscription(self, maxsize, kinds_of(notices))
        with self._lock:
            self._subs.append(sub)
            for kind in sub.kinds:
                self._followers[kind] += 1
        if sub.kinds and self._on_follow is not None:
            self._on_follow(sub.kinds)
        return sub

    def refollow(self, sub: Subscription, kinds: frozenset[str]) -> None:
        with self._lock:
            if sub in self._subs:
                for kind in sub.kinds:
                    self._followers[kind] -= 1
                for kind in kinds:
                    self._followers[kind] += 1
            sub.kinds = kinds
        if kinds and self._on_follow is not None:
            self._on_follow(kinds)

    def remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
                for kind in sub.kinds:
                    self._followers[kind] -= 1

    def publish(self, items: Iterable[Item]) -> None:
        """Queue ``items`` on every subscription (a ``Notice`` only on those that follow its kind); never
        blocks on a consumer."""
        with self._lock:
            subs = list(self._subs)
        items = list(items)
        if not any(isinstance(item, Notice) for item in items):
            for sub in subs:
                for item in items:
                    sub.put(item)
            return
        for sub in subs:
            kinds = sub.kinds
            for item in items:
                if isinstance(item, Event) or item.kind in kinds:
                    sub.put(item)
