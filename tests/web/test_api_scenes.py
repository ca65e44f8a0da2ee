"""/api/v1/scenes, /safes, /versions and /ab through FastAPI's TestClient on the real (offline) engine.

Every answer, success or error, is checked against the published OpenAPI schema."""

from __future__ import annotations

import numpy as np
import pytest
from support import RATE
from test_openapi import violations

from mixerd.control.scenes import SceneService
from mixerd.web import create_app

API = "/api/v1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scenes(control, clock) -> SceneService:
    # poll: the thread never ticks on its own; the tests tick with the fake clock.
    return SceneService(control, clock=clock, poll=3600)


@pytest.fixture
def app(control, scenes):
    return create_app(control, scenes)


@pytest.fixture
def schema(client):
    return client.get("/openapi.json").json()


@pytest.fixture
def call(client, schema):
    """``call(method, path, status, **kwargs)``: the answer's JSON, after checking status and schema."""
    components = schema["components"]["schemas"]
    templates = {}
    for template in schema["paths"]:
        parts = template.removeprefix(API).split("/")
        templates[tuple(parts)] = template

    def find(path: str) -> str:
        parts = path.split("?")[0].split("/")
        for key, template in templates.items():
            if len(key) == len(parts) and all(k == p or k.startswith("{") for k, p in zip(key, parts)):
                if all(k == p for k, p in zip(key, parts) if not k.startswith("{")):
                    return template
        raise AssertionError(f"no documented path for {path}")

    def run(method: str, path: str, status: int, **kwargs):
        response = client.request(method, API + path, **kwargs)
        assert response.status_code == status, response.text
        body = response.json()
        documented = schema["paths"][find(path)][method.lower()]["responses"]
        assert str(status) in documented, (method, path, status)
        answer = documented[str(status)]["content"]["application/json"]["schema"]
        assert violations(body, answer, components) == [], (method, path, status, body)
        if status >= 400:
            assert set(body) == {"error"} and {"code", "message", "address", "allowed"} <= set(body["error"])
            return body["error"]
        return body

    return run


def sine(db, channel, n_inputs=3, frames=4800, freq=1000.0):
    inputs = np.zeros((n_inputs, frames), np.float32)
    inputs[channel] = 10 ** (db / 20) * np.sin(2 * np.pi * freq * np.arange(frames) / RATE)
    return inputs


# -- scenes ---------------------------------------------------------------------------------------------


def test_save_list_read_rename(call, control):
    control.set("ch/1/fader", -6, "rest")
    saved = call("POST", "/scenes", 201, json={"name": "Verse"})
    # every value of the mix; solo (monitoring) is not part of a scene
    mix = [a for a in control.tree.addresses() if control.tree.spec(a).scene]
    assert saved["name"] == "Verse" and saved["size"] == len(mix) < len(control.tree)
    assert saved["created"].endswith("Z") or "+00:00" in saved["created"]
    listed = call("GET", "/scenes", 200)["scenes"]
    assert [(s["id"], s["name"]) for s in listed] == [(saved["id"], "Verse")]
    scene = call("GET", f"/scenes/{saved['id']}", 200)
    assert scene["values"] == {a: control.state()[1][a] for a in mix} and scene["values"]["ch/1/fader"] == -6.0
    renamed = call("PATCH", f"/scenes/{saved['id']}", 200, json={"name": "Chorus"})
    assert renamed["name"] == "Chorus" and renamed["id"] == saved["id"]


