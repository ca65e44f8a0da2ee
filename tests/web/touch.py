"""A finger on a touch screen for the web app's browser tests: Chromium's own touch events through its input pipeline
(CDP Input.dispatchTouchEvent, as a finger would), so touch-action, scrolling, pointer capture and the click a tap
makes are the browser's own. Every event carries its time (the page sees a double tap as two taps 120 ms apart, a
drag as moves a frame apart, however late the events arrive on a busy machine), and the finger counts its taps.

``center`` brings an element into view the way a test may (scrollIntoView); ``swipe_into_view`` does it the way a
person does, swiping the page with the finger until the element is whole on the screen."""

from __future__ import annotations

import time


class Finger:
    """One finger on ``page``'s touch screen. ``taps``: how many taps it made (a double tap is two)."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.taps = 0

    def _send(self, kind: str, points: list[dict], at: float | None) -> None:
        event = {"type": kind, "touchPoints": points}
        if at is not None:
            event["timestamp"] = at
        self.cdp.send("Input.dispatchTouchEvent", event)

    def tap(self, x: float, y: float, at: float | None = None) -> None:
        self._send("touchStart", [{"x": x, "y": y}], at)
        self._send("touchEnd", [], None if at is None else at + 0.04)
        self.taps += 1

    def double_tap(self, x: float, y: float) -> None:
        at = time.time()
        self.tap(x, y, at)
        self.tap(x, y, at + 0.12)

    def drag(self, x: float, y: float, dx: float, dy: float, steps: int = 12) -> None:
        """Down at (x, y), moved by (dx, dy) in even steps a frame apart, held still, lifted: a finger that stops
        before it lets go (no fling, which would carry a scroll on and swallow the next tap)."""
        self.path([(x, y), (x + dx, y + dy)], steps=steps)

    def path(self, points: list[tuple[float, float]], steps: int = 12) -> None:
        """Down at the first point, through each next one in ``steps`` even moves a frame apart, held still at
        the last, lifted: one gesture (a drag straight up, then up and to the right, is one drag)."""
        at = time.time() - 1.0
        (x, y), moves = points[0], 0
        self._send("touchStart", [{"x": x, "y": y}], at)
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for i in range(1, steps + 1):
                moves += 1
                self._send("touchMove", [{"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}],
                           at + 0.016 * moves)
        x, y = points[-1]
        self._send("touchMove", [{"x": x, "y": y}], at + 0.016 * moves + 0.2)
        self._send("touchEnd", [], at + 0.016 * moves + 0.25)

    def close(self) -> None:
        self.cdp.detach()


def middle(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def center(page, locator) -> tuple[float, float]:
    """Brings ``locator`` to the middle of the screen and gives the point a finger would touch: its centre,
    once that point is the element itself (not the top bar, not a strip pinned over it)."""
    locator.evaluate("e => e.scrollIntoView({ block: 'center', inline: 'center' })")
    x, y = middle(locator)
    page.wait_for_function("([e, x, y]) => e.contains(document.elementFromPoint(x, y))",
                           arg=[locator.element_handle(), x, y])
    return x, y


# The element is whole on the screen, below the top bar, and its middle is the element itself (nothing over it).
IN_SIGHT = """(e) => {
    const r = e.getBoundingClientRect();
    const bar = document.querySelector(".topbar");
    const top = bar ? bar.getBoundingClientRect().bottom : 0;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.top >= top && r.bottom <= window.innerHeight && r.left >= 0
        && r.right <= document.documentElement.clientWidth && e.contains(hit);
}"""

# A spot on one of the screen's ``rows`` (fractions of its height) that a swipe may start on without taking a
# control: no slider, button, link, field, EQ graph or strip bank under it.
FREE_SPOT = """(rows) => {
    const controls = 'button, a[href], input, select, textarea, [role="slider"], [role="button"], .eq-graph, '
        + '.bank-scroll';
    for (const fy of rows) {
      for (const fx of [0.5, 0.3, 0.7, 0.1, 0.9, 0.04]) {
        const x = document.documentElement.clientWidth * fx, y = window.innerHeight * fy;
        const hit = document.elementFromPoint(x, y);
        if (hit && !hit.closest(controls)) return { x, y };
      }
    }
    return null;
}"""


def swipe_into_view(page, finger: Finger, locator, max_swipes: int = 12) -> int:
    """Swipes the page with ``finger`` (each swipe starting where no control is, and coming to rest) until
    ``locator`` is whole on the screen, as a person scrolls to it. Returns how many swipes it took (0: it was)."""
    for swipes in range(max_swipes + 1):
        # The locator is found again each time: a list that is redrawn meanwhile has the element anew.
        if locator.evaluate(IN_SIGHT):
            return swipes
        height = page.evaluate("window.innerHeight")
        # As far as brings the element to the middle of the screen, a third of the screen at most; a swipe up
        # (the page moves up) starts low on the screen, a swipe down high.
        offset = locator.evaluate("(e) => e.getBoundingClientRect().top") - height / 2
        distance = max(60.0, min(abs(offset), height / 3))
        up = offset > 0
        spot = page.evaluate(FREE_SPOT, [0.75, 0.65, 0.85, 0.55] if up else [0.3, 0.4, 0.25, 0.45])
        assert spot, "no spot on the screen to swipe from"
        page.evaluate("""() => { window.__swiped = false;
            document.addEventListener("scrollend", () => { window.__swiped = true; }, { once: true }); }""")
        finger.drag(spot["x"], spot["y"], 0, -distance if up else distance)
        page.wait_for_function("() => window.__swiped")  # scrolled, and at rest
    raise AssertionError(f"{max_swipes} swipes did not bring {locator} into view")
