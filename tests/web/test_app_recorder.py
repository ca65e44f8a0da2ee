"""The Recorder view (issue 19) in real Chromium on a tablet and a phone, against the real engine running offline and
real files: the engineer picks what to record, names the take, taps Record, sets a marker, taps Stop; the take is
listed, renamed, downloaded as a zip and deleted (after a question). Its controls are 44-px targets, its read-outs
14 px, axe-core finds nothing serious or critical; a mix link cannot open it. Each step waits for what it is about.
Screenshots: test-artifacts/screenshots/recorder-<what>-<screen>.png."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from support import RATE, wait_until
from test_app_a11y import axe_script, check
from test_app_touch import INTERACTIVE, MEASURE, MIN_READOUT, MIN_TARGET
from tour import LOGIN, SCREENS, SHOTS, View, band_app, open_view, sign_in
from tour import band_control, band_layout  # noqa: F401  (the band's mixer, with its database)

pytestmark = pytest.mark.browser

RECORDER = View("recorder", "#/recorder", ".rec-button")


def recorder_app(control, recorder, player):
    from mixerd.control.scenes import SceneService
    from mixerd.web import create_app

    _, auth = band_app(control)  # the band's mixer, access control on
    return create_app(control, scenes=SceneService(control), auth=auth, recorder=recorder, player=player), auth


@pytest.mark.parametrize("screen", ["tablet", "phone"])
def test_the_engineer_records_a_take_and_takes_it_home(screen, control, engine, recorder, player, serve_app,
                                                       open_page):
    from playwright.sync_api import expect

    app, auth = recorder_app(control, recorder, player)
    with serve_app(app) as base:
        page = open_page(SCREENS[screen])
        open_view(page, base, LOGIN)
        sign_in(page, base)
        page.locator('.nav-item[href="#/recorder"]').click()
        open_view(page, base, RECORDER)
        expect(page.locator(".rec-facts")).to_contain_text("room for")
        # Every channel and the main are ticked; the mixes are not. The keyboard player sits this one out.
        boxes = page.locator(".rec-sources input[type=checkbox]")
        ticked = boxes.evaluate_all("bs => bs.filter((b) => b.checked).map((b) => b.value)")
        assert ticked == [f"ch/{n}" for n in range(1, 7)] + ["main"]
        page.get_by_label("Keys").uncheck()
        page.get_by_role("radio", name="Raw input").click()
        page.get_by_label("Take name").fill("Soundcheck")
        page.locator(".rec-button").click()
        expect(page.locator(".rec-button")).to_have_attribute("aria-pressed", "true")
        status = recorder.status()
        assert status["recording"] and status["name"] == "Soundcheck"
        assert status["sources"] == ["ch/1", "ch/2", "ch/3", "ch/4", "ch/6", "main"]
        x = np.random.default_rng(1).uniform(-0.3, 0.3, (engine.layout.n_inputs, RATE)).astype(np.float32)
        engine.core.process(x)  # a second of the band, through the core as JACK would run it
        expect(page.locator(".rec-clock")).to_have_text("0:01")  # the view follows the take while it runs
        page.get_by_label("Marker name").fill("verse 2")
        page.locator(".rec-markers button[type=submit]").click()
        wait_until(lambda: recorder.takes.get(status["take"])["markers"], what="the marker on the take")
        engine.core.process(x[:, :RATE // 2])  # half a second more after the marker
        measured = measure(page, base, screen, "recording")
        page.locator(".rec-button").click()
        expect(page.locator(".rec-button")).to_have_attribute("aria-pressed", "false")

        take = page.locator(".take").first
        expect(take.locator(".take-name")).to_have_text("Soundcheck")
        expect(take.locator(".take-meta")).to_contain_text("0:01 · 6 files")  # 1.5 s
        expect(take.locator(".take-meta")).to_contain_text("1 marker")
        zipped = page.request.get(take.get_by_role("link", name="Download Soundcheck").get_attribute("href"))
        assert zipped.status == 200
        names = zipfile.ZipFile(io.BytesIO(zipped.body())).namelist()
        assert sorted(n.split("/")[1] for n in names) == ["01 Kick.wav", "02 Snare.wav", "03 Bass.wav",
                                                         "04 Guitar.wav", "05 Vocal.wav", "06 Main.wav",
                                                         "changes.jsonl", "take.json"]
        measured += measure(page, base, screen, "takes")

        # Virtual soundcheck: the take back through its channels, then from the marker, looped to the take's end.
        take.get_by_role("button", name="Play Soundcheck back from the start").click()
        expect(page.locator(".player-bar")).to_be_visible()
        expect(page.locator(".player-bar")).to_contain_text("into 5 channels")
        assert player.status()["playing"] and player.status()["channels"] == ["ch/1", "ch/2", "ch/3", "ch/4", "ch/6"]
        take.get_by_role("checkbox", name="Loop to the next marker").check()
        take.get_by_role("button", name="Play Soundcheck from verse 2").click()
        expect(page.locator(".player-bar")).to_contain_text("looping 0:01–0:01")
        assert player.status()["loop"] == [1.0, 1.5]
        measured += measure(page, base, screen, "playing")
        page.get_by_role("button", name="Stop playback").click()
        expect(page.locator(".player-bar")).to_be_hidden()
        assert player.status()["playing"] is False
        # Played back from elsewhere (an automation, another tablet): the view shows it as it happens.
        player.play(status["take"])
        expect(page.locator(".player-bar")).to_be_visible()
        player.stop()
        expect(page.locator(".player-bar")).to_be_hidden()

        take.get_by_role("button", name="Rename Soundcheck").click()
        page.get_by_label("New name").fill("Soundcheck, Friday")
        page.get_by_role("button", name="Rename", exact=True).click()
        expect(page.locator(".take .take-name").first).to_have_text("Soundcheck, Friday")
        page.get_by_role("button", name="Delete Soundcheck, Friday").click()
        page.locator("dialog.confirm").get_by_role("button", name="Delete").click()
        expect(page.locator(".take-list .empty")).to_be_visible()
        assert recorder.takes.list() == []
        assert measured == [], "\n".join(measured)

        # A musician's link does not reach the recorder: it leads back to their own mix.
        _, token = auth.create_link("mix", 2, "Bass player's phone")
        musician = open_page(SCREENS[screen])
        musician.goto(f"{base}/#/mix/2?token={token}")
        expect(musician).to_have_url(f"{base}/#/mix/2")
        musician.goto(f"{base}/#/recorder")
        expect(musician).to_have_url(f"{base}/#/mix/2")


def measure(page, base: str, screen: str, what: str) -> list[str]:
    """What is too small to touch or to read on the recorder view, and axe-core's serious findings; a screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"recorder-{what}-{screen}.png"), full_page=True)
    scope = ".recorder-page"
    small = [f"{what}: {t['what']} {t['width']:.1f}×{t['height']:.1f}"
             for t in page.evaluate(MEASURE, [f"{scope} :is({INTERACTIVE})"])
             if not t["inline"] and min(t["width"], t["height"]) < MIN_TARGET - 0.01]
    tiny = [f"{what}: {r['what']} {r['font']:g} px"
            for r in page.evaluate(MEASURE, [f"{scope} :is(.rec-facts, .take-meta, .check span, .take-files)"])
            if r["font"] < MIN_READOUT]
    return small + tiny + [f"{what}: axe: {line}" for line in check(page, base, axe_script())]
