"""A mosquitto of the demo's own on 127.0.0.1, when nothing listens there yet (``mixerd demo``)."""

from __future__ import annotations

import getpass
import logging
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mixerd.system.children import ChildRecord, spawn
from mixerd.system.net import listening

log = logging.getLogger(__name__)


class LocalBroker:
    """``start()`` runs mosquitto on ``127.0.0.1:port`` unless a broker is already there (or mosquitto is
    not installed); ``stop()`` ends exactly the process it started.

    The mosquitto dies with the process that started it (``mixerd.system.children``); with a ``record`` (the
    demo's: in its state directory) ``start()`` first stops one that a killed predecessor left running.
    """

    def __init__(self, port: int = 1883, options: str = "allow_anonymous true", record: ChildRecord | None = None):
        self.port = port
        self.options = options  # mosquitto.conf lines for the listener (access, TLS)
        self.record = record
        self.proc: subprocess.Popen | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    def start(self, timeout: float = 5.0) -> str:
        """Start it if needed; returns what happened, for the user: "started", "already running" or why not."""
        if self.record:
            self.record.stop_leftover()
        if listening("127.0.0.1", self.port):
            return "already running"
        exe = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
        if exe is None:
            return "not installed (apt install mosquitto); MQTT retries until a broker is there"
        self._dir = tempfile.TemporaryDirectory(prefix="mixerd-mosquitto-")
        conf = Path(self._dir.name) / "mosquitto.conf"
        # "user": as root mosquitto would switch to its own user, who cannot read files of ours (keys).
        conf.write_text(f"user {getpass.getuser()}\npersistence false\nlistener {self.port} 127.0.0.1\n"
                        f"{self.options}\n")
        argv = [exe, "-c", str(conf)]
        self.proc = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        if self.record:
            self.record.note(self.proc.pid, argv)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                return "could not be started; MQTT retries until a broker is there"
            if listening("127.0.0.1", self.port):
                # mosquitto has read its config: the folder goes now, so a mixerd killed with -9 leaves none.
                self._dir.cleanup()
                self._dir = None
                return "started"
            time.sleep(0.05)
        return "starting"

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self.proc = None
            if self.record:
                self.record.forget()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
