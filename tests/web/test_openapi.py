"""The published OpenAPI matches what the API answers."""

API = "/api/v1"
ERROR_REF = "#/components/schemas/ErrorBody"


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


#: Scenes, safes, versions and A/B (tests/web/test_api_scenes.py checks their answers against the schema).
SCENE_ENDPOINTS = {
    f"GET {API}/scenes", f"POST {API}/scenes", f"POST {API}/scenes/import", f"GET {API}/scenes/{{scene_id}}",
    f"PUT {API}/scenes/{{scene_id}}", f"PATCH {API}/scenes/{{scene_id}}", f"DELETE {API}/scenes/{{scene_id}}",
    f"GET {API}/scenes/{{scene_id}}/export", f"POST {API}/scenes/{{scene_id}}/recall", f"GET {API}/safes",
    f"PUT {API}/safes", f"GET {API}/versions", f"GET {API}/versions/{{version_id}}",
    f"POST {API}/versions/{{version_id}}/recall", f"GET {API}/ab", f"POST {API}/ab", f"POST {API}/ab/toggle",
    f"DELETE {API}/ab",
}

#: Access control (tests/web/test_auth.py checks them, and the 401/403 an app with access control documents).
AUTH_ENDPOINTS = {
    f"GET {API}/auth/status", f"POST {API}/auth/setup", f"POST {API}/auth/login", f"POST {API}/auth/logout",
    f"GET {API}/auth/links", f"POST {API}/auth/links", f"DELETE {API}/auth/links/{{link_id}}",
}


def test_every_endpoint_is_documented(client):
    schema = client.get("/openapi.json").json()
    assert {name for name, _ in operations(schema)} == {
        f"GET {API}/state", f"GET {API}/params", f"PATCH {API}/params", f"GET {API}/params/{{address}}",
        f"PUT {API}/params/{{address}}", f"GET {API}/meters", f"GET {API}/health", f"GET {API}/system",
        f"POST {API}/undo", f"POST {API}/redo", f"GET {API}/history", f"POST {API}/history/{{step}}/undo",
        f"POST {API}/history/{{step}}/redo",
        *SCENE_ENDPOINTS,
        f"POST {API}/mixes/{{bus}}/copy", f"GET {API}/templates", f"POST {API}/templates",
        f"GET {API}/templates/{{name}}", f"DELETE {API}/templates/{{name}}", f"POST {API}/templates/{{name}}/apply",
        *AUTH_ENDPOINTS,
        f"GET {API}/trace/{{address}}", f"GET {API}/diagnostics", f"POST {API}/gain-staging",
        f"GET {API}/recorder", f"POST {API}/recorder/start", f"POST {API}/recorder/stop", f"POST {API}/recorder/marker",
        f"GET {API}/takes", f"GET {API}/takes/{{take_id}}", f"PATCH {API}/takes/{{take_id}}",
        f"DELETE {API}/takes/{{take_id}}", f"GET {API}/takes/{{take_id}}/files/{{number}}",
        f"GET {API}/takes/{{take_id}}/zip", f"GET {API}/player", f"POST {API}/player/play",
        f"POST {API}/player/source", f"POST {API}/player/stop", f"GET {API}/fleet",
        f"POST {API}/fleet/{{node_id}}/scenes", f"POST {API}/fleet/{{node_id}}/channels",
    }


