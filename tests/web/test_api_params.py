"""/api/v1/params and /api/v1/state through FastAPI's TestClient."""

import numpy as np
import pytest
from support import RATE

from mixerd.model.params import SUGGESTIONS_PER_BATCH

API = "/api/v1"


def sine(db, channel, n_inputs=3, frames=4800, freq=1000.0):
    """Inputs for ``play``: a ``db`` dBFS sine on ``channel`` (0-based), silence on the others."""
    inputs = np.zeros((n_inputs, frames), np.float32)
    inputs[channel] = 10 ** (db / 20) * np.sin(2 * np.pi * freq * np.arange(frames) / RATE)
    return inputs


def error_of(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "address", "allowed"} <= set(body["error"])
    return body["error"]


def test_state_has_every_value_and_seq(client, control):
    body = client.get(f"{API}/state").json()
    assert body["seq"] == 0
    assert body["values"] == control.state()[1]
    assert body["values"]["ch/1/name"] == "Vocal"
    assert body["values"]["ch/1/mute"] is False and body["values"]["ch/1/fader"] == 0.0


def test_params_lists_every_spec(client, control):
    params = client.get(f"{API}/params").json()["params"]
    assert [p["address"] for p in params] == list(control.tree.addresses())
    fader = next(p for p in params if p["address"] == "ch/2/fader")
    assert fader["min"] == -90 and fader["max"] == 10 and fader["unit"] == "dB"
    assert "choices" not in fader  # unset fields are left out, not null
    slope = next(p for p in params if p["address"] == "ch/2/hpf/slope")
    assert slope["choices"] == [12, 24] and slope["allowed"] == "12 or 24 dB/oct"


def test_get_one_param(client):
    body = client.get(f"{API}/params/ch/2/name").json()
    assert body["address"] == "ch/2/name" and body["value"] == "Guitar"
    assert body["spec"]["kind"] == "string" and body["spec"]["max_length"] == 32


def test_put_sets_the_value(client, control, play):
    sub = control.subscribe()
    response = client.put(f"{API}/params/ch/1/fader", json={"value": -6})
    assert response.status_code == 200
    assert response.json() == {"seq": 1, "address": "ch/1/fader", "value": -6.0, "origin": "rest", "actor": "rest"}
    assert control.get("ch/1/fader") == -6.0
    # the engine got it: a -12 dBFS sine into channel 1 leaves its fader 6 dB lower
    assert play(inputs=sine(-12.0, channel=0))["points"]["ch/1/post"]["peak"][0] == pytest.approx(-18.0, abs=0.05)
    assert sub.get_nowait().origin == "rest"
    assert client.get(f"{API}/params/ch/1/fader").json()["value"] == -6.0
    assert client.get(f"{API}/state").json()["seq"] == 1


@pytest.mark.parametrize("value, stored", [(True, True), (False, False)])
def test_put_bool(client, value, stored):
    assert client.put(f"{API}/params/ch/3/mute", json={"value": value}).json()["value"] is stored


def test_put_string_is_stored_stripped(client):
    assert client.put(f"{API}/params/bus/2/name", json={"value": "  Singer IEM "}).json()["value"] == "Singer IEM"


def test_unknown_address_is_404_with_suggestion(client):
    e = error_of(client.put(f"{API}/params/ch/1/fadr", json={"value": 0}), 404)
    assert e["code"] == "unknown_address" and e["address"] == "ch/1/fadr"
    assert "did you mean 'ch/1/fader'" in e["message"]
    assert e["allowed"].startswith("ch/1/{")
    assert error_of(client.get(f"{API}/params/ch/9/fader"), 404)["allowed"] == "ch/{1…3}/…"


@pytest.mark.parametrize("address, value, code", [
    ("ch/1/fader", "loud", "wrong_type"), ("ch/1/fader", None, "wrong_type"), ("ch/1/mute", 1, "wrong_type"),
    ("ch/1/fader", [1], "wrong_type"), ("ch/1/fader", 20, "out_of_range"), ("gen/1/freq", 5, "out_of_range"),
    ("ch/1/color", "blue", "invalid_value"), ("ch/1/name", "", "invalid_value"),
    ("gen/1/target", "ch/4", "invalid_value"), ("gen/1/target", "bus/3", "invalid_value"),
    ("ch/1/hpf/slope", 18, "invalid_value"), ("ch/1/hpf/slope", 48, "out_of_range"),
    ("ch/1/eq/1/type", "bell", "invalid_value"), ("ch/1/eq/1/gain", 16, "out_of_range"),
    ("ch/1/order", "eq-dyn", "invalid_value"),
])
def test_bad_values_are_422_and_change_nothing(client, control, address, value, code):
    before = control.state()
    e = error_of(client.put(f"{API}/params/{address}", json={"value": value}), 422)
    assert (e["code"], e["address"]) == (code, address)
    assert e["message"].startswith(f"{address}: ")
    assert e["allowed"]
    assert control.state() == before


