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
    ("switch", "talkback_1"), ("switch", "talkback_2"),
    ("switch", "main_ringout"), ("switch", "bus_1_ringout"), ("switch", "bus_2_ringout"),
    ("switch", "feedback_watch"), ("switch", "feedback_auto"),
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
        # Home Assistant 2025.10+ takes the entity id from default_entity_id (object_id is ignored from 2026.4)
        assert "object_id" not in config, topic
        assert config["default_entity_id"] == f"{component}.{config['unique_id']}"
    fader = entity(listener, "number", "bus_2_fader")
    assert fader["name"] == "IEM fader" and (fader["min"], fader["max"], fader["unit_of_measurement"]) == (-90.0, 10.0, "dB")
    assert fader["mode"] == "slider" and fader["command_topic"] == f"{BASE}/bus/2/fader/set"
    assert fader["state_topic"] == f"{BASE}/bus/2/fader"
    loud = entity(listener, "sensor", "main_loudness")
    assert (loud["state_class"], loud["entity_category"], loud["unit_of_measurement"]) == ("measurement", "diagnostic", "LUFS")
    assert loud["state_topic"] == f"{BASE}/loudness" and loud["value_template"] == "{{ value_json['main'] }}"
    select = entity(listener, "select", "scene")
    assert select["options"] == ["Tracking", "(modified)"]  # the state must be one of the options
    assert select["state_topic"] == select["json_attributes_topic"] == f"{BASE}/scene"
    assert select["value_template"] == "{{ value_json.option }}"
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
    wait_until(lambda: entity(listener, "select", "scene")["options"] == ["Tracking", "Mixdown", "(modified)"],
               what="the new scene")


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
        wait_until(lambda: entity(listener, "button", "gain_staging") is not None, what="the gain-staging button")
        button = entity(listener, "button", "gain_staging")
        assert button["command_topic"] == f"{BASE}/action/gain_staging" and button["payload_press"] == '{"apply": true}'
        state = listen(sensor["state_topic"])
        # no engine here: every channel is silent, which the finder says (no_input_signal, info)
        wait_until(lambda: (state.last(sensor["state_topic"]) or {}).get("count") == len(LAYOUT.inputs),
                   what="the problem count")
    finally:
        bridge.stop()
        diagnostics.stop()


def shown(listener, select) -> str | None:
    """What Home Assistant's select shows: its value template ({{ value_json.option }}) on the last state."""
    state = listener.last(select["state_topic"])
    assert select["value_template"] == "{{ value_json.option }}"
    return None if state is None else state["option"]


