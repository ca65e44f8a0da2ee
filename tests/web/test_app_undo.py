"""Undo that respects a musician's mix, in Chromium against the real engine running offline, access control on,
with touch: the engineer (signed in, on a phone or a tablet) and the bassist (their mix link, on a phone) both
change things; the engineer's Undo takes back the engineer's own move and the bassist's change survives it; the
bassist's Undo on their phone is theirs alone; taking back the bassist's change is an explicit "Undo this" in the
engineer's History, and the bassist's phone then says who changed their mix, with "Keep mine"."""

from __future__ import annotations

import re

import pytest
from support import wait_until
from tour import PASSWORD, SCREENS, skip_first_use

from mixerd.control.access import Auth
from mixerd.model import BusLayout, Layout
from mixerd.web import create_app

pytestmark = pytest.mark.browser

KICK_IN_BASS = "ch/1/send/2/on"


@pytest.fixture
def layout() -> Layout:
    return Layout(inputs=("Kick", "Snare", "Bass"), buses=(BusLayout("Drummer"), BusLayout("Bass")), generators=1)


@pytest.fixture
def band(stored_control, serve_app):
    """The mixer on a real HTTP server, access control on: Kick not yet in the Bass mix. Yields (url, the bassist's
    link token)."""
    auth = Auth(stored_control.store)
    auth.setup(PASSWORD)
    _, token = auth.create_link("mix", 2, "Bass player")
    stored_control.set(KICK_IN_BASS, False, "rest")
    with serve_app(create_app(stored_control, auth=auth)) as url:
        yield url, token


@pytest.fixture
def control(stored_control):
    return stored_control


@pytest.mark.parametrize("screen", ["phone", "tablet", "tablet-portrait"])
def test_the_bassists_change_survives_the_engineers_undo(band, open_page, control, screen):
    from playwright.sync_api import expect

    url, token = band
    engineer = open_page(SCREENS[screen])
    engineer.goto(f"{url}/#/login?next=%23%2Fconsole")
    engineer.fill("#password", PASSWORD)
    engineer.locator(".login-form button[type=submit]").tap()
    expect(engineer).to_have_url(re.compile(r"#/console$"))
    bassist = open_page(SCREENS["phone"])
    bassist.goto(f"{url}/#/mix/2?token={token}")
    skip_first_use(bassist)

    # The engineer mutes the Kick; then the bassist puts the Kick into their in-ears.
    kick_mute = engineer.locator(".strip.channel").first.locator(".mute")
    kick_mute.tap()
    wait_until(lambda: control.get("ch/1/mute") is True, what="the engineer's mute")
    kick_on = bassist.locator('.send-row[data-ch="1"] .send-on')
    kick_on.tap()
    wait_until(lambda: control.get(KICK_IN_BASS) is True, what="the bassist's Kick in their mix")

    # The engineer's Undo means the engineer's own last move: the mute. The bassist's change stays.
    undo = engineer.get_by_role("button", name="Undo", exact=True)
    expect(undo).to_be_enabled()
    undo.tap()
    expect(engineer.locator(".toast.ok").last).to_contain_text("Undone: 1 change")
    wait_until(lambda: control.get("ch/1/mute") is False, what="the engineer's mute undone")
    assert control.get(KICK_IN_BASS) is True
    expect(undo).to_be_disabled()  # nothing else of the engineer's on this device
    expect(bassist.locator(".others-notice")).to_be_hidden()  # nothing of the bassist's was touched

    # Taking back the bassist's change is the engineer's explicit choice, in the History.
    engineer.goto(f"{url}/#/console/history")
    theirs = engineer.locator(".history-entry", has_text="the Bass mix link")
    expect(theirs).to_contain_text("Kick · send to Bass · on")
    theirs.get_by_role("button", name="Undo this").tap()
    wait_until(lambda: control.get(KICK_IN_BASS) is False, what="the bassist's step undone from the History")
    expect(theirs).to_have_class(re.compile(r"\bundone\b"))
    engineer.screenshot(path=str(shots() / f"undo-history-{screen}.png"), full_page=True)

    # The bassist's phone says so, in names, and "Keep mine" puts it back.
    notice = bassist.locator(".others-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Kick")
    assert "ch/" not in notice.inner_text()
    bassist.screenshot(path=str(shots() / f"undo-bassist-notice-{screen}.png"), full_page=True)
    notice.locator(".others-keep").tap()
    wait_until(lambda: control.get(KICK_IN_BASS) is True, what="the bassist's Keep mine")


def test_a_musicians_undo_takes_back_only_their_own_change(band, open_page, control):
    from playwright.sync_api import expect

    url, token = band
    bassist = open_page(SCREENS["phone"])
    bassist.goto(f"{url}/#/mix/2?token={token}")
    skip_first_use(bassist)
    bassist.locator('.send-row[data-ch="1"] .send-on').tap()
    wait_until(lambda: control.get(KICK_IN_BASS) is True, what="the bassist's change")
    control.set("ch/2/send/2/level", -3.0, "ws", actor="admin:someone")  # the engineer, after it, in the same mix
    # The musician's own Undo, on their phone: their change, not the engineer's newer one.
    undo = bassist.locator(".mix-undo")
    expect(undo).to_be_enabled()
    undo.tap()
    expect(bassist.locator(".toast.ok").last).to_contain_text("Undone: 1 change")
    wait_until(lambda: control.get(KICK_IN_BASS) is False, what="the bassist's undo")
    expect(undo).to_be_disabled()
    assert control.get("ch/2/send/2/level") == -3.0  # the engineer's change in that mix stays
    expect(bassist.locator('.send-row[data-ch="1"]')).to_have_class(re.compile(r"\bsend-off\b"))


def shots():
    from tour import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
