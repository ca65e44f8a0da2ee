"""The web app's own state and its one way to change the mixer, in Chromium against the real engine running
offline: every slider's range is its published parameter spec (and follows the spec, not a constant of the
app), and every change the views make goes through the connection's ``write`` (or ``step`` for undo and
redo) — over the WebSocket, and nothing at all while it is offline. One drag is one undo step: with a mouse on a
tablet, and with a real finger (touch.py) on the phone and both tablets — an EQ handle dragged straight up then up
and to the right, a fader and a pan — each makes exactly one new step in GET /api/v1/history, and the console's
Undo takes all of it back."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from support import wait_until
from touch import Finger, center
from tour import SCREENS

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": False, "has_touch": True}
STATIC = Path(__file__).resolve().parents[2] / "mixerd" / "web" / "static" / "js"

#: Every editor slider's address with its range and its label: [[address, min, max, text], …].
SLIDERS = """() => [...document.querySelectorAll('.editor .slider[data-address]')].map((s) =>
    [s.dataset.address, Number(s.getAttribute('aria-valuemin')), Number(s.getAttribute('aria-valuemax')),
     s.getAttribute('aria-valuetext')])"""


@pytest.fixture
def page(open_page, live_server):
    page = open_page(TABLET)
    page.goto(live_server + "/#/console/ch/1")
    page.locator('.editor[data-prefix="ch/1"]').wait_for()
    return page


def test_every_slider_has_the_range_of_its_spec(page, live_server):
    published = {p["address"]: p for p in httpx.get(live_server + "/api/v1/params").json()["params"]}
    seen = set()
    for strip in ("ch/1", "bus/1", "bus/2", "main"):
        page.locator(f'.strip[data-address="{strip}"] .strip-name').click()
        page.locator(f'.editor[data-prefix="{strip}"]').wait_for()
        for address, lo, hi, _ in page.evaluate(SLIDERS):
            assert (lo, hi) == (published[address]["min"], published[address]["max"]), address
            seen.add(re.sub(r"\d+", "N", address))
    # the trim, the high-pass, an EQ band, gate, compressor, sends, a mix's level and "more me", the limiter
    assert {"ch/N/trim", "ch/N/hpf/freq", "ch/N/eq/N/gain", "ch/N/eq/N/q", "ch/N/gate/attack", "ch/N/dyn/ratio",
            "ch/N/send/N/level", "ch/N/send/N/pan", "bus/N/fader", "bus/N/moreme", "bus/N/balance",
            "bus/N/limiter/threshold", "main/fader", "solo/level"} <= seen


def test_ranges_follow_the_specs_not_constants_of_the_app(page):
    """Given other ranges in the store, the editor made again shows them: nothing in the app knows a range."""
    from playwright.sync_api import expect

    page.evaluate("""() => {
        const { store } = window.mixerd;
        const narrower = { "ch/1/trim": [-12, 12], "ch/1/eq/1/gain": [-9, 9], "ch/1/eq/1/q": [0.5, 4],
                           "ch/1/dyn/ratio": [1, 10], "bus/1/fader": [-90, 6], "bus/1/moreme": [0, 6] };
        store.setFacts([...store.specs.values()].map((p) => (p.address in narrower
            ? { ...p, min: narrower[p.address][0], max: narrower[p.address][1] } : p)), store.fs);
    }""")
    for strip in ("ch/2", "ch/1"):  # the editor is made again for the strip selected
        page.locator(f'.strip[data-address="{strip}"] .strip-name').click()
    page.locator('.editor[data-prefix="ch/1"]').wait_for()
    ranges = {a: (lo, hi) for a, lo, hi, _ in page.evaluate(SLIDERS)}
    assert ranges["ch/1/trim"] == (-12, 12) and ranges["ch/1/eq/1/gain"] == (-9, 9)
    assert ranges["ch/1/eq/1/q"] == (0.5, 4) and ranges["ch/1/dyn/ratio"] == (1, 10)
    page.locator('.strip[data-address="bus/1"] .strip-name').click()
    page.locator('.editor[data-prefix="bus/1"]').wait_for()
    sliders = {a: (lo, hi, text) for a, lo, hi, text in page.evaluate(SLIDERS)}
    assert sliders["bus/1/fader"][:2] == (-90, 6) and sliders["bus/1/moreme"] == (0, 6, "off")
    level = page.locator('.editor .slider[data-address="bus/1/fader"]')
    level.focus()
    page.keyboard.press("End")  # the top of the fader is the spec's maximum
    expect(level).to_have_attribute("aria-valuenow", "6")


def test_every_change_goes_through_the_connection(page, control):
    rest = []
    page.on("request", lambda r: rest.append(f"{r.method} {r.url.split('/api/v1/')[1]}")
            if "/api/v1/" in r.url and r.method != "GET" else None)
    page.evaluate("""() => {
        const { conn } = window.mixerd;
        window.calls = [];
        for (const name of ["write", "step"]) {
            const real = conn[name].bind(conn);
            conn[name] = (...args) => { window.calls.push([name, args[0]]); return real(...args); };
        }
    }""")
    calls = lambda: page.evaluate("window.calls")  # noqa: E731

    page.locator('.strip[data-address="ch/2"] .toggle.mute').click()  # a toggle on a strip
    wait_until(lambda: control.get("ch/2/mute") is True, what="the mute")
    trim = page.locator('.editor .slider[data-address="ch/1/trim"]')
    trim.focus()
    page.keyboard.press("ArrowUp")  # a slider in the editor
    wait_until(lambda: control.get("ch/1/trim") == 0.5, what="the trim")
    page.locator('.strip[data-address="ch/3"] .toggle.solo').click()
    wait_until(lambda: control.get("ch/3/solo") is True, what="the solo")
    page.locator(".solo-light").click()  # a batch
    wait_until(lambda: control.get("ch/3/solo") is False, what="the solo cleared")

    handle = page.locator('.editor .eq-handle[data-band="2"]')  # a drag of two values at once
    page.locator(".editor .eq-graph").scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    # Straight up first (the gain alone: one drag once became 16 steps), then up and right (both values).
    for i in range(1, 8):
        page.mouse.move(x, y - 4 * i)
        page.wait_for_timeout(30)
    for i in range(1, 8):
        page.mouse.move(x + 6 * i, y - 28 - 4 * i)
        page.wait_for_timeout(30)
    page.mouse.up()
    wait_until(lambda: control.get("ch/1/eq/2/gain") > 0 and control.get("ch/1/eq/2/freq") > 500,
               what="the dragged band")
    wait_until(lambda: len({e.step for e in control.history() if e.address.startswith("ch/1/eq/2/")}) == 1
               and calls()[-1][0] == "write", what="the drag's last write")
    drag = [e for e in control.history() if e.address.startswith("ch/1/eq/2/")]
    assert {e.address for e in drag} == {"ch/1/eq/2/freq", "ch/1/eq/2/gain"}  # one drag, one undo step
    assert {e.origin for e in control.history()} == {"ws"}

    page.get_by_role("button", name="Undo").click()
    wait_until(lambda: control.get("ch/1/eq/2/gain") == 0.0, what="the undo")
    made = calls()
    assert [name for name, _ in made].count("step") == 1 and made[-1] == ["step", "undo"]
    writes = [arg for name, arg in made if name == "write"]
    assert writes[0] == {"ch/2/mute": True} and {"ch/1/trim": 0.5} in writes and {"ch/3/solo": True} in writes
    assert {"ch/3/solo": False} in writes  # the solo light's batch (one solo on)
    assert any(set(w) == {"ch/1/eq/2/freq", "ch/1/eq/2/gain"} for w in writes)
    assert rest == []  # every change and the undo went over the WebSocket

    # Without the socket nothing is sent at all (no change waits in a dead link to be replayed late).
    page.evaluate("() => window.mixerd.conn.stop()")
    for call in ("write({ 'ch/1/fader': -6 })", "write({ 'ch/1/pan': -20, 'ch/2/pan': 20 })", "step('redo')"):
        code = page.evaluate(f"() => window.mixerd.conn.{call}.then(() => 'sent', (e) => e.code)")
        assert code == "offline", call
    assert rest == [] and (control.get("ch/1/fader"), control.get("ch/1/pan")) == (0.0, 0.0)


def test_only_the_connection_writes():
    """No module but connection.js sends a parameter write, an undo or a redo over REST itself."""
    write = re.compile(r"""api\(\s*"(PUT|PATCH|POST)",\s*[`"'](params|undo|redo)\b""")
    for path in STATIC.rglob("*.js"):
        source = path.read_text()
        if path.name != "connection.js":
            assert not write.search(source), f"{path.relative_to(STATIC)} writes over REST itself"
            assert not re.search(r"\bconn\.(set|setMany)\(", source), path.name
    assert not write.findall((STATIC / "connection.js").read_text())  # it writes over the WebSocket only


# Counts the page's writes still unanswered (``__writing``) and the fingers lifted (``__lifted``: a pointerup that has
# reached the window, after the control's own handler made the drag's last write).
WATCH_WRITES = """() => {
    const { conn } = window.mixerd;
    const real = conn.write.bind(conn);
    window.__writing = 0;
    window.__lifted = 0;
    conn.write = (...args) => {
        window.__writing += 1;
        const request = real(...args);
        const done = () => { window.__writing -= 1; };
        request.then(done, done);
        return request;
    };
    addEventListener("pointerup", () => { window.__lifted += 1; });
}"""


def history_steps(base: str) -> dict[int, list[dict]]:
    """GET /api/v1/history: its entries by undo step."""
    answer = httpx.get(f"{base}/api/v1/history", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    steps: dict[int, list[dict]] = {}
    for entry in answer.json()["entries"]:
        steps.setdefault(entry["step"], []).append(entry)
    return steps


@pytest.mark.parametrize("screen", list(SCREENS))
def test_one_touch_drag_is_one_undo_step(screen, open_page, live_server, control):
    from playwright.sync_api import expect

    page = open_page(SCREENS[screen])
    page.goto(live_server + "/#/console/ch/1")
    handle = page.locator('.editor[data-prefix="ch/1"] .eq-handle[data-band="2"]')
    handle.wait_for()
    page.evaluate(WATCH_WRITES)
    finger = Finger(page)

    def drag_is_one_step(what: str, addresses: set[str], gesture, moved) -> None:
        """``gesture()`` (a finger's drag) changes ``addresses`` as ``moved(before, after)`` says, in one new step
        of the history holding exactly them, from where they were to where they ended; one Undo takes it back."""
        steps = history_steps(live_server)
        start = {a: control.get(a) for a in addresses}
        lifted = page.evaluate("window.__lifted")
        gesture()
        page.wait_for_function(f"() => window.__lifted > {lifted} && window.__writing === 0")  # every write answered
        end = {a: control.get(a) for a in addresses}
        assert moved(start, end), f"{what}: {start} → {end}"
        new = {step: entries for step, entries in history_steps(live_server).items() if step not in steps}
        assert len(new) == 1, f"{what} made {len(new)} steps: {new}"
        [entries] = new.values()
        assert {e["address"] for e in entries} == addresses, entries
        assert {e["address"]: (e["old"], e["new"]) for e in entries} == {a: (start[a], end[a]) for a in addresses}
        finger.tap(*center(page, page.locator(".undo-redo button", has_text="Undo")))
        wait_until(lambda: {a: control.get(a) for a in addresses} == start, what=f"{what} undone in one Undo")

    try:
        # Band 2's handle, straight up (its gain alone: one drag once became 16 steps), then up and to the right.
        def eq_drag():
            x, y = center(page, handle)
            finger.path([(x, y), (x, y - 28), (x + 42, y - 56)], steps=8)

        drag_is_one_step("the EQ handle", {"ch/1/eq/2/gain", "ch/1/eq/2/freq"}, eq_drag,
                         lambda a, b: all(b[f"ch/1/eq/2/{leaf}"] > a[f"ch/1/eq/2/{leaf}"] for leaf in ("gain", "freq")))

        # Guitar's fader pushed up from its thumb.
        fader = page.locator('.strip[data-address="ch/2"] .slider[data-address="ch/2/fader"]')
        drag_is_one_step("the fader", {"ch/2/fader"},
                         lambda: finger.drag(*center(page, fader.locator(".slider-thumb")), 0, -60),
                         lambda a, b: b["ch/2/fader"] > a["ch/2/fader"])
        expect(fader).to_have_attribute("aria-valuenow", "0")

        # Keys' pan moved to the right.
        pan = page.locator('.strip[data-address="ch/3"] .slider[data-address="ch/3/pan"]')
        drag_is_one_step("the pan", {"ch/3/pan"},
                         lambda: finger.drag(*center(page, pan.locator(".slider-thumb")), 30, 0),
                         lambda a, b: b["ch/3/pan"] > a["ch/3/pan"])
        expect(pan).to_have_attribute("aria-valuenow", "0")
    finally:
        finger.close()
