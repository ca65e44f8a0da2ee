"""``GET /trace/{address}``, ``GET /diagnostics``, ``POST /gain-staging`` and the WebSocket's
``diagnostics`` messages, over real HTTP, on a whole mixer in a real jackd (a generator plays into
channel 1: real audio through the core); a mix's trace as its own mix link sees it (access control on)."""

import json
import threading

import httpx
import pytest
from support import serve, wait_until
from websockets.sync.client import connect

from mixerd.control.access import Auth
from mixerd.diagnostics import CODES
from mixerd.web import create_app

TONE = {"gen/1/on": True, "gen/1/target": "ch/1", "gen/1/level": -12.0, "gen/1/type": "sine"}


@pytest.fixture(scope="module")
def api(jack_mixer):
    jack_mixer.control.set_many(TONE, "rest")
    app = create_app(jack_mixer.control, diagnostics=jack_mixer.diagnostics)
    with serve(app) as url:
        with httpx.Client(base_url=url + "/api/v1", timeout=30) as client:
            wait_until(lambda: client.get("/meters").json()["points"]["ch/1/input"]["hold"][0] > -13,
                       what="the generator's tone at channel 1")
            yield client
    jack_mixer.control.set("gen/1/on", False, "rest")


def problem(api, code, address):
    return next((p for p in api.get("/diagnostics").json()["problems"]
                 if p["code"] == code and p["address"] == address), None)


def test_trace_of_a_channel_over_http(api):
    body = api.get("/trace/ch/1").json()
    assert body["address"] == "ch/1" and body["kind"] == "channel"
    stages = {s["stage"]: s for s in body["stages"]}
    assert stages["input"]["state"]["generators"] == ["gen/1"]
    (port,) = stages["input"]["state"]["ports"]
    assert port["port"] == "mixerd:in_1" and port["connections"] == ["system:capture_1"]
    assert stages["trim"]["level"]["peak"] == pytest.approx(-12.0, abs=0.1)
    outputs = stages["outputs"]["state"]["ports"]
    assert [p["port"] for p in outputs] == ["mixerd:main_L", "mixerd:main_R"]
    assert outputs[0]["connections"] == ["system:playback_1"]
    bus = api.get("/trace/bus/1").json()
    assert bus["kind"] == "aux" and bus["stages"][0]["stage"] == "sources"
    assert bus["stages"][-1]["state"]["ports"][0]["connections"] == ["system:playback_3"]


def test_trace_of_something_that_is_not_a_path(api):
    response = api.get("/trace/dca/1")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_address" and "main" in error["allowed"]


def test_diagnostics_list_codes_and_follow_a_mute(api, jack_mixer):
    body = api.get("/diagnostics").json()
    assert set(body["codes"]) == set(CODES) and body["codes"]["muted"]["severity"] == "warning"
    jack_mixer.control.set("ch/1/mute", True, "rest")
    try:
        wait_until(lambda: problem(api, "muted", "ch/1"), what="muted at ch/1")
        found = problem(api, "muted", "ch/1")
        assert found["fix_address"] == "ch/1/mute" and found["since"] > 0
        assert api.get("/trace/ch/1").json()["stages"][api.get("/trace/ch/1").json()["first_problem"]]["stage"] == "mute"
    finally:
        jack_mixer.control.set("ch/1/mute", False, "rest")
    wait_until(lambda: problem(api, "muted", "ch/1") is None, what="muted at ch/1 to clear")


def test_gain_staging_proposes_then_applies_one_undo_step(api, jack_mixer):
    body = api.post("/gain-staging", json={"channels": [1], "listen_s": 1.5}).json()
    (ch1,) = body["channels"]
    assert ch1["status"] == "adjust" and ch1["proposed_trim_db"] == pytest.approx(-6.0, abs=0.3)
    assert not body["applied"] and body["changes"] == {"ch/1/trim": ch1["proposed_trim_db"]}
    assert api.get("/params/ch/1/trim").json()["value"] == 0.0
    applied = api.post("/gain-staging", json={"channels": [1], "listen_s": 1.5, "apply": True}).json()
    assert applied["applied"] and applied["seq"] == jack_mixer.control.seq
    assert api.get("/params/ch/1/trim").json()["value"] == pytest.approx(-6.0, abs=0.3)
    assert api.post("/undo").status_code == 200
    assert api.get("/params/ch/1/trim").json()["value"] == 0.0


def test_one_gain_staging_run_at_a_time(api, jack_mixer):
    first = threading.Thread(target=lambda: api.post("/gain-staging", json={"channels": [1], "listen_s": 3}))
    first.start()
    try:
        wait_until(lambda: jack_mixer.diagnostics.assistant.listening, what="the first run listening")
        response = api.post("/gain-staging", json={"channels": [2], "listen_s": 1})
        assert response.status_code == 409 and response.json()["error"]["code"] == "busy"
    finally:
        first.join(10)


@pytest.mark.parametrize("body, field", [({"listen_s": 0.2}, "listen_s"), ({"target_db": 3}, "target_db"),
                                         ({"channels": [99]}, "channels")])
