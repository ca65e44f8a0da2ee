"""Ringing out in the web app (issue 21), in real Chromium with touch input (Chromium's own touch events through CDP,
as a finger would) on a tablet (1024 × 768) and a phone (390 × 844), against the real engine running offline with
its feedback finder (the daemon's Listener) and a problem finder that hears it, on the band's mixer of tour.py
(access control on, the engineer signed in). A steady 1.25 kHz tone plays into the Kick channel, sent to the
Drummer's mix: in ring-out any peak that stays is a howl.

- the Drummer's editor has a Ring out card: its switch and the auto-notch switch change the mixer; the RTA of the
  mix draws while the card is shown and its switch is on, and the mixer stops sending it once the card is gone;
- the howl shows as it is found, with its frequency and level; a tap on its Notch writes the finder's notch as one
  batch (the EQ band's values change), and Undo takes it all back;
- the graphic EQ's bands (a drag, a typed value, a double tap for 0 dB, scrolled sideways to on a phone), its switch
  and the output delay change the mixer;
- all of it is for fingers (44-px targets), readable (14-px read-outs), and axe-core finds nothing serious or
  critical on it.

Every step waits for what it is about (a value on the mixer, an element shown). Screenshots:
test-artifacts/screenshots/ringout-<what>-<screen>.png."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from support import RATE, wait_until
from test_app_a11y import axe_script, check
from test_app_console import Finger, center, signed_in
from test_app_touch import INTERACTIVE, MEASURE, MIN_READOUT, MIN_TARGET
from tour import LAYOUT, PASSWORD, SHOTS, View
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

SCREENS_UNDER_TEST = ["tablet", "phone"]
DRUMMER = View("drummer", "#/console/bus/1", ".ringout-card .ringout-switch")
CARDS = '.ringout-card, .geq-card, [data-section="output"]'
READOUTS = (".ringout-status, .ringout-note, .rta-loudest, .howl, .howl-freq, .howl-level, .howl-fix, .geq-freq, "
            ".geq-band .slider-value, .geq-note, [data-section=\"output\"] .slider-value")
TONE_HZ = 1250.0


class Tone:
    """A −20 dBFS sine of ``hz`` into the Kick channel from a thread of its own, block after block (1024 frames, about
    twice real time) while ``playing``; ``silence(blocks)`` plays that many blocks of silence, then nothing: the
    analysis waits, and the RTA's peak hold (2 s) counts frames, not seconds, so a test decides what it has heard."""

    BLOCK = 1024

    def __init__(self, engine, hz: float):
        self.engine, self.hz, self.playing = engine, hz, True
        self._silent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def play(self) -> None:
        with self._lock:
            self.playing = True

    def silence(self, blocks: int) -> None:
        with self._lock:
            self.playing = False
            self._silent += blocks

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        t = np.arange(self.BLOCK) / RATE
        x = np.zeros((LAYOUT.n_inputs, self.BLOCK), np.float32)
        n = 0
        while not self._stop.is_set():
            with self._lock:
                tone, silent = self.playing, not self.playing and self._silent > 0
                if silent:
                    self._silent -= 1
            if tone or silent:
                x[0] = 0.1 * np.sin(2 * np.pi * self.hz * (t + n * self.BLOCK / RATE)) if tone else 0.0
                self.engine.core.process(x)
                n += 1
            self._stop.wait(0.01)


@pytest.fixture
def listening(control, engine):
    """The web app on the band's mixer with the listener (the RTA, the feedback finder) and a steady tone into the
    Kick channel, sent to the Drummer's mix at 0 dB; yields (app, listener, tone)."""
    from mixerd.control.access import Auth
    from mixerd.diagnostics import Diagnostics
    from mixerd.diagnostics.listener import Listener
    from mixerd.web import create_app

    control.set_many({"ch/1/send/1/level": 0.0, "ch/1/send/1/on": True, "ch/1/send/1/pre": True,
                      "bus/1/fader": 0.0, "bus/1/mute": False}, "rest")
    auth = Auth(control.store)
    auth.setup(PASSWORD)
    listener = Listener(control, engine)
    diagnostics = Diagnostics(control, listener=listener)
    listener.start()
    tone = Tone(engine, TONE_HZ)
    try:
        yield create_app(control, auth=auth, diagnostics=diagnostics, listener=listener), listener, tone
    finally:
        tone.stop()
        diagnostics.stop()
        listener.stop()


