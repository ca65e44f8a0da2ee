"""A whole mixer against a real jackd: audio in through JACK, changed over real HTTP, measured out."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from support import PERIOD, RATE, Probe, peak_db, rms_db

from mixerd.config import Config
from mixerd.daemon import Mixer

pytestmark = pytest.mark.jack


@pytest.fixture(scope="module")
def mixer(jack_mixer):
    return jack_mixer


@pytest.fixture(scope="module")
def api(jack_api):
    return jack_api


@pytest.fixture(scope="module")
def probe(mixer, jack_server):
    p = Probe.tone_into_input_1(jack_server, ["mixerd:bus_2", "mixerd:main_L", "mixerd:solo_L", "mixerd:solo_R"])
    yield p
    p.close()


def put(api, address, value):
    r = api.put(f"/params/{address}", json={"value": value})
    assert r.status_code == 200, r.text
    return r.json()


def settle():
    # Ramps last 10 ms; a few JACK periods later the new gain is in every sample we record.
    time.sleep(0.1)


def test_send_level_over_rest_changes_the_bus_output_by_exactly_that(api, probe):
    put(api, "ch/1/send/2/pre", True)
    put(api, "ch/1/send/2/level", 0.0)
    settle()
    at_0 = rms_db(probe.record(0.5)[0])
    put(api, "ch/1/send/2/level", -6.0)
    settle()
    at_6 = rms_db(probe.record(0.5)[0])
    assert at_0 == pytest.approx(rms_db(0.25 * np.sin(np.linspace(0, 2000 * np.pi, 48000))), abs=0.1)
    assert at_6 - at_0 == pytest.approx(-6.0, abs=0.1)

    put(api, "ch/1/mute", True)
    settle()
    assert peak_db(probe.record(0.3)[0]) < -90
    put(api, "ch/1/mute", False)
    settle()
    assert rms_db(probe.record(0.3)[0]) == pytest.approx(at_6, abs=0.1)


def test_talkback_over_rest_is_heard_at_the_mix_while_the_button_is_on(api, probe):
    """Channel 1 as the talkback mic, its own send to mix 2 closed: talk button 1 (talking to mix 2) makes it
    heard at the mix's port at the talkback level; off, it is gone again."""
    setup = {"ch/1/send/2/level": -90.0, "talkback/source": "ch/1", "talkback/1/to/2": True}
    before = {address: api.get(f"/params/{address}").json()["value"] for address in setup}
    assert api.patch("/params", json={"changes": setup}).status_code == 200
    try:
        settle()
        assert peak_db(probe.record(0.3)[0]) < -90
        put(api, "talkback/1/on", True)
        settle()
        assert rms_db(probe.record(0.5)[0]) == pytest.approx(rms_db(0.25 * np.sin(np.linspace(0, 2000 * np.pi, 48000))),
                                                             abs=0.1)
        put(api, "talkback/1/on", False)
        settle()
        assert peak_db(probe.record(0.3)[0]) < -90
    finally:
        api.patch("/params", json={"changes": {**before, "talkback/1/on": False}})


def test_meters_agree_with_what_the_probe_measures(api, probe):
    put(api, "ch/1/send/2/level", -6.0)
    put(api, "ch/1/pan", -100.0)  # all of channel 1 on main L
    settle()
    recorded = probe.record(0.5)
    meters = api.get("/meters").json()["points"]
    assert meters["ch/1/input"]["peak"][0] == pytest.approx(20 * np.log10(0.25), abs=0.2)
    assert meters["ch/1/input"]["rms"][0] == pytest.approx(rms_db(0.25 * np.sin(np.arange(48000) * 0.1309)), abs=0.2)
    assert meters["bus/2"]["rms"][0] == pytest.approx(rms_db(recorded[0]), abs=0.2)
    assert meters["bus/2"]["peak"][0] == pytest.approx(peak_db(recorded[0]), abs=0.2)
    assert meters["main"]["rms"][0] == pytest.approx(rms_db(recorded[1]), abs=0.2)


