"""The engineer's console on a tablet held both ways and on a phone (issue 18), in real Chromium with touch input
(Chromium's own touch events through CDP, as a finger would) against the real engine running offline, on the band's
mixer of tour.py:

- a tap on a strip brings its editor up under the top bar (on a 1024 × 768 tablet it opened below the fold), and
  the main strip stays in sight at the right end of the bank while the channels scroll under it;
- typed values, on each screen: a tap on a read-out opens a small form; the HPF frequency typed as 100 is exactly 100.0 on the
  mixer (not the 99.8 a drag lands on); a value out of the spec's range, or not a value at all, is refused in the
  form with the allowed range and changes nothing; a double tap on a fader's read-out puts its default back; each
  is one undo step (the console's Undo takes exactly it back);
- scenes: a recall asks first, and does not once "Ask before recalling a scene" is off (kept on the device);
- the Groups and Generators tabs: a DCA's fader dragged, a channel assigned, a mute group engaged, a generator
  switched on and its frequency typed change the mixer's values; their controls are 44-px targets, their
  read-outs 14 px, and axe-core finds nothing serious or critical on them.

Each step waits for what it is about (a value on the mixer, an element shown): nothing depends on how fast the
machine is. Screenshots: test-artifacts/screenshots/console-<what>-<screen>.png."""

from __future__ import annotations

import pytest
from support import wait_until
from test_app_a11y import axe_script, check
from test_app_touch import INTERACTIVE, MEASURE, MIN_READOUT, MIN_TARGET, READOUTS
from touch import Finger, center  # (other modules take them from here too)
from tour import LOGIN, SCREENS, SHOTS, TABLET, View, band_app, open_view, sign_in
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

CONSOLE = View("console", "#/console", '.strip[data-address="main"] .strip-fader')
SCENES = View("scenes", "#/console/scenes", ".scene-list .scene")
GROUPS = View("groups", "#/console/groups", '.group-card[data-address="dca/1"] .slider[data-address="dca/1/fader"]')
GENERATORS = View("generators", "#/console/generators", '.gen-card[data-address="gen/1"] .toggle')


def signed_in(open_page, base: str, screen: str, view: View):
    page = open_page(SCREENS[screen])
    open_view(page, base, LOGIN)
    sign_in(page, base)
    open_view(page, base, view)
    return page


def shot(page, screen: str, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"console-{what}-{screen}.png"))


# -- the strip bank and the editor -------------------------------------------------------------------------------

# Where the main strip is: in the screen's width, and the point in the middle of its fader is the main strip's.
MAIN_IN_SIGHT = """() => {
    const strip = document.querySelector('.strip[data-address="main"]');
    const fader = strip.querySelector('.slider[data-address="main/fader"]').getBoundingClientRect();
    const box = strip.getBoundingClientRect();
    const hit = document.elementFromPoint(fader.left + fader.width / 2, fader.top + fader.height / 2);
    return box.left >= 0 && box.right <= document.documentElement.clientWidth + 0.5 && strip.contains(hit);
}"""

