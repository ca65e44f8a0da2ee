"""Copying between the boxes of a fleet (issue 22): two whole mixers (``mixerd.daemon.Mixer``) on one real mosquitto,
each with its web API on a real HTTP socket. A scene copied from FOH to the stage box is stored there and recalls
there; a channel's settings land on a channel of the other box as one undo step made by the box that sent them;
every way it can fail says so in words (an unknown or offline box, a name taken there, MQTT off or read-only there,
no answer)."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from support import mixer_config, running_mixer, wait_until
from test_fleet import box, box_config, fleet_of, node

import mixerd.fleet as fleet_module


def api(mixer, method: str, path: str, body=None) -> httpx.Response:
    return httpx.request(method, mixer.web_url + "api/v1/" + path, json=body, timeout=20)


def known(mixer, other) -> None:
    """Wait until ``mixer``'s fleet lists ``other`` online."""
    wait_until(lambda: (n := node(fleet_of(mixer), other.config.mqtt.node_id)) is not None and n["online"] is True,
               what=f"{other.config.mqtt.node_id} online in {mixer.config.mqtt.node_id}'s fleet")


@pytest.fixture
def two_boxes(jack_server, tmp_path, broker):
    with box(box_config(jack_server, tmp_path / "foh", broker, "foh")) as foh:
        with box(box_config(jack_server, tmp_path / "stage", broker, "stage")) as stage:
            known(foh, stage)
            yield foh, stage


def test_a_scene_copied_to_the_other_box_recalls_there(two_boxes):
    foh, stage = two_boxes
    verse = {"ch/1/fader": -12.0, "ch/2/mute": True, "ch/3/send/1/level": -7.5, "ch/1/name": "Kick",
             "bus/1/fader": -4.0, "ch/2/eq/2/gain": 3.5}
    assert api(foh, "PATCH", "params", {"changes": verse}).status_code == 200
    saved = api(foh, "POST", "scenes", {"name": "Verse"}).json()
    before = dict(stage.control.state()[1])

    copied = api(foh, "POST", "fleet/stage/scenes", {"scene": saved["id"]})
    assert copied.status_code == 200, copied.text
    answer = copied.json()
    assert answer["node"] == "stage" and answer["scene"]["name"] == "Verse"
    assert answer["imported"] == saved["size"] and answer["skipped"] == [] and answer["skipped_count"] == 0
    # Stored there, not recalled: the stage box's mix did not move.
    assert stage.control.state()[1] == before
    listed = api(stage, "GET", "scenes").json()
    assert [s["name"] for s in listed["scenes"]] == ["Verse"]
    scene_id = answer["scene"]["id"]
    # Recalled there: the stage box's mix is the scene FOH saved.
    assert api(stage, "POST", f"scenes/{scene_id}/recall").status_code == 200
    now = stage.control.state()[1]
    assert {a: now[a] for a in verse} == verse
    assert api(stage, "GET", "scenes").json()["current"]["id"] == scene_id

    # Copied again: the name is taken there, said in words; with replace it takes the new values, same id.
    again = api(foh, "POST", "fleet/stage/scenes", {"scene": saved["id"]})
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "name_taken" and error["message"].startswith(f"{stage.profile.name} (stage) refused it:")
    assert "Verse" in error["message"]
    api(foh, "PATCH", "params", {"changes": {"ch/1/fader": -20.0}})
    assert api(foh, "PUT", f"scenes/{saved['id']}").status_code == 200
    replaced = api(foh, "POST", "fleet/stage/scenes", {"scene": saved["id"], "replace": True})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["scene"] == {"id": scene_id, "name": "Verse"}
    assert api(stage, "GET", f"scenes/{scene_id}").json()["values"]["ch/1/fader"] == -20.0


