"""Touch and legibility in real Chromium with touch input, on a phone and on a tablet held both ways (issue 18).

- Every control a finger uses — buttons, links, toggles, tabs, fields, sliders and faders (a drag starts
  anywhere on one), EQ handles — is at least 44 × 44 CSS px on every view (the tour of tour.py), measured as the
  browser lays it out (its bounding box). The only exception is a link inside a sentence (WCAG 2.5.8's inline
  exception).
- Read-outs (values a musician or the engineer reads: fader and slider values, trim, pan, HPF frequency, gain
  reduction, levels and states on the signal flow, the EQ legend, scene and link facts) are at least 14 px.
- A stereo send's pan in My mix spans the row: most of the row's width is travel from L100 to R100.
- Over the EQ graph a vertical swipe scrolls the page, while a finger on a handle drags the band and the page
  stays put; a tap near the edge of a handle's 44-px hit area still takes it.

Touches are real: Chromium's touch events through its input pipeline (CDP Input.dispatchTouchEvent, as a
finger would: touch.py), so touch-action, scrolling and pointer capture are the browser's own. (test_app_a11y.py keeps a
screenshot of each view of the tour.)"""

from __future__ import annotations

import pytest
from support import wait_until
from touch import Finger
from tour import ADMIN_VIEWS, LOGIN, SCREENS, View, band_app, open_view, sign_in, tour
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

MIN_TARGET = 44
MIN_READOUT = 14

#: What a finger can use. A slider or fader is the whole element (a drag starts anywhere on it).
INTERACTIVE = ('a[href], button, input:not([type="hidden"]), select, textarea, [role="slider"], [role="tab"], '
               '[role="radio"], [role="button"], [tabindex]:not([tabindex="-1"]), .eq-handle')
#: Values people read off the screen.
READOUTS = ('.slider-value, .send-value, .strip-trim, .strip-lufs, .strip-block.hpf span, .gr-figure, .stage-figure, '
            '.stage-state, .flow-sends a, .eq-legend, .health-facts, .scene-meta, .scene-current, .history-change')