def test_scene_errors(call):
    first = call("POST", "/scenes", 201, json={"name": "Verse"})
    assert call("POST", "/scenes", 409, json={"name": "verse"})["code"] == "name_taken"
    for name in ("", "x" * 65, "a\tb"):
        e = call("POST", "/scenes", 422, json={"name": name})
        assert e["code"] == "invalid_name" and "64" in e["allowed"]
    e = call("POST", "/scenes", 400, json={"nam": "x"})
    assert e["code"] == "malformed_request" and e["allowed"] == '{"name": "<1-64 characters>"}'
    assert call("POST", "/scenes", 400, json={"name": 5})["code"] == "malformed_request"
    e = call("GET", "/scenes/99", 404)
    assert e["code"] == "not_found" and "scene 99" in e["message"] and str(first["id"]) in e["allowed"]
    assert "GET /api/v1/scenes lists them" in e["message"]  # the scenes' error in the web API's words
    assert call("GET", "/scenes/nine", 404)["code"] == "not_found"  # ids are numbers: no such scene
    assert call("PATCH", "/scenes/99", 404, json={"name": "x"})["code"] == "not_found"
    second = call("POST", "/scenes", 201, json={"name": "Chorus"})
    assert call("PATCH", f"/scenes/{second['id']}", 409, json={"name": "VERSE"})["code"] == "name_taken"
    assert call("PATCH", f"/scenes/{second['id']}", 422, json={"name": " "})["code"] == "invalid_name"


def test_the_current_scene_and_updating_it_with_the_mix(call, control):
    assert call("GET", "/scenes", 200) == {"scenes": [], "current": None}
    verse = call("POST", "/scenes", 201, json={"name": "Verse"})
    chorus = call("POST", "/scenes", 201, json={"name": "Chorus"})
    call("POST", f"/scenes/{verse['id']}/recall", 200)
    assert call("GET", "/scenes", 200)["current"] == {"id": verse["id"], "name": "Verse", "modified": False}
    control.set("ch/1/fader", -7.5, "rest")
    assert call("GET", "/scenes", 200)["current"] == {"id": verse["id"], "name": "Verse", "modified": True}

    updated = call("PUT", f"/scenes/{verse['id']}", 200)  # no body: the mix as it is now
    assert (updated["id"], updated["name"], updated["created"]) == (verse["id"], "Verse", verse["created"])
    assert updated["values"]["ch/1/fader"] == -7.5 and updated["size"] == verse["size"]
    assert updated == call("GET", f"/scenes/{verse['id']}", 200)  # answered as GET does
    assert call("GET", "/scenes", 200)["current"] == {"id": verse["id"], "name": "Verse", "modified": False}
    assert call("GET", f"/scenes/{chorus['id']}", 200)["values"]["ch/1/fader"] == 0.0
    # A body is not needed, and one given changes nothing about what is saved.
    assert call("PUT", f"/scenes/{verse['id']}", 200, json={})["values"]["ch/1/fader"] == -7.5


def test_updating_a_missing_scene_is_not_found(call):
    scene = call("POST", "/scenes", 201, json={"name": "Verse"})
    e = call("PUT", "/scenes/99", 404)
    assert e["code"] == "not_found" and "scene 99" in e["message"] and str(scene["id"]) in e["allowed"]
    assert call("PUT", "/scenes/nine", 404)["code"] == "not_found"
    assert call("PUT", f"/scenes/{10 ** 30}", 404)["code"] == "not_found"
    assert call("GET", "/scenes", 200)["current"]["name"] == "Verse"  # nothing changed


def test_delete_needs_confirmation(call):
    scene = call("POST", "/scenes", 201, json={"name": "Verse"})
    e = call("DELETE", f"/scenes/{scene['id']}", 409)
    assert e["code"] == "confirm_required"
    assert "'Verse'" in e["message"] and f"DELETE /api/v1/scenes/{scene['id']}?confirm=true" in e["message"]
    assert call("DELETE", f"/scenes/{scene['id']}?confirm=false", 409)["code"] == "confirm_required"
    assert call("GET", "/scenes", 200)["scenes"]  # still there
    deleted = call("DELETE", f"/scenes/{scene['id']}?confirm=true", 200)
    assert deleted["deleted"]["name"] == "Verse"
    assert call("GET", "/scenes", 200)["scenes"] == []
    assert call("DELETE", f"/scenes/{scene['id']}?confirm=true", 404)["code"] == "not_found"
    assert call("DELETE", f"/scenes/{scene['id']}?confirm=maybe", 400)["code"] == "malformed_request"


