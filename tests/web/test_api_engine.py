"""/api/v1/meters, /health, /system and the errors outside the parameter routes, on the real engine:
offline (audio made by the core's process function) and running inside a real jackd."""

import numpy as np
import pytest
from support import PERIOD, RATE, wait_until

from mixerd.control import Control
from mixerd.engine import Engine
from mixerd.model import ParamTree
from mixerd.web import create_app

API = "/api/v1"


def tone(control, gen=1, target="ch/1", level=-12.0):
    control.set_many({f"gen/{gen}/on": True, f"gen/{gen}/target": target, f"gen/{gen}/level": level}, "rest")


def test_meters_report_what_the_engine_measured(client, control, play):
    tone(control)  # a -12 dBFS sine into channel 1
    play(4 * 4800)  # 0.4 s: longer than the 300 ms RMS window, so the 10 ms fade-in has left it
    body = client.get(f"{API}/meters").json()
    assert body["rate"] == 50
    points = body["points"]
    assert set(points) == {f"ch/{n}/{stage}" for n in (1, 2, 3) for stage in ("input", "insert1", "inserts", "post")} | {
        "main", "bus/1", "bus/2", "solo"}
    levels = {"peak", "hold", "rms", "clips"}
    assert set(points["ch/1/input"]) == set(points["ch/1/insert1"]) == set(points["ch/1/post"]) == levels
    assert set(points["ch/1/inserts"]) == levels | {"gate_gr", "dyn_gr"}
    for output in ("main", "bus/1", "bus/2"):
        assert set(points[output]) == levels | {"true_peak", "lufs_m", "lufs_s", "limiter_gr"}
    assert points["ch/1/input"]["peak"][0] == pytest.approx(-12.0, abs=0.05)
    assert points["ch/1/input"]["rms"][0] == pytest.approx(-15.01, abs=0.05)  # a sine: peak - 3.01 dB
    # HPF, gate and compressor off and a flat EQ: the inserts pass the tone unchanged, no gain reduction
    assert points["ch/1/inserts"]["peak"][0] == pytest.approx(-12.0, abs=0.05)
    assert points["ch/1/inserts"]["gate_gr"] == 0.0 and points["ch/1/inserts"]["dyn_gr"] == 0.0
    assert points["ch/1/post"]["peak"][0] == pytest.approx(-12.0, abs=0.05)  # fader at 0 dB
    assert points["main"]["peak"] == pytest.approx([-15.01, -15.01], abs=0.05)  # centre pan: -3 dB a side
    assert points["main"]["true_peak"] == pytest.approx([-15.01, -15.01], abs=0.05)  # 1 kHz: no inter-sample peaks
    # a 1 kHz sine reads 3.01 dB below its peak per channel in LUFS; two equal channels add 3.01 dB
    assert points["main"]["lufs_m"] == pytest.approx(-15.0, abs=0.1)
    assert points["main"]["lufs_s"] == pytest.approx(-15.0, abs=0.1)
    assert points["main"]["limiter_gr"] == 0.0  # far below the -1 dBFS ceiling
    assert points["ch/2/input"]["peak"] == [-120.0]  # silence sits at the floor
    assert points["ch/2/inserts"]["peak"] == [-120.0] and points["bus/1"]["lufs_m"] == -120.0
    assert len(points["bus/2"]["peak"]) == len(points["bus/2"]["true_peak"]) == 2
    assert len(points["bus/1"]["peak"]) == len(points["bus/1"]["true_peak"]) == 1
    assert points["main"]["clips"] == [0, 0]

    client.put(f"{API}/params/ch/1/fader", json={"value": -6.0})
    play()
    later = client.get(f"{API}/meters").json()
    assert later["seq"] > body["seq"]  # new meter frames came in
    assert later["points"]["ch/1/post"]["peak"][0] == pytest.approx(-18.0, abs=0.05)
    assert later["points"]["ch/1/input"]["peak"][0] == pytest.approx(-12.0, abs=0.05)  # pre-fader


def test_meters_count_clipped_samples(client, control, play):
    control.set_many({"gen/1/on": True, "gen/1/level": 0.0, "ch/1/trim": 6.0}, "rest")
    clips = client.get(f"{API}/meters").json()["points"]["ch/1/post"]["clips"][0]
    play()
    after = client.get(f"{API}/meters").json()["points"]["ch/1/post"]
    assert after["clips"][0] > clips and after["peak"][0] == pytest.approx(6.0, abs=0.05)


@pytest.mark.jack
def test_health_ok_while_running_in_jack(client, jack_host, jack_server):
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    engine = body["engine"]
    assert engine["running"] is True and engine["cycles_advancing"] is True
    assert engine["sample_rate"] == RATE and engine["period"] == PERIOD
    assert isinstance(engine["xruns"], int) and engine["xruns"] >= 0
    assert 0.0 <= engine["dsp_load"] <= 100.0
    assert body["jack"]["backend"] == "jack" and body["jack"]["server"] == jack_server
    assert body["control"]["seq"] == 0
    # the audio thread is really going: the cycle count moves between two calls
    first = engine["cycles"]
    wait_until(lambda: client.get(f"{API}/health").json()["engine"]["cycles"] > first, what="cycles advancing")


