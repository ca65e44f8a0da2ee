"""The security headers (mixerd/web/headers.py) over real HTTP, and what they do in Chromium: another site
cannot put the console in a frame, and the console runs under its Content-Security-Policy without a single
violation (its views, the WebSocket, the QR code of a link)."""

from __future__ import annotations

import re

import httpx
import pytest
from support import PHONE, wait_until

from mixerd.web import create_app
from mixerd.control.access import Auth
from mixerd.web.headers import DOCS_POLICY, PAGE_POLICY

PASSWORD = "stage-left-42"
COMMON = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def test_the_page_its_files_and_the_api_send_the_security_headers(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as http:
        answers = {path: http.get(path) for path in (
            "/", "/static/js/app.js", "/static/style.css", "/static/icon.svg", "/static/nope.js",
            "/api/v1/state", "/api/v1/params/ch/99/fader", "/openapi.json", "/docs")}
    assert [a.status_code for a in answers.values()] == [200, 200, 200, 200, 404, 200, 404, 200, 200]
    for path, answer in answers.items():
        for name, value in COMMON.items():
            assert answer.headers.get_list(name) == [value], (path, name)
        policy = answer.headers.get_list("content-security-policy")
        assert policy == [DOCS_POLICY if path == "/docs" else PAGE_POLICY], path
    assert "frame-ancestors 'none'" in PAGE_POLICY and "frame-ancestors 'none'" in DOCS_POLICY
    assert "'unsafe-inline'" not in PAGE_POLICY and "'unsafe-eval'" not in PAGE_POLICY


@pytest.mark.browser
def test_another_site_cannot_frame_the_console(live_server, serve_app, open_page):
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    framing = Starlette(routes=[Route("/", lambda _: HTMLResponse(f'<iframe src="{live_server}/"></iframe>'))])
    with serve_app(framing) as other:  # another port: another origin
        page = open_page(PHONE)
        with page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text, timeout=15000) as blocked:
            page.goto(other + "/")  # waits for the frame's load too
        assert "The request has been blocked" in blocked.value.text
        frame = page.main_frame.child_frames[0]
        assert frame.url.startswith("chrome-error://")  # Chromium's error page, not the console
        assert frame.evaluate("document.querySelector('.topbar, #view')") is None


@pytest.mark.browser
def test_the_console_runs_under_its_policy(control, serve_app, open_page):
    from playwright.sync_api import expect

    auth = Auth()
    auth.setup(PASSWORD)
    with serve_app(create_app(control, auth=auth)) as url:
        page = open_page(PHONE)  # which also fails the test on any securitypolicyviolation event
        csp_console = []
        page.on("console", lambda m: "Content Security Policy" in m.text and csp_console.append(m.text))
        answer = page.goto(url + "/#/login?next=%23%2Flinks")
        assert answer.headers["content-security-policy"] == PAGE_POLICY
        page.fill("#password", PASSWORD)
        page.click(".login-form button[type=submit]")
        expect(page.locator(".page-head h1")).to_have_text("Links")
        expect(page.locator("#conn")).to_have_text("online")  # the WebSocket ('self' covers ws:)
        page.click('.link-form button[type=submit]')  # a mix link: its QR code is an <img> of a blob: URL
        qr = page.locator(".link-result img.qr")
        expect(qr).to_be_visible()
        # Not page.wait_for_function: its string predicate needs eval, which this policy refuses.
        wait_until(lambda: qr.evaluate("img => img.complete && img.naturalWidth > 0"), what="the QR code image")
        page.goto(url + "/#/console")
        expect(page.locator(".strip.channel .strip-name")).to_have_text(["Vocal", "Guitar", "Keys"])
        strip = page.locator('.strip[data-address="ch/2"]')
        control.set("ch/2/color", "#22c55e", "rest")  # colours are set through the CSSOM: allowed
        expect(strip).to_have_attribute("style", re.compile(r"--strip-color:\s*#22c55e"))
        assert csp_console == []
