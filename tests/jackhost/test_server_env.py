"""The jackd mixerd starts loads the system's JACK, whatever mixerd itself was started with: under ``pw-jack``
LD_LIBRARY_PATH points at PipeWire's libjack, whose server library cannot run a server, and a jackd that inherited
it would exit at once."""

from __future__ import annotations

import pytest
from pipewire_rig import PW_JACK_DIRS
from support import unique_server_name

from mixerd.jackhost import JackServer, ServerSpec, server_running
from mixerd.jackhost.server import server_environment

pytestmark = pytest.mark.jack

DUMMY = ("-d", "dummy", "-r", "48000", "-p", "256", "-w", "5333")


def test_the_linkers_variables_are_left_out_and_the_rest_kept():
    env = server_environment({"LD_LIBRARY_PATH": "/x", "LD_PRELOAD": "/y.so", "HOME": "/root",
                              "JACK_NO_AUDIO_RESERVATION": "1"})
    assert env == {"HOME": "/root", "JACK_NO_AUDIO_RESERVATION": "1"}


def test_jackd_starts_while_mixerd_runs_under_pw_jack(monkeypatch):
    assert PW_JACK_DIRS, "PipeWire's libjack (pipewire-jack) is installed by the test set-up"
    monkeypatch.setenv("LD_LIBRARY_PATH", PW_JACK_DIRS[0])  # what pw-jack sets
    name = unique_server_name()
    server = JackServer(ServerSpec(name=name, realtime=False, driver_args=DUMMY))
    server.start()
    try:
        assert server.alive and server_running(name)
    finally:
        server.stop()
    assert not server_running(name)
