"""The web app follows what the server pushes, in Chromium against the real engine running offline: the
history list shows changes, drags, undos and redos made by other clients without a reload and without asking
for the history again (requests counted), "Undo this" takes back exactly one step of anyone's, the undo and redo
buttons follow the server's ``undo`` messages for this page's own changes, each value in the history is shown in
its unit (a compressor's threshold in dB, its attack and release in ms or s, its ratio as 4:1, an EQ band's Q and
its frequency in Hz or kHz), and the scenes tab shows scenes and safes changed elsewhere without fetching them."""

from __future__ import annotations

import re

import httpx
import pytest
from support import ManualClock, wait_until

from mixerd.control import Control
from mixerd.model import ParamTree

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": False, "has_touch": True}


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def control(layout, engine, clock):
    tree = ParamTree.from_layout(layout)
    engine.load(tree.defaults())
    return Control(tree, link=engine, clock=clock)


def gets(page, path: str) -> list[str]:
    """Every GET of ``/api/v1/{path}…`` the page makes from now on."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.method == "GET" and f"/api/v1/{path}" in r.url else None)
    return seen


def test_the_history_follows_other_clients_without_asking_again(live_server, open_page, control, clock):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    asked = gets(page, "history")
    control.set("ch/1/mute", True, "rest")  # before the page: in the page it loads
    page.goto(live_server + "/#/console/history")
    entries = page.locator(".history-entry")
    expect(entries).to_have_text([re.compile(r"api\s*the REST API\s*Vocal · mute\s*off → on\s*Undo this")])
    undo, redo = page.get_by_role("button", name="Undo", exact=True), page.get_by_role("button", name="Redo", exact=True)
    # This page's Undo takes back this page's own changes: it has made none.
    expect(undo).to_be_disabled()
    expect(redo).to_be_disabled()
    api = httpx.Client(base_url=live_server + "/api/v1", timeout=10)

    clock.now += 5
    assert api.put("/params/ch/2/fader", json={"value": -6}).status_code == 200  # another client
    expect(entries.first).to_contain_text("Guitar · fader")
    expect(entries).to_have_count(2)

    assert api.post("/undo").status_code == 200  # that client's own undo
    expect(entries.first).to_have_class(re.compile(r"\bundone\b"))
    expect(entries.first).to_contain_text("Redo this")
    expect(entries.nth(1)).not_to_have_class(re.compile(r"\bundone\b"))
    assert api.post("/redo").status_code == 200
    expect(entries.first).not_to_have_class(re.compile(r"\bundone\b"))
    assert api.post("/undo").status_code == 200

    clock.now += 5
    for db in (-1.0, -2.0, -3.5):  # a fader dragged on a phone: one step, one row that follows the drag
        control.set("ch/3/fader", db, "ws")
    # The drag is one row from before it to where it ended; the REST API's undone step stays (its redo is its own).
    expect(entries).to_have_text([re.compile(r"app\s*another device\s*Keys · fader\s*0\.0 dB → −3\.5 dB"),
                                  re.compile(r"Guitar · fader.*Redo this"), re.compile(r"Vocal · mute")])
    # The engineer takes back the phone's drag from the History: exactly that step.
    entries.first.get_by_role("button", name="Undo this").click()
    expect(entries.first).to_have_class(re.compile(r"\bundone\b"))
    expect(page.locator(".toast.ok").last).to_contain_text("Undone: 1 change")
    wait_until(lambda: control.get("ch/3/fader") == 0.0, what="the phone's drag taken back")
    assert control.get("ch/2/fader") == 0.0 and control.get("ch/1/mute") is True
    expect(undo).to_be_disabled()  # still nothing of this page's own
    assert [e.seq for e in control.history()] == [int(s) for s in entries.evaluate_all(
        "rows => rows.map(r => r.dataset.seq)")]
    assert len(asked) == 1, asked  # the page was loaded once; everything since came over the socket
    api.close()


def test_the_scenes_tab_follows_scenes_saved_elsewhere(live_server, open_page, control):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    scenes_asked, safes_asked = gets(page, "scenes"), gets(page, "safes")
    page.goto(live_server + "/#/console/scenes")
    expect(page.locator(".scene-list .empty")).to_be_visible()
    api = httpx.Client(base_url=live_server + "/api/v1", timeout=10)
    assert api.post("/scenes", json={"name": "Verse"}).status_code == 201  # another client
    expect(page.locator(".scene .scene-name")).to_have_text(["Verse"])
    assert api.put("/safes", json={"patterns": ["bus/1/**"]}).status_code == 200
    expect(page.locator(".safe code")).to_have_text(["bus/1/**"])

    page.fill('input[aria-label="New scene name"]', "Chorus")  # and here: shown once the server says so
    page.click('button:has-text("Save scene")')
    expect(page.locator(".scene .scene-name")).to_have_text(["Chorus", "Verse"])
    delete = page.locator('button[aria-label="Delete Verse"]')
    delete.click()
    delete.click()  # confirmed
    expect(page.locator(".scene .scene-name")).to_have_text(["Chorus"])
    wait_until(lambda: [s["name"] for s in api.get("/scenes").json()["scenes"]] == ["Chorus"], what="the delete")
    assert scenes_asked == [] and safes_asked == []  # nothing fetched: all pushed
    api.close()


def test_the_history_shows_each_value_in_its_unit(live_server, open_page, control):
    from playwright.sync_api import expect

    # What an engineer does to Vocal's compressor and EQ, each change a step of its own: old → new in its unit.
    shown = {
        ("ch/1/dyn/threshold", -24.5): ("Vocal · comp threshold", "−20.0 dB → −24.5 dB"),
        ("ch/1/dyn/attack", 2.5): ("Vocal · comp attack", "10 ms → 2.5 ms"),
        ("ch/1/dyn/release", 1200.0): ("Vocal · comp release", "150 ms → 1.2 s"),
        ("ch/1/dyn/ratio", 4.0): ("Vocal · comp ratio", "3:1 → 4:1"),
        ("ch/1/eq/2/q", 2.5): ("Vocal · EQ band 2 q", "Q 1 → Q 2.5"),
        ("ch/1/eq/2/freq", 1250.0): ("Vocal · EQ band 2 freq", "500 Hz → 1.25 kHz"),
        ("ch/1/eq/3/freq", 12000.0): ("Vocal · EQ band 3 freq", "2.5 kHz → 12 kHz"),
        ("ch/1/eq/1/gain", 3.0): ("Vocal · EQ band 1 gain", "0.0 dB → +3.0 dB"),
    }
    assert {address: control.tree.spec(address).unit for address, _ in shown} == {
        "ch/1/dyn/threshold": "dB", "ch/1/dyn/attack": "ms", "ch/1/dyn/release": "ms", "ch/1/dyn/ratio": "ratio",
        "ch/1/eq/2/q": "Q", "ch/1/eq/2/freq": "Hz", "ch/1/eq/3/freq": "Hz", "ch/1/eq/1/gain": "dB"}
    for address, value in list(shown)[:4]:  # before the page: in the history it loads
        control.set(address, value, "rest")
    page = open_page(TABLET)
    page.goto(live_server + "/#/console/history")
    entries = page.locator(".history-entry")
    expect(entries).to_have_count(4)
    for address, value in list(shown)[4:]:  # after: pushed to it
        control.set(address, value, "rest")
    expect(entries).to_have_count(len(shown))
    rows = entries.evaluate_all("""rows => rows.map((r) => [r.querySelector(".history-what").textContent,
                                                           r.querySelector(".history-change").textContent])""")
    assert rows == [list(row) for row in reversed(shown.values())]  # newest first
