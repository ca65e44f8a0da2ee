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
@pytest.mark.jack
def test_live_page_in_a_phone_browser(live_server, control, jack_host):
    from playwright.sync_api import expect, sync_playwright

    control.set("ch/2/name", "Acoustic", "rest")
    # Real audio in the engine running in jackd: a -12 dBFS tone into channel 1, a -20 dBFS tone into
    # channel 2 sent at 0 dB to the stereo IEM bus, hard left.
    control.set_many({"gen/1/on": True, "gen/1/target": "ch/1", "gen/1/level": -12.0,
                      "gen/2/on": True, "gen/2/target": "ch/2", "gen/2/level": -20.0,
                      "ch/2/send/2/level": 0.0, "ch/2/send/2/pan": -100.0}, "rest")
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

            ch1_in = page.locator('[data-point="ch/1/input"] .readout')
            ch1_post = page.locator('[data-point="ch/1/post"] .readout')
            expect(ch1_in).to_have_text("-12.0")  # the page shows the peak to 0.1 dB
            expect(ch1_post).to_have_text("-12.0")
            expect(page.locator('[data-point="bus/2"] .readout')).to_have_text(["-20.0", "-∞"])  # stereo: L, R
            expect(page.locator('[data-point="ch/3/input"] .readout')).to_have_text("-∞")
            control.set("gen/1/level", -30.5, "rest")  # the audio changes: the page follows
            expect(ch1_in).to_have_text("-30.5")
            expect(ch1_post).to_have_text("-30.5")

            # every stage of the strip: the inserts meter and the compressor's gain reduction
            ch1_ins = page.locator('[data-point="ch/1/inserts"] .readout')
            expect(ch1_ins).to_have_text("-30.5")
            control.set_many({"ch/1/dyn/on": True, "ch/1/dyn/threshold": -40.0, "ch/1/dyn/ratio": 20.0,
                              "ch/1/dyn/knee": 0.0, "ch/1/dyn/release": 1000.0}, "rest")
            dynamics = page.locator('.strip[data-address="ch/1"] .strip-dynamics')
            expect(dynamics).to_have_text(re.compile(r"^comp −[89]\.[0-9] dB$"))  # 9.5 dB over at 20:1: ~9 dB
            expect(ch1_in).to_have_text("-30.5")  # the input, before the inserts, is untouched
            control.set("ch/1/dyn/on", False, "rest")
            # buses and main carry loudness and true peak
            expect(page.locator('.strip[data-address="main"] .strip-dynamics')).to_have_text(
                re.compile(r"LUFS-S · .* dBTP$"))

            # settings that decide what passes, per strip, following changes from elsewhere
            strip = page.locator('.strip[data-address="ch/1"] .strip-state')
            expect(strip).to_have_text("fader 0.0 dB · pan C")
            control.set_many({"ch/1/fader": -6.5, "ch/1/pan": -40.0, "ch/1/mute": True}, "rest")
            expect(strip).to_have_text("fader -6.5 dB · pan L40 · MUTED")
            expect(page.locator('.strip[data-address="main"] .strip-state')).to_have_text("fader 0.0 dB")
            expect(ch1_post).to_have_text("-∞")  # muted: nothing after the fader
            expect(ch1_in).to_have_text("-30.5")  # the input meter still shows the source is live

            expect(page.locator("#engine-state")).to_have_text("running")
            expect(page.locator("#sample-rate")).to_have_text("48 kHz")
            expect(page.locator("#period .sub")).to_have_text("1.3 ms")
            assert page.locator("#period").evaluate("node => node.firstChild.textContent") == "64"
            expect(page.locator("#xruns")).to_have_text(re.compile(r"^\d+$"))
            expect(page.locator("#dsp-load")).to_have_text(re.compile(r"^\d+\.\d %$"))

            jack_host.stop()  # the audio stops: the page says so
            expect(page.locator("#engine-state")).to_have_text("stopped")
            # readable on a 360-px phone: nothing sticks out sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            assert errors == []
        finally:
            browser.close()