@pytest.fixture
def ringout_app(listening):
    """The app with the feedback finder listening and a 1.25 kHz tone into the Drummer's mix; (app, listener)."""
    app, listener, _ = listening
    return app, listener


def shot(page, screen: str, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ringout-{what}-{screen}.png"))


def watching(listener) -> list[str]:
    """The points the mixer sends an RTA of now (to any socket)."""
    with listener._lock:
        return [w.point for w in listener._watches]


def frames(page) -> int:
    return int(page.locator(".ringout-card .rta-canvas").get_attribute("data-frames"))


def measure_and_check(page, base: str, screen: str, what: str, scopes: str = CARDS, readouts: str = READOUTS,
                      at_least: int = 32) -> None:
    """44-px targets (at least `at_least` of them) in `scopes` (the ring-out, graphic EQ and output cards) and 14-px
    `readouts`; nothing serious or critical for axe-core on the page."""
    targets = page.evaluate(MEASURE, [", ".join(f"{c} {s}" for c in scopes.split(", ") for s in INTERACTIVE.split(", "))])
    assert len(targets) >= at_least
    small = [f"{t['what']} {t['width']:.1f}×{t['height']:.1f}" for t in targets
             if not t["inline"] and min(t["width"], t["height"]) < MIN_TARGET - 0.01]
    assert not small, f"{what} on the {screen}: controls under {MIN_TARGET} px:\n" + "\n".join(small)
    tiny = [f"{r['what']} {r['font']:g} px" for r in page.evaluate(MEASURE, [readouts]) if r["font"] < MIN_READOUT]
    assert not tiny, f"{what} on the {screen}: read-outs under 14 px:\n" + "\n".join(tiny)
    found = check(page, base, axe_script())
    assert not found, f"{what} on the {screen}: axe-core:\n" + "\n".join(found)


@pytest.mark.parametrize("screen", SCREENS_UNDER_TEST)
def test_ringing_out_a_mix_finds_the_howl_and_one_tap_notches_it(screen, ringout_app, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, listener = ringout_app
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, DRUMMER)
        card = page.locator(".ringout-card")
        finger = Finger(page)
        try:
            # Auto notch on and off again (before anything howls: nothing is notched by itself here).
            auto = card.locator('.toggle[data-address="feedback/auto"]')
            finger.tap(*center(page, auto))
            wait_until(lambda: control.get("feedback/auto") is True, what="auto notch on")
            expect(auto).to_have_attribute("aria-pressed", "true")
            finger.tap(*center(page, auto))
            wait_until(lambda: control.get("feedback/auto") is False, what="auto notch off")

            # Ring out: the switch on the mixer, the RTA of the mix drawn, the howl listed with its level and a Notch.
            assert watching(listener) == []
            ring = card.locator('.toggle[data-address="bus/1/ringout"]')
            finger.tap(*center(page, ring))
            wait_until(lambda: control.get("bus/1/ringout") is True, what="the Drummer's mix rung out")
            wait_until(lambda: watching(listener) == ["bus/1"], what="the mixer sending the Drummer's RTA")
            page.wait_for_function("() => Number(document.querySelector('.ringout-card .rta-canvas').dataset.frames) >= 3")
            expect(card.locator(".rta-loudest")).to_contain_text("1.25 kHz")
            howl = card.locator(".howl:not(.none)").first
            expect(howl.locator(".howl-freq")).to_have_text("1.25 kHz", timeout=15000)
            expect(howl.locator(".howl-level")).to_contain_text("dBFS")
            measure_and_check(page, base, screen, "ringing out")
            center(page, card)
            shot(page, screen, "howl")

            notch = page.evaluate("""() => mixerd.conn.diagnostics.problems
                .find((p) => p.code === "feedback" && p.address === "bus/1").details.notch""")
            assert notch and any(a.endswith("/gain") and v < 0 for a, v in notch.items())
            before = {a: control.get(a) for a in notch}
            finger.tap(*center(page, howl.locator(".notch")))
            wait_until(lambda: all(control.get(a) == v for a, v in notch.items()), what="the notch written")
            # One undo step: Undo takes the whole notch back.
            finger.tap(*center(page, page.get_by_role("button", name="Undo")))
            wait_until(lambda: all(control.get(a) == v for a, v in before.items()), what="the notch taken back")

            # Ring-out off: the RTA stops with it. The RTA switch alone shows it again; the card gone (another tab),
            # the mixer stops sending it.
            finger.tap(*center(page, ring))
            wait_until(lambda: control.get("bus/1/ringout") is False, what="ring-out off")
            wait_until(lambda: watching(listener) == [], what="the RTA stopped with ring-out")
            drawn = frames(page)
            finger.tap(*center(page, card.locator(".rta-switch")))
            wait_until(lambda: watching(listener) == ["bus/1"], what="the RTA on by its own switch")
            page.wait_for_function("(n) => Number(document.querySelector('.ringout-card .rta-canvas').dataset.frames) >= n + 3",
                                   arg=drawn)
            finger.tap(*center(page, page.locator(".tabs .tab", has_text="Scenes")))
            wait_until(lambda: watching(listener) == [], what="the RTA stopped once the card is gone")
        finally:
            finger.close()


@pytest.mark.parametrize("screen", SCREENS_UNDER_TEST)
def test_the_graphic_eq_and_the_output_delay_change_the_mix(screen, ringout_app, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, listener = ringout_app
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, DRUMMER)
        geq = page.locator(".geq-card")
        finger = Finger(page)
        try:
            expect(geq.locator(".geq-freq")).to_have_count(31)
            expect(geq.locator('.geq-band[data-band="18"] .geq-freq')).to_have_text("1k")
            finger.tap(*center(page, geq.locator('.toggle[data-address="bus/1/geq/on"]')))
            wait_until(lambda: control.get("bus/1/geq/on") is True, what="the graphic EQ in")

            # 1 kHz (scrolled to sideways on a phone): dragged up, typed, then 0 dB again by a double tap.
            band = geq.locator('.slider[data-address="bus/1/geq/18/gain"]')
            track = band.locator(".slider-track")
            x, y = center(page, track)
            finger.drag(x, y, 0, -60)
            wait_until(lambda: control.get("bus/1/geq/18/gain") > 1.0, what="1 kHz raised by the drag")
            readout = band.locator(".slider-value")
            finger.tap(*center(page, readout))
            page.locator(".value-entry input").wait_for()
            page.keyboard.type("-4.5")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("bus/1/geq/18/gain") == -4.5, what="1 kHz at −4.5 dB")
            expect(readout).to_have_text("−4.5")
            shot(page, screen, "geq")
            finger.double_tap(*center(page, readout))
            wait_until(lambda: control.get("bus/1/geq/18/gain") == 0.0, what="1 kHz back at 0 dB")
            # The last band too (20 kHz, at the far end of the row).
            last = geq.locator('.slider[data-address="bus/1/geq/31/gain"] .slider-value')
            finger.tap(*center(page, last))
            page.locator(".value-entry input").wait_for()
            page.keyboard.type("-3")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("bus/1/geq/31/gain") == -3.0, what="20 kHz at −3 dB")

            # The output delay, typed in ms.
            delay = page.locator('[data-section="output"] .slider[data-address="bus/1/delay"] .slider-value')
            finger.tap(*center(page, delay))
            page.locator(".value-entry input").wait_for()
            page.keyboard.type("12.5")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("bus/1/delay") == 12.5, what="the Drummer's mix delayed 12.5 ms")
            expect(delay).to_have_text("12.5 ms")

            # History, undo toasts and refusals name them in words.
            names = page.evaluate("""async () => {
                const { nameOf } = await import("/static/js/names.js");
                const { values } = window.mixerd.conn;
                return ["bus/1/geq/18/gain", "bus/1/geq/on", "bus/1/delay", "bus/1/ringout", "main/geq/31/gain",
                        "feedback/auto", "feedback/watch"].map((a) => nameOf(a, values));
            }""")
            assert names == ["Drummer mix graphic EQ 1k Hz", "Drummer mix graphic EQ", "Drummer mix output delay",
                             "Drummer mix ring-out", "the main graphic EQ 20k Hz", "automatic feedback notches",
                             "the feedback finder on every mix"]
            measure_and_check(page, base, screen, "graphic EQ")
        finally:
            finger.close()
