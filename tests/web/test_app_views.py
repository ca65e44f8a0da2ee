"""The web app's views in Chromium against the real engine running offline (no jackd): first start and login,
read-only viewer links, an open mixer (access control off), live updates from other clients, meters with peak
hold and clip indication, and layouts that fit a 360-px phone."""

from __future__ import annotations

import re

import httpx
import numpy as np
import pytest
from support import PHONE, RATE

from mixerd.web import create_app
from mixerd.control.access import Auth

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": False, "has_touch": True}
PASSWORD = "stage-left-42"


@pytest.fixture
def auth():
    return Auth()  # in memory; no password yet


@pytest.fixture
def secured(control, auth, serve_app):
    """The app with access control on, on a real HTTP server."""
    with serve_app(create_app(control, auth=auth)) as url:
        yield url


def test_first_start_sets_the_admin_password(secured, open_page, auth):
    from playwright.sync_api import expect

    page = open_page(PHONE)
    page.goto(secured + "/")
    expect(page).to_have_url(re.compile(r"#/login"))
    expect(page.locator(".login-card h1")).to_have_text("Welcome to mixerd")
    page.fill("#password", "short")
    page.fill("#password2", "short")
    page.click(".login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Use at least 8 characters.")
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD + "!")
    page.click(".login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("The two passwords differ.")
    assert not auth.password_set
    page.screenshot(path=str(_shots() / "login-first-start-phone.png"))
    page.fill("#password", PASSWORD)
    page.fill("#password2", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"#/console$"))
    expect(page.locator(".strip.channel .strip-name")).to_have_text(["Vocal", "Guitar", "Keys"])
    assert auth.password_set
    page.reload()  # the session is kept on the device
    expect(page.locator(".strip.channel .strip-name")).to_have_text(["Vocal", "Guitar", "Keys"])
    page.click("#logout")
    expect(page.locator(".login-card h1")).to_have_text("Sign in")


