"""The MQTT front end against a real mosquitto: retained state, commands in JSON and plain payloads,
errors that change nothing, actions, coalesced drags, availability and the will, broker restarts."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import Broker, self_signed, wait_until

from mixerd.config import MqttConfig
from mixerd.control import Control
from mixerd.control.scenes import SceneService
from mixerd.model import BusLayout, Layout, ParamTree
from mixerd.mqtt import MqttBridge

BASE = "mixerd/test"
LAYOUT = Layout(inputs=("Vocal", "Guitar", "Keys"), buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True)),
                generators=2)


@pytest.fixture
def control():
    return Control(ParamTree.from_layout(LAYOUT))


@pytest.fixture
def bridge(broker, control):
    cfg = MqttConfig(broker=broker.url, node_id="test", meter_rate=0)
    b = MqttBridge(control, cfg, SceneService(control))
    b.start()
    wait_until(lambda: b.connected, timeout=10, what="the bridge connected")
    yield b
    b.stop()


def test_every_address_is_retained_and_follows_changes(bridge, control, listen):
    listener = listen(f"{BASE}/#")
    addresses = control.tree.addresses()
    wait_until(lambda: all(listener.count(f"{BASE}/{a}") for a in addresses), what="the whole state")
    late = listen(f"{BASE}/#")  # a later subscriber gets it all at once, retained
    wait_until(lambda: {f"{BASE}/{a}" for a in addresses} <= late.retained, what="the retained state")
    assert listener.last(f"{BASE}/ch/1/name") == "Vocal" and listener.last(f"{BASE}/ch/1/fader") == 0.0
    assert listener.messages[f"{BASE}/availability"][-1] == b"online"  # plain text, as Home Assistant expects
    control.set("ch/2/fader", -7.5, "rest")
    listener.wait_for(f"{BASE}/ch/2/fader", -7.5)
    assert listener.count(f"{BASE}/meters") == 0  # meter_rate = 0: no meters


@pytest.mark.parametrize("address, payload, value", [
    ("ch/1/fader", b"-6", -6.0), ("ch/1/fader", b'"-6"', -6.0), ("ch/1/fader", b"-6 dB", -6.0),
    ("ch/1/mute", b"true", True), ("ch/1/mute", b"ON", True), ("ch/1/mute", b"off", False),
    ("ch/1/mute", b"1", True), ("solo/mode", b"afl", "afl"), ("solo/mode", b'"afl"', "afl"),
    ("ch/2/name", b"Lead vox", "Lead vox"), ("ch/1/send/2/level", b"-12.5", -12.5),
])
def test_set_commands_take_json_and_plain_payloads(bridge, control, listen, address, payload, value):
    if control.get(address) == value:  # "off" for a mute that is off already: make it a change
        control.set(address, not value, "rest")
    listener = listen(f"{BASE}/{address}")
    listener.publish(f"{BASE}/{address}/set", payload)
    wait_until(lambda: control.get(address) == value, what=f"{address} = {value!r}")
    listener.wait_for(f"{BASE}/{address}", value)
    assert control.history(1)[0].origin == "mqtt"


@pytest.mark.parametrize("address, payload, code, words", [
    ("ch/1/fader", b"loud", "wrong_type", "not a number"),
    ("ch/1/fader", b"40", "out_of_range", "-90"),
    ("ch/1/fadr", b"-6", "unknown_address", "did you mean 'ch/1/fader'"),
    ("ch/1/mute", b"maybe", "wrong_type", "ON/OFF"),
    ("ch/1/fader", b"\xff\xfe", "malformed_payload", "UTF-8"),
    ("ch/1/fader", b"{\"value\": -6}", "wrong_type", "not a number"),
    ("solo/mode", b"loud", "invalid_value", "pfl"),
    # What an outside probe found unanswered: JSON too deep to read, an integer beyond any float, a lone
    # UTF-16 surrogate (no UTF-8 text: it could not even be quoted back before).
    ("ch/1/fader", b"[" * 1000, "malformed_payload", "nested too deeply"),
    ("ch/1/fader", b"1" + b"0" * 400, "out_of_range", "-90"),
    ("ch/1/name", b'"x\\ud800"', "malformed_payload", "surrogate"),
])
def test_bad_commands_publish_an_error_and_change_nothing(bridge, control, listen, address, payload, code, words):
    errors = listen(f"{BASE}/error")
    _, before = control.state()
    errors.publish(f"{BASE}/{address}/set", payload)
    wait_until(lambda: errors.count(f"{BASE}/error"), what="an error message")
    error = errors.last(f"{BASE}/error")
    assert error["topic"] == f"{BASE}/{address}/set" and error["error"]["code"] == code, error
    assert words in error["error"]["message"] + (error["error"]["allowed"] or ""), error
    assert not errors.retained  # errors are events, not state
    assert control.state()[1] == before
    # ... and the bridge goes on working
    errors.publish(f"{BASE}/ch/3/fader/set", b"-3")
    wait_until(lambda: control.get("ch/3/fader") == -3.0, what="the next command")


def test_actions_undo_redo_scenes_and_generators(bridge, control, listen):
    listener = listen(f"{BASE}/#")
    listener.publish(f"{BASE}/ch/1/fader/set", b"-10")  # an automation's change
    wait_until(lambda: control.get("ch/1/fader") == -10.0, what="the change")
    control.set("ch/2/fader", -6, "rest")  # someone else's, after it
    listener.publish(f"{BASE}/action/undo", b"")
    wait_until(lambda: control.get("ch/1/fader") == 0.0, what="undo")
    assert control.get("ch/2/fader") == -6.0  # MQTT's undo takes back MQTT's own changes only
    listener.publish(f"{BASE}/action/redo", b"")
    wait_until(lambda: control.get("ch/1/fader") == -10.0, what="redo")
    listener.publish(f"{BASE}/action/scene_save", b"Tracking")
    wait_until(lambda: [s.name for s in bridge.scenes.scenes()] == ["Tracking"], what="the scene saved")
    control.set("ch/1/fader", -30, "rest")
    listener.publish(f"{BASE}/action/scene_recall", b"Tracking")
    wait_until(lambda: control.get("ch/1/fader") == -10.0, what="the scene recalled by name")
    control.set("ch/1/fader", -30, "rest")
    listener.publish(f"{BASE}/action/scene_recall", str(bridge.scenes.scenes()[0].id).encode())
    wait_until(lambda: control.get("ch/1/fader") == -10.0, what="the scene recalled by id")
    listener.publish(f"{BASE}/action/generators", b"ON")
    wait_until(lambda: control.get("gen/1/on") and control.get("gen/2/on"), what="the generators on")
    listener.wait_for(f"{BASE}/gen/2/on", True)
    listener.publish(f"{BASE}/action/scene_recall", b"Nope")
    listener.publish(f"{BASE}/action/dance", b"")
    listener.publish(f"{BASE}/action/scene_recall", b"99")
    wait_until(lambda: listener.count(f"{BASE}/error") == 3, what="three errors")
    errors = [json.loads(p)["error"] for p in listener.messages[f"{BASE}/error"]]
    assert [e["code"] for e in errors] == ["not_found", "unknown_action", "not_found"]
    # The scenes' own error, in MQTT's words: no REST endpoint named to an MQTT user.
    assert "there is no scene 99" in errors[2]["message"] and "/api/v1" not in errors[2]["message"]
    assert f"{BASE}/scene" in errors[2]["message"]


def test_a_drag_is_coalesced_and_its_last_value_arrives(bridge, control, listen):
    listener = listen(f"{BASE}/ch/1/fader")
    listener.wait_for(f"{BASE}/ch/1/fader", 0.0)
    listener.clear()
    values = [-0.25 * k for k in range(1, 201)]
    for v in values:
        control.set("ch/1/fader", v, "ws")
    listener.wait_for(f"{BASE}/ch/1/fader", values[-1])
    assert listener.count(f"{BASE}/ch/1/fader") < len(values)


def test_the_bridge_survives_a_broker_restart(bridge, control, broker, listen):
    broker.restart()  # no persistence: the retained state is gone with it
    wait_until(lambda: bridge.stats["connects"] >= 2 and bridge.connected, timeout=40, what="the reconnect")
    listener = listen(f"{BASE}/#")
    wait_until(lambda: listener.last(f"{BASE}/ch/1/name") == "Vocal", what="the state published again")
    listener.publish(f"{BASE}/ch/1/fader/set", b"-4")
    wait_until(lambda: control.get("ch/1/fader") == -4.0, what="a command after the restart")


def test_a_broker_that_is_down_at_start_is_not_fatal(broker, control):
    broker.stop()
    b = MqttBridge(control, MqttConfig(broker=broker.url, node_id="test", meter_rate=0))
    b.start()
    try:
        control.set("ch/1/fader", -2, "rest")  # the mixer works on
        broker.start()
        wait_until(lambda: b.connected, timeout=40, what="the bridge connected once the broker came up")
    finally:
        b.stop()


def test_meters_are_published_at_the_configured_rate(broker, listen):
    from mixerd.engine import Engine

    engine = Engine(LAYOUT)  # offline: the meters read silence
    control = Control(ParamTree.from_layout(LAYOUT), engine)
    listener = listen(f"{BASE}/meters")
    b = MqttBridge(control, MqttConfig(broker=broker.url, node_id="test", meter_rate=10))
    b.start()
    try:
        wait_until(lambda: listener.count(f"{BASE}/meters") >= 3, what="meter messages")
        meters = listener.last(f"{BASE}/meters")
        assert meters["main"] == {"peak": [-120.0, -120.0], "rms": [-120.0, -120.0], "lufs_s": -120.0,
                                  "limiter_gr": 0.0}
        assert meters["ch/1/input"] == {"peak": [-120.0], "rms": [-120.0]}
        assert f"{BASE}/meters" not in listener.retained
    finally:
        b.stop()



def test_availability_offline_on_stop_and_the_will_when_killed(broker, listen, tmp_path):
    listener = listen(f"{BASE}/availability")
    # A mixerd process of its own, so it can be killed: it says "online"...
    script = (f"import time\nfrom mixerd.config import MqttConfig\nfrom mixerd.control import Control\n"
              f"from mixerd.model import Layout, ParamTree\nfrom mixerd.mqtt import MqttBridge\n"
              f"b = MqttBridge(Control(ParamTree.from_layout(Layout.simple(1, 0))), "
              f"MqttConfig(broker={broker.url!r}, node_id='test', meter_rate=0))\nb.start()\ntime.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        wait_until(lambda: listener.messages.get(f"{BASE}/availability", [])[-1:] == [b"online"], timeout=20,
                   what="online")
        os.kill(proc.pid, signal.SIGKILL)  # ... and the broker says "offline" for it
        wait_until(lambda: listener.messages[f"{BASE}/availability"][-1] == b"offline", what="the will")
    finally:
        proc.kill()
        proc.wait(5)


def test_a_clean_stop_says_offline(broker, control, listen):
    listener = listen(f"{BASE}/availability")
    b = MqttBridge(control, dataclasses.replace(MqttConfig(broker=broker.url, node_id="test"), meter_rate=0.0))
    b.start()
    wait_until(lambda: listener.messages.get(f"{BASE}/availability", [])[-1:] == [b"online"], what="online")
    b.stop()
    wait_until(lambda: listener.messages[f"{BASE}/availability"][-1] == b"offline", what="offline")


def test_credentials_and_tls_from_the_config(tmp_path, control, listen):
    cert, key = self_signed(tmp_path)
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "mixer", "s3cret"], check=True, timeout=30)
    broker = Broker(f"allow_anonymous false\npassword_file {passwords}\ncertfile {cert}\nkeyfile {key}")
    broker.start()
    cfg = MqttConfig(broker=f"mqtts://127.0.0.1:{broker.port}", username="mixer", password="s3cret", ca_file=cert,
                     node_id="test", meter_rate=0)
    good, wrong = MqttBridge(control, cfg), MqttBridge(control, dataclasses.replace(cfg, password="guess"),
                                                       client_id="mixerd-wrong")
    try:
        good.start()
        wrong.start()
        wait_until(lambda: good.connected, what="the bridge connected over TLS with its credentials")
        wait_until(lambda: wrong.stats["refused"] >= 1, what="the wrong password refused")
        assert not wrong.connected and good.status()["connected"]
    finally:
        good.stop()
        wrong.stop()
        broker.stop()


class OldBroker:
    """A broker that speaks only MQTT 3.1.1, as older ones do: a v5 CONNECT is refused with CONNACK return
    code 1 (unacceptable protocol version); a 3.1.1 connection is passed through to the real mosquitto."""

    def __init__(self, upstream_port: int):
        import socket
        import threading

        self.upstream = upstream_port
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.refused_v5 = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            first = conn.recv(4096)
            # CONNECT: fixed header, remaining length, "\x00\x04MQTT", then the protocol level
            at = first.find(b"MQTT")
            level = first[at + 4] if at >= 0 and len(first) > at + 4 else 0
            if level == 5:
                self.refused_v5 += 1
                conn.sendall(b"\x20\x02\x00\x01")
                conn.close()
                continue
            up = socket.create_connection(("127.0.0.1", self.upstream))
            up.sendall(first)
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self) -> None:
        import socket

        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close() alone does not on Linux)
        except OSError:
            pass
        self.server.close()


def test_a_broker_without_mqtt_5_gets_3_1_1(broker, control, listen):
    old = OldBroker(broker.port)
    b = MqttBridge(control, MqttConfig(broker=f"mqtt://127.0.0.1:{old.port}", node_id="test", meter_rate=0))
    try:
        b.start()
        wait_until(lambda: b.connected, timeout=30, what="connected with MQTT 3.1.1")
        assert old.refused_v5 >= 1 and b.status()["protocol"] == "3.1.1"
        listener = listen(f"{BASE}/ch/1/fader")
        listener.wait_for(f"{BASE}/ch/1/fader", 0.0)
        listener.publish(f"{BASE}/ch/1/fader/set", b"-5")
        wait_until(lambda: control.get("ch/1/fader") == -5.0, what="a command over 3.1.1")
    finally:
        b.stop()
        old.close()


def _readme_mqtt_examples() -> list[list[str]]:
    """The MQTT example commands in the README (its code block of mosquitto_sub/mosquitto_pub lines)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return [shlex.split(line, comments=True) for line in readme.splitlines() if line.startswith("mosquitto_")]