def test_a_channel_copied_to_the_other_box_is_one_step_there_made_by_the_box(two_boxes):
    foh, stage = two_boxes
    snare = {"ch/3/name": "Snare", "ch/3/trim": 14.0, "ch/3/hpf/on": True, "ch/3/hpf/freq": 120.0,
             "ch/3/eq/2/gain": 4.5, "ch/3/dyn/on": True, "ch/3/dyn/ratio": 4.0, "ch/3/fader": -3.0,
             "ch/3/pan": -20.0, "ch/3/send/1/level": -10.0, "ch/3/send/1/on": True}
    assert api(foh, "PATCH", "params", {"changes": snare}).status_code == 200
    send_before = stage.control.state()[1]["ch/5/send/1/level"]

    copied = api(foh, "POST", "fleet/stage/channels", {"channel": 3, "to": 5})
    assert copied.status_code == 200, copied.text
    answer = copied.json()
    assert answer["node"] == "stage" and answer["channel"] == 5 and answer["skipped_count"] == 0
    now = stage.control.state()[1]
    strip = {a: v for a, v in snare.items() if "/send/" not in a}
    assert {a.replace("ch/3/", "ch/5/"): now[a.replace("ch/3/", "ch/5/")] for a in strip} == \
        {a.replace("ch/3/", "ch/5/"): v for a, v in strip.items()}
    assert now["ch/5/send/1/level"] == send_before  # the routing only when asked for
    # One step in the stage box's history, made by FOH (the box), which the stage engineer can take back.
    entries = api(stage, "GET", "history").json()["entries"]
    step = entries[0]["step"]
    copied_step = [e for e in entries if e["step"] == step]
    assert {e["actor"] for e in copied_step} == {"box:foh"} and {e["origin"] for e in copied_step} == {"mqtt"}
    assert {e["address"] for e in copied_step} == {a.replace("ch/3/", "ch/5/") for a in strip}
    assert api(stage, "POST", f"history/{step}/undo").status_code == 200
    assert stage.control.state()[1]["ch/5/name"] != "Snare"

    with_routing = api(foh, "POST", "fleet/stage/channels", {"channel": 3, "routing": True})
    assert with_routing.status_code == 200, with_routing.text
    now = stage.control.state()[1]
    assert now["ch/3/send/1/level"] == -10.0 and now["ch/3/name"] == "Snare"


def test_what_cannot_be_copied_is_said_in_words(two_boxes, monkeypatch, listen):
    foh, stage = two_boxes
    saved = api(foh, "POST", "scenes", {"name": "Chorus"}).json()
    unknown = api(foh, "POST", "fleet/drums/scenes", {"scene": saved["id"]})
    assert unknown.status_code == 404 and "drums" in unknown.json()["error"]["message"]
    assert unknown.json()["error"]["allowed"] == "stage"
    itself = api(foh, "POST", "fleet/foh/scenes", {"scene": saved["id"]})
    assert itself.status_code == 422 and "this mixer" in itself.json()["error"]["message"]
    assert api(foh, "POST", "fleet/stage/scenes", {"scene": 999}).json()["error"]["code"] == "not_found"
    assert api(foh, "POST", "fleet/stage/channels", {"channel": 999}).json()["error"]["code"] == "not_found"
    for body in ({"scene": "1"}, {"scene": saved["id"], "replace": "yes"}, {"scene": saved["id"], "to": 2}, {}):
        bad = api(foh, "POST", "fleet/stage/scenes", body)
        assert bad.status_code == 400 and bad.json()["error"]["message"], body
    assert api(foh, "POST", "fleet/stage/channels", {"channel": 1, "to": 0}).status_code == 400
    assert api(stage, "GET", "scenes").json()["scenes"] == []  # nothing reached the stage box
    # A box announced and online that never answers (no mixerd behind its topics).
    ghost = listen("mixerd/ghost/#")
    ghost.publish("mixerd/ghost/info", json.dumps({"node_id": "ghost", "name": "Ghost"}), retain=True)
    ghost.publish("mixerd/ghost/availability", "online", retain=True)
    wait_until(lambda: (n := node(fleet_of(foh), "ghost")) is not None and n["online"], what="the ghost listed")
    monkeypatch.setattr(fleet_module, "ASK_TIMEOUT", 1.0)
    silent = api(foh, "POST", "fleet/ghost/scenes", {"scene": saved["id"]})
    assert silent.status_code == 503 and silent.json()["error"]["code"] == "no_answer"
    assert "Ghost (ghost) did not answer" in silent.json()["error"]["message"]
    assert ghost.count("mixerd/ghost/action/scene_import") == 1  # it was asked
    # Offline.
    ghost.publish("mixerd/ghost/availability", "offline", retain=True)
    wait_until(lambda: node(fleet_of(foh), "ghost")["online"] is False, what="the ghost offline")
    offline = api(foh, "POST", "fleet/ghost/scenes", {"scene": saved["id"]})
    assert offline.status_code == 409 and offline.json()["error"]["code"] == "box_offline"
    for topic in ("info", "availability"):
        ghost.publish(f"mixerd/ghost/{topic}", b"", retain=True)


