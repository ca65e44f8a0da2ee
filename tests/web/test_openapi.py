"""The published OpenAPI matches what the API answers."""

API = "/api/v1"
ERROR_REF = "#/components/schemas/ErrorBody"


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_endpoint_is_documented(client):
    schema = client.get("/openapi.json").json()
    assert {name for name, _ in operations(schema)} == {
        f"GET {API}/state", f"GET {API}/params", f"PATCH {API}/params", f"GET {API}/params/{{address}}",
        f"PUT {API}/params/{{address}}", f"GET {API}/meters", f"GET {API}/health", f"GET {API}/system",
    }


def test_error_responses_declare_the_common_body(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for name, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, (name, status)
    responses = dict(operations(schema))
    assert set(responses[f"PUT {API}/params/{{address}}"]["responses"]) == {"200", "400", "404", "422"}
    assert set(responses[f"PATCH {API}/params"]["responses"]) == {"200", "400", "422"}
    assert set(responses[f"GET {API}/params/{{address}}"]["responses"]) == {"200", "404"}
    assert set(responses[f"GET {API}/health"]["responses"]) == {"200", "503"}


def test_request_bodies_document_the_value_types(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    value = schemas["SetValue"]["properties"]["value"]
    assert {t["type"] for t in value["anyOf"]} == {"number", "boolean", "string"}
    assert schemas["SetValue"]["required"] == ["value"]
    assert schemas["ChangeSet"]["properties"]["changes"]["type"] == "object"
    assert set(schemas["ErrorInfo"]["required"]) == {"code", "message", "address", "allowed"}
