"""Where control starts from, and the shapes of its undo history.

``starting_state`` decides the state a Control (and the engine, before audio starts) begins with:
the defaults, then the values kept in the store — or, when the store has no state yet, the values
given as ``initial`` (the demo mix on a first start). Stored values are checked against the current
parameter tree: an address the layout no longer has, or a value no longer valid, is dropped with a
warning, never a crash.

The history itself lives in the store (``history`` table, one row per changed address and step, with
who made it; ``undone`` table: the steps undone now); ``Steps`` is Control's index of it (who made each step,
which are undone), so what undo and redo would do for someone is known without a query. See ``Control.undo``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping

from mixerd.control.events import Event
from mixerd.model.errors import ParamError
from mixerd.model.params import ParamTree

if TYPE_CHECKING:
    from mixerd.store import Store

log = logging.getLogger(__name__)

#: meta keys Control keeps in the store.
META_SEQ = "seq"
META_STEP = "step"  # the newest step number given out (numbers are never given out twice)
#: an earlier mixerd's one undo position (steps above it were undone); read once, to carry them over
META_UNDO_POS = "undo_pos"


class UndoError(ParamError):
    """Nothing to undo or redo (code ``nothing_to_undo`` / ``nothing_to_redo``); REST answers 409."""


@dataclass(frozen=True)
class StartingState:
    """The state a Control starts with. ``source``: where the non-default values came from."""

    values: dict[str, Any]
    seq: int = 0
    source: Literal["store", "initial", "defaults"] = "defaults"
    #: (address, why) of every stored value that could not be used.
    dropped: list[tuple[str, str]] = field(default_factory=list)
    #: the ``initial`` values used (they are written to the store as its first state).
    initial: dict[str, Any] = field(default_factory=dict)


def starting_state(tree: ParamTree, store: Store | None = None,
                   initial: Mapping[str, Any] | None = None) -> StartingState:
    """Defaults + the store's values, or defaults + ``initial`` when the store has no state yet.

    ``initial`` is validated as one batch (BatchError if any value is bad: it comes from code, e.g. the
    demo mix). Stored values that no longer fit the tree are dropped with a warning each.
    """
    values = tree.defaults()
    stored = store.load_state() if store is not None else {}
    if not stored:
        checked = tree.validate_many(initial) if initial else {}
        values.update(checked)
        seq = _stored_seq(store) if store is not None else 0
        return StartingState(values, seq, "initial" if checked else "defaults", initial=checked)
    dropped: list[tuple[str, str]] = []
    for address, value in stored.items():
        if address in tree and tree.spec(address).momentary:
            continue  # a talk button held when the box went down is not held now
        try:
            values[address] = tree.validate(address, value)
        except ParamError as exc:
            dropped.append((address, exc.message))
            log.warning("store: ignoring the stored value %r of %s: %s", value, address, exc.message)
    if dropped:
        log.warning("store: %d stored value(s) do not fit this mixer's layout and were left at their defaults "
                    "(kept in the database)", len(dropped))
    assert store is not None
    return StartingState(values, _stored_seq(store), "store", dropped)


def _stored_seq(store: Store) -> int:
    newest = store.history(limit=1)
    return max(int(store.meta(META_SEQ, 0) or 0), newest[0].seq if newest else 0)


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change: ``step`` is its undo step, ``undone`` whether that step is undone now."""

    seq: int
    ts: float
    origin: str
    address: str
    old: Any
    new: Any
    step: int
    undone: bool
    actor: str = ""  # who made it (see Steps)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts": self.ts, "origin": self.origin, "actor": self.actor, "address": self.address,
                "old": self.old, "new": self.new, "step": self.step, "undone": self.undone}


class StepEvents(list[Event]):
    """The events an undo or redo applied (a plain list of them), plus the ``step`` it undid or redid and what
    it ``kept``: the step's addresses someone changed since, left as they are
    (``{"address", "value", "by"}``, ``by`` the actor of that later change or None)."""

    def __init__(self, events: list[Event], step: int, kept: list[dict[str, Any]] | None = None):
        super().__init__(events)
        self.step = step
        self.kept = kept or []


