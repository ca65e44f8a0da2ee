"""OSC in a whole mixer (``daemon.Mixer``) in a real jackd: an X AIR client library moves a fader and the audio
at the main output follows; a port that is taken leaves the mixer running without OSC."""

from __future__ import annotations

import dataclasses
import logging
import socket
import time

import pytest
from osc_rig import xair
from support import Probe, mixer_config, rms_db, wait_until

from mixerd.cli import _osc_state
from mixerd.daemon import Mixer

pytestmark = pytest.mark.jack


def osc_mixer(jack_server: str, state_dir, **osc) -> Mixer:
    cfg = mixer_config(jack_server, state_dir)
    settings = {"enabled": True, "host": "127.0.0.1", "port": 0, **osc}
    return Mixer(dataclasses.replace(cfg, osc=dataclasses.replace(cfg.osc, **settings)))


def test_an_x_air_app_moves_a_fader_and_the_main_output_follows(jack_server, tmp_path):
    mixer = osc_mixer(jack_server, tmp_path)
    mixer.start()
    probe = None
    try:
        probe = Probe.tone_into_input_1(jack_server, ["mixerd:main_L"])
        with xair(mixer.osc) as app:
            app.strip[0].mix.fader = 0.0
            wait_until(lambda: mixer.control.get("ch/1/fader") == 0.0, what="0 dB")
            time.sleep(0.1)  # the 10 ms ramp, then whole periods at the new gain (a wait, not a measurement)
            at_0 = rms_db(probe.record(0.5)[0])
            app.strip[0].mix.fader = -10.0
            wait_until(lambda: mixer.control.get("ch/1/fader") == -10.0, what="-10 dB")
            time.sleep(0.1)
            at_10 = rms_db(probe.record(0.5)[0])
        assert at_10 - at_0 == pytest.approx(-10.0, abs=0.1)
        assert mixer.control.history(1)[0].origin == "osc"
    finally:
        if probe is not None:
            probe.close()
        mixer.stop()
    assert mixer.osc is None


def test_a_taken_port_leaves_the_mixer_running_without_osc(jack_server, tmp_path, caplog):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        mixer = osc_mixer(jack_server, tmp_path, port=taken.getsockname()[1])
        with caplog.at_level(logging.ERROR, "mixerd.osc"):
            mixer.start()
        try:
            assert mixer.osc is None and mixer.control is not None
            assert any("cannot listen on udp 127.0.0.1" in r.message for r in caplog.records)
            assert _osc_state(mixer.config, mixer) == "not listening (port taken)"  # the systemd status line
            mixer.control.set("ch/1/fader", -3.0, "rest")  # the mixer works on
        finally:
            mixer.stop()


def test_health_says_where_apps_reach_osc_and_a_snapshot_loads_the_scene(jack_server, tmp_path):
    import httpx
    from osc_rig import Peer

    from mixerd.daemon import bind_http

    sock = bind_http("127.0.0.1", 0)
    mixer = osc_mixer(jack_server, tmp_path)
    mixer = Mixer(dataclasses.replace(mixer.config, auth=dataclasses.replace(mixer.config.auth, enabled=False)),
                  http_socket=sock)
    mixer.start()
    app = Peer(mixer.osc.address)
    try:
        with httpx.Client(base_url=mixer.web_url + "api/v1", timeout=10) as http:
            osc = http.get("/health").json()["osc"]
            host, port = mixer.osc.address
            assert osc["listening"] == f"{host}:{port}" and osc["followers"] == 0 and osc["read_only"] is False
            assert _osc_state(mixer.config, mixer) == "0 apps"
            app.send("/xremote")
            app.sync()
            assert http.get("/health").json()["osc"]["followers"] == 1
            assert _osc_state(mixer.config, mixer) == "1 app"  # the systemd status line: "OSC 1 app"

            assert http.put("/params/ch/2/fader", json={"value": -12.0}).status_code == 200
            assert http.post("/scenes", json={"name": "Verse"}).status_code in (200, 201)
            assert http.put("/params/ch/2/fader", json={"value": 0.0}).status_code == 200
            assert app.ask("/-snap/01/name") == ["Verse"]
            app.send("/-snap/load", 1)
            wait_until(lambda: mixer.control.get("ch/2/fader") == -12.0, what="the scene loaded from the app")
    finally:
        app.close()
        mixer.stop()
        sock.close()