def test_out_of_range_message_teaches(client):
    e = error_of(client.put(f"{API}/params/ch/3/fader", json={"value": 20}), 422)
    assert e["message"].startswith("ch/3/fader: 20 is out of range; allowed -90…+10 dB (-90 = closed)")


def test_non_finite_json_numbers_are_rejected(client):
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e400"):
        response = client.put(f"{API}/params/ch/1/fader", content=b'{"value": ' + literal + b"}",
                              headers={"content-type": "application/json"})
        assert error_of(response, 422)["code"] == "invalid_value"


@pytest.mark.parametrize("kwargs, words", [
    ({"content": b"{bad json", "headers": {"content-type": "application/json"}}, "not valid JSON"),
    ({"json": {}}, "body.value is missing"),
    ({"json": {"valu": 1}}, "body.value is missing"),
    ({"json": {"value": 1, "extra": 2}}, "body.extra is not a known field"),
    ({"json": [1, 2]}, "must be a JSON object"),
    ({"json": "x"}, "must be a JSON object"),
    ({"content": b'{"value": 1}', "headers": {"content-type": "text/plain"}}, "Content-Type: application/json"),
    ({}, "body is missing"),
])
def test_malformed_put_bodies_are_400(client, control, kwargs, words):
    e = error_of(client.put(f"{API}/params/ch/1/fader", **kwargs), 400)
    assert e["code"] == "malformed_request"
    assert words in e["message"]
    assert e["address"] == "ch/1/fader"
    assert e["allowed"] == '{"value": <number|bool|string>}'
    assert control.seq == 0


def test_patch_applies_all_changes(client, control, play):
    changes = {"ch/1/fader": -3, "ch/1/mute": True, "ch/2/send/2/level": 0, "ch/2/send/2/pan": -100,
               "bus/1/color": "#AA0000"}
    response = client.patch(f"{API}/params", json={"changes": changes})
    assert response.status_code == 200
    body = response.json()
    assert body["seq"] == 5
    assert [(e["seq"], e["address"], e["value"]) for e in body["events"]] == [
        (1, "ch/1/fader", -3.0), (2, "ch/1/mute", True), (3, "ch/2/send/2/level", 0.0),
        (4, "ch/2/send/2/pan", -100.0), (5, "bus/1/color", "#aa0000")]
    assert control.get("bus/1/color") == "#aa0000"
    # the engine got the whole batch: channel 1 is muted, channel 2 reaches the IEM bus, hard left
    points = play(inputs=sine(-12.0, channel=0) + sine(-20.0, channel=1))["points"]
    assert points["ch/1/input"]["peak"][0] == pytest.approx(-12.0, abs=0.05)  # metered before the mute
    assert points["ch/1/post"]["peak"] == [-120.0]
    assert points["bus/2"]["peak"][0] == pytest.approx(-20.0, abs=0.05) and points["bus/2"]["peak"][1] == -120.0


def test_patch_is_atomic_and_names_every_bad_address(client, control, engine, play):
    client.put(f"{API}/params/ch/1/fader", json={"value": -10})
    play()
    before = control.state()
    commands = engine.core.stats()["commands_applied"]
    response = client.patch(f"{API}/params", json={"changes": {
        "ch/1/fader": -3, "ch/1/fadr": 0, "ch/2/mute": "yes", "main/fader": 99, "ch/1/send/1/pan": 0}})
    e = error_of(response, 422)
    assert [x["address"] for x in e["errors"]] == ["ch/1/fadr", "ch/2/mute", "main/fader", "ch/1/send/1/pan"]
    assert [x["code"] for x in e["errors"]] == ["unknown_address", "wrong_type", "out_of_range", "unknown_address"]
    assert e["message"].startswith("4 of 5 changes rejected, nothing was applied")
    assert control.state() == before  # values and seq unchanged
    assert client.get(f"{API}/state").json()["seq"] == before[0]
    # nothing reached the engine: no command for the core, and channel 1 still sounds 10 dB down
    points = play(inputs=sine(-12.0, channel=0))["points"]
    assert engine.core.stats()["commands_applied"] == commands
    assert points["ch/1/post"]["peak"][0] == pytest.approx(-22.0, abs=0.05)


