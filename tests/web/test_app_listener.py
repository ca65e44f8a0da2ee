"""The band's side of the web app in Chromium against the real engine running offline (no jackd), access control
on, with touch: on the phone and both tablets (tour.py's screens), with a real finger, the drummer finds out from
their own mix why the snare is gone and brings back what they may (the send) in at most three taps, seeing why they
may not unmute it; on a 360-px phone, the header badge opens the list of every current
problem, each linked to its place, and the flow of the mix lists the channel with the engineer's "Fix all"; when
the engineer changes the drummer's mix, the drummer's phone says so and "Keep mine" puts it back."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import numpy as np
import pytest
from support import PHONE, RATE, wait_until
from touch import Finger, middle, swipe_into_view
from tour import SCREENS

from mixerd.control.access import Auth
from mixerd.model import BusLayout, Layout
from mixerd.web import create_app

pytestmark = pytest.mark.browser

PASSWORD = "stage-left-42"
SNARE, DRUMMER = "ch/2", "bus/1"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def layout() -> Layout:
    return Layout(inputs=("Kick", "Snare", "Keys"),
                  buses=(BusLayout("Drummer"), BusLayout("IEM", stereo=True), BusLayout("Verb", kind="fx")), generators=2)


@pytest.fixture
def auth():
    return Auth()


@pytest.fixture
def band(control, auth, serve_app, play):
    """The mixer on a real HTTP server, every channel in the Drummer's mix, a tone into the snare (the offline
    meters hold it); yields (url, engineer headers, the drummer's link token, a function that plays it again)."""
    admin, _ = auth.setup(PASSWORD)
    _, token = auth.create_link("mix", 1, "Drummer")
    control.set_many({f"ch/{n}/send/1/{leaf}": value for n in (1, 2, 3)
                      for leaf, value in (("level", -6.7), ("on", True))}, "rest")
    tone = np.zeros((3, 4800), np.float32)
    tone[1] = 0.25 * np.sin(2 * np.pi * 440 * np.arange(4800) / RATE)
    play(inputs=tone)
    with serve_app(create_app(control, auth=auth)) as url:
        yield url, {"Authorization": f"Bearer {admin}"}, token, lambda: play(inputs=tone)


def patch(url: str, engineer: dict, changes: dict) -> None:
    answer = httpx.patch(f"{url}/api/v1/params", json={"changes": changes}, headers=engineer)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_drummer_finds_the_snare_from_their_mix_and_brings_back_the_send(screen, band, open_page, control):
    """From the drummer's mix as the link opens it (first visit: "★ This is me" on top), with a finger: at most
    three taps (swipes to scroll are not taps) until the snare's send is back on, the reason and the engineer's part
    in plain words on the way."""
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    patch(url, engineer, {f"{SNARE}/mute": True, f"{SNARE}/send/1/on": False})  # the engineer, over REST
    page = open_page(SCREENS[screen])
    page.goto(f"{url}/#/mix/1?token={token}")  # the drummer's link: My mix
    expect(page.locator(".me-step")).to_be_visible()  # a first visit
    finger = Finger(page)
    try:
        # The drummer is not asked who they are now: "Skip" (one tap), then down the page to what does not reach them.
        skip = page.locator(".me-step .me-skip")
        swipe_into_view(page, finger, skip)
        finger.tap(*middle(skip))
        expect(page.locator(".me-step")).to_be_hidden()
        snare = page.locator(f'.missing-item[data-address="{SNARE}"]')
        expect(snare.locator(".missing-name")).to_have_text("Snare")
        mute = snare.locator('.missing-reason[data-code="muted"]')
        expect(mute).to_contain_text("Snare: muted — only the engineer can unmute Snare")
        expect(mute.locator("button.missing-fix")).to_have_text("unmute Snare")
        expect(mute.locator("button.missing-fix")).to_be_disabled()
        send = snare.locator('.missing-reason[data-code="send_off"]')
        expect(send).to_contain_text("Snare: its send to Drummer is off")
        fix = send.locator("button.missing-fix")
        expect(fix).to_have_text("switch Snare's send to Drummer on")
        expect(fix).to_be_enabled()
        expect(snare.locator(".missing-fix-all")).to_have_count(0)  # "Fix all" is the engineer's
        swipe_into_view(page, finger, fix)
        box = fix.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        page.screenshot(path=str(SHOTS / f"mymix-missing-{screen}.png"), full_page=True)

        finger.tap(*middle(fix))  # the fix
        wait_until(lambda: control.get(f"{SNARE}/send/1/on") is True, what="the snare's send on")
        assert finger.taps <= 3, f"the hunt took {finger.taps} taps"
    finally:
        finger.close()
    # The list follows: the send is no longer a reason, the mute still is and still says whose it is.
    expect(snare.locator('.missing-reason[data-code="send_off"]')).to_have_count(0)
    expect(snare.locator('.missing-reason[data-code="muted"] button.missing-fix')).to_be_disabled()
    expect(page.locator(".others-notice")).to_be_hidden()  # the drummer's own change is not "someone else's"
    assert control.get(f"{SNARE}/mute") is True
    patch(url, engineer, {f"{SNARE}/mute": False})
    expect(snare).to_have_count(0)  # the snare reaches the mix again


def test_the_badge_opens_every_problem_and_the_mix_flow_fixes_all(band, open_page, control):
    from playwright.sync_api import expect

    url, engineer, _, sound = band
    page = open_page(PHONE)
    page.goto(f"{url}/#/login?next=%23%2Fconsole")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    page.wait_for_url(re.compile(r"#/console$"))
    patch(url, engineer, {f"{SNARE}/mute": True})  # a snare with signal, muted: a warning
    sound()  # the snare plays on
    badge = page.locator("#problems")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("href", "#/problems")
    badge.tap()
    expect(page).to_have_url(re.compile(r"#/problems$"))
    muted = page.locator(f'.problem-item[data-code="muted"][data-address="{SNARE}"]')
    expect(muted.locator(".problem-message")).to_contain_text("Snare")
    expect(muted.locator("a.problem-link")).to_have_attribute("href", f"#/flow/{SNARE}")
    expect(page.locator('.problem-item[data-code="xruns"]')).to_have_count(0)
    assert page.locator(".problem-item").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # readable on the phone
    page.screenshot(path=str(SHOTS / "problems-phone.png"), full_page=True)

    # The Drummer's flow lists the snare first (the others are only silent at their input), with its fixes.
    page.evaluate("location.hash = '#/flow/bus/1'")
    first = page.locator(".missing-item").first
    expect(first).to_have_attribute("data-address", SNARE)
    expect(first.locator('.missing-reason[data-code="muted"] button.missing-fix')).to_be_enabled()  # the engineer may
    patch(url, engineer, {f"{SNARE}/send/1/on": False})
    fix_all = first.locator(".missing-fix-all")
    expect(fix_all).to_have_text("Fix all for Snare")
    fix_all.tap()
    wait_until(lambda: control.get(f"{SNARE}/mute") is False and control.get(f"{SNARE}/send/1/on") is True,
               what="every fix at once")
    expect(page.locator(f'.missing-item[data-address="{SNARE}"]')).to_have_count(0)


def test_the_drummer_sees_the_engineers_change_and_keeps_their_own(band, open_page, control):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    page = open_page(PHONE)
    page.goto(f"{url}/#/mix/1?token={token}")
    notice = page.locator(".others-notice")
    expect(page.locator(".send-row")).to_have_count(3)
    expect(notice).to_be_hidden()
    # The FX return into this mix is the drummer's to change.
    expect(page.locator('.fx-returns .slider[data-address="bus/3/return/1/level"]')).to_have_count(1)

    patch(url, engineer, {"ch/1/send/1/level": -14.5})  # someone else changes the drummer's mix
    expect(notice).to_be_visible()
    expect(notice.locator(".others-text")).to_have_text("The engineer changed your mix:")
    expect(notice.locator(".others-lines li")).to_have_text(["Kick −6.7 → −14.5"])
    page.screenshot(path=str(SHOTS / "mymix-changed-by-engineer-phone.png"), full_page=True)
    keep = notice.locator(".others-keep")
    box = keep.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    keep.tap()
    wait_until(lambda: control.get("ch/1/send/1/level") == pytest.approx(-6.7), what="the drummer's level back")
    expect(notice).to_be_hidden()
    # Their own write of it did not bring the notice back.
    expect(page.locator('.slider[data-address="ch/1/send/1/level"]')).to_have_attribute("aria-valuenow", "-6.7")
    expect(notice).to_be_hidden()
