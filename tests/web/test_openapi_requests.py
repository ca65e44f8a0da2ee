"""The published request schemas say exactly what the API takes: every body the OpenAPI document allows is
accepted and every body it forbids is refused (400 or 422, nothing changed), found by walking the document
itself; ``OPTIONS`` and every 405 list all of a path's methods; a method a path does not take is a 405.

The walk: for each operation with a JSON body, a body that works here is mutated one property at a time
with values made from the property's own schema — its bounds and one step past them, every enum member,
each JSON type it does or does not allow, a missing required property, an unknown one. ``PATCH /params``
is walked per address: its schema names the value rule of every address of this mixer."""

from __future__ import annotations

import itertools
import json
import re
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.model import Layout, ParamTree
from mixerd.store import Store
from mixerd.web import create_app

API = "/api/v1"
_unique = itertools.count(1)

# -- a JSON Schema check for what the document uses ----------------------------------------------------

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].removeprefix("#/components/schemas/")]
    return schema


def violations(value: Any, schema: dict, components: dict, where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (empty: it conforms)."""
    schema = resolve(schema, components)
    if "anyOf" in schema:
        if all(violations(value, option, components, where) for option in schema["anyOf"]):
            return [f"{where}: {value!r} matches none of {schema['anyOf']}"]
    if "enum" in schema and not any(value == e and type(value) is not bool or value is e for e in schema["enum"]):
        return [f"{where}: {value!r} not in {schema['enum']}"]
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{where}: {value!r} is not of type {schema['type']}"]
    out = []
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{where}: {value!r} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{where}: {value!r} > {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            out.append(f"{where}: {value!r} has the wrong length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            out.append(f"{where}: {len(value)} items")
        for i, item in enumerate(value):
            out += violations(item, schema.get("items", {}), components, f"{where}[{i}]")
    if isinstance(value, dict):
        if len(value) < schema.get("minProperties", 0) or len(value) > schema.get("maxProperties", len(value)):
            out.append(f"{where}: {len(value)} properties")
        properties = schema.get("properties", {})
        out += [f"{where}: {key!r} is required" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in properties:
                out += violations(item, properties[key], components, f"{where}.{key}")
                continue
            patterns = [s for p, s in schema.get("patternProperties", {}).items() if re.search(p, key)]
            for pattern_schema in patterns:
                out += violations(item, pattern_schema, components, f"{where}.{key}")
            extra = schema.get("additionalProperties", True)
            if not patterns and extra is False:
                out.append(f"{where}: {key!r} is not allowed")
            elif not patterns and isinstance(extra, dict):
                out += violations(item, extra, components, f"{where}.{key}")
    return out


# -- values made from a schema -------------------------------------------------------------------------

#: One value of every JSON type.
SAMPLES = [True, False, 0, 1, -1, 2.5, "x", "", None, [], {}, [1], {"a": 1}]


def _text(length: int) -> str:
    """A fresh name of ``length`` characters (names must be unique)."""
    text = f"n{next(_unique)}"
    return (text + "x" * length)[:length] if length >= len(text) else "y" * length


def candidates(schema: dict, components: dict) -> list[Any]:
    """Values near the edges of ``schema``, inside and outside: the samples, the bounds and a step past
    them, the enum members, lengths at and past the limits, arrays of the item's candidates."""
    schema = resolve(schema, components)
    out: list[Any] = list(SAMPLES)
    for option in schema.get("anyOf", []):
        out += candidates(option, components)
    out += list(schema.get("enum", []))
    for bound, step in (("minimum", -1), ("maximum", 1)):
        if bound in schema:
            out += [schema[bound], schema[bound] + step, schema[bound] + step / 2]
    if schema.get("type") == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 70)
        out += [_text(low), _text(high), _text(high + 1), " " * max(low, 1), "a b", "a/*x", "\x01"]
    if schema.get("type") == "array" and "items" in schema:
        items = [c for c in candidates(schema["items"], components) if not isinstance(c, (list, dict))]
        out += [[item] for item in items]
        good = [c for c in items if not violations(c, schema["items"], components)]
        if good and "maxItems" in schema:
            out.append([good[0]] * (schema["maxItems"] + 1))
    return out


