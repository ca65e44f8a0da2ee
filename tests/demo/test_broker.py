"""The demo's own mosquitto (``LocalBroker``) with a real mosquitto on a free loopback port: it dies with the
process that started it (kill -9 included), a next start stops one of ours that was left running and starts
its own, and a broker that is not ours is used, never stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from support import wait_until

from mixerd.demo.broker import LocalBroker
from mixerd.system.net import free_port, listening
from mixerd.system.children import ChildRecord, start_time


def test_the_broker_dies_with_the_process_that_started_it():
    port = free_port()
    helper = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom mixerd.demo.broker import LocalBroker\n"
         f"b = LocalBroker({port})\nprint(b.start(), b.proc.pid, flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
    pid = started = None
    try:
        said, pid_text = helper.stdout.readline().split()
        pid, started = int(pid_text), start_time(int(pid_text))
        assert said == "started" and listening("127.0.0.1", port)
        helper.kill()  # kill -9: no chance to stop its broker
        helper.wait(30)
        wait_until(lambda: start_time(pid) != started, timeout=30, what="the orphaned mosquitto to end")
        assert not listening("127.0.0.1", port)
    finally:
        helper.kill()
        helper.wait(30)
        if pid is not None and start_time(pid) == started:
            os.kill(pid, signal.SIGKILL)


def test_a_broker_of_ours_left_running_is_stopped_and_replaced(tmp_path):
    port = free_port()
    record = ChildRecord(tmp_path / "children" / "mosquitto.json", "mosquitto")
    left = LocalBroker(port, record=record)  # the killed demo's (its parent-death signal never came)
    nxt = LocalBroker(port, record=record)  # the next demo's
    try:
        assert left.start(timeout=10) == "started"
        assert json.loads(record.path.read_text())["pid"] == left.proc.pid
        assert nxt.start(timeout=10) == "started", "the next demo used the leftover instead of its own"
        left.proc.wait(30)  # stopped (a timeout here fails the test)
        assert json.loads(record.path.read_text())["pid"] == nxt.proc.pid
        nxt.stop()
        assert not record.path.exists() and not listening("127.0.0.1", port)
    finally:
        nxt.stop()
        left.stop()


def test_a_broker_that_is_not_ours_is_used_and_never_stopped(tmp_path):
    port = free_port()
    users = LocalBroker(port)  # started by someone else: no record of ours
    ours = LocalBroker(port, record=ChildRecord(tmp_path / "mosquitto.json", "mosquitto"))
    try:
        assert users.start(timeout=10) == "started"
        assert ours.start() == "already running" and ours.proc is None
        ours.stop()
        assert users.proc.poll() is None and listening("127.0.0.1", port)
    finally:
        ours.stop()
        users.stop()


def test_the_config_folder_is_gone_once_the_broker_runs():
    """mosquitto reads its config at start; the folder is removed then, so a mixerd killed with -9 leaves
    no folder behind in /tmp (it used to, one per demo killed)."""
    broker = LocalBroker(free_port())
    try:
        assert broker.start(timeout=10) == "started"
        conf = subprocess.run(["ps", "-o", "args=", "-p", str(broker.proc.pid)], capture_output=True,
                              text=True).stdout.split()[-1]
        assert conf.endswith("mosquitto.conf") and not os.path.exists(os.path.dirname(conf))
        assert listening("127.0.0.1", broker.port)
    finally:
        broker.stop()
