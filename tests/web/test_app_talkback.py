"""Talkback in the web app (issue 21), in real Chromium with touch input (Chromium's own touch events through CDP, as
a finger would) on a tablet (1024 × 768) and a phone (390 × 844), against the real engine running offline, on the
band's mixer of tour.py (access control on, the engineer signed in):

- the Talkback tab sets the mixer up: the mic's channel (chosen by its name), the talk level typed, the dim put back
  to its default by a double tap, a talk button's name and the mixes it talks to (each aux mix by name, the main);
- a talk button is always at hand on the console (in the top bar of the tablet, docked at the bottom of the phone):
  a hold is momentary (talkback/T/on true while the finger is down, false once it lifts), a tap latches and a second
  tap releases; a hold ends when the page is hidden, and when the link drops the off follows once it is back;
- a button that cannot talk (no mic, no mix) says why, and a tap on it opens the setup at the control that fixes it;
- a talk button turned on over REST, or on another device, shows as talking on every device;
- the talk buttons and the Talkback tab are for fingers (44-px targets), readable (14-px read-outs) and axe-core
  finds nothing serious or critical on them, idle, not set up and talking; a screen reader's activation is a tap;
- a talk press is no undo step (Undo does not end a latched talk);
- history, undo and refusals name a talk button by its name ("Band · talking"), never by its address.

The duration of a press is the touch events' own: each one carries its time, so a hold is a second long and a tap
50 ms for the page however fast or slow the machine is. Every step waits for what it is about (a value on the mixer,
an element shown). Screenshots: test-artifacts/screenshots/talkback-<what>-<screen>.png."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from support import wait_until
from test_app_a11y import axe_script, check
from test_app_console import CONSOLE, Finger, center, signed_in
from test_app_touch import INTERACTIVE, MEASURE, MIN_READOUT, MIN_TARGET
from tour import PASSWORD, SCREENS, SHOTS, View, band_app, open_view
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

TALKBACK = View("talkback", "#/console/talkback", '.talk-card[data-address="talkback/1"] .talk-name-input')
SCREENS_UNDER_TEST = ["tablet", "phone"]
#: Talk A set up: the Vocal mic (channel 6) talks to the Drummer's and the bass player's mixes.
TALK_A = {"talkback/source": "ch/6", "talkback/1/to/1": True, "talkback/1/to/2": True}
TALKING_TO = "Talking to Drummer, Bass IEM"
READOUTS = (".talk-name, .talk-line, .talk-status, .talk-note, .talk-card .members, .talk-card .slider-value, "
            ".talk-badge")


class TalkFinger(Finger):
    """A finger that can stay down: a press and its lift are two touch events, each with its own time."""

    def down(self, x: float, y: float, at: float) -> None:
        self._send("touchStart", [{"x": x, "y": y}], at)

    def up(self, at: float) -> None:
        self._send("touchEnd", [], at)


def talk(page, t: int = 1):
    return page.locator(f'.talk-button[data-address="talkback/{t}/on"]')


def shot(page, screen: str, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"talkback-{what}-{screen}.png"))


def where(screen: str) -> str:
    """Where the talk buttons are on `screen`: in the top bar (tablet) or docked at the bottom (phone)."""
    return "in-bar" if SCREENS[screen]["viewport"]["width"] >= 1000 else "docked"


# -- the setup ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", SCREENS_UNDER_TEST)
def test_talkback_is_set_up_in_its_panel(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    control.set("talkback/dim", -35.0, "rest")
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, TALKBACK)
        # Not set up: the buttons say so, and are not pressed.
        expect(talk(page)).to_have_attribute("aria-disabled", "true")
        expect(talk(page).locator(".talk-line")).to_have_text("No mic set")
        expect(page.locator(".talk-dock")).to_have_class(f"talk-dock {where(screen)}")
        finger = Finger(page)
        try:
            # The mic, chosen by its channel's name (a select: the browser's own list).
            mic = page.locator('select[data-address="talkback/source"]')
            expect(mic.locator('option[value="ch/6"]')).to_have_text("Ch 6 · Vocal")
            mic.select_option(label="Ch 6 · Vocal")
            wait_until(lambda: control.get("talkback/source") == "ch/6", what="the Vocal channel as the talkback mic")
            expect(talk(page).locator(".talk-line")).to_have_text("No mix set")  # a mic, but no mix to talk to yet

            # The talk level typed: exactly −6 dB.
            level = page.locator('.slider[data-address="talkback/level"] .slider-value')
            finger.tap(*center(page, level))
            page.locator(".value-entry input").wait_for()
            page.keyboard.type("-6")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("talkback/level") == -6.0, what="the talk level at −6 dB")
            expect(level).to_have_text("−6.0 dB")
            # The dim put back to its default (−20 dB) by a double tap on its read-out.
            dim = page.locator('.slider[data-address="talkback/dim"] .slider-value')
            expect(dim).to_have_text("−35.0 dB")
            finger.double_tap(*center(page, dim))
            wait_until(lambda: control.get("talkback/dim") == -20.0, what="the dim back at −20 dB")
            expect(dim).to_have_text("−20.0 dB")

            # Talk A renamed, and talking to the Drummer's mix and the main.
            card = page.locator('.talk-card[data-address="talkback/1"]')
            name = card.locator(".talk-name-input")
            finger.tap(*center(page, name))
            expect(name).to_be_focused()
            name.fill("Band")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("talkback/1/name") == "Band", what="Talk A named Band")
            expect(card.locator(".group-name")).to_have_text("Band")
            finger.tap(*center(page, card.get_by_role("button", name="Band to Drummer")))
            wait_until(lambda: control.get("talkback/1/to/1") is True, what="Band talking to the Drummer's mix")
            finger.tap(*center(page, card.get_by_role("button", name="Band to Main")))
            wait_until(lambda: control.get("talkback/1/to/main") is True, what="Band talking to the main")
            expect(card.locator(".members")).to_have_text("Drummer · Main")
            assert control.get("talkback/1/to/2") is False and control.get("talkback/2/to/1") is False

            # The talk button follows: its name, what it talks to, ready to talk; nothing talks yet.
            expect(talk(page).locator(".talk-name")).to_have_text("Band")
            expect(talk(page).locator(".talk-line")).to_have_text("Drummer · Main")
            expect(talk(page)).to_have_attribute("aria-disabled", "false")
            expect(talk(page)).to_have_attribute("aria-pressed", "false")
            assert control.get("talkback/1/on") is False
            shot(page, screen, "setup")

            # Each change went through the one connection as an undo step of its own: Undo takes back the main.
            finger.tap(*center(page, page.get_by_role("button", name="Undo")))
            wait_until(lambda: control.get("talkback/1/to/main") is False, what="the main taken back by Undo")
            expect(card.get_by_role("button", name="Band to Main")).to_have_attribute("aria-pressed", "false")
            assert control.get("talkback/1/to/1") is True
        finally:
            finger.close()


@pytest.mark.parametrize("screen", SCREENS_UNDER_TEST)
def test_a_button_that_cannot_talk_says_how_to_set_it_up(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        finger = Finger(page)
        try:
            # No mic: a tap opens the Talkback tab at the mic's channel, and says so.
            finger.tap(*center(page, talk(page)))
            page.wait_for_url("**/#/console/talkback?focus=talkback/source")
            expect(page.locator('select[data-address="talkback/source"]')).to_be_focused()
            expect(page.locator(".toast", has_text="Talk A needs a talkback mic")).to_have_count(1)
            assert control.get("talkback/1/on") is False
            shot(page, screen, "hint-no-mic")

            # A mic, but Talk B talks to no mix: a tap opens its card at its first mix.
            control.set("talkback/source", "ch/6", "rest")
            expect(talk(page, 2).locator(".talk-line")).to_have_text("No mix set")
            open_view(page, base, CONSOLE)
            finger.tap(*center(page, talk(page, 2)))
            page.wait_for_url("**/#/console/talkback?focus=talkback/2/to/1")
            drummer = page.locator('.talk-card[data-address="talkback/2"] .toggle[data-address="talkback/2/to/1"]')
            expect(drummer).to_be_focused()
            expect(page.locator(".toast", has_text="Talk B talks to no mix yet")).to_have_count(1)
            assert control.get("talkback/2/on") is False
        finally:
            finger.close()


# -- talking ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", SCREENS_UNDER_TEST)
def test_a_hold_is_momentary_and_a_tap_latches(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    control.set_many(TALK_A, "rest")
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        button = talk(page)
        status = page.locator(".talk-status")
        expect(button.locator(".talk-line")).to_have_text("Drummer · Bass IEM")
        finger = TalkFinger(page)
        try:
            x, y = center(page, button)
            # A hold: talking while the finger is down (a second long, by the events' own times) …
            at = time.time()
            finger.down(x, y, at)
            wait_until(lambda: control.get("talkback/1/on") is True, what="Talk A on while held")
            expect(button).to_have_attribute("aria-pressed", "true")
            expect(button).to_have_class(re.compile(r"^(?=.*\btalking\b)(?=.*\bheld\b)"))
            expect(status).to_have_text(TALKING_TO)
            if where(screen) == "docked":
                expect(status).to_be_visible()
                expect(button.locator(".talk-line")).to_have_text("Talking")
            else:
                expect(button.locator(".talk-line")).to_have_text(TALKING_TO)
            shot(page, screen, "held")
            # … and off once it lifts.
            finger.up(at + 1.0)
            wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A off once the finger lifted")
            expect(button).to_have_attribute("aria-pressed", "false")
            expect(status).to_have_text("")

            # A tap (50 ms) latches: on, and still on once the finger is up.
            at = time.time()
            finger.down(x, y, at)
            finger.up(at + 0.05)
            expect(button).to_have_attribute("data-latched", "true")
            expect(button).to_have_attribute("aria-pressed", "true")
            assert control.get("talkback/1/on") is True
            expect(status).to_have_text(TALKING_TO)
            shot(page, screen, "latched")
            # Another tap releases it.
            at = time.time()
            finger.down(x, y, at)
            finger.up(at + 0.05)
            wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A released by a second tap")
            expect(button).to_have_attribute("aria-pressed", "false")
            expect(button).not_to_have_attribute("data-latched", "true")

            # Talking is the moment, not the mix: no press made an undo step, so Undo has nothing of this
            # device's to take back, and a latch stays until it is tapped off.
            at = time.time()
            finger.down(x, y, at)
            finger.up(at + 0.05)
            expect(button).to_have_attribute("data-latched", "true")
            expect(button).to_have_attribute("aria-pressed", "true")
            expect(page.get_by_role("button", name="Undo")).to_be_disabled()
            assert not any(e.address == "talkback/1/on" for e in control.history(50))
            assert control.get("talkback/1/on") is True
        finally:
            finger.close()


def test_a_hold_ends_when_the_page_is_hidden_or_the_link_drops(control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    control.set_many(TALK_A, "rest")
    with serve_app(app) as base:
        page = signed_in(open_page, base, "phone", CONSOLE)
        button = talk(page)
        finger = TalkFinger(page)
        try:
            x, y = center(page, button)
            # The page hidden (the phone locked, another app) while a finger holds the button: the talk ends.
            finger.down(x, y, time.time())
            wait_until(lambda: control.get("talkback/1/on") is True, what="Talk A on while held")
            expect(button).to_have_attribute("aria-pressed", "true")  # the page has seen it talk
            page.evaluate("""() => {
                Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
                document.dispatchEvent(new Event("visibilitychange"));
                delete document.visibilityState;
            }""")
            wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A off once the page was hidden")
            finger.up(time.time())  # the finger lifting afterwards changes nothing
            expect(button).to_have_attribute("aria-pressed", "false")
            assert control.get("talkback/1/on") is False

            # The link drops while a finger holds the button: the off goes as soon as the link is back.
            finger.down(x, y, time.time())
            wait_until(lambda: control.get("talkback/1/on") is True, what="Talk A on while held again")
            expect(button).to_have_attribute("aria-pressed", "true")
            page.evaluate("window.mixerd.conn._ws.close()")  # the socket closes (Wi-Fi gone, server restarted)
            expect(page.locator(".toast", has_text="it stops as soon as the link is back")).to_have_count(1)
            wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A off once the link was back")
            expect(page.locator("#conn")).to_have_attribute("data-status", "online")
            finger.up(time.time())
            expect(button).to_have_attribute("aria-pressed", "false")
            assert control.get("talkback/1/on") is False
        finally:
            finger.close()


def test_a_talk_turned_on_elsewhere_shows_on_every_device(control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    control.set_many(TALK_A, "rest")
    with serve_app(app) as base:
        tablet = signed_in(open_page, base, "tablet", CONSOLE)
        phone = signed_in(open_page, base, "phone", TALKBACK)
        token = httpx.post(f"{base}/api/v1/auth/login", json={"password": PASSWORD}).json()["token"]
        with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10) as api:
            # Talk A turned on over REST: both devices show it talking, and its card in the Talkback tab too.
            assert api.put("/params/talkback/1/on", json={"value": True}).status_code == 200
            for page in (tablet, phone):
                expect(talk(page)).to_have_attribute("aria-pressed", "true")
                expect(page.locator(".talk-status")).to_have_text(TALKING_TO)
            expect(tablet.locator(".talk-status")).to_have_text(TALKING_TO)
            expect(talk(tablet).locator(".talk-line")).to_have_text(TALKING_TO)
            expect(phone.locator('.talk-card[data-address="talkback/1"] .talk-badge')).to_be_visible()
            shot(tablet, "tablet", "on-over-rest")
            shot(phone, "phone", "on-over-rest")
            # A tap on either device stops a talk it did not start; the other device follows.
            finger = Finger(phone)
            try:
                finger.tap(*center(phone, talk(phone)))
                wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A stopped from the phone")
            finally:
                finger.close()
            expect(talk(tablet)).to_have_attribute("aria-pressed", "false")
            # Set up over REST (Talk B to the main), latched on the tablet: the phone shows it.
            assert api.patch("/params", json={"changes": {"talkback/2/to/main": True, "talkback/2/name": "FOH"}}
                             ).status_code == 200
            for page in (tablet, phone):
                expect(talk(page, 2).locator(".talk-line")).to_have_text("Main")
            finger = TalkFinger(tablet)
            try:
                x, y = center(tablet, talk(tablet, 2))
                at = time.time()
                finger.down(x, y, at)
                finger.up(at + 0.05)
                wait_until(lambda: control.get("talkback/2/on") is True, what="FOH latched on the tablet")
            finally:
                finger.close()
            expect(talk(phone, 2)).to_have_attribute("aria-pressed", "true")
            expect(talk(phone, 2).locator(".talk-name")).to_have_text("FOH")
            expect(phone.locator(".talk-status")).to_have_text("Talking to Main")
            assert api.put("/params/talkback/2/on", json={"value": False}).status_code == 200
            for page in (tablet, phone):
                expect(talk(page, 2)).to_have_attribute("aria-pressed", "false")


# -- for fingers, readable, accessible ---------------------------------------------------------------------------

@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_talk_buttons_and_the_panel_are_for_fingers_and_readable(screen, control, serve_app, open_page):
    """Targets ≥ 44 px, read-outs ≥ 14 px and no serious axe finding on the talk buttons (not set up, ready,
    talking) and the Talkback tab; the buttons in sight wherever they are."""
    from playwright.sync_api import expect

    app, _ = band_app(control)
    axe = axe_script()
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        found: dict[str, list[str]] = {}
        small: list[str] = []
        tiny: list[str] = []

        def measure(name: str, scope: str) -> None:
            targets = page.evaluate(MEASURE, [f"{scope} :is({INTERACTIVE})"])
            assert targets, f"{name}: nothing to measure in {scope}"
            small.extend(f"{name}: {t['what']} {t['width']:.1f}×{t['height']:.1f}" for t in targets
                         if min(t["width"], t["height"]) < MIN_TARGET - 0.01)
            tiny.extend(f"{name}: {r['what']} {r['font']:g} px" for r in page.evaluate(MEASURE, [READOUTS])
                        if r["font"] < MIN_READOUT)
            found[name] = check(page, base, axe)
            shot(page, screen, f"a11y-{name}")

        measure("not-set-up", ".talk-dock")
        open_view(page, base, TALKBACK)
        measure("panel", ".view")
        control.set_many({**TALK_A, "talkback/2/to/main": True, "talkback/1/on": True}, "rest")
        page.locator(".talk-card.talking").wait_for()
        measure("panel-talking", ".view")
        open_view(page, base, CONSOLE)
        page.locator('.talk-button.talking[data-address="talkback/1/on"]').wait_for()
        measure("talking", ".talk-dock")
        # In sight and not covered, wherever it is: the middle of each talk button is the button.
        for t in (1, 2):
            assert page.evaluate("""(t) => {
                const button = document.querySelector(`.talk-button[data-address="talkback/${t}/on"]`);
                const b = button.getBoundingClientRect();
                const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
                return b.left >= 0 && b.right <= document.documentElement.clientWidth + 0.5 && b.top >= 0
                    && b.bottom <= window.innerHeight + 0.5 && button.contains(hit);
            }""", t), f"Talk {t} is not in sight"
        # A screen reader's activation (a click with no press before it) is a tap: it stops a talk, and latches one.
        talk(page).evaluate("b => b.click()")
        wait_until(lambda: control.get("talkback/1/on") is False, what="Talk A stopped by a screen reader's click")
        expect(talk(page)).to_have_attribute("aria-pressed", "false")
        talk(page).evaluate("b => b.click()")
        wait_until(lambda: control.get("talkback/1/on") is True, what="Talk A latched by a screen reader's click")
        expect(talk(page)).to_have_attribute("data-latched", "true")
    assert not small, "controls under 44 px:\n" + "\n".join(small)
    assert not tiny, "read-outs under 14 px:\n" + "\n".join(tiny)
    problems = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert not problems, "\n".join(problems)


def test_talkback_in_words(control, serve_app, open_page):
    """History, undo and refusals name a talk button by its name, never by its address."""
    app, _ = band_app(control)
    control.set_many({**TALK_A, "talkback/1/name": "Band"}, "rest")
    with serve_app(app) as base:
        page = signed_in(open_page, base, "phone", CONSOLE)
        words = page.evaluate("""async () => {
            const { describeAddress } = await import("/static/js/controls.js");
            const { nameOf, plainText } = await import("/static/js/names.js");
            const { values } = window.mixerd.conn;
            const addresses = ["talkback/1/on", "talkback/1/to/2", "talkback/2/to/main", "talkback/source",
                               "talkback/dim"];
            return { history: addresses.map((a) => describeAddress(values, a)),
                     names: addresses.map((a) => nameOf(a, values)),
                     text: plainText("talkback/1/on may not be changed", values) };
        }""")
    assert words["history"] == ["Band · talking", "Band · talks to Bass IEM", "Talk B · talks to Main",
                                "Talkback · mic", "Talkback · dim"]
    assert words["names"] == ["Band", "Band to Bass IEM mix", "Talk B to the main", "the talkback mic",
                              "the talkback dim"]
    assert words["text"] == "Band may not be changed"
