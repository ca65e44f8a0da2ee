"""Access control, every rule through REST and through the WebSocket: 401 without credentials, the admin
password (first-start setup, login, cookie, logout, rate limit), mix links that change only their own mix,
read-only viewers, revocation (REST at once, open sockets closed), and what the database keeps."""

from __future__ import annotations

import json

import sqlite3
import warnings

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.web import create_app
from mixerd.control.access import MIX_RULES, Auth, Principal, hash_password, may_write, verify_password

API = "/api/v1"
PASSWORD = "correct horse battery"
MIX = 2  # the conftest layout: bus 1 "Drummer" (mono aux), bus 2 "IEM" (stereo aux)
OTHER = 1


class Clock:
    """A monotonic clock the test moves (the login rate limiter's window)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def control(stored_control) -> Control:
    return stored_control


@pytest.fixture
def auth(store, clock) -> Auth:
    return Auth(store, clock=clock)


@pytest.fixture
def app(control, auth):  # overrides conftest's open app
    return create_app(control, auth=auth)


@pytest.fixture
def admin(client) -> dict[str, str]:
    """Headers of an admin session (the password set on "first start")."""
    answer = client.post(f"{API}/auth/setup", json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.cookies.clear()  # each test says which credentials it sends
    return bearer(answer.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_link(client, admin, role: str, bus: int | None = None, label: str | None = None) -> dict:
    body = {"role": role, **({"bus": bus} if bus is not None else {}), **({"label": label} if label else {})}
    answer = client.post(f"{API}/auth/links", json=body, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def mix(client, admin) -> dict[str, str]:
    return bearer(make_link(client, admin, "mix", MIX, "Drummer's ears")["token"])


@pytest.fixture
def viewer(client, admin) -> dict[str, str]:
    return bearer(make_link(client, admin, "viewer")["token"])


def code(answer) -> str:
    return answer.json()["error"]["code"]


# Every write endpoint that is not a parameter change, with a body that is valid for it.
def admin_only_writes(scene_id: int = 1, version_id: int = 1) -> list[tuple[str, str, dict | None]]:
    return [
        ("POST", f"{API}/history/1/undo", None),  # someone else's step (a musician's own: test below)
        ("POST", f"{API}/history/1/redo", None),
        ("POST", f"{API}/scenes", {"name": "Verse"}),
        ("POST", f"{API}/scenes/import", {"mixerd_scene": 1, "name": "Imported", "values": {"ch/1/fader": -3}}),
        ("PUT", f"{API}/scenes/{scene_id}", None),
        ("PATCH", f"{API}/scenes/{scene_id}", {"name": "Chorus"}),
        ("POST", f"{API}/scenes/{scene_id}/recall", {}),
        ("DELETE", f"{API}/scenes/{scene_id}?confirm=true", None),
        ("PUT", f"{API}/safes", {"patterns": ["ch/*/send/2/*"]}),
        ("POST", f"{API}/versions/{version_id}/recall", {}),
        ("POST", f"{API}/ab", {"with": {"scene": scene_id}}),
        ("POST", f"{API}/ab/toggle", None),
        ("DELETE", f"{API}/ab", None),
        ("POST", f"{API}/mixes/{MIX}/copy", {"from": "main"}),
        ("POST", f"{API}/templates", {"name": "Sunday"}),
        ("POST", f"{API}/templates/Sunday/apply", None),
        ("DELETE", f"{API}/templates/Sunday", None),
        ("POST", f"{API}/auth/links", {"role": "viewer"}),
        ("DELETE", f"{API}/auth/links/lnope", None),
        ("POST", f"{API}/recorder/start", {}),  # a mix link may not record, stop, mark or delete takes
        ("POST", f"{API}/recorder/stop", None),
        ("POST", f"{API}/recorder/marker", {"name": "verse 2"}),
        ("PATCH", f"{API}/takes/20261203-201500", {"name": "Gig"}),
        ("DELETE", f"{API}/takes/20261203-201500?confirm=true", None),
        ("POST", f"{API}/player/play", {"take": "20261203-201500"}),  # nor play takes back
        ("POST", f"{API}/player/stop", None),
    ]


def request(client, method: str, url: str, body, headers):
    kwargs = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return client.request(method, url, **kwargs)


# ---- no credentials ------------------------------------------------------------------------------------

def test_every_endpoint_needs_credentials_except_status_login_and_setup(client):
    schema = client.get("/openapi.json").json()
    public = {("get", f"{API}/auth/status"), ("post", f"{API}/auth/login"), ("post", f"{API}/auth/setup")}
    checked = 0
    for path, item in schema["paths"].items():
        for method in item:
            url = (path.replace("{address}", "ch/1/fader").replace("{scene_id}", "1").replace("{version_id}", "1")
                   .replace("{bus}", "1").replace("{name}", "x").replace("{link_id}", "l1"))
            answer = client.request(method.upper(), url, json={})
            if (method, path) in public:
                assert answer.status_code != 401, (method, path)
                continue
            assert answer.status_code == 401, (method, path, answer.text)
            assert code(answer) == "unauthenticated" and "log in" in answer.json()["error"]["message"]
            assert answer.headers["www-authenticate"].startswith("Bearer")
            checked += 1
    assert checked == sum(len(item) for item in schema["paths"].values()) - len(public) > 35
    # A made-up token is no better than none; the page and its files are always served.
    assert client.get(f"{API}/state", headers=bearer("s123.forged")).status_code == 401
    assert client.get(f"{API}/state", headers=bearer("garbage")).status_code == 401
    assert client.get("/").status_code == 200


def test_status_answers_without_credentials_and_says_who_is_asking(client, admin, mix, viewer):
    assert client.get(f"{API}/auth/status").json() == {"enabled": True, "password_set": True, "role": None,
                                                       "bus": None, "label": None}
    assert client.get(f"{API}/auth/status", headers=admin).json()["role"] == "admin"
    assert client.get(f"{API}/auth/status", headers=mix).json() == {
        "enabled": True, "password_set": True, "role": "mix", "bus": MIX, "label": "Drummer's ears"}
    assert client.get(f"{API}/auth/status", headers=viewer).json()["role"] == "viewer"
    assert client.get(f"{API}/auth/status", headers=bearer("l1.forged")).json()["role"] is None


def test_open_api_without_auth(control):
    with TestClient(create_app(control)) as client:
        assert client.get(f"{API}/auth/status").json() == {"enabled": False, "password_set": False,
                                                           "role": "admin", "bus": None, "label": None}
        assert client.put(f"{API}/params/ch/1/fader", json={"value": -3}).status_code == 200
        answer = client.post(f"{API}/auth/login", json={"password": "x"})
        assert answer.status_code == 409 and code(answer) == "auth_disabled"
        with client.websocket_connect(f"{API}/ws") as ws:
            assert ws.receive_json()["role"] == "admin"


# ---- the admin password --------------------------------------------------------------------------------

def test_setup_sets_the_password_once_and_logs_in(client, auth):
    assert client.get(f"{API}/auth/status").json()["password_set"] is False
    answer = client.post(f"{API}/auth/login", json={"password": PASSWORD})
    assert answer.status_code == 409 and code(answer) == "password_not_set"
    short = client.post(f"{API}/auth/setup", json={"password": "short"})
    assert short.status_code == 422 and code(short) == "weak_password"
    answer = client.post(f"{API}/auth/setup", json={"password": PASSWORD})
    assert answer.status_code == 200 and answer.json()["role"] == "admin"
    assert "mixerd_token" in answer.headers["set-cookie"]
    client.cookies.clear()
    token = answer.json()["token"]
    assert client.get(f"{API}/state", headers=bearer(token)).status_code == 200
    again = client.post(f"{API}/auth/setup", json={"password": "another password"}, headers=bearer(token))
    assert again.status_code == 409 and code(again) == "password_set"
    assert auth.password_set
    assert client.post(f"{API}/auth/login", json={"password": "another password"}).status_code == 401


def test_login_wrong_password_is_401_and_the_cookie_works(client, admin):
    wrong = client.post(f"{API}/auth/login", json={"password": "not it"})
    assert wrong.status_code == 401 and code(wrong) == "bad_password"
    assert "mixerd_token" not in client.cookies
    answer = client.post(f"{API}/auth/login", json={"password": PASSWORD})
    assert answer.status_code == 200 and answer.json()["role"] == "admin"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    # The cookie alone is enough, for REST and for the WebSocket.
    assert client.cookies["mixerd_token"] == answer.json()["token"]
    assert client.put(f"{API}/params/ch/1/fader", json={"value": -4}).status_code == 200
    assert client.get(f"{API}/auth/status").json()["role"] == "admin"
    with client.websocket_connect(f"{API}/ws") as ws:
        assert ws.receive_json()["role"] == "admin"
    # Logout ends the session: the same token is refused afterwards.
    token = answer.json()["token"]
    assert client.post(f"{API}/auth/logout").json() == {"logged_out": True}
    assert "mixerd_token" not in client.cookies
    assert client.get(f"{API}/state", headers=bearer(token)).status_code == 401
    assert client.get(f"{API}/state", headers=admin).status_code == 200  # another session lives on


def test_login_is_rate_limited_per_client_address(app, client, admin, clock):
    for _ in range(5):
        assert client.post(f"{API}/auth/login", json={"password": "guess"}).status_code == 401
        clock.now += 1
    limited = client.post(f"{API}/auth/login", json={"password": "guess"})
    assert limited.status_code == 429 and code(limited) == "too_many_attempts"
    retry = int(limited.headers["retry-after"])
    assert 1 <= retry <= 60
    # Locked out even with the right password, until the window has passed.
    assert client.post(f"{API}/auth/login", json={"password": PASSWORD}).status_code == 429
    # Another address is not affected.
    with TestClient(app, client=("192.0.2.7", 4000)) as other:
        assert other.post(f"{API}/auth/login", json={"password": PASSWORD}).status_code == 200
    clock.now += retry
    assert client.post(f"{API}/auth/login", json={"password": PASSWORD}).status_code == 200
    # A success clears the address's failures.
    for _ in range(5):
        assert client.post(f"{API}/auth/login", json={"password": "guess"}).status_code == 401
    assert client.post(f"{API}/auth/login", json={"password": "guess"}).status_code == 429


def test_forwarded_for_does_not_step_round_the_login_limit_over_http(app, auth, serve_app):
    """Over a real server (uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to): the limit
    counts the socket's peer, whatever address a header claims."""
    auth.setup(PASSWORD)
    with serve_app(app) as url, httpx.Client(base_url=url + API, timeout=10) as http:
        def login(password: str, n: int):
            return http.post("/auth/login", json={"password": password},
                             headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}",
                                      "Forwarded": f"for=198.51.100.{n}"})

        assert [login("guess", n).status_code for n in range(1, 6)] == [401] * 5
        limited = login("guess", 6)
        assert limited.status_code == 429 and code(limited) == "too_many_attempts"
        assert "127.0.0.1" in limited.json()["error"]["message"]  # the peer, not a claimed address
        assert login(PASSWORD, 7).status_code == 429


