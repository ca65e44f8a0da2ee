"""The RTA in the web app (issue 21), in real Chromium with touch input on a tablet (1024 × 768, and held upright)
and a phone, against the real engine running offline with its listener (tests/web/test_app_ringout.py's
``listening``), on the band's mixer of tour.py: a −20 dBFS tone at 1.09 kHz plays into the Kick channel, sent to the
Drummer's mix. 1.09 kHz lies in the 1 kHz third-octave band and in the 1.12 kHz sixth-octave band, a twenty-fourth
of an octave from the edges of both: each resolution names it differently, and rightly.

- full screen (#/rta/<point>): the tone's band named at 1/3 octave, then at 1/6 (twice the bands, the choice kept in
  the browser); another point picked by its name (the address follows); Reset peaks lets go of a peak the mixer
  still held; leaving the view stops the mixer's RTA. A viewer link opens it too; a mix link does not;
- the EQ card's RTA switch draws the tone's band faintly behind the curve, where the curve's axis has 1 kHz; the
  mixer's RTA stops when the switch goes off and when the card is scrolled away;
- one connection has one RTA: the EQ card and the Ring out card of the same mix draw the same stream, and one
  switched off leaves the other's; a look at another point takes over and the card says it is paused, its Show
  here takes it back; the bands choice is one for every RTA;
- every control of the view is for fingers (44 px), its read-outs 14 px or more, and axe-core finds nothing serious
  or critical on it.

The peak hold is checked without a clock: the tone thread plays a counted number of silent blocks, fewer than the
hold lasts in frames, so what the mixer still holds and what it let go of is decided by the test, not by time. Every
step waits for what it is about. Screenshots: test-artifacts/screenshots/rta-<what>-<screen>.png."""

from __future__ import annotations

import re

import pytest
from support import wait_until
from test_app_console import Finger, center, signed_in
from test_app_ringout import listening  # noqa: F401  (the app with the listener and the tone)
from test_app_ringout import measure_and_check
from tour import SCREENS, SHOTS, View
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

from mixerd.analysis.rta import band_centres

pytestmark = pytest.mark.browser

TONE_HZ = 1090.0
ISO_THIRDS = ["20 Hz", "25 Hz", "31.5 Hz", "40 Hz", "50 Hz", "63 Hz", "80 Hz", "100 Hz", "125 Hz", "160 Hz", "200 Hz",
              "250 Hz", "315 Hz", "400 Hz", "500 Hz", "630 Hz", "800 Hz", "1 kHz", "1.25 kHz", "1.6 kHz", "2 kHz",
              "2.5 kHz", "3.15 kHz", "4 kHz", "5 kHz", "6.3 kHz", "8 kHz", "10 kHz", "12.5 kHz", "16 kHz", "20 kHz"]
FULL = View("rta", "#/rta/ch/1/input", ".rta-view .rta-canvas")
KICK = View("kick", "#/console/ch/1", '.card[data-section="eq"] .eq-handle')
DRUMMER = View("drummer", "#/console/bus/1", ".ringout-card .ringout-switch")
CANVAS = ".rta-view .rta-canvas"
EQ = '.card[data-section="eq"]'
# Silent blocks of 1024 frames: 30 make at most 15 RTA frames (one per 2048 frames); the hold lasts 47 (2 s).
HELD_BLOCKS = 30


def looks(listener) -> list[tuple[str, int]]:
    """What the mixer sends an RTA of now (to any socket): (point, bands an octave)."""
    with listener._lock:
        return [(w.point, w.per_octave) for w in listener._watches]


def drawn(page, canvas: str, **wanted) -> None:
    """Waits until `canvas` shows a frame whose data-* are `wanted` (bands, loudest, peak…). A canvas cleared (a new
    point, other bands, peaks reset) says nothing until it draws again."""
    page.wait_for_function("""([selector, wanted]) => {
        const c = document.querySelector(selector);
        return c && Object.entries(wanted).every(([k, v]) => c.dataset[k] === v);
    }""", arg=[canvas, {k: str(v) for k, v in wanted.items()}])


def frames(page, canvas: str) -> int:
    return int(page.locator(canvas).get_attribute("data-frames"))


def more_frames(page, canvas: str, n: int = 3) -> None:
    """Waits until `canvas` draws `n` more frames than it has now."""
    page.wait_for_function("([s, start, n]) => Number(document.querySelector(s).dataset.frames) >= start + n",
                           arg=[canvas, frames(page, canvas), n])


