"""POST /undo, POST /redo, GET /history: one history for every front end, 409 when there is nothing."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.model import ParamTree
from mixerd.store import Store
from mixerd.web import create_app

API = "/api/v1"


def put(client, address, value):
    r = client.put(f"{API}/params/{address}", json={"value": value})
    assert r.status_code == 200, r.text
    return r.json()


def test_undo_and_redo_a_batch(client, control):
    put(client, "ch/1/mute", True)
    batch = client.patch(f"{API}/params", json={"changes": {"ch/1/fader": -6, "ch/2/fader": -12}})
    assert batch.status_code == 200
    r = client.post(f"{API}/undo")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["step"] == 2 and body["seq"] == control.seq == 5
    assert [(e["address"], e["value"], e["origin"]) for e in body["events"]] == [
        ("ch/1/fader", 0.0, "undo"), ("ch/2/fader", 0.0, "undo")]
    assert client.get(f"{API}/params/ch/1/fader").json()["value"] == 0.0
    assert client.get(f"{API}/params/ch/1/mute").json()["value"] is True
    r = client.post(f"{API}/redo")
    assert r.status_code == 200 and r.json()["step"] == 2
    assert client.get(f"{API}/state").json()["values"]["ch/2/fader"] == -12.0


def test_undo_takes_back_the_callers_changes_and_the_history_anyones(client, control):
    control.set("ch/1/fader", -3, "mqtt")  # e.g. Home Assistant
    r = client.post(f"{API}/undo")  # the REST API's own undo: it made no change
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_undo"
    assert control.get("ch/1/fader") == -3.0
    r = client.post(f"{API}/history/1/undo")  # taking back someone else's change is explicit
    assert r.status_code == 200 and r.json()["step"] == 1 and control.get("ch/1/fader") == 0.0
    again = client.post(f"{API}/history/1/undo")
    assert again.status_code == 409 and "already undone" in again.json()["error"]["message"]
    gone = client.post(f"{API}/history/99/undo")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "unknown_step"
    assert client.post(f"{API}/history/1/redo").status_code == 200 and control.get("ch/1/fader") == -3.0


def test_a_value_changed_since_is_kept_and_named(client, control):
    put(client, "ch/1/send/2/level", -10)
    control.set("ch/1/send/2/level", -2, "ws", actor="mix:2:lbass")  # the bassist's phone, after it
    r = client.post(f"{API}/undo")
    assert r.status_code == 200 and r.json()["events"] == []
    assert r.json()["kept"] == [{"address": "ch/1/send/2/level", "value": -2.0, "by": "mix:2:lbass"}]
    assert control.get("ch/1/send/2/level") == -2.0


@pytest.mark.parametrize("action, code", [("undo", "nothing_to_undo"), ("redo", "nothing_to_redo")])
def test_nothing_to_undo_or_redo_is_409(client, control, action, code):
    r = client.post(f"{API}/{action}")
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == code and f"nothing to {action}" in error["message"]
    assert error["address"] is None and "allowed" in error
    assert control.seq == 0


def test_redo_after_a_new_change_is_409(client):
    put(client, "ch/1/fader", -6)
    assert client.post(f"{API}/undo").status_code == 200
    put(client, "ch/2/fader", -6)
    r = client.post(f"{API}/redo")
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_redo"


def test_history_says_who_changed_what_when(client, control):
    before = datetime.now(timezone.utc)
    put(client, "ch/1/fader", -6)
    control.set("ch/1/mute", True, "mqtt")
    client.patch(f"{API}/params", json={"changes": {"ch/2/name": "Bass", "ch/2/fader": -3}})
    client.post(f"{API}/undo")
    r = client.get(f"{API}/history")
    assert r.status_code == 200, r.text
    body = r.json()
    # what the caller's (the REST API's) undo and redo would do: its step 1 back, its step 3 again
    assert ((body["can_undo"], body["undo_step"], body["can_redo"], body["redo_step"], body["next_before"])
            == (True, 1, True, 3, None))
    entries = body["entries"]
    assert [(e["address"], e["origin"], e["actor"], e["old"], e["new"], e["step"], e["undone"]) for e in entries] == [
        ("ch/2/fader", "rest", "rest", 0.0, -3.0, 3, True),
        ("ch/2/name", "rest", "rest", "Guitar", "Bass", 3, True),
        ("ch/1/mute", "mqtt", "mqtt", False, True, 2, False),
        ("ch/1/fader", "rest", "rest", 0.0, -6.0, 1, False),
    ]
    assert [e["seq"] for e in entries] == [4, 3, 2, 1]
    when = datetime.fromisoformat(entries[0]["when"].replace("Z", "+00:00"))
    assert when.tzinfo is not None and abs((when - before).total_seconds()) < 3600


def test_history_pages_with_before(client):
    for n in range(1, 6):
        put(client, f"ch/{(n % 3) + 1}/fader", -n)
    first = client.get(f"{API}/history", params={"limit": 2}).json()
    assert [e["seq"] for e in first["entries"]] == [5, 4] and first["next_before"] == 4
    second = client.get(f"{API}/history", params={"limit": 2, "before": first["next_before"]}).json()
    assert [e["seq"] for e in second["entries"]] == [3, 2] and second["next_before"] == 2
    last = client.get(f"{API}/history", params={"limit": 2, "before": second["next_before"]}).json()
    assert [e["seq"] for e in last["entries"]] == [1] and last["next_before"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=many", "before=0",
                                   "before=9223372036854775808", "before=-9223372036854775809"])
def test_bad_history_queries_are_400(client, query):
    r = client.get(f"{API}/history?{query}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_request"


def test_undo_survives_a_restart_over_rest(tmp_path, layout):
    tree = ParamTree.from_layout(layout)
    store = Store.open(tmp_path)
    with TestClient(create_app(Control(tree, store=store))) as client:
        put(client, "ch/1/fader", -6)
        put(client, "ch/2/fader", -9)
    store.close()
    store = Store.open(tmp_path)
    with TestClient(create_app(Control(tree, store=store))) as client:
        assert client.get(f"{API}/params/ch/2/fader").json()["value"] == -9.0
        assert client.post(f"{API}/undo").json()["events"][0]["address"] == "ch/2/fader"
        assert client.get(f"{API}/params/ch/2/fader").json()["value"] == 0.0
        assert [e["undone"] for e in client.get(f"{API}/history").json()["entries"]] == [True, False]
    store.close()
