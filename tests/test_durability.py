"""kill -9 durability: a real ``mixerd run`` is killed during a stream of fader changes, restarted on the
same state directory, and must come back with the last acknowledged value (or the one in flight, if it
was applied) — three times, at random moments — and undo must still work after the restart."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from support import unique_server_name

pytestmark = pytest.mark.jack

MIXERD = [sys.executable, "-m", "mixerd"]
ROUNDS = 3
STREAM = 320  # PUTs per round at most; the kill comes well before the end


class Daemon:
    """One ``mixerd run`` process in a session of its own, and the jackd it starts."""

    def __init__(self, tmp_path: Path, state_dir: Path):
        self.server = unique_server_name()
        config = tmp_path / f"{self.server}.toml"
        config.write_text(f'[jack]\nserver = "{self.server}"\nrealtime = false\n'
                          f'[http]\nhost = "127.0.0.1"\nport = 0\n[state]\ndir = "{state_dir}"\n'
                          '[auth]\nenabled = false\n[mqtt]\nenabled = false\n')  # about the database only
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip())
                self._cond.notify_all()

    def url(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if m := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
                        return m.group(1) + "api/v1"
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError("mixerd did not print its address:\n" + "\n".join(self.lines))
                self._cond.wait(min(left, 0.5))

    def kill9(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def cleanup(self) -> None:
        """Kill mixerd if it still runs, then the jackd it started (its own session: orphaned by kill -9)."""
        self.kill9()
        for pid in jackd_pids(self.server):
            stop_pid(pid)
        assert not jackd_pids(self.server), f"jackd {self.server} survived"


def jackd_pids(server: str) -> list[int]:
    # Server names are [a-z0-9-] only; the anchor keeps -n mixerd-test-1-1 from matching -n mixerd-test-1-10.
    found = subprocess.run(["pgrep", "-f", f"jackd .*-n {server}( |$)"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split() if alive(int(p))]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaped yet counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop_pid(pid: int, timeout: float = 10.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not alive(pid):
            return


def stream_and_kill(daemon: Daemon, url: str, values: list[float], kill_after: int, delay: float):
    """PUT ``values`` one after the other; a second thread kills mixerd (-9) once ``kill_after`` were
    acknowledged, ``delay`` seconds later. Returns (last acknowledged value, value in flight or None)."""
    acked: list[float] = []
    enough = threading.Event()

    def killer() -> None:
        enough.wait(60)
        time.sleep(delay)
        daemon.proc.send_signal(signal.SIGKILL)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    in_flight = None
    with httpx.Client(base_url=url, timeout=10) as api:
        for value in values:
            in_flight = value
            try:
                r = api.put("/params/ch/1/fader", json={"value": value})
            except httpx.TransportError:
                break
            assert r.status_code == 200, r.text
            assert r.json()["value"] == value
            acked.append(value)
            in_flight = None
            if len(acked) >= kill_after:
                enough.set()
        else:
            raise AssertionError(f"mixerd was not killed during the stream ({len(acked)} PUTs acknowledged)")
    thread.join(10)
    daemon.proc.wait(30)
    assert acked, "nothing was acknowledged before the kill"
    return acked[-1], in_flight


def read_fader(url: str) -> float:
    r = httpx.get(url + "/params/ch/1/fader", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_kill_9_during_a_stream_of_changes_keeps_every_acknowledged_change(tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    state_dir = tmp_path / "state"
    daemons: list[Daemon] = []
    try:
        daemons.append(Daemon(tmp_path, state_dir))
        url = daemons[-1].url()
        restored = [read_fader(url)]  # the value each start came back with
        for r in range(ROUNDS):
            seq_before = httpx.get(url + "/state", timeout=10).json()["seq"]
            values = [round(-80 + i * 0.25 + (r + 1) * 0.01, 2) for i in range(STREAM)]  # distinct everywhere
            kill_after, delay = rng.randint(5, 250), rng.uniform(0, 0.01)
            acked, in_flight = stream_and_kill(daemons[-1], url, values, kill_after, delay)
            daemons[-1].cleanup()  # the orphaned jackd too

            daemons.append(Daemon(tmp_path, state_dir))
            url = daemons[-1].url()
            value = read_fader(url)
            why = f"seed {seed}, round {r + 1}: acknowledged {acked}, in flight {in_flight}, restored {value}"
            assert value == acked or (in_flight is not None and value == in_flight), why
            restored.append(value)

        # Undo after the restart: the last stream's steps (one, a fader drag, unless a PUT took longer
        # than the undo window) were recorded before the kill; undoing them returns to the value before it.
        with httpx.Client(base_url=url, timeout=10) as api:
            entries = api.get("/history", params={"limit": 1000}).json()["entries"]
            last_stream = [e for e in entries if e["seq"] > seq_before]
            assert last_stream and {e["address"] for e in last_stream} == {"ch/1/fader"}
            assert last_stream[0]["new"] == restored[-1] and not any(e["undone"] for e in last_stream)
            for entry in last_stream:  # newest first, one entry per step
                undo = api.post("/undo")
                assert undo.status_code == 200, undo.text
                assert undo.json()["step"] == entry["step"]
                assert [(e["address"], e["value"]) for e in undo.json()["events"]] == [("ch/1/fader", entry["old"])]
            assert read_fader(url) == restored[-2], f"seed {seed}: {restored}, {last_stream}"
            redo = api.post("/redo")
            assert redo.status_code == 200 and redo.json()["step"] == last_stream[-1]["step"]
    finally:
        for daemon in daemons:
            daemon.cleanup()
