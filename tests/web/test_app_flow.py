"""The signal-flow view on a real mixer in a real jackd, in real Chromium on a 360-px phone, access control on.

A probe JACK client plays a -12 dBFS sine into input 1. The flow view of channel 1 lists the stages in the order
the engine runs them, with the live level after each (-12 dBFS after the trim); it follows the insert order.
While its sends to the monitor mixes are at −∞, its verdict names the mixes it does not reach, why, and the fix;
with every send open there is no problem on the path. Muting the channel makes the mute the highlighted first
problem, with the fix linking to the mute in the console; following the link and pressing it there clears the
problem. The header badge counts the mixer's problems (from the WebSocket) and opens the list of them all. A mix's
flow says how many channels do not reach it (never "no problems" above that list). Every message and fix names
channels and mixes, never addresses ("Fix: unmute Kick"). The gain-staging panel listens, proposes -6 dB of trim
to bring the tone to -18 dBFS, applies it (the level after the trim follows) and undoes it. A viewer link reads
the flow without the assistant, its links going to the read-only view. Every test restores what it changed (the
mixer is shared by the module).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from support import PHONE, Probe, serve, wait_until

from mixerd.diagnostics import Diagnostics
from mixerd.web import create_app

pytestmark = [pytest.mark.jack, pytest.mark.browser]

PASSWORD = "signal-path-2024"
TONE_DB = 20 * np.log10(0.25)  # the probe's sine into input 1: -12.04 dBFS
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)
CHANNEL_STAGES = ["Input", "Trim · polarity", "High-pass filter", "EQ", "Gate", "Compressor", "Mute", "Fader", "Sends",
                  "Main mix", "Main outputs"]
MIXES = (1, 2, 3, 4)  # the demo's monitor mixes: Drummer, Bass, Vocals, Keys IEM
#: An address of the mixer's address space in text a person reads ("ch/1/mute", "bus/2", "main/fader").
ADDRESS = re.compile(r"\b(?:ch|bus|dca|mutegroup|gen)/\d+|\bmain/[a-z]")
WAIT = 15_000  # ms: a bound for what waits on the problem finder (it raises a problem once it lasted 0.5 s)


@pytest.fixture(scope="module")
def mixer(jack_mixer):
    assert jack_mixer.auth is not None  # the daemon's default: access control on
    jack_mixer.auth.setup(PASSWORD)
    return jack_mixer


@pytest.fixture
def finder(mixer):
    """The test's own problem finder (the daemon's kind): the app, the WebSocket and the test see the same problems,
    and what a mix remembers having had (``mix_source_cut``: a channel it lost while it played) does not carry over
    from another test."""
    watch = Diagnostics(mixer.control)
    watch.start()
    yield watch
    watch.stop()


@pytest.fixture
def url(mixer, finder):
    with serve(create_app(mixer.control, auth=mixer.auth, diagnostics=finder)) as base:
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
                                        "main/delay", "ch/2/mute", "bus/1/mute", "ch/1/send/1/on", *SENDS)}
    yield
    control.set_many(keep, "rest")


def sign_in(open_page, url: str, hash_: str):
    page = open_page(PHONE)
    page.goto(f"{url}/#/login?next={hash_.replace('#', '%23').replace('/', '%2F')}")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(hash_) + "$"))
    return page


SENDS = [f"ch/{n}/send/{b}/level" for n in (1, 2) for b in MIXES]


def visible_addresses(page) -> list[str]:
    """Every address in the text the view shows (none: it names channels, mixes and controls)."""
    return ADDRESS.findall(page.locator("#view").inner_text())


def level_of(text: str) -> float:
    """-12.0 from "−12.0 dBFS" (how the view writes a level)."""
    match = re.fullmatch(r"([−+]?\d+\.\d) dBFS", text)
    assert match, text
    return float(match.group(1).replace("−", "-"))


def test_the_flow_of_a_channel_shows_the_live_signal_and_leads_to_the_fix(mixer, finder, url, probe, open_page,
                                                                           restore):
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
    expect(page.locator(".stage.first-problem")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Its sends to the monitor mixes are at −∞ (the demo's start): the verdict names the mixes it does not reach
    # and why (a note: leaving a channel out of a mix is often meant), with the fix; never "No problems".
    summary = page.locator(".flow-summary")
    expect(summary.locator("b")).to_have_text("Kick does not reach Drummer mix, Bass mix, Vocals mix or Keys IEM mix")
    expect(summary).to_have_attribute("data-state", "info")
    expect(summary.locator("span").first).to_have_text("Its send to Drummer is at −∞; its send to Bass is at −∞; "
                                                       "its send to Vocals is at −∞; its send to Keys IEM is at −∞")
    expect(summary.locator("a.stage-fix")).to_have_text("Fix: bring Kick's send to Drummer up to −10 dB")
    expect(summary.locator("a.stage-fix")).to_have_attribute("href", "#/console/ch/1?focus=ch/1/send/1/level")
    assert visible_addresses(page) == []
    page.screenshot(path=str(SHOTS / "flow-not-in-mixes-phone.png"))
    control.set("ch/1/send/1/level", -10.0, "rest")
    expect(summary.locator("b")).to_have_text("Kick does not reach Bass mix, Vocals mix or Keys IEM mix")
    control.set_many({f"ch/1/send/{b}/level": -10.0 for b in MIXES}, "rest")  # in every mix: nothing to say
    expect(summary).to_contain_text("No problems on this path")
    expect(summary).to_have_attribute("data-state", "ok")

    # The inserts follow the channel's order.
    control.set("ch/1/order", "dyn>eq", "rest")
    expect(stages.locator(".stage-name")).to_have_text(
        ["Input", "Trim · polarity", "High-pass filter", "Gate", "Compressor", "EQ", *CHANNEL_STAGES[6:]])
    control.set("ch/1/order", "eq>dyn", "rest")
    expect(stages.locator(".stage-name")).to_have_text(CHANNEL_STAGES)

    # A muted channel with signal: the mute is the first problem, highlighted, its fix one tap away.
    control.set("ch/1/mute", True, "rest")
    first = page.locator(".stage.first-problem")
    expect(first).to_have_attribute("data-stage", "mute", timeout=WAIT)
    expect(first).to_have_count(1)
    expect(first.locator(".stage-badge")).to_have_text("first problem")
    # In names, never addresses: "Fix: unmute Kick", not "Fix: unmute ch/1/mute".
    expect(first.locator(".stage-problem-text")).to_have_text("Kick: there is signal but the channel is muted")
    expect(first.locator(".stage-state")).to_have_text("muted by its own mute")
    fix = first.locator("a.stage-fix")
    expect(fix).to_have_text("Fix: unmute Kick")
    expect(fix).to_have_attribute("href", "#/console/ch/1?focus=ch/1/mute")
    expect(first.locator(".stage-name")).to_have_attribute("href", "#/console/ch/1?focus=ch/1/mute")
    expect(summary.locator("b")).to_have_text("First problem: Mute")
    expect(summary.locator("span").first).to_have_text("Kick: there is signal but the channel is muted")
    expect(summary.locator("a.stage-fix")).to_have_text("Fix: unmute Kick")
    expect(page.locator('.stage[data-stage="fader"]')).not_to_have_class(re.compile("first-problem"))
    assert visible_addresses(page) == []

    # The header badge counts the problems the WebSocket reported (this one among them).
    badge = page.locator("#problems")
    expect(badge).to_be_visible()
    wait_until(lambda: "muted@ch/1" in page.evaluate(
        "mixerd.conn.diagnostics.problems.map((p) => `${p.code}@${p.address}`)"), what="the WebSocket's diagnostics")
    wait_until(lambda: badge.inner_text() == str(sum(p["severity"] != "info" for p in finder.problems()["problems"])),
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
    expect(page.locator(".flow-summary")).to_contain_text("No problems on this path", timeout=WAIT)
    expect(page.locator(".stage.first-problem")).to_have_count(0)
    expect(page.locator('.stage[data-stage="mute"]')).to_have_attribute("data-status", "on")

    # The badge opens the list of every problem, each leading to its place (a channel's, a bus's: its flow; the
    # audio's own, such as dropouts a busy machine may have: the audio status); the main's flow lists what feeds it.
    badge.click()
    expect(page).to_have_url(re.compile(r"#/problems$"))
    page.locator('.problem-item .problem-link[href^="#/flow/"]').first.click()
    expect(page).to_have_url(re.compile(r"#/flow/(ch/\d+|bus/\d+|main)$"))
    page.goto(f"{url}/#/flow/main")
    expect(page.locator(".flow-title h1")).to_have_text("Main")
    expect(stages.locator(".stage-name").first).to_have_text("Sources")
    expect(page.locator('.stage[data-stage="sources"] .flow-sends li.open')).to_contain_text(["Kick"])
    expect(page.locator('.stage[data-stage="limiter"] .stage-figure')).to_have_text(re.compile(r"dBFS$"))
    # and every strip's editor leads to its flow, a mix's too
    page.goto(f"{url}/#/console/bus/1")
    expect(page.locator('.editor[data-prefix="bus/1"] a', has_text="Signal flow")).to_have_attribute("href", "#/flow/bus/1")


def test_a_mix_flow_says_how_many_channels_do_not_reach_it_in_names(mixer, url, probe, open_page, restore):
    from playwright.sync_api import expect

    control = mixer.control
    control.set_many({"ch/1/send/1/level": -10.0, "ch/2/send/1/level": -10.0, "ch/2/mute": True}, "rest")
    page = sign_in(open_page, url, "#/flow/bus/1")
    expect(page.locator(".flow-title h1")).to_have_text("Drummer")
    # Kick reaches the Drummer's mix; the other seven do not (Snare is muted too): the verdict says so, as a
    # warning, above the list that says why (never "No problems on this path" above "Not reaching this mix").
    summary = page.locator(".flow-summary")
    expect(summary.locator("b")).to_have_text("7 channels do not reach this mix")
    expect(summary).to_have_attribute("data-state", "warning")
    expect(summary.locator("span").first).to_contain_text("Snare, Bass, Guitar, Keys L, Keys R and 2 more: each is listed below")
    expect(page.locator(".missing-title")).to_have_text("Not reaching this mix (7)")
    snare = page.locator('.missing-item[data-address="ch/2"]')
    expect(snare.locator('.missing-reason[data-code="muted"] button.missing-fix')).to_have_text("unmute Snare")
    expect(page.locator('.stage[data-stage="sources"] .flow-sends li.open')).to_have_text([re.compile(r"^Kick")])
    assert visible_addresses(page) == []

    # A problem of the mix itself comes first, in names: "Fix: unmute Drummer mix".
    control.set("bus/1/mute", True, "rest")
    expect(summary.locator("b")).to_have_text(re.compile(r"^First problem: Fader · mute"), timeout=WAIT)
    expect(summary.locator("span").first).to_have_text("Drummer mix: is fed (Kick) but muted")
    expect(summary.locator("a.stage-fix")).to_have_text("Fix: unmute Drummer mix")
    expect(summary.locator("a.stage-fix")).to_have_attribute("href", "#/console/bus/1?focus=bus/1/mute")
    problem = page.locator('.stage[data-stage="fader"] .stage-problem')
    expect(problem.locator("a.stage-fix")).to_have_text("Fix: unmute Drummer mix")
    assert visible_addresses(page) == []
    page.screenshot(path=str(SHOTS / "flow-mix-muted-phone.png"), full_page=True)
    # Kick was in the mix with signal (the problem finder saw it feed the muted mix): switching its send off cuts it
    # off, which the mix's list marks and Kick's own flow says, as a warning.
    control.set_many({"bus/1/mute": False, "ch/2/mute": False, "ch/1/send/1/on": False}, "rest")
    expect(summary.locator("b")).to_have_text("8 channels do not reach this mix")
    expect(page.locator('.missing-item[data-address="ch/1"]')).to_have_attribute("data-cut", "true", timeout=WAIT)
    expect(summary.locator("span").first).to_have_text(re.compile(r"^Kick was cut off\. Kick, Snare, Bass, "))
    expect(page.locator('.stage[data-stage="sources"] .stage-problem-text')).to_have_text(
        "Drummer mix: Kick no longer reaches it (its send to Drummer is off)")
    assert visible_addresses(page) == []
    page.evaluate("location.hash = '#/flow/ch/1'")
    expect(page.locator(".flow-title h1")).to_have_text("Kick")
    expect(summary.locator("b")).to_have_text(
        "Kick was cut off from Drummer mix and does not reach Bass mix, Vocals mix or Keys IEM mix")
    expect(summary).to_have_attribute("data-state", "warning")
    expect(summary.locator("span").first).to_have_text("Its send to Drummer is off; its send to Bass is at −∞; "
                                                       "its send to Vocals is at −∞; its send to Keys IEM is at −∞")
    expect(summary.locator("a.stage-fix")).to_have_text("Fix: switch Kick's send to Drummer on")
    assert visible_addresses(page) == []
    control.set("ch/1/send/1/on", True, "rest")
    expect(summary.locator("b")).to_have_text("Kick does not reach Bass mix, Vocals mix or Keys IEM mix")
    expect(summary).to_have_attribute("data-state", "info")

    # The main: the channels that are only silent at their input are a note, not a warning.
    page.evaluate("location.hash = '#/flow/main'")
    expect(page.locator(".flow-title h1")).to_have_text("Main")
    expect(summary.locator("b")).to_have_text("7 channels do not reach the main")
    expect(summary).to_have_attribute("data-state", "info")
    assert visible_addresses(page) == []
    page.evaluate("location.hash = '#/flow/bus/99'")  # no such bus: said in words too
    expect(page.locator(".empty-state p")).to_have_text("Bus 99 is not part of this mixer.")


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
