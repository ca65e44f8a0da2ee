"""/recorder, /takes and /player over REST (TestClient, the real engine offline, real files): a take started, marked,
stopped, listed, renamed, downloaded and deleted; played back into some of its channels, each switched between the
take and the band, marked while it plays (every socket told); what is refused and how."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import quote

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from support import RATE

from mixerd.control.access import Auth
from mixerd.control.scenes import SceneService
from mixerd.web import create_app

API = "/api/v1"


@pytest.fixture
def api(control, recorder, player):
    recorder.player = player  # as the daemon wires them: a marker with no take recorded goes to the one played
    with TestClient(create_app(control, SceneService(control), recorder=recorder, player=player)) as client:
        yield client


def test_a_take_from_start_to_download(api, engine, play):
    assert api.get(f"{API}/recorder").json()["recording"] is False
    started = api.post(f"{API}/recorder/start", json={"sources": ["ch/2", "bus/2"], "name": "Soundcheck"})
    assert started.status_code == 201 and started.json()["sources"] == ["ch/2", "bus/2"]
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (engine.layout.n_inputs, RATE // 2)).astype(np.float32)
    play(inputs=x)
    marker = api.post(f"{API}/recorder/marker", json={"name": "chorus"})
    assert marker.status_code == 201 and marker.json() == {"position": RATE // 2, "name": "chorus"}
    play(inputs=x)
    status = api.get(f"{API}/recorder").json()
    assert status["recording"] and status["name"] == "Soundcheck" and status["space"]["seconds_left"] > 60
    take = api.post(f"{API}/recorder/stop").json()
    assert take["complete"] and take["frames"] == RATE and take["markers"] == [{"position": RATE // 2,
                                                                                "name": "chorus"}]
    listed = api.get(f"{API}/takes").json()["takes"]
    assert [t["id"] for t in listed] == [take["id"]]
    renamed = api.patch(f"{API}/takes/{take['id']}", json={"name": "Gig, set 1"})
    assert renamed.json()["name"] == "Gig, set 1" and api.get(f"{API}/takes/{take['id']}").json()["name"] == "Gig, set 1"

    wav = api.get(f"{API}/takes/{take['id']}/files/1")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert quote(take["sources"][0]["file"]) in wav.headers["content-disposition"]  # "01 Guitar.wav"
    audio, rate = sf.read(io.BytesIO(wav.content), dtype="float32")
    assert rate == RATE and len(audio) == RATE and np.abs(audio).max() > 0.1
    stereo, _ = sf.read(io.BytesIO(api.get(f"{API}/takes/{take['id']}/files/2").content))
    assert stereo.shape == (RATE, 2)

    whole = api.get(f"{API}/takes/{take['id']}/zip")
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/zip"
    assert quote(f"{take['id']} Gig, set 1.zip") in whole.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(whole.content))
    assert archive.read(f"{take['id']}/{take['sources'][0]['file']}") == wav.content
    assert api.get(f"{API}/takes/20001203-120000/zip").status_code == 404

    assert api.delete(f"{API}/takes/{take['id']}").status_code == 409  # not confirmed
    assert api.delete(f"{API}/takes/{take['id']}?confirm=true").status_code == 204
    assert api.get(f"{API}/takes").json() == {"takes": []}


def test_what_the_recorder_refuses(api):
    def error(answer, status):
        assert answer.status_code == status, answer.text
        body = answer.json()["error"]
        assert body["message"] and body["allowed"]
        return body["code"]

    assert error(api.post(f"{API}/recorder/stop"), 409) == "not_recording"
    assert error(api.post(f"{API}/recorder/marker", json={"name": "x"}), 409) == "not_recording"
    assert error(api.post(f"{API}/recorder/start", json={"sources": ["ch/9"]}), 404) == "not_found"
    assert error(api.post(f"{API}/recorder/start", json={"sources": ["ch/1", "ch/1"]}), 422) == "invalid_value"
    assert api.post(f"{API}/recorder/start", json={"tap": "post"}).status_code in (400, 422)
    assert api.post(f"{API}/recorder/start", json={"sources": "ch/1"}).status_code in (400, 422)
    assert api.post(f"{API}/recorder/start").status_code == 201  # no body: every channel and the main
    assert error(api.post(f"{API}/recorder/start"), 409) == "recording"
    take = api.get(f"{API}/recorder").json()["take"]
    assert error(api.delete(f"{API}/takes/{take}?confirm=true"), 409) == "recording"
    assert api.post(f"{API}/recorder/stop").status_code == 200
    for bad in ("..", "nope", "20261203-201500", "x" * 41):
        assert api.get(f"{API}/takes/{bad}").status_code in (400, 404)
    assert error(api.get(f"{API}/takes/{take}/files/99"), 404) == "not_found"


def test_without_a_recorder_the_endpoints_say_so(client):
    answer = client.get(f"{API}/recorder")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "not_available"
    assert "[recorder]" in answer.json()["error"]["message"]


def test_every_socket_hears_a_take_start_and_stop(api):
    with api.websocket_connect(f"{API}/ws") as ws:
        while ws.receive_json()["type"] != "health":  # the opening messages
            pass
        api.post(f"{API}/recorder/start", json={"sources": ["ch/1"]})
        api.post(f"{API}/recorder/stop")
        said = []
        while len(said) < 2:
            message = ws.receive()
            if message.get("text") and '"recorder"' in message["text"]:
                said.append(json.loads(message["text"]))
    assert [(m["type"], m["recording"]) for m in said] == [("recorder", True), ("recorder", False)]
    assert said[0]["sources"] == ["ch/1"] and said[1]["take"] is None


def test_every_socket_hears_a_take_renamed_or_deleted(api, engine, play):
    """Another device's list follows: a rename and a delete are ``takes`` messages on every socket."""
    take = record(api, play, engine, ["ch/1"])
    with api.websocket_connect(f"{API}/ws") as ws:
        while ws.receive_json()["type"] != "health":  # the opening messages
            pass
        assert api.patch(f"{API}/takes/{take}", json={"name": "Keeper"}).status_code == 200
        assert api.delete(f"{API}/takes/{take}", params={"confirm": "true"}).status_code == 204
        said = []
        while len(said) < 2:
            message = ws.receive()
            if message.get("text") and '"takes"' in message["text"]:
                said.append(json.loads(message["text"]))
    assert [(m["type"], m["action"], m["take"], m["name"]) for m in said] == [
        ("takes", "renamed", take, "Keeper"), ("takes", "deleted", take, None)]


