"""A JACK client whose process callback is Python: an instrument that plays and listens, for the recovery
bench and the tests' probe (mixerd's own callback is C). It closes without hanging its process.

JACK2 cancels a client's process thread when the client is deactivated. A thread cancelled while it runs
Python, or waits for the GIL, takes the GIL with it, and every other thread of the process then waits for
ever. So ``close()`` first has the callback end its own thread (it raises ``jack.CallbackExit``, and JACK
ends the thread itself), and deactivates the client only once that thread is gone.
"""

from __future__ import annotations

import os
import threading
import time

import jack

from mixerd.jackhost.server import open_client


class PythonClient:
    """A client named ``name`` on the JACK server ``server``; subclasses do one cycle's work in ``process``."""

    def __init__(self, name: str, server: str):
        self.client = open_client(name, server)
        self._stopping = False
        self._thread: int | None = None  # the native id of the thread that runs the callback
        self.client.set_process_callback(self._callback)

    def process(self, frames: int) -> None:
        """One cycle's work."""

    def _callback(self, frames: int) -> None:
        self._thread = threading.get_native_id()
        if self._stopping:
            raise jack.CallbackExit  # JACK ends this thread: it is never cancelled inside Python
        self.process(frames)

    def close(self, timeout: float = 2.0) -> None:
        """End the callback's thread (waiting at most ``timeout``), then deactivate and close the client."""
        self._stopping = True
        deadline = time.monotonic() + timeout
        while (self._thread is not None and os.path.exists(f"/proc/self/task/{self._thread}")
               and time.monotonic() < deadline):
            time.sleep(0.005)
        self.client.deactivate()
        self.client.close()
