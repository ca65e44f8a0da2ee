"""The gain-staging assistant: listen to channels for a while, then propose — and on request apply, as
one undoable change — the trim that puts each channel's peaks at the target (−18 dBFS by default).

The peak is taken before the trim (the input meter's 2 s hold minus the trim); while a trim has moved
within the hold window its channel's readings are not counted, so moving a trim while it listens does
not fool it. A channel it cannot fix is reported with the reason: no signal, a signal
clipped before the trim (the interface's gain is too high: no trim undoes that), or a correction the
trim's range cannot reach (it then goes as far as the range allows).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from mixerd.diagnostics.snapshot import HOLD_S, INPUT_CLIP_DB, SIGNAL_DB
from mixerd.model.errors import MixerError, ParamError

DEFAULT_TARGET_DB = -18.0
TARGET_RANGE = (-30.0, -6.0)
LISTEN_RANGE = (1.0, 60.0)
DEFAULT_LISTEN_S = 10.0
SETTLED_DB = 0.5  # a trim this close to the proposal is left alone
POLL_S = 0.25     # the meters' hold window is 2 s: looking 4 times a second misses no peak


@dataclass(frozen=True)
class Request:
    """What to listen to: ``channels`` (None: all), for ``listen_s`` seconds, aiming at ``target_db``."""

    channels: tuple[int, ...] | None = None
    listen_s: float = DEFAULT_LISTEN_S
    target_db: float = DEFAULT_TARGET_DB

    def checked(self, n_inputs: int) -> "Request":
        """This request, or a ParamError saying what is wrong and what is allowed."""
        lo, hi = LISTEN_RANGE
        if not lo <= self.listen_s <= hi:
            raise ParamError("out_of_range", f"listen_s {self.listen_s:g} is outside {lo:g}…{hi:g} s",
                             address="listen_s", allowed=f"{lo:g}…{hi:g}")
        lo, hi = TARGET_RANGE
        if not lo <= self.target_db <= hi:
            raise ParamError("out_of_range", f"target_db {self.target_db:g} is outside {lo:g}…{hi:g} dBFS",
                             address="target_db", allowed=f"{lo:g}…{hi:g}")
        for n in self.channels or ():
            if not 1 <= n <= n_inputs:
                raise ParamError("out_of_range", f"there is no channel {n}: this mixer has channels 1…{n_inputs}",
                                 address="channels", allowed=f"1…{n_inputs}")
        if self.channels is not None and not self.channels:
            raise ParamError("invalid_value", "channels is empty: name at least one, or leave it out for all",
                             address="channels", allowed=f"a list of 1…{n_inputs}, or null for all")
        return self


def listen(control, request: Request, *, sleep: Callable[[float], None] = time.sleep,
           cancel: threading.Event | None = None) -> dict[int, float | None]:
    """The loudest peak (dBFS, before the trim) of each requested channel over the window; None for
    a channel that had no signal."""
    layout = control.tree.layout
    channels = request.channels or tuple(range(1, layout.n_inputs + 1))
    loudest: dict[int, float | None] = {n: None for n in channels}
    trims = {n: control.get(f"ch/{n}/trim") for n in channels}
    moved = {n: -HOLD_S for n in channels}  # when each trim last moved (seconds from the start)
    start = time.monotonic()
    deadline = start + request.listen_s
    while True:
        points = control.meters().get("points", {})
        now = time.monotonic() - start
        for n in channels:
            trim = control.get(f"ch/{n}/trim")
            if trim != trims[n]:
                trims[n], moved[n] = trim, now
            point = points.get(f"ch/{n}/input")
            if not point or now - moved[n] < HOLD_S:  # (the hold still remembers the old trim)
                continue
            hold = max(point["hold"])
            if hold <= SIGNAL_DB:
                continue
            arriving = hold - trim
            if loudest[n] is None or arriving > loudest[n]:
                loudest[n] = arriving
        left = deadline - time.monotonic()
        if left <= 0 or (cancel is not None and cancel.is_set()):
            return loudest
        sleep(min(POLL_S, left))


def propose(control, request: Request, loudest: dict[int, float | None]) -> dict[str, Any]:
    """Per channel what was heard and the trim that brings it to the target, and the changes to make."""
    tree = control.tree
    channels, changes, unfixable = [], {}, []
    for n, arriving in loudest.items():
        address = f"ch/{n}/trim"
        spec = tree.spec(address)
        lo, hi = spec.min, spec.max
        trim = control.get(address)
        entry: dict[str, Any] = {"channel": n, "name": control.get(f"ch/{n}/name"), "address": address,
                                 "trim_db": trim, "input_peak_db": None if arriving is None else round(arriving, 1)}
        if arriving is None:
            entry.update(status="no_signal", proposed_trim_db=None,
                         message=f"no signal above {SIGNAL_DB:.0f} dBFS while listening: check the source, then run again")
            unfixable.append(n)
        elif arriving >= INPUT_CLIP_DB:
            entry.update(status="clipping_before_trim", proposed_trim_db=None,
                         message="the signal arrives clipped (full scale before the trim): turn down the interface's "
                                 "input gain, then run again")
            unfixable.append(n)
        else:
            wanted = round(request.target_db - arriving, 1)
            new = min(max(wanted, lo), hi)
            entry.update(proposed_trim_db=new, change_db=round(new - trim, 1),
                         expected_peak_db=round(arriving + new, 1))
            if new != wanted:
                entry.update(status="out_of_range",
                             message=f"needs {wanted:+.1f} dB of trim, the range is {lo:+g}…{hi:+g} dB: set to {new:+.1f} "
                                     f"dB (peaks at {arriving + new:.1f} dBFS); change the interface's input gain for the rest")
                unfixable.append(n)
            elif abs(new - trim) < SETTLED_DB:
                entry.update(status="ok", message="already within 0.5 dB of the target")
            else:
                entry.update(status="adjust", message=f"trim {trim:+.1f} → {new:+.1f} dB puts peaks at {request.target_db:.0f} dBFS")
            if abs(new - trim) >= SETTLED_DB:
                changes[address] = new
        channels.append(entry)
    return {"target_db": request.target_db, "listen_s": request.listen_s, "channels": channels,
            "changes": changes, "unfixable": unfixable, "applied": False, "seq": None}


def run(control, request: Request, apply: bool, origin: str, **listen_kw: Any) -> dict[str, Any]:
    """Listen, propose and (``apply``) make the changes as one undo step with ``origin``."""
    return _run_checked(control, request.checked(control.tree.layout.n_inputs), apply, origin, **listen_kw)


def _run_checked(control, request: Request, apply: bool, origin: str, **listen_kw: Any) -> dict[str, Any]:
    result = propose(control, request, listen(control, request, **listen_kw))
    if apply and result["changes"]:
        events = control.set_many(result["changes"], origin=origin)
        result.update(applied=True, seq=events[-1].seq if events else control.seq)
    return result


class Busy(MixerError):
    """The assistant is already listening (one run at a time per mixer)."""

    def __init__(self) -> None:
        super().__init__("busy", "the gain-staging assistant is already listening; wait for its result and try again")


class Assistant:
    """The mixer's one gain-staging assistant, shared by the front ends: a run while another listens
    raises Busy (two runs would fight over the same trims)."""

    def __init__(self, control):
        self.control = control
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        return self._lock.locked()

    def run(self, request: Request, apply: bool, origin: str, **listen_kw: Any) -> dict[str, Any]:
        """``run()`` for this mixer; ParamError for a bad request, Busy while another run listens."""
        request = request.checked(self.control.tree.layout.n_inputs)
        if not self._lock.acquire(blocking=False):
            raise Busy()
        try:
            return _run_checked(self.control, request, apply, origin, **listen_kw)
        finally:
            self._lock.release()
