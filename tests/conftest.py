"""Shared fixtures: a real jackd (dummy backend) per test module and a real HTTP server for an app."""

from __future__ import annotations

import faulthandler
from pathlib import Path
from typing import Iterator

import pytest
from support import Broker, mixer_config, next_test, running_jackd, serve, small_file_system

#: A test still running this long after pytest-timeout's limit is stuck where no Python runs (a thread blocked in
#: C, or the GIL held by one that is): pytest-timeout's signal can then never act. Every thread's stack is
#: written to STUCK_REPORT and the run ends at once, failed (`make test` prints the report), instead of waiting
#: out CI's whole time limit with nothing said. (Not to stderr: pytest captures it, and the capture is lost.)
STUCK_AFTER = 60  # beyond the test's own timeout (pyproject's, or its timeout mark)
STUCK_REPORT = Path(__file__).resolve().parents[1] / "test-artifacts" / "stuck-test.txt"
_stuck_report = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Arm the stuck-test watchdog (see STUCK_AFTER) for the test's setup, call and teardown."""
    global _stuck_report
    next_test()
    if _stuck_report is None:
        STUCK_REPORT.parent.mkdir(exist_ok=True)
        _stuck_report = open(STUCK_REPORT, "w")
    mark = item.get_closest_marker("timeout")
    limit = float(mark.args[0] if mark and mark.args else item.config.getini("timeout") or 300) + STUCK_AFTER
    _stuck_report.seek(0)
    _stuck_report.truncate()
    _stuck_report.write(f"{item.nodeid} did not end within {limit:.0f} s; every thread's stack:\n")
    _stuck_report.flush()
    faulthandler.dump_traceback_later(limit, exit=True, file=_stuck_report)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        _stuck_report.seek(0)
        _stuck_report.truncate()


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 32 MiB file system of its own (tmpfs, mounted for the test): it fills up for real."""
    with small_file_system(tmp_path / "stick") as disk:
        yield disk


@pytest.fixture
def serve_app():
    """``with serve_app(app) as url:`` runs the app on a real HTTP server for the block."""
    return serve


@pytest.fixture(scope="module")
def jack_server(tmp_path_factory) -> Iterator[str]:
    """A jackd of our own (dummy backend, 48 kHz, 64 frames, 8 in / 10 out like the demo profile); yields
    its server name."""
    with running_jackd(tmp_path_factory.mktemp("jackd")) as name:
        yield name


@pytest.fixture(scope="module")
def jack_mixer(jack_server, tmp_path_factory):
    """A whole mixer (daemon parts, default demo profile) running in the module's jackd, state in tmp."""
    from mixerd.daemon import Mixer

    mixer = Mixer(mixer_config(jack_server, tmp_path_factory.mktemp("state")))  # MQTT off: MQTT tests bring a broker
    mixer.start()
    try:
        yield mixer
    finally:
        mixer.stop()


@pytest.fixture(scope="module")
def jack_api(jack_mixer):
    """An httpx client on ``jack_mixer``'s REST API (base URL ends in /api/v1), over a real HTTP server."""
    import httpx

    from mixerd.web import create_app

    with serve(create_app(jack_mixer.control)) as url:
        with httpx.Client(base_url=url + "/api/v1", timeout=10) as client:
            yield client


@pytest.fixture
def broker():
    """A real mosquitto of the test's own, on a free loopback port."""
    b = Broker()
    b.start()
    yield b
    b.stop()
