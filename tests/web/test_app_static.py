"""The web app's files: served with the right types, revalidated after upgrades, nothing from the internet,
user text never parsed as HTML, every module it imports present."""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "mixerd" / "web" / "static"
SOURCES = [p for p in STATIC.rglob("*") if p.is_file()]
MODULES = [p for p in SOURCES if p.suffix == ".js"]
#: The one URL allowed: the SVG namespace name (an identifier, never fetched).
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def test_the_app_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>mixerd</title>" in page.text
    assert page.headers["cache-control"] == "no-cache"
    assert 'src="static/js/app.js"' in page.text
    for path in SOURCES:
        rel = path.relative_to(STATIC).as_posix()
        answer = client.get(f"/static/{rel}")
        assert answer.status_code == 200, rel
        assert answer.headers["cache-control"] == "no-cache", rel  # phones revalidate after an upgrade
    types = {".js": ("text/javascript", "application/javascript"), ".css": ("text/css",), ".svg": ("image/svg+xml",)}
    for path in SOURCES:
        if path.suffix in types:
            answer = client.get(f"/static/{path.relative_to(STATIC).as_posix()}")
            assert answer.headers["content-type"].startswith(types[path.suffix]), path.name


def test_the_app_needs_nothing_from_the_internet():
    for path in SOURCES:
        text = path.read_text().replace(SVG_NAMESPACE, "")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), f"{path.name} refers to an external URL"
        assert "@import" not in text and "fonts.googleapis" not in text


def test_user_text_is_never_parsed_as_html():
    # channel names, labels and error messages are user input: text nodes and textContent only
    for path in MODULES:
        source = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "eval("):
            assert sink not in source, f"{path.name} uses {sink}"


def test_every_imported_module_exists():
    for path in MODULES:
        for target in re.findall(r'^import .* from "(\.[^"]+)";$', path.read_text(), re.M):
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports missing {target}"
    index = (STATIC / "index.html").read_text()
    for ref in re.findall(r'(?:href|src)="(static/[^"]+)"', index):
        assert (STATIC.parent / ref).is_file(), ref