def test_config_password_replaces_the_stored_one_and_ends_sessions(store):
    first = Auth(store)
    token, _ = first.setup("first password")
    assert first.identify(token).role == "admin"
    second = Auth(store, admin_password="from config")  # a restart with [auth] admin_password set
    assert second.identify(token) is None
    assert second.login("from config", "127.0.0.1")[1].role == "admin"
    with pytest.raises(Exception, match="already set"):
        second.setup("yet another one")
    token, _ = second.login("from config", "127.0.0.1")
    third = Auth(store, admin_password="from config")  # the same password again: sessions survive
    assert third.identify(token).role == "admin"


def test_the_store_keeps_only_hashes(client, admin, store, mix):
    link = make_link(client, admin, "viewer", label="FOH")
    login = client.post(f"{API}/auth/login", json={"password": PASSWORD}).json()["token"]
    rows = dict(sqlite3.connect(store.path).execute("SELECT key, value FROM meta WHERE key LIKE 'auth.%'"))
    assert set(rows) == {"auth.password", "auth.sessions", "auth.links"}
    everything = " ".join(rows.values())
    for secret in (PASSWORD, link["token"], login, mix["Authorization"].split()[1]):
        assert secret not in everything
        assert secret.split(".")[-1] not in everything
    assert '"scheme":"scrypt"' in rows["auth.password"] and '"salt"' in rows["auth.password"]
    stored = store.meta("auth.password")
    assert verify_password(PASSWORD, stored) and not verify_password(PASSWORD + "!", stored)
    # A random salt: the same password hashes differently each time.
    assert hash_password(PASSWORD)["hash"] != hash_password(PASSWORD)["hash"]


