"""kill -9 of a real ``mixerd run`` takes the jackd it started with it — one SIGTERM, a clean end — and a
restart with ``start_server = "always"`` starts; a jackd of ours that was left running anyway is stopped by the
next start; a jackd the user started is never touched, whatever the state directory says.

Every process is real (the ``mixerd`` command, jackd with the dummy backend; a subreaper sees how each ended);
waits are bounded polls; every jackd a test starts, or that a mixerd it started may leave, is stopped at the
end, also when the test fails.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from subreaper import Subreaper
from support import Output, jackd_pids, kill_and_wait, unique_server_name, wait_until

from mixerd.jackhost import server_running
from mixerd.system.children import ChildRecord

pytestmark = pytest.mark.jack

MIXERD = [sys.executable, "-m", "mixerd"]
JACKD = ["-d", "dummy", "-r", "48000", "-p", "64", "-w", "1333"]


def mixerd_run(tmp_path: Path, server: str, state: Path, start_server: str = "always") -> list[str]:
    """The command line of ``mixerd run`` with its own jackd named ``server`` (dummy backend), state in ``state``."""
    config = tmp_path / f"mixerd-{start_server}.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\nstart_server = "{start_server}"\n'
                      f'autostart = "dummy"\n[http]\nhost = "127.0.0.1"\nport = 0\n[state]\ndir = "{state}"\n'
                      '[auth]\nenabled = false\n[mqtt]\nenabled = false\n')
    return [*MIXERD, "run", "--config", str(config)]


class Mixerd:
    """``mixerd run`` (see ``mixerd_run``) as a child of the test."""

    def __init__(self, tmp_path: Path, server: str, state: Path, start_server: str = "always"):
        self.proc = subprocess.Popen(mixerd_run(tmp_path, server, state, start_server), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.out = Output(self.proc)

    def wait_running(self) -> str:
        return self.out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)

    def kill9(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> int:
        """SIGTERM (systemd's stop); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)


@pytest.fixture
def server():
    """A unique jackd name; whatever jackd of that name is left at the end is stopped (and the test fails)."""
    name = unique_server_name()
    yield name
    try:
        wait_until(lambda: not jackd_pids(name), timeout=30, what=f"jackd {name} to end (left running?)")
    finally:
        kill_and_wait(jackd_pids(name))


@pytest.fixture
def daemons():
    """Collects the Mixerd processes a test starts and kills those still running at the end."""
    started: list[Mixerd] = []
    yield started
    for daemon in started:
        daemon.kill9()


def test_kill9_takes_our_jackd_along_and_always_starts_again(tmp_path, server, daemons):
    first = Subreaper(mixerd_run(tmp_path, server, tmp_path / "state"))  # sees how the orphaned jackd ends
    try:
        first.out.wait_for(r"http://127\.0\.0\.1:\d+/")
        (jackd,) = jackd_pids(server)
        first.kill9_child()
        assert first.ended(first.child) == -signal.SIGKILL
        # One SIGTERM and a clean end: a jackd killed half-way would stay registered ("server already active").
        assert first.ended(jackd) == 0, "\n".join(first.out.lines)
        first.close()  # nothing of mixerd's is left
    finally:
        first.kill9_child()
        first.close()
    assert not server_running(server)

    second = Mixerd(tmp_path, server, tmp_path / "state")  # start_server = "always"
    daemons.append(second)
    second.wait_running()
    assert server_running(server)
    assert second.stop() == 0, "\n".join(second.out.lines)
    assert not jackd_pids(server), "a clean stop left the jackd running"


def test_a_jackd_of_ours_left_running_is_stopped_by_the_next_start(tmp_path, server, daemons):
    # A jackd whose parent-death signal never came (a plain Popen here), noted in the state directory as
    # mixerd notes the jackd it starts: the mixerd that started it was killed.
    state = tmp_path / "state"
    argv = ["jackd", "--no-realtime", "-n", server, *JACKD]
    leftover = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: server_running(server), timeout=30, what="the leftover jackd")
        ChildRecord(state / "children" / "jackd.json", "jackd").note(leftover.pid, argv)

        daemon = Mixerd(tmp_path, server, state)  # start_server = "always"
        daemons.append(daemon)
        daemon.wait_running()
        leftover.wait(30)  # stopped (jackd ends on SIGTERM with code 0); a timeout here fails the test
        assert any(re.search(rf"stopping the jackd \(pid {leftover.pid}\)", line) for line in daemon.out.lines)
        assert server_running(server) and leftover.pid not in jackd_pids(server)  # the server is a new one
        assert daemon.stop() == 0, "\n".join(daemon.out.lines)
        assert not (state / "children" / "jackd.json").exists(), "the record outlived a clean stop"
    finally:
        leftover.kill()
        leftover.wait(30)


def test_a_jackd_the_user_started_is_never_stopped(tmp_path, server, daemons):
    # The user's jackd has the server name mixerd wants, and the state directory has a record of a jackd of
    # ours with the user's pid (reused since) but another start time: mixerd must leave it alone and refuse.
    state = tmp_path / "state"
    argv = ["jackd", "--no-realtime", "-n", server, *JACKD]
    users = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: server_running(server), timeout=30, what="the user's jackd")
        record = ChildRecord(state / "children" / "jackd.json", "jackd")
        record.note(users.pid, argv)
        stale = json.loads(record.path.read_text())
        stale["start"] -= 1
        record.path.write_text(json.dumps(stale))

        daemon = Mixerd(tmp_path, server, state)  # start_server = "always"
        daemons.append(daemon)
        daemon.out.wait_for(r"is already running and jack.start_server is 'always'")
        assert daemon.proc.wait(60) == 1, "\n".join(daemon.out.lines)
        assert users.poll() is None and server_running(server), "mixerd stopped the user's jackd"
    finally:
        users.terminate()
        users.wait(30)
