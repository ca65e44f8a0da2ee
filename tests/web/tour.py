"""A tour of the web app for the touch and accessibility tests (test_app_touch.py, test_app_a11y.py): a band's
mixer (six channels, two monitor mixes — one a stereo in-ear mix —, a reverb and a drum group) with access
control on, the three touch screens of issue 18, and every view a musician or the engineer opens: login, the
console with a channel's, a mix's and the main's editor, My mix (the engineer's, and a mix link's: its first-use
"★ This is me" step, then the mix, then the mix with "The engineer changed your mix … Keep mine" on it), the signal
flow of a channel, of a muted one, of a mix and of the main, scenes, history and links, and a read-only link's console
and mix. The mixer is in the states that change how things look: a soloed and a muted channel, an undone step, a
revoked link.

Each view is opened by its address like a person following a link, and counts as shown when what a person
would look at is there (``ready``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from mixerd.control.access import Auth
from mixerd.model import BusLayout, Layout

PASSWORD = "touch-and-read-2024"

# Issue 18's screens: a phone and a tablet held both ways, with touch input (Chromium's own touch events).
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": False, "has_touch": True}
TABLET_PORTRAIT = {"viewport": {"width": 820, "height": 1180}, "is_mobile": False, "has_touch": True}
SCREENS = {"phone": PHONE, "tablet": TABLET, "tablet-portrait": TABLET_PORTRAIT}

LAYOUT = Layout(inputs=("Kick", "Snare", "Bass", "Guitar", "Keys", "Vocal"),
                buses=(BusLayout("Drummer"), BusLayout("Bass IEM", stereo=True), BusLayout("Reverb", kind="fx"),
                       BusLayout("Drums", stereo=True, kind="group")),
                generators=2)

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass(frozen=True)
class View:
    name: str
    hash: str
    ready: str  # a selector that is visible once the view shows what it is for


# The views as the engineer (signed in) sees them.
ADMIN_VIEWS = (
    View("console", "#/console", '.strip[data-address="main"] .strip-fader'),
    View("editor-channel", "#/console/ch/1", '.editor .card[data-section="eq"] .eq-handle'),
    View("editor-mix", "#/console/bus/2", '.editor .card[data-section="output"]'),
    View("editor-main", "#/console/main", '.editor .card[data-section="solo"]'),
    View("mymix", "#/mix/2", '.send-row[data-ch="6"] .send-pan'),
    View("flow", "#/flow/ch/1", '.stage[data-stage="sends"] .flow-sends li'),
    View("flow-problem", "#/flow/ch/2", ".stage.first-problem"),
    View("flow-mix", "#/flow/bus/2", ".flow .stage"),
    View("flow-main", "#/flow/main", ".flow .stage"),
    View("scenes", "#/console/scenes", ".scene-list .scene"),
    View("history", "#/console/history", ".history-list .history-entry"),
    View("links", "#/links", ".link-list .link"),
)
LOGIN = View("login", "#/login", ".login-form #password")
# A musician's phone with the link the engineer handed out: their own mix as first opened (the "★ This is me" step
# on top), then once that step is skipped. (A mix link reaches no other view: another mix's address leads back.)
# Last, the engineer changes that mix: the musician's phone says who and what, with "Keep mine".
MIX_LINK_VIEWS = (
    View("mix-link-first-use", "#/mix/2", ".me-step .me-pick"),
    View("mix-link", "#/mix/2", '.send-row[data-ch="6"] .send-pan'),
    View("mix-link-changed", "#/mix/2", ".others-notice .others-keep"),
)
# A read-only link (the engineer hands one to the front-of-house helper): the console and a mix, view only.
VIEWER_VIEWS = (
    View("viewer", "#/view", '.strip[data-address="main"] .strip-fader'),
    View("viewer-mix", "#/view/mix/2", '.send-row[data-ch="6"] .send-pan'),
)
#: The engineer's change the mix link's phone is shown (MIX_LINK_VIEWS' last): Vocal's send to Bass IEM, −6 → −12.
ENGINEERS_CHANGE = {"ch/6/send/2/level": -12.0}


@pytest.fixture(name="layout")
def band_layout():
    """The band's mixer (LAYOUT) for a module that tours it: ``from tour import band_control, band_layout``."""
    return LAYOUT


@pytest.fixture(name="control")
def band_control(stored_control):
    """The control core with its database: scenes, history, links and takes need it."""
    return stored_control