@dataclass
class StepInfo:
    """One undo step as Control indexes it: who made it, the seq of its newest change, when it was undone."""

    actor: str
    last_seq: int
    undone_at: int | None = None  # when it was undone (a count of undos: the latest is the highest); None: applied


class Steps:
    """Who made every step of the history and which are undone: what undo and redo take back for whom.

    Undo is per actor (an admin session, a mix link, MQTT, the REST API: see ``control.access.actor_of``): an
    actor's undo takes back that actor's newest applied step, redo re-applies the step that actor undid last,
    and a new step of an actor forgets that actor's undone steps (theirs only: a musician changing their mix
    does not take the engineer's redo away). Steps are kept in order, oldest first."""

    def __init__(self, made: Iterable[tuple[int, str, int]] = (), undone: Mapping[int, int] | None = None):
        undone = undone or {}
        self._steps: dict[int, StepInfo] = {step: StepInfo(actor, last_seq, undone.get(step))
                                           for step, actor, last_seq in made}
        self._undos = max(undone.values(), default=0)  # undos counted so far (orders the undone steps)

    def __len__(self) -> int:
        return len(self._steps)

    def __contains__(self, step: object) -> bool:
        return step in self._steps

    def get(self, step: int) -> StepInfo | None:
        return self._steps.get(step)

    def undone(self, step: int) -> bool:
        info = self._steps.get(step)
        return info is not None and info.undone_at is not None

    def newest(self) -> int | None:
        return next(reversed(self._steps), None)

    def to_undo(self, actor: str | None) -> int | None:
        """The step ``actor``'s undo takes back: its newest applied one (anyone's when ``actor`` is None)."""
        for step in reversed(self._steps):
            info = self._steps[step]
            if info.undone_at is None and (actor is None or info.actor == actor):
                return step
        return None

    def to_redo(self, actor: str | None) -> int | None:
        """The step ``actor``'s redo re-applies: the one it undid last (anyone's when ``actor`` is None)."""
        best: tuple[int, int] | None = None
        for step, info in self._steps.items():
            if info.undone_at is not None and (actor is None or info.actor == actor):
                if best is None or (info.undone_at, step) > best:
                    best = (info.undone_at, step)
        return None if best is None else best[1]

    def status(self, actor: str | None) -> dict[str, Any]:
        """What undo and redo would do for ``actor``: ``can_undo``, ``can_redo``, the ``undo_step`` and its newest
        change's seq (``undo_seq``: "is my last change still what undo takes back?"), the ``redo_step``."""
        undo, redo = self.to_undo(actor), self.to_redo(actor)
        return {"can_undo": undo is not None, "can_redo": redo is not None, "undo_step": undo,
                "undo_seq": self._steps[undo].last_seq if undo is not None else None, "redo_step": redo}

    def add(self, step: int, actor: str, last_seq: int) -> list[int]:
        """A new step of ``actor``; returns ``actor``'s undone steps, forgotten now (a new change ends their redo)."""
        gone = [s for s, info in self._steps.items() if info.actor == actor and info.undone_at is not None]
        for s in gone:
            del self._steps[s]
        self._steps[step] = StepInfo(actor, last_seq)
        return gone

    def trim(self, depth: int) -> tuple[int | None, set[str]]:
        """Forget the oldest steps beyond ``depth``: ``(the newest step forgotten or None, their actors)``."""
        through, actors = None, set()
        while len(self._steps) > depth:
            through = next(iter(self._steps))
            actors.add(self._steps.pop(through).actor)
        return through, actors

    def extended(self, step: int, last_seq: int) -> None:
        self._steps[step].last_seq = last_seq

    def mark(self, step: int, undone: bool) -> int | None:
        """Mark ``step`` undone (returns its place among the undos, for the store) or applied again (None)."""
        if undone:
            self._undos += 1
        self._steps[step].undone_at = self._undos if undone else None
        return self._steps[step].undone_at
