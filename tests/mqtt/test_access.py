"""What MQTT may change ([mqtt] read_only, writable, actions), against a real mosquitto: state is still
published, everything else is refused on {base}/error naming the rule, nothing changes, and Home
Assistant is offered no control that would be refused. The config answers a mistake with a clear error."""

from __future__ import annotations

import json

import pytest
from support import wait_until

from mixerd.config import ConfigError, MqttConfig, load_config
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.mqtt import MqttBridge

BASE = "mixerd/test"
HA = "homeassistant"
LAYOUT = Layout(inputs=("Vocal", "Guitar", "Keys"), buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)),
                generators=2)


@pytest.fixture
def control():
    return Control(ParamTree.from_layout(LAYOUT))


@pytest.fixture
def scenes(control):
    s = SceneService(control)
    s.save_scene("Tracking")
    return s


@pytest.fixture
def start(broker, control, scenes):
    made: list[MqttBridge] = []

    def make(**cfg) -> MqttBridge:
        config = MqttConfig(broker=broker.url, node_id="test", meter_rate=0, expose=("main", "bus/*"), **cfg)
        made.append(MqttBridge(control, config, scenes))
        made[-1].start()
        wait_until(lambda: made[-1].connected, what="the bridge connected")
        return made[-1]

    yield make
    for b in made:
        b.stop()


def refusals(errors, count: int) -> list[dict]:
    wait_until(lambda: errors.count(f"{BASE}/error") >= count, what=f"{count} error messages")
    return [json.loads(p) for p in errors.messages[f"{BASE}/error"]]


def configs(listener) -> dict[tuple[str, str], dict]:
    """(component, object id) → the discovery config, for every non-empty one the listener holds."""
    with listener._lock:
        return {(t.split("/")[1], t.split("/")[3]): json.loads(p[-1])
                for t, p in listener.messages.items() if t.endswith("/config") and p[-1]}


# ---- read_only ----

def test_read_only_publishes_the_state_and_refuses_every_write(start, control, scenes, listen):
    listener = listen(f"{BASE}/#")
    start(read_only=True)
    listener.wait_for(f"{BASE}/ch/1/fader", 0.0)  # the state is there
    control.set("ch/1/fader", -3.0, "rest")
    _, before = control.state()
    writes = [("ch/1/fader/set", b"-6"), ("bus/2/mute/set", b"ON"), ("ch/1/fadr/set", b"-6"),
              ("action/undo", b""), ("action/redo", b""), ("action/scene_recall", b"Tracking"),
              ("action/scene_save", b"Mine"), ("action/generators", b"ON"), ("action/gain_staging", b""),
              ("action/dance", b"")]
    for topic, payload in writes:
        listener.publish(f"{BASE}/{topic}", payload)
    errors = refusals(listener, len(writes))
    assert [e["topic"] for e in errors] == [f"{BASE}/{t}" for t, _ in writes]
    for error in errors:
        assert error["error"]["code"] == "forbidden", error
        assert "MQTT is read-only on this mixer ([mqtt] read_only = true)" in error["error"]["message"], error
    assert control.state()[1] == before and [s.name for s in scenes.scenes()] == ["Tracking"]
    control.set("ch/1/fader", -4.0, "rest")  # ... and the state still follows every change
    listener.wait_for(f"{BASE}/ch/1/fader", -4.0)


# ---- writable ----

def test_writable_patterns_allow_only_what_they_match(start, control, listen):
    errors = listen(f"{BASE}/error")
    start(writable=("ch/*/fader", "bus/2/**"))
    errors.publish(f"{BASE}/ch/3/fader/set", b"-6")  # allowed: a channel fader
    errors.publish(f"{BASE}/bus/2/eq/1/gain/set", b"3")  # allowed: everything of mix 2
    wait_until(lambda: control.get("ch/3/fader") == -6.0 and control.get("bus/2/eq/1/gain") == 3.0,
               what="the allowed changes")
    _, before = control.state()
    for topic in ("ch/1/mute/set", "bus/1/fader/set", "main/fader/set"):
        errors.publish(f"{BASE}/{topic}", b"-1" if "fader" in topic else b"ON")
    errors.publish(f"{BASE}/ch/1/fadr/set", b"-6")  # unknown first: the "did you mean" still helps
    got = refusals(errors, 4)
    for error, address in zip(got, ("ch/1/mute", "bus/1/fader", "main/fader")):
        assert error["error"]["code"] == "forbidden" and error["error"]["address"] == address, error
        assert f"MQTT may not change {address}" in error["error"]["message"]
        assert "ch/*/fader, bus/2/**" in error["error"]["message"], error  # the patterns named
    assert got[3]["error"]["code"] == "unknown_address" and "did you mean 'ch/1/fader'" in got[3]["error"]["message"]
    assert control.state()[1] == before


