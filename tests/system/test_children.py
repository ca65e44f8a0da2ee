"""Processes mixerd starts die with it: the guard that sends a child one SIGTERM when the process that
started it is gone (kill -9 of a process with many threads included), and the record that lets the next start
stop a leftover — that very process, nothing else.

Real processes throughout (``sleep`` and small Python programs, a subreaper to see how each ended); every wait
is a bounded poll, and every process a test starts is ended by it, also when it fails.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from subreaper import Subreaper
from support import wait_until

from mixerd.system import children
from mixerd.system.children import ChildRecord, spawn, start_time

# A child that says when it got SIGTERM (instead of dying of it) and echoes every line it reads.
REPORTER = ("import signal, sys\n"
            "signal.signal(signal.SIGTERM, lambda *a: print('TERM', flush=True))\n"
            "print('ready', flush=True)\n"
            "for line in sys.stdin:\n"
            "    print(line.strip(), flush=True)\n")

# A child that stops like jackd: its SIGTERM handler is one-shot, and it takes until its parent is gone to
# shut down — a second SIGTERM in that time kills it (-15) instead of letting it end cleanly (0).
LIKE_JACKD = ("import os, signal, sys, time\n"
              "parent = os.getppid()\n"
              "got = []\n"
              "signal.signal(signal.SIGTERM, lambda *a: (got.append(1), signal.signal(signal.SIGTERM, signal.SIG_DFL)))\n"
              "print('ready', flush=True)\n"
              "while not got:\n"
              "    signal.pause()\n"
              "deadline = time.monotonic() + 60\n"
              "while os.getppid() == parent and time.monotonic() < deadline:\n"
              "    time.sleep(0.01)\n"
              "sys.exit(0)\n")

# Starts LIKE_JACKD through spawn() from a worker thread that ends, with a dozen more threads running, prints
# the child's pid once it is ready, and waits to be killed.
STARTER = ("import subprocess, sys, threading, time\n"
           "from mixerd.system.children import spawn\n"
           "for _ in range(12):\n"
           "    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
           "procs = []\n"
           "t = threading.Thread(target=lambda: procs.append(spawn([sys.executable, '-c', sys.argv[1]],\n"
           "                                                       stdout=subprocess.PIPE, text=True)))\n"
           "t.start(); t.join()\n"
           "assert procs[0].stdout.readline().strip() == 'ready'\n"
           "print('child', procs[0].pid, flush=True)\n"
           "time.sleep(600)\n")


def guards_of(pid: int) -> list[int]:
    """The running guards (``/bin/sh -c <guard> PID START``) of process ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:3] == [b"/bin/sh", b"-c", children._GUARD.encode()] and argv[3:4] == [str(pid).encode()]:
            if start_time(int(entry.name)) is not None:
                found.append(int(entry.name))
    return found


def test_a_child_gets_one_sigterm_when_the_process_that_started_it_is_killed():
    reaper = Subreaper([sys.executable, "-c", STARTER, LIKE_JACKD])
    try:
        child = int(reaper.out.wait_for(r"^child (\d+)$").group(1))
        reaper.kill9_child()  # kill -9: no chance to stop its child
        assert reaper.ended(reaper.child) == -signal.SIGKILL
        assert reaper.ended(child) == 0, "the child was not stopped once, cleanly"
        reaper.close()  # nothing else is left: the guard is gone too
    finally:
        reaper.close()


