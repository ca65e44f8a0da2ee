"""The signal-flow view on a real mixer in a real jackd, in real Chromium on a 360-px phone, access control on.

A probe JACK client plays a -12 dBFS sine into input 1. The flow view of channel 1 lists the stages in the order
the engine runs them, with the live level after each (-12 dBFS after the trim); it follows the insert order.
Muting the channel makes the mute the highlighted first problem, with the fix linking to the mute in the console;
following the link and pressing it there clears the problem. The header badge counts the mixer's problems
(from the WebSocket) and opens the flow of the first. The gain-staging panel listens, proposes -6 dB of trim to
bring the tone to -18 dBFS, applies it (the level after the trim follows) and undoes it. A viewer link reads the
flow without the assistant, its links going to the read-only view. Every test restores what it changed (the
mixer is shared by the module).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from support import PHONE, Probe, serve, wait_until

from mixerd.web import create_app

pytestmark = [pytest.mark.jack, pytest.mark.browser]

PASSWORD = "signal-path-2024"
TONE_DB = 20 * np.log10(0.25)  # the probe's sine into input 1: -12.04 dBFS
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)
CHANNEL_STAGES = ["Input", "Trim · polarity", "High-pass filter", "EQ", "Gate", "Compressor", "Mute", "Fader", "Sends",
                  "Main mix", "Main outputs"]


@pytest.fixture(scope="module")
def mixer(jack_mixer):
    assert jack_mixer.auth is not None  # the daemon's default: access control on
    jack_mixer.auth.setup(PASSWORD)
    return jack_mixer


@pytest.fixture(scope="module")
def url(mixer):
    # The daemon's own problem finder: the app, the WebSocket and these tests see the same problems.
    with serve(create_app(mixer.control, auth=mixer.auth, diagnostics=mixer.diagnostics)) as base:
        yield base


@pytest.fixture(scope="module")
def probe(mixer, jack_server):
    p = Probe.tone_into_input_1(jack_server, [])
    yield p
    p.close()


@pytest.fixture
def restore(mixer):
    """Puts every value a test may change back as it was."""
    control = mixer.control
    keep = {a: control.get(a) for a in ("ch/1/mute", "ch/1/order", "ch/1/trim", "main/geq/on", "main/geq/18/gain",
                                        "main/delay")}
    yield
    control.set_many(keep, "rest")


def sign_in(open_page, url: str, hash_: str):
    page = open_page(PHONE)
    page.goto(f"{url}/#/login?next={hash_.replace('#', '%23').replace('/', '%2F')}")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(hash_) + "$"))
    return page


def level_of(text: str) -> float:
    """-12.0 from "−12.0 dBFS" (how the view writes a level)."""
    match = re.fullmatch(r"([−+]?\d+\.\d) dBFS", text)
    assert match, text
    return float(match.group(1).replace("−", "-"))


def test_the_flow_of_a_channel_shows_the_live_signal_and_leads_to_the_fix(mixer, url, probe, open_page, restore):
    from playwright.sync_api import expect

    control = mixer.control
    page = sign_in(open_page, url, "#/flow/ch/1")
    expect(page.locator(".flow-title h1")).to_have_text("Kick")
    expect(page.locator(".notice.preview")).to_have_count(0)
    stages = page.locator(".stage")
    expect(stages.locator(".stage-name")).to_have_text(CHANNEL_STAGES)  # the signal's order (EQ before dynamics)
    trim = page.locator('.stage[data-stage="trim"]')
    expect(trim.locator(".stage-figure")).to_have_text(re.compile(r"dBFS$"))
    assert level_of(trim.locator(".stage-figure").inner_text()) == pytest.approx(TONE_DB, abs=0.5)
    expect(trim.locator(".stage-name")).to_have_attribute("href", "#/console/ch/1?focus=ch/1/trim")
    expect(page.locator(".flow-summary")).to_contain_text("No problems on this path")
    expect(page.locator(".stage.first-problem")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The inserts follow the channel's order.
    control.set("ch/1/order", "dyn>eq", "rest")
    expect(stages.locator(".stage-name")).to_have_text(
        ["Input", "Trim · polarity", "High-pass filter", "Gate", "Compressor", "EQ", *CHANNEL_STAGES[6:]])
    control.set("ch/1/order", "eq>dyn", "rest")
    expect(stages.locator(".stage-name")).to_have_text(CHANNEL_STAGES)

    # A muted channel with signal: the mute is the first problem, highlighted, its fix one tap away.
    control.set("ch/1/mute", True, "rest")
    first = page.locator(".stage.first-problem")
    expect(first).to_have_attribute("data-stage", "mute")
    expect(first).to_have_count(1)
    expect(first.locator(".stage-badge")).to_have_text("first problem")
    expect(first.locator(".stage-problem")).to_contain_text("there is signal but the channel is muted")
    fix = first.locator("a.stage-fix")
    expect(fix).to_have_text("Fix: unmute ch/1/mute")
    expect(fix).to_have_attribute("href", "#/console/ch/1?focus=ch/1/mute")
    expect(first.locator(".stage-name")).to_have_attribute("href", "#/console/ch/1?focus=ch/1/mute")
    expect(page.locator(".flow-summary")).to_contain_text("First problem: Mute")
    expect(page.locator('.stage[data-stage="fader"]')).not_to_have_class(re.compile("first-problem"))

    # The header badge counts the problems the WebSocket reported (this one among them).
    badge = page.locator("#problems")
    expect(badge).to_be_visible()
    wait_until(lambda: "muted@ch/1" in page.evaluate(
        "mixerd.conn.diagnostics.problems.map((p) => `${p.code}@${p.address}`)"), what="the WebSocket's diagnostics")
    wait_until(lambda: badge.inner_text() == str(sum(p["severity"] != "info"
                                                     for p in mixer.diagnostics.problems()["problems"])),
               what="the badge to count the mixer's problems")
    assert badge.get_attribute("href") == "#/problems"  # the list of every problem, each linked to its place
    page.screenshot(path=str(SHOTS / "flow-muted-phone.png"), full_page=True)

    # The fix leads to the mute in the console; pressing it there clears the problem.
    fix.click()
    expect(page).to_have_url(re.compile(r"#/console/ch/1\?focus=ch/1/mute$"))
    mute = page.locator('.strip[data-address="ch/1"] [data-address="ch/1/mute"]')
    expect(mute).to_be_focused()
    expect(mute).to_have_attribute("aria-pressed", "true")
    mute.click()
    wait_until(lambda: control.get("ch/1/mute") is False, what="the unmute")
    page.go_back()
    expect(page.locator(".flow-summary")).to_contain_text("No problems on this path")
    expect(page.locator(".stage.first-problem")).to_have_count(0)
    expect(page.locator('.stage[data-stage="mute"]')).to_have_attribute("data-status", "on")

    # The badge opens the list of every problem, each leading to its flow; the main's flow lists what feeds it.
    badge.click()
    expect(page).to_have_url(re.compile(r"#/problems$"))
    page.locator(".problem-item .problem-link").first.click()
    expect(page).to_have_url(re.compile(r"#/flow/(ch/\d+|bus/\d+|main)$"))
    page.goto(f"{url}/#/flow/main")
    expect(page.locator(".flow-title h1")).to_have_text("Main")
    expect(stages.locator(".stage-name").first).to_have_text("Sources")
    expect(page.locator('.stage[data-stage="sources"] .flow-sends li.open')).to_contain_text(["Kick"])
    expect(page.locator('.stage[data-stage="limiter"] .stage-figure')).to_have_text(re.compile(r"dBFS$"))
    # and every strip's editor leads to its flow, a mix's too
    page.goto(f"{url}/#/console/bus/1")
    expect(page.locator('.editor[data-prefix="bus/1"] a', has_text="Signal flow")).to_have_attribute("href", "#/flow/bus/1")


def test_the_mains_flow_shows_its_graphic_eq_and_output_delay_and_leads_to_them(mixer, url, open_page, restore):
    from playwright.sync_api import expect

    mixer.control.set_many({"main/geq/on": True, "main/geq/18/gain": -6.0, "main/delay": 5.0}, "rest")
    page = sign_in(open_page, url, "#/flow/main")
    names = page.locator(".flow .stage-name")
    expect(names).to_contain_text(["EQ", "Graphic EQ", "Fader · mute", "Limiter", "Output delay", "Outputs"])
    geq = page.locator('.stage[data-stage="geq"]')
    expect(geq.locator(".stage-state")).to_have_text("1 of 31 bands set: 1 kHz −6.0 dB")
    expect(page.locator('.stage[data-stage="delay"] .stage-state')).to_have_text("5 ms")
    geq.locator(".stage-name").click()  # to the graphic EQ in the console
    expect(page).to_have_url(re.compile(r"#/console/main\?focus=main/geq/on$"))
    expect(page.locator('.editor[data-prefix="main"] [data-section="geq"]')).to_be_visible()
    mixer.control.set("main/geq/on", False, "rest")
    page.go_back()
    expect(geq.locator(".stage-state")).to_have_text("bypassed")
    expect(geq).to_have_attribute("data-status", "off")


def test_gain_staging_proposes_applies_and_undoes_a_trim(mixer, url, probe, open_page, restore):
    from playwright.sync_api import expect

    control = mixer.control
    assert control.get("ch/1/trim") == 0.0
    page = sign_in(open_page, url, "#/flow/ch/1")
    panel = page.locator(".gain-staging")
    figure = page.locator('.stage[data-stage="trim"] .stage-figure')
    expect(figure).to_have_text(re.compile(r"dBFS$"))
    panel.get_by_role("button", name="Listen 10 s").click()
    expect(panel.get_by_role("button", name="Listening…")).to_be_disabled()
    # -12 dBFS heard, -18 wanted: about -6 dB of trim
    expect(panel.locator(".gain-trim")).to_have_text("0.0 → −6.0 dB", timeout=30000)
    expect(panel.locator(".gain-facts")).to_contain_text("−12.0 dBFS peak before the trim")
    expect(panel.locator(".gain-message")).to_have_text("trim +0.0 → -6.0 dB puts peaks at -18 dBFS")
    assert control.get("ch/1/trim") == 0.0  # a proposal only
    page.screenshot(path=str(SHOTS / "flow-gain-staging-phone.png"), full_page=True)

    panel.get_by_role("button", name="Apply").click()
    expect(panel.locator(".gain-message")).to_have_text("Applied: trim −6.0 dB (one undo step).")
    assert control.get("ch/1/trim") == -6.0
    entry = control.history(1, None)[0]
    assert (entry.address, entry.old, entry.new) == ("ch/1/trim", 0.0, -6.0)
    expect(figure).to_have_text("−18.0 dBFS", timeout=10000)  # the live level after the trim follows

    panel.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast.ok")).to_contain_text("Undone")
    wait_until(lambda: control.get("ch/1/trim") == 0.0, what="the undo")
    expect(figure).to_have_text(re.compile(r"^−12\.\d dBFS$"), timeout=10000)


def test_a_viewer_reads_the_flow_without_the_assistant(mixer, url, probe, open_page, restore):
    from playwright.sync_api import expect

    _, token = mixer.auth.create_link("viewer", None, "Front of house")
    page = open_page(PHONE)
    page.goto(f"{url}/#/flow/ch/1?token={token}")
    expect(page.locator(".flow-title h1")).to_have_text("Kick")
    expect(page.locator(".stage .stage-name")).to_have_text(CHANNEL_STAGES)
    expect(page.locator('.stage[data-stage="trim"] .stage-name')).to_have_attribute("href", "#/view/ch/1?focus=ch/1/trim")
    expect(page.locator(".gain-staging")).to_have_count(0)
    expect(page.locator(".flow-actions")).to_have_count(0)
    expect(page.locator("#problems")).to_be_visible()
    page.locator('.stage[data-stage="trim"] .stage-name').click()  # the control, read-only
    expect(page.locator('.editor .slider[data-address="ch/1/trim"]')).to_be_focused()
    expect(page.locator('.editor .slider[data-address="ch/1/trim"]')).to_have_attribute("aria-readonly", "true")


def test_where_the_flow_view_links_to(url, open_page):
    page = open_page(PHONE)
    page.goto(url + "/#/login")
    out = page.evaluate("""async () => {
        const f = await import("/static/js/views/flow.js");
        const { parseRoute } = await import("/static/js/app.js");  // the page's own module: not run again
        return {
            owners: ["ch/3/eq/2/gain", "bus/12/mute", "main/fader", "main", "audio", "solo", "dca/1/fader", "ch/1"]
                .map(f.ownerOf),
            flows: ["ch/2", "bus/1/fader", "main", "audio", "solo"].map(f.flowHref),
            controls: [f.controlHref("ch/1/mute"), f.controlHref("main/fader", true), f.controlHref("dca/1/fader")],
            levels: [null, { hold: -120 }, { hold: -60 }, { hold: -12.04 }, { hold: 0 }, { hold: 3.2 }].map(f.formatLevel),
            routes: ["#/flow", "#/flow/ch/4", "#/flow/bus/2", "#/flow/main", "#/console/ch/1?focus=ch/1/mute",
                     "#/view/bus/3?focus=bus/3/fader"].map(parseRoute),
        };
    }""")
    assert out["owners"] == ["ch/3", "bus/12", "main", "main", None, None, None, "ch/1"]
    assert out["flows"] == ["#/flow/ch/2", "#/flow/bus/1", "#/flow/main", "#/flow/main", "#/flow/main"]
    assert out["controls"] == ["#/console/ch/1?focus=ch/1/mute", "#/view/main?focus=main/fader", None]
    assert out["levels"] == ["", "no signal", "no signal", "−12.0 dBFS", "0.0 dBFS · clips", "3.2 dBFS · clips"]
    assert out["routes"] == [
        {"name": "flow", "owner": "ch/1"}, {"name": "flow", "owner": "ch/4"}, {"name": "flow", "owner": "bus/2"},
        {"name": "flow", "owner": "main"}, {"name": "console", "tab": "mixer", "select": "ch/1", "focus": "ch/1/mute"},
        {"name": "view", "select": "bus/3", "focus": "bus/3/fader"}]
