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

Undo: one history for every front end, undone per actor. Each ``set``/``set_many`` call that changes something
is one step of its ``actor`` (who asked: an admin session, a mix link, MQTT, the REST API; see
``control.access.actor_of``); a ``set`` of the same address by the same actor within ``undo_window_s`` of the
previous step's last change extends that step when it was a single-address step on that address (a fader drag
is one step, which keeps the value from before the drag). ``undo(actor)`` takes back that actor's newest applied
step and ``redo(actor)`` re-applies the one it undid last, each only where the value is still the step's own:
an address someone changed since is kept and reported (the bassist's change survives the engineer's undo).
Taking back anyone's step is the explicit ``undo(step=N)``. A new step of an actor forgets that actor's undone
steps. The history and what is undone are in the store, so undo survives a restart; without a store they live
in memory.

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
    META_STEP,
    META_UNDO_POS,
    HistoryEntry,
    StartingState,
    Steps,
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
    actor: str
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
        self._momentary = frozenset(a for a in tree.addresses() if tree.spec(a).momentary)
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
        self._steps = Steps(self._db.steps(), self._db.undone_steps())
        stored_step = self._db.meta(META_STEP, 0)
        self._last_step = max(self._steps.newest() or 0, stored_step if isinstance(stored_step, int) else 0)
        self._open: _OpenStep | None = None
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
            self._carry_over_undo_position()

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

    def set(self, address: str, value: Any, origin: str, gesture: str | None = None, actor: str | None = None) -> Event:
        """Validate and apply one change; returns its event or raises ParamError (nothing changed).
        ``gesture``, ``actor``: see ``set_many``."""
        _check_origin(origin)
        coerced = self._tree.validate(address, value)  # no lock: the tree is immutable
        with self._lock:
            events, ticket = self._change({address: coerced}, origin, coalesce=True, gesture=gesture,
                                          actor=_actor(actor, origin))
        self._wait(ticket)
        return events[0]

    def set_many(self, changes: Mapping[str, Any], origin: str, fade_ms: float | None = None,
                 coalesce: bool = False, gesture: str | None = None, actor: str | None = None) -> list[Event]:
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
        of more changes than the tree has parameters is refused (ParamError ``too_many_changes``). ``actor``: who
        asked, whose undo takes the step back (default: the origin)."""
        _check_origin(origin)
        # Validation (and its "did you mean" for unknown addresses) runs before the lock is taken.
        coerced = self._tree.validate_many(changes)
        if not coerced:
            return []
        with self._lock:
            events, ticket = self._change(coerced, origin, fade_ms, coalesce=coalesce, gesture=gesture,
                                          actor=_actor(actor, origin))
        self._wait(ticket)
        return events

    # -- undo -------------------------------------------------------------------------------------

    def undo(self, actor: str | None = None, step: int | None = None) -> StepEvents:
        """Take back ``actor``'s newest applied step (anyone's when None), or exactly ``step`` (History's "undo
        this": anyone's; ``actor`` is then only who asks). Each address goes back to its value from before the step if it still holds the step's
        value; one changed since is kept and reported (``StepEvents.kept``). The events' origin is "undo".
        Raises UndoError ``nothing_to_undo`` (or ``unknown_step``)."""
        return self._take("undo", actor, step)

    def redo(self, actor: str | None = None, step: int | None = None) -> StepEvents:
        """Re-apply the step ``actor`` undid last (anyone's when None), or exactly the undone ``step``; likewise
        only where the value is still the one the undo left. Raises UndoError ``nothing_to_redo``."""
        return self._take("redo", actor, step)

    def history(self, limit: int = 100, before: int | None = None) -> list[HistoryEntry]:
        """The newest ``limit`` recorded changes (newest first), only those with a seq below ``before``
        if given; each says whether its step is undone."""
        return self.history_view(limit, before)[1]

    def undo_status(self, actor: str | None = None) -> dict[str, Any]:
        """What undo and redo would do for ``actor`` (anyone's steps when None): ``can_undo``, ``can_redo``,
        ``undo_step``, ``undo_seq`` (its newest change), ``redo_step``."""
        return self.undo_state(actor)[1]

    def undo_state(self, actor: str | None = None) -> tuple[int, dict[str, Any]]:
        """``(seq, undo_status(actor))`` read together: an ``undo`` notice with a seq ≤ this seq is not newer."""
        with self._lock:
            return self._seq, self._steps.status(actor)

    def history_view(self, limit: int = 100, before: int | None = None,
                     actor: str | None = None) -> tuple[int, list[HistoryEntry], dict[str, Any]]:
        """``(seq, history(limit, before), undo_status(actor))`` read together: the history as of ``seq``, so a
        ``history`` notice with a seq ≤ it is already in the entries."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            seq, status = self._seq, self._steps.status(actor)
            rows = self._db.history(limit, before)
            undone = {c.step: self._steps.undone(c.step) for c in rows}
        return seq, [HistoryEntry(c.seq, c.ts, c.origin, c.address, c.old, c.new, c.step, undone[c.step], c.by)
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
                coalesce: bool = False, gesture: str | None = None, actor: str = "") -> tuple[list[Event], int]:
        """Apply validated ``changes`` as an undo step of ``actor`` (caller holds the lock): model, engine, then
        queue the store write. Returns the events and the write's ticket for ``_wait``."""
        now, wall = self._clock(), time.time()
        olds = {address: self._values[address] for address in changes}
        # A momentary button (talk) is no undo step: it is written like an unchanged value.
        moved = [address for address, value in changes.items()
                 if value != olds[address] and address not in self._momentary]
        steady = {address: changes[address] for address in changes if address not in moved}
        open_ = self._open
        notices: list[Item] = []
        follow = self._hub.follows("history")
        newest = (open_ is not None and open_.origin == origin and open_.actor == actor
                  and open_.step == self._steps.newest() and not self._steps.undone(open_.step))
        same_gesture = newest and gesture is not None and open_.gesture == gesture
        same_drag = (newest and coalesce and gesture is None and set(changes) == set(open_.olds)
                     and now - open_.at <= self.undo_window_s)
        if same_gesture or same_drag:
            # The drag goes on: the step's rows now end at these values and still start before the drag (an
            # address the gesture reaches only now starts where it was). Rows of addresses not changed now stay.
            events = self._assign(changes, origin, actor)
            rows = [Change(e.seq, e.address, open_.olds.get(e.address, olds[e.address]), e.value, origin, open_.step,
                           wall, actor) for e in events if e.address not in self._momentary]
            replaced = tuple(open_.row_seqs[a] for a in changes if a in open_.row_seqs)
            write = self._write(rows, drop_seqs=replaced)
            self._open = dataclasses.replace(open_, at=now, olds={**olds, **open_.olds},
                                             row_seqs={**open_.row_seqs, **{r.address: r.seq for r in rows}})
            self._steps.extended(open_.step, events[-1].seq)
            if follow:
                notices.append(self._history_notice("extend", open_.step, rows, replaces=replaced))
            notices += self._undo_notice({actor})
        elif not moved:
            # Nothing changes: no undo step (the redo steps stay); the seqs used are still kept.
            events = self._assign(changes, origin, actor)
            write = self._write([], values=steady)
        else:
            step = self._last_step = self._last_step + 1
            events = self._assign(changes, origin, actor)
            rows = [Change(e.seq, e.address, olds[e.address], e.value, origin, step, wall, actor) for e in events
                    if e.address not in steady]
            # A new step of this actor ends its redo; the history keeps the newest undo_depth steps.
            forgotten = self._steps.add(step, actor, rows[-1].seq)
            through, trimmed = self._steps.trim(self.undo_depth)
            write = self._write(rows, values=steady, drop_steps=forgotten, drop_steps_through=through)
            if follow:
                notices.append(self._history_notice("append", step, rows, drop_steps=forgotten,
                                                    drop_steps_through=through))
            notices += self._undo_notice({actor, *trimmed})
            # A step that changed every address it names may be extended by the next change of the same ones;
            # a gesture's step by any change of that gesture.
            self._open = (_OpenStep(step, origin, actor, now, {r.address: r.old for r in rows},
                                    {r.address: r.seq for r in rows}, gesture)
                          if len(rows) == len(changes) or gesture is not None else None)
        self._push(tuple(changes), fade_ms)  # heard now; the disk follows
        return events, self._enqueue(write, [*events, *notices] if notices else events)

    def _take(self, what: str, actor: str | None, step: int | None) -> StepEvents:
        """Undo or redo (``what``) a step: ``step``, or the one ``actor``'s undo/redo takes."""
        self._wait(self._queued)
        with self._lock:
            self._settle()
            undoing = what == "undo"
            if step is None:
                step = self._steps.to_undo(actor) if undoing else self._steps.to_redo(actor)
                if step is None:
                    raise UndoError(f"nothing_to_{what}", _nothing_to(what, actor))
            elif step not in self._steps:
                raise UndoError("unknown_step", f"step {step} is not in the history (it keeps the newest "
                                f"{self.undo_depth} steps; a new change forgets its maker's undone steps)")
            elif self._steps.undone(step) == undoing:
                raise UndoError(f"nothing_to_{what}", f"step {step} is {'already undone' if undoing else 'not undone'}")
            rows = self._db.step_changes(step)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            last_seq: dict[str, int] = {}
            for row in rows:  # oldest first: the oldest row has the value from before, the newest the step's own
                before.setdefault(row.address, row.old)
                after[row.address], last_seq[row.address] = row.new, row.seq
            target, expect = (before, after) if undoing else (after, before)
            events, ticket = self._walk(what, step, target, expect, last_seq, actor)
        self._wait(ticket)
        return events

    def _walk(self, what: str, step: int, target: dict[str, Any], expect: dict[str, Any],
              last_seq: dict[str, int], actor: str | None) -> tuple[StepEvents, int]:
        """Apply an undo/redo: ``target`` where the value is still ``expect`` (caller holds the lock)."""
        values, kept = {}, []
        for address, value in target.items():
            if address not in self._tree:  # the layout changed since the step was recorded
                log.warning("undo: step %d: skipping %s (no longer an address of this mixer)", step, address)
                continue
            if self._values[address] != expect[address]:  # changed since: whoever did keeps their change
                later = self._db.last_change(address, last_seq[address])
                kept.append({"address": address, "value": self._values[address], "by": later.by if later else None})
                continue
            try:
                values[address] = self._tree.validate(address, value)
            except ParamError as exc:
                log.warning("undo: step %d: skipping %s (%s)", step, address, exc.message)
        self._open = None
        events = self._assign(values, "undo", actor)
        undone_at = self._steps.mark(step, what == "undo")
        if values:
            self._push(tuple(values))
        notices: list[Item] = []
        if self._hub.follows("history"):
            notices.append(self._history_notice(what, step, [], kept=kept))
        notices += self._undo_notice({self._steps.get(step).actor})
        write = self._write([], values=values, undone={step: undone_at})
        return StepEvents(events, step, kept), self._enqueue(write, [*events, *notices])

    def _carry_over_undo_position(self) -> None:
        """A database of an earlier mixerd kept one undo position: the steps above it are undone (caller holds
        the lock; once, at start)."""
        pos = self._db.meta(META_UNDO_POS)
        if not isinstance(pos, int) or isinstance(pos, bool):
            return
        undone = {}
        for step in [s for s in range(self._last_step, pos, -1) if s in self._steps]:  # undone newest first
            undone[step] = self._steps.mark(step, True)
        self._wait(self._enqueue(Write(meta={META_UNDO_POS: None}, undone=undone), []))

    # -- notices (caller holds the lock) ----------------------------------------------------------------

    def _undo_notice(self, actors: set[str]) -> list[Item]:
        """An ``undo`` notice naming the actors whose undo/redo status may have changed, with their status now."""
        if not self._hub.follows("undo"):
            return []
        named = sorted(actors)
        return [Notice("undo", {"actors": named, "status": {a: self._steps.status(a) for a in named}}, self._seq)]

    def _history_notice(self, action: str, step: int, rows: list[Change], *, replaces: Iterable[int] = (),
                        drop_steps: Iterable[int] = (), drop_steps_through: int | None = None,
                        kept: list[dict[str, Any]] | None = None) -> Notice:
        newest = rows[-HISTORY_ENTRIES:][::-1]
        entries = [HistoryEntry(r.seq, r.ts, r.origin, r.address, r.old, r.new, r.step, False, r.by).to_dict()
                   for r in newest]
        info = self._steps.get(step)
        return Notice("history", {"action": action, "step": step, "actor": info.actor if info else None,
                                  "entries": entries, "complete": len(rows) <= HISTORY_ENTRIES,
                                  "replaces": list(replaces), "drop_steps": list(drop_steps),
                                  "drop_steps_through": drop_steps_through, "kept": kept or []},
                      self._seq)

    def _assign(self, changes: dict[str, Any], origin: str, actor: str | None) -> list[Event]:
        """Put ``changes`` into the model and number them."""
        self._values.update(changes)
        events = []
        for address, value in changes.items():
            self._seq += 1
            events.append(Event(self._seq, address, value, origin, actor))
        return events

    def _write(self, rows: list[Change], values: Mapping[str, Any] | None = None, *,
               drop_seqs: Iterable[int] = (), drop_steps: Iterable[int] = (), drop_steps_through: int | None = None,
               undone: Mapping[int, int | None] | None = None) -> Write:
        """The store write of one operation, with the seq and the newest step number as they are after it."""
        return Write(rows, {META_SEQ: self._seq, META_STEP: self._last_step}, None, values, tuple(drop_seqs),
                     drop_steps_through, tuple(drop_steps), undone)

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


def _nothing_to(what: str, actor: str | None) -> str:
    if actor is None:
        return ("nothing to undo: no applied change is in the history" if what == "undo"
                else "nothing to redo: no undone step (a new change forgets its maker's undone steps)")
    if what == "undo":
        return ("nothing to undo: none of your changes is left in the history (undo takes back your own changes; "
                "someone else's are undone from the history, one by one)")
    return "nothing to redo: you have undone nothing since your last change"


#: The longest actor name (an id from a token or a browser, with its kind).
MAX_ACTOR = 200


def _actor(actor: str | None, origin: str) -> str:
    if actor is None:
        return origin
    if not isinstance(actor, str) or not 0 < len(actor) <= MAX_ACTOR:
        raise ValueError(f"actor must be a string of 1 to {MAX_ACTOR} characters, not {actor!r}")
    return actor


def _check_origin(origin: str) -> None:
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}; one of {', '.join(ORIGINS)}")