def test_actions_are_governed_by_the_actions_list_and_by_writable(start, control, scenes, listen):
    errors = listen(f"{BASE}/error")
    start(writable=("ch/*/fader", "gen/*/on"), actions=("undo", "scene_save", "generators", "gain_staging"))
    control.set("ch/1/fader", -10.0, "rest")
    _, before = control.state()
    errors.publish(f"{BASE}/action/redo", b"")  # not listed
    errors.publish(f"{BASE}/action/undo", b"")  # listed, but an undo step may change any address
    errors.publish(f"{BASE}/action/scene_recall", b"Tracking")  # not listed (and it changes the whole mix)
    errors.publish(f"{BASE}/action/gain_staging", b'{"apply": true}')  # the trims are not writable
    got = refusals(errors, 4)
    assert [e["error"]["code"] for e in got] == ["forbidden"] * 4, got
    assert "[mqtt] actions allows only undo, scene_save, generators, gain_staging" in got[0]["error"]["message"]
    assert "it can change any address" in got[1]["error"]["message"]
    assert "[mqtt] actions allows only" in got[2]["error"]["message"]
    assert "ch/1/trim" in got[3]["error"]["message"] and "ch/*/fader, gen/*/on" in got[3]["error"]["message"]
    assert control.state()[1] == before
    # What stays within the limits works: the test tones (gen/*/on writable), saving a scene.
    errors.publish(f"{BASE}/action/generators", b"ON")
    errors.publish(f"{BASE}/action/scene_save", b"Mine")
    wait_until(lambda: control.get("gen/1/on") and control.get("gen/2/on"), what="the test tones")
    wait_until(lambda: [s.name for s in scenes.scenes()] == ["Tracking", "Mine"], what="the scene saved")
    assert errors.count(f"{BASE}/error") == 4


def test_everything_writable_by_default_and_every_action_allowed(start, control, scenes, listen):
    errors = listen(f"{BASE}/error")
    bridge = start()
    assert bridge.access.everything and not bridge.access.read_only
    errors.publish(f"{BASE}/ch/1/name/set", b"Lead")
    wait_until(lambda: control.get("ch/1/name") == "Lead", what="the name")
    errors.publish(f"{BASE}/action/undo", b"")
    wait_until(lambda: control.get("ch/1/name") == "Vocal", what="the undo")
    control.set("main/fader", -20.0, "rest")
    errors.publish(f"{BASE}/action/scene_recall", b"Tracking")
    wait_until(lambda: control.get("main/fader") == 0.0, what="the scene recalled")
    errors.publish(f"{BASE}/ch/1/fadr/set", b"-6")  # the one refusal: every message before it was applied
    got = refusals(errors, 1)
    assert [e["topic"] for e in got] == [f"{BASE}/ch/1/fadr/set"]


# ---- Home Assistant: no control that would be refused ----

def test_home_assistant_gets_read_only_entities_for_what_mqtt_may_not_change(start, listen):
    listener = listen(f"{HA}/#")
    start(writable=("main/fader", "bus/*/mute"), actions=("scene_recall", "generators"))
    wait_until(lambda: ("select", "scene") in configs(listener) or ("sensor", "scene") in configs(listener),
               what="the discovery configs")
    wait_until(lambda: ("binary_sensor", "test_tones") in configs(listener), what="every discovery config")
    got = configs(listener)
    assert ("number", "main_fader") in got and ("sensor", "main_fader") not in got
    assert ("binary_sensor", "main_mute") in got and ("switch", "main_mute") not in got
    assert ("sensor", "bus_1_fader") in got and ("switch", "bus_1_mute") in got
    sensor = got[("sensor", "bus_1_fader")]
    assert "command_topic" not in sensor and sensor["state_topic"] == f"{BASE}/bus/1/fader"
    assert sensor["unit_of_measurement"] == "dB" and sensor["default_entity_id"] == "sensor.mixerd_test_bus_1_fader"
    mute = got[("binary_sensor", "main_mute")]
    assert (mute["payload_on"], mute["payload_off"], mute["state_topic"]) == ("true", "false", f"{BASE}/main/mute")
    # scene_recall is listed, but a scene changes more than main/fader and the mutes: the scene is shown, not offered
    assert ("select", "scene") not in got and got[("sensor", "scene")]["state_topic"] == f"{BASE}/scene"
    assert ("switch", "test_tones") not in got  # gen/*/on is not writable
    assert ("button", "undo") not in got and ("button", "redo") not in got


