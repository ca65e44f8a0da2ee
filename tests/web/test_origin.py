"""The same-origin rule (mixerd/web/origin.py) over a real server: writes and the WebSocket from another
origin are refused whatever the body's type, with the admin's cookie or with access control off; the
mixer's own pages, scripts without an Origin header, other host names of the mixer and a reverse proxy are
not; and in Chromium a page from another port of the same host cannot use the admin's session while the
console goes on working."""

from __future__ import annotations

import json

import httpx
import pytest
from support import PHONE, wait_until
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mixerd.web import create_app
from mixerd.control.access import Auth
from mixerd.web.deps import COOKIE

API = "/api/v1"
PASSWORD = "stage-left-42"

#: Writes without a JSON body: what a form or a no-cors fetch of another page can send.
FORMS = {
    "urlencoded": {"data": {"fader": "0"}},
    "multipart": {"files": {"file": ("x.txt", b"x", "text/plain")}},
    "text/plain": {"content": b'{"value": 0}', "headers": {"content-type": "text/plain"}},
    "no body": {},
}


@pytest.fixture
def auth() -> Auth:
    auth = Auth()
    auth.setup(PASSWORD)
    return auth


@pytest.fixture
def server(control, auth, serve_app):
    with serve_app(create_app(control, auth=auth)) as url:
        yield url


@pytest.fixture
def admin(server) -> httpx.Client:
    """An HTTP client holding the admin's login cookie, as a browser would."""
    with httpx.Client(base_url=server, timeout=10) as http:
        answer = http.post(f"{API}/auth/login", json={"password": PASSWORD})
        assert answer.status_code == 200 and http.cookies.get(COOKIE)
        yield http


def foreign_origins(url: str) -> list[str]:
    port = int(url.rsplit(":", 1)[1])
    return ["http://evil.example", "null", f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}",
            f"http://localhost:{port}", "http://127.0.0.1", "file://", "not an origin"]


def refused(answer: httpx.Response) -> bool:
    return answer.status_code == 403 and answer.json()["error"]["code"] == "cross_origin"


def admins_step(admin: httpx.Client) -> None:
    """A change of the admin's session (a script's: no Origin): the step that session's undo takes back."""
    assert admin.put(f"{API}/params/ch/1/fader", json={"value": -6}).status_code == 200


def test_writes_from_another_origin_are_refused_whatever_the_body(server, admin, control, auth):
    admins_step(admin)
    seq = control.seq
    for origin in foreign_origins(server):
        for name, body in FORMS.items():
            for method, path in (("POST", "/undo"), ("POST", "/redo"), ("POST", "/auth/logout"), ("DELETE", "/ab"),
                                 ("PUT", "/params/ch/1/fader"), ("POST", "/scenes")):
                kwargs = {**body, "headers": {**body.get("headers", {}), "origin": origin}}
                answer = admin.request(method, API + path, **kwargs)
                assert refused(answer), (origin, name, method, path, answer.status_code, answer.text)
    assert control.seq == seq and control.get("ch/1/fader") == -6  # nothing was undone
    assert admin.get(f"{API}/auth/status").json()["role"] == "admin"  # nor logged out
    error = admin.post(f"{API}/undo", data={"a": "b"}, headers={"origin": "http://evil.example"}).json()["error"]
    assert "'http://evil.example'" in error["message"] and server in error["message"]
    assert error["allowed"] == f"requests from {server}, or without an Origin header (scripts, Home Assistant)"


def test_a_referer_speaks_for_a_request_without_origin(server, admin, control):
    admins_step(admin)
    answer = admin.post(f"{API}/undo", data={"a": "b"}, headers={"referer": "http://evil.example/page?x=1"})
    assert refused(answer) and control.get("ch/1/fader") == -6
    answer = admin.post(f"{API}/undo", headers={"referer": server + "/#/console"})
    assert answer.status_code == 200 and control.get("ch/1/fader") == 0