def test_gain_staging_refuses_a_bad_request(api, body, field):
    response = api.post("/gain-staging", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["address"] == field and response.json()["error"]["allowed"]


def test_the_websocket_sends_the_problems_and_every_change(api, jack_mixer):
    url = str(api.base_url).replace("http://", "ws://").rstrip("/") + "/ws"
    with connect(url) as ws:
        kinds = [json.loads(ws.recv(timeout=10))["type"] for _ in range(3)]
        assert kinds == ["hello", "state", "diagnostics"]
        jack_mixer.control.set("ch/1/mute", True, "rest")
        try:
            for _ in range(2000):
                data = ws.recv(timeout=10)
                message = {"type": "meters"} if isinstance(data, bytes) else json.loads(data)
                if message["type"] == "diagnostics" and any(p["code"] == "muted" for p in message["raised"]):
                    break
            else:
                raise AssertionError("no diagnostics message raised the mute")
            assert any(p["address"] == "ch/1" and p["code"] == "muted" for p in message["problems"])
        finally:
            jack_mixer.control.set("ch/1/mute", False, "rest")


# -- "why can't I hear the snare?": the listener's side, from the mix link -------------------------------

SNARE, DRUMMER = "ch/2", "bus/1"  # the demo profile: channel 2 "Snare", bus 1 "Drummer" (an aux mix)
SNARE_TONE = {"gen/2/on": True, "gen/2/target": SNARE, "gen/2/level": -12.0, "gen/2/type": "sine"}


@pytest.fixture(scope="module")
def band(jack_mixer):
    """The same mixer behind access control: the client, the engineer's (admin) headers and the Drummer's
    mix-link headers."""
    app = create_app(jack_mixer.control, auth=Auth(), diagnostics=jack_mixer.diagnostics)
    with serve(app) as url:
        with httpx.Client(base_url=url + "/api/v1", timeout=30) as client:
            engineer = {"Authorization": "Bearer " + client.post(
                "/auth/setup", json={"password": "correct horse battery"}).json()["token"]}
            link = client.post("/auth/links", json={"role": "mix", "bus": 1, "label": "Drummer"}, headers=engineer)
            client.cookies.clear()  # each request says who asks
            yield client, engineer, {"Authorization": "Bearer " + link.json()["token"]}


def test_the_drummer_finds_out_why_the_snare_is_gone_and_brings_it_back(band, jack_mixer):
    client, engineer, drummer = band
    control = jack_mixer.control
    defaults = control.tree.defaults()

    def missing(headers):
        return {m["address"]: m for m in client.get(f"/trace/{DRUMMER}", headers=headers).json()["missing"]}

    def found(code):  # reads are open to a mix link
        return next((p for p in client.get("/diagnostics", headers=drummer).json()["problems"]
                     if p["code"] == code and p["address"] == DRUMMER), None)

    control.set_many({**SNARE_TONE, f"{SNARE}/send/1/level": -6.0, f"{DRUMMER}/fader": -90.0}, "rest")
    try:
        # The Drummer's master closed while the snare feeds it: the finder names the snare, so it saw it there.
        wait_until(lambda: SNARE in (found("fader_closed") or {}).get("message", ""), what="the snare in the mix")
        control.set(f"{DRUMMER}/fader", 0.0, "rest")
        assert SNARE not in missing(drummer)

        # The engineer mutes the snare and switches its send to the Drummer off.
        control.set_many({f"{SNARE}/mute": True, f"{SNARE}/send/1/on": False}, "rest")
        snare = missing(drummer)[SNARE]
        assert snare["name"] == "Snare" and snare["message"] == "Snare: muted; its send to Drummer is off"
        mute, send = snare["reasons"]
        assert (mute["code"], mute["allowed_fix"], mute["fix_refused"]) == (
            "muted", False, "only the engineer can unmute Snare")
        assert (send["code"], send["allowed_fix"], send["fix_refused"]) == ("send_off", True, None)
        assert send["fix"] == {"address": f"{SNARE}/send/1/on", "value": True,
                               "label": "switch Snare's send to Drummer on"}
        assert all(r["allowed_fix"] for r in missing(engineer)[SNARE]["reasons"])  # the engineer may do both
        assert client.put(f"/params/{mute['fix']['address']}", json={"value": False},
                          headers=drummer).status_code == 403  # refused indeed

        # The mix lost a source it had: mix_source_cut on the Drummer, and its trace marks the snare.
        wait_until(lambda: found("mix_source_cut"), what="mix_source_cut on the Drummer")
        cut = found("mix_source_cut")
        assert cut["severity"] == "info" and [s["address"] for s in cut["details"]["sources"]] == [SNARE]
        assert missing(drummer)[SNARE]["cut"] is True

        # The drummer makes the fix they may make; the mute is left, and says so.
        answer = client.put(f"/params/{send['fix']['address']}", json={"value": send["fix"]["value"]}, headers=drummer)
        assert answer.status_code == 200, answer.text
        assert [r["code"] for r in missing(drummer)[SNARE]["reasons"]] == ["muted"]
        # The engineer unmutes: the snare reaches the mix again, and is heard there.
        assert client.put(f"/params/{SNARE}/mute", json={"value": False}, headers=engineer).status_code == 200

        def heard():
            body = client.get(f"/trace/{DRUMMER}", headers=drummer).json()
            sources = {s["address"]: s for s in body["stages"][0]["sources"]}
            return SNARE not in {m["address"] for m in body["missing"]} and sources[SNARE]["signal"]
        wait_until(heard, what="the snare heard in the Drummer's mix")
        wait_until(lambda: found("mix_source_cut") is None, what="mix_source_cut to clear")
    finally:
        control.set("gen/2/on", False, "rest")
        wait_until(lambda: control.meters()["points"][f"{SNARE}/input"]["hold"][0] < -60, what="the snare silent")
        changed = [*SNARE_TONE, f"{SNARE}/send/1/level", f"{SNARE}/send/1/on", f"{SNARE}/mute", f"{DRUMMER}/fader"]
        control.set_many({a: defaults[a] for a in changed}, "rest")