def test_the_readmes_examples_work_with_what_the_set_up_installs(broker, listen):
    """The README's mosquitto_sub/mosquitto_pub lines, run as they stand (plus the test broker's port) against
    a mixer named like the demo: the tools are there (deploy/install-deps.sh installs mosquitto-clients) and
    each line does what its comment says."""
    examples = _readme_mqtt_examples()
    assert [e[0] for e in examples] == ["mosquitto_sub"] + ["mosquitto_pub"] * 4, examples
    assert shutil.which("mosquitto_pub") and shutil.which("mosquitto_sub"), \
        "mosquitto_pub/mosquitto_sub are missing: deploy/install-deps.sh installs them (mosquitto-clients)"
    control = Control(ParamTree.from_layout(LAYOUT))
    scenes = SceneService(control)
    control.set("ch/2/fader", -10.0, "rest")
    scenes.save_scene("Verse")
    control.set("ch/2/fader", 0.0, "rest")
    bridge = MqttBridge(control, MqttConfig(broker=broker.url, node_id="demo", meter_rate=0), scenes)
    bridge.start()
    errors = listen("mixerd/demo/error")
    try:
        wait_until(lambda: bridge.connected, timeout=10, what="the bridge connected")
        port = ["-p", str(broker.port)]
        sub = subprocess.run([*examples[0], *port, "-C", "1", "-W", "10"], capture_output=True, text=True,
                             timeout=30)
        assert sub.returncode == 0 and sub.stdout.startswith("mixerd/demo/"), sub.stdout + sub.stderr
        effects = [lambda: control.get("ch/1/fader") == -6.0, lambda: control.get("bus/2/mute") is True,
                   lambda: control.get("ch/2/fader") == -10.0, lambda: errors.count("mixerd/demo/error")]
        for command, effect in zip(examples[1:], effects):
            done = subprocess.run([*command, *port], capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            wait_until(effect, what=" ".join(command))
        assert "did you mean 'ch/1/fader'" in errors.last("mixerd/demo/error")["error"]["message"]
    finally:
        bridge.stop()


@pytest.mark.parametrize("action, payload, code, words", [
    ("gain_staging", b'{"channels": [1e400]}', "wrong_type", "channels is a list of numbers"),
    ("gain_staging", b"[" * 1000, "malformed_payload", "nested too deeply"),
    ("scene_save", b'"Verse\\ud800"', "malformed_payload", "surrogate"),
    ("scene_recall", b"[" * 1000, "malformed_payload", "nested too deeply"),
])
def test_bad_actions_publish_an_error_and_change_nothing(bridge, control, listen, action, payload, code, words):
    errors = listen(f"{BASE}/error")
    _, before = control.state()
    errors.publish(f"{BASE}/action/{action}", payload)
    wait_until(lambda: errors.count(f"{BASE}/error"), what="an error message")
    error = errors.last(f"{BASE}/error")
    assert error["topic"] == f"{BASE}/action/{action}" and error["error"]["code"] == code, error
    assert words in error["error"]["message"], error
    assert control.state()[1] == before and bridge.scenes.scenes() == []
