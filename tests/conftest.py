"""Shared fixtures: a real jackd (dummy backend) per test module and a real HTTP server for an app."""

from __future__ import annotations

import subprocess
from typing import Iterator

import pytest
from support import PERIOD, RATE, serve, unique_server_name, wait_for_server


@pytest.fixture
def serve_app():
    """``with serve_app(app) as url:`` runs the app on a real HTTP server for the block."""
    return serve


@pytest.fixture(scope="module")
def jack_server(tmp_path_factory) -> Iterator[str]:
    """A jackd of our own (dummy backend, 48 kHz, 64 frames, 8 in / 10 out like the demo profile); yields
    its server name."""
    name = unique_server_name()
    cmd = ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(PERIOD),
           "-C", "8", "-P", "10", "-w", str(round(PERIOD * 1e6 / RATE))]
    # Its output goes to a file, not a pipe: nobody reads a pipe while the tests run, and a jackd that
    # reports many xruns (a busy machine) would fill it and hang in write() with every client waiting.
    log = tmp_path_factory.mktemp("jackd") / f"{name}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_server(name, proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its output:\n{log.read_text()}") from None
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def jack_mixer(jack_server, tmp_path_factory):
    """A whole mixer (daemon parts, default demo profile) running in the module's jackd, state in tmp."""
    import dataclasses

    from mixerd.config import Config
    from mixerd.daemon import Mixer

    cfg = Config()
    cfg = dataclasses.replace(cfg, jack=dataclasses.replace(cfg.jack, server=jack_server, start_server="never"),
                              state=dataclasses.replace(cfg.state, dir=tmp_path_factory.mktemp("state")))
    mixer = Mixer(cfg)
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
