"""Text over REST: one rule for every kind of name (channel, bus, DCA and mute group names, scene names, link
labels, template names), a lone UTF-16 surrogate refused with 400 wherever text enters, and a database from an
earlier mixerd holding such a surrogate still listable and deletable."""

from __future__ import annotations

import warnings
from urllib.parse import quote

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.model import ParamTree
from mixerd.store import Store
from mixerd.web import create_app
from mixerd.control.access import META_LINKS, Auth

API = "/api/v1"
PASSWORD = "correct horse battery"
JSON = {"Content-Type": "application/json"}
EMOJI = "👩\u200d🎤 Vox"  # woman singer: a zero-width joiner sequence


@pytest.fixture
def control(stored_control) -> Control:
    return stored_control


@pytest.fixture
def app(control, store):
    return create_app(control, auth=Auth(store))


@pytest.fixture
def admin(client) -> dict[str, str]:
    answer = client.post(f"{API}/auth/setup", json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def name_it(client, admin, kind: str, name: str):
    """Give a thing of ``kind`` the name ``name`` the way a client does; the answer."""
    if kind in ("ch/1/name", "bus/2/name", "dca/1/name", "mutegroup/1/name"):
        return client.put(f"{API}/params/{kind}", json={"value": name}, headers=admin)
    if kind == "scene":
        return client.post(f"{API}/scenes", json={"name": name}, headers=admin)
    if kind == "link label":
        return client.post(f"{API}/auth/links", json={"role": "viewer", "label": name}, headers=admin)
    assert kind == "template"
    return client.post(f"{API}/templates", json={"name": name}, headers=admin)


def named(answer, kind: str) -> str:
    body = answer.json()
    return body["value"] if "/" in kind else body["label"] if kind == "link label" else body["name"]


KINDS = ["ch/1/name", "bus/2/name", "dca/1/name", "mutegroup/1/name", "scene", "link label", "template"]
LONGEST = {"scene": 64, "link label": 64, "template": 64}  # names of parameters: 32


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [EMOJI, "👨\u200d👩\u200d👧\u200d👦", "🇩🇪 👍🏽 ❤\ufe0f", "می\u200cخواهم"])
def test_emoji_and_joiners_are_names(client, admin, kind, name):
    answer = name_it(client, admin, kind, name)
    assert answer.status_code in (200, 201), answer.text
    assert named(answer, kind) == name


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, refused", [
    ("Vox\u202e1", "U+202E (RIGHT-TO-LEFT OVERRIDE) at character 4, a bidirectional control"),
    ("Vox\u2066x", "U+2066 (LEFT-TO-RIGHT ISOLATE) at character 4, a bidirectional control"),
    ("Vox\x85x", "U+0085 at character 4, a control character"),
    ("Vox\x00x", "U+0000 at character 4, a control character"),
    ("Vox\u200bx", "U+200B (ZERO WIDTH SPACE) at character 4, an invisible format character"),
    ("Vox\u2028x", "U+2028 (LINE SEPARATOR) at character 4, a line or paragraph separator"),
])
def test_every_kind_of_name_refuses_the_same_characters(client, admin, kind, name, refused):
    answer = name_it(client, admin, kind, name)
    assert answer.status_code == 422, answer.text
    e = answer.json()["error"]
    assert e["code"] in ("invalid_value", "invalid_name")
    assert refused in e["message"]
    longest = LONGEST.get(kind, 32)
    assert e["allowed"].startswith(f"1–{longest} characters of text (emoji welcome; no control, bidirectional or "
                                   "invisible format characters)")


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_longer_than_its_kind_allows_is_refused(client, admin, kind):
    longest = LONGEST.get(kind, 32)
    assert name_it(client, admin, kind, "x" * longest).status_code in (200, 201)
    answer = name_it(client, admin, kind, "y" * (longest + 1))
    assert answer.status_code == 422 and f"at most {longest} are allowed" in answer.json()["error"]["message"]


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "/params/ch/1/name", '{"value": "x\\ud800"}'),
    ("PATCH", "/params", '{"changes": {"ch/1/name": "x\\ud800"}}'),
    ("POST", "/scenes", '{"name": "x\\ud800"}'),
    ("POST", "/scenes/import", '{"mixerd_scene": 1, "name": "x", "values": {"ch/1/n\\ud800me": "x"}}'),
    ("PUT", "/safes", '{"patterns": ["ch/*/fader", "ch/\\ud800"]}'),
    ("POST", "/auth/links", '{"role": "viewer", "label": "x\\ud800"}'),
    ("POST", "/templates", '{"name": "x\\ud800"}'),
])
def test_a_lone_surrogate_is_400_wherever_text_enters_and_nothing_is_kept(client, admin, method, path, body):
    answer = client.request(method, API + path, content=body, headers={**admin, **JSON})
    assert answer.status_code == 400, answer.text
    e = answer.json()["error"]
    assert e["code"] == "malformed_request" and "lone UTF-16 surrogate \\ud800" in e["message"]
    assert client.get(f"{API}/auth/links", headers=admin).json()["links"] == []
    assert client.get(f"{API}/templates", headers=admin).json()["templates"] == []
    assert client.get(f"{API}/scenes", headers=admin).json()["scenes"] == []
    assert client.get(f"{API}/safes", headers=admin).json()["patterns"] == []
    assert client.get(f"{API}/state", headers=admin).json()["seq"] == 0