def test_read_only_home_assistant_has_no_control_at_all(start, listen):
    listener = listen(f"{HA}/#")
    start(read_only=True)
    # main, mix 1, mix 2: a fader sensor, a mute binary sensor, a loudness sensor, a ring-out binary sensor; the
    # scene; the test tones; the two talk buttons; the feedback finder's two switches, all as binary sensors
    wait_until(lambda: len(configs(listener)) == 18, what="every discovery config")
    got = configs(listener)
    assert not [k for k, c in got.items() if "command_topic" in c], got.keys()
    assert {c for c, _ in got} == {"sensor", "binary_sensor"}


def test_entities_that_became_read_only_are_replaced(start, listen):
    """A number offered by an earlier run is cleared when the same fader is read-only now."""
    listener = listen(f"{HA}/#")
    bridge = start()
    wait_until(lambda: ("number", "bus_1_fader") in configs(listener), what="the fader as a number")
    bridge.stop()
    start(writable=("main/**",))
    wait_until(lambda: ("sensor", "bus_1_fader") in configs(listener), what="the fader as a sensor")
    wait_until(lambda: ("number", "bus_1_fader") not in configs(listener), what="the number removed")


# ---- the config ----

@pytest.mark.parametrize("toml, words", [
    ('writable = ["ch/*/fad*"]', 'mqtt.writable has "ch/*/fad*": \'*\' must be a whole segment'),
    ('writable = ["/bus/2/*"]', "mqtt.writable has \"/bus/2/*\": it starts or ends with '/'"),
    ('writable = "ch/*/fader"', "mqtt.writable = \"ch/*/fader\" is a string but must be an array"),
    ('writable = [""]', 'mqtt.writable has "": it is empty'),
    ('actions = ["scene_recal"]', 'did you mean "scene_recall"?'),
    ('read_only = "yes"', "mqtt.read_only = \"yes\" is a string but must be a boolean"),
    ("loudness_interval = 1", "mqtt.loudness_interval = 1.0 is too short"),
    ("loudness_interval = -5", "mqtt.loudness_interval = -5.0 is out of range; allowed: 0 (no loudness sensors) or 5 to 3600 s"),
])
def test_config_mistakes_are_answered_clearly(tmp_path, toml, words):
    path = tmp_path / "mixerd.toml"
    path.write_text(f"[mqtt]\n{toml}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert words in str(info.value), str(info.value)


def test_config_limits_read_from_a_file(tmp_path):
    path = tmp_path / "mixerd.toml"
    path.write_text('[mqtt]\nwritable = ["ch/*/fader", "bus/2/**"]\nactions = ["undo"]\nloudness_interval = 0\n')
    cfg = load_config(path).mqtt
    assert cfg.writable == ("ch/*/fader", "bus/2/**") and cfg.actions == ("undo",) and cfg.loudness_interval == 0.0
    default = MqttConfig()
    assert default.writable == ("**",) and not default.read_only and "scene_recall" in default.actions


def test_a_pattern_that_matches_nothing_here_lets_nothing_through(control, caplog):
    """The config may serve several interfaces, so such a pattern is not fatal: it is logged with a
    "did you mean" and changes nothing."""
    from mixerd.mqtt.access import Access

    access = Access(control.tree, writable=("bus/9/*", "ch/*/fadr"), actions=())
    assert not access.may_set("bus/1/fader") and not access.may_set("ch/1/fader")
    assert "did you mean 'ch/*/fader'" in caplog.text and "bus/9/*" in caplog.text