# -- the mixer the walk runs against -----------------------------------------------------------------

LAYOUT = Layout.simple(4, 3, stereo_buses=1, generators=1, fx=("reverb",))


@pytest.fixture
def mixer(tmp_path):
    from mixerd.engine import Engine
    from mixerd.recorder import Recorder, Takes

    store = Store.memory()
    engine = Engine(LAYOUT)  # offline: the recorder's takes start and stop on its core
    control = Control(ParamTree.from_layout(LAYOUT), link=engine, store=store)
    recorder = Recorder(control, engine, Takes(tmp_path / "takes", reserve=0))
    app = create_app(control, recorder=recorder)
    with TestClient(app) as client:
        assert client.post(f"{API}/scenes", json={"name": "Start"}).json()["id"] == 1
        control.set("ch/1/fader", -3, "rest")
        yield app, client, control
    store.close()


def document(client) -> tuple[dict, dict]:
    schema = client.get("/openapi.json").json()
    return schema, schema["components"]["schemas"]


def body_schema(schema: dict, path: str, method: str) -> tuple[dict, bool]:
    body = schema["paths"][path][method]["requestBody"]
    return body["content"]["application/json"]["schema"], body.get("required", False)


def _delete_scene(client, answer) -> None:
    scene = answer.json().get("scene", answer.json())
    client.delete(f"{API}/scenes/{scene['id']}?confirm=true")


#: Each operation with a body: a concrete URL, a body that works here, what an accepted body is undone
#: with (so the next one meets the same mixer), and the refusals no schema can express — a name already
#: taken, a pattern or bus this mixer does not have, a scene none of whose values fit — allowed for bodies
#: the schema lets through (each is a documented 4xx).
OPERATIONS = {
    ("post", f"{API}/scenes"): (f"{API}/scenes", {"name": "Verse"}, _delete_scene, {"name_taken"}),
    ("patch", f"{API}/scenes/{{scene_id}}"): (f"{API}/scenes/1", {"name": "Chorus"}, None, {"name_taken"}),
    ("post", f"{API}/scenes/import"): (f"{API}/scenes/import", {"mixerd_scene": 1, "name": "Bridge",
                                                                 "values": {"ch/1/fader": -6.0}}, _delete_scene,
                                        {"name_taken", "invalid_scene"}),
    ("post", f"{API}/scenes/{{scene_id}}/recall"): (f"{API}/scenes/1/recall",
                                                    {"fade_ms": 0, "scope": ["ch/*/send/2/*"]}, None, {"no_match"}),
    ("post", f"{API}/versions/{{version_id}}/recall"): None,  # the same RecallIn as a scene's recall
    ("put", f"{API}/safes"): (f"{API}/safes", {"patterns": ["ch/*/send/3/*", "bus/3/**"]}, None, {"no_match"}),
    ("post", f"{API}/ab"): (f"{API}/ab", {"with": {"scene": 1}, "fade_ms": 0},
                            lambda client, _: client.delete(f"{API}/ab"), {"no_match", "not_found"}),
    ("post", f"{API}/ab/toggle"): (f"{API}/ab/toggle", {"fade_ms": 0}, None, set()),
    ("post", f"{API}/mixes/{{bus}}/copy"): (f"{API}/mixes/1/copy", {"from": "main"}, None, {"not_found"}),
    ("post", f"{API}/templates"): (f"{API}/templates", {"name": "Sunday"}, None, set()),
    ("post", f"{API}/gain-staging"): (f"{API}/gain-staging", {"channels": [1], "listen_s": 1}, None, set()),
    # Walked per address below (the value rule is the address's):
    ("patch", f"{API}/params"): None,
    # The value's rule is that of the address in the path, which a schema cannot tie to the body; the
    # same rule is walked for every address through PATCH /params, and a 422 is documented:
    ("put", f"{API}/params/{{address}}"): None,
    # A take of sources this mixer has (any string the schema allows may name none: not_found; twice: invalid_value):
    ("post", f"{API}/recorder/start"): (f"{API}/recorder/start", {"sources": ["ch/1", "main"], "name": "Take"},
                                        lambda client, _: client.post(f"{API}/recorder/stop"),
                                        {"not_found", "invalid_value"}),
    # These need a take (running, or on the disk); tests/web/test_api_recorder.py sends their bodies:
    ("post", f"{API}/recorder/marker"): None, ("patch", f"{API}/takes/{{take_id}}"): None,
    ("post", f"{API}/player/play"): None, ("post", f"{API}/player/source"): None,
    # They need another box on an MQTT broker (this app has none: 503); tests/mqtt/test_fleet_copy.py sends them:
    ("post", f"{API}/fleet/{{node_id}}/scenes"): None, ("post", f"{API}/fleet/{{node_id}}/channels"): None,
    # Access control is off in this app (409 auth_disabled); tests/web/test_auth.py covers these bodies:
    ("post", f"{API}/auth/setup"): None, ("post", f"{API}/auth/login"): None, ("post", f"{API}/auth/links"): None,
}