def test_export_import_round_trip(call, control):
    control.set_many({"ch/1/fader": -12, "ch/2/name": "Gtr", "bus/2/balance": -20}, "rest")
    scene = call("POST", "/scenes", 201, json={"name": "Verse"})
    document = call("GET", f"/scenes/{scene['id']}/export", 200)
    mix = {a: v for a, v in control.state()[1].items() if control.tree.spec(a).scene}
    assert document == {"mixerd_scene": 1, "name": "Verse", "values": mix}
    assert call("GET", "/scenes/99/export", 404)["code"] == "not_found"
    assert call("POST", "/scenes/import", 409, json=document)["code"] == "name_taken"
    imported = call("POST", "/scenes/import", 201, json={**document, "name": "Verse 2"})
    assert imported["skipped"] == [] and imported["imported"] == len(mix)
    again = call("GET", f"/scenes/{imported['scene']['id']}", 200)
    assert again["values"] == document["values"]


def test_import_skips_or_refuses_what_does_not_fit(call):
    document = {"mixerd_scene": 1, "name": "Foreign",
                "values": {"ch/1/fader": -3, "ch/9/fader": 0, "ch/1/mute": "yes", "ch/2/mute": True}}
    e = call("POST", "/scenes/import?strict=true", 422, json=document)
    assert e["code"] == "invalid_scene" and {x["address"] for x in e["errors"]} == {"ch/9/fader", "ch/1/mute"}
    assert call("GET", "/scenes", 200)["scenes"] == []
    answer = call("POST", "/scenes/import", 201, json=document)
    assert answer["imported"] == 2 and answer["scene"]["size"] == 2
    assert [(s["address"], s["code"]) for s in answer["skipped"]] == [("ch/9/fader", "unknown_address"),
                                                                      ("ch/1/mute", "wrong_type")]
    assert call("POST", "/scenes/import", 422, json={**document, "mixerd_scene": 2, "name": "x"})["code"] == \
        "invalid_scene"
    assert call("POST", "/scenes/import", 422, json={**document, "name": "y", "values": {"x": 1}})["code"] == \
        "invalid_scene"
    e = call("POST", "/scenes/import", 400, json={"name": "x", "values": {}})
    assert e["code"] == "malformed_request" and "mixerd_scene" in e["allowed"]
    assert call("POST", "/scenes/import", 400, json=[1])["code"] == "malformed_request"


def test_recall_with_scope_safes_and_fade(call, control, play):
    control.set_many({"ch/1/send/1/pre": True, "ch/1/send/2/pre": True, "ch/1/send/1/level": 0,
                      "ch/1/send/2/level": 0}, "rest")
    scene = call("POST", "/scenes", 201, json={"name": "Loud"})
    control.set_many({"ch/1/send/1/level": -20, "ch/1/send/2/level": -20, "ch/2/fader": -5}, "rest")
    safes = call("PUT", "/safes", 200, json={"patterns": ["ch/*/send/2/*"]})
    assert safes["patterns"] == ["ch/*/send/2/*"]
    assert safes["addresses"] == len([a for a in control.tree.addresses() if a.startswith("ch/") and "/send/2/" in a])
    answer = call("POST", f"/scenes/{scene['id']}/recall", 200, json={"fade_ms": 0, "scope": ["ch/1/**"]})
    assert answer["changed"] == {"ch/1/send/1/level": 0.0} and answer["safe"] == ["ch/1/send/2/level"]
    assert answer["source"] == {"kind": "scene", "id": scene["id"], "name": "Loud"} and answer["seq"] == control.seq
    assert control.get("ch/2/fader") == -5.0
    points = play(inputs=sine(-12.0, channel=0))["points"]
    assert points["bus/1"]["peak"][0] == pytest.approx(-12.0, abs=0.05)  # recalled
    assert points["bus/2"]["peak"][0] == pytest.approx(-32.0 - 3.0, abs=0.1)  # safe: still -20 (centre pan -3 dB)
    # no body: everything, instantly
    answer = call("POST", f"/scenes/{scene['id']}/recall", 200)
    assert answer["changed"] == {"ch/2/fader": 0.0} and answer["fade_ms"] == 0.0
    answer = call("POST", f"/scenes/{scene['id']}/recall", 200, json={"fade_ms": 1500})
    assert answer["changed"] == {} and answer["fade_ms"] == 1500.0


