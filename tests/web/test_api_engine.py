"""/api/v1/meters, /health, /system and the errors outside the parameter routes."""

from mixerd.control import Control
from mixerd.model import ParamTree
from mixerd.web import create_app

API = "/api/v1"


def test_meters_pass_through_the_engine_snapshot(client, link):
    link.set_level("ch/2/post", -12.5)
    body = client.get(f"{API}/meters").json()
    assert body["rate"] == 50
    assert body["points"]["ch/2/post"]["peak"] == [-12.5]
    assert len(body["points"]["bus/2"]["peak"]) == 2 and len(body["points"]["bus/1"]["peak"]) == 1
    assert body["points"]["main"]["clips"] == [0, 0]
    assert client.get(f"{API}/meters").json()["seq"] > body["seq"]


def test_health_ok(client):
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["engine"]["running"] is True and body["engine"]["sample_rate"] == 48000
    assert body["jack"] == {"server": "dummy"}
    assert body["control"]["seq"] == 0


def test_health_is_503_when_the_engine_is_stopped(client, link):
    link.running = False
    response = client.get(f"{API}/health")
    assert response.status_code == 503
    assert response.json()["engine"]["running"] is False and response.json()["status"] == "down"


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
        "buses": [{"name": "Drummer", "stereo": False, "kind": "aux"}, {"name": "IEM", "stereo": True, "kind": "aux"}],
        "generators": 2,
    }
    assert body["sample_rate"] == 48000 and body["ports"] == {"capture": ["system:capture_1"]}


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
