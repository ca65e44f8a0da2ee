"""Signal-flow problems and the gain-staging assistant over MQTT, on a whole mixer in a real jackd with a
real mosquitto: ``{base}/diagnostics`` (retained) follows a mute, ``action/gain_staging`` listens and
publishes its result on ``{base}/gain_staging``, a bad request goes to ``{base}/error``."""

from __future__ import annotations

import json

import pytest
from support import mixer_config, wait_until

from mixerd.daemon import Mixer

BASE = "mixerd/diag"


@pytest.fixture
def mixer(jack_server, broker, tmp_path):
    cfg = mixer_config(jack_server, tmp_path / "state", mqtt={"broker": broker.url, "node_id": "diag", "meter_rate": 0.0})
    m = Mixer(cfg, initial_changes={"gen/1/on": True, "gen/1/target": "ch/1", "gen/1/level": -12.0})
    m.start()
    wait_until(lambda: m.mqtt.connected, what="mixerd on the broker")
    yield m
    m.stop()


def codes(listener, address):
    message = listener.last(f"{BASE}/diagnostics")
    return {p["code"] for p in (message or {}).get("problems", []) if p["address"] == address}


def test_the_problems_topic_follows_a_mute(mixer, listen):
    listener = listen(f"{BASE}/#")
    wait_until(lambda: listener.last(f"{BASE}/diagnostics") is not None, what="the diagnostics topic")
    late = listen(f"{BASE}/diagnostics")  # retained: a client that subscribes later gets it at once
    wait_until(lambda: f"{BASE}/diagnostics" in late.retained, what="the retained diagnostics")
    listener.publish(f"{BASE}/ch/1/mute/set", "ON")
    wait_until(lambda: "muted" in codes(listener, "ch/1"), what="muted on the diagnostics topic")
    message = listener.last(f"{BASE}/diagnostics")
    assert message["count"] == len(message["problems"]) and message["worst"] in ("error", "warning")
    muted = next(p for p in message["problems"] if p["code"] == "muted")
    assert muted["fix_address"] == "ch/1/mute" and muted["fix"]
    listener.publish(f"{BASE}/ch/1/mute/set", "OFF")
    wait_until(lambda: "muted" not in codes(listener, "ch/1"), what="the mute cleared on the topic")


def test_gain_staging_action(mixer, listen):
    listener = listen(f"{BASE}/#")
    listener.publish(f"{BASE}/action/gain_staging", json.dumps({"channels": [1], "listen_s": 1.5, "apply": True}))
    wait_until(lambda: listener.last(f"{BASE}/gain_staging") is not None, 20, "the gain-staging result")
    result = listener.last(f"{BASE}/gain_staging")
    assert result["applied"] and result["channels"][0]["proposed_trim_db"] == pytest.approx(-6.0, abs=0.3)
    assert mixer.control.get("ch/1/trim") == result["channels"][0]["proposed_trim_db"]
    listener.wait_for(f"{BASE}/ch/1/trim", result["channels"][0]["proposed_trim_db"])

    listener.publish(f"{BASE}/action/gain_staging", json.dumps({"listen_s": 500}))
    wait_until(lambda: listener.last(f"{BASE}/error") is not None, what="an error for a bad request")
    error = listener.last(f"{BASE}/error")
    assert error["topic"].endswith("action/gain_staging") and error["error"]["address"] == "listen_s"
    assert error["error"]["allowed"]
