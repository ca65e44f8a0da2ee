"""The recorder over MQTT against a real mosquitto, on the real engine offline: a take started, marked and
stopped from an automation, {base}/recorder following it, Home Assistant's recording sensor and buttons, refusals
on {base}/error; a take played back into some of its channels and marked while it plays."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support import RATE, fill_disk, wait_until

from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.engine import Engine
from mixerd.model import Layout, ParamTree
from mixerd.mqtt import MqttBridge
from mixerd.recorder import Player, Recorder, Takes

BASE = "mixerd/test"
PREFIX = "homeassistant"


@pytest.fixture
def rig(broker, tmp_path, request):
    """(control, engine, recorder, bridge) with discovery on; the takes on a 32 MiB disk of their own for a test
    marked ``small_disk``."""
    layout = Layout.simple(2, 1, generators=0)
    tree = ParamTree.from_layout(layout)
    engine = Engine(layout, sample_rate=RATE, max_frames=64)
    engine.load(tree.defaults())
    control = Control(tree, link=engine)
    root = request.getfixturevalue("small_disk") if request.node.get_closest_marker("small_disk") else tmp_path
    recorder = Recorder(control, engine, Takes(root / "takes", reserve=0), buffer_s=5.0)
    player = recorder.player = Player(control, engine, recorder.takes)  # wired as the daemon does
    bridge = MqttBridge(control, MqttConfig(broker=broker.url, node_id="test", meter_rate=0), recorder=recorder,
                        player=player)
    bridge.start()
    wait_until(lambda: bridge.connected, timeout=10, what="the bridge connected")
    yield control, engine, recorder, bridge
    bridge.stop()
    player.close()
    recorder.close()


def test_an_automation_records_a_take(rig, listen):
    control, engine, recorder, _ = rig
    listener = listen(f"{BASE}/#")
    wait_until(lambda: listener.last(f"{BASE}/recorder") is not None, what="the recorder's state on connect")
    assert listener.last(f"{BASE}/recorder")["recording"] is False
    late = listen(f"{BASE}/recorder")  # retained: a client that comes later gets it at once
    wait_until(lambda: f"{BASE}/recorder" in late.retained, what="the retained recorder state")
    listener.publish(f"{BASE}/action/record", json.dumps({"sources": ["ch/2", "main"], "name": "Studio scene"}))
    wait_until(lambda: (listener.last(f"{BASE}/recorder") or {}).get("recording"), what="recording")
    said = listener.last(f"{BASE}/recorder")
    assert said["sources"] == ["ch/2", "main"] and said["name"] == "Studio scene" and said["seconds_left"] > 60
    engine.core.process(np.zeros((2, RATE // 10), np.float32))
    listener.publish(f"{BASE}/action/marker", "take 2")
    wait_until(lambda: recorder.status()["recording"] and recorder.takes.get(said["take"])["markers"],
               what="the marker")
    listener.publish(f"{BASE}/action/record_stop", "")
    wait_until(lambda: listener.last(f"{BASE}/recorder")["recording"] is False, what="stopped")
    take = recorder.takes.get(said["take"])
    assert take["complete"] and take["frames"] == RATE // 10 and take["markers"][0]["name"] == "take 2"


@pytest.mark.parametrize("action, payload, code", [
    ("record", '{"sources": ["ch/7"]}', "not_found"),
    ("record", '{"source": "ch/1"}', "invalid_value"),
    ("record", "[1, 2]", "invalid_value"),
    ("record_stop", "", "not_recording"),
    ("marker", "verse", "not_recording"),
])
def test_a_refused_recorder_action_says_why_on_the_error_topic(rig, listen, action, payload, code):
    _, _, recorder, _ = rig
    listener = listen(f"{BASE}/error")
    listener.publish(f"{BASE}/action/{action}", payload)
    wait_until(lambda: listener.last(f"{BASE}/error") is not None, what="the error")
    error = listener.last(f"{BASE}/error")
    assert error["topic"] == f"{BASE}/action/{action}" and error["error"]["code"] == code
    assert error["error"]["message"] and not recorder.status()["recording"]


def test_home_assistant_gets_a_recording_sensor_and_buttons(rig, listen):
    control, _, _, _ = rig
    listener = listen(f"{PREFIX}/+/test/+/config")
    topics = [f"{PREFIX}/binary_sensor/test/recording/config", f"{PREFIX}/button/test/record/config",
              f"{PREFIX}/button/test/record_stop/config"]
    wait_until(lambda: all(listener.last(t) for t in topics), what="the recorder's entities")
    sensor = listener.last(topics[0])
    assert sensor["state_topic"] == f"{BASE}/recorder" and "value_json.recording" in sensor["value_template"]
    assert listener.last(topics[1])["command_topic"] == f"{BASE}/action/record"
    assert listener.last(topics[2])["command_topic"] == f"{BASE}/action/record_stop"


def test_an_automation_plays_a_take_back(rig, listen):
    _, engine, recorder, _ = rig
    recorder.start(["ch/1"])
    engine.core.process(np.zeros((2, RATE // 2), np.float32))
    take = recorder.stop()["id"]
    listener = listen(f"{BASE}/#")
    listener.publish(f"{BASE}/action/play", take)
    wait_until(lambda: (listener.last(f"{BASE}/player") or {}).get("playing"), what="playing")
    assert listener.last(f"{BASE}/player")["channels"] == ["ch/1"]
    listener.publish(f"{BASE}/action/play", json.dumps({"take": take, "start": 0.1, "loop": [0.1, 0.4]}))
    wait_until(lambda: (listener.last(f"{BASE}/player") or {}).get("loop") == [0.1, 0.4], what="the loop")
    listener.publish(f"{BASE}/action/play_stop", "")
    wait_until(lambda: listener.last(f"{BASE}/player")["playing"] is False, what="stopped")
    listener.publish(f"{BASE}/action/play", "20001203-120000")
    wait_until(lambda: listener.last(f"{BASE}/error") is not None, what="the error")
    assert listener.last(f"{BASE}/error")["error"]["code"] == "not_found"


def test_an_automation_plays_some_channels_and_marks_the_take_while_it_plays(rig, listen):
    _, engine, recorder, _ = rig
    recorder.start(["ch/1", "ch/2"])
    engine.core.process(np.zeros((2, RATE // 2), np.float32))
    take = recorder.stop()["id"]
    listener = listen(f"{BASE}/#")
    listener.publish(f"{BASE}/action/play", json.dumps({"take": take, "start": 0.25, "channels": ["ch/2"]}))
    wait_until(lambda: (listener.last(f"{BASE}/player") or {}).get("playing"), what="playing")
    said = listener.last(f"{BASE}/player")
    assert said["channels"] == ["ch/2"] and said["available"] == ["ch/1", "ch/2"]
    engine.core.process(np.zeros((2, 4800), np.float32))
    listener.publish(f"{BASE}/action/marker", "verse 2")
    wait_until(lambda: recorder.takes.get(take)["markers"], what="the marker in the take played back")
    assert recorder.takes.get(take)["markers"] == [{"position": RATE // 4 + 4800, "name": "verse 2"}]
    assert listener.last(f"{BASE}/error") is None
    listener.publish(f"{BASE}/action/play_stop", "")
    wait_until(lambda: listener.last(f"{BASE}/player")["playing"] is False, what="stopped")
    listener.publish(f"{BASE}/action/marker", "verse 3")
    wait_until(lambda: listener.last(f"{BASE}/error") is not None, what="the error")
    error = listener.last(f"{BASE}/error")["error"]
    assert error["code"] == "not_recording" and error["message"] == "no take is being recorded or played"
    listener.publish(f"{BASE}/action/play", json.dumps({"take": take, "channels": ["ch/3"]}))
    wait_until(lambda: listener.last(f"{BASE}/error")["error"]["code"] == "not_found", what="the refused channel")


@pytest.mark.small_disk
def test_a_take_the_disk_ended_is_said_on_the_recorder_topic(rig, listen, small_disk):
    """The disk fills up during a take: {base}/recorder says the take stopped and why (what a Home Assistant
    automation or a notification reads), and the mixing went on."""
    _, engine, recorder, _ = rig
    listener = listen(f"{BASE}/recorder")
    take = recorder.start(["ch/1", "main"])["take"]
    wait_until(lambda: (listener.last(f"{BASE}/recorder") or {}).get("recording"), what="recording said")
    engine.core.process(np.zeros((2, RATE // 2), np.float32))
    fill_disk(small_disk, leave=64 * 1024)

    def ended() -> bool:  # the audio goes on meanwhile, as JACK's callback would
        engine.core.process(np.zeros((2, 4800), np.float32))
        return (listener.last(f"{BASE}/recorder") or {}).get("recording") is False

    wait_until(ended, timeout=30, what="the take ended by the full disk")
    said = listener.last(f"{BASE}/recorder")
    assert said["take"] is None and said["problem"]["code"] == "recorder_disk_full"
    assert said["problem"]["message"].startswith("the recorder's disk is full")
    assert recorder.takes.get(take)["complete"] and recorder.takes.get(take)["problem"] == said["problem"]["message"]
