"""The live problem finder: looks at the mixer a few times a second, keeps the problems that have lasted,
and tells listeners when the list changes.

Hysteresis keeps the list calm: a problem appears once it has been seen for ``raise_after`` seconds and
goes once it has been absent for ``clear_after`` seconds, so a peak that brushes a threshold, or a fader
that passes through −∞ on its way up, does not flicker.

A look at the live mixer works on changes (``watch.Watcher``): when nothing changed it costs next to
nothing, so looking four times a second keeps the hysteresis's times without costing the daemon. Besides
what one look finds, the monitor adds what needs the past: the xruns over a window, and the sources the mixes
had and lost (``mix_source_cut``, ``problems.CutSources``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

from mixerd.diagnostics import gainstaging
from mixerd.diagnostics import problems as finder
from mixerd.diagnostics.problems import Problem
from mixerd.diagnostics.snapshot import Snapshot
from mixerd.diagnostics.watch import Settling, Watcher, changed_addresses

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]


@dataclass
class _Seen:
    problem: Problem
    first: float       # when it was first seen in this run of sightings
    last: float        # when it was last seen
    raised: bool = False
    since: float = 0.0  # wall-clock time it was raised (for clients)


class Hysteresis:
    """Problems in, the lasting ones out. ``update(found, now)`` returns whether the raised set changed."""

    def __init__(self, raise_after: float, clear_after: float):
        self.raise_after = raise_after
        self.clear_after = clear_after
        self._seen: dict[tuple[str, str], _Seen] = {}

    def update(self, found: list[Problem], now: float) -> tuple[list[Problem], list[Problem]]:
        """Feed one look's problems; returns ``(raised, cleared)`` by this look."""
        raised, cleared = [], []
        keys = set()
        for p in found:
            keys.add(p.key)
            seen = self._seen.get(p.key)
            if seen is None:
                seen = self._seen[p.key] = _Seen(p, now, now)
            seen.problem, seen.last = p, now  # the newest wording (levels move)
            if not seen.raised and now - seen.first >= self.raise_after:
                seen.raised, seen.since = True, time.time()
                raised.append(p)
        for key, seen in list(self._seen.items()):
            if key in keys:
                continue
            if not seen.raised:
                del self._seen[key]  # it did not last: forget it
            elif now - seen.last >= self.clear_after:
                del self._seen[key]
                cleared.append(seen.problem)
        return raised, cleared

    def current(self) -> list[tuple[Problem, float]]:
        """The raised problems, with the time each was raised."""
        return [(s.problem, s.since) for s in self._seen.values() if s.raised]


