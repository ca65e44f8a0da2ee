"""Accessibility of every view, checked by axe-core in real Chromium on a phone and on a tablet held both ways
(issue 18): no violation of impact "serious" or "critical" — colour contrast, names, roles, labels — on the
login, the console with a channel's, a mix's and the main's editor, My mix (the engineer's, and a mix link's: its
first use, the mix, and the mix with "The engineer changed your mix … Keep mine" on it), the signal flow of a
channel, of a muted one, of a mix and of the main, scenes, history and links, and a read-only link's console and mix
(tour.py). Each view is photographed as checked (test-artifacts/screenshots/a11y-<view>-<screen>.png).

axe-core is the npm package, not a copy in this repository and not a Node build step: its ``axe.min.js`` (one
self-contained script) is taken from the package's tarball, fetched from the npm registry (the very file
``npm pack`` / ``npm install`` would fetch; no npm needed) once per venv. The version is pinned and the tarball's
SHA-256 checked, so a test run always uses the same rules and a changed or corrupted download fails instead
of checking something else. The script is kept under the venv (``<venv>/share/mixerd-tests/``), so the registry
is not asked again until ``make clean``. Playwright injects it into each page (``add_script_tag``).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

import pytest
from tour import ADMIN_VIEWS, LOGIN, MIX_LINK_VIEWS, SCREENS, VIEWER_VIEWS, band_app, shot, tour
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_TARBALL_SHA256 = "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
AXE_TARBALL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
AXE_CACHE = Path(sys.prefix) / "share" / "mixerd-tests" / f"axe-core-{AXE_VERSION}"
FAILING = ("serious", "critical")


def axe_script() -> Path:
    """``axe.min.js`` of the pinned axe-core: from the cache, else from the npm package (checked, then cached)."""
    script = AXE_CACHE / "axe.min.js"
    if script.exists():
        return script
    with urllib.request.urlopen(AXE_TARBALL, timeout=120) as answer:
        data = answer.read()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_TARBALL_SHA256, f"axe-core {AXE_VERSION} from npm has SHA-256 {digest}, not the pinned one"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        text = archive.extractfile("package/axe.min.js").read()
    AXE_CACHE.mkdir(parents=True, exist_ok=True)
    partial = script.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(text)
    partial.replace(script)  # whole or not at all, even with two test runs at once
    return script


@pytest.fixture(scope="module")
def axe() -> Path:
    return axe_script()


def check(page, base: str, axe: Path) -> list[str]:
    """axe-core's serious and critical findings on the page as it is, one line each (rule, element, what).

    The app's Content-Security-Policy runs only scripts of its own origin (no inline script), and the test keeps
    it on: the script is injected as a same-origin URL that Playwright answers itself (the app never serves it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        url = f"{base}/__tests__/axe.min.js"
        page.context.route(url, lambda route: route.fulfill(path=str(axe), content_type="text/javascript"))
        page.add_script_tag(url=url)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact,
            nodes: v.nodes.map((n) => ({ target: n.target.join(" "), impact: n.impact, summary: n.failureSummary })) }));
    }""")
    found = []
    for violation in result:
        for node in violation["nodes"]:
            if (node["impact"] or violation["impact"]) in FAILING:
                summary = " ".join((node["summary"] or "").split())
                found.append(f"{violation['id']} ({node['impact']}) {node['target']}: {summary[:300]}")
    return found


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_serious_or_critical_violation_on_any_view(screen, axe, control, serve_app, open_page):
    app, auth = band_app(control)
    found: dict[str, list[str]] = {}
    with serve_app(app) as base:
        for view, page in tour(open_page, screen, base, auth):
            found[view.name] = check(page, base, axe)
            shot(page, screen, view, "a11y")
    assert list(found) == [v.name for v in (LOGIN, *ADMIN_VIEWS, *MIX_LINK_VIEWS, *VIEWER_VIEWS)]  # every view
    problems = {name: lines for name, lines in found.items() if lines}
    assert not problems, "\n".join(f"{name}: {line}" for name, lines in problems.items() for line in lines)