def test_virtual_soundcheck_over_rest(api, engine, play):
    x = np.random.default_rng(2).uniform(-0.5, 0.5, (engine.layout.n_inputs, RATE)).astype(np.float32)
    api.post(f"{API}/recorder/start", json={"sources": ["ch/1", "ch/3", "main"]})
    play(inputs=x)
    take = api.post(f"{API}/recorder/stop").json()["id"]
    assert api.get(f"{API}/player").json()["playing"] is False
    playing = api.post(f"{API}/player/play", json={"take": take, "start": 0.25, "loop": [0.25, 0.75]})
    assert playing.status_code == 200, playing.text
    status = playing.json()
    assert status["playing"] and status["channels"] == ["ch/1", "ch/3"] and status["loop"] == [0.25, 0.75]
    play(frames=RATE // 10)
    assert 0.25 <= api.get(f"{API}/player").json()["position"] < 0.75
    assert api.post(f"{API}/player/stop").json()["playing"] is False

    def code(answer, status):
        assert answer.status_code == status, answer.text
        return answer.json()["error"]["code"]

    assert code(api.post(f"{API}/player/stop"), 409) == "not_playing"
    assert code(api.post(f"{API}/player/play", json={"take": "20001203-120000"}), 404) == "not_found"
    assert code(api.post(f"{API}/player/play", json={"take": take, "start": 5}), 422) == "out_of_range"
    assert code(api.post(f"{API}/player/play", json={"take": take, "loop": [0.5, 0.1]}), 422) == "out_of_range"
    assert api.post(f"{API}/player/play", json={"take": take, "loop": [1]}).status_code in (400, 422)


def record(api, play, engine, sources, seconds=1.0) -> str:
    """A take of ``sources``, ``seconds`` of noise long, recorded over REST; its id."""
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (engine.layout.n_inputs, int(seconds * RATE))).astype(np.float32)
    assert api.post(f"{API}/recorder/start", json={"sources": sources}).status_code == 201
    play(inputs=x)
    return api.post(f"{API}/recorder/stop").json()["id"]


