"""A musician's "Talk to the engineer" in My mix (issue 21), on a phone (390 × 844) with real touch (Chromium's own
touch events through CDP), through the Drummer's mix link, against the real engine running offline, access control on
(the band of test_app_mymix.py):

- a hold talks through the channels marked as me (ch/N/talk true while the finger is down, false once it lifts);
- a tap latches (on until the next tap), and the engineer's console shows the channel talking to them;
- with no channel marked as me the button says so, and a tap opens "★ This is me" and talks through nothing;
- the button is for fingers (44-px target), readable (14-px read-outs), and axe-core finds nothing serious or
  critical on it, idle and talking.

A press lasts as long as its touch events' own times say (a hold is a second, a tap 50 ms), however fast or slow the
machine is. Every step waits for what it is about (a value on the mixer, an element shown)."""

from __future__ import annotations

import re
import time

import pytest
from support import wait_until
from test_app_a11y import axe_script
from test_app_console import center
from test_app_mymix import PASSWORD, auth, band, layout, open_mix, patch, shot, value  # noqa: F401  (the band)
from test_app_talkback import TalkFinger
from test_app_touch import MEASURE, MIN_READOUT, MIN_TARGET
from tour import PHONE

pytestmark = pytest.mark.browser

BUTTON = ".mymix-talk"
READOUTS = ".mymix-talk .talk-name, .mymix-talk .talk-line, .mymix-talk-status"


def talk_button(page):
    return page.locator(BUTTON)


def press(finger: TalkFinger, page, seconds: float) -> None:
    """A finger on the talk button for `seconds` (by the events' own times), then lifted."""
    x, y = center(page, talk_button(page))
    at = time.time()
    finger.down(x, y, at)
    finger.up(at + seconds)


def skipped(page):
    """My mix with "★ This is me" skipped (not now)."""
    page.locator(".me-step .me-skip").tap()
    from playwright.sync_api import expect

    expect(page.locator(".me-step")).to_be_hidden()
    return page


def test_a_hold_talks_while_held_and_a_tap_latches(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    patch(engineer, {"ch/2/send/1/me": True})  # the drummer is the snare
    page = skipped(open_mix(open_page, url, token))
    button, status = talk_button(page), page.locator(".mymix-talk-status")
    expect(button.locator(".talk-name")).to_have_text("Talk to the engineer")
    expect(button).to_have_attribute("aria-disabled", "false")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(status).to_be_hidden()
    finger = TalkFinger(page)
    try:
        x, y = center(page, button)
        # A hold: the snare talks while the finger is down …
        at = time.time()
        finger.down(x, y, at)
        wait_until(lambda: value(engineer, "ch/2/talk") is True, what="the snare talking while held")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_have_class(re.compile(r"^(?=.*\btalking\b)(?=.*\bheld\b)"))
        expect(status).to_have_text("Talking to the engineer")
        assert value(engineer, "ch/1/talk") is False and value(engineer, "ch/3/talk") is False  # not me
        shot(page, "mymix-talk-held-phone")
        # … and stops once it lifts.
        finger.up(at + 1.0)
        wait_until(lambda: value(engineer, "ch/2/talk") is False, what="the snare silent once the finger lifted")
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(status).to_be_hidden()

        # A tap (50 ms) latches: on, and still on once the finger is up.
        press(finger, page, 0.05)
        expect(button).to_have_attribute("data-latched", "true")
        expect(button).to_have_attribute("aria-pressed", "true")
        assert value(engineer, "ch/2/talk") is True
        expect(status).to_have_text("Talking to the engineer")
        expect(button.locator(".talk-line")).to_have_text("Tap to stop")
        shot(page, "mymix-talk-latched-phone")

        # The engineer sees who talks to them: the snare's strip says so.
        console = open_page(PHONE)
        console.goto(f"{url}/#/login?next=%23%2Fconsole")
        console.fill("#password", PASSWORD)
        console.locator(".login-form button[type=submit]").tap()
        expect(console).to_have_url(re.compile(r"#/console"))
        snare = console.locator('.strip[data-address="ch/2"]')
        expect(snare.locator(".strip-talk")).to_have_text("Talking to you")
        expect(snare).to_have_class(re.compile(r"\btalking\b"))
        expect(console.locator('.strip[data-address="ch/1"] .strip-talk')).to_be_hidden()

        # A second tap releases it, on the phone and on the console.
        press(finger, page, 0.05)
        wait_until(lambda: value(engineer, "ch/2/talk") is False, what="the latch released by a second tap")
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).not_to_have_attribute("data-latched", "true")
        expect(snare.locator(".strip-talk")).to_be_hidden()

        # Turned on elsewhere (the engineer, over REST): the phone says it talks, and a tap stops it.
        patch(engineer, {"ch/2/talk": True})
        expect(status).to_have_text("Talking to the engineer")
        press(finger, page, 0.05)
        wait_until(lambda: value(engineer, "ch/2/talk") is False, what="a talk turned on elsewhere stopped")
        expect(status).to_be_hidden()
    finally:
        finger.close()


