"""Run a command under a child subreaper, so a test learns how every process the command started ended — also
those it left behind when it was killed (orphans are handed to the subreaper, not to init, and it reaps them).

``Subreaper([...])`` prints the command's output and a line ``REAPED <pid> <wait status>`` for every process
it reaps; it ends once nothing of the command is left.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from support import Output

_REAPER = r"""
import ctypes, os, subprocess, sys
PR_SET_CHILD_SUBREAPER = 36
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("cannot become a subreaper")
child = subprocess.Popen(sys.argv[1:])
print(f"REAPER child {child.pid}", flush=True)
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    print(f"REAPED {pid} {status}", flush=True)
"""


class Subreaper:
    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen([sys.executable, "-c", _REAPER, *argv], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.out = Output(self.proc)
        self.child = int(self.out.wait_for(r"REAPER child (\d+)").group(1))

    def kill9_child(self) -> None:
        """kill -9 of the command itself (not what it started), unless it was reaped already (its pid may be
        another process's by now)."""
        if self.child in self.reaped() or self.proc.poll() is not None:
            return
        try:
            os.kill(self.child, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def ended(self, pid: int, timeout: float = 60.0) -> int:
        """How ``pid`` ended, as ``Popen.returncode`` says it (-N: killed by signal N), once it was reaped."""
        status = int(self.out.wait_for(rf"^REAPED {pid} (\d+)$", timeout).group(1))
        return os.waitstatus_to_exitcode(status)

    def reaped(self) -> list[int]:
        return [int(m.group(1)) for line in self.out.lines if (m := re.match(r"REAPED (\d+) ", line))]

    def close(self, timeout: float = 60.0) -> None:
        """Wait (bounded) until everything the command started is gone; kill the reaper if it is not."""
        try:
            self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(30)
