"""The disk thread of a take: empties the core's ring (``_core.Take``) into the take's files.

The audio thread only copies into the ring (≥ 5 s of every track); everything slow is here: converting, writing in
big blocks, bringing the headers up to date every ``header_s`` seconds (a power cut then loses at most those
seconds, and every file still opens), checking the space left. Frames the ring lost because this thread was late
(a USB stick that stalled longer than the ring lasts) become silence of the same length where they were, so the
files keep the take's timeline and stay aligned with each other and with the change log.

A write that fails (the disk full, the stick pulled out) or a file system down to its reserve ends the take: what
was recorded so far is kept and closed as well as the disk allows, the reason goes to ``on_end``, and the mixing
never notices.
"""

from __future__ import annotations

import errno
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import numpy as np

from mixerd.recorder.takes import SAMPLE_BYTES, TakeFolder
from mixerd.recorder.wavfile import BroadcastWav, repair

log = logging.getLogger(__name__)

#: Frames taken from the ring at once (about 0.7 s at 48 kHz: big writes, little Python per frame).
CHUNK = 32768
#: How long the thread sleeps when the ring is empty. The ring holds seconds; this only bounds the latency.
POLL_S = 0.05
#: How often the space left is looked at.
SPACE_S = 1.0


def ring_frames(seconds: float, rate: int) -> int:
    """The frames of a core ring (the recorder's or the player's) that hold ``seconds`` of every track: a power of
    two, at least 4096."""
    return 1 << max(12, int(seconds * rate - 1).bit_length())


@dataclass(frozen=True)
class Track:
    """One file of the take: its tracks in the ring (``first``, ``channels``: 2 for a stereo bus) and the name
    and description its header carries."""

    first: int
    channels: int
    name: str
    description: str = ""


