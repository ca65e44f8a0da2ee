"""A musician's "My mix" on a phone (390 × 844, touch), in Chromium against the real engine running offline (no
jackd), access control on, the Drummer's mix link (issue 18):

- the first visit starts with "★ This is me": the drummer taps the snare, "More me" then raises the snare — in
  the mixer's state (REST), in the trace of the mix and in the audio of the mix — and the step is not shown again;
- "More me" with nobody marked changes nothing and says how to mark yourself (and opens the step on request);
- a mix link reaches its own mix only: another mix's address (or a view, the console, the flow) leads back to it,
  and the header offers no way anywhere else;
- what My mix says — the channels that do not reach it, the engineer's changes, a refused change — names the
  channel ("Snare mute"), never an address ("ch/2/mute"); so does the engineer's list of problems.

Touches are Chromium's own (Playwright's tap, and CDP Input.dispatchTouchEvent for a drag, as a finger would).
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
import time

import httpx
import numpy as np
import pytest
from support import RATE, wait_until
from tour import PHONE, SHOTS

from mixerd.control.access import Auth
from mixerd.model import BusLayout, Layout
from mixerd.web import create_app

pytestmark = pytest.mark.browser

PASSWORD = "kick-snare-hat-9"
ADDRESS = re.compile(r"\b(?:ch|bus|dca|mutegroup)/\d+")  # an address in text a person reads


@pytest.fixture
def layout() -> Layout:
    return Layout(inputs=("Kick", "Snare", "Keys"),
                  buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True), BusLayout("Verb", kind="fx")), generators=2)


@pytest.fixture
def auth():
    return Auth()


@pytest.fixture
def band(control, auth, serve_app, play):
    """The mixer on a real HTTP server, every channel in the Drummer's mix at −6.7 dB and nobody marked as "me", a
    tone into the snare; yields (url, the engineer's REST client, the drummer's link token, a function that plays
    the tone through the mixer and returns the meters)."""
    admin, _ = auth.setup(PASSWORD)
    _, token = auth.create_link("mix", 1, "Drummer")
    control.set_many({f"ch/{n}/send/1/{leaf}": value for n in (1, 2, 3)
                      for leaf, value in (("level", -6.7), ("on", True))}, "rest")
    tone = np.zeros((3, 4800), np.float32)
    tone[1] = 0.25 * np.sin(2 * np.pi * 440 * np.arange(4800) / RATE)  # −12 dBFS into the snare
    play(inputs=tone)
    with serve_app(create_app(control, auth=auth)) as url:
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {admin}"}) as engineer:
            yield url, engineer, token, lambda: play(inputs=tone)


def value(engineer: httpx.Client, address: str):
    """What the mixer holds at ``address`` (REST, as the engineer)."""
    answer = engineer.get(f"/params/{address}")
    assert answer.status_code == 200, answer.text
    return answer.json()["value"]


def patch(engineer: httpx.Client, changes: dict) -> None:
    answer = engineer.patch("/params", json={"changes": changes})
    assert answer.status_code == 200, answer.text


def open_mix(open_page, url: str, token: str):
    """The drummer's phone opening the link: My mix once it shows its channels."""
    from playwright.sync_api import expect

    page = open_page(PHONE)
    page.goto(f"{url}/#/mix/1?token={token}")
    expect(page.locator("#conn")).to_have_text("online")
    expect(page.locator(".send-row")).to_have_count(3)
    return page


def drag(page, locator, dx: float, steps: int = 10) -> None:
    """A finger on the middle of ``locator``'s thumb, moved ``dx`` CSS px sideways in even steps, held still a
    moment and lifted (a finger that stops before it lifts: no fling, whose end would swallow the next tap). The
    events carry the times a finger would give them, the last one now."""
    locator.scroll_into_view_if_needed()
    box = locator.locator(".slider-thumb").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    path = [(x + dx * i / steps, 0.016) for i in range(1, steps + 1)] + [(x + dx, 0.05)] * 4
    at = time.time() - sum(dt for _, dt in path) - 0.01
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}], "timestamp": at})
        for px, dt in path:
            at += dt
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": px, "y": y}], "timestamp": at})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": [], "timestamp": at + 0.01})
    finally:
        cdp.detach()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def bus_peak(sound) -> float:
    return sound()["points"]["bus/1"]["peak"][0]


