"""Listener: the ears of the RTA and the feedback finder, on the engine's analysis ring.

A point is listened to while somebody asks for it: an RTA watcher (``watch``: a page showing the spectrum of
``ch/3/inserts``, ``bus/2``, ``main``…), or the feedback finder — every mix being rung out (``bus/B/ringout``,
``main/ringout``), and every aux mix and the main while ``feedback/watch`` is on. The engine's analysis ring is
fed exactly the points listened to, and one thread reads it every ``READ_S`` while anything is; with nothing to
listen to, the ring is detached and the thread waits for a change of the ring-out switches (it follows the
control core's events: nothing polls).

Each point's blocks (a stereo point: the mean of its sides' power) give power spectra (``analysis.rta.Spectra``),
shared by the RTA (bands, peak hold: ``analysis.rta.Rta``) and the finder (``analysis.feedback``).

Feedback: each howl on a mix is a ``feedback`` problem (``problems()``; the problem finder shows it with the
others) carrying the notch that would stop it (``diagnostics.notch``): ``details["notch"]``, the changes any
front end applies as one batch. With ``feedback/auto`` the notch is applied at once through the control core
(origin ``system``, actor ``feedback``: one undo step each), at most one per mix every ``NOTCH_EVERY_S``, so a
howl that stays gets its notch deepened and a moved one a notch of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mixerd.analysis.feedback import FeedbackDetector, Howl
from mixerd.analysis.rta import RESOLUTIONS, Rta, Spectra
from mixerd.control.events import Event, Lagged
from mixerd.diagnostics.notch import notch_changes
from mixerd.diagnostics.problems import Problem
from mixerd.model.errors import MixerError, ParamError

log = logging.getLogger(__name__)

READ_S = 0.04
#: Put into the listener's own event queue to wake its thread at once (a watcher came or went).
_WAKE = object()
NOTCH_EVERY_S = 1.0
ACTOR = "feedback"


@dataclass(frozen=True)
class RtaWatch:
    """One RTA watcher: ``point`` at ``per_octave``; ``send(frame)`` gets each frame (from the listener's
    thread): ``{"point", "per_octave", "centres", "levels", "peaks"}`` in Hz and dBFS."""

    point: str
    per_octave: int
    send: Callable[[dict[str, Any]], None]


class Listener:
    """The analysis ring's reader for ``control`` on ``engine`` (see the module docstring)."""

    def __init__(self, control, engine, clock: Callable[[], float] = time.monotonic):
        self.control = control
        self.engine = engine
        self.clock = clock
        self.layout = control.tree.layout
        self._lock = threading.Lock()
        self._watches: list[RtaWatch] = []
        self._rtas: dict[tuple[str, int], Rta] = {}
        self._spectra: dict[str, Spectra] = {}
        self._detectors: dict[str, FeedbackDetector] = {}
        self._howls: dict[str, list[Howl]] = {}
        self._notched: dict[str, float] = {}  # mix → when its last notch went in
        self._feed = None
        self._listening: tuple[str, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sub = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Follow the ring-out switches and listen to what they and the watchers ask for."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._sub = self.control.subscribe(4096)
        self._thread = threading.Thread(target=self._run, name="mixerd-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._sub is not None:
            self._sub.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._feed is not None:
            self.engine.stop_analysing()
            self._feed = None

    # -- the RTA ---------------------------------------------------------------------------------------

    def watch(self, point: str, per_octave: int, send: Callable[[dict[str, Any]], None]) -> RtaWatch:
        """Start sending ``point``'s RTA frames to ``send`` (ParamError for a point or resolution there is not)."""
        if point not in self.engine.tap_points:
            raise ParamError("not_found", f"{point!r} is not a meter point of this mixer", str(point),
                             "meter points: ch/N/input, ch/N/insert1, ch/N/inserts, ch/N/post, bus/N, main, solo")
        if per_octave not in RESOLUTIONS:
            raise ParamError("invalid_value", f"an RTA shows 3 or 6 bands an octave, not {per_octave!r}", None,
                             "3 (1/3 octave) or 6 (1/6 octave)")
        watch = RtaWatch(point, per_octave, send)
        # A new look starts its peak hold afresh (the web app's Reset peaks asks again): the next frame makes the Rta
        # anew. Its band matrix is made once per look, not per frame.
        self._rtas.pop((point, per_octave), None)
        with self._lock:
            self._watches.append(watch)
        self._nudge()
        return watch

    def unwatch(self, watch: RtaWatch) -> None:
        with self._lock:
            if watch in self._watches:
                self._watches.remove(watch)
        self._nudge()

    def _nudge(self) -> None:
        """Wake the thread: what is listened to changed (it waits on the control's events)."""
        sub = self._sub
        if sub is not None:
            sub.put(_WAKE)

    # -- feedback --------------------------------------------------------------------------------------

    def howls(self) -> dict[str, list[Howl]]:
        """The howls sounding now, per mix (``bus/B``, ``main``)."""
        with self._lock:
            return {mix: list(found) for mix, found in self._howls.items() if found}

    def problems(self) -> list[Problem]:
        """A ``feedback`` problem per howl, with the notch that would stop it."""
        howls = self.howls()
        if not howls:
            return []
        out = []
        values = self.control.state()[1]
        for mix, found in howls.items():
            name = "the main" if mix == "main" else values.get(f"{mix}/name", mix)
            for howl in found:
                notch = notch_changes(values, mix, howl.freq)
                where = "its EQ" if notch is None or f"{mix}/geq/on" not in notch else "its graphic EQ"
                out.append(Problem(
                    "feedback", mix, f"{name}: feedback at {_hz(howl.freq)} ({howl.level_db:.0f} dBFS)",
                    f"notch {_hz(howl.freq)} on {where}" if notch else "pull the mix down: every EQ band is in use",
                    fix_address=next(iter(notch)) if notch else f"{mix}/fader", stage="output",
                    details={"freq": round(howl.freq, 1), "level_db": round(howl.level_db, 1), "notch": notch}))
        return out

    def wanted_mixes(self, values) -> tuple[str, ...]:
        """The mixes the feedback finder listens to now."""
        aux = [f"bus/{b}" for b, bus in enumerate(self.layout.buses, start=1) if bus.is_aux]
        if values.get("feedback/watch"):
            return (*aux, "main")
        return tuple(m for m in (*aux, "main") if values.get(f"{m}/ringout"))

    # -- the thread ------------------------------------------------------------------------------------

    def _run(self) -> None:
        switches = self._switches()
        retune = True
        while not self._stop.is_set():
            if retune:  # only when a switch or a watcher changed: most events are other changes (a fader drag)
                retune = False
                try:
                    self._retune(switches)
                except MixerError as exc:  # the engine could not feed the ring: said once, tried on a change
                    log.warning("listener: %s", exc.message)
            busy = bool(self._listening)
            try:
                event = self._sub.get(READ_S if busy else None)  # idle: until a change or a watcher (_WAKE)
                while event is not None:
                    if event is _WAKE:
                        retune = True
                    elif isinstance(event, Event) and event.address in switches:
                        switches[event.address] = event.value
                        retune = True
                    event = self._sub.get_nowait()
            except Lagged:
                switches, retune = self._switches(), True
            if busy:
                try:
                    self._listen(switches)
                except Exception:  # a bug must not end the listener
                    log.exception("listener: reading the analysis ring failed")

    def _switches(self) -> dict[str, Any]:
        """The values that decide what the finder listens to and does: ring-out per mix, watch, auto."""
        values = self.control.state()[1]
        return {a: v for a, v in values.items() if a.endswith("/ringout") or a.startswith("feedback/")}

    def _retune(self, values) -> None:
        """Feed the ring exactly the points somebody listens to (or detach it)."""
        with self._lock:
            points = [w.point for w in self._watches] + list(self.wanted_mixes(values))
        wanted = tuple(dict.fromkeys(points))
        if wanted != self._listening:  # the ring is fed anew only when the points change
            self._listening = wanted
            if wanted:
                self._feed = self.engine.analyse(list(wanted))
            else:
                self.engine.stop_analysing()
                self._feed = None
        rate = self.engine.sample_rate
        self._spectra = {p: self._spectra.get(p) or Spectra(rate) for p in wanted}
        mixes = self.wanted_mixes(values)
        ringing = {m: bool(values.get(f"{m}/ringout")) for m in mixes}
        self._detectors = {m: (d if d is not None and d.ringing_out == ringing[m] else
                               FeedbackDetector(rate, Spectra(rate).n_fft, ringing_out=ringing[m]))
                           for m in mixes for d in [self._detectors.get(m)]}
        with self._lock:
            self._howls = {m: h for m, h in self._howls.items() if m in mixes}

    def _listen(self, values) -> None:
        if self._feed is None:
            return
        data, _ = self._feed.ring.read()
        if not data.shape[1]:
            return
        now = self.clock()
        for point, spectra in self._spectra.items():
            sides = self._feed.sides(data, point)
            powers = _mean_power(spectra, sides)
            if not powers:
                continue
            with self._lock:
                watches = [w for w in self._watches if w.point == point]
            for watch in watches:
                rta = self._rtas.get((point, watch.per_octave))
                if rta is None:  # made once: its band matrix is the costly part
                    rta = self._rtas[(point, watch.per_octave)] = Rta(spectra.rate, watch.per_octave)
                frame = rta.bands(powers[-1])
                watch.send({"point": point, "per_octave": watch.per_octave, "centres": rta.centres.tolist(),
                            "levels": np.round(frame.levels, 1).tolist(), "peaks": np.round(frame.peaks, 1).tolist()})
            detector = self._detectors.get(point)
            if detector is not None:
                found: list[Howl] = []
                for power in powers:
                    found = detector.feed(power, now)
                with self._lock:
                    self._howls[point] = found
                if found and values.get("feedback/auto"):
                    self._notch(point, found[0])

    def _notch(self, mix: str, howl: Howl) -> None:
        now = self.clock()
        if now - self._notched.get(mix, -NOTCH_EVERY_S) < NOTCH_EVERY_S:
            return
        changes = notch_changes(self.control.state()[1], mix, howl.freq)
        if not changes:
            return
        self._notched[mix] = now
        try:
            self.control.set_many(changes, "system", actor=ACTOR)
            log.info("feedback: notched %s at %s on %s", mix, _hz(howl.freq), ", ".join(changes))
        except MixerError as exc:
            log.warning("feedback: could not notch %s at %s: %s", mix, _hz(howl.freq), exc.message)


def _mean_power(spectra: Spectra, sides: np.ndarray) -> list[np.ndarray]:
    """The power spectra of a point: its one side, or a stereo point folded to mono (the mean of its sides: a howl
    shows either way; a sound panned hard reads 6 dB low on the RTA)."""
    return spectra.feed(sides[0] if sides.shape[0] == 1 else sides.mean(axis=0))


def _hz(freq: float) -> str:
    return f"{freq / 1000:.2f} kHz" if freq >= 1000 else f"{freq:.0f} Hz"