def band_app(control):
    """What a band's evening leaves in ``control`` (its store): colours, a channel with EQ and a compressor, sends,
    a muted channel, a scene with a safe mix, history; access control with the admin password set and a mix link
    handed out. Returns the web app on it and its access control."""
    from mixerd.control.scenes import SceneService
    from mixerd.web import create_app

    colors = ["#ef4444", "#f97316", "#eab308", "#22c55e", "#06b6d4", "#a855f7"]
    changes = {f"ch/{n}/color": c for n, c in enumerate(colors, 1)}
    changes.update({"ch/1/hpf/on": True, "ch/1/hpf/freq": 60.0, "ch/1/eq/1/gain": 4.0, "ch/1/eq/2/gain": -5.0,
                    "ch/1/eq/3/gain": 3.0, "ch/1/dyn/on": True, "ch/6/pan": -20.0, "ch/2/mute": True,
                    "ch/1/send/1/level": -3.0, "ch/6/send/2/level": -6.0, "ch/6/send/2/pan": 30.0,
                    "ch/6/send/2/me": True, "ch/1/send/4/on": True, "ch/2/send/4/on": True})
    control.set_many(changes, "rest")
    control.set("ch/3/fader", -6.5, "rest")
    control.set("ch/4/fader", -3.0, "rest")
    control.undo()  # an undone step in the history
    control.set("ch/5/solo", True, "rest")  # the console's solo light on
    scenes = SceneService(control)
    scenes.save_scene("Soundcheck")
    scenes.set_safes(["ch/*/send/1/*", "bus/1/**"])
    auth = Auth(control.store)
    auth.setup(PASSWORD)
    auth.create_link("mix", 2, "Bass player")
    old_phone, _ = auth.create_link("viewer", None, "Old phone")
    auth.revoke(old_phone["id"])
    return create_app(control, scenes=scenes, auth=auth), auth


def tour(open_page, screen: str, base: str, auth: Auth):
    """Every view in turn, each as it is shown (``open_view``): the login, the engineer's views once signed in, then
    a mix link's on a phone of its own (last with the engineer's change on it), then a read-only link's. Yields
    (view, the page showing it)."""
    from playwright.sync_api import expect

    page = open_page(SCREENS[screen])
    open_view(page, base, LOGIN)
    yield LOGIN, page
    sign_in(page, base)
    for view in ADMIN_VIEWS:
        open_view(page, base, view)
        yield view, page
    engineer = page
    musician = open_page(SCREENS[screen])
    _, token = auth.create_link("mix", 2, "Bass player's phone")
    musician.goto(f"{base}/#/mix/2?token={token}")  # the link: it keeps its token and opens the mix
    first_use, mix, changed = MIX_LINK_VIEWS
    open_view(musician, base, first_use)
    yield first_use, musician
    skip_first_use(musician)
    open_view(musician, base, mix)
    yield mix, musician
    # The engineer, still signed in on their own device, pulls Vocal down in the bass player's mix.
    engineer.evaluate("(changes) => window.mixerd.conn.write(changes, { drag: false })", ENGINEERS_CHANGE)
    notice = musician.locator(".others-notice")
    expect(notice.locator(".others-text")).to_have_text("The engineer changed your mix:")
    expect(notice.locator(".others-lines li")).to_have_text(["Vocal −6.0 → −12.0"])
    expect(musician.locator(changed.ready)).to_be_visible()
    musician.evaluate("document.fonts.ready.then(() => new Promise(requestAnimationFrame))")
    yield changed, musician
    viewer = open_page(SCREENS[screen])
    _, token = auth.create_link("viewer", None, "Front of house")
    viewer.goto(f"{base}/#/view?token={token}")
    for view in VIEWER_VIEWS:
        open_view(viewer, base, view)
        expect(viewer.locator(".nav-who")).to_have_text("View only")
        yield view, viewer


def open_view(page, base: str, view: View) -> None:
    """Goes to ``view`` and waits until it shows what it is for (and for the fonts: sizes are measured)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/{view.hash}")
    expect(page).to_have_url(re.compile(re.escape(view.hash) + "$"))
    expect(page.locator(view.ready).first).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => new Promise(requestAnimationFrame))")


def skip_first_use(page) -> None:
    """The musician skips "★ This is me" (shown on the first visit of a mix link): it goes and stays away."""
    from playwright.sync_api import expect

    page.locator(".me-step .me-skip").click()
    expect(page.locator(".me-step")).to_be_hidden()


def sign_in(page, base: str) -> None:
    """The engineer signs in through the login form."""
    from playwright.sync_api import expect

    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"#/console$"))
    expect(page.locator(".strip.channel .strip-name").first).to_be_visible()


def shot(page, screen: str, view: View, what: str) -> Path:
    """A screenshot of the whole page as a test artifact: test-artifacts/screenshots/<what>-<view>-<screen>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{what}-{view.name}-{screen}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
