"""The Recorder view (issue 19) in real Chromium on a tablet and a phone, against the real engine running offline and
real files: the engineer picks what to record, names the take, taps Record, sets a marker, taps Stop; the take is
listed, played back with the singer live and then the kick live too (the channels measured), marked while it plays,
looped between its two markers, renamed, downloaded as a zip and deleted (after a question). Its controls are 44-px
targets, its read-outs 14 px, axe-core finds nothing serious or critical; a mix link cannot open it. Each step waits
for what it is about. Screenshots: test-artifacts/screenshots/recorder-<what>-<screen>.png."""

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

from mixerd import _core

pytestmark = pytest.mark.browser

RECORDER = View("recorder", "#/recorder", ".rec-button")


def recorder_app(control, recorder, player):
    from mixerd.control.scenes import SceneService
    from mixerd.web import create_app

    _, auth = band_app(control)  # the band's mixer, access control on
    recorder.player = player  # as the daemon wires them: a marker with no take recorded goes to the one played
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
        expect(page.locator(".take").first.locator(".take-meta")).to_contain_text("1 marker · recording")  # at once
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

        # Virtual soundcheck, the singer live: chosen in the take's row before it plays.
        take.locator(".take-channels summary").click()
        take.get_by_role("radiogroup", name="Vocal").get_by_role("radio", name="Live").click()
        expect(take.locator(".take-channels summary")).to_have_text("Channels: 4 of 5 from the take, 1 live")
        take.get_by_role("button", name="Play Soundcheck back from the start").click()
        bar = page.locator(".player-bar")
        expect(bar).to_be_visible()
        expect(bar).to_contain_text("into 4 of 5 channels")
        assert player.status()["playing"] and player.status()["channels"] == ["ch/1", "ch/2", "ch/3", "ch/4"]
        # The kick live too, from the player bar, while it plays: heard at once.
        kick = bar.get_by_role("radiogroup", name="Kick")
        expect(kick.get_by_role("radio", name="Take")).to_have_attribute("aria-checked", "true")
        kick.get_by_role("radio", name="Live").click()
        expect(kick.get_by_role("radio", name="Live")).to_have_attribute("aria-checked", "true")
        assert player.status()["channels"] == ["ch/2", "ch/3", "ch/4"]
        got = strips_hear(engine, live := band(engine))
        np.testing.assert_allclose(got[0, 1024:], live[0, 1024:], atol=1e-6)  # the kick: the band, after the fade
        np.testing.assert_allclose(got[5], live[5], atol=1e-6)  # the singer: the band all along
        assert np.ptp(got[1, 1024:]) > 0.2 and not np.allclose(got[1], live[1])  # the snare: the take
        # A marker while it plays: where it is heard (0.1 s in, then located to verse 2 and 0.2 s on).
        take.get_by_role("button", name="Play Soundcheck from verse 2").click()  # the kick and the singer stay live
        wait_until(lambda: player.status()["position"] == 1.0, what="the take located to verse 2")
        assert player.status()["channels"] == ["ch/2", "ch/3", "ch/4"]
        engine.core.process(np.zeros((engine.layout.n_inputs, RATE // 5), np.float32))
        page.get_by_label("Marker name").fill("chorus")
        bar.get_by_role("button", name="Marker").click()
        wait_until(lambda: len(recorder.takes.get(status["take"])["markers"]) == 2, what="the marker set while playing")
        assert recorder.takes.get(status["take"])["markers"][1] == {"position": RATE + RATE // 5, "name": "chorus"}
        expect(take.locator(".take-meta")).to_contain_text("2 markers")
        expect(take.get_by_role("button", name="Play Soundcheck from chorus")).to_be_visible()
        # Loop A–B: from verse 2 to the next marker, chorus, over and over.
        take.get_by_role("checkbox", name="Loop to the next marker").check()
        take.get_by_role("button", name="Play Soundcheck from verse 2").click()
        expect(bar).to_contain_text("looping 0:01–0:01")
        assert player.status()["loop"] == [1.0, 1.2] and player.status()["channels"] == ["ch/2", "ch/3", "ch/4"]
        engine.core.process(np.zeros((engine.layout.n_inputs, RATE // 2), np.float32))  # 2.5 times round
        assert 1.0 <= player.status()["position"] < 1.2
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


def band(engine):
    """0.1 s of the band live, each channel at a level of its own (0.1, 0.2, …): what a strip hears is plain."""
    levels = np.arange(1, engine.layout.n_inputs + 1, dtype=np.float32)[:, None] / 10
    return np.repeat(levels, RATE // 10, axis=1)


def strips_hear(engine, live):
    """What each strip gets (after its trim, 0 dB here) while the core mixes ``live``, as JACK would run it."""
    taps = engine.core.record([(_core.TAP_TRIM, c, 0) for c in range(engine.layout.n_inputs)], 1 << 16)
    engine.core.process(live)
    engine.core.stop_recording()
    return taps.read(1 << 16)[0]


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