# ---- what each role may do -----------------------------------------------------------------------------

def test_admin_can_do_everything(client, admin, control):
    assert client.put(f"{API}/params/ch/1/fader", json={"value": -5}, headers=admin).status_code == 200
    assert client.patch(f"{API}/params", json={"changes": {"main/fader": -2, "bus/1/mute": True}},
                        headers=admin).status_code == 200
    saved = client.post(f"{API}/scenes", json={"name": "Start"}, headers=admin)
    assert saved.status_code == 201
    for method, url, body in admin_only_writes(saved.json()["id"]):
        answer = request(client, method, url, body, admin)
        assert answer.status_code not in (401, 403), (method, url, answer.text)
    assert client.get(f"{API}/auth/links", headers=admin).status_code == 200


MIX_ALLOWED = {f"ch/1/send/{MIX}/level": -6, f"ch/2/send/{MIX}/on": False, f"ch/3/send/{MIX}/me": True,
               f"ch/1/send/{MIX}/pan": -30, f"bus/{MIX}/fader": -3, f"bus/{MIX}/mute": True,
               f"bus/{MIX}/balance": 10, f"bus/{MIX}/moreme": 4, "ch/3/talk": True}  # talk to the engineer
MIX_FORBIDDEN = [f"ch/1/send/{OTHER}/level", f"ch/1/send/{OTHER}/on", f"bus/{OTHER}/fader", f"bus/{OTHER}/mute",
                 "ch/1/fader", "ch/1/mute", "ch/1/pan", f"ch/1/send/{MIX}/pre", f"bus/{MIX}/name",
                 f"bus/{MIX}/limiter/on", f"bus/{MIX}/eq/1/gain", "main/fader", "gen/1/on", "dca/1/fader",
                 # solo is the engineer's: not even the musician's own mix
                 "ch/1/solo", f"bus/{MIX}/solo", "solo/mode", "solo/level",
                 # so are the engineer's talkback and ring-out
                 "talkback/1/on", f"bus/{MIX}/ringout", f"bus/{MIX}/geq/18/gain", f"bus/{MIX}/delay"]


