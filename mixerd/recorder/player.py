"""Virtual soundcheck: a take played back through the channels it was recorded from, instead of the band.

``Player.play(take)`` switches the take's channels (or some of them: ``channels``) from their live inputs to the
take (crossfaded in the core, before the trim: the strips and every mix hear it as they would the band) and starts a
disk thread (``TakeReader``) that keeps the core's playback ring seconds ahead of the audio. The ring carries every
track of the take whichever channels hear it, so ``source(channel, "take" | "live")`` switches one channel at any
time without reading anything again: the drums from the take, the singer live. A loop A–B repeats seamlessly: the
reader goes on from A the moment it reaches B, and blends the frames before B with the frames before A over ``SEAM``
samples, so the loop point neither gaps nor clicks. ``stop()`` fades the take out and gives the channels back to
the band; ``locate`` is a stop and a play from elsewhere. ``mark`` sets a marker in the take at the moment being
heard (``Recorder.mark`` decides whether a marker goes to the take recorded or the one played).
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from mixerd import _core
from mixerd.model.address import number_of
from mixerd.model.errors import MixerError
from mixerd.recorder.disk import ring_frames
from mixerd.recorder.takes import Takes

log = logging.getLogger(__name__)

#: Frames read from the files at once.
CHUNK = 16384
#: How long the reader sleeps while the ring is full.
POLL_S = 0.02
#: The loop point's blend, in samples (5 ms at 48 kHz): long enough to hide the seam, short enough to be tight.
SEAM = 256
#: How long a stop's fade takes before the channels go back to the band (the core's ramp, with margin).
FADE_S = 0.05
#: What a channel hears while a take plays: the take (1.0) or the band (0.0), as ``_core.OP_PLAY_SOURCE`` takes it.
SOURCES = {"take": 1.0, "live": 0.0}


class PlayerError(MixerError):
    """A refused playback operation; nothing was changed."""

    family = frozenset({"not_found", "invalid_value", "out_of_range", "not_playing"})


class TakeReader:
    """Fills ``ring`` (a ``_core.Playback``) with ``files`` (mono, one per track) from frame ``start``, looping
    ``loop`` = (a, b) frames if given; ends at the end of the take otherwise."""

    def __init__(self, ring, files: list[Path], start: int, loop: tuple[int, int] | None = None):
        self.ring = ring
        self.loop = loop
        self._files = [sf.SoundFile(str(f)) for f in files]
        self.frames = min(f.frames for f in self._files)
        self._pos = start          # the next frame of the take to write
        self._written = 0          # frames written into the ring so far
        self._marks = [0]          # ring positions where a run of the take starts ...
        self._starts = [start]     # ... and the take's frame it starts at
        self._stop = threading.Event()
        self.ended = False         # the whole take (no loop) is in the ring
        self._thread = threading.Thread(target=self._run, name="mixerd-player", daemon=True)

    def start(self) -> None:
        self._fill()  # something is there before the first block is mixed
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for f in self._files:
            f.close()

    def position(self) -> int:
        """The take's frame being heard now (the ring's played frames mapped back through every loop)."""
        played = self.ring.played
        i = bisect.bisect_right(self._marks, played) - 1
        return self._starts[i] + (played - self._marks[i])

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and not self.ended:
                if not self._fill():
                    self._stop.wait(POLL_S)
        except Exception:  # a file gone or damaged: the ring runs dry (silence), the status says the take ended
            log.exception("player: reading the take failed")
            self.ended = True
            self.ring.end()

    def _fill(self) -> bool:
        """Write what fits; False when nothing did (the ring full, or the take over)."""
        wrote = False
        while (room := self.ring.room) >= min(CHUNK, 4096) and not self.ended:
            end = self.loop[1] if self.loop else self.frames
            n = min(room, CHUNK, end - self._pos)
            if n <= 0:
                if not self.loop:
                    self.ended = True
                    self.ring.end()  # the last frames play even if less than a block
                    break
                self._wrap()
                continue
            block = self._read(self._pos, n)
            if self.loop:
                self._blend(block, self._pos)
            self.ring.write(block)
            self._pos += n
            self._written += n
            wrote = True
        return wrote

    def _read(self, at: int, n: int) -> np.ndarray:
        out = np.zeros((len(self._files), n), np.float32)
        for t, f in enumerate(self._files):
            f.seek(at)
            got = f.read(n, dtype="float32", always_2d=True)[:, 0]
            out[t, :len(got)] = got
        return out

    def _blend(self, block: np.ndarray, at: int) -> None:
        """The frames just before B (in ``block``, from take frame ``at``) fade into the frames just before A:
        at B the audio is already what it is at A, and the jump back is seamless."""
        a, b = self.loop
        seam = min(SEAM, a, (b - a) // 2)
        first = max(at, b - seam)
        if seam <= 0 or first >= at + block.shape[1]:
            return
        k = at + block.shape[1] - first
        into = self._read(a - (b - first), k)  # the same distance before A
        ramp = (np.arange(first - (b - seam), first - (b - seam) + k, dtype=np.float32) + 1) / (seam + 1)
        block[:, first - at:] = block[:, first - at:] * (1 - ramp) + into * ramp

    def _wrap(self) -> None:
        a, _ = self.loop
        self._marks.append(self._written)  # the ring position the next frame goes to
        self._starts.append(a)
        self._pos = a


class Player:
    """Plays takes of ``takes`` into ``engine``'s channels (see the module docstring). ``status()`` says what
    plays where; a ``player`` notice on ``control``'s event stream follows every start, stop, source switch and
    marker."""

    def __init__(self, control, engine, takes: Takes, *, buffer_s: float = 4.0):
        self.control = control
        self.engine = engine
        self.takes = takes
        self.buffer_s = buffer_s
        self._lock = threading.RLock()
        self._reader: TakeReader | None = None
        self._take: dict[str, Any] | None = None
        self._available: list[int] = []  # the take's channels (0-based), in the take's order: the ring's tracks
        self._hearing: set[int] = set()  # those of them that hear the take now (the others hear the band)

    @property
    def playing(self) -> bool:
        """A take is playing (started, not stopped, not played to its end)."""
        with self._lock:
            reader = self._reader
            return reader is not None and not (reader.ended and reader.ring.queued == 0)

    def status(self) -> dict[str, Any]:
        """``{"playing", "take", "name", "position", "seconds", "loop", "channels", "available", "starved"}``
        (times in seconds; ``channels``: the take's channels hearing the take instead of the band, ``available``:
        every channel of the take, each of which ``source`` switches)."""
        with self._lock:
            reader, take = self._reader, self._take
            if reader is None:
                return {"playing": False, "take": None, "name": None, "position": 0.0, "seconds": 0.0, "loop": None,
                        "channels": [], "available": [], "starved": 0.0}
            rate = take["rate"]
            return {"playing": self.playing, "take": take["id"], "name": take["name"],
                    "position": min(reader.position(), reader.frames) / rate, "seconds": reader.frames / rate,
                    "loop": [reader.loop[0] / rate, reader.loop[1] / rate] if reader.loop else None,
                    "channels": [_address(c) for c in self._available if c in self._hearing],
                    "available": [_address(c) for c in self._available],
                    "starved": reader.ring.starved / rate}

    def play(self, take_id: object, start: float = 0.0, loop: list[float] | None = None,
             channels: list[str] | None = None) -> dict[str, Any]:
        """Play take ``take_id`` from ``start`` seconds into the channels it recorded (a take playing already is
        stopped first), looping ``loop`` = [a, b] seconds if given. ``channels`` (``"ch/N"`` among the take's)
        hear the take, the take's others the band (``source`` switches them later); None: every one of them."""
        take = self.takes.get(take_id)
        if take["rate"] != self.engine.sample_rate:
            raise PlayerError("invalid_value", f"take {take['id']} was recorded at {take['rate']} Hz and the mixer runs "
                              f"at {self.engine.sample_rate} Hz", None, "a take recorded at the mixer's rate")
        tracks = [(number_of(s["address"]) - 1, s["file"]) for s in take["sources"]
                  if s["address"].startswith("ch/") and number_of(s["address"]) <= self.engine.layout.n_inputs]
        if not tracks:
            raise PlayerError("invalid_value", f"take {take['id']} has no channel to play back", None,
                              "a take that recorded channels")
        available = [c for c, _ in tracks]
        hearing = set(available) if channels is None else _picked(channels, available)
        rate, frames = take["rate"], take["frames"]
        at = _frame(start, rate, frames, "start")
        span = None if loop is None else _span(loop, rate, frames)
        if span is not None:
            at = min(max(at, span[0]), span[1] - 1)
        with self._lock:
            self._stop_now()
            folder = self.takes.path(take["id"])
            capacity = ring_frames(self.buffer_s, rate)
            ring = self.engine.core.play(available, capacity)  # every track, whichever channels hear it now
            reader = TakeReader(ring, [folder / f for _, f in tracks], at, span)
            reader.start()
            self.engine.core.post(_core.OP_PLAY_LEVEL, 0, 1.0)
            for c in hearing:
                self.engine.core.post(_core.OP_PLAY_SOURCE, c, SOURCES["take"])  # crossfaded from the band
            self._reader, self._take, self._available, self._hearing = reader, take, available, hearing
            status = self.status()
        self.control.notify("player", status)
        return status

    def source(self, channel: object, source: object) -> dict[str, Any]:
        """Switch ``channel`` (``"ch/N"``, one of the playing take's) to ``source``: ``"take"`` (it hears the take)
        or ``"live"`` (the band), crossfaded in the core. The ring carries every track all along, so the switch
        is heard at once, either way."""
        if not isinstance(source, str) or source not in SOURCES:
            raise PlayerError("invalid_value", f"source {source!r} is not what a channel can hear", None,
                              '"take" (the take played back) or "live" (the band)')
        if not isinstance(channel, str):
            raise PlayerError("invalid_value", f"channel {channel!r:.60} is not a channel's address", None,
                              'a channel of the take playing, e.g. "ch/3"')
        with self._lock:
            if self._reader is None:
                raise PlayerError("not_playing", "no take is playing: a channel's source is switched while one "
                                  "plays", None, "play a take first")
            (c,) = _picked([channel], self._available)
            if source == "take":
                self._hearing.add(c)
            else:
                self._hearing.discard(c)
            self.engine.core.post(_core.OP_PLAY_SOURCE, c, SOURCES[source])
            status = self.status()
        self.control.notify("player", status)
        return status

    def mark(self, name: object) -> dict[str, Any]:
        """A marker named ``name`` in the take playing, at the moment being heard; its sidecar is replaced at once
        (``Takes.mark``). Front ends call ``Recorder.mark``, which sends a marker here when no take is recorded."""
        with self._lock:
            if not self.playing:
                raise PlayerError("not_playing", "no take is playing", None, "play a take first")
            marker = self.takes.mark(self._take["id"], self._reader.position(), name)
            status = self.status()
        self.control.notify("player", status)
        return marker

    def stop(self) -> dict[str, Any]:
        """Fade the take out and give the channels back to the band."""
        with self._lock:
            if self._reader is None:
                raise PlayerError("not_playing", "no take is playing", None, "play a take first")
            self._stop_now()
            status = self.status()
        self.control.notify("player", status)
        return status

    def close(self) -> None:
        with self._lock:
            self._stop_now()

    def _stop_now(self) -> None:
        if self._reader is None:
            return
        core = self.engine.core
        core.post(_core.OP_PLAY_LEVEL, 0, 0.0)
        for c in self._hearing:
            core.post(_core.OP_PLAY_SOURCE, c, SOURCES["live"])  # the band again, crossfaded
        time.sleep(FADE_S)  # the fades run before the ring goes
        core.stop_playing()
        self._reader.stop()
        self._reader, self._take, self._available, self._hearing = None, None, [], set()


def _picked(channels: object, available: list[int]) -> set[int]:
    """``channels`` (a list of ``"ch/N"``) as channel indices, each one of ``available`` (the take's)."""
    allowed = ", ".join(_address(c) for c in available)
    if not isinstance(channels, (list, tuple)) or not all(isinstance(a, str) for a in channels):
        raise PlayerError("invalid_value", f"channels must be a list of channel addresses, not {channels!r:.60}",
                          None, f"some of the take's channels: {allowed}")
    by_address = {_address(c): c for c in available}
    for address in channels:
        if address not in by_address:
            raise PlayerError("not_found", f"{address[:40]!r} is not a channel of the take", address[:40],
                              f"the take's channels: {allowed}")
    if len(set(channels)) != len(channels):
        raise PlayerError("invalid_value", "a channel is listed twice", None, f"the take's channels: {allowed}")
    return {by_address[a] for a in channels}


def _address(channel: int) -> str:
    """Channel index 2 → ``"ch/3"``."""
    return f"ch/{channel + 1}"


def _span(loop: object, rate: int, frames: int) -> tuple[int, int]:
    """``loop`` = [A, B] seconds as frames of the take (B at least 0.1 s after A)."""
    if not isinstance(loop, (list, tuple)) or len(loop) != 2:
        raise PlayerError("invalid_value", "loop is [A, B] in seconds", None, "[A, B], A < B, within the take")
    span = (_frame(loop[0], rate, frames, "loop A"), _frame(loop[1], rate, frames, "loop B"))
    if span[1] - span[0] < rate // 10:
        raise PlayerError("out_of_range", "a loop is at least 0.1 s long (B after A)", None,
                          "[A, B] with B at least 0.1 s after A")
    return span


def _frame(seconds: object, rate: int, frames: int, what: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= frames / rate:
        raise PlayerError("out_of_range", f"{what} {seconds!r} is not a time in the take", None,
                          f"0 to {frames / rate:.1f} s")
    return int(round(seconds * rate))