def test_recall_errors(call):
    scene = call("POST", "/scenes", 201, json={"name": "Verse"})["id"]
    assert call("POST", "/scenes/99/recall", 404, json={})["code"] == "not_found"
    for fade in (-1, 60001):
        e = call("POST", f"/scenes/{scene}/recall", 422, json={"fade_ms": fade})
        assert e["code"] == "out_of_range" and e["address"] == "fade_ms" and "60000" in e["allowed"]
    assert call("POST", f"/scenes/{scene}/recall", 422, json={"scope": []})["code"] == "invalid_scope"
    e = call("POST", f"/scenes/{scene}/recall", 422, json={"scope": ["ch/*/fadr", "bus/*/fader"]})
    assert e["code"] == "no_match" and e["address"] == "ch/*/fadr" and "did you mean 'ch/*/fader'" in e["message"]
    assert call("POST", f"/scenes/{scene}/recall", 422, json={"scope": ["ch/x*"]})["code"] == "invalid_pattern"
    e = call("POST", f"/scenes/{scene}/recall", 400, json={"fade": 5})
    assert e["code"] == "malformed_request" and "fade_ms" in e["allowed"]
    assert call("POST", f"/scenes/{scene}/recall", 400, json={"fade_ms": "slow"})["code"] == "malformed_request"


# -- safes ----------------------------------------------------------------------------------------------


def test_safes_read_write_and_errors(call, scenes):
    assert call("GET", "/safes", 200) == {"patterns": [], "addresses": 0}
    answer = call("PUT", "/safes", 200, json={"patterns": ["bus/2/**", "ch/*/send/2/*", "bus/2/**"]})
    assert answer["patterns"] == ["bus/2/**", "ch/*/send/2/*"] and answer["addresses"] > 10
    assert call("GET", "/safes", 200) == answer
    e = call("PUT", "/safes", 422, json={"patterns": ["bus/2/*", "bus/7/*", "ch/1*"]})
    assert e["code"] == "no_match" and e["address"] == "bus/7/*"
    assert [x["code"] for x in e["errors"]] == ["no_match", "invalid_pattern"]
    assert call("GET", "/safes", 200) == answer  # nothing changed
    assert scenes.store.safes() == sorted(answer["patterns"])
    e = call("PUT", "/safes", 400, json={"pattern": []})
    assert e["code"] == "malformed_request" and e["allowed"] == '{"patterns": ["<pattern>", ...]}'
    assert call("PUT", "/safes", 200, json={"patterns": []}) == {"patterns": [], "addresses": 0}


# -- versions -------------------------------------------------------------------------------------------


def test_versions_list_read_recall(call, control, scenes, clock):
    assert call("GET", "/versions", 200) == {"versions": [], "interval_minutes": 5.0}
    control.set("ch/1/fader", -3, "rest")
    scenes.versions.tick()
    clock.now += 300
    version_id = scenes.versions.tick()
    listed = call("GET", "/versions", 200)["versions"]
    assert [(v["id"], v["seq"]) for v in listed] == [(version_id, control.seq)]
    version = call("GET", f"/versions/{version_id}", 200)
    assert version["values"]["ch/1/fader"] == -3.0 and version["time"] == listed[0]["time"]
    control.set("ch/1/fader", -40, "rest")
    answer = call("POST", f"/versions/{version_id}/recall", 200, json={"fade_ms": 250})
    assert answer["changed"] == {"ch/1/fader": -3.0} and answer["source"]["kind"] == "version"
    e = call("GET", "/versions/77", 404)
    assert e["code"] == "not_found" and str(version_id) in e["allowed"]
    assert call("POST", "/versions/77/recall", 404)["code"] == "not_found"
    assert call("POST", f"/versions/{version_id}/recall", 422, json={"fade_ms": 1e9})["code"] == "out_of_range"
    assert call("GET", "/versions/x", 404)["code"] == "not_found"


# -- A/B ------------------------------------------------------------------------------------------------


