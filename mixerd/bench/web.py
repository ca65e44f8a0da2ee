"""The web benches' rig: a mixer behind the real web app on a real loopback HTTP server, and its clients in a
process of their own (mixerd/bench/clients.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mixerd.bench.common import BenchError


@dataclass
class WebRig:
    """What a web bench talks to: the server's base URL, the app, its control core and (with access
    control) an admin token and a mix link token for buses 1 and 2."""

    url: str
    app: object
    control: object
    admin: str | None = None
    mix_links: tuple[str, str] | None = None


@contextmanager
def web_mixer(inputs: int, buses: int, stereo_buses: int = 0, *, persistent: bool = False) -> Iterator[WebRig]:
    """A ``inputs`` × ``buses`` mixer (the core offline: no JACK needed; meters are read as the daemon
    reads them) behind ``create_app`` with its lifespan, as ``mixerd run`` serves it. ``persistent``: its
    state in an SQLite database, as the daemon keeps it, and access control on, with an admin token and
    two mix links."""
    from mixerd.control import Control
    from mixerd.engine import Engine
    from mixerd.model import Layout, ParamTree
    from mixerd.store import Store
    from mixerd.web import create_app
    from mixerd.control.access import Auth
    from mixerd.web.server import serve

    layout = Layout.simple(inputs, buses, stereo_buses=stereo_buses, generators=0)
    tree = ParamTree.from_layout(layout)
    engine = Engine(layout)
    engine.load(tree.defaults())
    engine.start()  # the meter reader, as in the daemon
    clock = _AudioClock(engine)  # meters move only while audio runs
    with tempfile.TemporaryDirectory(prefix="mixerd-bench-") as state:
        store = Store.open(state) if persistent else None
        try:
            control = Control(tree, link=engine, store=store)
            auth = Auth(store) if store is not None else None
            app = create_app(control, auth=auth)
            with serve(app, lifespan="on") as url:
                rig = WebRig(url, app, control)
                if auth is not None:
                    rig.admin, _ = auth.setup("mixerd bench password")
                    rig.mix_links = tuple(auth.create_link("mix", bus, f"Mix {bus}")[1] for bus in (1, 2))
                yield rig
        finally:
            clock.stop()
            engine.stop()
            if store is not None:
                store.close()


class _AudioClock:
    """Runs the offline core in real time on silence, a period every ``PERIOD_S``, in a thread of its
    own (the audio side's single consumer of the command ring), as JACK would."""

    PERIOD_S = 0.02

    def __init__(self, engine):
        import threading

        import numpy as np

        self._engine = engine
        self._block = np.zeros((engine.layout.n_inputs, round(engine.sample_rate * self.PERIOD_S)), np.float32)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mixerd-bench-audio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import time

        due = time.monotonic()
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            self._engine.core.process(self._block, block=64)
            due += self.PERIOD_S

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_clients(*args: str, timeout: float) -> dict:
    """``python -m mixerd.bench.clients *args`` in a process of its own; what it measured."""
    result = subprocess.run([sys.executable, "-m", "mixerd.bench.clients", *args], capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise BenchError("the WebSocket clients failed: " + (result.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(result.stdout)
