"""Compressed answers: the web app and the API in gzip when asked, access control's answers never; a phone's
first load of the whole app stays under 150 KiB even on a 32 × 16 mixer."""

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


@pytest.fixture(scope="module")
def client():
    logging.getLogger("httpx").setLevel(logging.WARNING)
    layout = Layout.simple(32, 16, stereo_buses=4, fx=("reverb", "delay"))
    with TestClient(create_app(Control(ParamTree.from_layout(layout)))) as c:
        yield c


def transferred(response) -> int:
    """Bytes on the wire (the body as sent: compressed when it was)."""
    return int(response.headers["content-length"]) if "content-length" in response.headers else len(response.content)


def test_the_app_and_the_api_are_compressed_when_asked(client):
    for path in ("/static/js/app.js", "/static/style.css", "/api/v1/params", "/api/v1/state"):
        plain, packed = client.get(path), client.get(path, headers=GZIP)
        assert packed.headers.get("content-encoding") == "gzip", path
        assert packed.content == plain.content and transferred(packed) < len(plain.content) / 2, path
    assert "content-encoding" not in client.get("/api/v1/params", headers={"accept-encoding": "identity"}).headers


def test_access_controls_answers_are_never_compressed():
    app = FastAPI()
    app.get("/api/v1/auth/token")(lambda: PlainTextResponse("secret " * 1000))
    app.get("/api/v1/other")(lambda: PlainTextResponse("plain " * 1000))
    app.add_middleware(Compression, uncompressed=("/api/v1/auth",))
    with TestClient(app) as c:
        assert "content-encoding" not in c.get("/api/v1/auth/token", headers=GZIP).headers
        assert c.get("/api/v1/other", headers=GZIP).headers["content-encoding"] == "gzip"


def test_a_phones_first_load_is_under_150_kib(client):
    """Everything the app could load at first — every module, the stylesheet, the page, the parameter specs,
    the state, the system facts — compressed, on a 32 × 16 mixer with FX."""
    assets = ["/static/" + p.relative_to(STATIC_DIR).as_posix() for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()]
    paths = ["/", *assets, "/api/v1/params", "/api/v1/state", "/api/v1/system", "/api/v1/auth/status"]
    sizes = {}
    for path in paths:
        answer = client.get(path, headers=GZIP)
        assert answer.status_code == 200, path
        sizes[path] = transferred(answer)
    total = sum(sizes.values())
    print(f"first load: {total / 1024:.1f} KiB over {len(paths)} requests "
          f"(specs {sizes['/api/v1/params'] / 1024:.1f} KiB, state {sizes['/api/v1/state'] / 1024:.1f} KiB)")
    assert total <= 150 * 1024, sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
