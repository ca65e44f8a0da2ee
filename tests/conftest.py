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
def jack_server() -> Iterator[str]:
    """A jackd of our own (dummy backend, 48 kHz, 64 frames, 8 in / 8 out); yields its server name."""
    name = unique_server_name()
    cmd = ["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", str(RATE), "-p", str(PERIOD),
           "-C", "8", "-P", "8", "-w", str(round(PERIOD * 1e6 / RATE))]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        wait_for_server(name, proc)
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