def _accepted(answer) -> bool:
    return 200 <= answer.status_code < 300


def test_every_body_the_schema_allows_is_taken_and_every_other_refused(mixer):
    app, client, control = mixer
    schema, components = document(client)
    with_body = {(m, p) for p, item in schema["paths"].items() for m, op in item.items() if "requestBody" in op}
    assert with_body == set(OPERATIONS), "a new operation with a body: add it to OPERATIONS"
    assistant = app.state.diagnostics.assistant
    mismatches = []
    for (method, path), how in OPERATIONS.items():
        if how is None:
            continue
        url, base, undo, semantic = how
        if path.endswith("/ab/toggle"):
            assert client.post(f"{API}/ab", json={"with": {"scene": 1}}).status_code == 200
        body_spec, required = body_schema(schema, path, method)
        properties = resolve(body_spec, components).get("properties", {})
        bodies: list[Any] = [base, {**base, "unknown": 1}]
        for key in properties:
            bodies += [{**base, key: value} for value in candidates(properties[key], components)]
            bodies.append({k: v for k, v in base.items() if k != key})
        bodies += [[base], "x", None] + ([] if required else [...])  # ... : no body at all
        for body in bodies:
            expected = [] if body is ... else violations(body, body_spec, components)
            seq = control.seq
            busy = path.endswith("/gain-staging") and assistant._lock.acquire()  # valid: 409 busy, no listening
            try:
                answer = client.request(method, url, **({} if body is ... else {"json": body}))
            finally:
                if busy:
                    assistant._lock.release()
            code = answer.json().get("error", {}).get("code") if not _accepted(answer) else None
            took = _accepted(answer) or (busy and code == "busy")
            if took and undo:
                undo(client, answer)
            shown = json.dumps(body) if body is not ... else "(no body)"
            if expected and (took or answer.status_code not in (400, 404, 422)):
                mismatches.append(f"{method.upper()} {url} {shown}: {answer.status_code}, the schema forbids it: "
                                  f"{expected[0]}")
            elif not expected and not took and code not in semantic:
                mismatches.append(f"{method.upper()} {url} {shown}: {answer.status_code} {answer.text[:200]}, "
                                  "the schema allows it")
            if not took:
                assert control.seq == seq
        if path.endswith("/ab/toggle"):
            client.delete(f"{API}/ab")
    assert mismatches == []


