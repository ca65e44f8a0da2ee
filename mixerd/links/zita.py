"""One zita-njbridge process of a link: ``zita-j2n`` (this box sends) or ``zita-n2j`` (this box receives).

mixerd starts the program (``mixerd.system.children``: it dies with mixerd however mixerd dies), reads what it
prints and keeps its state. The receiver says what happens to the stream ("Waiting for info packet...", "From
10.0.0.2 : 8 chan, 48000 Hz", "Syncing...", "Receiving.", "Waiting for 10.0 seconds..." after it lost its lock,
"Transmitter terminated.") and with ``--info`` four times a second how full its buffer ran (the fourth number:
the fewest frames left in that quarter second; below zero it ran dry and played silence — a dropout). Its output
goes through ``stdbuf -oL``: printed into a pipe it would otherwise come in 4 KiB lumps, minutes late.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from mixerd.config import LinkConfig
from mixerd.system.children import GuardedPopen, end

log = logging.getLogger(__name__)

PROGRAMS = {"send": "zita-j2n", "receive": "zita-n2j"}
#: The JACK client names of a link's two ends (so ports are found by name): ``link-<name>-in`` / ``-out``.
CLIENT = {"send": "link-{}-out", "receive": "link-{}-in"}

_FROM = re.compile(r"From (\S+) : (\d+) chan, (\d+) Hz")
_FILTER = re.compile(r"Resampler filter delay is (\d+)")
_INFO = re.compile(r"\s*(\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?\d+)(?:\s+-?\d+)?\s*$")
_LOST = re.compile(r"Waiting for ([\d.]+) seconds")


@dataclass
class StreamState:
    """What a receiver's output says about its stream; a sender only runs or not."""

    #: "starting", "waiting" (for the sender), "syncing", "receiving", "stopped"
    state: str = "starting"
    since: float = field(default_factory=time.monotonic)
    sender: str | None = None         # the sender's address, once heard
    sender_rate: int | None = None
    sender_channels: int | None = None
    filter_delay: int | None = None   # the resampler's delay, samples
    #: quarter seconds in which the buffer ran dry (silence played) and times the process ended by itself (its
    #: channels silent until it runs again); locks lost (a resync)
    dropouts: int = 0
    resyncs: int = 0
    #: the fewest frames in the buffer over the last second, and the resampling ratio
    min_frames: int | None = None
    ratio: float | None = None
    #: (monotonic time, dropouts so far) a few seconds back, for "dropouts in the last minute"
    history: deque = field(default_factory=lambda: deque(maxlen=240))

    def read(self, line: str, now: float) -> None:
        """Take one line of zita-n2j's output."""
        text = line.strip()
        if m := _INFO.match(line):
            self.min_frames, self.ratio = int(m[4]), float(m[3])
            if self.min_frames < 0:
                self.dropouts += 1
            self.history.append((now, self.dropouts))
        elif text.startswith("Waiting for info packet"):
            self._to("waiting", now)
        elif m := _FROM.match(text):
            self.sender, self.sender_channels, self.sender_rate = m[1], int(m[2]), int(m[3])
        elif m := _FILTER.match(text):
            self.filter_delay = int(m[1])
        elif text.startswith("Syncing"):
            if self.state == "receiving":
                self.resyncs += 1
            self._to("syncing", now)
        elif text.startswith("Receiving"):
            self._to("receiving", now)
        elif _LOST.match(text):
            self.resyncs += 1
            self._to("waiting", now)
        elif text.startswith("Transmitter terminated"):
            self._to("waiting", now)

    def restarted(self, now: float) -> None:
        """The process ended by itself and starts again: a dropout; the stream starts over."""
        self.dropouts += 1
        self.history.append((now, self.dropouts))
        self.sender = self.sender_rate = self.sender_channels = self.min_frames = self.ratio = None
        self._to("starting", now)

    def dropouts_since(self, when: float) -> int:
        """Dropouts counted after monotonic time ``when`` (as far back as the history goes)."""
        before = next((count for at, count in reversed(self.history) if at <= when), None)
        if before is None:
            before = self.history[0][1] if self.history else self.dropouts
        return self.dropouts - before

    def _to(self, state: str, now: float) -> None:
        if state != self.state:
            self.state, self.since = state, now


class ZitaEnd:
    """One end of a link as a zita-njbridge process: started, read, stopped; ``alive`` says whether it runs."""

    def __init__(self, link: LinkConfig, role: str, server: str | None, channels: int,
                 clock: Callable[[], float] = time.monotonic):
        if role not in PROGRAMS:
            raise ValueError(f"role must be send or receive, not {role!r}")
        self.link, self.role, self.server, self.channels = link, role, server, channels
        self.client_name = CLIENT[role].format(link.name)
        self.stream = StreamState(since=clock())
        self.starts = 0
        self.last_exit: str | None = None
        self._clock = clock
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._tail: deque[str] = deque(maxlen=8)

    def argv(self) -> list[str]:
        """The command line: ``stdbuf -oL zita-… --jname … [--jserv …] <options> <address> <port>``."""
        program = PROGRAMS[self.role]
        argv = ["stdbuf", "-oL", program, "--jname", self.client_name]
        if self.server:
            argv += ["--jserv", self.server]
        if self.role == "send":
            return argv + ["--chan", str(self.channels), self.link.peer, str(self.link.send_port)]
        return argv + ["--chan", f"1-{self.channels}" if self.channels > 1 else "1", "--buff",
                       str(self.link.buffer_ms), "--info", self.link.listen, str(self.link.port)]

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the program (raises OSError if it cannot be run)."""
        self._proc = GuardedPopen(self.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.starts += 1
        self._reader = threading.Thread(target=self._read, args=(self._proc,), name=f"mixerd-link-{self.role}",
                                        daemon=True)
        self._reader.start()

    def stop(self, timeout: float = 3.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        end(proc, timeout)
        self.stream.state = "stopped"

    def exited(self) -> str | None:
        """Why the program ended (its exit code and last words), once it has; None while it runs."""
        if self._proc is None or self._proc.poll() is None:
            return None
        tail = " / ".join(line for line in self._tail if line)
        self.last_exit = f"{PROGRAMS[self.role]} exited with {self._proc.returncode}" + (f": {tail}" if tail else "")
        return self.last_exit

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not _INFO.match(line):
                self._tail.append(line.strip())
                log.debug("link %s (%s): %s", self.link.name, self.role, line.rstrip())
            if self.role == "receive":
                self.stream.read(line, self._clock())