def test_a_held_talk_ends_when_the_phone_drops_its_link(band, open_page):
    """The server lets go of a held talk when the socket closes (the write says `hold: true`)."""
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    patch(engineer, {"ch/1/send/1/me": True, "ch/2/send/1/me": True})  # kick and snare: both are the drummer
    page = skipped(open_mix(open_page, url, token))
    button = talk_button(page)
    finger = TalkFinger(page)
    try:
        x, y = center(page, button)
        finger.down(x, y, time.time())
        wait_until(lambda: value(engineer, "ch/1/talk") is True and value(engineer, "ch/2/talk") is True,
                   what="both of the drummer's channels talking while held")
        assert value(engineer, "ch/3/talk") is False
        expect(button).to_have_attribute("aria-pressed", "true")
        page.evaluate("window.mixerd.conn._ws.close()")  # the socket closes (Wi-Fi gone)
        wait_until(lambda: value(engineer, "ch/1/talk") is False and value(engineer, "ch/2/talk") is False,
                   what="the held talk let go once the link dropped")
        expect(page.locator("#conn")).to_have_attribute("data-status", "online")
        finger.up(time.time())
        expect(button).to_have_attribute("aria-pressed", "false")
        assert value(engineer, "ch/1/talk") is False and value(engineer, "ch/2/talk") is False
    finally:
        finger.close()


def test_with_no_channel_marked_a_tap_leads_to_this_is_me(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    page = skipped(open_mix(open_page, url, token))
    button = talk_button(page)
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(button.locator(".talk-line")).to_have_text("Mark your channels first (★ This is me)")
    shot(page, "mymix-talk-no-me-phone")
    finger = TalkFinger(page)
    try:
        press(finger, page, 0.05)
        expect(page.locator(".me-step")).to_be_visible()
        expect(page.locator(".me-step .me-pick").first).to_be_focused()
        expect(page.locator(".toast", has_text="Mark your own channels first")).to_have_count(1)
        assert all(value(engineer, f"ch/{n}/talk") is False for n in (1, 2, 3))
        # Marked there, the button talks.
        page.locator('.me-step .me-pick[data-address="ch/3/send/1/me"]').tap()
        wait_until(lambda: value(engineer, "ch/3/send/1/me") is True, what="Keys marked as me")
        expect(button).to_have_attribute("aria-disabled", "false")
        press(finger, page, 0.05)
        wait_until(lambda: value(engineer, "ch/3/talk") is True, what="Keys latched talking")
        assert value(engineer, "ch/1/talk") is False and value(engineer, "ch/2/talk") is False
        press(finger, page, 0.05)
        wait_until(lambda: value(engineer, "ch/3/talk") is False, what="Keys released")
    finally:
        finger.close()


def test_the_talk_button_is_for_fingers_readable_and_accessible(band, open_page):
    from playwright.sync_api import expect

    url, engineer, token, _ = band
    patch(engineer, {"ch/2/send/1/me": True})
    page = skipped(open_mix(open_page, url, token))
    axe = axe_script()
    found: list[str] = []
    for state in ("idle", "talking"):
        if state == "talking":
            patch(engineer, {"ch/2/talk": True})
            expect(page.locator(".mymix-talk-status")).to_have_text("Talking to the engineer")
        box = talk_button(page).bounding_box()
        assert box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET, box
        tiny = [r for r in page.evaluate(MEASURE, [READOUTS]) if r["font"] < MIN_READOUT]
        assert not tiny, f"{state}: read-outs under 14 px: {tiny}"
        found += [f"{state}: {line}" for line in axe_on(page, url, axe, ".mymix-talk-box")]
    assert not found, "\n".join(found)


def axe_on(page, base: str, axe, selector: str) -> list[str]:
    """axe-core's serious and critical findings inside `selector`, one line each (the injection of
    test_app_a11y.check: a same-origin URL answered by Playwright, so the app's CSP stays on)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        url = f"{base}/__tests__/axe.min.js"
        page.context.route(url, lambda route: route.fulfill(path=str(axe), content_type="text/javascript"))
        page.add_script_tag(url=url)
    violations = page.evaluate("""async (selector) => {
        const r = await axe.run(document.querySelector(selector), { resultTypes: ["violations"] });
        return r.violations.flatMap((v) => v.nodes.filter((n) => ["serious", "critical"].includes(n.impact || v.impact))
            .map((n) => `${v.id} ${n.target.join(" ")}: ${n.failureSummary}`));
    }""", selector)
    return violations
