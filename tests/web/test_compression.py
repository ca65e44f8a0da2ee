"""Compressed answers: the web app and the API in brotli for a browser, gzip for a client that takes only that,
access control's answers never; a phone's first load of the whole app stays under 150 KiB even on a 32 × 16
mixer."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from mixerd.control import Control
from mixerd.model import Layout, ParamTree
from mixerd.web import create_app
from mixerd.web.compression import Compression
from mixerd.web.page import STATIC_DIR

GZIP = {"accept-encoding": "gzip"}
BROWSER = {"accept-encoding": "gzip, deflate, br, zstd"}  # what Chromium asks for


@pytest.fixture(scope="module")
def client():
    logging.getLogger("httpx").setLevel(logging.WARNING)
    layout = Layout.simple(32, 16, stereo_buses=4, fx=("reverb", "delay"))
    with TestClient(create_app(Control(ParamTree.from_layout(layout)))) as c:
        yield c


def transferred(response) -> int:
    """Bytes on the wire (the body as sent: compressed when it was)."""
    return int(response.headers["content-length"]) if "content-length" in response.headers \
        else response.num_bytes_downloaded


def test_the_app_and_the_api_are_compressed_when_asked(client):
    for path in ("/static/js/app.js", "/static/style.css", "/api/v1/params", "/api/v1/state"):
        plain = client.get(path, headers={"accept-encoding": "identity"})
        gzipped, brotli = client.get(path, headers=GZIP), client.get(path, headers=BROWSER)
        assert gzipped.headers.get("content-encoding") == "gzip", path
        assert brotli.headers.get("content-encoding") == "br" and "accept-encoding" in brotli.headers["vary"].lower()
        assert gzipped.content == brotli.content == plain.content, path
        assert transferred(brotli) < transferred(gzipped) < len(plain.content) / 2, path
    assert "content-encoding" not in client.get("/api/v1/params", headers={"accept-encoding": "identity"}).headers
    assert client.get("/api/v1/params", headers={"accept-encoding": "br;q=0, gzip"}).headers["content-encoding"] == "gzip"


def test_the_apps_files_are_compressed_once_and_a_304_or_a_part_goes_as_it_is(client):
    first = client.get("/static/js/app.js", headers=BROWSER)
    again = client.get("/static/js/app.js", headers=BROWSER)
    assert first.content == again.content and first.headers["content-length"] == again.headers["content-length"]
    unchanged = client.get("/static/js/app.js", headers={**BROWSER, "if-none-match": first.headers["etag"]})
    assert unchanged.status_code == 304 and "content-encoding" not in unchanged.headers
    part = client.get("/static/js/app.js", headers={**BROWSER, "range": "bytes=0-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers and len(part.content) == 100


def test_a_streamed_answer_is_compressed_as_it_streams_and_bytes_that_are_not_text_go_as_they_are():
    from fastapi.responses import Response, StreamingResponse

    app = FastAPI()
    app.get("/stream")(lambda: StreamingResponse((f"line {i}\n" * 50 for i in range(100)), media_type="text/plain"))
    app.get("/zip")(lambda: Response(bytes(range(256)) * 40, media_type="application/zip"))
    app.add_middleware(Compression)
    with TestClient(app) as c:
        streamed = c.get("/stream", headers=BROWSER)
        assert streamed.headers["content-encoding"] == "br" and "content-length" not in streamed.headers
        assert streamed.text == "".join(f"line {i}\n" * 50 for i in range(100))
        assert "content-encoding" not in c.get("/zip", headers=BROWSER).headers


def test_access_controls_answers_are_never_compressed():
    app = FastAPI()
    app.get("/api/v1/auth/token")(lambda: PlainTextResponse("secret " * 1000))
    app.get("/api/v1/other")(lambda: PlainTextResponse("plain " * 1000))
    app.add_middleware(Compression, uncompressed=("/api/v1/auth",))
    with TestClient(app) as c:
        assert "content-encoding" not in c.get("/api/v1/auth/token", headers=GZIP).headers
        assert "content-encoding" not in c.get("/api/v1/auth/token", headers=BROWSER).headers
        assert c.get("/api/v1/other", headers=GZIP).headers["content-encoding"] == "gzip"
        assert c.get("/api/v1/other", headers=BROWSER).headers["content-encoding"] == "br"


def test_the_whole_app_over_https_is_under_150_kib(client):
    """Everything the app could load — every module (the engineer's views too), the stylesheet, the page, the
    parameter specs, the state, the system facts — as a browser gets it over HTTPS (brotli), on a 32 × 16 mixer
    with FX."""
    assets = ["/static/" + p.relative_to(STATIC_DIR).as_posix() for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()]
    paths = ["/", *assets, "/api/v1/params", "/api/v1/state", "/api/v1/system", "/api/v1/auth/status"]
    sizes = {}
    for path in paths:
        answer = client.get(path, headers=BROWSER)
        assert answer.status_code == 200, path
        sizes[path] = transferred(answer)
    total = sum(sizes.values())
    print(f"first load: {total / 1024:.1f} KiB over {len(paths)} requests "
          f"(specs {sizes['/api/v1/params'] / 1024:.1f} KiB, state {sizes['/api/v1/state'] / 1024:.1f} KiB)")
    assert total <= 150 * 1024, sorted(sizes.items(), key=lambda kv: -kv[1])[:5]


@pytest.mark.browser
def test_a_mix_links_first_load_in_chromium_is_under_150_kib(serve_app, open_page):
    """What a musician's phone transfers when it opens a mix link over plain HTTP (browsers ask for brotli only
    over HTTPS, so gzip), on a 32 × 16 mixer with FX, until My mix shows: every answer's bytes as sent (headers
    and the body as encoded) and every WebSocket frame the page received. The app loads only the views it shows."""
    from playwright.sync_api import expect
    from tour import PHONE

    from mixerd.control.access import Auth

    layout = Layout.simple(32, 16, stereo_buses=4, fx=("reverb", "delay"))
    auth = Auth()
    auth.setup("kick-snare-hat-9")
    _, token = auth.create_link("mix", 1, "Drummer")
    with serve_app(create_app(Control(ParamTree.from_layout(layout)), auth=auth)) as url:
        page = open_page(PHONE)
        requests, frames = [], []
        page.on("requestfinished", lambda request: requests.append(request))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
        page.goto(f"{url}/#/mix/1?token={token}")
        expect(page.locator("#conn")).to_have_text("online")
        expect(page.locator(".send-row")).to_have_count(32)
        sizes = {r.url.removeprefix(url): r.sizes() for r in requests}
    answers = sum(s["responseHeadersSize"] + s["responseBodySize"] for s in sizes.values())
    total = answers + sum(frames)
    print(f"a mix link's first load: {total / 1024:.1f} KiB ({len(sizes)} answers {answers / 1024:.1f} KiB, "
          f"{len(frames)} WebSocket frames {sum(frames) / 1024:.1f} KiB)")
    assert not [path for path in sizes if "/views/console" in path or "/views/recorder" in path], sorted(sizes)
    assert total <= 150 * 1024, sorted(((s["responseBodySize"], p) for p, s in sizes.items()), reverse=True)[:5]
