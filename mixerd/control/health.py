"""The health watcher: one small thread per Control that turns the engine's health into ``health`` notices.

Health has no event of its own (the audio stopping shows as cycles that no longer advance), so something
must look. It is done once, here, for every front end: while anybody follows ``health`` notices the watcher
reads ``Control.health()`` every ``interval`` seconds, reduces it to what a front end shows (``summary``) and
emits a ``health`` notice when that changed (and once when it starts, so a new follower has it). With nobody
following, the thread ends; ``Control.close()`` stops it for good.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Mapping

log = logging.getLogger(__name__)

#: Seconds between two looks at the engine's health.
HEALTH_INTERVAL = 1.0


def summary(health: Mapping[str, Any]) -> dict[str, Any]:
    """What a ``health`` notice says: ``status`` (ok, degraded, down), whether audio ``running``, ``xruns``,
    ``sample_rate``, ``period`` and, for an interface of the profile's, ``interface`` ``{"card",
    "present"}`` — figures that change rarely (the DSP load moves all the time; ``GET /health`` has it)."""
    engine, jack = health.get("engine", {}) or {}, health.get("jack", {}) or {}
    out: dict[str, Any] = {"status": health.get("status", "down"), "running": bool(engine.get("running")),
                           "xruns": int(engine.get("xruns", 0) or 0),
                           "sample_rate": int(engine.get("sample_rate", 0) or 0),
                           "period": int(engine.get("period", 0) or 0)}
    interface = jack.get("interface")
    if isinstance(interface, Mapping):
        out["interface"] = {"card": interface.get("card"), "present": interface.get("present")}
    return out


class HealthWatch:
    """Calls ``emit(summary)`` whenever ``summary(read())`` changes, looking every ``interval`` seconds
    while ``wanted()``; ``ensure()`` starts it (again), ``stop()`` ends it for good."""

    def __init__(self, read: Callable[[], Mapping[str, Any]], emit: Callable[[dict[str, Any]], None],
                 wanted: Callable[[], bool], interval: float = HEALTH_INTERVAL):
        self._read = read
        self._emit = emit
        self._wanted = wanted
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._stopped = False
        self.last: dict[str, Any] | None = None  # the summary last seen

    def ensure(self) -> None:
        """Look from now on (while wanted); idempotent."""
        with self._lock:
            if self._stopped or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="mixerd-health-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop looking (``ensure`` does not start it again)."""
        with self._lock:
            self._stopped = True
            thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _look(self) -> None:
        now = summary(self._read())
        if now != self.last:
            self.last = now
            self._emit(now)

    def _run(self) -> None:
        # The first look is emitted too: whoever started following meanwhile is sure to have the latest.
        while True:
            with self._lock:
                if not self._wanted():
                    if self._thread is threading.current_thread():
                        self._thread = None
                    self.last = None  # the next run starts afresh
                    return
            try:
                self._look()
            except Exception:  # never let the watcher die; the next look tries again
                log.exception("health watch: could not read the engine's health")
            if self._stop.wait(self.interval):
                return