def test_some_channels_hear_the_take_and_each_is_switched_over_rest(api, engine, play):
    take = record(api, play, engine, ["ch/1", "ch/3", "main"])

    def code(answer, status):
        assert answer.status_code == status, answer.text
        body = answer.json()["error"]
        assert body["message"] and body["allowed"]
        return body["code"]

    assert code(api.post(f"{API}/player/source", json={"channel": "ch/1", "source": "take"}), 409) == "not_playing"
    assert code(api.post(f"{API}/player/play", json={"take": take, "channels": ["ch/2"]}), 404) == "not_found"
    assert code(api.post(f"{API}/player/play", json={"take": take, "channels": ["ch/1", "ch/1"]}), 422) == \
        "invalid_value"
    assert api.get(f"{API}/player").json() == {"playing": False, "take": None, "name": None, "position": 0.0,
                                               "seconds": 0.0, "loop": None, "channels": [], "available": [],
                                               "starved": 0.0}
    status = api.post(f"{API}/player/play", json={"take": take, "channels": ["ch/3"]}).json()
    assert status["playing"] and status["channels"] == ["ch/3"] and status["available"] == ["ch/1", "ch/3"]
    switched = api.post(f"{API}/player/source", json={"channel": "ch/1", "source": "take"})
    assert switched.status_code == 200 and switched.json()["channels"] == ["ch/1", "ch/3"]
    assert api.post(f"{API}/player/source", json={"channel": "ch/3", "source": "live"}).json()["channels"] == ["ch/1"]
    assert api.get(f"{API}/player").json()["channels"] == ["ch/1"]
    assert code(api.post(f"{API}/player/source", json={"channel": "ch/2", "source": "take"}), 404) == "not_found"
    for body in ({"channel": "ch/1", "source": "band"}, {"channel": "ch/1"}, {"source": "take"},
                 {"channel": 1, "source": "take"}, {"channel": "ch/1", "source": "take", "fade": 1}):
        assert code(api.post(f"{API}/player/source", json=body), 400) == "malformed_request"
    assert api.get(f"{API}/player").json()["channels"] == ["ch/1"]  # nothing refused changed anything
    assert api.post(f"{API}/player/stop").json()["channels"] == []


def test_a_marker_while_a_take_plays_back_goes_into_it_and_every_socket_hears_of_it(api, engine, play):
    take = record(api, play, engine, ["ch/2"])
    answer = api.post(f"{API}/recorder/marker", json={"name": "verse 2"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_recording"
    assert answer.json()["error"]["message"] == "no take is being recorded or played"
    api.post(f"{API}/player/play", json={"take": take, "start": 0.5})
    play(frames=RATE // 10)
    with api.websocket_connect(f"{API}/ws") as ws:
        while ws.receive_json()["type"] != "health":  # the opening messages
            pass
        marker = api.post(f"{API}/recorder/marker", json={"name": "verse 2"})
        assert marker.status_code == 201 and marker.json() == {"position": RATE // 2 + RATE // 10, "name": "verse 2"}
        while True:
            message = ws.receive()
            if message.get("text") and '"player"' in message["text"]:
                said = json.loads(message["text"])
                break
    assert said["type"] == "player" and said["take"] == take and said["playing"]
    assert api.get(f"{API}/takes/{take}").json()["markers"] == [marker.json()]
    api.post(f"{API}/player/stop")
    assert api.post(f"{API}/recorder/marker", json={"name": "x"}).status_code == 409


def test_a_mix_link_may_not_switch_what_the_channels_hear(control, recorder, player, store):
    auth = Auth(store)
    auth.setup("correct horse battery")
    _, token = auth.create_link("mix", 2, "Drummer's ears")
    app = create_app(control, SceneService(control), auth=auth, recorder=recorder, player=player)
    with TestClient(app) as client:
        answer = client.post(f"{API}/player/source", json={"channel": "ch/1", "source": "take"},
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