def test_a_read_only_box_refuses_a_copy_and_the_sender_says_why(jack_server, tmp_path, broker):
    cfg = box_config(jack_server, tmp_path / "stage", broker, "stage")
    cfg = dataclasses.replace(cfg, mqtt=dataclasses.replace(cfg.mqtt, read_only=True))
    with box(box_config(jack_server, tmp_path / "foh", broker, "foh")) as foh, box(cfg) as stage:
        known(foh, stage)
        saved = api(foh, "POST", "scenes", {"name": "Verse"}).json()
        refused = api(foh, "POST", "fleet/stage/scenes", {"scene": saved["id"]})
        assert refused.status_code == 403, refused.text
        assert "read-only" in refused.json()["error"]["message"]
        assert api(stage, "GET", "scenes").json()["scenes"] == []


def test_without_mqtt_there_is_no_box_to_copy_to(jack_server, tmp_path):
    cfg = mixer_config(jack_server, tmp_path)
    with running_mixer(dataclasses.replace(cfg, auth=dataclasses.replace(cfg.auth, enabled=False)), http=True) as mixer:
        saved = api(mixer, "POST", "scenes", {"name": "Verse"}).json()
        answer = api(mixer, "POST", "fleet/stage/scenes", {"scene": saved["id"]})
        assert answer.status_code == 503 and "no MQTT broker" in answer.json()["error"]["message"]


def test_a_scene_document_published_by_hand_is_stored_and_answered(two_boxes, listen):
    """Anyone the broker lets publish to the actions can copy a scene as mosquitto_pub would (the export file)."""
    _, stage = two_boxes
    answers = listen("mixerd/stage/answer")
    document = {"mixerd_scene": 1, "name": "By hand", "values": {"ch/1/fader": -9.0, "ch/99/fader": 0.0},
                "request": "r-1"}
    answers.publish("mixerd/stage/action/scene_import", json.dumps(document))
    wait_until(lambda: answers.last("mixerd/stage/answer") is not None, what="the answer")
    answer = answers.last("mixerd/stage/answer")
    assert answer["request"] == "r-1" and answer["ok"] is True and answer["scene"]["name"] == "By hand"
    assert answer["imported"] == 1 and answer["skipped_count"] == 1
    assert answer["skipped"][0]["address"] == "ch/99/fader"
    # Too big to be a scene: refused, answered with the reason.
    errors = listen("mixerd/stage/error")
    huge = json.dumps({**document, "name": "Huge", "request": "r-2", "pad": "x" * (1 << 20)})
    answers.publish("mixerd/stage/action/scene_import", huge)
    wait_until(lambda: errors.last("mixerd/stage/error") is not None, what="the refusal")
    assert errors.last("mixerd/stage/error")["error"]["code"] == "malformed_payload"
    assert "at most 1048576" in errors.last("mixerd/stage/error")["error"]["message"]
    assert [s["name"] for s in api(stage, "GET", "scenes").json()["scenes"]] == ["By hand"]
