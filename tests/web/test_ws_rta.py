"""The RTA over the WebSocket: a client that asks for a point's RTA gets its frames (bands and peaks) while it looks,
and the engine's analysis ring is let go when it stops or leaves; a point there is not, or a mixer without an RTA,
is an error naming what there is."""

import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import wait_until
from test_ws import WS, next_of

from mixerd.control import Control
from mixerd.diagnostics.listener import Listener
from mixerd.engine import Engine
from mixerd.model import Layout, ParamTree
from mixerd.web import create_app

RATE = 48000
LAYOUT = Layout.simple(2, 1)


@pytest.fixture
def rig():
    engine = Engine(LAYOUT, sample_rate=RATE)
    control = Control(ParamTree.from_layout(LAYOUT), engine)
    listener = Listener(control, engine)
    listener.start()
    stop = threading.Event()

    def play():  # a −20 dBFS (peak) 1 kHz tone into channel 1, block after block, while the test runs
        t = np.arange(1024) / RATE
        x = np.zeros((2, 1024), np.float32)
        n = 0
        while not stop.is_set():
            x[0] = 0.1 * np.sin(2 * np.pi * 1000 * (t + n * 1024 / RATE))
            engine.core.process(x)
            n += 1
            stop.wait(0.01)

    player = threading.Thread(target=play, daemon=True)
    player.start()
    try:
        with TestClient(create_app(control, listener=listener)) as client:
            yield client, engine
    finally:
        stop.set()
        player.join(5)
        listener.stop()


def test_a_client_gets_the_rta_of_the_point_it_looks_at_while_it_looks(rig):
    client, engine = rig
    with client.websocket_connect(WS) as ws:
        ws.send_json({"type": "rta", "point": "ch/1/inserts", "per_octave": 3, "id": "look"})
        assert next_of(ws, "ack", "error")["type"] == "ack"
        frame = next_of(ws, "rta")
        assert frame["point"] == "ch/1/inserts" and frame["per_octave"] == 3 and len(frame["levels"]) == 31
        band = frame["centres"].index(1000.0)
        assert frame["levels"][band] == pytest.approx(-20.0, abs=1.5) and frame["peaks"][band] >= frame["levels"][band]
        ws.send_json({"type": "rta", "point": None, "id": "stop"})
        assert next_of(ws, "ack", "error")["type"] == "ack"
        wait_until(lambda: engine.analysing is None, what="the analysis ring let go")
        ws.send_json({"type": "rta", "point": "main", "per_octave": 6})
        assert len(next_of(ws, "rta")["levels"]) == 61
    wait_until(lambda: engine.analysing is None, what="the ring let go when the client left")


def test_a_point_there_is_not_is_an_error(rig):
    client, _ = rig
    with client.websocket_connect(WS) as ws:
        ws.send_json({"type": "rta", "point": "ch/7/inserts", "id": 1})
        error = next_of(ws, "ack", "error")["error"]
        assert error["code"] == "not_found" and "meter points" in error["allowed"]
        ws.send_json({"type": "rta", "point": "main", "per_octave": 12, "id": 2})
        assert next_of(ws, "ack", "error")["error"]["code"] == "invalid_value"


def test_a_mixer_without_an_rta_says_so():
    control = Control(ParamTree.from_layout(LAYOUT))
    with TestClient(create_app(control)) as client, client.websocket_connect(WS) as ws:
        ws.send_json({"type": "rta", "point": "main", "id": 1})
        error = next_of(ws, "ack", "error")["error"]
        assert error["code"] == "not_available" and "RTA" in error["message"]
