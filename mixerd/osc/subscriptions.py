"""The OSC clients that asked to be told: ``/xremote`` followers and timed data subscriptions.

An X AIR keeps a subscription for 10 s after its last renewal; an app renews every few seconds, and one that
went away simply stops being sent to. Both registries here work the same way, on an injected clock (monotonic
seconds), and belong to the server's one thread (no locks).

* ``Remotes``: clients following every change (``/xremote``; ``/xremotenfb``: not the changes they made
  themselves).
* ``Feeds``: data sent every tick or every few ticks (``/meters``, ``/batchsubscribe``, ``/subscribe``), each
  under the address the client asked for, until it expires or is unsubscribed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterator

#: Seconds a subscription lives after its last renewal (the X AIR's).
LIFETIME = 10.0
#: Clients that may follow changes at once (an X AIR takes 4; mixerd must take at least 16).
MAX_REMOTES = 32
#: Data subscriptions at once, over every client.
MAX_FEEDS = 256

Client = tuple  # (host, port) as the socket reports it


@dataclass
class Remote:
    """One client following changes: ``actor`` is who its own changes are, ``feedback`` whether it hears them."""

    client: Client
    actor: str
    feedback: bool
    renewed: float


class Remotes:
    """The ``/xremote`` followers, each until ``LIFETIME`` after its last renewal."""

    def __init__(self, clock: Callable[[], float], limit: int = MAX_REMOTES):
        self._clock = clock
        self._limit = limit
        self._remotes: dict[Client, Remote] = {}

    def renew(self, client: Client, actor: str, feedback: bool) -> bool:
        """Start or renew ``client``'s subscription; False when ``limit`` others follow already."""
        now = self._clock()
        remote = self._remotes.get(client)
        if remote is None:
            self._drop_expired(now)
            if len(self._remotes) >= self._limit:
                return False
            self._remotes[client] = Remote(client, actor, feedback, now)
        else:
            remote.feedback, remote.renewed = feedback, now
        return True

    def live(self) -> list[Remote]:
        """Who follows now (the expired are forgotten)."""
        self._drop_expired(self._clock())
        return list(self._remotes.values())

    def __len__(self) -> int:
        return len(self._remotes)

    def _drop_expired(self, now: float) -> None:
        for client in [c for c, r in self._remotes.items() if now - r.renewed >= LIFETIME]:
            del self._remotes[client]


@dataclass
class Feed:
    """One data subscription: ``reply`` is the address the data goes out under, ``source`` what is sent (the
    server's key: a meter bank or a parameter path), every ``every`` ticks."""

    client: Client
    reply: str
    source: Hashable
    every: int
    renewed: float


class Feeds:
    """Timed data subscriptions, keyed by client and reply address; each until ``LIFETIME`` after its last
    renewal."""

    def __init__(self, clock: Callable[[], float], limit: int = MAX_FEEDS):
        self._clock = clock
        self._limit = limit
        self._feeds: dict[tuple[Client, str], Feed] = {}

    def subscribe(self, client: Client, reply: str, source: Hashable, every: int = 1) -> bool:
        """Start (or replace) a subscription; False when ``limit`` feeds run already."""
        now = self._clock()
        key = (client, reply)
        if key not in self._feeds:
            self._drop_expired(now)
            if len(self._feeds) >= self._limit:
                return False
        self._feeds[key] = Feed(client, reply, source, max(1, every), now)
        return True

    def renew(self, client: Client, reply: str | None = None) -> None:
        """Renew ``client``'s subscription under ``reply``, or all of its subscriptions."""
        now = self._clock()
        for (owner, name), feed in self._feeds.items():
            if owner == client and (reply is None or name == reply):
                feed.renewed = now

    def unsubscribe(self, client: Client, reply: str | None = None) -> None:
        """End ``client``'s subscription under ``reply``, or all of its subscriptions."""
        for key in [k for k in self._feeds if k[0] == client and (reply is None or k[1] == reply)]:
            del self._feeds[key]

    def due(self, tick: int) -> Iterator[Feed]:
        """The live feeds to send at ``tick`` (a feed of ``every`` n is sent every n-th tick)."""
        self._drop_expired(self._clock())
        for feed in list(self._feeds.values()):
            if tick % feed.every == 0:
                yield feed

    def __len__(self) -> int:
        self._drop_expired(self._clock())
        return len(self._feeds)

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, f in self._feeds.items() if now - f.renewed >= LIFETIME]:
            del self._feeds[key]
