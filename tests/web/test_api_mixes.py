"""REST: copying mixes and templates, heard through the real engine."""

import pytest

from mixerd.store import Store


def test_copy_main_into_a_mix_is_audible(client, control, play):
    client.patch("/api/v1/params", json={"changes": {"ch/1/fader": -6.0, "gen/1/on": True, "gen/1/level": -12.0}})
    r = client.post("/api/v1/mixes/1/copy", json={"from": "main"})
    assert r.status_code == 200, r.text
    changed = {e["address"]: e["value"] for e in r.json()["events"]}
    assert changed["ch/1/send/1/level"] == -6.0 and changed["ch/2/send/1/level"] == 0.0
    meters = play(4800)["points"]
    assert meters["bus/1"]["peak"][0] == pytest.approx(-18.0, abs=0.05)  # -12 dBFS tone at -6 dB (pre-fader send)


def test_copy_errors_are_structured(client, control):
    seq = control.seq
    r = client.post("/api/v1/mixes/7/copy", json={"from": "main"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found" and r.json()["error"]["allowed"]
    r = client.post("/api/v1/mixes/1/copy", json={"from": "bus/1"})
    assert r.status_code == 422 and "onto itself" in r.json()["error"]["message"]
    r = client.post("/api/v1/mixes/1/copy", json={"source": "main"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"
    assert control.seq == seq


def test_templates_over_rest(client, control, tmp_path):
    control.store = Store.open(tmp_path)
    try:
        client.put("/api/v1/params/ch/1/name", json={"value": "Lead"})
        client.put("/api/v1/params/ch/1/fader", json={"value": -10})
        r = client.post("/api/v1/templates", json={"name": "Gig"})
        assert r.status_code == 200 and r.json()["name"] == "Gig" and r.json()["addresses"] > 0
        assert [t["name"] for t in client.get("/api/v1/templates").json()["templates"]] == ["Gig"]
        assert client.get("/api/v1/templates/Gig").json()["values"]["ch/1/name"] == "Lead"
        client.put("/api/v1/params/ch/1/name", json={"value": "Other"})
        r = client.post("/api/v1/templates/Gig/apply")
        assert r.status_code == 200
        state = client.get("/api/v1/state").json()["values"]
        assert state["ch/1/name"] == "Lead" and state["ch/1/fader"] == 0.0
        assert client.get("/api/v1/templates/nope").status_code == 404
        assert client.post("/api/v1/templates", json={"name": ""}).status_code == 422
        assert client.delete("/api/v1/templates/Gig").status_code == 204
        assert client.get("/api/v1/templates").json()["templates"] == []
    finally:
        control.store.close()