# Every visible element of `selector` (display, visibility, size; scrolled away still counts): what it is, its
# box and font size. Inline links in running text are marked: WCAG's one exception to the target size.
MEASURE = """([selector]) => [...document.querySelectorAll(selector)].filter((e) => {
    const style = getComputedStyle(e);
    return e.getClientRects().length && style.visibility !== "hidden";
  }).map((e) => {
    const r = e.getBoundingClientRect();
    const cls = (e.getAttribute("class") || "").trim().split(/\\s+/).filter(Boolean).join(".");
    const name = e.getAttribute("aria-label") || e.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
    return { what: `${e.tagName.toLowerCase()}${cls ? "." + cls : ""} "${name}"`, width: r.width, height: r.height,
             font: parseFloat(getComputedStyle(e).fontSize), inline: e.tagName === "A" && !!e.closest("p") };
  })"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_control_is_a_44_px_target_and_every_readout_14_px(screen, control, serve_app, open_page):
    app, auth = band_app(control)
    small, tiny, counted = [], [], 0
    with serve_app(app) as base:
        for view, page in tour(open_page, screen, base, auth):
            targets = page.evaluate(MEASURE, [INTERACTIVE])
            assert len(targets) >= 3, f"{view.name}: nothing to measure"
            counted += len(targets)
            small += [f"{view.name}: {t['what']} {t['width']:.1f}×{t['height']:.1f}" for t in targets
                      if not t["inline"] and min(t["width"], t["height"]) < MIN_TARGET - 0.01]
            tiny += [f"{view.name}: {r['what']} {r['font']:g} px" for r in page.evaluate(MEASURE, [READOUTS])
                     if r["font"] < MIN_READOUT]
    assert counted > 500  # the tour saw the controls it is about
    assert not small, f"{len(small)} of {counted} controls under {MIN_TARGET} px:\n" + "\n".join(small)
    assert not tiny, "read-outs under 14 px:\n" + "\n".join(tiny)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_stereo_send_pan_spans_the_row(screen, control, serve_app, open_page):
    app, _ = band_app(control)
    with serve_app(app) as base:
        page = open_page(SCREENS[screen])
        open_view(page, base, LOGIN)
        sign_in(page, base)
        open_view(page, base, View("mymix", "#/mix/2", '.send-row[data-ch="6"] .send-pan'))
        sizes = page.evaluate("""() => {
            const row = document.querySelector('.send-row[data-ch="6"]');
            const pan = row.querySelector(".slider.send-pan");
            const track = pan.querySelector(".slider-track").getBoundingClientRect();
            const thumb = pan.querySelector(".slider-thumb").getBoundingClientRect();
            return { row: row.clientWidth, travel: track.width - thumb.width };
        }""")
    assert sizes["travel"] >= 0.6 * sizes["row"], sizes  # L100…R100 over most of the row


# A point on the EQ graph, in the viewport, that no handle covers: the middle of the graph's left half, searched
# on a grid (a handle is a 44-px circle, a band sits anywhere).
FREE_POINT = """() => {
    const graph = document.querySelector('.editor .card[data-section="eq"] .eq-graph').getBoundingClientRect();
    for (const fy of [0.5, 0.3, 0.7, 0.2, 0.8]) {
      for (const fx of [0.25, 0.15, 0.35, 0.6, 0.75, 0.9]) {
        const x = graph.left + graph.width * fx, y = graph.top + graph.height * fy;
        const hit = document.elementFromPoint(x, y);
        if (hit && hit.closest(".eq-graph") && !hit.closest(".eq-handle")) return { x, y };
      }
    }
    return null;
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_swipe_over_the_eq_scrolls_the_page_and_a_handle_drags_its_band(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    with serve_app(app) as base:
        page = open_page(SCREENS[screen])
        open_view(page, base, LOGIN)
        sign_in(page, base)
        open_view(page, base, ADMIN_VIEWS[1])  # the console with Kick's editor
        eq = page.locator('.editor .card[data-section="eq"]')
        graph = eq.locator(".eq-graph")

        def graph_near_the_top():  # the graph in the upper part of the screen, with page below it to scroll to
            graph.evaluate("g => window.scrollTo(0, window.scrollY + g.getBoundingClientRect().top - 120)")
            assert abs(graph.bounding_box()["y"] - 120) < 2
            assert page.evaluate("document.documentElement.scrollHeight - window.innerHeight - window.scrollY") > 150

        graph_near_the_top()
        finger = Finger(page)
        try:
            # The hit area, not the dot: a tap 18 px left of band 3's centre (the dot is 10 px across that way)
            # selects band 3.
            box = graph.locator('.eq-handle[data-band="3"]').bounding_box()
            finger.tap(box["x"] + box["width"] / 2 - 18, box["y"] + box["height"] / 2)
            expect(eq.locator(".band-tab").nth(2)).to_have_attribute("aria-selected", "true")
            expect(graph.locator('.eq-handle[data-band="3"]')).to_have_class("eq-handle selected")

            # A swipe up that starts on the graph, not on a handle: the page scrolls, no band moves.
            before = {a: control.get(a) for a in _band_addresses()}
            point = page.evaluate(FREE_POINT)
            assert point, "no free spot on the EQ graph"
            top = page.evaluate("window.scrollY")
            page.evaluate("""() => { window.__scrolling = "";
                document.addEventListener("scroll", () => { window.__scrolling = "moving"; });
                document.addEventListener("scrollend", () => { window.__scrolling = "at rest"; }); }""")
            finger.drag(point["x"], point["y"], 0, -120)
            # Scrolled, and come to rest (a fling may carry on after the finger lifted).
            page.wait_for_function(f"() => window.scrollY > {top} + 40 && window.__scrolling === 'at rest'")
            assert {a: control.get(a) for a in _band_addresses()} == before

            # A finger on band 2's handle drags it up (gain) and a little right (frequency); the page stays put.
            graph_near_the_top()
            handle = graph.locator('.eq-handle[data-band="2"]')
            box = handle.bounding_box()
            assert min(box["width"], box["height"]) >= MIN_TARGET - 0.01, box
            gain, freq = control.get("ch/1/eq/2/gain"), control.get("ch/1/eq/2/freq")
            top = page.evaluate("window.scrollY")
            finger.drag(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, 30, -30)
            wait_until(lambda: control.get("ch/1/eq/2/gain") > gain + 1 and control.get("ch/1/eq/2/freq") > freq,
                       what="band 2 dragged up and right")
            assert page.evaluate("window.scrollY") == top
        finally:
            finger.close()


def _band_addresses():
    return [f"ch/1/eq/{b}/{leaf}" for b in range(1, 5) for leaf in ("freq", "gain")]
