"""kill -9 of a real ``mixerd demo`` takes its mosquitto and its jackd with it (each ends cleanly, as a
subreaper sees), and the next demo starts both again. (A clean Ctrl-C: tests/test_cli.py; the mechanism: tests/system/test_children.py.)

The demo's broker is on a free loopback port (its config names it), so this runs beside anything on 1883.
Waits are bounded polls; whatever the demo may leave behind is stopped at the end, also when the test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from subreaper import Subreaper
from support import Output, jackd_pids, kill_and_wait, stop_mixerd, unique_server_name, wait_until

from mixerd.jackhost import server_running
from mixerd.system.net import free_port, listening
from mixerd.system.children import start_time

pytestmark = pytest.mark.jack

MIXERD = [sys.executable, "-m", "mixerd"]


def mosquitto_pids(port: int) -> list[int]:
    """The running mosquittos listening on loopback ``port`` (found by their socket: the config they
    were started with is removed once they have read it)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].upper() == f"0100007F:{port:04X}" and fields[3] == "0A":  # 127.0.0.1:port, LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "cmdline").read_bytes().split(b"\0")[0].endswith(b"mosquitto"):
                continue
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                if start_time(int(entry.name)) is not None:
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def demo_argv(config: Path, state: Path) -> list[str]:
    return [*MIXERD, "demo", "--config", str(config), "--port", "0", "--state-dir", str(state)]


class Demo:
    def __init__(self, config: Path, state: Path):
        self.proc = subprocess.Popen(demo_argv(config, state), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self.out = Output(self.proc)

    def kill9(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


@pytest.fixture
def demo_setup(tmp_path):
    """(config, state dir, jackd name, broker port) for a demo; stops whatever it left running at the end."""
    server, port = unique_server_name(), free_port()
    config = tmp_path / "demo.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\n'
                      f'[mqtt]\nbroker = "mqtt://127.0.0.1:{port}"\n')
    demos: list[Demo] = []
    yield config, tmp_path / "state", server, port, demos
    for demo in demos:
        demo.kill9()
    try:
        wait_until(lambda: not jackd_pids(server) and not mosquitto_pids(port), timeout=30,
                   what="the demo's jackd and mosquitto to end (left running?)")
    finally:
        kill_and_wait(jackd_pids(server) + mosquitto_pids(port))


def test_kill9_of_the_demo_takes_its_mosquitto_and_jackd_along(demo_setup):
    config, state, server, port, demos = demo_setup
    first = Subreaper(demo_argv(config, state))  # sees how the orphaned mosquitto and jackd end
    try:
        first.out.wait_for(rf"MQTT: mqtt://127\.0\.0\.1:{port} \(mosquitto started\)")
        assert listening("127.0.0.1", port) and server_running(server)
        (mosquitto,), (jackd,) = mosquitto_pids(port), jackd_pids(server)
        first.kill9_child()
        assert first.ended(first.child) == -signal.SIGKILL
        assert first.ended(mosquitto) == 0, "\n".join(first.out.lines)
        assert first.ended(jackd) == 0, "\n".join(first.out.lines)
        first.close()  # nothing of the demo's is left
    finally:
        first.kill9_child()
        first.close()
    assert not listening("127.0.0.1", port)

    # The next demo finds nothing of the last one: it starts its own broker (not "already running") and jackd.
    second = Demo(config, state)
    demos.append(second)
    second.out.wait_for(rf"MQTT: mqtt://127\.0\.0\.1:{port} \(mosquitto started\)")
    assert server_running(server)
    assert stop_mixerd(second.proc, second.out) == 0, "\n".join(second.out.lines)  # Ctrl-C
    assert not mosquitto_pids(port) and not jackd_pids(server)