class TakeWriter:
    """Writes ``ring`` into ``folder``'s files, one per ``Track``, from ``start()`` until ``finish()``.

    ``reserve``/``space`` bound the file system: the take ends once ``space()`` (free bytes) minus what the next
    ``header_s`` seconds need falls under ``reserve``. ``on_end(problem)`` is called once, in this thread, when
    the take ends by itself (``problem``: ``{"code", "message"}``); ``finish()`` ends it without one."""

    def __init__(self, ring, folder: TakeFolder, tracks: list[Track], rate: int, sample_format: str = "pcm24", *,
                 started: datetime, time_reference: int = 0, header_s: float = 5.0, reserve: int = 0,
                 space: Callable[[], int] | None = None, on_end: Callable[[dict[str, Any]], None] | None = None):
        self.ring = ring
        self.folder = folder
        self.tracks = tracks
        self.rate = rate
        self.header_s = header_s
        self.reserve = reserve
        self._space = space or (lambda: shutil.disk_usage(folder.path).free)
        self._on_end = on_end
        self._rate_bytes = sum(t.channels for t in tracks) * rate * SAMPLE_BYTES[sample_format]
        self._finish = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mixerd-recorder", daemon=True)
        self.frames = 0          # frames of the take's timeline written (silence for lost ones included)
        self._gaps: list[tuple[int, int]] = []  # (ring position, frames) taken from the ring, not written yet
        self.problem: dict[str, Any] | None = None
        self.stall_max = 0.0     # seconds: the longest the thread was away from the ring (a write, a header update)
        self._stall_s = 0.0
        self.files = [BroadcastWav(folder.file(i), t.channels, rate, sample_format, name=t.name,
                                   description=t.description, origination=started, time_reference=time_reference)
                      for i, t in enumerate(tracks)]

    def start(self) -> None:
        self._thread.start()

    def finish(self, timeout: float = 30.0) -> dict[str, Any] | None:
        """End the take once the ring is detached from the core (``Core.stop_recording``): what is left in it
        is written, the files closed, the sidecar completed. Returns the problem that ended it early, if any."""
        self._finish.set()
        self._thread.join(timeout)
        return self.problem

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stall(self, seconds: float) -> None:
        """The next write waits ``seconds`` first, as a USB stick that stalls does: how the bench and the tests
        show a slow disk is survived (the ring carries the audio meanwhile)."""
        self._stall_s = seconds

    # -- the thread -------------------------------------------------------------------------------------

    def _run(self) -> None:
        last_header = time.monotonic()
        last_space = last_header - SPACE_S  # looked at once at the start
        try:
            while True:
                finishing = self._finish.is_set()  # looked at first: the ring is complete once it is set
                began = time.monotonic()
                wrote = self._drain()
                now = time.monotonic()
                if finishing:
                    while self._drain():  # the rest of it
                        pass
                    self._silence(self.ring.lost_at_end)  # lost at the very end: no block came after them
                    break
                if now - last_space >= SPACE_S:
                    last_space = now
                    self._check_space()
                if now - last_header >= self.header_s:
                    last_header = now
                    self._commit()
                self.stall_max = max(self.stall_max, time.monotonic() - began)
                if not wrote:
                    self._finish.wait(POLL_S)
            self._close(None)
        except _TakeEnded as ended:
            self._close(ended.problem)
        except OSError as exc:
            self._close(_disk_problem(exc))
        except Exception as exc:  # nothing may leave a take open: report it as the take's end
            log.exception("recorder: the disk thread failed")
            self._close({"code": "recorder_failed", "message": f"the recorder stopped: {exc}"})

    def _drain(self) -> bool:
        """Write what the ring holds now, with the silence of its gaps; False if it held nothing."""
        data, at = self.ring.read(CHUNK)
        # Gaps after the data (a gap is published before the block that follows it); one beyond this data (the
        # audio thread went on meanwhile) waits for its data.
        self._gaps += self.ring.gaps()
        end = at + data.shape[1]
        due = [g for g in self._gaps if g[0] <= end]
        if not data.shape[1] and not due:
            return False
        self._gaps = self._gaps[len(due):]
        done = 0
        for gap_at, frames in due:
            upto = gap_at - at
            self._write(data[:, done:upto])
            self._silence(frames)
            done = upto
        self._write(data[:, done:])
        return True

    def _write(self, data: np.ndarray) -> None:
        if not data.shape[1]:
            return
        if self._stall_s:
            stall, self._stall_s = self._stall_s, 0.0
            time.sleep(stall)
        for track, file in zip(self.tracks, self.files):
            part = data[track.first:track.first + track.channels]
            file.write(part[0] if track.channels == 1 else np.ascontiguousarray(part.T))
        self.frames += data.shape[1]

    def _silence(self, frames: int) -> None:
        """``frames`` of silence in every file, a chunk at a time."""
        while frames > 0:
            n = min(frames, CHUNK)
            self._write(np.zeros((self.ring.n_tracks, n), np.float32))
            frames -= n

    def _commit(self) -> None:
        """Headers up to date and on the disk, the change log synced, the sidecar's frames."""
        for file in self.files:
            file.flush()
        self.folder.sync(self.frames)

    def _check_space(self) -> None:
        left = self._space() - self.reserve
        if left < self._rate_bytes * (self.header_s + SPACE_S):
            if not self.reserve:  # about to fill up: stopped while the headers still fit
                raise _TakeEnded(_disk_problem(OSError(errno.ENOSPC, "full")))
            raise _TakeEnded({"code": "recorder_disk_full",
                              "message": f"the recorder's disk is down to its reserve ({self.reserve // 2**20} MiB "
                                         "kept free): the take stopped, everything so far is kept"})

    def _close(self, problem: dict[str, Any] | None) -> None:
        """Close every file and complete the sidecar, as far as the disk lets us."""
        self.problem = problem
        for file in self.files:
            try:
                file.close()
            except OSError as exc:
                log.warning("recorder: closing %s failed: %s", file.path, exc)
                self.problem = self.problem or _disk_problem(exc)
        if self.problem is not None:
            # A write failed: a file's header may lag behind its audio. Set every header from what reached the
            # disk (as the next start would), and count the take by its shortest file.
            kept = []
            for file in self.files:
                try:
                    kept.append(repair(file.path))
                except (OSError, ValueError) as exc:
                    log.warning("recorder: %s could not be mended: %s", file.path, exc)
            self.frames = min(kept, default=0)
        try:
            self.folder.finish(self.frames, self.problem["message"] if self.problem else None)
        except OSError as exc:  # a stick pulled out: the next start finds the take unfinished and mends it
            log.warning("recorder: completing take %s failed: %s", self.folder.id, exc)
        if self.problem is not None:
            log.error("recorder: take %s ended early: %s", self.folder.id, self.problem["message"])
            if self._on_end is not None:
                self._on_end(self.problem)


class _TakeEnded(Exception):
    def __init__(self, problem: dict[str, Any]):
        super().__init__(problem["message"])
        self.problem = problem


def _disk_problem(exc: OSError) -> dict[str, Any]:
    """What a failed write means to the user."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return {"code": "recorder_disk_full", "message": "the recorder's disk is full: the take stopped, everything "
                                                         "so far is kept"}
    return {"code": "recorder_disk_failed",
            "message": f"the recorder's disk failed ({exc.strerror or exc}; removed?): the take stopped, what reached "
                       "the disk is kept"}
