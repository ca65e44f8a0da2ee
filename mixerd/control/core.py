"""Control: the one mutation path. validate → model → engine → store → events → answer.

Every front end (REST, WebSocket, MQTT, scenes, undo) changes the mixer only through ``Control.set``,
``Control.set_many``, ``Control.undo`` or ``Control.redo``. A change is validated first, without the
lock (the parameter tree never changes, so validation needs no state; a batch of thousands of bad
addresses holds up no other writer). Then one lock covers apply to the model → engine → queue for the
store, so the order of ``seq`` numbers is the order in which the model, the engine and the store see the
changes, whichever thread they came from. The audio never waits for the disk: the engine has a change
before its commit starts.

The commit happens outside that lock, as a group commit: the first caller to find no commit running
commits everything queued in one transaction (one fsync), publishes those changes' events in seq order
and wakes their callers; callers that queued meanwhile wait and share the next one. A fader dragged on
several phones thus costs one fsync per disk round trip, not one per step, and every call still returns
only once its change is in the database (what a client was told survives kill -9 and power loss).

Undo: one history for every front end. Each ``set``/``set_many`` call that changes something is one
step; a ``set`` of the same address by the same origin within ``undo_window_s`` of the previous
step's last change extends that step when it was a single-address step on that address (a fader drag
is one step, which keeps the value from before the drag). ``undo``/``redo`` move an undo position
through the steps; a new change after an undo discards the steps above it. The history and the
position are in the store, so undo survives a restart; without a store they live in memory.

Typed notices (``mixerd.control.events``) go out on the same stream, to subscribers that follow them:
``undo`` and ``history`` right after the change events of the operation that caused them (same commit, same
order), ``scenes`` from the scene service (``notify``), ``problems`` from a problem finder this control
follows (``follow_problems``) and ``health`` from the one health watcher (``mixerd.control.health``), which
runs only while somebody follows. Nothing that changes rarely needs polling by a front end.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from mixerd.control.events import HISTORY_ENTRIES, NOTICE_KINDS, ORIGINS, Event, EventHub, Item, Notice, Subscription
from mixerd.control.health import HEALTH_INTERVAL, HealthWatch
from mixerd.control.history import (
    META_SEQ,
    META_UNDO_POS,
    HistoryEntry,
    StartingState,
    StepEvents,
    UndoError,
    starting_state,
)
from mixerd.control.link import AudioLink
from mixerd.model.errors import ParamError
from mixerd.model.meters import MeterFrame
from mixerd.model.params import ParamTree
from mixerd.store import Change, Store, Write

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


@dataclass(frozen=True)
class _OpenStep:
    """The newest step while a change of the same addresses may still extend it (a fader drag, or an
    EQ handle moving frequency and gain together, in progress), or any change of the same gesture."""

    step: int
    origin: str
    at: float  # clock time of its last change
    olds: Mapping[str, Any]  # address → the value before the step
    row_seqs: Mapping[str, int]  # address → the seq of its history row
    gesture: str | None = None  # the front end's id of the gesture that made it


class Control:
    """The mixer's state and the single way to change it.

    Without a ``store`` the state starts at the defaults plus ``initial`` (validated as one batch:
    BatchError if any is bad) and the undo history lives in memory. With a ``store`` it starts at the
    defaults plus the stored values (``initial`` only when the store has no state yet, e.g. the demo
    mix on a first start; it then becomes the store's first state), stored values that no longer fit
    the tree are dropped with a warning, ``seq`` and the undo history continue where they were, and
    every applied operation is committed to the store before the call returns. ``initial`` may also be
    the StartingState ``starting_state(tree, store, initial)`` already computed (the daemon loads the
    engine from it before audio starts). ``control.store`` is the given store (or None). Events are
    published once their change is committed; ``state()`` and the engine may be a commit ahead.

    With a ``link``, the engine gets the full state once at construction, then every change. Setting a
    value equal to the current one is accepted and still emits an event and reaches the engine (the
    caller gets a seq for its request, and a re-sent value repairs a drifted engine), but it is no
    undo step. ``clock`` (monotonic seconds) times the undo coalescing window; ``undo_depth`` is how
    many steps the history keeps. ``health_interval`` is how often the health watcher looks while anybody
    follows the notices; ``close()`` stops it.
    """

    def __init__(self, tree: ParamTree, link: AudioLink | None = None,
                 initial: Mapping[str, Any] | StartingState | None = None, store: Store | None = None,
                 undo_window_s: float = 1.0, *, undo_depth: int = 1000,
                 clock: Callable[[], float] = time.monotonic, health_interval: float = HEALTH_INTERVAL):
        if undo_depth < 1:
            raise ValueError(f"undo_depth must be at least 1, got {undo_depth}")
        self._tree = tree
        self._link = link
        self._lock = threading.Lock()
        self._hub = EventHub(self._followed)
        self.store = store
        self._db = store if store is not None else Store.memory()
        self.undo_window_s = undo_window_s
        self.undo_depth = undo_depth
        self._clock = clock
        start = initial if isinstance(initial, StartingState) else starting_state(tree, store, initial)
        #: Where the state came from and which stored values were dropped.
        self.started_from = start
        self._values: dict[str, Any] = dict(start.values)
        # The engine reads the live values through this view: no copy of the whole tree per change.
        self._view = MappingProxyType(self._values)
        self._seq = start.seq
        self._link_errors = 0
        self._store_errors = 0
        self._last_step = self._db.last_step()
        pos = self._db.meta(META_UNDO_POS, self._last_step)
        valid_pos = isinstance(pos, int) and not isinstance(pos, bool) and 0 <= pos <= self._last_step
        self._pos = pos if valid_pos else self._last_step
        self._open: _OpenStep | None = None
        self._first = self._db.first_step()  # the oldest step the history holds (None: empty)
        self._undo_sent = self._undo_now()  # the undo status as the last ``undo`` notice said it
        self._problem_sources: list[Any] = []
        self._watch = HealthWatch(self.health, lambda s: self.notify("health", s), lambda: self._hub.follows("health"),
                                  health_interval)
        # Group commit (see the module docstring). _commit_cv guards the queue and the counters. Locks are
        # only ever taken model lock first, and a commit never takes the model lock: no deadlock, and
        # undo may commit while it holds the model lock.
        self._commit_cv = threading.Condition()
        self._queue: list[tuple[Write, list[Item]]] = []
        self._queued = 0  # writes queued so far (a write's ticket is this count after it)
        self._done = 0  # writes whose commit has finished (saved or failed), always a prefix
        self._committing = False
        with self._lock:
            self._push(tuple(self._values))
            if start.initial:  # the starting mix becomes the store's first state (no undo step)
                self._wait(self._enqueue(Write(values=start.initial), []))

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

    def set(self, address: str, value: Any, origin: str, gesture: str | None = None) -> Event:
        """Validate and apply one change; returns its event or raises ParamError (nothing changed).
        ``gesture``: see ``set_many``."""
        _check_origin(origin)
        coerced = self._tree.validate(address, value)  # no lock: the tree is immutable
        with self._lock:
            events, ticket = self._change({address: coerced}, origin, coalesce=True, gesture=gesture)
        self._wait(ticket)
        return events[0]

    def set_many(self, changes: Mapping[str, Any], origin: str, fade_ms: float | None = None,
                 coalesce: bool = False, gesture: str | None = None) -> list[Event]:
        """Apply all ``changes`` or none: every change is validated first, and any invalid one raises
        BatchError (a ParamError listing every bad address in ``errors``) with nothing changed and no
        seq used. The engine gets the whole batch in one ``apply`` call; events follow in the order
        of ``changes``. An empty batch returns [] and emits nothing. ``fade_ms`` makes the audio move
        to the new values over that time (a scene recall's crossfade) instead of the short ramp.
        The batch is one undo step; with ``coalesce`` (a drag that moves several values at once, such
        as an EQ handle) a batch of the same addresses from the same origin within the undo window
        extends that step instead, as repeated ``set`` calls of one address do. ``gesture`` (a front end's id
        for one touch or drag) makes every change of that gesture from that origin one step, whichever
        addresses each names and however long the finger rests (an EQ handle dragged up, then sideways). A batch
        of more changes than the tree has parameters is refused (ParamError ``too_many_changes``)."""
        _check_origin(origin)
        # Validation (and its "did you mean" for unknown addresses) runs before the lock is taken.
        coerced = self._tree.validate_many(changes)
        if not coerced:
            return []
        with self._lock:
            events, ticket = self._change(coerced, origin, fade_ms, coalesce=coalesce, gesture=gesture)
        self._wait(ticket)
        return events

    # -- undo -------------------------------------------------------------------------------------

    def undo(self) -> StepEvents:
        """Undo the newest applied step: its old values as one batch (origin "undo"). Returns the
        events (a list that also carries the ``step`` undone); raises UndoError ``nothing_to_undo``."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            step = self._pos
            rows = self._db.step_changes(step) if step > 0 else []
            if not rows:
                raise UndoError("nothing_to_undo", "nothing to undo: no earlier change is in the history")
            target: dict[str, Any] = {}
            for row in rows:  # the oldest row of an address has the value from before the step
                target.setdefault(row.address, row.old)
            self._pos = step - 1
            events, ticket = self._walk(target, step)
        self._wait(ticket)
        return events

    def redo(self) -> StepEvents:
        """Re-apply the step undone last (origin "undo"); raises UndoError ``nothing_to_redo``."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            step = self._pos + 1
            rows = self._db.step_changes(step) if step <= self._last_step else []
            if not rows:
                raise UndoError("nothing_to_redo",
                                "nothing to redo: no undone step (a change after undo discards the redo steps)")
            target = {row.address: row.new for row in rows}  # oldest first: the newest value wins
            self._pos = step
            events, ticket = self._walk(target, step)
        self._wait(ticket)
        return events

    def history(self, limit: int = 100, before: int | None = None) -> list[HistoryEntry]:
        """The newest ``limit`` recorded changes (newest first), only those with a seq below ``before``
        if given; each says whether its step is undone."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            pos = self._pos
            rows = self._db.history(limit, before)
        return [HistoryEntry(c.seq, c.ts, c.origin, c.address, c.old, c.new, c.step, c.step > pos) for c in rows]

    def undo_status(self) -> dict[str, Any]:
        """``{"position", "can_undo", "can_redo"}``: the newest applied step and what undo/redo would do."""
        return self.undo_state()[1]

    def undo_state(self) -> tuple[int, dict[str, Any]]:
        """``(seq, undo_status())`` read together: an ``undo`` notice with a seq ≤ this seq is not newer."""
        with self._lock:
            return self._seq, self._undo_now()

    def history_view(self, limit: int = 100, before: int | None = None) -> tuple[int, list[HistoryEntry], dict[str, Any]]:
        """``(seq, history(limit, before), undo_status())`` read together: the history as of ``seq``, so a
        ``history`` notice with a seq ≤ it is already in the entries."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            pos, seq, status = self._pos, self._seq, self._undo_now()
            rows = self._db.history(limit, before)
        return seq, [HistoryEntry(c.seq, c.ts, c.origin, c.address, c.old, c.new, c.step, c.step > pos)
                     for c in rows], status

    def subscribe(self, maxsize: int = 1024, *, notices: bool | Iterable[str] = False) -> Subscription:
        """Events from now on, and with ``notices`` the typed notices (True: every kind, or the kinds named;
        see ``mixerd.control.events``; ``Subscription.follow`` changes them later). To start in sync:
        subscribe, then ``state()``, then skip events whose seq is ≤ the state's seq (do the same after the
        subscription raises Lagged; a follower of notices also reads what it shows of them again:
        ``undo_state()``, ``health()``, the scenes, the problems)."""
        return self._hub.subscribe(maxsize, notices)

    def _followed(self, kinds: frozenset[str]) -> None:
        if "health" in kinds:
            self._watch.ensure()  # somebody follows the health: look at it

    def follows(self, kind: str) -> bool:
        """Whether any subscriber follows notices of ``kind`` (else ``notify`` drops them, and their data
        need not be made)."""
        return self._hub.follows(kind)

    def notify(self, kind: str, data: Mapping[str, Any], source: Any = None) -> None:
        """Publish a typed notice (``kind`` one of NOTICE_KINDS) to every subscriber that follows them, stamped
        with the current seq; costs nothing while nobody follows. Never blocks on a consumer."""
        if kind not in NOTICE_KINDS:
            raise ValueError(f"unknown notice kind {kind!r}; one of {', '.join(NOTICE_KINDS)}")
        if self._hub.follows(kind):
            self._hub.publish([Notice(kind, data, self._seq, source)])

    def follow_problems(self, diagnostics: Any) -> None:
        """Publish every change of ``diagnostics``' problem list as a ``problems`` notice (its ``source`` is
        ``diagnostics``). Idempotent: whoever assembles the app (the daemon, the web app, the MQTT bridge)
        may call it for the problem finder it hands out."""
        with self._commit_cv:
            if any(known is diagnostics for known in self._problem_sources):
                return
            self._problem_sources.append(diagnostics)
        diagnostics.add_listener(lambda message: self.notify("problems", message, diagnostics))

    def close(self) -> None:
        """Stop the health watcher (before the engine goes away). Changes and subscriptions keep working."""
        self._watch.stop()

    # -- engine facts -----------------------------------------------------------------------------

    def meter_frame(self) -> MeterFrame | None:
        """The engine's current meter frame (shared, read-only arrays), None without an engine."""
        if self._link is None:
            return None
        try:
            return self._link.meter_frame()
        except Exception:
            log.exception("audio engine failed to report its meter frame")
            return None

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
                                      "subscribers": len(self._hub), "persistent": self.store is not None,
                                      "store_errors": self._store_errors}}

    def ports(self) -> dict[str, Any]:
        """The audio ports and their connections (see ``AudioLink.ports``); empty without an engine."""
        return self._ask("ports", dict)

    def system(self) -> dict[str, Any]:
        """The engine's system facts, always with the layout the parameter tree was built from."""
        info = self._ask("system", dict) if self._link is not None else {}
        return {"layout": self._tree.layout.to_dict(), **info}

    # -- internals --------------------------------------------------------------------------------

    def _change(self, changes: dict[str, Any], origin: str, fade_ms: float | None = None,
                coalesce: bool = False, gesture: str | None = None) -> tuple[list[Event], int]:
        """Apply validated ``changes`` as an undo step (caller holds the lock): model, engine, then queue
        the store write. Returns the events and the write's ticket for ``_wait``."""
        now, wall = self._clock(), time.time()
        olds = {address: self._values[address] for address in changes}
        moved = [address for address, value in changes.items() if value != olds[address]]
        steady = {address: changes[address] for address in changes if address not in moved}
        open_ = self._open
        notices: list[Item] = []
        follow = self._hub.follows("history")
        newest = open_ is not None and open_.origin == origin and open_.step == self._pos == self._last_step
        same_gesture = newest and gesture is not None and open_.gesture == gesture
        same_drag = (newest and coalesce and gesture is None and set(changes) == set(open_.olds)
                     and now - open_.at <= self.undo_window_s)
        if same_gesture or same_drag:
            # The drag goes on: the step's rows now end at these values and still start before the drag (an
            # address the gesture reaches only now starts where it was). Rows of addresses not changed now stay.
            events = self._assign(changes, origin)
            rows = [Change(e.seq, e.address, open_.olds.get(e.address, olds[e.address]), e.value, origin, open_.step,
                           wall) for e in events]
            replaced = tuple(open_.row_seqs[a] for a in changes if a in open_.row_seqs)
            write = self._write(rows, drop_seqs=replaced)
            self._open = dataclasses.replace(open_, at=now, olds={**olds, **open_.olds},
                                             row_seqs={**open_.row_seqs, **{r.address: r.seq for r in rows}})
            if follow:
                notices.append(self._history_notice("extend", open_.step, rows, replaces=replaced))
        elif not moved:
            # Nothing changes: no undo step (the redo steps stay); the seqs used are still kept.
            events = self._assign(changes, origin)
            write = self._write([], values=steady)
        else:
            step = self._pos + 1
            drop_redo = self._pos if self._pos < self._last_step else None
            # The oldest step left: one at or below the position (those above are dropped), else this one.
            first = self._first if self._first is not None and self._first <= self._pos else step
            self._pos = self._last_step = step
            events = self._assign(changes, origin)
            rows = [Change(e.seq, e.address, olds[e.address], e.value, origin, step, wall) for e in events
                    if e.address not in steady]
            forget = step - self.undo_depth if step > self.undo_depth else None
            self._first = first if forget is None else max(first, forget + 1)
            write = self._write(rows, values=steady, drop_steps_after=drop_redo, drop_steps_through=forget)
            if follow:
                notices.append(self._history_notice("append", step, rows, drop_steps_after=drop_redo,
                                                    drop_steps_through=forget))
            notices += self._undo_notice()
            # A step that changed every address it names may be extended by the next change of the same ones;
            # a gesture's step by any change of that gesture.
            self._open = (_OpenStep(step, origin, now, {r.address: r.old for r in rows},
                                    {r.address: r.seq for r in rows}, gesture)
                          if len(rows) == len(changes) or gesture is not None else None)
        self._push(tuple(changes), fade_ms)  # heard now; the disk follows
        return events, self._enqueue(write, [*events, *notices] if notices else events)

    def _walk(self, target: dict[str, Any], step: int) -> tuple[StepEvents, int]:
        """Apply an undo/redo step's values (caller holds the lock and has moved the position)."""
        values = {}
        for address, value in target.items():
            if address not in self._tree:  # the layout changed since the step was recorded
                log.warning("undo: step %d: skipping %s (no longer an address of this mixer)", step, address)
                continue
            try:
                values[address] = self._tree.validate(address, value)
            except ParamError as exc:
                log.warning("undo: step %d: skipping %s (%s)", step, address, exc.message)
        self._open = None
        events = self._assign(values, "undo")
        if values:
            self._push(tuple(values))
        notices: list[Item] = []
        if self._hub.follows("history"):
            notices.append(self._history_notice("undo" if self._pos < step else "redo", step, []))
        notices += self._undo_notice()
        return StepEvents(events, step), self._enqueue(self._write([], values=values), [*events, *notices])

    # -- notices (caller holds the lock) ----------------------------------------------------------------

    def _undo_now(self) -> dict[str, Any]:
        pos = self._pos
        return {"position": pos, "can_undo": pos > 0 and self._first is not None and self._first <= pos,
                "can_redo": pos < self._last_step}

    def _undo_notice(self) -> list[Item]:
        """An ``undo`` notice if the status changed since the last one (tracked even while nobody follows,
        so a follower's snapshot and the next notice agree)."""
        now = self._undo_now()
        if now == self._undo_sent:
            return []
        self._undo_sent = now
        return [Notice("undo", now, self._seq)] if self._hub.follows("undo") else []

    def _history_notice(self, action: str, step: int, rows: list[Change], *, replaces: Iterable[int] = (),
                        drop_steps_after: int | None = None, drop_steps_through: int | None = None) -> Notice:
        newest = rows[-HISTORY_ENTRIES:][::-1]
        entries = [HistoryEntry(r.seq, r.ts, r.origin, r.address, r.old, r.new, r.step, False).to_dict()
                   for r in newest]
        return Notice("history", {"action": action, "step": step, "position": self._pos, "entries": entries,
                                  "complete": len(rows) <= HISTORY_ENTRIES, "replaces": list(replaces),
                                  "drop_steps_after": drop_steps_after, "drop_steps_through": drop_steps_through},
                      self._seq)

    def _assign(self, changes: dict[str, Any], origin: str) -> list[Event]:
        """Put ``changes`` into the model and number them."""
        self._values.update(changes)
        events = []
        for address, value in changes.items():
            self._seq += 1
            events.append(Event(self._seq, address, value, origin))
        return events

    def _write(self, rows: list[Change], values: Mapping[str, Any] | None = None, *,
               drop_seqs: Iterable[int] = (), drop_steps_after: int | None = None,
               drop_steps_through: int | None = None) -> Write:
        """The store write of one operation, with the seq and undo position as they are after it."""
        return Write(rows, {META_SEQ: self._seq, META_UNDO_POS: self._pos}, drop_steps_after, values,
                     tuple(drop_seqs), drop_steps_through)

    def _enqueue(self, write: Write, events: list[Item]) -> int:
        """Queue ``write`` and its events (and notices) for the next commit (caller holds the model lock, so
        the queue is in seq order); returns its ticket."""
        with self._commit_cv:
            self._queue.append((write, events))
            self._queued += 1
            return self._queued

    def _wait(self, ticket: int) -> None:
        """Return once the write with ``ticket`` (and every one before it) is committed and its events are
        published. The first waiter to find no commit running leads: it commits the whole queue as one
        transaction while the others wait, then wakes them; a write queued meanwhile goes into the next."""
        with self._commit_cv:
            while self._done < ticket:
                if self._committing:
                    self._commit_cv.wait()
                    continue
                batch, self._queue = self._queue, []
                upto, self._committing = self._queued, True
                self._commit_cv.release()
                try:
                    self._commit(batch)
                finally:
                    self._commit_cv.acquire()
                    self._done, self._committing = upto, False
                    self._commit_cv.notify_all()

    def _settle(self) -> None:
        """Commit whatever is still queued (caller holds the model lock): undo and history read the store.
        Callers wait outside the lock first, so this is at most the few changes queued in between."""
        self._wait(self._queued)

    def _commit(self, batch: list[tuple[Write, list[Item]]]) -> None:
        """Commit ``batch`` in one durable transaction, then publish its events (only one commit runs).

        A failing store is logged and counted, not fatal: the changes stay applied and the callers get
        their answers. The engine already plays them, and taking them back because the disk failed would
        make the mixer sound different from what everyone just heard and was shown; the model stays the
        truth, the next commit of those addresses saves them, and /health shows store_errors so the
        disk gets fixed (until then, a change is not guaranteed to survive a restart)."""
        try:
            self._db.commit_group([write for write, _ in batch])
        except Exception:
            self._store_errors += len(batch)
            log.exception("store: could not save %d operation(s); they are applied but not saved", len(batch))
        try:
            self._hub.publish([event for _, events in batch for event in events])
        except Exception:
            log.exception("could not publish %d operation(s)' events", len(batch))

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