def test_credentials_are_asked_before_the_body_is_judged(client, admin):
    answer = client.post(f"{API}/scenes", content='{"name": "x\\ud800"}', headers=JSON)
    assert answer.status_code == 401


def test_an_older_database_with_a_lone_surrogate_lists_and_deletes(tmp_path, layout, engine):
    """Earlier versions kept a link label and a template name with a lone surrogate, after which
    GET /auth/links and GET /templates answered 500 for good. Opened now, both list (the surrogate shown
    as U+FFFD), the link can be revoked and the template deleted, and a restart keeps it so."""
    directory = tmp_path / "state"
    old = Store.open(directory)
    old_auth = Auth(old)
    old_auth.setup(PASSWORD)
    old_auth.create_link("viewer", None, "Front\ud800")  # what the earlier POST /auth/links kept
    old.set_meta("templates", {"Gig\ud800": {"saved": 1.0, "values": {"ch/1/name": "Kick"}}})
    old.close()

    tree = ParamTree.from_layout(layout)
    for start in (1, 2):
        store = Store.open(directory)
        try:
            app = create_app(Control(tree, link=engine, store=store), auth=Auth(store))
            with TestClient(app) as client:
                token = client.post(f"{API}/auth/login", json={"password": PASSWORD}).json()["token"]
                client.cookies.clear()
                admin = {"Authorization": f"Bearer {token}"}
                links = client.get(f"{API}/auth/links", headers=admin)
                assert links.status_code == 200, links.text
                assert [x["label"] for x in links.json()["links"]] == ["Front\ufffd"]
                templates = client.get(f"{API}/templates", headers=admin)
                assert templates.status_code == 200, templates.text
                if start == 1:
                    assert [t["name"] for t in templates.json()["templates"]] == ["Gig\ufffd"]
                    link_id = links.json()["links"][0]["id"]
                    revoked = client.delete(f"{API}/auth/links/{link_id}", headers=admin)
                    assert revoked.status_code == 200 and revoked.json()["revoked"] is not None
                    deleted = client.delete(f"{API}/templates/" + quote("Gig\ufffd"), headers=admin)
                    assert deleted.status_code == 204, deleted.text
                else:
                    assert templates.json()["templates"] == []
                    assert links.json()["links"][0]["revoked"] is not None
            assert "\\ud800" not in str(store.meta(META_LINKS))
        finally:
            store.close()