def test_the_scene_select_shows_the_scene_the_mix_is_at(bridge, control, scenes, listen):
    """Wherever the mix gets to a scene (a recall from the web app or the API — both call the scene service —,
    a save, an undo) the select shows it; when the mix moves away it shows the modified option."""
    listener = listen(f"{HA}/#")
    wait_until(lambda: entity(listener, "select", "scene") is not None, what="the scene select")
    select = entity(listener, "select", "scene")
    states = listen(select["state_topic"])
    wait_until(lambda: shown(states, select) == "Tracking", what="the mix at the scene it was saved from")
    tracking = scenes.scenes()[0].id
    assert states.last(select["state_topic"]) == {"id": tracking, "name": "Tracking", "modified": False,
                                                  "option": "Tracking"}
    control.set("ch/1/fader", -10.0, "ws")  # the mix moves away
    wait_until(lambda: shown(states, select) == "(modified)", what="modified")
    assert states.last(select["state_topic"])["name"] == "Tracking"  # ... from Tracking
    assert "(modified)" in select["options"]
    verse = scenes.save_scene("Verse").id  # a scene saved now is where the mix is
    wait_until(lambda: shown(states, select) == "Verse", what="the new scene")
    control.set("ch/1/fader", -20.0, "ws")
    wait_until(lambda: shown(states, select) == "(modified)", what="modified from Verse")
    scenes.recall_scene(tracking)  # as POST /api/v1/scenes/{id}/recall does
    wait_until(lambda: shown(states, select) == "Tracking", what="the recalled scene")
    control.set("bus/1/fader", -5.0, "rest")
    wait_until(lambda: shown(states, select) == "(modified)", what="modified after the recall")
    control.undo()  # back to the scene
    wait_until(lambda: shown(states, select) == "Tracking", what="the scene again after an undo")
    control.undo()  # the recall undone: ch/1 at -20 dB again, which is no scene
    wait_until(lambda: shown(states, select) == "(modified)", what="modified after undoing the recall")
    scenes.recall_scene(verse, scope=["ch/*/fader"])  # the faders of Verse: the mix is Verse again
    wait_until(lambda: shown(states, select) == "Verse", what="Verse by a scoped recall")
    late = listen(select["state_topic"])  # retained: Home Assistant starting now gets it at once
    wait_until(lambda: select["state_topic"] in late.retained and shown(late, select) == "Verse", what="retained")
    # Picking the modified option recalls nothing and is no error.
    _, before = control.state()
    errors = listen(f"{BASE}/error")
    listener.publish(select["command_topic"], b"(modified)")
    listener.publish(f"{BASE}/action/scene_recall", b"Nope")  # an error after it: the option was handled first
    wait_until(lambda: errors.count(f"{BASE}/error"), what="the error")
    assert [json.loads(p)["payload"] for p in errors.messages[f"{BASE}/error"]] == ["Nope"]
    assert control.state()[1] == before


def test_a_scene_named_like_the_modified_option_keeps_the_options_unique(bridge, control, scenes, listen):
    scenes.save_scene("(Modified)")
    listener = listen(f"{HA}/#")
    wait_until(lambda: len((entity(listener, "select", "scene") or {}).get("options", [])) == 3, what="the options")
    options = entity(listener, "select", "scene")["options"]
    assert options == ["Tracking", "(Modified)", "((modified))"]
    control.set("ch/1/fader", -10.0, "ws")
    states = listen(f"{BASE}/scene")
    wait_until(lambda: (states.last(f"{BASE}/scene") or {}).get("option") == "((modified))", what="modified")
    listener.publish(entity(listener, "select", "scene")["command_topic"], b"(Modified)")  # a real scene
    wait_until(lambda: control.get("ch/1/fader") == 0.0, what="the scene named (Modified) recalled")


def test_the_entity_ids_the_readme_documents_are_the_published_ones(broker, control, scenes, listen, tmp_path):
    """Each config says its entity id (default_entity_id: Home Assistant 2025.10+ uses it); the ids the
    README names for the demo are among them, and no config carries the retired object_id."""
    import re
    from pathlib import Path

    from mixerd.diagnostics import Diagnostics
    from mixerd.engine import Engine
    from mixerd.recorder import Recorder, Takes

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    documented = set(re.findall(r"\b(?:number|switch|select|sensor|button|binary_sensor)\.mixerd_demo_\w+", readme))
    assert len(documented) >= 5, documented
    diagnostics = Diagnostics(control, interval=0.05, raise_after=0.0)
    config = MqttConfig(broker=broker.url, node_id="demo", meter_rate=0.0)  # the demo's base topic and defaults
    recorder = Recorder(control, Engine(control.tree.layout), Takes(tmp_path / "takes"))  # the demo records
    b = MqttBridge(control, config, scenes, diagnostics=diagnostics, recorder=recorder)
    listener = listen(f"{HA}/#")
    b.start()
    try:
        wait_until(lambda: len(configs(listener)) == 25, what="the discovery configs")
        published = {c["default_entity_id"] for c in configs(listener).values()}
        assert not [c for c in configs(listener).values() if "object_id" in c]
        assert documented <= published, sorted(documented - published)
    finally:
        b.stop()
        diagnostics.stop()
