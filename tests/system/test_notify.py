"""systemd's notify protocol with a real NOTIFY_SOCKET: READY once audio flows, readable STATUS lines,
WATCHDOG only while the engine advances (it stops when jackd is frozen, and comes back), STOPPING at the
end; and, without systemd, one line saying so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from support import Output

from mixerd.system import status_line

pytestmark = pytest.mark.jack
MIXERD = [sys.executable, "-m", "mixerd"]


def write_config(tmp_path, server: str):
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nstart_server = "never"\nrealtime = false\n'
                      f'[http]\nhost = "127.0.0.1"\nport = 0\n[auth]\nenabled = false\n'
                      f'[state]\ndir = "{tmp_path / "state"}"\n[mqtt]\nenabled = false\n')
    return config


class NotifySocket:
    """The socket systemd would listen on: collects every datagram."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.path = str(path)
        self.messages: list[str] = []

    def wait_for(self, predicate, timeout: float = 30.0, what: str = "message") -> str:
        """Read until a message for which ``predicate`` holds (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                message = self.sock.recv(4096).decode()
            except TimeoutError:
                break
            self.messages.append(message)
            if predicate(message):
                return message
        raise AssertionError(f"no {what} from mixerd; got: {self.messages[-10:]}")

    def read_for(self, seconds: float) -> list[str]:
        """Everything that arrives within ``seconds``."""
        got, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                got.append(self.sock.recv(4096).decode())
            except TimeoutError:
                break
        self.messages += got
        return got


def jackd_pid(server: str) -> int:
    out = subprocess.run(["pgrep", "-f", f"jackd .*-n {server} "], capture_output=True, text=True).stdout.split()
    assert out, f"no jackd named {server}"
    return int(out[0])


def test_ready_status_and_a_watchdog_that_follows_the_engine(jack_server, tmp_path):
    notify = NotifySocket(tmp_path / "notify.sock")
    env = {**os.environ, "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "900000"}
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(write_config(tmp_path, jack_server))], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    jackd = jackd_pid(jack_server)
    try:
        ready = notify.wait_for(lambda m: "READY=1" in m, what="READY=1")
        assert "STATUS=audio running: " in ready and "48000 Hz / 64 frames" in ready and "xruns" in ready, ready
        assert "0 clients" in ready and "MQTT off" in ready
        for _ in range(3):
            notify.wait_for(lambda m: "WATCHDOG=1" in m, what="WATCHDOG=1")

        os.kill(jackd, signal.SIGSTOP)  # the audio stops advancing
        stalled = notify.wait_for(lambda m: "STALLED" in m, what="the stalled status")
        assert "WATCHDOG=1" not in stalled
        assert not [m for m in notify.read_for(2.0) if "WATCHDOG=1" in m], "a stalled engine must not pet the watchdog"

        os.kill(jackd, signal.SIGCONT)  # audio flows again (mixerd reconnects if jackd dropped it)
        notify.wait_for(lambda m: "WATCHDOG=1" in m, timeout=30, what="WATCHDOG=1 after the stall")
        assert not any("READY=1" in m for m in notify.messages[notify.messages.index(ready) + 1:])  # once
    finally:
        os.kill(jackd, signal.SIGCONT)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0, "\n".join(out.lines)
    assert any("STOPPING=1" in m for m in notify.read_for(0.5) + notify.messages)
    assert "notify socket found" in "\n".join(out.lines)


def test_without_systemd_it_runs_and_says_so_once(jack_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "JOURNAL_STREAM")}
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(write_config(tmp_path, jack_server))], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        out.wait_for(r"http://127\.0\.0\.1:\d+/")
        out.wait_for("not run by systemd")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
    assert sum("not run by systemd" in line for line in out.lines) == 1
    assert any(" INFO " in line for line in out.lines)  # logs on stderr, with time and level


def test_status_lines_read_like_a_sentence():
    health = {"engine": {"running": True, "cycles": 10, "cycles_advancing": True, "xruns": 2, "sample_rate": 48000,
                         "period": 128, "dsp_load": 3.4}, "jack": {"server": "default"}}
    assert status_line(health, {"interface": "Scarlett 18i20", "clients": 3, "MQTT": "connected"}) == (
        "audio running: Scarlett 18i20 · 48000 Hz / 128 frames · 2 xruns · DSP 3 % · 3 clients · MQTT connected")
    stalled = {"engine": {"running": False, "cycles": 10, "cycles_advancing": False, "xruns": 0}, "jack": {}}
    assert status_line(stalled).startswith("audio STALLED")
    assert status_line({"engine": {"cycles": 0}, "jack": {}}).startswith("waiting for audio")
    unplugged = {"engine": {"running": False}, "jack": {"interface": {"card": "USB", "present": False}}}
    assert status_line(unplugged).startswith("interface USB unplugged; waiting for it")
