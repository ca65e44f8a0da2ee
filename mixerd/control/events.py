"""Change events and their fan-out to subscribers (WebSocket clients, MQTT, the store).

Every subscriber has its own bounded queue. Publishing never waits for a subscriber: when a queue is
full its backlog is dropped and the subscription is marked lagged, and the consumer resyncs from
``Control.state()``. A slow phone therefore never delays a fader move for anyone else.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Iterable

#: Who caused a change.
ORIGINS: tuple[str, ...] = ("rest", "ws", "mqtt", "scene", "undo", "system")


@dataclass(frozen=True)
class Event:
    """One applied change. ``seq`` counts every change since start-up, in apply order."""

    seq: int
    address: str
    value: Any
    origin: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"seq", "address", "value", "origin"}``."""
        return asdict(self)


class Lagged(Exception):
    """The subscription fell behind and its backlog was dropped.

    Resync: take ``seq, values = control.state()``, use ``values``, then ignore events with a
    seq ≤ that seq (they are already in ``values``).
    """


class Subscription:
    """One subscriber's bounded event queue. Use ``get()`` from a thread or ``await get_async()`` from asyncio."""

    def __init__(self, hub: "EventHub", maxsize: int):
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self._hub = hub
        self._cond = threading.Condition()
        self._queue: deque[Event] = deque()
        self._lagged = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waker: asyncio.Event | None = None

    @property
    def lagged(self) -> bool:
        """True after an overflow, until ``get`` has reported it by raising Lagged. Events published
        meanwhile are dropped too: the consumer's resync from state() includes them."""
        return self._lagged

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, event: Event) -> None:
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
        if loop is not None and waker is not None:
            try:
                loop.call_soon_threadsafe(waker.set)
            except RuntimeError:  # the consumer's loop is closed; nobody is waiting any more
                pass

    def get(self, timeout: float | None = None) -> Event | None:
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

    def get_nowait(self) -> Event | None:
        """Next event or None if the queue is empty; raises Lagged once after an overflow."""
        with self._cond:
            return self._take()

    async def get_async(self, timeout: float | None = None) -> Event | None:
        """Like ``get`` for an asyncio consumer: waits without blocking the event loop."""
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._loop is not loop or self._waker is None:
                self._loop, self._waker = loop, asyncio.Event()
            waker = self._waker
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            # Clear before looking: a put after the look sets the waker again, so no wake-up is lost.
            waker.clear()
            with self._cond:
                event = self._take()
                if event is not None or self._closed:
                    return event
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            try:
                await asyncio.wait_for(waker.wait(), remaining)
            except TimeoutError:
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

    def _take(self) -> Event | None:
        if self._lagged:
            self._lagged = False
            raise Lagged(f"subscriber fell more than {self.maxsize} events behind; resync from state()")
        return self._queue.popleft() if self._queue else None


class EventHub:
    """The set of live subscriptions; ``publish`` hands each event to all of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []

    def __len__(self) -> int:
        return len(self._subs)

    def subscribe(self, maxsize: int = 1024) -> Subscription:
        """A new subscription that receives every event published from now on."""
        sub = Subscription(self, maxsize)
        with self._lock:
            self._subs.append(sub)
        return sub

    def remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, events: Iterable[Event]) -> None:
        """Queue ``events`` on every subscription; never blocks on a consumer."""
        with self._lock:
            subs = list(self._subs)
        events = list(events)
        for sub in subs:
            for event in events:
                sub.put(event)