def test_error_responses_declare_the_common_body(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for name, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, (name, status)
    responses = dict(operations(schema))
    assert set(responses[f"PUT {API}/params/{{address}}"]["responses"]) == {"200", "400", "403", "404", "422"}
    assert set(responses[f"PATCH {API}/params"]["responses"]) == {"200", "400", "403", "413", "422"}
    assert set(responses[f"GET {API}/params/{{address}}"]["responses"]) == {"200", "404"}
    assert set(responses[f"GET {API}/health"]["responses"]) == {"200", "503"}
    assert set(responses[f"POST {API}/undo"]["responses"]) == {"200", "403", "409"}  # 403: cross_origin
    assert set(responses[f"POST {API}/redo"]["responses"]) == {"200", "403", "409"}
    assert set(responses[f"GET {API}/history"]["responses"]) == {"200", "400"}


def test_request_bodies_document_the_value_types(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    value = schemas["SetValue"]["properties"]["value"]
    assert {t["type"] for t in value["anyOf"]} == {"number", "boolean", "string"}
    assert schemas["SetValue"]["required"] == ["value"]
    assert schemas["ChangeSet"]["properties"]["changes"]["type"] == "object"
    assert set(schemas["ErrorInfo"]["required"]) == {"code", "message", "address", "allowed"}


# -- answers against the published schemas -------------------------------------------------------------
# A small JSON Schema check for the subset FastAPI publishes ($ref, anyOf, type, properties, required,
# additionalProperties, items, enum): enough to tell whether an answer is what OpenAPI promises.

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def violations(value, schema, components, where="$"):
    """Every way ``value`` breaks ``schema`` (an empty list when it conforms)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return violations(value, components[name], components, where)
    if "anyOf" in schema:
        options = [violations(value, option, components, where) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else [f"{where}: {value!r} matches none of {schema['anyOf']}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{where}: {value!r} is not of type {schema['type']}"]
    out = []
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += violations(item, schema["items"], components, f"{where}[{i}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        out += [f"{where}: {key!r} is required" for key in schema.get("required", []) if key not in value]
        extra = schema.get("additionalProperties", not properties)
        for key, item in value.items():
            if key in properties:
                out += violations(item, properties[key], components, f"{where}.{key}")
            elif extra is False:
                out.append(f"{where}: {key!r} is not documented")
            elif isinstance(extra, dict):
                out += violations(item, extra, components, f"{where}.{key}")
    return out


def answer_schema(schema, path, method="get", status="200"):
    return schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_the_checker_finds_violations(client):
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    spec_out = {"$ref": "#/components/schemas/SpecOut"}
    good = {"address": "a", "kind": "number", "unit": "dB/oct", "default": 12.0, "description": "d",
            "allowed": "12 or 24 dB/oct", "choices": [12.0, 24.0]}
    assert violations(good, spec_out, components) == []
    assert violations({**good, "kind": "float"}, spec_out, components)
    assert violations({**good, "choices": [True]}, spec_out, components)
    assert violations({**good, "extra": 1}, spec_out, components)
    assert violations({k: v for k, v in good.items() if k != "allowed"}, spec_out, components)


def test_spec_choices_are_documented_as_strings_or_numbers(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    choices = schemas["SpecOut"]["properties"]["choices"]
    array = next(option for option in choices["anyOf"] if option.get("type") == "array")
    assert {option["type"] for option in array["items"]["anyOf"]} == {"string", "number"}
    assert {"type": "null"} in choices["anyOf"]


def test_params_with_numeric_choices_conform_to_the_published_schema(client):
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    components = schema["components"]["schemas"]
    response = client.get(f"{API}/params")
    assert response.status_code == 200, response.text
    params = response.json()["params"]
    slopes = [p for p in params if p["template"] == "ch/{n}/hpf/slope"]
    assert [p["address"] for p in slopes] == ["ch/1/hpf/slope", "ch/2/hpf/slope", "ch/3/hpf/slope"]
    for slope in slopes:
        assert slope["choices"] == [12, 24] and all(type(c) is float for c in slope["choices"])
        assert slope["kind"] == "number" and slope["default"] == 12 and slope["allowed"] == "12 or 24 dB/oct"
    eq_type = next(p for p in params if p["address"] == "ch/1/eq/1/type")
    assert eq_type["choices"] == ["low-shelf", "peaking", "high-shelf", "low-cut", "high-cut"]
    target = next(p for p in params if p["address"] == "gen/1/target")
    assert target["choices"][-2:] == ["bus/1", "bus/2"]
    assert violations(response.json(), answer_schema(schema, f"{API}/params"), components) == []
    one = client.get(f"{API}/params/ch/2/hpf/slope")
    assert one.status_code == 200 and one.json()["spec"]["choices"] == [12, 24]
    assert violations(one.json(), answer_schema(schema, f"{API}/params/{{address}}"), components) == []


def test_other_answers_conform_to_the_published_schema(client, control, play):
    control.set_many({"gen/1/on": True, "ch/1/dyn/on": True}, "rest")
    play()
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for path in ("/state", "/meters", "/system"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 200, path
        assert violations(response.json(), answer_schema(schema, f"{API}{path}"), components) == [], path
    put = client.put(f"{API}/params/ch/1/hpf/slope", json={"value": 24})
    assert put.json()["value"] == 24.0
    assert violations(put.json(), answer_schema(schema, f"{API}/params/{{address}}", "put"), components) == []
    bad = client.put(f"{API}/params/ch/1/hpf/slope", json={"value": 18})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_value"
    assert "12 or 24" in bad.json()["error"]["allowed"]
    assert violations(bad.json(), answer_schema(schema, f"{API}/params/{{address}}", "put", "422"), components) == []


def test_undo_redo_and_history_answers_conform_to_the_published_schema(client, control):
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    for action in ("undo", "redo"):
        nothing = client.post(f"{API}/{action}")
        assert nothing.status_code == 409
        assert violations(nothing.json(), answer_schema(schema, f"{API}/{action}", "post", "409"), components) == []
    control.set_many({"ch/1/fader": -6, "ch/1/name": "Vox", "ch/1/mute": True}, "rest")
    control.set("ch/2/fader", -3, "mqtt")
    for action in ("undo", "redo"):
        answer = client.post(f"{API}/{action}")
        assert answer.status_code == 200 and answer.json()["events"]
        assert violations(answer.json(), answer_schema(schema, f"{API}/{action}", "post"), components) == []
    client.post(f"{API}/undo")
    for query in ("", "?limit=2", "?limit=2&before=3"):
        history = client.get(f"{API}/history{query}")
        assert history.status_code == 200 and history.json()["entries"], query
        assert violations(history.json(), answer_schema(schema, f"{API}/history"), components) == [], query
    entry = components["HistoryEntryOut"]
    assert entry["properties"]["when"]["format"] == "date-time"
    assert set(entry["required"]) == {"seq", "when", "origin", "actor", "address", "old", "new", "step", "undone"}
    bad = client.get(f"{API}/history?limit=0")
    assert violations(bad.json(), answer_schema(schema, f"{API}/history", "get", "400"), components) == []
