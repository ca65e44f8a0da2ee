"""The RTA end to end on a real jackd: a whole mixer (its web front end on a real HTTP socket) with a 1 kHz tone
into channel 1 through JACK; a WebSocket client looking at the channel's RTA gets frames in which the 1 kHz band
reads the tone's level, and the analysis ring is let go when it stops looking."""

from __future__ import annotations

import dataclasses
import json

import pytest
from support import Probe, mixer_config, wait_until
from websockets.sync.client import connect

from mixerd.daemon import Mixer, bind_http

pytestmark = pytest.mark.jack


def next_rta(ws) -> dict:
    for _ in range(2000):  # a bound: meter frames and other messages come between
        raw = ws.recv(timeout=30)
        if isinstance(raw, str) and json.loads(raw)["type"] == "rta":
            return json.loads(raw)
    raise AssertionError("no rta message")


def test_a_client_sees_the_tone_of_a_channel_on_its_rta(jack_server, tmp_path):
    sock = bind_http("127.0.0.1", 0)
    cfg = mixer_config(jack_server, tmp_path)
    mixer = Mixer(dataclasses.replace(cfg, auth=dataclasses.replace(cfg.auth, enabled=False)), http_socket=sock)
    mixer.start()
    probe = None
    try:
        probe = Probe.tone_into_input_1(jack_server, [])  # −12 dBFS, 1 kHz
        url = mixer.web_url.replace("http://", "ws://") + "api/v1/ws"
        with connect(url, max_size=None) as ws:
            ws.send(json.dumps({"type": "rta", "point": "ch/1/input", "per_octave": 3}))
            frame = next_rta(ws)
            band = frame["centres"].index(1000.0)
            wait_until(lambda: abs(next_rta(ws)["levels"][band] + 12.0) < 1.0, timeout=30,
                       what="the 1 kHz band at the tone's level")
            assert mixer.engine.analysing is not None and list(mixer.engine.analysing.tracks) == ["ch/1/input"]
            ws.send(json.dumps({"type": "rta", "point": None}))
            wait_until(lambda: mixer.engine.analysing is None, what="the analysis ring let go")
    finally:
        if probe is not None:
            probe.close()
        mixer.stop()
        sock.close()
