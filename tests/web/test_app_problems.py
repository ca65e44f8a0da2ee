"""The problem badge and the list it opens, in real Chromium with touch on a phone (390 × 844) and a tablet
(1024 × 768), on a whole mixer in a real jackd with access control on.

A JACK client of the test's own, in a process of its own, stalls JACK's cycle: a real xrun, counted by JACK and
the engine. The problem finder (the daemon's, with an xrun window of an hour so the problem stays up however slow
the machine is) raises ``xruns`` beside a muted Kick that has signal. The top bar's badge counts both with every
other problem, a finger's tap on it opens #/problems, which explains the dropout in plain words and links it to
its place (the audio status in the console's toolbar, where the xruns are counted) and every other problem to
its own (the signal flow of its channel, bus or the main); in names, never addresses, readable on the phone
(nothing wider than the screen, no text under 14 px, every link a 44-px target). axe-core (test_app_a11y.py's
``check``) finds nothing serious or critical there. The list is photographed on each screen
(test-artifacts/screenshots/xrun-problems-<screen>.png). A busy machine's own xruns only add to the stall's: the
test asserts that the xrun is there, never that the audio is otherwise clean.
"""

from __future__ import annotations

import re
import time

import pytest
from support import CycleStaller, Probe, serve, wait_until
from test_app_a11y import axe, check  # noqa: F401  (axe-core, pinned: the fixture and the check)
from tour import LOGIN, PASSWORD, SCREENS, View, open_view, shot, sign_in

from mixerd.diagnostics import Diagnostics
from mixerd.web import create_app

pytestmark = [pytest.mark.jack, pytest.mark.browser]

PROBLEMS = View("problems", "#/problems", '.problem-item[data-code="xruns"]')
ADDRESS = re.compile(r"\b(?:ch|bus|dca|mutegroup|gen)/\d+|\bmain/[a-z]")  # an address in text a person reads
MIN_TARGET, MIN_TEXT = 44, 14
WAIT = 15_000  # ms: a bound for what waits on the problem finder and the WebSocket

@pytest.fixture(scope="module")
def mixer(jack_mixer):
    assert jack_mixer.auth is not None  # the daemon's default: access control on
    jack_mixer.auth.setup(PASSWORD)
    return jack_mixer


@pytest.fixture(scope="module")
def finder(mixer):
    """The problem finder the app serves: the daemon's own kind, an xrun kept up for an hour (not 10 s)."""
    watch = Diagnostics(mixer.control, xrun_window=3600.0)
    watch.start()
    yield watch
    watch.stop()


@pytest.fixture(scope="module")
def url(mixer, finder):
    with serve(create_app(mixer.control, auth=mixer.auth, diagnostics=finder)) as base:
        yield base


@pytest.fixture(scope="module")
def problems(mixer, finder, jack_server):
    """Kick plays (the probe's sine into input 1) and is muted: a warning on its channel; a stalled cycle: the
    xruns. Waits until the finder raised both."""
    control = mixer.control
    probe = Probe.tone_into_input_1(jack_server, [])
    kept = control.get("ch/1/mute")
    control.set("ch/1/mute", True, "rest")
    slow = CycleStaller(jack_server)
    try:
        codes = lambda: {(p["code"], p["address"]) for p in finder.problems()["problems"]}  # noqa: E731
        # Stall (at least once), and again until the finder has counted an xrun: its first look only notes where
        # JACK's counter starts, and a busy machine's own xruns may come first.
        deadline = time.monotonic() + 60
        while True:
            slow.stall()
            time.sleep(0.3)
            if ("xruns", "audio") in codes():
                break
            assert time.monotonic() < deadline, "the finder never raised the xruns of a stalled cycle"
        wait_until(lambda: ("muted", "ch/1") in codes(), what="the muted Kick's problem")
        yield
    finally:
        slow.close()
        control.set("ch/1/mute", kept, "rest")
        probe.close()


def place_of(address: str) -> str:
    """Where a problem at ``address`` is dealt with, for the engineer: its flow, or the audio status."""
    owner = re.match(r"(ch/\d+|bus/\d+|main)\b", address)
    if owner:
        return f"#/flow/{owner.group(1)}"
    return {"audio": "#/console", "recorder": "#/recorder", "solo": "#/console/main"}[address]


