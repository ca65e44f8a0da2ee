"""Where a notch against feedback goes on a mix, as parameter changes (no I/O): the one fix the feedback finder
offers, and applies by itself in auto mode, as one undo step.

A howl at ``freq`` on a mix (``bus/B`` or ``main``) is notched on the mix's parametric EQ when it can be: a
band already notching within a sixth of an octave is deepened by ``STEP_DB`` (a howl that comes back needs
more), else a free band — a peaking band left flat — becomes a narrow cut at ``freq``: ``NOTCH_DB`` deep, Q
``NOTCH_Q`` (about a seventh of an octave wide, narrow enough to leave the voice alone). With no such band the
graphic EQ's band nearest ``freq`` is cut by ``STEP_DB`` (switched in). The EQ is switched in either way. At the
limits (every parametric band in use, the graphic band at its bottom) there is no notch: ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mixerd.model.table import EQ_BANDS

NOTCH_DB = -6.0
STEP_DB = -3.0
NOTCH_Q = 8.0
DEEPEST_DB = -15.0
#: The graphic EQ's band centres (ISO 1/3 octave, 20 Hz … 20 kHz: band k is 1000 · 2^((k − 18)/3)).
GEQ_BANDS = 31


def notch_changes(values: Mapping[str, Any], owner: str, freq: float) -> dict[str, Any] | None:
    """The changes that notch ``freq`` on ``owner``'s EQ (see the module docstring), or None when nothing
    is left to notch with."""
    freq = round(min(20000.0, max(20.0, freq)), 1)
    bands = [f"{owner}/eq/{i}/" for i in range(1, EQ_BANDS + 1)]
    near = [p for p in bands if values[p + "type"] == "peaking" and values[p + "gain"] < 0
            and abs(math.log2(values[p + "freq"] / freq)) <= 1 / 6 and values[p + "q"] >= 4.0]
    if near:
        p = near[0]
        if values[p + "gain"] <= DEEPEST_DB:
            return _graphic(values, owner, freq)
        return {f"{owner}/eq/on": True, p + "gain": max(DEEPEST_DB, values[p + "gain"] + STEP_DB)}
    free = [p for p in bands if values[p + "type"] == "peaking" and values[p + "gain"] == 0.0]
    if free:
        p = free[0]
        return {f"{owner}/eq/on": True, p + "freq": freq, p + "gain": NOTCH_DB, p + "q": NOTCH_Q}
    return _graphic(values, owner, freq)


def _graphic(values: Mapping[str, Any], owner: str, freq: float) -> dict[str, Any] | None:
    if f"{owner}/geq/on" not in values:
        return None
    k = min(GEQ_BANDS, max(1, round(18 + 3 * math.log2(freq / 1000.0))))
    gain = values[f"{owner}/geq/{k}/gain"]
    if gain <= DEEPEST_DB:
        return None
    return {f"{owner}/geq/on": True, f"{owner}/geq/{k}/gain": max(DEEPEST_DB, gain + STEP_DB)}