class Diagnostics:
    """Watches one Control. ``problems()`` is the current list; ``add_listener`` hears every change.

    ``interval`` is the time between looks; ``xrun_window`` how long an xrun keeps the ``xruns``
    problem up. ``clock`` (monotonic seconds) lets tests drive time.
    """

    def __init__(self, control, *, interval: float = 0.25, raise_after: float = 0.5, clear_after: float = 2.0,
                 xrun_window: float = 10.0, idle_after: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 recorder=None, listener=None, links=None):
        self.control = control
        #: the mixer's recorder (its ``status()`` is looked at for the recorder's problems), or None
        self.recorder = recorder
        #: the feedback finder's ``Listener`` (its howls are ``feedback`` problems), or None
        self.listener = listener
        #: the audio links to other boxes (``mixerd.links.Links``: ``link_down``, ``link_dropouts``), or None
        self.links = links
        #: the gain-staging assistant of this mixer (one run at a time, whichever front end asks)
        self.assistant = gainstaging.Assistant(control)
        self.interval = interval
        self.idle_after = idle_after
        self._asked = time.monotonic()
        self._pinned = False
        self._stopped = False
        self.xrun_window = xrun_window
        self._clock = clock
        self._hysteresis = Hysteresis(raise_after, clear_after)
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._xruns: deque[tuple[float, int]] = deque()  # (time, xrun counter) over the window
        self._message: dict[str, Any] = {"version": 0, "problems": [], "raised": [], "cleared": []}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._settling = Settling()
        self._cut_sources = finder.CutSources()  # what each mix has had (mix_source_cut), for either kind of look
        self._watcher: Watcher | None = None       # made at the first look at the mixer itself
        self._values: Mapping[str, Any] = {}       # the values of the last look at a given snapshot
        self._found: list[Problem] = []            # what the last look found

    # -- reading ----------------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Grows by one whenever the list of problems changes."""
        return self._message["version"]

    def problems(self) -> dict[str, Any]:
        """``{"version", "problems": [...], "raised": [...], "cleared": [...]}``: the current problems
        (errors first) and what the last change raised and cleared. Asking keeps the monitor looking
        (it starts if it was not running, and stops ``idle_after`` seconds after the last question
        unless ``start()`` started it or a listener listens)."""
        self._ensure_running()
        with self._lock:
            return self._message

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(problems())`` from the monitor's thread on every change (it must not block);
        returns a function that removes it. While there is a listener, the monitor does not stop for want
        of questions."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return remove

    # -- running ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start looking until ``stop()`` (idempotent)."""
        self._pinned, self._stopped = True, False
        self._ensure_running()

    def stop(self) -> None:
        """Stop looking; questions do not start it again (``start()`` does)."""
        self._pinned, self._stopped = False, True
        self._stop.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread:
            thread.join(timeout=5)

    def check(self, snap: Snapshot | None = None) -> bool:
        """Take one look (at ``snap``, or at the mixer now); returns whether the problems changed."""
        now = self._clock()
        if snap is None:
            if self._watcher is None:
                self._watcher = Watcher(self.control, self._settling, self._cut_sources)
            found = self._watcher.look(now)
            cut = self._watcher.cut
            health = self.control.health()
        else:
            before, self._values = self._values, snap.values
            if before:
                self._settling.mark(changed_addresses(before, snap.values), now)
            snap = dataclasses.replace(snap, settling=snap.settling | self._settling.at(now))
            facts, holds = finder.Facts(snap.layout, snap.values, snap.ports), finder.holds_of(snap)
            found, _ = finder.evaluate(facts, holds)  # = finder.find(snap)
            cut = self._cut_sources.look(facts, holds, snap.values, snap.settling)
            health = snap.health
        extra = cut + finder.xruns_problems(self._recent_xruns(health, now)) + finder.audio_problems(health)
        if self.recorder is not None:
            extra += finder.recorder_problems(self.recorder.status())
        if self.listener is not None:
            extra += self.listener.problems()
        if self.links is not None:
            extra += self.links.problems()
        if extra:
            found = found + extra
        raised, cleared = self._hysteresis.update(found, now)
        with self._lock:
            m = self._message
            if not raised and not cleared:
                if found is not self._found and found != self._found:
                    # Only the wording of raised problems may have moved (levels): no new version, no event.
                    self._message = self._compose(m["version"], m["raised"], m["cleared"])
                self._found = found
                return False
            self._found = found
            self._message = self._compose(m["version"] + 1, [p.to_dict() for p in raised],
                                          [p.to_dict() for p in cleared])
            message, listeners = self._message, list(self._listeners)
        for p in raised:
            log.info("diagnostics: %s at %s: %s", p.code, p.address, p.message)
        for p in cleared:
            log.info("diagnostics: cleared %s at %s", p.code, p.address)
        for listener in listeners:
            try:
                listener(message)
            except Exception:
                log.exception("diagnostics: a listener failed")
        return True

    # -- internals --------------------------------------------------------------------------------

    def _compose(self, version: int, raised: list[dict[str, Any]], cleared: list[dict[str, Any]]) -> dict[str, Any]:
        order = {s: i for i, s in enumerate(finder.SEVERITIES)}
        current = sorted(self._hysteresis.current(), key=lambda ps: order[ps[0].severity])
        return {"version": version, "problems": [{**p.to_dict(), "since": round(since, 3)} for p, since in current],
                "raised": raised, "cleared": cleared}

    def _recent_xruns(self, health: Mapping[str, Any], now: float) -> int:
        count = int(health.get("engine", {}).get("xruns", 0) or 0)
        self._xruns.append((now, count))
        while len(self._xruns) > 1 and now - self._xruns[1][0] >= self.xrun_window:
            self._xruns.popleft()
        # A counter that went down is a new server (JACK restarted): count from there.
        first = self._xruns[0][1]
        return count - first if count >= first else count

    def _ensure_running(self) -> None:
        self._asked = time.monotonic()
        with self._lock:
            if self._stopped or (self._thread is not None and self._thread.is_alive()):
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="mixerd-diagnostics", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if not self._pinned and not self._listeners and time.monotonic() - self._asked > self.idle_after:
                    # Nobody asks any more: stop looking (the next question starts it again).
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return
            try:
                self.check()
            except Exception:  # never let the monitor die; the next look tries again
                log.exception("diagnostics: check failed")
