"""Home Assistant discovery against a real mosquitto: every entity carries what Home Assistant needs, the
entities drive the mixer, stale ones are removed, and a Home Assistant restart gets everything again."""

from __future__ import annotations

import json

import pytest
from support import wait_until

from mixerd import __version__
from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.mqtt import MqttBridge
from mixerd.mqtt.discovery import REQUIRED

BASE = "mixerd/test"
HA = "homeassistant"
LAYOUT = Layout(inputs=("Vocal", "Guitar", "Keys"), buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)),
                generators=2)
URL = "http://192.0.2.10:8080/"


@pytest.fixture
def control():
    return Control(ParamTree.from_layout(LAYOUT))


@pytest.fixture
def scenes(control):
    s = SceneService(control)
    s.save_scene("Tracking")
    return s


def start(broker, control, scenes, **cfg):
    config = MqttConfig(broker=broker.url, node_id="test", **{"meter_rate": 2.0, "expose": ("main", "bus/*"), **cfg})
    b = MqttBridge(control, config, scenes, model="Demo mixer", configuration_url=URL)
    b.start()
    wait_until(lambda: b.connected, what="the bridge connected")
    return b


def configs(listener) -> dict[str, dict]:
    """Every non-empty discovery config the listener holds, by topic."""
    with listener._lock:
        return {t: json.loads(p[-1]) for t, p in listener.messages.items() if t.endswith("/config") and p[-1]}


def entity(listener, component, object_id):
    return configs(listener).get(f"{HA}/{component}/test/{object_id}/config")


@pytest.fixture
def bridge(broker, control, scenes):
    b = start(broker, control, scenes, expose=("main", "bus/*", "ch/1"))
    yield b
    b.stop()


EXPECTED = {
    ("number", "main_fader"), ("switch", "main_mute"), ("sensor", "main_loudness"),
    ("number", "bus_1_fader"), ("switch", "bus_1_mute"), ("sensor", "bus_1_loudness"),
    ("number", "bus_2_fader"), ("switch", "bus_2_mute"), ("sensor", "bus_2_loudness"),
    ("number", "ch_1_fader"), ("switch", "ch_1_mute"),
    ("select", "scene"), ("button", "undo"), ("button", "redo"), ("switch", "test_tones"),
}


def test_every_entity_carries_what_home_assistant_needs(bridge, listen):
    listener = listen(f"{HA}/#")
    wait_until(lambda: len(configs(listener)) == len(EXPECTED), what="every discovery config")
    got = configs(listener)
    assert {(t.split("/")[1], t.split("/")[3]) for t in got} == EXPECTED
    assert all(t in listener.retained or listener.count(t) for t in got)
    late = listen(f"{HA}/#")  # retained: Home Assistant starting later still finds them
    wait_until(lambda: len(late.retained) == len(EXPECTED), what="the retained configs")
    unique_ids = [c["unique_id"] for c in got.values()]
    assert len(set(unique_ids)) == len(unique_ids)
    for topic, config in got.items():
        component = topic.split("/")[1]
        missing = [k for k in ("name", "unique_id", "device", "availability_topic", *REQUIRED[component])
                   if k not in config]
        assert not missing, (topic, missing)
        assert config["availability_topic"] == f"{BASE}/availability"
        assert (config["payload_available"], config["payload_not_available"]) == ("online", "offline")
        device = config["device"]
        assert device["identifiers"] == ["mixerd_test"] and device["model"] == "Demo mixer"
        assert device["sw_version"] == __version__ and device["configuration_url"] == URL
        assert device["manufacturer"] == "mixerd" and device["name"]
    fader = entity(listener, "number", "bus_2_fader")
    assert fader["name"] == "IEM fader" and (fader["min"], fader["max"], fader["unit_of_measurement"]) == (-90.0, 10.0, "dB")
    assert fader["mode"] == "slider" and fader["command_topic"] == f"{BASE}/bus/2/fader/set"
    assert fader["state_topic"] == f"{BASE}/bus/2/fader"
    loud = entity(listener, "sensor", "main_loudness")
    assert (loud["state_class"], loud["entity_category"], loud["unit_of_measurement"]) == ("measurement", "diagnostic", "LUFS")
    assert loud["state_topic"] == f"{BASE}/meters" and "value_json['main'].lufs_s" in loud["value_template"]
    assert entity(listener, "select", "scene")["options"] == ["Tracking"]
    assert entity(listener, "switch", "ch_1_mute")["name"] == "Vocal mute"