# Every visible element of the problem list with text of its own, and every link: size, font, right edge.
MEASURE = """() => [...document.querySelectorAll(".problems-page, .problems-page *")].filter((e) =>
    e.getClientRects().length && getComputedStyle(e).visibility !== "hidden").map((e) => {
      const r = e.getBoundingClientRect();
      const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      return { what: `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 30)}"`, own,
               link: e.tagName === "A", font: parseFloat(getComputedStyle(e).fontSize), right: r.right,
               width: r.width, height: r.height };
    })"""


@pytest.mark.parametrize("screen", ["phone", "tablet"])
def test_the_badge_counts_an_xrun_and_opens_every_problem_in_plain_words(screen, mixer, finder, url, problems, axe,
                                                                          open_page):
    from playwright.sync_api import expect

    page = open_page(SCREENS[screen])
    width = SCREENS[screen]["viewport"]["width"]
    open_view(page, url, LOGIN)
    sign_in(page, url)

    # The badge counts the xrun with every other problem that is not a note, as the finder has them now.
    badge = page.locator("#problems")
    expect(badge).to_be_visible(timeout=WAIT)
    wait_until(lambda: badge.inner_text() == str(sum(p["severity"] != "info" for p in finder.problems()["problems"])),
               what="the badge to count the finder's problems")
    assert int(badge.inner_text()) >= 2  # the xrun and the muted Kick at least
    label = badge.get_attribute("aria-label")  # what a screen reader says of it: in names too
    assert re.match(r"\d+ problems; first: ", label) and not ADDRESS.search(label), label

    badge.tap()  # a finger
    expect(page).to_have_url(re.compile(r"#/problems$"))
    expect(page.locator(PROBLEMS.ready)).to_be_visible(timeout=WAIT)
    page.evaluate("document.fonts.ready.then(() => new Promise(requestAnimationFrame))")

    # The xrun in plain words, and where it is seen: the audio status.
    xrun = page.locator(PROBLEMS.ready)
    expect(xrun).to_have_attribute("data-severity", "warning")
    expect(xrun.locator(".problem-severity")).to_have_text("Warning")
    expect(xrun.locator(".problem-message")).to_have_text(re.compile(r"^\d+ audio dropout\(s\) \(xruns\) just now: "))
    expect(xrun.locator(".problem-explain")).to_have_text(re.compile(
        r"^The audio dropped out for a moment: the computer did not keep up with the sound card\."))
    expect(xrun.locator("a.problem-link")).to_have_text("Show the audio status")
    kick = page.locator('.problem-item[data-code="muted"][data-address="ch/1"]')
    expect(kick.locator(".problem-message")).to_have_text("Kick: there is signal but the channel is muted")
    expect(kick.locator(".problem-fix")).to_have_text("What to do: unmute Kick")

    # Every problem links to its place; the list says them all in names.
    items = page.locator(".problem-item").evaluate_all(
        "items => items.map((i) => ({ address: i.dataset.address, links: [...i.querySelectorAll('a.problem-link')]"
        ".map((a) => a.getAttribute('href')) }))")
    assert len(items) >= 2
    assert [(i["address"], i["links"]) for i in items] == [(i["address"], [place_of(i["address"])]) for i in items]
    text = page.locator(".problems-page").inner_text()
    assert not ADDRESS.search(text), ADDRESS.findall(text)

    # Readable on the screen: nothing wider than it, no text under 14 px, every link a 44-px target.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    measured = page.evaluate(MEASURE)
    assert not [m["what"] for m in measured if m["right"] > width + 0.5]
    assert not [f"{m['what']} {m['font']:g} px" for m in measured if m["own"] and m["font"] < MIN_TEXT]
    assert not [f"{m['what']} {m['width']:.0f}×{m['height']:.0f}" for m in measured
                if m["link"] and min(m["width"], m["height"]) < MIN_TARGET - 0.01]
    shot(page, screen, PROBLEMS, "xrun")
    found = check(page, url, axe)
    assert not found, "\n".join(found)

    # The xrun's place: the console's audio status, which counts it.
    xrun.locator("a.problem-link").tap()
    expect(page).to_have_url(re.compile(r"#/console$"))
    expect(page.locator(".health-facts")).to_have_text(re.compile(r"· [1-9]\d* xruns?$"), timeout=WAIT)
    # Kick's: its signal flow, with the mute as the first problem and its fix in names.
    page.go_back()
    kick.locator("a.problem-link").tap()
    expect(page).to_have_url(re.compile(r"#/flow/ch/1$"))
    expect(page.locator(".stage.first-problem")).to_have_attribute("data-stage", "mute", timeout=WAIT)
    expect(page.locator(".flow-summary a.stage-fix")).to_have_text("Fix: unmute Kick")
