"""Processes mixerd starts (its jackd, the demo's mosquitto) die with it, however it dies.

A clean stop (Ctrl-C, SIGTERM, systemd) stops them in order. ``kill -9``, a crash or the OOM killer give
mixerd no chance to, so there are two more lines:

1. **A guard.** ``spawn`` starts the program as an ordinary child and, beside it, a guard: a few lines of
   ``/bin/sh`` blocked reading a pipe that only mixerd writes to. When mixerd ends, however it ends, the
   kernel closes the pipe; the guard reads end-of-file and sends the program one SIGTERM, if it is still
   that very process (pid and start time). A clean stop dismisses the guard with a line instead.

   Not ``prctl(PR_SET_PDEATHSIG)``: Linux sends that signal when the *thread* that forked the child ends,
   and when a process with threads is killed its children are handed from one dying thread to the next,
   with a signal at every hand-over. A jackd got SIGTERM two or three times; its handlers are one-shot and
   it unblocks signals while shutting down, so the third killed it half-way, its server still registered
   ("server already active" on the next start).
2. **A record.** ``ChildRecord`` notes each child's identity — boot, pid and start time, which no other
   process ever shares — in the state directory, and forgets it once the child is stopped. The next start
   stops a leftover that is still that very process: one whose guard never ran (mixerd killed between
   starting the program and its guard, a guard killed with it) or that is still shutting down. A process
   that merely has the same name — a jackd the user started — is never touched.

Under systemd (``deploy/mixerd.service``, ``KillMode=mixed``) systemd also kills whatever is left in the
service's control group once mixerd is gone.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The guard. "$0" is the program's pid, "$1" its start time (field 22 of /proc/PID/stat, the 20th after the
# name). A line on stdin dismisses it; end of file means mixerd is gone.
_GUARD = """pid=$0 start=$1
read -r line && exit 0
read -r stat < "/proc/$pid/stat" || exit 0
set -- ${stat##*") "}
[ "$1" != Z ] && [ "${20}" = "$start" ] && kill -TERM "$pid"
"""
_guards: set[subprocess.Popen] = set()  # every guard not yet dismissed: a guard dropped would see end of file


class GuardedPopen(subprocess.Popen):
    """The program's own ``Popen`` (its pid, ``terminate()``, ``wait()``, pipes), with a guard that stops it
    if mixerd dies. Once ``poll()`` or ``wait()`` has seen it end, the guard is dismissed and reaped."""

    def __init__(self, argv: Sequence[str], **popen: Any):
        super().__init__(argv, **popen)
        self._guard_lock = threading.Lock()
        self._guard = _start_guard(self.pid)

    def poll(self) -> int | None:
        code = super().poll()
        if code is not None:
            self._dismiss_guard()
        return code

    def wait(self, timeout: float | None = None) -> int:
        code = super().wait(timeout)
        self._dismiss_guard()
        return code

    def _dismiss_guard(self) -> None:
        with self._guard_lock:
            guard, self._guard = self._guard, None
        if guard is None:
            return
        try:
            guard.stdin.write(b"done\n")
            guard.stdin.flush()
        except OSError:
            pass  # it is gone already
        try:
            guard.stdin.close()
        except OSError:
            pass
        try:
            guard.wait(10)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait(10)
        _guards.discard(guard)


def _start_guard(pid: int) -> subprocess.Popen | None:
    started = start_time(pid)
    if started is None:
        return None  # it ended already
    try:
        # Its own session: Ctrl-C in a terminal reaches mixerd, which then stops the program in order. The
        # pipe's write end is mixerd's alone (Python's descriptors are not inherited across exec).
        guard = subprocess.Popen(["/bin/sh", "-c", _GUARD, str(pid), str(started)], stdin=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        log.warning("cannot start the guard of process %d (%s): if mixerd is killed, it runs on until mixerd "
                    "starts again", pid, exc)
        return None
    _guards.add(guard)
    return guard


def spawn(argv: Sequence[str], **popen: Any) -> GuardedPopen:
    """``subprocess.Popen(argv, **popen)``, and the program gets SIGTERM if mixerd dies before stopping it."""
    return GuardedPopen(list(argv), **popen)


# -- the record of a child (line 2) --------------------------------------------------------------------


def end(proc: subprocess.Popen, timeout: float) -> bool:
    """Stop a child: SIGTERM, then SIGKILL if it has not ended within ``timeout``; reaped. Whether it was
    still running."""
    if proc.poll() is not None:
        return False
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
    return True


def boot_id() -> str:
    """This boot's id: a pid and start time from another boot name nothing of ours."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot), or None if it is gone (a zombie is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": the name may hold spaces and parentheses
    return None if fields[0] in ("Z", "X") else int(fields[19])


@dataclass(frozen=True)
class ChildRecord:
    """The note at ``path`` of one child we started (``what`` names it in the log), so the next start can
    stop it if mixerd ended without doing so."""

    path: Path
    what: str

    def note(self, pid: int, argv: Sequence[str]) -> None:
        """Remember ``pid`` (just started from ``argv``) as ours. Best effort: a state directory that cannot
        be written only loses this line of defence, and says so."""
        started = start_time(pid)
        if started is None:
            return  # gone already: nothing to remember
        record = {"pid": pid, "start": started, "boot": boot_id(), "argv": list(argv)}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(record) + "\n")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("cannot note the %s we started (pid %d) in %s: %s; if mixerd is killed, a start after "
                        "it cannot stop a %s it leaves behind", self.what, pid, self.path, exc, self.what)

    def forget(self) -> None:
        """The child is stopped: nothing to clean up next time."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("cannot remove %s: %s", self.path, exc)

    def stop_leftover(self, timeout: float = 10.0) -> int | None:
        """Stop the recorded child if it still runs — that very process, nothing else — then forget it.

        Returns its pid when there was one to stop. SIGTERM, then SIGKILL after ``timeout`` seconds.
        """
        try:
            record = json.loads(self.path.read_text())
            pid, started, boot = int(record["pid"]), int(record["start"]), str(record["boot"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the unreadable record %s (%s)", self.path, exc)
            self.forget()
            return None
        if boot != boot_id() or start_time(pid) != started:
            self.forget()  # it ended (or the machine restarted): the pid is no longer ours
            return None
        log.warning("stopping the %s (pid %d) a previous mixerd started and did not stop (was it killed?)",
                    self.what, pid)
        try:
            _terminate(pid, started, timeout)
        except PermissionError as exc:
            log.error("cannot stop the %s left running (pid %d): %s", self.what, pid, exc)
            return None
        self.forget()
        return pid


def _terminate(pid: int, started: int, timeout: float) -> None:
    """SIGTERM, then SIGKILL, to process ``pid`` if it still started at ``started``; waits (bounded) for it
    to end. Through a pidfd where the kernel has them, so a pid reused meanwhile is never signalled."""
    try:
        fd: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except OSError:  # no pidfd (Linux < 5.3, or a filter refuses it): the pid and its start time it is
        fd = None
    try:
        if start_time(pid) != started:  # checked after opening: the fd is the process we checked
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                if fd is not None:
                    signal.pidfd_send_signal(fd, sig)
                else:
                    os.kill(pid, sig)
            except ProcessLookupError:
                return
            if _ended(pid, started, fd, timeout):
                return
        log.error("process %d did not end after SIGKILL", pid)
    finally:
        if fd is not None:
            os.close(fd)


def _ended(pid: int, started: int, fd: int | None, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the process to end."""
    if fd is not None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)  # a pidfd is readable once its process has ended
        return bool(poller.poll(timeout * 1000))
    deadline = time.monotonic() + timeout
    while start_time(pid) == started:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