def test_the_entities_drive_the_mixer(bridge, control, listen):
    listener = listen(f"{HA}/#")
    wait_until(lambda: len(configs(listener)) == len(EXPECTED), what="every discovery config")
    fader, mute = entity(listener, "number", "main_fader"), entity(listener, "switch", "bus_1_mute")
    listener.publish(fader["command_topic"], b"-12")  # as Home Assistant sends a number
    wait_until(lambda: control.get("main/fader") == -12.0, what="the main fader")
    listener.publish(mute["command_topic"], mute["payload_on"].encode())
    wait_until(lambda: control.get("bus/1/mute") is True, what="mix 1 muted")
    states = listen(f"{BASE}/bus/1/mute")
    wait_until(lambda: states.messages.get(f"{BASE}/bus/1/mute", [b""])[-1].decode() == mute["state_on"],
               what="the switch state")
    listener.publish(entity(listener, "button", "undo")["command_topic"], b"")
    wait_until(lambda: control.get("bus/1/mute") is False, what="undo")
    control.set("main/fader", 0, "rest")
    listener.publish(entity(listener, "select", "scene")["command_topic"], b"Tracking")
    wait_until(lambda: control.get("main/fader") == 0.0, what="the scene")
    tones = entity(listener, "switch", "test_tones")
    listener.publish(tones["command_topic"], tones["payload_on"].encode())
    wait_until(lambda: control.get("gen/1/on") and control.get("gen/2/on"), what="the test tones")


def test_names_and_scenes_update_the_entities(bridge, control, scenes, listen):
    listener = listen(f"{HA}/#")
    wait_until(lambda: len(configs(listener)) == len(EXPECTED), what="every discovery config")
    control.set("bus/1/name", "Drums", "rest")
    wait_until(lambda: entity(listener, "number", "bus_1_fader")["name"] == "Drums fader", what="the new name")
    scenes.save_scene("Mixdown")
    wait_until(lambda: entity(listener, "select", "scene")["options"] == ["Tracking", "Mixdown"], what="the new scene")


def test_stale_entities_are_removed_and_a_home_assistant_restart_gets_everything(broker, control, scenes, listen):
    listener = listen(f"{HA}/#")
    # A channel exposed by an earlier run, and no longer:
    stale = f"{HA}/number/test/ch_3_fader/config"
    listener.publish(stale, json.dumps({"name": "Keys fader", "command_topic": "x"}), retain=True)
    other = f"{HA}/number/othernode/ch_3_fader/config"  # another device's: not ours to remove
    listener.publish(other, json.dumps({"name": "Keys fader", "command_topic": "x"}), retain=True)
    b = start(broker, control, scenes)
    try:
        wait_until(lambda: listener.messages[stale][-1] == b"", what="the stale entity removed")
        assert listener.messages[other][-1] != b""
        wait_until(lambda: f"{HA}/number/test/main_fader/config" in configs(listener), what="the configs")
        listener.clear()
        listener.publish(f"{HA}/status", b"online")  # Home Assistant (re)started
        wait_until(lambda: len(configs(listener)) == len(EXPECTED) - 2, what="everything again")  # no ch/1
    finally:
        b.stop()


def test_no_discovery_when_it_is_off(broker, control, scenes, listen):
    listener = listen(f"{HA}/#")
    b = start(broker, control, scenes, discovery=False)
    try:
        states = listen(f"{BASE}/ch/1/name")
        states.wait_for(f"{BASE}/ch/1/name", "Vocal")
        assert configs(listener) == {}
    finally:
        b.stop()


def test_the_problem_finder_is_a_sensor_and_gain_staging_a_button(broker, control, scenes, listen):
    from mixerd.diagnostics import Diagnostics

    diagnostics = Diagnostics(control, interval=0.05, raise_after=0.0)
    config = MqttConfig(broker=broker.url, node_id="test", meter_rate=0.0, expose=("main",))
    bridge = MqttBridge(control, config, scenes, diagnostics=diagnostics)
    bridge.start()
    try:
        listener = listen(f"{HA}/#")
        wait_until(lambda: entity(listener, "sensor", "problems") is not None, what="the problems sensor")
        sensor = entity(listener, "sensor", "problems")
        assert sensor["state_topic"] == sensor["json_attributes_topic"] == f"{BASE}/diagnostics"
        assert sensor["value_template"] == "{{ value_json.count }}" and sensor["entity_category"] == "diagnostic"
        button = entity(listener, "button", "gain_staging")
        assert button["command_topic"] == f"{BASE}/action/gain_staging" and button["payload_press"] == '{"apply": true}'
        state = listen(sensor["state_topic"])
        # no engine here: every channel is silent, which the finder says (no_input_signal, info)
        wait_until(lambda: (state.last(sensor["state_topic"]) or {}).get("count") == len(LAYOUT.inputs),
                   what="the problem count")
    finally:
        bridge.stop()
        diagnostics.stop()