# The editor of `prefix` has come to rest right under the top bar (8 px below it, not hidden by it).
EDITOR_UP = """(prefix) => {
    const editor = document.querySelector(`.editor[data-prefix="${prefix}"]`);
    if (!editor) return false;
    const head = editor.querySelector(".editor-head").getBoundingClientRect();
    const bar = document.querySelector(".topbar").getBoundingClientRect();
    return Math.abs(head.top - bar.bottom - 8) < 1.5 && head.bottom <= window.innerHeight;
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_tapped_strip_brings_its_editor_up_and_the_main_strip_stays_in_sight(screen, control, serve_app, open_page):
    app, _ = band_app(control)
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        bank = page.locator(".bank-scroll")
        assert bank.evaluate("b => b.scrollWidth > b.clientWidth")  # the channels scroll on every screen
        for where in ("start", "middle", "end"):
            bank.evaluate(f"""b => {{ b.scrollLeft = {{ start: 0, middle: (b.scrollWidth - b.clientWidth) / 2,
                                                    end: b.scrollWidth }}["{where}"]; }}""")
            assert page.evaluate(MAIN_IN_SIGHT), f"the main strip is not in sight with the bank at its {where}"
        if screen == "tablet":
            # The screen: the bank fills it, the editor below it starts under the fold.
            assert page.evaluate("document.querySelector('.editor-head').getBoundingClientRect().bottom") > TABLET["viewport"]["height"]
        finger = Finger(page)
        try:
            finger.tap(*center(page, page.locator('.strip[data-address="ch/4"] .strip-name')))
            page.wait_for_function(EDITOR_UP, arg="ch/4")
            assert page.locator('.strip[data-address="ch/4"]').get_attribute("class").split().count("selected") == 1
            shot(page, screen, "editor-up")
            # A tap on a strip's HPF opens its input section under the top bar.
            page.evaluate("window.scrollTo(0, 0)")
            finger.tap(*center(page, page.locator('.strip[data-address="ch/2"] .strip-block.hpf')))
            page.wait_for_function("""() => {
                const card = document.querySelector('.editor[data-prefix="ch/2"] .card[data-section="input"]');
                const bar = document.querySelector(".topbar").getBoundingClientRect();
                return card && Math.abs(card.getBoundingClientRect().top - bar.bottom - 8) < 2;
            }""")
        finally:
            finger.close()


# -- typed values and the default ------------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_typed_hpf_frequency_lands_exactly_and_a_bad_one_changes_nothing(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    assert control.get("ch/1/hpf/freq") == 60.0
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        finger = Finger(page)
        try:
            finger.tap(*center(page, page.locator('.strip[data-address="ch/1"] .strip-block.hpf')))
            hpf = page.locator('.editor[data-prefix="ch/1"] .slider[data-address="ch/1/hpf/freq"]')
            readout = hpf.locator(".slider-value")
            expect(readout).to_have_text("60 Hz")
            entry = page.locator(".value-entry")
            field = entry.locator("input")

            finger.tap(*center(page, readout))
            expect(entry).to_be_visible()
            expect(entry).to_have_attribute("role", "dialog")
            expect(field).to_be_focused()
            expect(field).to_have_value("60")
            expect(entry.locator(".value-entry-range")).to_have_text("Allowed: 20 … 400 Hz")
            page.keyboard.type("100")  # the value is selected: typing replaces it
            shot(page, screen, "typed-hpf")
            page.keyboard.press("Enter")
            expect(entry).to_have_count(0)
            wait_until(lambda: control.get("ch/1/hpf/freq") == 100.0, what="the HPF at exactly 100 Hz")
            expect(readout).to_have_text("100 Hz")
            expect(hpf).to_have_attribute("aria-valuenow", "100")

            # Out of the range, then not a value: refused in the form, the range shown, nothing sent.
            finger.tap(*center(page, readout))
            expect(field).to_have_value("100")
            page.keyboard.type("1000")
            page.keyboard.press("Enter")
            expect(entry.locator(".value-entry-error")).to_have_text("1000 Hz is out of range. Type one from 20 … 400 Hz.")
            page.keyboard.type("loud")
            page.keyboard.press("Enter")
            expect(entry.locator(".value-entry-error")).to_have_text("“loud” is not a value. Type one from 20 … 400 Hz.")
            shot(page, screen, "typed-refused")
            page.keyboard.press("Escape")
            expect(entry).to_have_count(0)
            expect(hpf).to_be_focused()
            assert control.get("ch/1/hpf/freq") == 100.0

            # The typed value was one undo step, and the refused ones none: Undo goes straight back to 60 Hz.
            finger.tap(*center(page, page.locator(".undo-redo button", has_text="Undo")))
            wait_until(lambda: control.get("ch/1/hpf/freq") == 60.0, what="the typed value undone")
            expect(readout).to_have_text("60 Hz")
        finally:
            finger.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_double_tap_on_a_read_out_puts_the_default_back(screen, control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    assert control.get("ch/3/fader") == -6.5 and control.tree.spec("ch/3/fader").default == 0.0
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        fader = page.locator('.strip[data-address="ch/3"] .slider[data-address="ch/3/fader"]')
        readout = fader.locator(".slider-value")
        expect(readout).to_have_text("−6.5")
        finger = Finger(page)
        try:
            finger.double_tap(*center(page, readout))
            wait_until(lambda: control.get("ch/3/fader") == 0.0, what="Bass's fader back at its default, 0 dB")
            expect(readout).to_have_text("0.0")
            expect(page.locator(".value-entry")).to_have_count(0)  # the first tap's form went with the second
            # A pan's default is the centre, a send's is closed (−∞): the spec's, whatever the control.
            pan = page.locator('.strip[data-address="ch/6"] .slider[data-address="ch/6/pan"] .slider-value')
            expect(pan).to_have_text("L20")
            finger.double_tap(*center(page, pan))
            wait_until(lambda: control.get("ch/6/pan") == 0.0, what="Vocal's pan in the centre")
            expect(pan).to_have_text("C")
            # Each reset is one undo step.
            finger.tap(*center(page, page.locator(".undo-redo button", has_text="Undo")))
            wait_until(lambda: control.get("ch/6/pan") == -20.0, what="the pan's reset undone")
            assert control.get("ch/3/fader") == 0.0
            finger.tap(*center(page, page.locator(".undo-redo button", has_text="Undo")))
            wait_until(lambda: control.get("ch/3/fader") == -6.5, what="the fader's reset undone")
        finally:
            finger.close()


# -- scenes ---------------------------------------------------------------------------------------------------------

def test_a_recall_asks_first_unless_the_engineer_turned_that_off(control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)  # the scene "Soundcheck" has Snare's fader at 0 dB
    control.set("ch/2/fader", -20.0, "rest")
    with serve_app(app) as base:
        page = signed_in(open_page, base, "tablet", SCENES)
        recall = page.locator(".scene-list .scene", has_text="Soundcheck").get_by_role("button", name="Recall Soundcheck")
        setting = page.get_by_role("switch", name="Ask before recalling a scene")
        dialog = page.locator("dialog.confirm")
        expect(setting).to_have_attribute("aria-checked", "true")  # on by default
        finger = Finger(page)
        try:
            finger.tap(*center(page, recall))
            expect(dialog).to_be_visible()
            expect(dialog.get_by_role("heading")).to_have_text("Recall “Soundcheck”?")
            assert control.get("ch/2/fader") == -20.0  # nothing is sent while it asks
            shot(page, "tablet", "recall-asks")
            finger.tap(*center(page, dialog.get_by_role("button", name="Cancel")))
            expect(dialog).to_have_count(0)
            assert control.get("ch/2/fader") == -20.0

            finger.tap(*center(page, recall))
            finger.tap(*center(page, dialog.get_by_role("button", name="Recall")))
            wait_until(lambda: control.get("ch/2/fader") == 0.0, what="Soundcheck recalled")
            expect(dialog).to_have_count(0)

            # Off: a tap recalls at once. The setting is the device's: it stays off after a reload.
            control.set("ch/2/fader", -20.0, "rest")
            finger.tap(*center(page, setting))
            expect(setting).to_have_attribute("aria-checked", "false")
            finger.tap(*center(page, recall))
            wait_until(lambda: control.get("ch/2/fader") == 0.0, what="Soundcheck recalled without asking")
            expect(dialog).to_have_count(0)
            page.reload()
            expect(page.get_by_role("switch", name="Ask before recalling a scene")).to_have_attribute("aria-checked", "false")
        finally:
            finger.close()


# -- DCAs, mute groups, generators ------------------------------------------------------------------------------

def test_the_group_and_generator_panels_change_the_mixer(control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)
    with serve_app(app) as base:
        page = signed_in(open_page, base, "tablet", GROUPS)
        finger = Finger(page)
        try:
            # A DCA's fader dragged left by a finger: the mixer's DCA level goes down from 0 dB.
            dca = page.locator('.group-card[data-address="dca/1"]')
            thumb = dca.locator(".slider-thumb")
            x, y = center(page, thumb)
            finger.drag(x, y, -80, 0)
            slider = dca.locator(".slider")
            wait_until(lambda: control.get("dca/1/fader") < -3.0, what="DCA 1 pulled down")
            # Once the finger is up, the mixer holds the value the fader shows.
            wait_until(lambda: control.get("dca/1/fader") == float(slider.get_attribute("aria-valuenow")),
                       what="the fader's last value on the mixer")
            # Its members: Kick and Snare assigned from the card.
            finger.tap(*center(page, dca.get_by_role("button", name="Assign channels")))
            finger.tap(*center(page, dca.get_by_role("button", name="Kick in DCA 1")))
            finger.tap(*center(page, dca.get_by_role("button", name="Snare in DCA 1")))
            wait_until(lambda: control.get("ch/1/dca/1") and control.get("ch/2/dca/1"), what="Kick and Snare in DCA 1")
            expect(dca.locator(".members")).to_have_text("Kick · Snare")
            finger.tap(*center(page, dca.get_by_role("button", name="DCA 1 mute")))
            wait_until(lambda: control.get("dca/1/mute") is True, what="DCA 1 muted")
            # A mute group engaged.
            group = page.locator('.group-card[data-address="mutegroup/2"]')
            finger.tap(*center(page, group.get_by_role("button", name="Mute 2 engaged")))
            wait_until(lambda: control.get("mutegroup/2/on") is True, what="mute group 2 engaged")
            shot(page, "tablet", "groups")

            open_view(page, base, GENERATORS)
            gen = page.locator('.gen-card[data-address="gen/1"]')
            finger.tap(*center(page, gen.get_by_role("button", name="Generator 1 on")))
            wait_until(lambda: control.get("gen/1/on") is True, what="generator 1 on")
            expect(gen).to_have_class("card gen-card running")
            # Its frequency typed: exactly 440 Hz.
            freq = gen.locator('.slider[data-address="gen/1/freq"] .slider-value')
            finger.tap(*center(page, freq))
            page.keyboard.type("440")
            page.keyboard.press("Enter")
            wait_until(lambda: control.get("gen/1/freq") == 440.0, what="generator 1 at 440 Hz")
            expect(freq).to_have_text("440 Hz")
            shot(page, "tablet", "generators")
            # Stop all: every generator off in one change.
            finger.tap(*center(page, page.get_by_role("button", name="Stop all (1 on)")))
            wait_until(lambda: control.get("gen/1/on") is False, what="the generators stopped")
        finally:
            finger.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_new_panels_are_for_fingers_and_readable(screen, control, serve_app, open_page):
    """Targets ≥ 44 px, read-outs ≥ 14 px and no serious axe finding on the Groups tab (a DCA's channel list
    open), the Generators tab, a typed-value form and the recall question."""
    app, _ = band_app(control)
    axe = axe_script()
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, GROUPS)
        page.locator('.group-card[data-address="dca/1"]').get_by_role("button", name="Assign channels").click()
        found: dict[str, list[str]] = {}
        small: list[str] = []
        tiny: list[str] = []

        def measure(name: str) -> None:
            targets = page.evaluate(MEASURE, [INTERACTIVE])
            small.extend(f"{name}: {t['what']} {t['width']:.1f}×{t['height']:.1f}" for t in targets
                         if not t["inline"] and min(t["width"], t["height"]) < MIN_TARGET - 0.01)
            tiny.extend(f"{name}: {r['what']} {r['font']:g} px" for r in page.evaluate(MEASURE, [READOUTS + ", .members, .value-entry-range"])
                        if r["font"] < MIN_READOUT)
            found[name] = check(page, base, axe)
            shot(page, screen, f"a11y-{name}")

        measure("groups")
        open_view(page, base, GENERATORS)
        measure("generators")
        page.locator('.gen-card[data-address="gen/1"] .slider[data-address="gen/1/level"] .slider-value').click()
        page.locator(".value-entry input").wait_for()
        measure("typed-value")
        open_view(page, base, SCENES)
        page.get_by_role("button", name="Recall Soundcheck").click()
        page.locator("dialog.confirm").wait_for()
        measure("recall-question")
    assert not small, "controls under 44 px:\n" + "\n".join(small)
    assert not tiny, "read-outs under 14 px:\n" + "\n".join(tiny)
    problems = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert not problems, "\n".join(problems)


# -- the current scene and "Update scene" ----------------------------------------------------------------------------

def test_the_current_scene_shows_when_the_mix_changes_and_update_saves_it(control, serve_app, open_page):
    from playwright.sync_api import expect

    app, _ = band_app(control)  # "Soundcheck": Snare's fader at 0 dB, Bass's at −6.5
    scenes = app.state.scenes
    soundcheck = scenes.scenes()[0]
    control.set("ch/2/fader", -20.0, "rest")
    scenes.start()  # as the daemon does: the scene service follows the mix and announces where it is
    try:
        with serve_app(app) as base:
            page = signed_in(open_page, base, "tablet", SCENES)
            current = page.get_by_role("group", name="Current scene")
            readout = current.locator(".scene-current")
            expect(readout).to_have_text("Soundcheck · changed")  # Snare moved since it was saved
            dialog = page.locator("dialog.confirm")
            finger = Finger(page)
            try:
                finger.tap(*center(page, page.get_by_role("button", name="Recall Soundcheck")))
                finger.tap(*center(page, dialog.get_by_role("button", name="Recall")))
                wait_until(lambda: control.get("ch/2/fader") == 0.0, what="Soundcheck recalled")
                expect(readout).to_have_text("Soundcheck")
                expect(page.locator('.scene-list .scene[aria-current="true"] .scene-name')).to_have_text("Soundcheck")

                open_view(page, base, CONSOLE)  # the mixer: the toolbar shows it there too
                expect(readout).to_have_text("Soundcheck")
                bass = page.locator('.strip[data-address="ch/3"] .slider[data-address="ch/3/fader"] .slider-value')
                finger.double_tap(*center(page, bass))  # Bass's fader to its default, 0 dB
                wait_until(lambda: control.get("ch/3/fader") == 0.0, what="Bass's fader at 0 dB")
                expect(readout).to_have_text("Soundcheck · changed")
                update = current.get_by_role("button", name="Update scene")
                expect(update).to_have_accessible_name("Update scene Soundcheck")
                shot(page, "tablet", "scene-changed")

                finger.tap(*center(page, update))
                expect(dialog.get_by_role("heading")).to_have_text("Save the current mix into “Soundcheck”?")
                shot(page, "tablet", "update-asks")
                finger.tap(*center(page, dialog.get_by_role("button", name="Cancel")))
                expect(dialog).to_have_count(0)
                assert scenes.scene(soundcheck.id).values["ch/3/fader"] == -6.5  # nothing saved
                expect(readout).to_have_text("Soundcheck · changed")

                finger.tap(*center(page, update))
                finger.tap(*center(page, dialog.get_by_role("button", name="Update scene")))
                wait_until(lambda: scenes.scene(soundcheck.id).values["ch/3/fader"] == 0.0,
                           what="Soundcheck holding Bass's new fader")
                expect(dialog).to_have_count(0)
                expect(readout).to_have_text("Soundcheck")  # the mix is at the scene again
                assert scenes.current() == {"id": soundcheck.id, "name": "Soundcheck", "modified": False}
                assert scenes.scene(soundcheck.id).values["ch/2/fader"] == 0.0  # the rest of the mix as it is
            finally:
                finger.close()
    finally:
        scenes.stop()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_current_scene_is_for_fingers_and_readable(screen, control, serve_app, open_page):
    """The toolbar with the current scene (changed) and its question: 44-px targets, a 14-px read-out, no serious
    axe finding (contrast included); on every screen the toolbar keeps it in sight."""
    app, _ = band_app(control)
    control.set("ch/2/fader", -20.0, "rest")  # changed since "Soundcheck"
    axe = axe_script()
    with serve_app(app) as base:
        page = signed_in(open_page, base, screen, CONSOLE)
        current = page.get_by_role("group", name="Current scene")
        current.locator(".scene-current").filter(has_text="Soundcheck · changed").wait_for()
        found: dict[str, list[str]] = {}
        small: list[str] = []
        tiny: list[str] = []

        def measure(name: str, scope: str) -> None:
            targets = page.evaluate(MEASURE, [f"{scope} :is({INTERACTIVE})"])
            assert targets, f"nothing to measure in {scope}"
            small.extend(f"{name}: {t['what']} {t['width']:.1f}×{t['height']:.1f}" for t in targets
                         if min(t["width"], t["height"]) < MIN_TARGET - 0.01)
            tiny.extend(f"{name}: {r['what']} {r['font']:g} px"
                        for r in page.evaluate(MEASURE, [".scene-current, .scene-changed, dialog.confirm p"])
                        if r["font"] < MIN_READOUT)
            found[name] = check(page, base, axe)
            shot(page, screen, f"a11y-{name}")

        measure("current-scene", ".current-scene")
        # Its name holds what it shows ("Update scene", or only its icon where the toolbar is one line).
        update = current.get_by_role("button", name="Update scene")
        visible = update.evaluate("b => b.innerText.trim()")
        assert visible in ("Update scene", "") and update.get_attribute("aria-label") == "Update scene Soundcheck"
        # In sight: the button is whole inside the screen and nothing covers its middle.
        assert page.evaluate("""() => {
            const b = document.querySelector('.current-scene .btn').getBoundingClientRect();
            const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
            return b.left >= 0 && b.right <= document.documentElement.clientWidth + 0.5
                && !!hit.closest('.current-scene');
        }""")
        current.get_by_role("button", name="Update scene").click()
        page.locator("dialog.confirm").wait_for()
        measure("update-question", "dialog.confirm")
    assert not small, "controls under 44 px:\n" + "\n".join(small)
    assert not tiny, "read-outs under 14 px:\n" + "\n".join(tiny)
    problems = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert not problems, "\n".join(problems)
