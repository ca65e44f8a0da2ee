"""Pushed, not polled: what changes rarely reaches MQTT and the WebSocket as the control core's typed
notices. A scene saved over REST updates Home Assistant's scene select and reaches WebSocket clients; an undo
over MQTT reaches WebSocket clients as ``undo`` and ``history`` messages; the audio stopping (a real jackd
going away) reaches ``{base}/health`` and the WebSocket's ``health``. Real mosquitto, real HTTP, real jackd;
every wait is for a message, bounded."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack

import httpx
import pytest
from support import mixer_config, running_jackd, wait_until
from websockets.sync.client import connect

from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.daemon import Mixer
from mixerd.model import Layout, ParamTree
from mixerd.mqtt import MqttBridge
from mixerd.web import create_app

BASE = "mixerd/notices"
HA = "homeassistant"
SELECT = f"{HA}/select/notices/scene/config"


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/api/v1/ws"


def recv_until(ws, wanted, bound: float = 15.0) -> dict:
    """The next message for which ``wanted(message)`` holds (meter frames, pings and others are skipped);
    fails after ``bound`` seconds without one."""
    deadline = time.monotonic() + bound
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "the message did not come"
        data = ws.recv(timeout=remaining)
        if isinstance(data, bytes):
            continue  # a binary meter frame
        message = json.loads(data)
        if message["type"] not in ("meters", "ping") and wanted(message):
            return message


def of_type(kind: str, test=lambda m: True):
    return lambda m: m["type"] == kind and test(m)


def opened(ws) -> dict[str, dict]:
    """Read a new socket's opening messages; returns them by type."""
    got = {}
    while not {"hello", "state", "undo", "scenes", "health"} <= set(got):
        message = recv_until(ws, lambda m: True)
        got[message["type"]] = message
    return got


@pytest.fixture
def control():
    return Control(ParamTree.from_layout(Layout.simple(2, 2, generators=1)))


@pytest.fixture
def scenes(control):
    return SceneService(control)


@pytest.fixture
def bridge(broker, control, scenes):
    b = MqttBridge(control, MqttConfig(broker=broker.url, node_id="notices", meter_rate=0), scenes)
    b.start()
    wait_until(lambda: b.connected, what="the bridge on the broker")
    yield b
    b.stop()


@pytest.fixture
def url(control, scenes, serve_app):
    with serve_app(create_app(control, scenes)) as base:
        yield base


def test_a_scene_saved_over_rest_reaches_mqtt_and_the_websocket(bridge, url, listen):
    listener = listen(f"{HA}/#")
    wait_until(lambda: listener.last(f"{HA}/button/notices/undo/config") is not None, what="the discovery configs")
    assert listener.last(SELECT) is None  # no scenes yet: no select
    with connect(ws_url(url)) as ws:
        assert opened(ws)["scenes"]["scenes"] == []
        answer = httpx.post(url + "/api/v1/scenes", json={"name": "Soundcheck"}, timeout=10)
        assert answer.status_code == 201
        pushed = recv_until(ws, of_type("scenes"))
        assert pushed["action"] == "saved" and pushed["id"] == answer.json()["id"]
        assert [(s["id"], s["name"], s["created"]) for s in pushed["scenes"]] == [
            (answer.json()["id"], "Soundcheck", answer.json()["created"].replace("+00:00", "Z"))]
    # Home Assistant's select offers it, and the mix is at it (just saved)
    wait_until(lambda: (listener.last(SELECT) or {}).get("options") == ["Soundcheck", "(modified)"],
               what="the select offering the new scene")
    scene = listen(f"{BASE}/scene")
    scene.wait_for(f"{BASE}/scene", {"id": answer.json()["id"], "name": "Soundcheck", "modified": False,
                                     "option": "Soundcheck"})


def test_an_undo_over_mqtt_reaches_every_websocket_client(bridge, url, control, listen):
    listener = listen(f"{BASE}/#")
    with connect(ws_url(url)) as mixer_ws, connect(ws_url(url)) as history_ws:
        assert opened(mixer_ws)["undo"] == {"type": "undo", "seq": control.seq, "can_undo": False, "can_redo": False,
                                            "undo_step": None, "undo_seq": None, "redo_step": None}
        opened(history_ws)
        history_ws.send(json.dumps({"type": "follow", "history": True, "id": "h"}))
        assert recv_until(history_ws, of_type("ack"))["id"] == "h"
        listener.publish(f"{BASE}/ch/2/mute/set", b"ON")  # Home Assistant's change
        step = recv_until(history_ws, of_type("history"))
        assert (step["action"], step["step"], step["actor"]) == ("append", 1, "mqtt")
        assert [(e["address"], e["old"], e["new"], e["origin"], e["actor"]) for e in step["entries"]] == [
            ("ch/2/mute", False, True, "mqtt", "mqtt")]

        listener.publish(f"{BASE}/action/undo", b"")  # MQTT's undo takes back MQTT's change
        for ws in (mixer_ws, history_ws):  # the change, (and the history)
            change = recv_until(ws, of_type("change", lambda m: m["address"] == "ch/2/mute" and m["origin"] == "undo"))
            assert (change["value"], change["origin"]) == (False, "undo")
            if ws is history_ws:
                undone = recv_until(ws, lambda m: True)
                assert (undone["type"], undone["action"], undone["step"], undone["kept"]) == ("history", "undo", 1, [])
                assert undone["seq"] == change["seq"]
        # a client's own undo status comes when its own changes move it; the client that did not ask for the
        # history got none of it
        mixer_ws.send(json.dumps({"type": "set", "address": "ch/1/mute", "value": True, "id": 2}))
        seen = {}
        while not {"ack", "undo"} <= set(seen):  # (the ack and the pushed undo may come in either order)
            message = recv_until(mixer_ws, lambda m: m["type"] in ("ack", "undo", "history"))
            seen[message["type"]] = message
        assert "history" not in seen and seen["undo"]["undo_step"] == 2 and seen["undo"]["can_redo"] is False


@pytest.mark.jack
def test_the_audio_stopping_reaches_mqtt_health_and_the_websocket(broker, listen, tmp_path, serve_app):
    with ExitStack() as stack:
        jackd = running_jackd(tmp_path)
        server = stack.enter_context(jackd)
        mixer = Mixer(mixer_config(server, tmp_path / "state", mqtt={"broker": broker.url, "node_id": "notices",
                                                                     "meter_rate": 0.0}))
        mixer.start()
        stack.callback(mixer.stop)
        wait_until(lambda: mixer.mqtt.connected, what="mixerd on the broker")
        listener = listen(f"{BASE}/health")
        wait_until(lambda: (listener.last(f"{BASE}/health") or {}).get("running") is True, what="the health topic")
        assert listener.last(f"{BASE}/health")["status"] == "ok"
        url = stack.enter_context(serve_app(create_app(mixer.control, mixer.scenes, None, mixer.diagnostics)))
        ws = stack.enter_context(connect(ws_url(url)))
        health = opened(ws)["health"]
        assert (health["status"], health["running"], health["sample_rate"]) == ("ok", True, 48000)

        jackd.__exit__(None, None, None)  # the JACK server goes away under the running mixer
        stopped = recv_until(ws, of_type("health", lambda m: not m["running"]))
        assert stopped["status"] == "down"
        wait_until(lambda: listener.last(f"{BASE}/health")["running"] is False, what="the health topic")
        assert listener.last(f"{BASE}/health")["status"] == "down"