def test_a_mix_token_changes_exactly_its_own_mix(client, mix, control):
    assert {rule.format(b=MIX) for rule in MIX_RULES} == {
        f"ch/*/send/{MIX}/level", f"ch/*/send/{MIX}/pan", f"ch/*/send/{MIX}/on", f"ch/*/send/{MIX}/me",
        f"bus/{MIX}/fader", f"bus/{MIX}/mute", f"bus/{MIX}/balance", f"bus/{MIX}/moreme", f"bus/*/return/{MIX}/level",
        "ch/*/talk"}
    for address, value in MIX_ALLOWED.items():
        answer = client.put(f"{API}/params/{address}", json={"value": value}, headers=mix)
        assert answer.status_code == 200, (address, answer.text)
        assert control.get(address) == value
    assert client.patch(f"{API}/params", json={"changes": {f"ch/2/send/{MIX}/level": -9, f"bus/{MIX}/fader": -1}},
                        headers=mix).status_code == 200
    _, before = control.state()
    for address in MIX_FORBIDDEN:
        answer = client.put(f"{API}/params/{address}", json={"value": before[address]}, headers=mix)
        assert answer.status_code == 403 and code(answer) == "forbidden", address
        error = answer.json()["error"]
        assert error["address"] == address and address in error["message"]
        assert f"ch/*/send/{MIX}/level" in error["allowed"]
    # A batch with one forbidden change is refused whole.
    answer = client.patch(f"{API}/params", json={"changes": {f"ch/1/send/{MIX}/level": 0, "ch/1/fader": -20}},
                          headers=mix)
    assert answer.status_code == 403 and answer.json()["error"]["address"] == "ch/1/fader"
    assert control.state()[1] == before