def test_empty_patch(client):
    client.put(f"{API}/params/main/mute", json={"value": True})
    assert client.patch(f"{API}/params", json={"changes": {}}).json() == {"seq": 1, "events": []}


@pytest.mark.parametrize("body", [{}, {"changes": [1]}, {"changes": "x"}, [], {"changes": {}, "x": 1}])
def test_malformed_patch_bodies_are_400(client, body):
    e = error_of(client.patch(f"{API}/params", json=body), 400)
    assert e["code"] == "malformed_request"
    assert e["allowed"] == '{"changes": {"<address>": <value>, ...}}'


def test_bad_input_never_gives_500(client):
    odd_values = [None, True, 0, -1e308, 1e308, "", "\u0000", "x" * 10_000, [], {}, {"a": [1]}, 10 ** 30]
    odd_addresses = ["", "/", "ch", "ch/", "ch//fader", "ch/0/fader", "ch/-1/fader", "ch/1/fader/x",
                     "%00", "ch/1/fader%2F..", "ü/ñ", "ch/1/" + "x" * 2000]
    for address in odd_addresses:
        assert client.get(f"{API}/params/{address}").status_code < 500
        for value in odd_values:
            assert client.put(f"{API}/params/{address}", json={"value": value}).status_code < 500
    for value in odd_values:
        assert client.put(f"{API}/params/ch/1/name", json={"value": value}).status_code < 500
        assert client.patch(f"{API}/params", json={"changes": {"ch/1/fader": value}}).status_code < 500


def test_a_patch_larger_than_the_mixer_is_413_naming_the_limit(client, control):
    n = len(control.tree)
    changes = {f"ch/1/nope{i}": 0 for i in range(n + 1)}
    e = error_of(client.patch(f"{API}/params", json={"changes": changes}), 413)
    assert e["code"] == "too_many_changes"
    assert f"a batch of {n + 1} changes is too large: this mixer has {n} parameters" in e["message"]
    assert e["allowed"] == f"at most {n} changes (every parameter of this mixer once)"
    assert control.seq == 0


def test_a_patch_of_many_unknown_addresses_is_answered_with_few_suggestions(client, control):
    n = len(control.tree)
    e = error_of(client.patch(f"{API}/params", json={"changes": {f"ch/1/fadr{i}": 0 for i in range(n)}}), 422)
    assert len(e["errors"]) == n and all(x["code"] == "unknown_address" for x in e["errors"])
    assert sum("did you mean 'ch/1/fader'" in x["message"] for x in e["errors"]) == SUGGESTIONS_PER_BATCH
    assert len(e["message"]) < 2000  # the first few are quoted, the list has them all


@pytest.mark.parametrize("method, path, body, where", [
    ("PUT", "/params/ch/1/name", '{"value": "x\\ud800"}', "body.value: the text"),
    ("PUT", "/params/gen/1/target", '{"value": "\\udfff"}', "body.value: the text"),
    ("PATCH", "/params", '{"changes": {"ch/1/name": "Vox\\uDBFF"}}', "body.changes.ch/1/name: the text"),
    ("PATCH", "/params", '{"changes": {"ch/1/fader": 0, "ch/1/fad\\ud800": 0}}',
     "body.changes.ch/1/fad\\ud800: the key"),
])
def test_a_lone_surrogate_is_400_not_500(client, control, method, path, body, where):
    response = client.request(method, API + path, content=body, headers={"Content-Type": "application/json"})
    e = error_of(response, 400)
    assert e["code"] == "malformed_request"
    assert f"malformed request: {where} has a lone UTF-16 surrogate" in e["message"]
    assert "send the character itself, or both halves of its pair" in e["message"]
    assert control.seq == 0
    # A pair is a character: the same escapes, both halves, are a name.
    paired = client.put(f"{API}/params/ch/1/name", content='{"value": "\\ud83c\\udfa4 Vox"}',
                        headers={"Content-Type": "application/json"})
    assert paired.status_code == 200 and paired.json()["value"] == "🎤 Vox"
