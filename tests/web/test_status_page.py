"""The live status page: served without external resources, and working in a phone-sized Chromium."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "mixerd" / "web" / "static"
CHROMIUM = "/usr/bin/chromium"


def test_page_and_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>mixerd</title>" in page.text
    assert client.get("/static/app.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_page_needs_nothing_from_the_internet():
    for path in STATIC.iterdir():
        assert not re.search(r"https?://", path.read_text()), f"{path.name} refers to an external URL"


def test_page_sets_user_text_safely():
    # channel names are user input: they must never be parsed as HTML
    assert "innerHTML" not in (STATIC / "app.js").read_text()


@pytest.mark.browser
def test_live_page_in_a_phone_browser(live_server, link, control):
    from playwright.sync_api import expect, sync_playwright

    control.set("ch/2/name", "Acoustic", "rest")
    link.set_level("ch/1/post", -12.0)
    link.set_level("bus/2", -20.0)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(live_server + "/")
            expect(page).to_have_title("mixerd")
            expect(page.locator("#channels .strip-name")).to_have_text(["Vocal", "Acoustic", "Keys"])
            expect(page.locator("#buses .strip-name")).to_have_text(["Drummer", "IEM"])

            post = page.locator('[data-point="ch/1/post"] .readout')
            expect(post).to_have_text("-12.0")
            expect(page.locator('[data-point="bus/2"] .readout')).to_have_text(["-20.0", "-20.0"])  # stereo: L, R
            expect(page.locator('[data-point="ch/3/input"] .readout')).to_have_text("-∞")
            link.set_level("ch/1/post", -30.5)  # the engine's meters move: the page follows
            expect(post).to_have_text("-30.5")

            # settings that decide what passes, per strip, following changes from elsewhere
            strip = page.locator('.strip[data-address="ch/1"] .strip-state')
            expect(strip).to_have_text("fader 0.0 dB · pan C")
            control.set_many({"ch/1/fader": -6.5, "ch/1/pan": -40.0, "ch/1/mute": True}, "rest")
            expect(strip).to_have_text("fader -6.5 dB · pan L40 · MUTED")
            expect(page.locator('.strip[data-address="main"] .strip-state')).to_have_text("fader 0.0 dB")

            expect(page.locator("#engine-state")).to_have_text("running")
            expect(page.locator("#sample-rate")).to_have_text("48 kHz")
            expect(page.locator("#xruns")).to_have_text("2")
            expect(page.locator("#dsp-load")).to_have_text("4.3 %")

            link.running = False
            expect(page.locator("#engine-state")).to_have_text("stopped")
            # readable on a 360-px phone: nothing sticks out sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            assert errors == []
        finally:
            browser.close()