def test_the_login_form_says_when_to_try_again(secured, open_page, auth):
    from playwright.sync_api import expect

    auth.setup(PASSWORD)
    page = open_page(PHONE)
    page.goto(secured + "/#/login")
    for _ in range(5):
        page.fill("#password", "guess")
        page.click(".login-form button[type=submit]")
        expect(page.locator("#login-error")).to_have_text("Wrong password.")
        page.evaluate("document.getElementById('login-error').textContent = ''")
    page.fill("#password", PASSWORD)  # even the right one, while locked out
    page.click(".login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text(re.compile(r"^Too many attempts\. Try again in \d+ s\.$"))


def test_a_viewer_link_reads_everything_and_changes_nothing(secured, open_page, auth, control):
    from playwright.sync_api import expect

    auth.setup(PASSWORD)
    _, token = auth.create_link("viewer", None, "Front of house")
    page = open_page(TABLET)
    page.goto(f"{secured}/#/view?token={token}")
    expect(page.locator(".strip.channel .strip-name")).to_have_text(["Vocal", "Guitar", "Keys"])
    expect(page.locator(".view-only")).to_have_text("View only")
    expect(page.locator(".health-state")).to_have_text("stopped")  # the engine runs offline here: no audio flows
    expect(page.locator(".tab")).to_have_text(["Mixer"])  # no scenes, no history
    expect(page.locator(".nav-item")).to_have_count(0)
    fader = page.locator('.strip[data-address="ch/1"] .slider[data-address="ch/1/fader"]')
    expect(fader).to_have_attribute("aria-readonly", "true")
    fader.focus()
    page.keyboard.press("ArrowUp")
    expect(fader).to_have_attribute("aria-valuenow", "0")  # the keys do nothing either
    expect(page.locator('.strip[data-address="ch/1"] .toggle.mute')).to_be_disabled()
    control.set("ch/1/fader", -12.0, "rest")  # it follows what others change
    expect(fader).to_have_attribute("aria-valuenow", "-12")
    assert control.get("ch/1/fader") == -12.0
    page.goto(f"{secured}/#/console")  # the console proper needs the password
    expect(page).to_have_url(re.compile(r"#/view$"))
    answer = httpx.put(f"{secured}/api/v1/params/ch/1/fader", json={"value": 0.0},
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


def test_an_open_mixer_needs_no_login_and_fits_a_phone(live_server, open_page, control):
    from playwright.sync_api import expect

    page = open_page(PHONE)
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"#/console$"))
    expect(page.locator("#conn")).to_have_text("online")
    expect(page.locator("#logout")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the strip bank scrolls inside itself

    page.goto(live_server + "/#/mix/2")
    expect(page.locator(".mix-name")).to_have_text("IEM")
    expect(page.locator(".send-row .send-name")).to_have_text(["Vocal", "Guitar", "Keys"])
    expect(page.locator(".send-row .send-pan")).to_have_count(3)  # a stereo mix: send pans and a balance
    expect(page.locator('[data-address="bus/2/balance"]')).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.select_option(".mix-pick", "1")
    expect(page.locator(".mix-name")).to_have_text("Drummer")
    expect(page.locator(".send-row .send-pan")).to_have_count(0)  # mono
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Changes made elsewhere show at once; changes made here reach the state.
    control.set_many({"ch/2/send/1/level": -7.5, "ch/2/name": "Acoustic", "ch/2/color": "#22c55e"}, "rest")
    row = page.locator('.send-row[data-ch="2"]')
    expect(row.locator(".send-name")).to_have_text("Acoustic")
    expect(row.locator(".send-value")).to_have_text("−7.5")
    assert row.evaluate("r => getComputedStyle(r).borderLeftColor") == "rgb(34, 197, 94)"
    row.locator(".toggle.me").click()
    expect(row).to_have_class(re.compile(r"\bis-me\b"))
    _wait(lambda: control.get("ch/2/send/1/me") is True)
    control.set("ch/1/mute", True, "rest")
    expect(page.locator('.send-row[data-ch="1"] .muted-badge')).to_be_visible()


def test_meters_show_levels_peak_hold_and_clips(live_server, open_page, control, play):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    page.goto(live_server + "/#/console")
    strip = page.locator('.strip[data-address="ch/1"]')
    expect(strip.locator(".strip-name")).to_have_text("Vocal")
    t = np.arange(4800) / RATE
    inputs = np.zeros((3, 4800), np.float32)
    inputs[0] = 0.25 * np.sin(2 * np.pi * 1000 * t)  # -12 dBFS into channel 1
    meter = strip.locator(".strip-input .meter")

    def level(which) -> float:  # audio keeps coming while we look (meter frames go out only when measured)
        play(inputs=inputs)
        return float(which.get_attribute("data-level") or -120)

    _wait(lambda: abs(level(meter) + 12.04) < 0.2, what="the -12 dBFS input")
    expect(meter.locator(".meter-hold")).to_have_css("opacity", "1")
    expect(meter).not_to_have_class(re.compile("clipping"))
    inputs[0] = np.sign(np.sin(2 * np.pi * 1000 * t)) * 1.5  # far over full scale
    play(inputs=inputs)
    expect(meter).to_have_class(re.compile(r"\bclipping\b"))
    post = strip.locator(".fader-meters .meter")
    _wait(lambda: level(post) > -1, what="the post-fader meter")


def test_console_solo_buttons_light_and_clear(live_server, open_page, control, play):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    page.goto(live_server + "/#/console")
    light = page.locator(".solo-light")
    expect(light).to_have_text("Solo off")
    expect(light).to_be_disabled()
    page.locator('.strip[data-address="ch/2"] .toggle.solo').click()
    _wait(lambda: control.get("ch/2/solo") is True, what="ch/2 soloed")
    expect(page.locator('.strip[data-address="ch/2"]')).to_have_class(re.compile(r"\bsoloed\b"))
    page.locator('.strip[data-address="bus/2"] .toggle.solo').click()  # listen to the in-ear mix too
    _wait(lambda: control.get("bus/2/solo") is True, what="bus/2 soloed")
    expect(light).to_have_text("Solo 2 · clear")
    expect(light).to_have_class(re.compile(r"\bon\b"))
    control.set("ch/3/solo", True, "rest")  # a solo from another client lights it as well
    expect(light).to_have_text("Solo 3 · clear")

    # The main's editor holds the solo bus: mode, phones level and its meter.
    page.locator('.strip[data-address="main"] .strip-name').click()
    card = page.locator('.card[data-section="solo"]')
    expect(card).to_be_visible()
    card.locator("select").select_option("afl")
    _wait(lambda: control.get("solo/mode") == "afl", what="AFL chosen")
    page.screenshot(path=str(_shots() / "console-solo-tablet.png"))

    light.click()  # clears every solo in one change, so one undo brings them all back
    _wait(lambda: not any(control.get(a) for a in ("ch/2/solo", "bus/2/solo", "ch/3/solo")), what="solos cleared")
    expect(light).to_have_text("Solo off")
    control.undo()
    assert all(control.get(a) for a in ("ch/2/solo", "bus/2/solo", "ch/3/solo"))


def _wait(predicate, timeout=10.0, what="condition"):
    from support import wait_until

    wait_until(predicate, timeout=timeout, what=what)


def _shots():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