def shot(page, screen: str, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rta-{what}-{screen}.png"))


@pytest.mark.parametrize("screen", ["tablet", "tablet-portrait", "phone"])
def test_the_full_screen_rta_picks_a_point_switches_bands_resets_peaks_and_stops_when_left(screen, listening,
                                                                                             serve_app, open_page):
    from playwright.sync_api import expect

    app, listener, tone = listening
    tone.hz = TONE_HZ
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, FULL)
        finger = Finger(page)
        try:
            # The Kick channel's input at 1/3 octave: 31 bands, the tone in the 1 kHz band, in words too.
            wait_until(lambda: looks(listener) == [("ch/1/input", 3)], what="the mixer sending the Kick's RTA")
            drawn(page, CANVAS, bands=31, loudest="1 kHz", peak="1 kHz")
            expect(page.locator(".rta-view .rta-loudest")).to_have_text(re.compile(r"^Loudest: 1 kHz at −2\d dBFS$"))
            expect(page.locator(".rta-picker")).to_have_value("ch/1/input")
            expect(page.locator(".rta-picker option:checked")).to_have_text("Kick at its input")
            names = page.locator(".rta-picker option").all_text_contents()
            assert {"Kick after its EQ", "Kick after its EQ and dynamics", "Vocal after its fader", "Drummer mix",
                    "Bass IEM mix", "Reverb", "Drums group", "The main", "The solo bus"} <= set(names)
            assert len(names) == len(set(names)) == len(page.evaluate("mixerd.conn.meterPoints"))
            measure_and_check(page, base, screen, "the RTA view", ".rta-view", ".rta-view .rta-loudest", at_least=4)
            shot(page, screen, "third")

            # 1/6 octave: twice the bands (and one), the tone's band named as a sixth-octave band; kept for next time.
            finger.tap(*center(page, page.locator('.rta-view .rta-bands [data-per-octave="6"]')))
            wait_until(lambda: looks(listener) == [("ch/1/input", 6)], what="the RTA at 1/6 octave")
            drawn(page, CANVAS, bands=61, loudest="1.12 kHz")
            expect(page.locator(".rta-view .rta-loudest")).to_contain_text("Loudest: 1.12 kHz at ")
            assert page.evaluate("localStorage.getItem('mixerd.rta.per_octave')") == "6"
            # Every band has a name of its own: the ISO nominals of 1/3 octave, and between them those of 1/6.
            thirds, sixths = page.evaluate("""async (centres) => {
                const { bandName } = await import("/static/js/rta.js");
                return centres.map((bands) => bands.map(bandName));
            }""", [band_centres(3).tolist(), band_centres(6).tolist()])
            assert thirds == ISO_THIRDS
            assert sixths[::2] == ISO_THIRDS and len(set(sixths)) == 61
            assert sixths[32:37] == ["800 Hz", "900 Hz", "1 kHz", "1.12 kHz", "1.25 kHz"]
            shot(page, screen, "sixth")

            # Another point, picked by name: the Drummer's mix (the tone is sent to it); the address follows.
            page.locator(".rta-picker").select_option("bus/1")
            wait_until(lambda: looks(listener) == [("bus/1", 6)], what="the mixer sending the Drummer's RTA")
            expect(page).to_have_url(re.compile(r"#/rta/bus/1$"))
            assert page.evaluate("localStorage.getItem('mixerd.rta.point')") == "bus/1"
            expect(page.locator(CANVAS)).to_have_attribute("aria-label", "RTA of Drummer mix")
            drawn(page, CANVAS, bands=61, loudest="1.12 kHz", peak="1.12 kHz")

            # Peak hold: the tone stops; fewer silent frames than the hold lasts: silent now, the peak still held.
            tone.silence(HELD_BLOCKS)
            drawn(page, CANVAS, loudest="", peak="1.12 kHz")
            expect(page.locator(".rta-view .rta-loudest")).to_have_text("Silent")
            # Reset peaks: the mixer asked again (its answer counted), then as much silence again: the peak is gone.
            finger.tap(*center(page, page.get_by_role("button", name="Reset peaks")))
            expect(page.locator(CANVAS)).to_have_attribute("data-resets", "1")
            tone.silence(HELD_BLOCKS)
            drawn(page, CANVAS, loudest="", peak="")
            # Back to 1/3 octave, the tone again.
            tone.play()
            finger.tap(*center(page, page.locator('.rta-view .rta-bands [data-per-octave="3"]')))
            wait_until(lambda: looks(listener) == [("bus/1", 3)], what="the RTA at 1/3 octave again")
            drawn(page, CANVAS, bands=31, loudest="1 kHz")

            # Leaving the view stops the mixer's RTA.
            finger.tap(*center(page, page.locator('.nav-item[href="#/console"]')))
            expect(page.locator(".strip.channel").first).to_be_visible()
            wait_until(lambda: looks(listener) == [], what="the RTA stopped once the view is gone")
        finally:
            finger.close()