def test_a_mix_token_may_not_use_any_other_write_endpoint(client, admin, mix, control):
    scene = client.post(f"{API}/scenes", json={"name": "Start"}, headers=admin).json()["id"]
    seq = control.seq
    for method, url, body in admin_only_writes(scene):
        answer = request(client, method, url, body, mix)
        assert answer.status_code == 403 and code(answer) == "forbidden", (method, url, answer.text)
    assert client.get(f"{API}/auth/links", headers=mix).status_code == 403
    assert control.seq == seq
    assert client.get(f"{API}/scenes", headers=admin).json()["scenes"][0]["name"] == "Start"


def test_a_mix_link_undoes_its_own_changes_and_a_viewer_none(client, admin, mix, viewer, control):
    assert client.put(f"{API}/params/ch/1/fader", json={"value": -6}, headers=admin).status_code == 200
    assert client.put(f"{API}/params/ch/1/send/{MIX}/level", json={"value": -3}, headers=mix).status_code == 200
    undone = client.post(f"{API}/undo", headers=mix)  # the musician's own step, not the engineer's newer one
    assert undone.status_code == 200 and [e["address"] for e in undone.json()["events"]] == [f"ch/1/send/{MIX}/level"]
    assert control.get("ch/1/fader") == -6.0
    nothing = client.post(f"{API}/undo", headers=mix)
    assert nothing.status_code == 409 and code(nothing) == "nothing_to_undo"
    assert client.post(f"{API}/redo", headers=mix).status_code == 200 and control.get(f"ch/1/send/{MIX}/level") == -3
    for action in ("undo", "redo"):
        answer = client.post(f"{API}/{action}", headers=viewer)
        assert answer.status_code == 403 and code(answer) == "forbidden" and "read-only" in answer.json()["error"]["message"]
    assert client.post(f"{API}/undo", headers=admin).json()["events"][0]["address"] == "ch/1/fader"


def test_reads_are_open_to_every_role(client, admin, mix, viewer):
    for headers in (admin, mix, viewer):
        for path in ("/state", "/params", "/params/ch/1/fader", "/meters", "/system", "/history", "/scenes",
                     "/safes", "/versions", "/ab", "/templates"):
            assert client.get(f"{API}{path}", headers=headers).status_code == 200, path
        assert client.get(f"{API}/health", headers=headers).status_code in (200, 503)  # offline engine: 503


def test_a_viewer_writes_nothing(client, admin, viewer, control):
    scene = client.post(f"{API}/scenes", json={"name": "Start"}, headers=admin).json()["id"]
    seq = control.seq
    for address in [*MIX_ALLOWED, *MIX_FORBIDDEN]:
        answer = client.put(f"{API}/params/{address}", json={"value": control.get(address)}, headers=viewer)
        assert answer.status_code == 403 and code(answer) == "forbidden", address
        assert "read-only" in answer.json()["error"]["message"]
    assert client.patch(f"{API}/params", json={"changes": {"ch/1/fader": 0}}, headers=viewer).status_code == 403
    for method, url, body in admin_only_writes(scene):
        assert request(client, method, url, body, viewer).status_code == 403, (method, url)
    assert control.seq == seq
    # Logging out is not a write to the mixer: every role may (a link token stays valid).
    assert client.post(f"{API}/auth/logout", headers=viewer).json() == {"logged_out": False}
    assert client.get(f"{API}/state", headers=viewer).status_code == 200


def test_the_rule_itself():
    mix = Principal("mix", 3)
    assert may_write(mix, "ch/12/send/3/level") and may_write(mix, "bus/3/moreme")
    assert not may_write(mix, "ch/12/send/33/level") and not may_write(mix, "bus/33/fader")
    assert not may_write(mix, "ch/1/send/3/level/x") and not may_write(mix, "xch/1/send/3/level")
    assert not may_write(Principal("viewer"), "bus/3/fader") and may_write(Principal("admin"), "anything")


# ---- links ---------------------------------------------------------------------------------------------