def test_patch_params_takes_exactly_what_each_address_allows(mixer):
    _, client, control = mixer
    schema, components = document(client)
    body_spec, _ = body_schema(schema, f"{API}/params", "patch")
    changes = resolve(body_spec, components)["properties"]["changes"]
    params = client.get(f"{API}/params").json()["params"]
    rows: dict[str, dict] = {}
    for spec in params:  # one address per table row and rule is enough: the rule is the row's
        rows.setdefault(spec.get("template", spec["address"]) + json.dumps([spec.get(k) for k in (
            "min", "max", "choices", "pattern", "min_length", "max_length")]), spec)
    mismatches = []
    for spec in rows.values():
        address = spec["address"]
        rule = [s for p, s in changes["patternProperties"].items() if re.search(p, address)]
        assert len(rule) == 1, address
        for value in candidates(rule[0], components) + [spec["default"]]:
            expected = violations({"changes": {address: value}}, body_spec, components)
            seq = control.seq
            answer = client.patch(f"{API}/params", json={"changes": {address: value}})
            if _accepted(answer) == bool(expected) or answer.status_code not in (200, 400, 422):
                mismatches.append(f"{address} = {value!r}: {answer.status_code} {answer.text[:120]}; "
                                  f"schema: {expected[:1] or 'valid'}")
            if not _accepted(answer):
                assert control.seq == seq
    unknown = client.patch(f"{API}/params", json={"changes": {"ch/9/fader": 0, "ch/1/fadr": 0}})
    assert unknown.status_code == 422 and violations({"changes": {"ch/9/fader": 0}}, body_spec, components)
    assert mismatches == []


def test_every_example_in_the_document_conforms_to_its_schema(mixer):
    _, client, _ = mixer
    _, components = document(client)
    for name, schema in components.items():
        for example in schema.get("examples", []):
            assert violations(example, schema, components) == [], name


# -- methods --------------------------------------------------------------------------------------------

def test_options_and_405_list_every_method_of_the_path(mixer):
    _, client, _ = mixer
    schema, _ = document(client)
    for path, item in schema["paths"].items():
        url = path.replace("{address}", "ch/1/fader").replace("{scene_id}", "1").replace("{version_id}", "1") \
            .replace("{bus}", "1").replace("{name}", "x").replace("{link_id}", "x")
        methods = {m.upper() for m in item} | {"OPTIONS"}
        answer = client.options(url)
        assert answer.status_code == 204 and set(answer.headers["allow"].split(", ")) == methods, (path, answer)
        for other in {"GET", "POST", "PUT", "PATCH", "DELETE"} - methods:
            refused = client.request(other, url)
            assert refused.status_code == 405, (other, path, refused.text)
            assert set(refused.headers["allow"].split(", ")) == methods, (other, path)
            error = refused.json()["error"]
            assert error["code"] == "method_not_allowed" and set(error["allowed"].split(", ")) == methods
    assert client.options(f"{API}/nothing-here").status_code == 404


def test_a_method_a_path_does_not_take_is_405_not_a_bad_id(mixer):
    _, client, _ = mixer
    answer = client.patch(f"{API}/scenes/import", json={"name": "x"})
    assert answer.status_code == 405 and answer.headers["allow"] == "OPTIONS, POST"
    assert client.get(f"{API}/scenes/import").status_code == 405
    assert client.get(f"{API}/scenes/abc").status_code == 404  # no such scene, not a malformed request
    assert client.get(f"{API}/scenes/{'9' * 30}").status_code == 404
    assert client.get(f"{API}/versions/{'9' * 30}").status_code == 404


def test_gain_staging_takes_no_body_as_the_defaults(mixer):
    app, client, _ = mixer
    schema, _ = document(client)
    operation = schema["paths"][f"{API}/gain-staging"]["post"]
    assert operation["requestBody"].get("required", False) is False and "400" in operation["responses"]
    assistant = app.state.diagnostics.assistant
    assert assistant._lock.acquire()  # another run listens: a request that passed every check answers 409 busy
    try:
        for body in ({}, {"json": {}}, {"json": {"apply": False}}):
            answer = client.post(f"{API}/gain-staging", **body)
            assert answer.status_code == 409 and answer.json()["error"]["code"] == "busy", answer.text
        assert client.post(f"{API}/gain-staging", json={"apply": 0}).status_code == 400
    finally:
        assistant._lock.release()