def test_ab_compare_toggle_end(call, control):
    control.set("ch/1/fader", -10, "rest")
    b = call("POST", "/scenes", 201, json={"name": "B"})
    control.set("ch/1/fader", -20, "rest")
    assert call("GET", "/ab", 200) == {"active": None, "slots": None, "fade_ms": None, "scope": None}
    started = call("POST", "/ab", 200, json={"with": {"scene": b["id"]}, "fade_ms": 100})
    assert started["active"] == "B" and started["recall"]["changed"] == {"ch/1/fader": -10.0}
    assert started["slots"]["B"] == {"kind": "scene", "id": b["id"], "name": "B"}
    assert call("GET", "/ab", 200)["active"] == "B"
    control.set("ch/2/fader", -4, "rest")  # edit B
    toggled = call("POST", "/ab/toggle", 200)
    assert toggled["active"] == "A" and toggled["recall"]["fade_ms"] == 100.0
    assert control.get("ch/1/fader") == -20.0 and control.get("ch/2/fader") == 0.0
    toggled = call("POST", "/ab/toggle", 200, json={"fade_ms": 0})
    assert toggled["active"] == "B" and toggled["recall"]["fade_ms"] == 0.0
    assert control.get("ch/1/fader") == -10.0 and control.get("ch/2/fader") == -4.0  # B's edit kept
    assert call("POST", "/ab", 409, json={"with": {"scene": b["id"]}})["code"] == "ab_active"
    assert call("POST", "/ab/toggle", 422, json={"fade_ms": -3})["code"] == "out_of_range"
    ended = call("DELETE", "/ab", 200)
    assert ended["kept"] == "B" and ended["active"] is None
    assert control.get("ch/1/fader") == -10.0
    assert call("DELETE", "/ab", 409)["code"] == "ab_not_active"
    assert call("POST", "/ab/toggle", 409)["code"] == "ab_not_active"


def test_ab_errors(call):
    assert call("POST", "/ab", 404, json={"with": {"scene": 3}})["code"] == "not_found"
    assert call("POST", "/ab", 404, json={"with": {"version": 3}})["code"] == "not_found"
    for body in ({"with": {}}, {"with": {"scene": 1, "version": 2}}, {}, {"with": {"scene": 1}, "x": 1}):
        e = call("POST", "/ab", 400, json=body)
        assert e["code"] == "malformed_request" and e["allowed"].startswith('{"with"')
    b = call("POST", "/scenes", 201, json={"name": "B"})["id"]
    assert call("POST", "/ab", 422, json={"with": {"scene": b}, "scope": ["nope/*"]})["code"] == "no_match"
    assert call("GET", "/ab", 200)["active"] is None


def test_the_app_runs_the_version_thread(client, scenes):
    assert scenes.versions.running  # started by the app's lifespan (client is entered)


def test_numbers_must_be_json_numbers(call):
    scene = call("POST", "/scenes", 201, json={"name": "Verse"})["id"]
    for fade in (True, "1000", None):
        assert call("POST", f"/scenes/{scene}/recall", 400, json={"fade_ms": fade})["code"] == "malformed_request"
    assert call("POST", "/ab", 400, json={"with": {"scene": str(scene)}})["code"] == "malformed_request"
    assert call("POST", "/ab/toggle", 400, json={"fade_ms": "fast"})["code"] == "malformed_request"
    document = {"mixerd_scene": True, "name": "x", "values": {"ch/1/fader": 0}}
    assert call("POST", "/scenes/import", 400, json=document)["code"] == "malformed_request"


def test_odd_ids_and_too_many_patterns_are_4xx(call):
    huge = 10 ** 30
    assert call("GET", f"/scenes/{huge}", 404)["code"] == "not_found"
    assert call("GET", "/scenes/-5", 404)["code"] == "not_found"
    assert call("GET", f"/versions/{huge}", 404)["code"] == "not_found"
    assert call("POST", f"/scenes/{huge}/recall", 404)["code"] == "not_found"
    assert call("DELETE", f"/scenes/{huge}?confirm=true", 404)["code"] == "not_found"
    assert call("POST", "/ab", 404, json={"with": {"scene": huge}})["code"] == "not_found"
    e = call("PUT", "/safes", 422, json={"patterns": ["ch/*/fader"] * 257})
    assert e["code"] == "invalid_pattern" and "at most 256" in e["message"]