def test_links_have_a_url_and_a_qr_code_and_are_listed_without_tokens(client, admin):
    link = make_link(client, admin, "mix", MIX)
    assert link["label"] == "IEM"  # the mix's name by default
    assert link["url"] == f"http://testserver/#/mix/{MIX}?token={link['token']}"
    assert link["qr_svg"].startswith("<svg") and link["qr_svg"].rstrip().endswith("</svg>")
    view = make_link(client, admin, "viewer", label="Front of house")
    assert view["url"] == f"http://testserver/#/view?token={view['token']}" and view["bus"] is None
    listed = client.get(f"{API}/auth/links", headers=admin).json()["links"]
    assert [(x["id"], x["role"], x["bus"], x["label"], x["revoked"]) for x in listed] == [
        (link["id"], "mix", MIX, "IEM", None), (view["id"], "viewer", None, "Front of house", None)]
    assert all(set(x) == {"id", "role", "bus", "label", "created", "revoked"} for x in listed)
    for body in ({"role": "mix"}, {"role": "mix", "bus": 3}, {"role": "mix", "bus": 0},
                 {"role": "viewer", "bus": 1}, {"role": "mix", "bus": 1, "label": ""}):
        answer = client.post(f"{API}/auth/links", json=body, headers=admin)
        assert answer.status_code == 422 and code(answer) == "invalid_value", body
    assert client.post(f"{API}/auth/links", json={"role": "admin"}, headers=admin).status_code == 400
    assert client.delete(f"{API}/auth/links/lnope", headers=admin).status_code == 404


