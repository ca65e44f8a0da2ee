"""The WebSocket's pushed messages (the control core's typed notices): what comes on connect, ``follow`` for
the history, and everything again after a resync — in the TestClient, on the real engine offline."""

from __future__ import annotations

import json

from mixerd.control.scenes import SceneService
from mixerd.web import create_app

WS = "/api/v1/ws"


def receive(ws) -> dict | None:
    """The next text message; None for a meter frame or a ping."""
    raw = ws.receive()
    message = json.loads(raw["text"]) if raw.get("text") is not None else None
    return None if message is None or message["type"] in ("meters", "ping") else message


def next_of(ws, *kinds: str, limit: int = 1000) -> dict:
    for _ in range(limit):
        message = receive(ws)
        if message is not None and message["type"] in kinds:
            return message
    raise AssertionError(f"no {kinds} message among {limit}")


def opening(ws) -> list[dict]:
    """The messages up to and including ``health`` (meter frames left out)."""
    got = []
    while not got or got[-1]["type"] != "health":
        message = receive(ws)
        if message is not None:
            got.append(message)
    return got


def test_on_connect_the_standing_facts_follow_the_state(client, control):
    control.set("ch/1/mute", True, "ws", actor="browser:tablet")  # this browser's change, before it reconnects
    control.set("ch/2/mute", True, "rest")
    scenes = client.app.state.scenes
    scenes.save_scene("Verse")
    with client.websocket_connect(WS + "?client=tablet") as ws:
        got = opening(ws)
    assert [m["type"] for m in got] == ["hello", "state", "diagnostics", "undo", "scenes", "health"]
    assert got[0]["actor"] == "browser:tablet"  # with access control off a browser's undo is its own
    undo, listing, health = got[3], got[4], got[5]
    assert undo == {"type": "undo", "seq": control.seq, "can_undo": True, "can_redo": False, "undo_step": 1,
                    "undo_seq": 1, "redo_step": None}
    assert listing["revision"] == scenes.revision and [s["name"] for s in listing["scenes"]] == ["Verse"]
    assert listing["scenes"][0]["updated"].endswith("Z") and listing["safes"] == []
    assert health == {"type": "health", "status": "down", "running": False, "xruns": 0,
                      "sample_rate": health["sample_rate"], "period": 0}  # offline: no audio flows


def test_the_history_comes_only_when_followed(client, control):
    with client.websocket_connect(WS + "?client=tablet") as ws:
        opening(ws)
        ws.send_json({"type": "follow", "history": "yes", "id": 1})
        error = next_of(ws, "ack", "error")
        assert error["id"] == 1 and error["error"]["code"] == "malformed_request"
        control.set("ch/1/mute", True, "ws", actor="browser:tablet")
        assert next_of(ws, "undo", "history")["type"] == "undo"  # not followed: no history
        ws.send_json({"type": "follow", "history": True, "id": 2})
        assert next_of(ws, "ack") == {"type": "ack", "id": 2, "seq": control.seq}
        control.set("ch/2/mute", True, "rest")  # anyone's step is in the history
        history = next_of(ws, "history")
        assert (history["action"], history["step"], history["actor"], history["seq"], history["complete"]) == (
            "append", 2, "rest", 2, True)
        assert [(e["address"], e["new"], e["origin"]) for e in history["entries"]] == [("ch/2/mute", True, "rest")]
        assert history["entries"][0]["when"].endswith("Z")
        ws.send_json({"type": "follow", "history": False, "id": 3})
        next_of(ws, "ack")
        control.undo("browser:tablet")
        assert next_of(ws, "undo", "history")["type"] == "undo"


def test_a_resync_brings_the_standing_facts_again(control):
    app = create_app(control, SceneService(control))
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        app.state.live.subscribe_maxsize = 4  # a batch of every fader overflows it
        faders = {a: -5.0 for a in control.state()[1] if a.endswith("/fader")}
        with client.websocket_connect(WS) as ws:
            opening(ws)
            # Made in the event loop's thread, so the socket cannot take one change before the batch is in: it
            # overflows every time (from the test's thread the socket may keep up, and no resync comes).
            ws.portal.call(control.set_many, faders, "rest")
            assert next_of(ws, "state")["values"]["ch/1/fader"] == -5.0
            after = [next_of(ws, "diagnostics", "undo", "scenes", "health", "change")["type"] for _ in range(4)]
    assert after == ["diagnostics", "undo", "scenes", "health"]


def test_the_scenes_message_carries_the_current_scene(client, control):
    scenes = client.app.state.scenes
    verse = scenes.save_scene("Verse")
    with client.websocket_connect(WS) as ws:
        listing = [m for m in opening(ws) if m["type"] == "scenes"][0]
        assert listing["current"] == {"id": verse.id, "name": "Verse", "modified": False}
        control.set("ch/1/fader", -12.0, "rest")  # the mix leaves the scene: pushed, nobody asks
        moved = next_of(ws, "scenes")
        assert (moved["action"], moved["id"], moved["revision"]) == ("current", verse.id, scenes.revision)
        assert moved["current"] == {"id": verse.id, "name": "Verse", "modified": True}
        assert [s["name"] for s in moved["scenes"]] == ["Verse"] and moved["scenes"][0]["updated"].endswith("Z")
        scenes.update_scene(verse.id)
        updated = next_of(ws, "scenes")
        assert (updated["action"], updated["id"]) == ("updated", verse.id)
        assert updated["current"] == {"id": verse.id, "name": "Verse", "modified": False}
        assert updated["revision"] > moved["revision"]