def test_invalid_input_is_refused_and_changes_nothing(api, probe):
    before = api.get("/state").json()
    r = api.put("/params/ch/1/send/2/level", json={"value": 40})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "out_of_range" and err["address"] == "ch/1/send/2/level" and err["allowed"]
    r = api.put("/params/ch/1/sned/2/level", json={"value": -6})
    assert r.status_code == 404 and "did you mean" in r.json()["error"]["message"]
    r = api.put("/params/ch/1/mute", json={"value": "yes please"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "wrong_type"
    assert api.get("/state").json() == before


def test_health_reports_the_running_engine(api, mixer):
    h = api.get("/health").json()
    e = h["engine"]
    assert h["status"] == "ok" and e["running"] and e["cycles_advancing"]
    assert e["sample_rate"] == RATE and e["period"] == PERIOD
    assert 0.0 <= e["dsp_load"] <= 100.0 and e["xruns"] >= 0
    later = api.get("/health").json()["engine"]["cycles"]
    deadline = time.monotonic() + 5
    while later <= e["cycles"] and time.monotonic() < deadline:
        time.sleep(0.01)
        later = api.get("/health").json()["engine"]["cycles"]
    assert later > e["cycles"]



def patch(api, changes):
    r = api.patch("/params", json={"changes": changes})
    assert r.status_code == 200, r.text


def test_solo_over_rest_changes_what_the_solo_ports_carry(api, probe):
    # The demo profile wires the solo bus to the phones outputs.
    assert probe.client.get_all_connections("mixerd:solo_L")[0].name == "system:playback_9"
    assert probe.client.get_all_connections("mixerd:solo_R")[0].name == "system:playback_10"
    patch(api, {"ch/1/mute": False, "ch/1/fader": 0.0, "ch/1/pan": 0.0, "ch/1/main": True, "solo/mode": "pfl",
                "solo/level": 0.0})
    settle()
    # Nothing soloed: the solo pair carries the main.
    main_l, solo_l, solo_r = probe.record(0.3)[1:]
    assert rms_db(main_l) == pytest.approx(-18.06, abs=0.1)  # the −12 dBFS sine panned centre (−3 dB)
    assert rms_db(solo_l) == pytest.approx(rms_db(main_l), abs=0.05) and rms_db(solo_r) == pytest.approx(-18.06, abs=0.1)

    # PFL of a muted channel: the engineer hears it (full level, both ears) while the main stays silent.
    patch(api, {"ch/1/mute": True, "ch/1/solo": True})
    settle()
    main_l, solo_l, solo_r = probe.record(0.3)[1:]
    assert peak_db(main_l) < -90
    assert peak_db(solo_l) == pytest.approx(-12.04, abs=0.1) and peak_db(solo_r) == pytest.approx(-12.04, abs=0.1)
    assert api.get("/meters").json()["points"]["solo"]["peak"][0] == pytest.approx(-12.04, abs=0.2)

    # AFL follows the mute and the fader; the phones level trims it.
    put(api, "solo/mode", "afl")
    settle()
    assert peak_db(probe.record(0.3)[2]) < -90
    patch(api, {"ch/1/mute": False, "ch/1/fader": -6.0, "solo/level": -4.0})
    settle()
    assert peak_db(probe.record(0.3)[2]) == pytest.approx(-12.04 - 3.01 - 6.0 - 4.0, abs=0.1)

    # Soloing a mix (bus 2, channel 1 at −10 dB pre-fader) alongside: both are heard, then only the mix.
    patch(api, {"ch/1/send/2/pre": True, "ch/1/send/2/level": -10.0, "bus/2/fader": 0.0, "bus/2/mute": False,
                "bus/2/solo": True, "ch/1/solo": False, "solo/level": 0.0})
    settle()
    bus, _, solo_l, solo_r = probe.record(0.3)
    assert peak_db(bus) == pytest.approx(-22.04, abs=0.1)
    np.testing.assert_allclose(solo_l, bus, atol=1e-5)
    np.testing.assert_allclose(solo_r, bus, atol=1e-5)

    # Clearing every solo brings the main back to the phones.
    patch(api, {"bus/2/solo": False, "solo/mode": "pfl"})
    settle()
    _, main_l, solo_l, _ = probe.record(0.3)
    assert rms_db(solo_l) == pytest.approx(rms_db(main_l), abs=0.05) and rms_db(main_l) > -30


def test_eq_and_compressor_change_the_level_at_the_output_port(api, probe):
    patch(api, {"ch/1/mute": False, "ch/1/send/2/pre": True, "ch/1/send/2/level": 0.0})
    settle()
    base = peak_db(probe.record(0.3)[0])
    assert base == pytest.approx(-12.04, abs=0.1)  # the probe's 0.25 sine, pre-fader at 0 dB

    # A +6 dB peaking band centred on the tone lifts it by 6 dB (sends tap after the inserts).
    patch(api, {"ch/1/eq/2/type": "peaking", "ch/1/eq/2/freq": 1000.0, "ch/1/eq/2/q": 1.0, "ch/1/eq/2/gain": 6.0})
    settle()
    assert peak_db(probe.record(0.3)[0]) - base == pytest.approx(6.0, abs=0.1)
    put(api, "ch/1/eq/2/gain", 0.0)

    # Compressor, hard knee, 4:1 above -24 dBFS: a -12 dBFS tone comes out at -24 + 12/4 = -21.
    patch(api, {"ch/1/dyn/threshold": -24.0, "ch/1/dyn/ratio": 4.0, "ch/1/dyn/knee": 0.0,
                "ch/1/dyn/attack": 1.0, "ch/1/dyn/release": 200.0, "ch/1/dyn/on": True})
    time.sleep(0.5)
    assert peak_db(probe.record(0.3)[0]) - base == pytest.approx(-9.0, abs=0.3)
    assert api.get("/meters").json()["points"]["ch/1/inserts"]["dyn_gr"] == pytest.approx(9.0, abs=0.5)
    put(api, "ch/1/dyn/on", False)
    settle()
    assert peak_db(probe.record(0.3)[0]) == pytest.approx(base, abs=0.1)


def test_state_survives_a_restart_and_a_damaged_database_is_set_aside(jack_server, tmp_path, caplog):
    """Mixer.start() opens the store in config.state.dir: the starting mix only on a first start, the
    saved mix after a restart, defaults (and a clear log line) when the database was damaged."""
    import logging

    from mixerd.store import DB_NAME

    cfg = Config()
    cfg = dataclasses.replace(
        cfg, jack=dataclasses.replace(cfg.jack, server=jack_server, start_server="never", client_name="mixerd-state"),
        state=dataclasses.replace(cfg.state, dir=tmp_path), mqtt=dataclasses.replace(cfg.mqtt, enabled=False))

    def run(check, initial=None):
        m = Mixer(cfg, initial_changes=initial or {})
        m.start()
        try:
            check(m)
        finally:
            m.stop()
        assert m.store is None  # closed on stop

    strip = {"ch/2/eq/2/gain": 6.0, "ch/2/dyn/on": True, "ch/2/order": "dyn>eq", "bus/1/limiter/threshold": -9.0,
             "bus/5/fx/size": 80.0, "bus/5/return/1/level": -6.0, "dca/1/fader": -3.0, "ch/2/dca/1": True}

    def first(m):
        assert m.control.store is m.store and m.control.get("ch/1/name") == "Kick"
        m.control.set_many(strip, "rest")
        m.control.set("ch/1/fader", -7.5, "rest")

    def second(m):
        assert m.control.get("ch/1/name") == "Kick" and m.control.get("ch/1/fader") == -7.5  # not the demo mix again
        # the strip, bus, FX and group settings came back too, and the engine was loaded with them
        assert {a: m.control.get(a) for a in strip} == strip
        assert all(m.engine._state[a] == v for a, v in strip.items())
        assert m.control.undo().step == 2 and m.control.get("ch/1/fader") == 0.0

    def recovered(m):
        assert m.store.recovered_from is not None
        assert m.control.get("ch/1/name") == "Snare" and m.control.get("ch/1/fader") == 0.0  # a fresh start

    run(first, {"ch/1/name": "Kick"})
    run(second, {"ch/1/name": "Snare"})
    (tmp_path / DB_NAME).write_bytes(b"\x00garbage" * 1000)
    with caplog.at_level(logging.ERROR):
        run(recovered, {"ch/1/name": "Snare"})
    assert "damaged" in caplog.text and "broken-" in caplog.text
