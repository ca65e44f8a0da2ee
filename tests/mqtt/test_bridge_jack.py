"""MQTT into the whole mixer on a real jackd: a /set changes the audio at the output port, and a load of
1,000 commands a second for 10 s is applied completely and in order (bounded, loopback; the xruns it costs
are measured by `mixerd bench --workload mqtt`)."""

from __future__ import annotations

import time

import paho.mqtt.client as mqtt
import pytest
from support import Probe, mixer_config, peak_db, running_jackd, running_mixer, wait_until

from mixerd.control.events import Lagged
from mixerd.jackhost import realtime_allowed

pytestmark = pytest.mark.jack
BASE = "mixerd/jack"
RATE_PER_S, SECONDS = 1000, 10
REALTIME = realtime_allowed()


@pytest.fixture(scope="module")
def jack_server(tmp_path_factory):
    """The load is measured as the box runs: a realtime jackd (mixerd.service has LimitRTPRIO), when this
    machine allows realtime scheduling. Without it a busy 2-core machine's scheduler alone can cause xruns."""
    with running_jackd(tmp_path_factory.mktemp("jackd"), realtime=REALTIME) as name:
        yield name


@pytest.fixture
def mixer(jack_server, broker, tmp_path):
    with running_mixer(mixer_config(jack_server, tmp_path / "state",
                                    mqtt={"broker": broker.url, "node_id": "jack", "meter_rate": 2.0})) as m:
        yield m


@pytest.fixture
def sender(broker):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load-sender")
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield client
    client.loop_stop()
    client.disconnect()


def test_health_is_published_retained(mixer, listen):
    listener = listen(f"{BASE}/health")
    wait_until(lambda: listener.last(f"{BASE}/health") is not None, what="the health topic")
    health = listener.last(f"{BASE}/health")
    assert health["status"] == "ok" and health["running"] is True and health["xruns"] >= 0
    late = listen(f"{BASE}/health")
    wait_until(lambda: f"{BASE}/health" in late.retained, what="the retained health")


def test_a_set_over_mqtt_changes_the_audio_at_the_output(mixer, jack_server, sender):
    probe = Probe.tone_into_input_1(jack_server, ["mixerd:bus_2"])
    try:
        for topic, payload in ((f"{BASE}/ch/1/send/2/pre/set", "ON"), (f"{BASE}/ch/1/send/2/level/set", "0")):
            sender.publish(topic, payload, qos=1).wait_for_publish(5)
        wait_until(lambda: mixer.control.get("ch/1/send/2/level") == 0.0, what="the send open")
        time.sleep(0.1)  # the 10 ms ramp and a few periods: the new gain is in every recorded sample
        assert peak_db(probe.record(0.3)[0]) == pytest.approx(-12.04, abs=0.1)
        sender.publish(f"{BASE}/ch/1/send/2/level/set", "-6", qos=1).wait_for_publish(5)
        wait_until(lambda: mixer.control.get("ch/1/send/2/level") == -6.0, what="the send at -6 dB")
        time.sleep(0.1)
        assert peak_db(probe.record(0.3)[0]) == pytest.approx(-18.06, abs=0.1)
    finally:
        probe.close()


def test_a_thousand_commands_a_second_for_ten_seconds_all_applied_in_order(mixer, sender):
    control, engine = mixer.control, mixer.engine
    n = RATE_PER_S * SECONDS
    sent = [(f"ch/{1 + k % 8}/fader", round(-60 + (k % 700) * 0.1, 1)) for k in range(n)]
    sub = control.subscribe(maxsize=2 * n)
    xruns_before = engine.health()["engine"]["xruns"]
    start = time.monotonic()
    for k, (address, value) in enumerate(sent):  # paced: 10 commands every 10 ms
        if k % 10 == 0:
            delay = start + k / RATE_PER_S - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        sender.publish(f"{BASE}/{address}/set", str(value), qos=1)
    sending = time.monotonic() - start
    applied: list[tuple[str, float]] = []
    deadline = time.monotonic() + 60
    while len(applied) < n and time.monotonic() < deadline:
        try:
            event = sub.get(timeout=1)
        except Lagged:
            pytest.fail("the test's own event subscription lagged")
        if event is not None and event.origin == "mqtt":
            applied.append((event.address, event.value))
    done = time.monotonic() - start
    sub.close()
    health = engine.health()["engine"]
    print(f"\nMQTT load: {n} commands sent in {sending:.2f} s ({n / sending:.0f}/s), all applied after {done:.2f} s; "
          f"xruns {xruns_before} → {health['xruns']} ({'realtime' if REALTIME else 'no realtime'} jackd); "
          f"bridge {mixer.mqtt.status()}")
    assert applied == sent  # none lost, none reordered
    assert mixer.mqtt.stats["dropped_commands"] == 0 and mixer.mqtt.stats["errors"] == 0
    assert health["running"]
    # Xruns are a performance figure of the machine (a VM's vCPUs are not ours to schedule): `mixerd bench
    # --workload mqtt` measures them against a reference span without commands, in the same process.
