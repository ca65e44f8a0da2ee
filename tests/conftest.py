"""Shared fixtures: a real jackd (dummy backend) per test module and a real HTTP server for an app."""

from __future__ import annotations

from typing import Iterator

import pytest
from support import mixer_config, running_jackd, serve


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