def test_a_child_outlives_the_thread_that_started_it():
    procs: list[subprocess.Popen] = []
    said: list[str] = []

    def start() -> None:
        procs.append(spawn([sys.executable, "-c", REPORTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        said.append(procs[0].stdout.readline().strip())  # its SIGTERM handler is in place

    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    proc = procs[0]
    try:
        assert said == ["ready"]
        task = Path(f"/proc/self/task/{starter.native_id}")
        wait_until(lambda: not task.exists(), what="the starting thread to be gone from the kernel too")
        # A signal sent when the thread ended would be handled before the next line is read.
        proc.stdin.write("ping\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ping"
    finally:
        proc.kill()
        proc.wait(30)


@pytest.mark.parametrize("how", ["wait", "poll"])
def test_a_child_stopped_in_order_dismisses_its_guard(how):
    proc = spawn(["sleep", "600"], start_new_session=True)
    try:
        # (Popen may return while the kernel is still setting up the guard's exec: its command line is
        # empty until then.)
        wait_until(lambda: len(guards_of(proc.pid)) == 1, what="the guard")
        proc.terminate()  # the Popen reaches the program itself
        if how == "wait":
            assert proc.wait(30) == -signal.SIGTERM
        else:
            wait_until(lambda: proc.poll() is not None, timeout=30, what="sleep to end")
        assert not guards_of(proc.pid), "the guard outlived the program"
    finally:
        proc.kill()
        proc.wait(30)


@pytest.mark.parametrize("start", ["right", "wrong"])
def test_the_guard_signals_only_the_very_process_it_guards(start):
    # End of file at once (mixerd gone); with the wrong start time the pid belongs to another process now.
    proc = subprocess.Popen([sys.executable, "-c", REPORTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        started = start_time(proc.pid) + (0 if start == "right" else 1)
        guard = subprocess.run(["/bin/sh", "-c", children._GUARD, str(proc.pid), str(started)],
                               stdin=subprocess.DEVNULL, timeout=60)
        assert guard.returncode in (0, 1)
        proc.stdin.write("ping\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == ("TERM" if start == "right" else "ping")
    finally:
        proc.kill()
        proc.wait(30)


def test_a_program_that_is_not_installed_is_an_error_as_with_popen():
    with pytest.raises(FileNotFoundError):
        spawn(["mixerd-no-such-program"])


# -- the record --------------------------------------------------------------------------------------------


@pytest.fixture
def user_process():
    """A process of someone else's (a plain Popen: no parent-death signal), killed at the end."""
    proc = subprocess.Popen(["sleep", "600"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait(30)


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "no-pidfd"])
def test_a_leftover_that_is_still_ours_is_stopped(tmp_path, user_process, monkeypatch, pidfd):
    if not pidfd:  # a kernel without pidfd_open (before 5.3), or a filter that refuses it
        monkeypatch.setattr(os, "pidfd_open", lambda pid: (_ for _ in ()).throw(OSError(38, "ENOSYS")))
    record = ChildRecord(tmp_path / "children" / "sleep.json", "sleep")
    record.note(user_process.pid, ["sleep", "600"])  # as if we had started it and been killed since
    assert record.stop_leftover() == user_process.pid
    assert user_process.wait(30) == -signal.SIGTERM
    assert not record.path.exists()


def test_a_leftover_that_ignores_sigterm_gets_sigkill(tmp_path):
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
                                 "time.sleep(600)\n"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert stubborn.stdout.readline().strip() == "ready"
        record = ChildRecord(tmp_path / "stubborn.json", "stubborn")
        record.note(stubborn.pid, ["stubborn"])
        assert record.stop_leftover(timeout=0.5) == stubborn.pid
        assert stubborn.wait(30) == -signal.SIGKILL
    finally:
        stubborn.kill()
        stubborn.wait(30)


@pytest.mark.parametrize("other", ["start", "boot"])
def test_a_process_that_is_not_the_recorded_one_is_never_touched(tmp_path, user_process, other):
    # The same pid, but another start time (the pid was reused) or another boot: not ours.
    record = ChildRecord(tmp_path / "jackd.json", "jackd")
    record.note(user_process.pid, ["sleep", "600"])
    data = json.loads(record.path.read_text())
    if other == "start":
        data["start"] -= 1
    else:
        data["boot"] = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    record.path.write_text(json.dumps(data))
    assert record.stop_leftover() is None
    assert user_process.poll() is None, "a process that is not ours was stopped"
    assert not record.path.exists(), "a stale record stays"


def test_a_record_of_a_process_that_ended_is_forgotten(tmp_path):
    proc = subprocess.Popen(["true"])
    proc.wait(30)
    record = ChildRecord(tmp_path / "jackd.json", "jackd")
    record.path.write_text(json.dumps({"pid": proc.pid, "start": 1, "boot": children.boot_id(), "argv": ["true"]}))
    assert record.stop_leftover() is None and not record.path.exists()
    assert ChildRecord(tmp_path / "none.json", "jackd").stop_leftover() is None  # no record: nothing to do


def test_an_unreadable_record_is_forgotten(tmp_path, caplog):
    record = ChildRecord(tmp_path / "jackd.json", "jackd")
    record.path.write_text("{not json")
    assert record.stop_leftover() is None
    assert not record.path.exists()
    assert "unreadable record" in caplog.text


def test_a_record_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path, user_process, caplog):
    (tmp_path / "file").write_text("")
    record = ChildRecord(tmp_path / "file" / "jackd.json", "jackd")  # its directory would be a file
    record.note(user_process.pid, ["sleep", "600"])
    assert "cannot note the jackd we started" in caplog.text
    record.forget()  # nothing there, nothing raised
