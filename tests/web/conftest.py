"""Fixtures for the web front end, all on the real engine: a Control driving an ``Engine`` that runs
offline (audio made by calling the core's process function, the same C code JACK runs) or inside a
real jackd (``jack_host``), a TestClient and a real uvicorn server on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import signal
import threading
import warnings
from typing import Callable, Iterator

import numpy as np
import pytest
from support import RATE, wait_until

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 in its TestClient; httpx still works and is what we ship with.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.engine import Engine
from mixerd.jackhost import JackHost, ServerSpec, Wiring
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.store import Store
from mixerd.web import create_app

#: Frames of audio ``play`` runs by default: 0.1 s, five meter frames, longer than every ramp and the
#: 50 ms peak window, so the meters show the settled level.
BLOCK_FRAMES = 4800


@pytest.fixture
def layout() -> Layout:
    return Layout(inputs=("Vocal", "Guitar", "Keys"),
                  buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)), generators=2)


@pytest.fixture
def engine(layout) -> Iterator[Engine]:
    engine = Engine(layout, sample_rate=RATE)
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """A real state directory's database (closed after the test)."""
    store = Store.open(tmp_path / "state")
    yield store
    store.close()


@pytest.fixture
def stored_control(layout, engine, store) -> Control:
    """A control core with a database, as the daemon runs it (templates, links and history need one); a module
    whose tests need it overrides ``control`` with it."""
    tree = ParamTree.from_layout(layout)
    engine.load(tree.defaults())
    return Control(tree, link=engine, store=store)


@pytest.fixture
def control(layout, engine) -> Control:
    tree = ParamTree.from_layout(layout)
    engine.load(tree.defaults())
    return Control(tree, link=engine)


@pytest.fixture
def play(engine) -> Callable[..., dict]:
    """``play(frames=4800, inputs=None)`` runs the engine's core offline over ``inputs`` (float32,
    shape (n_inputs, frames); silence if None) and returns ``engine.meters()`` afterwards.

    Only for an engine that is not in a JACK graph (do not combine with ``jack_host``)."""

    def run(frames: int = BLOCK_FRAMES, inputs: np.ndarray | None = None) -> dict:
        if inputs is None:
            inputs = np.zeros((engine.layout.n_inputs, frames), np.float32)
        engine.core.process(inputs)
        return engine.meters()

    return run


@pytest.fixture
def jack_host(engine, jack_server) -> Iterator[JackHost]:
    """The ``engine`` running in the module's real jackd (dummy backend, 48 kHz, 64 frames), its meter
    thread started; yields once the engine reports healthy. Stopped (again, if a test did) at the end."""
    host = JackHost(engine, ServerSpec(name=jack_server, realtime=False), Wiring(), start_server="never")
    engine.driver = host
    host.start()
    engine.start()
    try:
        wait_until(lambda: engine.health()["status"] == "ok", what="the engine running in jackd")
        yield host
    finally:
        host.stop()
        engine.stop()


@pytest.fixture
def recorder(control, engine, tmp_path):
    """The recorder on ``engine`` (run offline by ``play``, or in jackd), its takes in tmp, no reserve."""
    from mixerd.recorder import Recorder, Takes

    recorder = Recorder(control, engine, Takes(tmp_path / "takes", reserve=0), buffer_s=5.0)
    yield recorder
    recorder.close()


@pytest.fixture
def player(control, engine, recorder):
    """Virtual soundcheck on ``engine``, playing the ``recorder``'s takes."""
    from mixerd.recorder import Player

    player = Player(control, engine, recorder.takes)
    yield player
    player.close()


@pytest.fixture
def app(control):
    return create_app(control)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def live_server(app, serve_app) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


class _Chromium:
    """One headless Chromium per test module, launched again if it had to be killed (see ``close_context``)."""

    def __init__(self, playwright):
        self._playwright = playwright
        self._browser = None

    def get(self):
        from support import CHROMIUM, CHROMIUM_ARGS

        if self._browser is None or not self._browser.is_connected():
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                             args=CHROMIUM_ARGS)
        return self._browser

    def close(self):
        if self._browser is not None and self._browser.is_connected():
            self._browser.close()


@pytest.fixture(scope="module")
def _chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = _Chromium(pw)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser(_chromium):
    """Headless Chromium (Playwright), shared by a test module."""
    return _chromium.get()


#: How long closing a browser context may take before Chromium counts as hung.
CLOSE_TIMEOUT_S = 60.0


def close_context(context) -> None:
    """Close a browser context; if Chromium does not answer (it once never answered
    Target.disposeBrowserContext on a busy CI machine, hanging the suite), kill this test process's
    Chromium after CLOSE_TIMEOUT_S — the close then returns, and the next test gets a fresh Chromium."""
    from playwright.sync_api import Error

    killed = threading.Event()
    timer = threading.Timer(CLOSE_TIMEOUT_S, lambda: (killed.set(), _kill_own_chromium()))
    timer.daemon = True
    timer.start()
    try:
        context.close()
    except Error:
        if not killed.is_set():
            raise
    finally:
        timer.cancel()
    if killed.is_set():
        warnings.warn("Chromium did not close a browser context and was killed", RuntimeWarning)


def _kill_own_chromium() -> None:
    # Chromium runs under Playwright's driver, a child of this process: kill every descendant named chrome*.
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        pid = int(entry)
        names[pid] = stat[stat.index("(") + 1:stat.rindex(")")]
        parents[pid] = int(stat[stat.rindex(")") + 2:].split()[1])
    me = os.getpid()
    for pid, name in names.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me):
            ancestor = parents.get(ancestor)
        if ancestor == me and name.startswith("chrom"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def open_page(browser):
    """``open_page(PHONE | TABLET)``: a fresh browser profile's page; no script errors and no violations of
    the app's Content-Security-Policy (mixerd/web/headers.py) allowed."""
    contexts, errors = [], []

    def make(device):
        context = browser.new_context(**device)
        contexts.append(context)
        context.expose_function("__cspViolation", lambda text: errors.append(f"CSP violation: {text}"))
        context.add_init_script('document.addEventListener("securitypolicyviolation", '
                                '(e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));')
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        close_context(context)
    assert errors == []