def test_a_viewer_link_opens_the_rta_and_a_mix_link_is_led_back_to_its_mix(listening, serve_app, open_page):
    from playwright.sync_api import expect

    app, listener, tone = listening
    tone.hz = TONE_HZ
    auth = app.state.auth
    _, viewer = auth.create_link("viewer", None, "Side-stage tablet")
    _, drummer = auth.create_link("mix", 1, "Drummer")
    with serve_app(app) as base:
        page = open_page(SCREENS["tablet"])
        page.goto(f"{base}/#/rta/main?token={viewer}")
        expect(page.locator(".rta-picker")).to_have_value("main")
        wait_until(lambda: looks(listener) == [("main", 3)], what="the viewer looking at the main's RTA")
        more_frames(page, CANVAS)
        page.goto(f"{base}/#/view/mix/1")
        wait_until(lambda: looks(listener) == [], what="the viewer's RTA stopped")

        phone = open_page(SCREENS["phone"])
        phone.goto(f"{base}/#/rta/bus/1?token={drummer}")
        expect(phone).to_have_url(re.compile(r"#/mix/1$"))
        expect(phone.locator(".send-row").first).to_be_visible()
        assert looks(listener) == []


@pytest.mark.parametrize("screen", ["tablet"])
def test_the_eq_cards_rta_shows_the_tone_behind_the_curve_while_on_and_on_screen(screen, listening, serve_app,
                                                                                  open_page):
    from playwright.sync_api import expect

    app, listener, tone = listening
    tone.hz = TONE_HZ
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, KICK)
        eq = page.locator(EQ)
        switch = eq.locator(".rta-switch")
        canvas = f"{EQ} .eq-rta"
        finger = Finger(page)
        try:
            expect(switch).to_have_attribute("aria-label", "RTA behind the curve: Kick at its input")
            expect(switch).to_have_attribute("aria-pressed", "false")
            assert looks(listener) == []
            finger.tap(*center(page, switch))
            wait_until(lambda: looks(listener) == [("ch/1/input", 3)], what="the Kick's input analysed")
            drawn(page, canvas, bands=31, loudest="1 kHz")
            expect(eq.locator(".rta-loudest")).to_contain_text("Loudest: 1 kHz at ")
            expect(eq.locator(".rta-full")).to_have_attribute("href", "#/rta/ch/1/input")
            # Behind the curve, on its axis: the tallest bar stands where the curve's grid says 1 kHz.
            at = page.evaluate("""(selector) => {
                const canvas = document.querySelector(selector);
                const { data, width, height } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
                let top = height, xs = [];
                for (let x = 0; x < width; x++) {
                    let y = 0;
                    while (y < height && data[(y * width + x) * 4 + 3] === 0) y++;
                    if (y < top) { top = y; xs = [x]; } else if (y === top && y < height) xs.push(x);
                }
                const box = canvas.getBoundingClientRect();
                const label = [...document.querySelectorAll('[data-section="eq"] .eq-grid text')]
                    .find((t) => /^1(\\.0)?k$/.test(t.textContent)).getBoundingClientRect();
                return { bar: (xs[0] + xs[xs.length - 1]) / 2 / (canvas.width / box.width),
                         label: label.left + label.width / 2 - box.left, width: box.width };
            }""", canvas)
            assert abs(at["bar"] - at["label"]) < at["width"] / 60, at  # well inside the band (a 31st of the axis)
            measure_and_check(page, base, screen, "the EQ's RTA", EQ, f"{EQ} .rta-readout span, {EQ} .eq-legend",
                              at_least=12)
            center(page, eq.locator(".eq-graph"))
            shot(page, screen, "eq")

            # Off: the mixer stops. On again, then the card scrolled out of sight: it stops; back in sight, again.
            finger.tap(*center(page, switch))
            wait_until(lambda: looks(listener) == [], what="the RTA stopped with its switch")
            expect(page.locator(canvas)).to_be_hidden()
            finger.tap(*center(page, switch))
            wait_until(lambda: looks(listener) == [("ch/1/input", 3)], what="the RTA on again")
            # Up to the strip bank: the editor goes below the fold.
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_function("(s) => document.querySelector(s).getBoundingClientRect().top > innerHeight", arg=EQ)
            wait_until(lambda: looks(listener) == [], what="the RTA stopped with the card out of sight")
            eq.scroll_into_view_if_needed()
            wait_until(lambda: looks(listener) == [("ch/1/input", 3)], what="the RTA back with the card")
            more_frames(page, canvas)
        finally:
            finger.close()