@pytest.mark.jack
def test_meters_while_running_in_jack(client, control, jack_host):
    tone(control, level=-20.0)

    def ch1_input_peak():
        return client.get(f"{API}/meters").json()["points"]["ch/1/input"]["peak"][0]

    wait_until(lambda: ch1_input_peak() == pytest.approx(-20.0, abs=0.05), what="the generator on the ch/1 input")


def test_health_is_503_without_an_audio_driver(client, control, play):
    tone(control)
    play()  # the core has processed audio, but nothing runs it in real time
    response = client.get(f"{API}/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["engine"]["running"] is False
    assert body["engine"]["sample_rate"] == RATE and body["engine"]["cycles"] == 4800 // PERIOD
    assert body["jack"] == {"backend": "offline"}


@pytest.mark.jack
def test_health_is_503_when_jack_stops(client, jack_host):
    assert client.get(f"{API}/health").status_code == 200
    jack_host.stop()
    response = client.get(f"{API}/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["engine"]["running"] is False
    assert body["jack"]["backend"] == "jack"


def test_without_an_engine(layout):
    from fastapi.testclient import TestClient

    with TestClient(create_app(Control(ParamTree.from_layout(layout)))) as client:
        health = client.get(f"{API}/health")
        assert health.status_code == 503 and health.json()["status"] == "down"
        assert client.get(f"{API}/meters").json() == {"seq": 0, "rate": 0, "points": {}}
        assert client.get(f"{API}/system").json()["layout"]["inputs"] == ["Vocal", "Guitar", "Keys"]
        assert client.put(f"{API}/params/ch/1/fader", json={"value": -1}).status_code == 200


def test_system(client):
    body = client.get(f"{API}/system").json()
    assert body["layout"] == {
        "inputs": ["Vocal", "Guitar", "Keys"],
        "buses": [{"name": "Drummer", "stereo": False, "kind": "aux", "width": 1},
                  {"name": "IEM", "stereo": True, "kind": "aux", "width": 2}],
        "generators": 2,
    }
    assert body["sample_rate"] == RATE and body["ramp_ms"] == 10.0
    assert body["meter_points"] == ["ch/1/input", "ch/2/input", "ch/3/input", "ch/1/inserts", "ch/2/inserts",
                                    "ch/3/inserts", "ch/1/post", "ch/2/post", "ch/3/post", "ch/1/insert1",
                                    "ch/2/insert1", "ch/3/insert1", "main", "bus/1", "bus/2", "solo"]
    assert "audio" not in body  # offline: no driver to report on


def test_system_and_meters_with_fx_buses(layout):
    from fastapi.testclient import TestClient

    fx_layout = layout.with_fx(("reverb", "delay"))
    engine = Engine(fx_layout, sample_rate=RATE)
    try:
        tree = ParamTree.from_layout(fx_layout)
        engine.load(tree.defaults())
        with TestClient(create_app(Control(tree, link=engine))) as client:
            body = client.get(f"{API}/system").json()
            assert body["layout"] == fx_layout.to_dict()  # nothing dropped on the way out
            assert body["layout"]["buses"][2:] == [
                {"name": "Reverb", "stereo": True, "kind": "fx", "width": 2, "effect": "reverb"},
                {"name": "Delay", "stereo": True, "kind": "fx", "width": 2, "effect": "delay"}]
            assert "effect" not in body["layout"]["buses"][0]  # left out, not null
            assert body["meter_points"][-6:] == ["main", "bus/1", "bus/2", "bus/3", "bus/4", "solo"]
            engine.core.process(np.zeros((3, 4800), np.float32))
            points = client.get(f"{API}/meters").json()["points"]
            assert set(points) == set(body["meter_points"])
            assert len(points["bus/3"]["peak"]) == len(points["bus/4"]["true_peak"]) == 2  # FX returns are stereo
            assert {"lufs_m", "lufs_s", "limiter_gr"} <= set(points["bus/4"])
    finally:
        engine.stop()


@pytest.mark.jack
def test_system_reports_the_jack_client(client, jack_host, jack_server):
    audio = client.get(f"{API}/system").json()["audio"]
    assert audio["backend"] == "jack" and audio["server"] == jack_server and audio["running"] is True
    assert audio["sample_rate"] == RATE and audio["period"] == PERIOD
    assert audio["own_server"] is False and audio["unconnected"] == []


def test_unknown_route_and_method_use_the_error_body(client):
    response = client.get(f"{API}/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = client.delete(f"{API}/state")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


def test_two_apps_do_not_share_state(layout):
    from fastapi.testclient import TestClient

    a, b = (create_app(Control(ParamTree.from_layout(layout))) for _ in range(2))
    with TestClient(a) as ca, TestClient(b) as cb:
        ca.put(f"{API}/params/main/mute", json={"value": True})
        assert cb.get(f"{API}/params/main/mute").json()["value"] is False
