"""The monitor engineer's tools from Home Assistant's side: MQTT into the whole mixer on a real jackd.

A probe plays a -12 dBFS 1 kHz sine into channel 1 and records mix 2's output port. Over MQTT only: the talk
button puts the talkback mic (channel 1, its sends closed) into the mix at the talkback level and takes it out
again; a graphic EQ band cut at 1 kHz takes the tone down by the cut; the output delay is set. A real acoustic
loop (tests/feedback_loop.py: mix 2 back into channel 1 through a resonance with gain) howls while mix 2 is rung
out, ``{base}/diagnostics`` names the feedback, and the auto notch switched on over MQTT stops it. Every wait is
for what it is about (a level at the output, a problem on the topic), never for time."""

from __future__ import annotations

import paho.mqtt.client as mqtt
import pytest
from feedback_loop import looping
from support import Probe, mixer_config, peak_db, running_mixer, wait_until

pytestmark = pytest.mark.jack
BASE = "mixerd/tools"
TONE_DB = -12.04  # the probe's sine


@pytest.fixture
def mixer(jack_server, broker, tmp_path):
    with running_mixer(mixer_config(jack_server, tmp_path / "state",
                                    mqtt={"broker": broker.url, "node_id": "tools"})) as m:
        yield m


@pytest.fixture
def send(broker):
    """Publish ``{base}/<address>/set`` as Home Assistant does (plain payloads), waiting for the broker."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="home-assistant")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    yield lambda address, payload: client.publish(f"{BASE}/{address}/set", payload, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def settles(probe: Probe, heard_right, what: str) -> None:
    """Wait until the recorded output's peak (dBFS) is ``heard_right`` (the ramp done, the change heard)."""
    heard: list[float] = []

    def now_right() -> bool:
        heard.append(peak_db(probe.record(0.2)[0]))
        return heard_right(heard[-1])

    try:
        wait_until(now_right, timeout=30, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: heard {heard[-5:]} dBFS") from None


def settles_at(probe: Probe, expected_db: float, what: str) -> None:
    settles(probe, lambda peak: abs(peak - expected_db) <= 0.2, f"{what} ({expected_db:.2f} dBFS)")


def test_talkback_graphic_eq_and_delay_over_mqtt_are_heard_at_the_output(mixer, jack_server, send):
    control = mixer.control
    probe = Probe.tone_into_input_1(jack_server, ["mixerd:bus_2"])
    try:
        # Channel 1 is the talkback mic; its own sends stay closed: mix 2 hears it only while the button is on.
        for address, payload in (("talkback/source", "ch/1"), ("talkback/1/to/2", "ON"), ("talkback/1/on", "ON")):
            send(address, payload)
        wait_until(lambda: control.get("talkback/1/on") is True, what="talking")
        assert control.get("ch/1/send/2/level") <= -90
        settles_at(probe, TONE_DB, "the talkback mic in mix 2 at 0 dB")
        send("talkback/1/on", "OFF")
        settles(probe, lambda peak: peak < -100, "the mic gone from mix 2")

        # The graphic EQ: the tone through a 0 dB send, then band 18 (1 kHz, the tone's own) cut by 12 dB.
        for address, payload in (("talkback/source", "none"), ("ch/1/send/2/pre", "ON"), ("ch/1/send/2/on", "ON"),
                                 ("ch/1/send/2/level", "0"), ("bus/2/geq/on", "ON"), ("bus/2/geq/18/gain", "-12")):
            send(address, payload)
        wait_until(lambda: control.get("bus/2/geq/18/gain") == -12.0, what="the band cut")
        settles_at(probe, TONE_DB - 12.0, "the tone 12 dB down")
        send("bus/2/geq/on", "OFF")  # bypassed: the tone as it was
        settles_at(probe, TONE_DB, "the graphic EQ bypassed")

        send("bus/2/delay", "12.5")
        wait_until(lambda: control.get("bus/2/delay") == 12.5, what="the output delay")
        settles_at(probe, TONE_DB, "the delayed tone (a steady tone, as loud)")
    finally:
        probe.close()


def test_a_howl_is_named_on_the_diagnostics_topic_and_the_auto_notch_set_over_mqtt_stops_it(
        mixer, jack_server, send, listen):
    control = mixer.control
    diagnostics = listen(f"{BASE}/diagnostics")
    for address, payload in (("ch/1/send/2/pre", "ON"), ("ch/1/send/2/on", "ON"), ("ch/1/send/2/level", "0"),
                             ("bus/2/fader", "0"), ("bus/2/ringout", "ON")):
        send(address, payload)
    wait_until(lambda: control.get("bus/2/ringout") is True, what="ringing out mix 2")

    def howls() -> list[dict]:
        last = diagnostics.last(f"{BASE}/diagnostics") or {"problems": []}
        return [p for p in last["problems"] if p["code"] == "feedback"]

    with looping(jack_server, "mixerd:bus_2", "mixerd:in_1"):
        wait_until(lambda: howls(), timeout=60, what="the howl on the diagnostics topic")
        howl = howls()[0]
        assert howl["address"] == "bus/2" and "feedback at" in howl["message"] and howl["fix_address"]

        send("feedback/auto", "ON")
        wait_until(lambda: any(e.actor == "feedback" for e in control.history(20)), timeout=30,
                   what="the finder's notch")
        wait_until(lambda: not howls(), timeout=60, what="the howl gone from the diagnostics topic")
        wait_until(lambda: max(control.meters()["points"]["bus/2"]["peak"]) < -40, timeout=60, what="the wedge quiet")
