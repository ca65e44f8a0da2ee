"""A headless PipeWire for the tests: PipeWire's own JACK (``pipewire-jack``), as a desktop has it.

PipeWire runs with its stock configuration, whose Dummy-Driver clocks the graph when no sound card does,
in a private ``XDG_RUNTIME_DIR`` (no session manager, no D-Bus session needed): nothing of the machine's
own sound is touched, and several test processes can each run their own. Programs that talk JACK to it
load PipeWire's libjack (``LD_LIBRARY_PATH``, what ``pw-jack`` sets); the tests' own process keeps the
system's (jackd2's) libjack, so its JACK clients live in ``pipewire_probe.py`` subprocesses.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: PipeWire's libjack (Debian: pipewire-jack), the directory pw-jack puts on LD_LIBRARY_PATH
PW_JACK_DIRS = sorted(glob.glob("/usr/lib/*/pipewire-0.3/jack"))
PROBE = Path(__file__).with_name("pipewire_probe.py")


def available() -> str | None:
    """Why PipeWire cannot be run here (None when it can)."""
    if not PW_JACK_DIRS:
        return "PipeWire's libjack is missing (apt install pipewire-jack)"
    for tool in ("pipewire", "pw-cli", "pw-metadata"):
        if not any(os.access(Path(d) / tool, os.X_OK) for d in os.environ.get("PATH", "").split(os.pathsep)):
            return f"{tool} is missing (apt install pipewire pipewire-bin)"
    return None


class PipeWire:
    """One headless PipeWire in ``runtime_dir``; ``env`` is what a JACK program needs to use it."""

    def __init__(self, runtime_dir: Path):
        self.runtime_dir = runtime_dir
        runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.log = runtime_dir / "pipewire.log"
        self.proc: subprocess.Popen | None = None
        base = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "DBUS_SESSION_BUS_ADDRESS")}
        # No D-Bus session: PipeWire logs that it cannot reach one and goes on (no portal, no RTKit).
        self.server_env = {**base, "XDG_RUNTIME_DIR": str(runtime_dir), "DBUS_SESSION_BUS_ADDRESS": "disabled:"}
        self.env = {**self.server_env, "LD_LIBRARY_PATH": PW_JACK_DIRS[0]}

    def start(self, timeout: float = 20.0) -> None:
        """Start PipeWire and wait until it answers."""
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(["pipewire"], env=self.server_env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pipewire exited with {self.proc.returncode}:\n{self.log.read_text()}")
            done = subprocess.run(["pw-cli", "info", "0"], env=self.server_env, capture_output=True, timeout=10)
            if done.returncode == 0 and b"id: 0" in done.stdout:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"pipewire did not come up:\n{self.log.read_text()}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop PipeWire (``sig``: SIGTERM as systemctl --user stop does, SIGKILL as a crash)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def setting(self, key: str, value: int | str) -> None:
        """``pw-metadata -n settings 0 key value``: e.g. clock.force-quantum, clock.force-rate."""
        subprocess.run(["pw-metadata", "-n", "settings", "0", key, str(value)], env=self.server_env, check=True,
                       capture_output=True, timeout=10)

    def probe(self, *args: str, timeout: float = 60.0) -> dict:
        """Run ``pipewire_probe.py args`` as a JACK client of this PipeWire; its JSON answer. A probe that got stuck
        inside PipeWire's libjack (it ends itself, printing its stacks: see the probe's STUCK_S) is run once more;
        mixerd is not the one stuck there, and a second stuck probe fails the test with both stacks."""
        stuck = []
        for _ in range(2):
            done = subprocess.run([sys.executable, str(PROBE), *args], env=self.env, capture_output=True, text=True,
                                  timeout=timeout)
            if done.returncode == 0:
                return json.loads(done.stdout)
            if "most recent call first" not in done.stderr:
                break
            stuck.append(done.stderr)
        raise AssertionError(f"pipewire_probe {' '.join(args)} failed ({done.returncode}):\n" + "\n".join(stuck or
                             [done.stderr]))