@pytest.mark.parametrize("screen", ["tablet-portrait"])
def test_the_eq_card_and_the_ring_out_card_share_the_one_rta(screen, listening, serve_app, open_page):
    from playwright.sync_api import expect

    app, listener, tone = listening
    tone.hz = TONE_HZ
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, DRUMMER)
        eq, ring = page.locator(EQ), page.locator(".ringout-card")
        eq_canvas, ring_canvas = f"{EQ} .eq-rta", ".ringout-card .rta-canvas"
        finger = Finger(page)
        try:
            expect(eq.locator(".rta-switch")).to_have_attribute("aria-label", "RTA behind the curve: Drummer mix")
            # Both on: one stream of the Drummer's mix, drawn by both.
            finger.tap(*center(page, eq.locator(".rta-switch")))
            finger.tap(*center(page, ring.locator(".rta-switch")))
            wait_until(lambda: looks(listener) == [("bus/1", 3)], what="the Drummer's RTA")
            drawn(page, eq_canvas, loudest="1 kHz")
            drawn(page, ring_canvas, loudest="1 kHz")
            # The bands are one choice: 1/6 on the Ring out card is 1/6 behind the EQ curve too.
            finger.tap(*center(page, ring.locator('.rta-bands [data-per-octave="6"]')))
            wait_until(lambda: looks(listener) == [("bus/1", 6)], what="the RTA at 1/6 octave")
            expect(eq.locator('.rta-bands [data-per-octave="6"]')).to_have_attribute("aria-checked", "true")
            drawn(page, eq_canvas, bands=61, loudest="1.12 kHz")
            drawn(page, ring_canvas, bands=61, loudest="1.12 kHz")
            # The EQ's switched off: the Ring out card still shows it, and the mixer still sends it.
            finger.tap(*center(page, eq.locator(".rta-switch")))
            more_frames(page, ring_canvas)
            assert looks(listener) == [("bus/1", 6)]

            # A look at another point (another view on this connection) takes over; the card says it is paused and
            # its Show here takes it back; the other look, released, stops nothing the card shows.
            page.evaluate("""async () => {
                const { lookAt } = await import("/static/js/rta.js");
                window.__other = { states: [] };
                const look = lookAt(mixerd.conn, "main", { onFrame() {}, onState: (s) => window.__other.states.push(s) });
                window.__other.look = look;
                look.observe(document.querySelector(".editor"));
                look.want(true);
            }""")
            wait_until(lambda: looks(listener) == [("main", 6)], what="the other look's point")
            paused = ring.locator(".rta-loudest")
            expect(paused).to_have_text("Paused: the RTA shows the main elsewhere")
            expect(page.locator(ring_canvas)).to_have_attribute("data-state", "paused")
            finger.tap(*center(page, ring.get_by_role("button", name="Show here")))
            wait_until(lambda: looks(listener) == [("bus/1", 6)], what="the Drummer's RTA back")
            page.wait_for_function("() => window.__other.states.at(-1) === 'paused'")
            more_frames(page, ring_canvas)
            page.evaluate("window.__other.look.release()")
            more_frames(page, ring_canvas)
            assert looks(listener) == [("bus/1", 6)]
            measure_and_check(page, base, screen, "the shared RTA", ".ringout-card", ".ringout-card .rta-readout span",
                              at_least=7)
            center(page, ring.locator(".rta-canvas"))
            shot(page, screen, "shared")

            # Full screen from the card: the view shows the same point; the card's look is gone with the editor.
            finger.tap(*center(page, ring.locator(".rta-full")))
            expect(page).to_have_url(re.compile(r"#/rta/bus/1$"))
            drawn(page, CANVAS, bands=61, loudest="1.12 kHz")
            assert looks(listener) == [("bus/1", 6)]
        finally:
            finger.close()
