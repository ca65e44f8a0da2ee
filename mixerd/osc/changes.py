"""ChangeWorker: OSC changes applied through the control core, off the server's network thread.

``Control.set`` returns once the change is on disk, and a fader dragged in an app sends 30-100 messages a
second; the network thread must go on answering and sending feedback meanwhile. So changes wait here and one
thread applies them in order. While the control core is busy, a newer value from the same client for the same
addresses replaces the one still waiting (the drag's latest position is what matters), so a slow disk shortens
a drag instead of queueing it up. Idle, the thread sleeps on a condition: no cost.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any, Callable

from mixerd.model.errors import MixerError

log = logging.getLogger(__name__)

#: Different (client, addresses) changes that may wait at once; beyond, a change is dropped and counted.
MAX_WAITING = 4096

#: Told about a change the control core refused: (client, OSC path, why).
Refused = Callable[[Any, str, str], None]


class ChangeWorker:
    """Applies ``submit``-ted changes with origin ``osc`` in arrival order (see the module docstring)."""

    def __init__(self, control, refused: Refused, limit: int = MAX_WAITING):
        self.control = control
        self._refused = refused
        self._limit = limit
        self._cond = threading.Condition()
        self._waiting: dict[tuple[str, tuple[str, ...]], tuple[Callable[[], Any], Any, str]] = {}
        self._stop = False
        self._thread: threading.Thread | None = None
        self.applied = 0
        self.dropped = 0

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="mixerd-osc-changes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the change being applied, forget those waiting, end the thread."""
        with self._cond:
            self._stop = True
            self._waiting.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def submit(self, actor: str, changes: dict[str, Any], client: Any, path: str) -> None:
        """Queue ``changes`` (address → value) of ``actor``; ``client`` and ``path`` name it if it is refused."""
        self._queue((actor, tuple(changes)), partial(self._apply, actor, changes), client, path)

    def submit_call(self, actor: str, what: str, call: Callable[[], Any], client: Any, path: str) -> None:
        """Queue ``call`` (a scene recall: it waits for the disk too) in order with the changes; a newer call of
        ``actor`` with the same ``what`` replaces one still waiting. A MixerError it raises is a refusal."""
        self._queue((actor, (what,)), call, client, path)

    def _queue(self, key: tuple[str, tuple[str, ...]], job: Callable[[], Any], client: Any, path: str) -> None:
        with self._cond:
            if key in self._waiting:
                del self._waiting[key]  # the newer value goes last, where a sequential apply would leave it
            elif len(self._waiting) >= self._limit:
                self.dropped += 1
                return
            self._waiting[key] = (job, client, path)
            self._cond.notify()

    def _apply(self, actor: str, changes: dict[str, Any]) -> None:
        if len(changes) == 1:
            # One address: a drag of it is one undo step (the control core coalesces repeated sets).
            [(address, value)] = changes.items()
            self.control.set(address, value, "osc", actor=actor)
        else:
            self.control.set_many(changes, "osc", coalesce=True, actor=actor)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                key, (job, client, path) = next(iter(self._waiting.items()))
                del self._waiting[key]
            try:
                job()
                self.applied += 1
            except MixerError as exc:
                self._refused(client, path, exc.message)
            except Exception:  # a bug must not end the worker
                log.exception("osc: error applying %s from %s", path, client)
