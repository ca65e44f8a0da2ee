"""The JACK server: find a running one, or start and supervise our own ``jackd``."""

from __future__ import annotations

import collections
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jack

from mixerd._core import jack_messages
from mixerd.system.children import ChildRecord, end, spawn

log = logging.getLogger(__name__)


class JackServerError(RuntimeError):
    """jackd could not be started or did not come up."""


@dataclass(frozen=True)
class ServerSpec:
    """How to start jackd: the server name, realtime or not, and the driver arguments.

    ``driver_args`` is everything from ``-d <driver>`` on; hardware profiles produce it
    (``JackSettings.driver_argv()``) so the settings that suit an interface live with its profile.
    """

    name: str = ""  # "" = the default server
    realtime: bool = True
    driver_args: tuple[str, ...] = ("-d", "dummy", "-r", "48000", "-p", "64", "-w", "1333")
    port_max: int | None = None  # jackd -p; None = jackd's own default (2048)

    def command(self) -> list[str]:
        """The jackd command line."""
        cmd = ["jackd", "-R" if self.realtime else "-r"]
        if self.name:
            cmd += ["-n", self.name]
        if self.port_max:
            cmd += ["-p", str(self.port_max)]
        return cmd + list(self.driver_args)


#: ports assumed for an interface whose channel count the profile leaves to the device (ALSA, 0 = all)
DEVICE_PORTS_GUESS = 64
#: ports left for other JACK clients (a recorder, a patchbay's meters, a second app)
SPARE_PORTS = 64


