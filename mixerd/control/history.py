"""Where control starts from, and the shapes of its undo history.

``starting_state`` decides the state a Control (and the engine, before audio starts) begins with:
the defaults, then the values kept in the store — or, when the store has no state yet, the values
given as ``initial`` (the demo mix on a first start). Stored values are checked against the current
parameter tree: an address the layout no longer has, or a value no longer valid, is dropped with a
warning, never a crash.

The history itself lives in the store (``history`` table, one row per changed address and step, the
undo position in ``meta``); ``Control`` walks it. See ``Control.undo``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

from mixerd.control.events import Event
from mixerd.model.errors import ParamError
from mixerd.model.params import ParamTree

if TYPE_CHECKING:
    from mixerd.store import Store

log = logging.getLogger(__name__)

#: meta keys Control keeps in the store.
META_SEQ = "seq"
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

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "ts": self.ts, "origin": self.origin, "address": self.address,
                "old": self.old, "new": self.new, "step": self.step, "undone": self.undone}


class StepEvents(list[Event]):
    """The events an undo or redo applied (a plain list of them), plus the ``step`` it undid or redid."""

    def __init__(self, events: list[Event], step: int):
        super().__init__(events)
        self.step = step
