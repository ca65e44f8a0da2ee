"""Control: the one mutation path. validate → apply to the model → tell the engine → emit events.

Every front end (REST, WebSocket, MQTT, scenes, undo) changes the mixer only through ``Control.set``
or ``Control.set_many``. One lock covers the whole path, so the order of ``seq`` numbers is the order
in which the model and the engine saw the changes, whichever thread they came from.
"""

from __future__ import annotations

import logging
import threading
from types import MappingProxyType
from typing import Any, Callable, Mapping

from mixerd.control.events import ORIGINS, Event, EventHub, Subscription
from mixerd.control.link import AudioLink
from mixerd.model.params import ParamTree

log = logging.getLogger(__name__)

#: What ``meters()`` returns without an engine: no points, nothing to draw.
NO_METERS: dict[str, Any] = {"seq": 0, "rate": 0, "points": {}}


def _no_engine_health(reason: str) -> dict[str, Any]:
    return {
        "status": "down",
        "reason": reason,
        "engine": {"running": False, "cycles": 0, "cycles_advancing": False, "xruns": 0,
                   "sample_rate": 0, "period": 0, "dsp_load": 0.0},
        "jack": {},
    }


class Control:
    """The mixer's state and the single way to change it.

    ``initial`` values (e.g. from the store) are validated as one batch and raise BatchError if any is
    bad. With a ``link``, the engine gets the full state once at construction, then every change.
    Setting a value equal to the current one is accepted and still emits an event and reaches the
    engine: the caller gets a seq for its request, and a re-sent value repairs a drifted engine.
    """

    def __init__(self, tree: ParamTree, link: AudioLink | None = None, initial: Mapping[str, Any] | None = None):
        self._tree = tree
        self._link = link
        self._lock = threading.Lock()
        self._hub = EventHub()
        self._values: dict[str, Any] = tree.defaults()
        if initial:
            self._values.update(tree.validate_many(initial))
        # The engine reads the live values through this view: no copy of the whole tree per change.
        self._view = MappingProxyType(self._values)
        self._seq = 0
        self._link_errors = 0
        with self._lock:
            self._push(tuple(self._values))

    @property
    def tree(self) -> ParamTree:
        return self._tree

    @property
    def seq(self) -> int:
        """Seq of the last applied change (0 before any)."""
        return self._seq

    # -- reading ----------------------------------------------------------------------------------

    def state(self) -> tuple[int, dict[str, Any]]:
        """``(seq, values)``: a consistent copy of every current value and the seq it includes."""
        with self._lock:
            return self._seq, dict(self._values)

    def get(self, address: str) -> Any:
        """Current value of ``address``; raises ParamError ``unknown_address``."""
        self._tree.spec(address)
        # No lock: the key set never changes and a single dict read is atomic.
        return self._values[address]

    # -- changing ---------------------------------------------------------------------------------

    def set(self, address: str, value: Any, origin: str) -> Event:
        """Validate and apply one change; returns its event or raises ParamError (nothing changed)."""
        _check_origin(origin)
        with self._lock:
            coerced = self._tree.validate(address, value)
            return self._commit({address: coerced}, origin)[0]

    def set_many(self, changes: Mapping[str, Any], origin: str, fade_ms: float | None = None) -> list[Event]:
        """Apply all ``changes`` or none: every change is validated first, and any invalid one raises
        BatchError (a ParamError listing every bad address in ``errors``) with nothing changed and no
        seq used. The engine gets the whole batch in one ``apply`` call; events follow in the order
        of ``changes``. An empty batch returns [] and emits nothing. ``fade_ms`` makes the audio move
        to the new values over that time (a scene recall's crossfade) instead of the short ramp."""
        _check_origin(origin)
        with self._lock:
            coerced = self._tree.validate_many(changes)
            return self._commit(coerced, origin, fade_ms) if coerced else []

    def subscribe(self, maxsize: int = 1024) -> Subscription:
        """Events from now on. To start in sync: subscribe, then ``state()``, then skip events whose
        seq is ≤ the state's seq (do the same after the subscription raises Lagged)."""
        return self._hub.subscribe(maxsize)

    # -- engine facts -----------------------------------------------------------------------------

    def meters(self) -> dict[str, Any]:
        """The engine's meter snapshot, or an empty one without an engine."""
        return self._ask("meters", lambda: dict(NO_METERS))

    def health(self) -> dict[str, Any]:
        """The engine's health, plus how control is doing; ``down`` without an engine."""
        if self._link is None:
            health = _no_engine_health("no audio engine attached")
        else:
            health = self._ask("health", lambda: _no_engine_health("the engine did not answer"))
        return {**health, "control": {"seq": self._seq, "link_errors": self._link_errors,
                                      "subscribers": len(self._hub)}}

    def system(self) -> dict[str, Any]:
        """The engine's system facts, always with the layout the parameter tree was built from."""
        info = self._ask("system", dict) if self._link is not None else {}
        return {"layout": self._tree.layout.to_dict(), **info}

    # -- internals --------------------------------------------------------------------------------

    def _commit(self, changes: dict[str, Any], origin: str, fade_ms: float | None = None) -> list[Event]:
        """Apply validated ``changes`` (caller holds the lock) and emit their events."""
        self._values.update(changes)
        events = []
        for address, value in changes.items():
            self._seq += 1
            events.append(Event(self._seq, address, value, origin))
        self._push(tuple(changes), fade_ms)
        self._hub.publish(events)
        return events

    def _push(self, changed: tuple[str, ...], fade_ms: float | None = None) -> None:
        """Hand the new state to the engine. A failing engine is logged, not fatal: the model stays the
        truth and the next change or a resync brings the engine back in line."""
        if self._link is None:
            return
        try:
            if fade_ms is None:
                self._link.apply(self._view, changed)
            else:
                self._link.apply(self._view, changed, fade_ms=fade_ms)
        except Exception:
            self._link_errors += 1
            log.exception("audio engine rejected %d change(s) starting at %s", len(changed), changed[:1])

    def _ask(self, what: str, fallback: Callable[[], dict]) -> dict[str, Any]:
        if self._link is None:
            return fallback()
        try:
            return getattr(self._link, what)()
        except Exception:
            log.exception("audio engine failed to report %s", what)
            return fallback()


def _check_origin(origin: str) -> None:
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}; one of {', '.join(ORIGINS)}")
