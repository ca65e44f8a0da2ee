"""ChangeWorker: OSC changes applied through the control core, off the server's network thread.

``Control.set`` returns once the change is on disk, and a fader dragged in an app sends 30-100 messages a
second; the network thread must go on answering and sending feedback meanwhile. So changes wait here and one
thread applies them in arrival order.

- **Every change is applied, in order**, but for a drag's positions overtaken while waiting (below). What waits
  when the thread wakes is applied in as few control calls as order allows: consecutive changes of one app (one
  actor) go into one ``set_many`` batch — one durable commit, one undo step — until an address repeats; a repeat
  starts the next batch. So the cost of a commit is shared by everything that came in while the last one was
  written, and the thread keeps up however many faders move (200 changes a second on 8 faders in turn:
  tests/osc/test_osc_load.py). Idle, every change is a call of its own (a change made by hand is an undo step of
  its own, as before).
- **A drag's latest position only**: while a change waits, the same app's *next* message, if it sets the same
  addresses, replaces it (and goes last, where a sequential apply would leave it). A fader dragged faster than
  the disk keeps up with ends where the finger stopped, now, instead of queueing the whole drag. A message of
  that app to any other address ends the run (other apps' messages do not count), so an app's changes of
  several addresses in turn are all applied; ``merged`` counts the messages replaced.
- **One undo step per drag**, as before: a batch of one address extends the app's step of that address (the
  control core coalesces a repeated set of the same addresses); ``set_many(coalesce=True)`` for a batch.
- A batch the control core refuses (one bad value makes a batch fail whole) is applied change by change, so
  only the bad one is refused and reported.

Idle, the thread sleeps on a condition: no cost.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from mixerd.model.errors import MixerError

log = logging.getLogger(__name__)

#: Changes that may wait at once; beyond, a change is dropped and counted.
MAX_WAITING = 4096

#: Told about a change the control core refused: (client, OSC path, why).
Refused = Callable[[Any, str, str], None]


@dataclass(eq=False)
class _Job:
    """One app message waiting: ``changes`` (address → value) to set, or a ``call`` (a scene recall)."""

    actor: str
    key: tuple[str, ...]  # the addresses it sets, or (what,) for a call: a newer job of the same key replaces it
    client: Any
    path: str
    changes: dict[str, Any] = field(default_factory=dict)
    call: Callable[[], Any] | None = None
    superseded: bool = False


class ChangeWorker:
    """Applies ``submit``-ted changes with origin ``osc`` in arrival order (see the module docstring)."""

    def __init__(self, control, refused: Refused, limit: int = MAX_WAITING):
        self.control = control
        self._refused = refused
        self._limit = limit
        self._cond = threading.Condition()
        self._waiting: deque[_Job] = deque()
        self._count = 0  # jobs waiting that are not superseded
        self._last: dict[str, _Job] = {}  # actor → its newest job, while that one waits
        self._stop = False
        self._thread: threading.Thread | None = None
        self.applied = 0  # app messages applied (a refused one is not)
        self.merged = 0  # app messages replaced by the same app's next one before they were applied
        self.dropped = 0  # app messages dropped because MAX_WAITING waited
        self.calls = 0  # control calls made for them (a batch is one)

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="mixerd-osc-changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the change being applied, forget those waiting, end the thread."""
        with self._cond:
            self._stop = True
            self._waiting.clear()
            self._last.clear()
            self._count = 0
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def submit(self, actor: str, changes: dict[str, Any], client: Any, path: str) -> None:
        """Queue ``changes`` (address → value) of ``actor``; ``client`` and ``path`` name it if it is refused."""
        self._queue(_Job(actor, tuple(changes), client, path, changes=dict(changes)))

    def submit_call(self, actor: str, what: str, call: Callable[[], Any], client: Any, path: str) -> None:
        """Queue ``call`` (a scene recall: it waits for the disk too) in order with the changes; ``actor``'s next
        message, if it is a call with the same ``what``, replaces one still waiting. A MixerError it raises is a
        refusal."""
        self._queue(_Job(actor, (what,), client, path, call=call))

    def _queue(self, job: _Job) -> None:
        with self._cond:
            last = self._last.get(job.actor)
            if last is not None and last.key == job.key and (last.call is None) == (job.call is None):
                # The app's previous message, still waiting, set the same addresses: this one replaces it.
                last.superseded = True
                self._count -= 1
                self.merged += 1
                if len(self._waiting) > 2 * self._count + 64:  # a stalled core: forget the replaced ones
                    self._waiting = deque(j for j in self._waiting if not j.superseded)
            elif self._count >= self._limit:
                self.dropped += 1
                return
            self._waiting.append(job)
            self._count += 1
            self._last[job.actor] = job
            self._cond.notify()

    def _take(self) -> list[_Job] | None:
        """Everything waiting (None: stop), once there is something."""
        with self._cond:
            while not self._count and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            jobs = [job for job in self._waiting if not job.superseded]
            self._waiting.clear()
            self._last.clear()  # taken: a newer message no longer replaces them
            self._count = 0
            return jobs

    def _run(self) -> None:
        while (jobs := self._take()) is not None:
            for batch in _batches(jobs):
                if self._stop:
                    return
                self._apply(batch)

    def _apply(self, batch: list[_Job]) -> None:
        if len(batch) > 1:
            changes = {address: value for job in batch for address, value in job.changes.items()}
            try:
                self.calls += 1
                self.control.set_many(changes, "osc", coalesce=True, actor=batch[0].actor)
            except MixerError:
                pass  # one of them is bad: each on its own, so only that one is refused
            except Exception:  # a bug must not end the worker
                log.exception("osc: error applying %d changes from %s", len(batch), batch[0].client)
                return
            else:
                self.applied += len(batch)
                return
        for job in batch:
            self._apply_one(job)

    def _apply_one(self, job: _Job) -> None:
        try:
            self.calls += 1
            if job.call is not None:
                job.call()
            elif len(job.changes) == 1:
                # One address: a drag of it is one undo step (the control core coalesces repeated sets).
                [(address, value)] = job.changes.items()
                self.control.set(address, value, "osc", actor=job.actor)
            else:
                self.control.set_many(job.changes, "osc", coalesce=True, actor=job.actor)
            self.applied += 1
        except MixerError as exc:
            self._refused(job.client, job.path, exc.message)
        except Exception:  # a bug must not end the worker
            log.exception("osc: error applying %s from %s", job.path, job.client)


def _batches(jobs: list[_Job]) -> list[list[_Job]]:
    """``jobs`` in order, cut into runs applied as one control call each: consecutive changes of one actor whose
    addresses do not repeat within the run. A call (scene recall) is a run of its own."""
    batches: list[list[_Job]] = []
    batch: list[_Job] = []
    seen: set[str] = set()
    for job in jobs:
        if batch and (job.call is not None or batch[0].call is not None or job.actor != batch[0].actor
                      or not seen.isdisjoint(job.changes)):
            batches.append(batch)
            batch, seen = [], set()
        batch.append(job)
        seen.update(job.changes)
    if batch:
        batches.append(batch)
    return batches