def test_the_mixers_own_pages_and_scripts_may_write(server, admin, control, auth):
    admins_step(admin)
    assert admin.post(f"{API}/undo", headers={"origin": server}).status_code == 200  # the console's own fetch
    assert admin.post(f"{API}/redo").status_code == 200  # a script with the cookie and no Origin
    token = admin.post(f"{API}/auth/login", json={"password": PASSWORD}).json()["token"]
    with httpx.Client(base_url=server, timeout=10) as script:  # curl, Home Assistant: a token, no Origin
        answer = script.put(f"{API}/params/ch/1/fader", json={"value": -3}, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        assert script.post(f"{API}/undo").status_code == 401  # no credentials: the usual rule answers
    assert control.get("ch/1/fader") == -3
    # Reads are not checked: another origin's page cannot read the answer anyway.
    assert admin.get(f"{API}/state", headers={"origin": "http://evil.example"}).status_code == 200


@pytest.mark.parametrize("host, origin", [
    ("mixer.local:8080", "http://mixer.local:8080"),
    ("mixer.local:8080", "http://MIXER.Local:8080"),
    ("mixer.local", "http://mixer.local"),
    ("mixer.local", "http://mixer.local:80"),
    ("192.168.1.23:8080", "http://192.168.1.23:8080"),
    ("[fd00::23]:8080", "http://[fd00::23]:8080"),
])
def test_same_origin_is_the_host_the_request_was_sent_to(server, admin, control, host, origin):
    admins_step(admin)
    answer = admin.post(f"{API}/undo", headers={"host": host, "origin": origin})
    assert answer.status_code == 200, answer.text
    control.set("ch/1/fader", -6, "rest")
    other = origin.replace("8080", "8081") if "8080" in origin else origin.replace("mixer", "evil")
    assert refused(admin.post(f"{API}/undo", headers={"host": host, "origin": other}))
    assert refused(admin.post(f"{API}/undo", headers={"host": host, "origin": origin.replace("http:", "https:")}))


def test_behind_a_reverse_proxy_the_forwarded_host_and_scheme_count(server, admin, control):
    admins_step(admin)
    proxy = {"host": "127.0.0.1:8080", "x-forwarded-host": "mixer.example.com", "x-forwarded-proto": "https"}
    assert refused(admin.post(f"{API}/undo", headers={**proxy, "origin": "https://evil.example.com"}))
    assert refused(admin.post(f"{API}/undo", headers={**proxy, "origin": "http://mixer.example.com"}))
    assert admin.post(f"{API}/undo", headers={**proxy, "origin": "https://mixer.example.com"}).status_code == 200
    assert control.get("ch/1/fader") == 0


def test_with_access_control_off_another_origin_may_not_write_either(control, serve_app):
    control.set("ch/1/fader", -6, "rest")
    with serve_app(create_app(control)) as url, httpx.Client(base_url=url, timeout=10) as http:
        assert refused(http.post(f"{API}/undo", data={"a": "b"}, headers={"origin": "http://evil.example"}))
        assert control.get("ch/1/fader") == -6
        assert http.post(f"{API}/undo").status_code == 200


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + API + "/ws"


def test_the_websocket_refuses_another_origin(server, admin, control):
    cookie = {"cookie": f"{COOKIE}={admin.cookies[COOKIE]}"}
    for origin in foreign_origins(server):
        with pytest.raises(InvalidStatus) as refusal:
            with connect(ws_url(server), origin=origin, additional_headers=cookie):  # type: ignore[arg-type]
                pass
        response = refusal.value.response
        assert response.status_code == 403, origin
        assert json.loads(response.body)["error"]["code"] == "cross_origin"
    # The mixer's own page, and a program without an Origin header, are let in.
    for headers in ({**cookie, "origin": server}, cookie):
        origin = headers.pop("origin", None)
        with connect(ws_url(server), origin=origin, additional_headers=headers) as ws:  # type: ignore[arg-type]
            hello = json.loads(ws.recv(timeout=10))
            assert hello["type"] == "hello" and hello["role"] == "admin"


# -- in Chromium --------------------------------------------------------------------------------------

#: In the other origin's page: open the mixer's WebSocket; resolves with what happened (event-driven: the
#: first message means it got in, a close means it did not).
OPEN_SOCKET = """(url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  let opened = false;
  ws.onopen = () => { opened = true; };
  ws.onmessage = (e) => { resolve({opened, message: JSON.parse(e.data).type}); ws.close(); };
  ws.onclose = (e) => resolve({opened, code: e.code});
})"""
#: A form the other origin's page submits to the mixer (the page navigates to the answer).
SUBMIT_FORM = """([action, enctype]) => {
  const form = document.createElement("form");
  form.method = "POST";
  form.action = action;
  form.enctype = enctype;
  const field = document.createElement("input");
  field.name = "x";
  field.value = "1";
  form.append(field);
  document.body.append(form);
  form.submit();
}"""
NO_CORS_FETCH = """(url) => fetch(url, {method: "POST", mode: "no-cors", credentials: "include", body: "x"})
  .then((r) => r.type)"""


@pytest.mark.browser
def test_a_page_on_another_port_cannot_use_the_admins_session(server, control, serve_app, open_page):
    from playwright.sync_api import expect
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    page = open_page(PHONE)
    page.goto(server + "/#/login?next=%23%2Fconsole")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page.locator("#conn")).to_have_text("online")
    # a step of the console's own (its session's) that the attacker would like to undo
    control.set("ch/1/fader", -6, "ws", actor=page.evaluate("mixerd.conn.actor"))
    seq = control.seq

    other_site = Starlette(routes=[Route("/", lambda _: HTMLResponse("<!doctype html><title>other</title><p>hi"))])
    with serve_app(other_site) as other:  # the same host, another port: another origin, the same site
        attacker = page.context.new_page()  # the admin's browser: its cookie goes along
        attacker.goto(other + "/")
        got = attacker.evaluate(OPEN_SOCKET, ws_url(server))
        assert got == {"opened": False, "code": 1006}, got

        def on_the_wire(path):
            return lambda r: r.url == server + API + path and r.request.method == "POST"

        with attacker.expect_response(on_the_wire("/undo")) as answer:
            assert attacker.evaluate(NO_CORS_FETCH, server + API + "/undo") == "opaque"
        assert answer.value.status == 403  # it reached the mixer, which refused it
        for path, enctype in (("/undo", "application/x-www-form-urlencoded"), ("/redo", "multipart/form-data"),
                              ("/auth/logout", "text/plain")):
            attacker.goto(other + "/")
            with attacker.expect_response(on_the_wire(path)) as answer:
                attacker.evaluate(SUBMIT_FORM, [server + API + path, enctype])
            assert answer.value.status == 403 and answer.value.json()["error"]["code"] == "cross_origin", path
            assert answer.value.request.headers["origin"] == other  # what Chromium said, and the cookie went too
            assert COOKIE in answer.value.request.all_headers().get("cookie", ""), path
        attacker.close()

    assert control.seq == seq and control.get("ch/1/fader") == -6  # nothing undone
    # The console goes on: still signed in, its WebSocket open, and its own undo works.
    expect(page.locator("#conn")).to_have_text("online")
    page.click('.undo-redo button[aria-label="Undo"]')
    expect(page.locator("#toasts .toast.ok")).to_contain_text("Undone: 1 change")
    wait_until(lambda: control.get("ch/1/fader") == 0, what="the console's undo")