def test_a_revoked_token_is_refused_at_once_and_its_socket_closed(client, admin, control):
    link = make_link(client, admin, "mix", MIX)
    headers = bearer(link["token"])
    other = make_link(client, admin, "mix", OTHER)
    assert client.put(f"{API}/params/bus/{MIX}/fader", json={"value": -2}, headers=headers).status_code == 200
    with client.websocket_connect(f"{API}/ws?token={link['token']}") as ws, \
            client.websocket_connect(f"{API}/ws?token={other['token']}") as ws_other:
        assert ws.receive_json()["type"] == "hello" and ws_other.receive_json()["type"] == "hello"
        revoked = client.delete(f"{API}/auth/links/{link['id']}", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["revoked"] is not None
        with pytest.raises(WebSocketDisconnect) as closed:
            next_of(ws, "never")  # whatever else arrives until the close
        assert closed.value.code == 4401
        # The other link's socket lives on.
        ws_other.send_json({"type": "set", "address": f"bus/{OTHER}/fader", "value": -1, "id": "x"})
        assert next_of(ws_other, "ack")["id"] == "x"
    answer = client.put(f"{API}/params/bus/{MIX}/fader", json={"value": -3}, headers=headers)
    assert answer.status_code == 401 and code(answer) == "unauthenticated"
    assert "revoked" in answer.json()["error"]["message"]
    with client.websocket_connect(f"{API}/ws?token={link['token']}") as ws:
        with pytest.raises(WebSocketDisconnect) as refused:
            ws.receive_json()
        assert refused.value.code == 4401
    assert control.get(f"bus/{MIX}/fader") == -2
    # Revoking twice is harmless.
    assert client.delete(f"{API}/auth/links/{link['id']}", headers=admin).status_code == 200


# ---- the same rules over the WebSocket -----------------------------------------------------------------

def next_of(ws, *kinds: str, limit: int = 1000) -> dict:
    """The next message of one of ``kinds``, skipping others (binary meter frames too: bounded)."""
    for _ in range(limit):
        raw = ws.receive()
        if raw["type"] == "websocket.close":
            raise WebSocketDisconnect(raw.get("code", 1000), raw.get("reason"))
        if raw.get("text") is None:
            continue  # a binary meter frame
        message = json.loads(raw["text"])
        if message["type"] in kinds:
            return message
    raise AssertionError(f"no {kinds} message")


def test_websocket_needs_a_valid_token(client, admin):
    for url, headers in ((f"{API}/ws", {}), (f"{API}/ws?token=l1.forged", {}),
                         (f"{API}/ws", {"Authorization": "Bearer nope"})):
        with client.websocket_connect(url, headers=headers) as ws:
            with pytest.raises(WebSocketDisconnect) as refused:
                ws.receive_json()
            assert refused.value.code == 4401, url
    with client.websocket_connect(f"{API}/ws", headers=admin) as ws:  # the header works too
        assert ws.receive_json()["role"] == "admin"


def test_websocket_sets_follow_the_same_rules(client, admin, mix, viewer, control):
    mix_token, viewer_token = mix["Authorization"].split()[1], viewer["Authorization"].split()[1]
    with client.websocket_connect(f"{API}/ws?token={mix_token}") as ws:
        hello = ws.receive_json()
        assert (hello["type"], hello["role"], hello["bus"], hello["label"]) == ("hello", "mix", MIX, "Drummer's ears")
        for n, (address, value) in enumerate(MIX_ALLOWED.items()):
            ws.send_json({"type": "set", "address": address, "value": value, "id": n})
            ack = next_of(ws, "ack", "error")
            assert ack == {"type": "ack", "id": n, "seq": control.seq}, address
            assert control.get(address) == value
        seq = control.seq
        for address in MIX_FORBIDDEN:
            ws.send_json({"type": "set", "address": address, "value": control.get(address), "id": address})
            error = next_of(ws, "ack", "error")
            assert error["type"] == "error" and error["id"] == address
            assert error["error"]["code"] == "forbidden" and error["error"]["address"] == address
        ws.send_json({"type": "set_many", "id": "batch",
                      "changes": {f"bus/{MIX}/fader": 0, f"bus/{OTHER}/fader": 0}})
        error = next_of(ws, "ack", "error")
        assert error["error"]["code"] == "forbidden" and error["error"]["address"] == f"bus/{OTHER}/fader"
        assert control.seq == seq
    with client.websocket_connect(f"{API}/ws?token={viewer_token}") as ws:
        assert ws.receive_json()["role"] == "viewer"
        ws.send_json({"type": "set", "address": f"bus/{MIX}/fader", "value": 0, "id": 1})
        assert next_of(ws, "ack", "error")["error"]["code"] == "forbidden"
        ws.send_json({"type": "set_many", "changes": {"ch/1/fader": 0}, "id": 2})
        assert next_of(ws, "ack", "error")["error"]["code"] == "forbidden"
    with client.websocket_connect(f"{API}/ws", headers=admin) as ws:
        ws.send_json({"type": "set_many", "changes": {"ch/1/fader": -7, "main/fader": -1, "bus/1/name": "Drums"},
                      "id": "all"})
        assert next_of(ws, "ack", "error") == {"type": "ack", "id": "all", "seq": control.seq}
    assert control.seq == seq + 3


def test_openapi_with_access_control_documents_401_and_403(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "cookie"}
    ops = {(m, p): op for p, item in schema["paths"].items() for m, op in item.items()}
    put = ops[("put", f"{API}/params/{{address}}")]["responses"]
    assert {"401", "403"} <= set(put)
    assert "403" not in ops[("get", f"{API}/state")]["responses"] and "401" in ops[("get", f"{API}/state")]["responses"]
    assert "security" not in ops[("get", f"{API}/auth/status")]
    assert {"429", "401"} <= set(ops[("post", f"{API}/auth/login")]["responses"])  # its own 401: bad_password
    assert "403" in ops[("get", f"{API}/auth/links")]["responses"]  # a read, but admin only
    logout = ops[("post", f"{API}/auth/logout")]["responses"]["403"]["description"]
    assert "cross_origin" in logout and "forbidden" not in logout  # every role may log out (but not from elsewhere)


def test_websocket_credentials_query_wins_over_the_cookie_and_logout_closes(client, admin, mix):
    login = client.post(f"{API}/auth/login", json={"password": PASSWORD})  # the browser now has an admin cookie
    assert client.cookies["mixerd_token"] == login.json()["token"]
    mix_token = mix["Authorization"].split()[1]
    with client.websocket_connect(f"{API}/ws?token={mix_token}") as ws:  # an admin's tablet opens a mix link
        assert (ws.receive_json()["role"]) == "mix"
    with client.websocket_connect(f"{API}/ws") as ws:  # the cookie alone: the admin session
        assert ws.receive_json()["role"] == "admin"
        assert client.post(f"{API}/auth/logout").json() == {"logged_out": True}
        with pytest.raises(WebSocketDisconnect) as closed:
            next_of(ws, "never")  # whatever else arrives until the close
        assert closed.value.code == 4401