def test_the_first_visit_asks_who_i_am_and_more_me_then_raises_that_channel(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, sound = band
    page = open_mix(open_page, url, token)
    step = page.locator(".me-step")
    expect(step).to_be_visible()
    expect(step.locator(".me-step-title")).to_have_text("★ This is me")
    expect(step.locator(".me-pick")).to_have_text(["Kick", "Snare", "Keys"])
    for target in step.locator(".me-pick, .me-done, .me-skip").all():  # fingers fit
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    shot(page, "mymix-first-use-phone")

    snare = step.locator('.me-pick[data-address="ch/2/send/1/me"]')
    snare.tap()
    wait_until(lambda: value(engineer, "ch/2/send/1/me") is True, what="the snare marked as me")
    expect(snare).to_have_attribute("aria-pressed", "true")
    row = page.locator('.send-row[data-ch="2"]')
    expect(row).to_have_class(re.compile(r"\bis-me\b"))  # the same mark as ★ Me on the snare's row
    expect(row.locator(".toggle.me")).to_have_attribute("aria-pressed", "true")
    assert value(engineer, "ch/1/send/1/me") is False and value(engineer, "ch/3/send/1/me") is False
    step.locator(".me-done").tap()
    expect(step).to_be_hidden()

    before = bus_peak(sound)
    assert before == pytest.approx(-12.04 - 6.7, abs=0.1)
    more_me = page.locator('.slider[data-address="bus/1/moreme"]')
    drag(page, more_me, 120)
    wait_until(lambda: value(engineer, "bus/1/moreme") > 1.0, what="More me raised")
    expect(page.locator(".moreme-hint")).to_be_hidden()  # somebody is marked: no hint
    raised = value(engineer, "bus/1/moreme")
    wait_until(lambda: float(more_me.get_attribute("aria-valuenow")) == raised, what="the slider at the mixer's value")
    # The snare, and only the snare, is raised by that much: in the trace of the mix and in its audio.
    sources = {s["name"]: s["level_db"] for s in engineer.get("/trace/bus/1").json()["stages"][0]["sources"]}
    assert sources["Snare"] == pytest.approx(-6.7 + raised, abs=0.01)
    assert sources["Kick"] == pytest.approx(-6.7) and sources["Keys"] == pytest.approx(-6.7)
    assert bus_peak(sound) - before == pytest.approx(raised, abs=0.1)
    shot(page, "mymix-more-me-phone")

    page.reload()  # shown once: the next visit goes straight to the mix
    expect(page.locator(".send-row")).to_have_count(3)
    expect(step).to_be_hidden()
    expect(page.locator('.send-row[data-ch="2"]')).to_have_class(re.compile(r"\bis-me\b"))


def test_more_me_with_nobody_marked_explains_and_changes_nothing(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    page = open_mix(open_page, url, token)
    page.locator(".me-step .me-skip").tap()  # not now
    expect(page.locator(".me-step")).to_be_hidden()

    more_me = page.locator('.slider[data-address="bus/1/moreme"]')
    hint = page.locator(".moreme-hint")
    expect(hint).to_be_hidden()
    more_me.tap()
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("none is marked as you yet")
    expect(hint).to_contain_text("★ Me")
    drag(page, more_me, 150)  # a drag does not move it either (a slider moves with the finger, at once)
    assert more_me.get_attribute("aria-valuenow") == "0"
    # A change made after the drag (the writes of a page reach the mixer in order): once it is in, a More me the
    # drag had sent would be in too.
    kick_me = page.locator('.send-row[data-ch="1"] .toggle.me')
    kick_me.tap()
    wait_until(lambda: value(engineer, "ch/1/send/1/me") is True, what="Kick marked as me from its row")
    assert value(engineer, "bus/1/moreme") == 0.0
    expect(hint).to_be_hidden()  # somebody is marked now
    patch(engineer, {"ch/1/send/1/me": False})
    expect(kick_me).to_have_attribute("aria-pressed", "false")

    more_me.tap()
    expect(hint).to_be_visible()
    shot(page, "mymix-more-me-hint-phone")
    choose = hint.locator(".moreme-choose")
    box = choose.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    choose.tap()  # opens "★ This is me" again
    expect(page.locator(".me-step")).to_be_visible()
    expect(page.locator(".me-step .me-pick").first).to_be_focused()
    assert value(engineer, "bus/1/moreme") == 0.0


def test_a_mix_link_reaches_only_its_own_mix(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    page = open_mix(open_page, url, token)
    page.locator(".me-step .me-skip").tap()
    for typed in ("#/mix/2", "#/mix/3", "#/view/mix/2", "#/view", "#/view/ch/2", "#/flow/bus/2", "#/flow/bus/1",
                  "#/problems", "#/console", "#/console/bus/2", "#/links", "#/mix", "#/"):
        page.goto(f"{url}/{typed}")  # typed into the address bar
        expect(page).to_have_url(re.compile(r"#/mix/1$"))
        expect(page.locator(".mix-name")).to_have_text("Drummer")
        expect(page.locator(".send-row")).to_have_count(3)
        expect(page.locator(".mix-head .notice")).to_have_count(0)
    # Nothing in the header or on the page leads to another mix or view.
    expect(page.locator(".nav-item")).to_have_count(0)
    expect(page.locator(".mix-pick")).to_have_count(0)
    links = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.getAttribute('href'))")
    assert set(links) <= {"#/mix/1"}, links
    expect(page.locator("#nav")).to_have_text("My mix")
    shot(page, "mymix-own-mix-only-phone")
    page.locator(".brand").tap()
    expect(page).to_have_url(re.compile(r"#/mix/1$"))
    assert value(engineer, "bus/2/fader") == 0.0


def test_what_my_mix_says_names_the_channel_not_its_address(band, open_page, control):
    from playwright.sync_api import expect

    url, engineer, token, sound = band
    patch(engineer, {"ch/2/mute": True})  # the engineer mutes the snare
    sound()
    page = open_mix(open_page, url, token)
    page.locator(".me-step .me-skip").tap()

    # A problem: the snare does not reach the mix, in words, with whose fix it is.
    snare = page.locator('.missing-item[data-address="ch/2"]')
    expect(snare.locator(".missing-name")).to_have_text("Snare")
    muted = snare.locator('.missing-reason[data-code="muted"]')
    expect(muted).to_contain_text("only the engineer can unmute Snare")
    expect(muted.locator("button.missing-fix")).to_be_disabled()

    # The engineer changes the mix: what the drummer may take back, and what is the engineer's setting.
    patch(engineer, {"ch/1/send/1/level": -14.5, "ch/2/send/1/pre": False})
    notice = page.locator(".others-notice")
    expect(notice.locator(".others-text")).to_have_text("The engineer changed your mix:")
    expect(notice.locator(".others-lines:not(.others-theirs) li")).to_have_text(["Kick −6.7 → −14.5"])
    expect(notice.locator(".others-theirs li")).to_have_text(["The engineer's setting: Snare pre-fader on → off"])
    text = page.locator(".mymix").inner_text()
    assert not ADDRESS.search(text), ADDRESS.findall(text)
    shot(page, "mymix-plain-words-phone")
    notice.locator(".others-keep").tap()  # takes back the level only: nothing to refuse
    wait_until(lambda: value(engineer, "ch/1/send/1/level") == pytest.approx(-6.7), what="the drummer's level back")
    expect(notice).to_be_hidden()
    assert value(engineer, "ch/2/send/1/pre") is False  # the engineer's setting stays

    # A refused change, shown the way the app shows every refused write (bind.js: describeError, then a toast).
    shown = page.evaluate("""async () => {
        const { describeError } = await import("/static/js/api.js");
        try { await window.mixerd.conn.write({ "ch/2/mute": false }); return null; } catch (exc) {
            const node = window.mixerd.toast(describeError(exc), "error");
            return { text: node.textContent, shown: node.isConnected, status: exc.status };
        }
    }""")
    assert shown is not None and shown["status"] == 403 and shown["shown"]
    assert shown["text"] == "Refused: only the engineer can change Snare mute (your link changes only your mix)"
    assert control.get("ch/2/mute") is True


def test_the_engineers_problem_list_names_controls_not_addresses(band, open_page):
    from playwright.sync_api import expect

    url, engineer, _, sound = band
    page = open_page(PHONE)
    page.goto(f"{url}/#/login?next=%23%2Fproblems")
    page.fill("#password", PASSWORD)
    page.locator(".login-form button[type=submit]").tap()
    expect(page).to_have_url(re.compile(r"#/problems$"))
    patch(engineer, {"ch/2/mute": True})
    sound()  # the snare plays on, muted: a problem
    muted = page.locator('.problem-item[data-code="muted"][data-address="ch/2"]')
    expect(muted.locator(".problem-message")).to_have_text("Snare: there is signal but the channel is muted")
    expect(muted.locator(".problem-fix")).to_have_text("What to do: unmute Snare")
    text = page.locator(".problems-page").inner_text()
    assert not ADDRESS.search(text), ADDRESS.findall(text)
    shot(page, "problems-plain-words-phone")