def port_limit(configured: int, own_ports: int, capture: int, playback: int) -> int:
    """The jackd port limit to start with: ``configured``, or more when mixerd's ports, the interface's
    (``capture``/``playback``, 0 = unknown) and some to spare do not fit in it."""
    needed = own_ports + (capture or DEVICE_PORTS_GUESS) + (playback or DEVICE_PORTS_GUESS) + SPARE_PORTS
    return max(configured, -(-needed // 64) * 64)


#: How long opening a JACK client may take. It answers in milliseconds, or at once with an error when no server
#: runs. It blocks while a server accepts but does not answer (stopped, hung), and for good when a close that hung
#: in libjack holds libjack's process-wide open mutex (see JackHost._close). Without a bound the thread asking
#: (the supervisor, the daemon's start, a probe) would hang with it.
OPEN_TIMEOUT = 20.0

_open_lock = threading.Lock()
_stuck_open: threading.Thread | None = None  # an open that did not return in time (it holds nothing of ours)


class JackOpenHung(JackServerError):
    """Opening a JACK client did not return: the server does not answer, or libjack is locked in this process
    (a close hung in it; then only a new process gets JACK back: systemd's watchdog restarts mixerd)."""


def open_client(name: str, servername: str | None = None, timeout: float = OPEN_TIMEOUT) -> jack.Client:
    """``jack.Client(name, no_start_server=True, servername=...)`` that returns or raises within ``timeout``.

    Raises ``JackOpenHung`` if the open does not return in time, and at once while an earlier one is still
    stuck (no thread piles up behind libjack's lock); a late open's client is closed by its thread. Any
    ``jack.JackError`` the open raises is raised."""
    global _stuck_open
    with _open_lock:
        if _stuck_open is not None and _stuck_open.is_alive():
            raise JackOpenHung("an earlier JACK client open has not returned yet: the server does not answer, or "
                               "libjack is locked in this process by a close that hung")
        outcome: list = []  # [client] or [exception] once the open returned; [None] once nobody waits for it
        decided = threading.Lock()

        def attempt() -> None:
            try:
                got: object = jack.Client(name, no_start_server=True, servername=servername)
            except BaseException as exc:  # handed to the caller
                got = exc
            with decided:
                late = bool(outcome)
                if not late:
                    outcome.append(got)
            if late and isinstance(got, jack.Client):  # nobody waits any more: leave no client of ours behind
                got.close()

        opener = threading.Thread(target=attempt, name="mixerd-jack-open", daemon=True)
        opener.start()
        opener.join(timeout)
        with decided:
            if not outcome:
                outcome.append(None)
        got = outcome[0]
        if got is None:
            _stuck_open = opener
            log.error("jack: opening client %r did not return in %.0f s", name, timeout)
            raise JackOpenHung(f"opening a JACK client did not return in {timeout:.0f} s: the server does not "
                               "answer, or libjack is locked in this process by a close that hung")
        if isinstance(got, BaseException):
            raise got
        return got


def server_running(name: str = "") -> bool:
    """True if a JACK server answers under ``name`` ("" = default)."""
    # libjack prints "cannot connect to server" to stderr when nobody answers; that is the expected answer
    # here, so its messages are dropped for the probe only. (By C functions: a Python one would run on any
    # libjack thread that reports something meanwhile, see mixerd._core.jack_messages.)
    jack_messages(quiet=True)
    try:
        client = open_client("mixerd-probe", name or None)
    except jack.JackError:
        return False
    finally:
        jack_messages(quiet=False)
    client.close()
    return True


#: what the dynamic linker reads from the environment: ``pw-jack`` points LD_LIBRARY_PATH at PipeWire's libjack,
#: whose libjackserver only logs that it cannot run a server, so a jackd that inherits it exits at once
LINKER_VARIABLES = ("LD_LIBRARY_PATH", "LD_PRELOAD")


def server_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment jackd is started with: ours without the dynamic linker's variables (see
    ``LINKER_VARIABLES``), so jackd always loads the system's JACK libraries."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k not in LINKER_VARIABLES}


def libjack_path() -> str | None:
    """The file of the libjack this process has loaded (None before the first JACK call)."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)  # address perms offset device inode [path]
        if len(fields) == 6 and "/libjack.so" in fields[5]:
            return fields[5].strip()
    return None


def uses_pipewire_libjack() -> bool:
    """True when this process talks JACK through PipeWire's libjack (run under ``pw-jack``, or PipeWire's
    libjack installed as the system's): then only PipeWire can be its server, and starting jackd is no use."""
    jack.Client  # the module has loaded libjack on import
    path = libjack_path()
    return path is not None and "pipewire" in path


def realtime_allowed() -> bool:
    """Whether this machine lets us schedule threads SCHED_FIFO (root, or rtprio limits as on the box)."""
    try:
        return subprocess.run(["chrt", "-f", "10", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class JackServer:
    """A jackd child process we started and must stop; keeps its recent output for error messages.

    The jackd dies with mixerd (``mixerd.system.children``); with a ``record`` (in the state directory) the
    next start can also stop one that was left running.
    """

    def __init__(self, spec: ServerSpec, record: ChildRecord | None = None,
                 listeners: list[Callable[[str], None]] | None = None):
        self.spec = spec
        self.record = record
        self.listeners = listeners if listeners is not None else []
        self.proc: subprocess.Popen[str] | None = None
        self.output: collections.deque[str] = collections.deque(maxlen=40)
        self.starts = 0

    def start(self, timeout: float = 15.0) -> None:
        """Start jackd and wait until clients can connect; raises JackServerError otherwise."""
        if shutil.which("jackd") is None:
            raise JackServerError("jackd is not installed (Debian: apt-get install jackd2)")
        cmd = self.spec.command()
        log.info("jack: starting %s", " ".join(cmd))
        # A session of its own: Ctrl-C in the terminal reaches mixerd, which then stops jackd in
        # order, instead of jackd vanishing under a running client.
        self.proc = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                          env=server_environment())
        if self.record:
            self.record.note(self.proc.pid, cmd)
        self.starts += 1
        threading.Thread(target=self._pump, args=(self.proc,), name="mixerd-jackd-log", daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise JackServerError(f"jackd exited with code {self.proc.returncode}: " + self.last_output())
            if server_running(self.spec.name):
                log.info("jack: server %r is up (pid %d)", self.spec.name or "default", self.proc.pid)
                return
            time.sleep(0.1)
        self.stop()
        raise JackServerError(f"jackd did not come up within {timeout:.0f} s: " + self.last_output())

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop jackd (SIGTERM, then SIGKILL after ``timeout``)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if end(proc, timeout):
            log.info("jack: server stopped")
        if self.record:
            self.record.forget()

    def last_output(self) -> str:
        return " | ".join(self.output) or "(no output)"

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                self.output.append(line)
                log.debug("jackd: %s", line)
                for listener in self.listeners:
                    try:
                        listener(line)
                    except Exception:  # a listener's bug must not stop jackd's output being read
                        log.exception("jack: a listener of jackd's output failed")
