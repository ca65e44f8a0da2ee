"""The recorder: takes started and stopped from any front end, their sources, their change log, their end.

A take records any set of sources — channels (after the trim, or raw as the input came), buses (what the drummer
hears in their in-ears; a stereo bus is one stereo file), FX and group buses, the main — from the next block on.
The core copies them into one ring (``_core.Core.record``); a ``TakeWriter`` thread writes the files. Every
parameter change during the take goes into its change log with its sample position (the engineer's moves are part
of the record), and the scene the mix is at when it starts into its sidecar.

The recorder's status (recording or not, the take, its length, frames lost, the disk's fill, the space and minutes
left, a problem that ended a take) is a ``recorder`` notice on the control's event stream whenever it changes
(a take started, stopped, or ended by itself) and ``status()`` any time; a take renamed or deleted is a ``takes``
notice (``{"action": "renamed" | "deleted", "take", "name"}``), so every open list follows.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Iterable

from mixerd import _core
from mixerd.control.events import Event, Lagged, Subscription
from mixerd.model.errors import MixerError
from mixerd.recorder.disk import Track, TakeWriter, ring_frames
from mixerd.recorder.player import Player, PlayerError
from mixerd.recorder.takes import Source, TakeError, TakeFolder, Takes

log = logging.getLogger(__name__)

#: How a channel is taken: after its trim (polarity and gain: what the strip works on) or raw, as it came.
CHANNEL_TAPS = {"trim": _core.TAP_TRIM, "raw": _core.TAP_RAW}
SOURCES_HINT = ('a list of "ch/N" (N a channel), "bus/N" (a mix, FX or group bus) or "main"; empty or absent: '
                'every channel and the main')


class RecorderError(MixerError):
    """A refused recorder operation; nothing was changed."""

    family = frozenset({"invalid_value", "not_found", "recording", "not_recording", "playing", "confirm_required",
                        "invalid_name", "no_disk_space"})


class Recorder:
    """Starts and stops takes on ``engine``'s core, follows ``control`` for the change log, keeps them in
    ``takes``. ``buffer_s``: seconds of every track the ring holds (a disk may stall that long without a
    loss); ``header_s``: how often the files' headers are brought up to date; ``player`` (the ``Player`` of the
    same takes) gets the markers set while no take is recorded but one plays back."""

    def __init__(self, control, engine, takes: Takes, *, sample_format: str = "pcm24", buffer_s: float = 8.0,
                 header_s: float = 5.0, scenes=None, player: Player | None = None):
        self.control = control
        self.engine = engine
        self.takes = takes
        self.sample_format = sample_format
        self.buffer_s = buffer_s
        self.header_s = header_s
        self.scenes = scenes
        self.player = player
        self._lock = threading.RLock()
        self._take: TakeFolder | None = None
        self._writer: TakeWriter | None = None
        self._ring = None
        self._sub: Subscription | None = None
        self._logger: threading.Thread | None = None
        self._logged = threading.Event()  # set: the change log's thread writes what is queued, then ends
        self._start_frame = 0
        self._problem: dict[str, Any] | None = None  # what ended the last take early

    # -- reading --------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """``{"recording", "take", "name", "seconds", "sources", "lost_seconds", "buffer", "stall_max", "space",
        "problem"}``: ``buffer`` how full the ring is (0…1: the disk is that far behind), ``stall_max`` the longest
        the disk kept the recorder waiting in this take (seconds; the ring lasts ``buffer_s``), ``space`` the disk's
        free bytes, the reserve kept and ``seconds_left`` for the sources recorded now (or for every channel and
        the main)."""
        with self._lock:
            rate = self.engine.sample_rate
            if self._take is None:
                channels = self.engine.layout.n_inputs + 2
                return {"recording": False, "take": None, "name": None, "seconds": 0.0, "sources": [],
                        "lost_seconds": 0.0, "buffer": 0.0, "stall_max": 0.0, "problem": self._problem,
                        "space": self.takes.space(channels, rate, self.sample_format)}
            ring, info = self._ring, self._take.info
            channels = sum(s["channels"] for s in info["sources"])
            return {"recording": True, "take": self._take.id, "name": info["name"],
                    "seconds": self._writer.frames / rate, "sources": [s["address"] for s in info["sources"]],
                    "lost_seconds": ring.lost / rate, "buffer": ring.queued / ring.capacity,
                    "stall_max": self._writer.stall_max, "problem": None,
                    "space": self.takes.space(channels, rate, self.sample_format)}

    @property
    def writer(self) -> TakeWriter | None:
        """The running take's disk thread (None between takes): the bench stalls it on purpose."""
        return self._writer

    # -- takes ----------------------------------------------------------------------------------------

    def start(self, sources: Iterable[str] | None = None, *, name: object = None, tap: str = "trim",
              actor: str | None = None) -> dict[str, Any]:
        """Start a take of ``sources`` (see SOURCES_HINT); returns ``status()``. Refused (RecorderError) while
        one runs, for a source this mixer has not, or when the disk has no room above its reserve."""
        if tap not in CHANNEL_TAPS:
            raise RecorderError("invalid_value", f"tap {tap!r} is not a way to take a channel", None,
                                " or ".join(CHANNEL_TAPS))
        with self._lock:
            if self._take is not None:
                raise RecorderError("recording", f"take {self._take.id} is being recorded: stop it first", None,
                                    "one take at a time")
            picked = self._sources(sources, tap)
            rate = self.engine.sample_rate
            channels = sum(s.channels for s, _ in picked)
            space = self.takes.space(channels, rate, self.sample_format)
            if space["unavailable"]:
                raise RecorderError("no_disk_space", space["unavailable"], None,
                                    "plug in and mount the disk, or point [recorder] dir elsewhere")
            if space["seconds_left"] < 60:
                raise RecorderError("no_disk_space", f"the recorder's disk has room for {space['seconds_left']:.0f} s "
                                    f"of {'this track' if channels == 1 else f'these {channels} tracks'} above its "
                                    "reserve", None,
                                    "free space on the disk, record fewer sources, or point [recorder] dir elsewhere")
            scene = self.scenes.current() if self.scenes is not None else None
            try:
                folder = self.takes.create([s for s, _ in picked], rate, self.sample_format, name=name, scene=scene)
            except TakeError as exc:
                raise RecorderError(exc.code, exc.message, None, exc.allowed) from None
            capacity = ring_frames(self.buffer_s, rate)
            taps = [t for _, ts in picked for t in ts]
            tracks, first = [], 0
            for source, _ in picked:
                tracks.append(Track(first, source.channels, source.name, source.address))
                first += source.channels
            self._sub = self.control.subscribe(16384)
            started = datetime.now().astimezone()
            midnight = started.replace(hour=0, minute=0, second=0, microsecond=0)
            self._ring = self.engine.core.record(taps, capacity)
            self._start_frame = self.engine.core.stats()["frames"]
            self._writer = TakeWriter(self._ring, folder, tracks, rate, self.sample_format, started=started,
                                      time_reference=int((started - midnight).total_seconds() * rate),
                                      header_s=self.header_s, reserve=self.takes.reserve,
                                      on_end=self._ended)
            self._take, self._problem = folder, None
            self._writer.start()
            self._logged = threading.Event()
            self._logger = threading.Thread(target=self._log_changes,
                                            args=(self._sub, folder, self._ring, self._start_frame, self._logged),
                                            name="mixerd-take-log", daemon=True)
            self._logger.start()
            log.info("recorder: take %s started: %d sources, %d tracks (by %s)", folder.id, len(picked), len(taps),
                     actor or "?")
            status = self.status()
        self.control.notify("recorder", status)
        return status

    def stop(self, actor: str | None = None) -> dict[str, Any]:
        """Stop the take; returns it as ``takes.get`` does. Refused (``not_recording``) when none runs."""
        with self._lock:
            if self._take is None:
                raise RecorderError("not_recording", "no take is being recorded", None, "start a take first")
            take = self._finish()
            log.info("recorder: take %s stopped after %.1f s (by %s)", take["id"], take["seconds"], actor or "?")
            status = self.status()
        self.control.notify("recorder", status)
        return take

    def mark(self, name: object) -> dict[str, Any]:
        """A marker named ``name``: at this moment of the take being recorded; when none is, at the moment being
        heard of the take ``player`` plays back; refused (``not_recording``) when neither. The one place that
        decides where a marker goes (REST, the web app and MQTT all set markers here); a ``recorder`` notice (or
        the player's ``player`` notice) follows, so every front end shows the marker at once."""
        neither = RecorderError("not_recording", "no take is being recorded or played", None,
                                "record a take, or play one back")
        try:
            with self._lock:
                if self._take is None:
                    if self.player is None:
                        raise neither
                    try:
                        return self.player.mark(name)
                    except PlayerError:  # not_playing: nothing plays (or the take just ended)
                        raise neither from None
                marker = self._take.mark(self._position(self._ring, self._start_frame), name)
                status = self.status()
        except TakeError as exc:
            raise RecorderError(exc.code, exc.message, None, exc.allowed) from None
        self.control.notify("recorder", status)
        return marker

    def rename(self, take_id: object, name: object) -> dict[str, Any]:
        """Rename a take (``takes.get`` of it after); the one being recorded too (its sidecar is the recorder's:
        renamed behind its back, the next header update would bring the old name back)."""
        with self._lock:
            try:
                if self._take is None or take_id != self._take.id:
                    take = self.takes.rename(take_id, name)
                    status = None
                else:
                    self._take.rename(name)
                    take, status = self.takes.get(take_id), self.status()
            except TakeError as exc:
                raise RecorderError(exc.code, exc.message, None, exc.allowed) from None
        if status is not None:
            self.control.notify("recorder", status)
        self.control.notify("takes", {"action": "renamed", "take": take["id"], "name": take["name"]})
        return take

    def delete(self, take_id: object, confirm: bool = False) -> None:
        """Delete a take (``confirm`` required); not the one being recorded, nor the one played back."""
        with self._lock:
            if self._take is not None and take_id == self._take.id:
                raise RecorderError("recording", f"take {take_id} is being recorded: stop it first", None,
                                    "a take that is not being recorded")
            if self.player is not None and self.player.status()["take"] == take_id:
                raise RecorderError("playing", f"take {take_id} is being played back: stop it first", None,
                                    "a take that is not being played back")
            self.takes.delete(take_id, confirm)
        self.control.notify("takes", {"action": "deleted", "take": take_id, "name": None})

    def close(self) -> None:
        """Stop a take that runs (the daemon stops): it is kept, complete."""
        with self._lock:
            if self._take is not None:
                self._finish()

    # -- inside ---------------------------------------------------------------------------------------

    def _sources(self, sources: Iterable[str] | None, tap: str) -> list[tuple[Source, list[tuple[int, int, int]]]]:
        """Each source with its taps of the core, in the order given (none: every channel and the main)."""
        layout = self.engine.layout
        if sources is None or (isinstance(sources, (list, tuple)) and not sources):
            sources = [f"ch/{c}" for c in range(1, layout.n_inputs + 1)] + ["main"]
        if not isinstance(sources, (list, tuple)) or not all(isinstance(s, str) for s in sources):
            raise RecorderError("invalid_value", "sources must be a list of addresses", None, SOURCES_HINT)
        if len(set(sources)) != len(sources):
            raise RecorderError("invalid_value", "a source is listed twice", None, SOURCES_HINT)
        return [self._source(address, tap) for address in sources]

    def _source(self, address: str, tap: str) -> tuple[Source, list[tuple[int, int, int]]]:
        """One source (``ch/N``, ``bus/N``, ``main``) as the take's sidecar names it, and its taps of the core."""
        layout = self.engine.layout
        kind, _, number = address.partition("/")
        n = int(number) if number.isdigit() else 0
        if kind == "ch" and 1 <= n <= layout.n_inputs:
            return (Source(address, self.control.get(f"ch/{n}/name"), self.control.get(f"ch/{n}/color"), 1, tap),
                    [(CHANNEL_TAPS[tap], n - 1, 0)])
        if kind == "bus" and 1 <= n <= layout.n_buses:
            width = 2 if layout.buses[n - 1].is_fx or layout.buses[n - 1].stereo else 1
            return (Source(address, self.control.get(f"bus/{n}/name"), self.control.get(f"bus/{n}/color"), width),
                    [(_core.TAP_BUS, n - 1, side) for side in range(width)])
        if address == "main":
            return Source(address, "Main", None, 2), [(_core.TAP_BUS, layout.n_buses, side) for side in (0, 1)]
        raise RecorderError("not_found", f"{address!r} is not a source of this mixer ({layout.n_inputs} channels, "
                            f"{layout.n_buses} buses)", address, SOURCES_HINT)

    def _position(self, ring, start_frame: int) -> int:
        """The take's sample position now: the core's frames since ``ring``'s first block (or, before the audio
        thread has seen it, since ``start_frame``, the core's count when the take was asked for)."""
        start = ring.start_frame
        return max(0, self.engine.core.stats()["frames"] - (start_frame if start is None else start))

    def _log_changes(self, sub: Subscription, folder: TakeFolder, ring, start_frame: int,
                     done: threading.Event) -> None:
        """The change log's thread: every change of the mix during the take, at its sample position. Once ``done``
        is set it writes what is still queued and ends (the take stops after it: no change made before the stop
        is lost). It takes no lock of the service's: the stop waits for it while holding that."""
        while True:
            try:
                item = sub.get(timeout=0.05)
            except Lagged:  # thousands of changes at once (a scene recall over a fade): those are not in the log
                log.warning("recorder: the change log of take %s fell behind; some changes are not in it", folder.id)
                continue
            if item is None:
                if done.is_set() and len(sub) == 0:
                    return
                continue
            if isinstance(item, Event):
                folder.log_change(self._position(ring, start_frame), item.address, item.value, item.actor)

    def _finish(self) -> dict[str, Any]:
        """Stop the core's feed, let the writer write the rest and complete the take (caller holds the lock)."""
        folder, writer = self._take, self._writer
        self.engine.core.stop_recording()
        self._logged.set()
        self._logger.join(10)  # every change made before the stop is in the log
        self._sub.close()
        problem = writer.finish()
        self._take = self._writer = self._ring = self._sub = None
        self._problem = problem
        return self.takes.get(folder.id)

    def _ended(self, problem: dict[str, Any]) -> None:
        """The writer ended the take by itself (the disk): stop the core's feed, tell everyone."""
        def stop() -> None:
            with self._lock:
                if self._take is None or self._writer is None or self._writer.problem is not problem:
                    return
                self._finish()
                status = self.status()
            self.control.notify("recorder", status)
        threading.Thread(target=stop, name="mixerd-take-end", daemon=True).start()  # not in the writer's thread

