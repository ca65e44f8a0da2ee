"""Automatic versions: a copy of the whole state every N minutes while the mix is being changed.

The rule: a version is kept ``interval`` seconds after the first change that is not yet in the last
version. While an engineer works, that is one version every N minutes; while nobody touches the mixer,
none at all (and a change that is undone before the time is up leaves nothing to keep: a version whose
values equal the previous one's is not written).

Timing never touches the control path. ``VersionKeeper`` runs on its own thread and only *polls*: every
``poll`` seconds it reads ``control.seq`` (a plain attribute read, no lock) to notice that something
changed, and when a version is due it takes one ``control.state()`` copy (the control lock for the
time of a dict copy) and writes the version to the store on its own thread. A fader move never waits
for it, and it cannot lag behind like an event subscriber can. The clock is injected and the work is one
method, ``tick()``, so tests drive the cadence with a fake clock and no sleeping; the thread is only
``while not stopped: wait(poll); tick()``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_MINUTES = 5.0
DEFAULT_KEEP = 100


class VersionKeeper:
    """Keeps automatic versions of ``control``'s state in ``store``.

    ``interval`` seconds (default 5 minutes) between the first unsaved change and its version; ``keep``
    newest versions are kept; ``clock`` is a monotonic clock in seconds; ``poll`` how often the thread
    looks (the cadence's resolution).
    """

    def __init__(self, control, store, interval: float = DEFAULT_INTERVAL_MINUTES * 60, keep: int = DEFAULT_KEEP,
                 clock: Callable[[], float] = time.monotonic, poll: float = 1.0):
        if not interval > 0:
            raise ValueError(f"the version interval must be positive, got {interval!r} s")
        if keep < 1:
            raise ValueError(f"keep at least one version, got {keep!r}")
        self.control = control
        self.store = store
        self.interval = float(interval)
        self.keep = keep
        self.poll = poll
        self._clock = clock
        self._lock = threading.Lock()
        self._seen_seq = control.seq
        self._dirty_since: float | None = None
        newest = store.versions()
        self._last_values: dict[str, Any] | None = store.version(newest[0][0]) if newest else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def due_at(self) -> float | None:
        """Clock time at which the next version will be kept (None: nothing changed since the last)."""
        return None if self._dirty_since is None else self._dirty_since + self.interval

    def tick(self) -> int | None:
        """Notice changes and keep a version when one is due; returns the new version's id or None."""
        with self._lock:
            now = self._clock()
            seq = self.control.seq
            if seq != self._seen_seq:
                self._seen_seq = seq
                if self._dirty_since is None:
                    self._dirty_since = now
            if self._dirty_since is None or now - self._dirty_since < self.interval:
                return None
            seq, values = self.control.state()
            self._seen_seq = seq
            self._dirty_since = None
            if values == self._last_values:
                return None  # changed and changed back: nothing new to keep
            version_id = self.store.add_version(seq, values, keep=self.keep)
            self._last_values = values
            log.info("versions: kept version %d (seq %d)", version_id, seq)
            return version_id

    # -- the thread ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling on a daemon thread (no-op when already running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mixerd-versions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (no-op when not running)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.tick()
            except Exception:  # a full disk must not end versioning for good; try again next poll
                log.exception("versions: could not keep a version")
