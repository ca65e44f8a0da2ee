"""The web app on a real mixer in a real jackd, in real Chromium, with access control on.

A musician opens the per-mix link the engineer made, drags a send fader with a finger on a 360-px phone, and the
change is in the state (REST) and in the audio on that mix's output (a probe JACK client plays a sine into
input 1 and records the mix). The same link cannot open another mix (the app leads back to its own; REST and the
WebSocket answer 403 for any other mix). The server is stopped under the app and started again on the same port:
the app shows it is offline, reconnects by itself and shows what changed meanwhile. The engineer's views (console
on a tablet, signal flow, links, login) are driven too. Every view is photographed into test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import uvicorn
from support import PHONE, Probe, peak_db, wait_until

from mixerd.web import create_app

pytestmark = [pytest.mark.jack, pytest.mark.browser]

TABLET = {"viewport": {"width": 1180, "height": 820}, "is_mobile": False, "has_touch": True}
PASSWORD = "soundcheck-2024"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)
TONE_DB = 20 * np.log10(0.25)  # the probe's sine into input 1: -12.04 dBFS

COLORS = {"ch/1": "#ef4444", "ch/2": "#f97316", "ch/3": "#eab308", "ch/4": "#22c55e", "ch/5": "#06b6d4",
          "ch/6": "#06b6d4", "ch/7": "#a855f7", "ch/8": "#ec4899", "bus/1": "#ef4444", "bus/2": "#eab308",
          "bus/3": "#a855f7", "bus/4": "#06b6d4"}


class LiveApp:
    """The mixer's web app on a real uvicorn server that can be stopped and started again on the same port."""

    def __init__(self, control, auth):
        self.control, self.auth = control, auth
        self.port = 0
        self._server = self._thread = self._sock = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(self.control, auth=self.auth), log_level="warning",
                                               lifespan="on", timeout_graceful_shutdown=5))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-app", daemon=True)
        thread.start()
        self._server, self._thread, self._sock = server, thread, sock
        wait_until(lambda: server.started or not thread.is_alive(), timeout=10, what="uvicorn to start")
        assert server.started

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._thread.is_alive():  # a connection that does not close: stop anyway
            self._server.force_exit = True
            self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the app server did not stop"
        self._sock.close()
        self._server = None


@pytest.fixture(scope="module")
def mixer(jack_mixer):
    assert jack_mixer.auth is not None  # the daemon's default: access control on
    return jack_mixer


@pytest.fixture(scope="module")
def server(mixer):
    live = LiveApp(mixer.control, mixer.auth)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def admin(server):
    """REST as the engineer: the admin password set on first start, then a session token."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as client:
        status = ok(client.get("/auth/status"))
        assert status == {"enabled": True, "password_set": False, "role": None, "bus": None, "label": None}
        token = ok(client.post("/auth/setup", json={"password": PASSWORD}))["token"]
        client.cookies.clear()
        client.headers["Authorization"] = f"Bearer {token}"
        # A session like a band's: colours, a vocal with HPF, EQ and compression, tones on channels 2–4 (channel 1
        # is the probe's); sends to mix 1 from them stay closed, so mix 1 carries only the probe's tone.
        changes = {f"{owner}/color": color for owner, color in COLORS.items()}
        changes.update({"ch/7/hpf/on": True, "ch/7/hpf/freq": 110.0, "ch/7/eq/1/gain": -3.0, "ch/7/eq/2/freq": 350.0,
                        "ch/7/eq/2/gain": -4.5, "ch/7/eq/2/q": 1.8, "ch/7/eq/3/freq": 3200.0, "ch/7/eq/3/gain": 3.5,
                        "ch/7/eq/4/gain": 2.0, "ch/7/dyn/on": True, "ch/7/dyn/threshold": -28.0,
                        "ch/7/order": "dyn>eq", "ch/7/fader": -4.0, "ch/3/fader": -8.5, "ch/2/pan": -30.0})
        for k in (2, 3, 4):
            changes.update({f"gen/{k}/on": True, f"gen/{k}/level": -14.0 - 3 * k, f"gen/{k}/mod": 0.7 * k,
                            f"gen/{k}/freq": 110.0 * k})
        for n in (2, 3, 4):
            changes.update({f"ch/{n}/send/2/level": -6.0 * (n - 1), f"ch/{n}/send/4/level": -3.0 * n})
        ok(client.patch("/params", json={"changes": changes}))
        yield client


@pytest.fixture(scope="module")
def probe(mixer, jack_server):
    p = Probe.tone_into_input_1(jack_server, ["mixerd:bus_1", "mixerd:bus_2"])
    yield p
    p.close()


def ok(response, status=None):
    assert response.status_code == (status or response.status_code) and response.status_code < 300, response.text
    return response.json()


def bus_level(probe: Probe, lane: int = 0) -> float:
    time.sleep(0.1)  # past the 10 ms ramp: every recorded sample has the new gain
    return peak_db(probe.record(0.3)[lane])


def shot(page, name: str, full_page: bool = False) -> None:
    page.wait_for_timeout(400)  # let the meters move (they render at display rate)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def touch_drag(page, x: float, y: float, dx: float, steps: int = 8) -> None:
    """A finger on (x, y) dragged dx CSS pixels sideways: real touch events through the browser's input pipeline."""
    cdp = page.context.new_cdp_session(page)
    x, y = round(x), round(y)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + dx * i / steps, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def db_text(value: float) -> str:
    """How the app writes a level: "−20.0", "+1.5", "0.0", "−∞"."""
    if value <= -90:
        return "−∞"
    text = f"{value:.1f}" if abs(value) >= 0.05 else "0.0"
    return f"+{text}" if value >= 0.05 else text.replace("-", "−")


def test_a_musician_controls_only_their_own_mix_from_a_phone(server, admin, probe, open_page, mixer):
    from playwright.sync_api import expect

    ok(admin.patch("/params", json={"changes": {"ch/1/send/1/level": -20.0, "ch/1/send/1/on": True,
                                                 "ch/1/send/1/pre": True, "bus/1/fader": 0.0, "bus/1/mute": False}}))
    assert bus_level(probe) == pytest.approx(TONE_DB - 20.0, abs=0.1)
    link = ok(admin.post("/auth/links", json={"role": "mix", "bus": 1, "label": "Drummer"}), 201)
    assert link["url"].startswith(server.url + "/#/mix/1?token=")

    page = open_page(PHONE)
    page.goto(link["url"])  # as the camera app opens the QR code
    expect(page.locator("#conn")).to_have_text("online")
    assert page.evaluate("location.hash") == "#/mix/1"  # the token left the address bar (it is kept on the phone)
    expect(page.locator(".mix-name")).to_have_text("Drummer")
    row = page.locator('.send-row[data-ch="1"]')
    expect(row.locator(".send-name")).to_have_text("Kick")
    value = row.locator(".send-value")
    expect(value).to_have_text("−20.0")
    expect(page.locator(".nav-item")).to_have_count(0)  # a mix link has no way to the console
    page.locator(".me-step .me-skip").tap()  # the first visit's "★ This is me": not now
    expect(page.locator(".me-step")).to_be_hidden()

    # Drag the Kick send with a finger: 80 px to the right in steps of 10 px. The first step crosses the dead
    # zone; the fader follows the remaining 70 px, one to one, through the fader taper.
    thumb = row.locator(".slider-thumb").bounding_box()
    track = row.locator(".slider-track").bounding_box()
    travel = track["width"] - thumb["width"]
    expected = page.evaluate("async ([travel]) => { const f = await import('/static/js/fader.js');"
                             " return f.posToDb(f.dbToPos(-20) + 70 / travel); }", [travel])
    assert -20 < expected < 0
    touch_drag(page, thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2, 80)
    expect(value).to_have_text(db_text(expected))
    wait_until(lambda: ok(admin.get("/params/ch/1/send/1/level"))["value"] == expected, timeout=10,
               what="the dragged level in the state")
    assert ok(admin.get("/params/ch/1/send/1/level"))["value"] == expected  # REST
    assert bus_level(probe) - (TONE_DB - 20.0) == pytest.approx(expected + 20.0, abs=0.1)  # the audio on the mix
    history = ok(admin.get("/history", params={"limit": 1}))["entries"][0]
    assert history["address"] == "ch/1/send/1/level" and history["origin"] == "ws"
    shot(page, "mymix-phone")
    shot(page, "mymix-phone-full", full_page=True)

    # Another mix's address with the same link leads back to its own mix: nothing of another mix is shown, so
    # nothing looks changeable that the mixer would refuse.
    page.evaluate("location.hash = '#/mix/2'")
    expect(page).to_have_url(re.compile(r"#/mix/1$"))
    expect(page.locator(".mix-name")).to_have_text("Drummer")
    expect(value).to_have_text(db_text(expected))
    expect(page.locator(".mix-pick")).to_have_count(0)  # and no way to pick another
    assert ok(admin.get("/params/ch/1/send/2/level"))["value"] == -90.0
    shot(page, "mymix-other-mix-phone")

    token = link["token"]
    with httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}) as musician:
        for address in ("ch/1/send/2/level", "bus/2/fader", "ch/1/fader", "main/fader"):
            answer = musician.put(f"/params/{address}", json={"value": -10.0})
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden", address
        # a link's undo takes back its own changes only; anyone's step by number is the engineer's
        assert musician.post("/history/1/undo").status_code == 403
        assert ok(musician.put("/params/bus/1/moreme", json={"value": 3.0}))["value"] == 3.0  # its own mix: yes
    answer = page.evaluate("""([token]) => new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`);
        ws.onmessage = (e) => {
            if (typeof e.data !== "string") return;  // a binary meter frame
            const m = JSON.parse(e.data);
            if (m.type === "state") ws.send(JSON.stringify({ type: "set", address: "ch/2/send/3/level", value: 0, id: 7 }));
            if (m.id === 7) { ws.close(); resolve(m); }
        };
    })""", [token])
    assert answer["type"] == "error" and answer["error"]["code"] == "forbidden"
    assert answer["error"]["address"] == "ch/2/send/3/level"

    # The server goes away under the app (Wi-Fi drop, restart): the app says so, and reconnects by itself.
    expect(value).to_have_text(db_text(expected))
    expect(page.locator('[data-address="bus/1/moreme"] .slider-value')).to_have_text("+3.0 dB")
    server.stop()
    expect(page.locator("#conn")).to_have_text("offline — reconnecting…")
    mixer.control.set("ch/1/send/1/level", -6.0, "rest")  # changed elsewhere meanwhile (the engineer, MQTT…)
    mixer.control.set("bus/1/name", "Drums", "rest")
    shot(page, "mymix-offline-phone")
    server.start()  # same port
    expect(page.locator("#conn")).to_have_text("online", timeout=20000)
    expect(value).to_have_text("−6.0")  # resynced
    expect(page.locator(".mix-name")).to_have_text("Drums")
    expect(page.locator(".toast.ok")).to_contain_text("Back online")
    assert bus_level(probe) == pytest.approx(TONE_DB - 6.0, abs=0.1)

    # After the reconnect the fader works as before.
    thumb = row.locator(".slider-thumb").bounding_box()
    touch_drag(page, thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2, -40)
    moved = page.evaluate("async ([travel]) => { const f = await import('/static/js/fader.js');"
                          " return f.posToDb(f.dbToPos(-6) - 30 / travel); }", [travel])
    expect(value).to_have_text(db_text(moved))
    wait_until(lambda: ok(admin.get("/params/ch/1/send/1/level"))["value"] == moved, timeout=10, what="the new level")
    mixer.control.set("bus/1/name", "Drummer", "rest")


def test_a_revoked_link_stops_working_at_once(server, admin, open_page):
    from playwright.sync_api import expect

    link = ok(admin.post("/auth/links", json={"role": "mix", "bus": 3, "label": "Singer"}), 201)
    page = open_page(PHONE)
    page.goto(link["url"])
    expect(page.locator(".mix-name")).to_have_text("Vocals")
    ok(admin.delete(f"/auth/links/{link['id']}"))
    expect(page.locator("#conn")).to_have_text("link not valid")
    expect(page.locator(".empty-state h1")).to_have_text("This link is not valid any more")
    page.reload()  # the stored token is refused on the next start too
    expect(page.locator(".empty-state h1")).to_have_text("This link is not valid any more")


def test_the_engineer_signs_in_and_runs_the_console_on_a_tablet(server, admin, open_page):
    from playwright.sync_api import expect

    page = open_page(PHONE)
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"#/login"))
    expect(page.locator(".login-card h1")).to_have_text("Sign in")
    page.fill("#password", "not the password")
    page.click(".login-form button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("Wrong password.")
    shot(page, "login-phone")

    page = open_page(TABLET)
    page.goto(server.url + "/#/console/ch/7")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"#/console/ch/7$"))  # back where the engineer was going
    expect(page.locator("#conn")).to_have_text("online")
    expect(page.locator(".strip.channel .strip-name")).to_have_text(
        ["Kick", "Snare", "Bass", "Guitar", "Keys L", "Keys R", "Vocal 1", "Vocal 2"])
    expect(page.locator(".strip.bus .strip-name")).to_have_text(["Drummer", "Bass", "Vocals", "Keys IEM", "Reverb", "Delay"])
    expect(page.locator(".strip.selected")).to_have_attribute("data-address", "ch/7")
    expect(page.locator(".editor .name-input")).to_have_value("Vocal 1")
    expect(page.locator(".health-state")).to_have_text("running")  # the engine's health, pushed over the WebSocket
    expect(page.locator(".health-facts")).to_have_text(re.compile(r"^48 kHz · 64 · 1\.3 ms · \d+ xruns?$"))
    # live meters from the tones on channels 2-4 (and the probe's on 1)
    wait_until(lambda: float(page.locator('.strip[data-address="ch/2"] .strip-input .meter').get_attribute("data-level") or -120) > -40,
               what="the input meter of channel 2 to show its tone")
    shot(page, "console-tablet")
    shot(page, "console-tablet-full", full_page=True)

    # The EQ: drag band 3's handle up and left on the curve; frequency and gain change together.
    handle = page.locator('.editor .eq-handle[data-band="3"]')
    page.locator(".editor .eq-graph").scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 6):
        page.mouse.move(x - 8 * i, y - 6 * i)
    page.mouse.up()
    wait_until(lambda: ok(admin.get("/params/ch/7/eq/3/gain"))["value"] > 3.5, what="the EQ gain from the drag")
    freq = ok(admin.get("/params/ch/7/eq/3/freq"))["value"]
    assert freq < 3200.0
    expect(page.locator(".eq-legend")).to_contain_text("3 Peaking")

    # Mute from the strip, then undo it from the toolbar.
    mute = page.locator('.strip[data-address="ch/3"] .toggle.mute')
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    wait_until(lambda: ok(admin.get("/params/ch/3/mute"))["value"] is True, what="the mute")
    page.get_by_role("button", name="Undo").click()
    expect(mute).to_have_attribute("aria-pressed", "false")
    assert ok(admin.get("/params/ch/3/mute"))["value"] is False

    # Scenes: save, change, recall with a fade; history lists who did what.
    page.click('.tab:has-text("Scenes")')
    page.fill('input[aria-label="New scene name"]', "Soundcheck")
    page.click('button:has-text("Save scene")')
    expect(page.locator(".scene .scene-name")).to_have_text(["Soundcheck"])
    ok(admin.put("/params/ch/7/fader", json={"value": -30.0}))
    page.click('.segmented button:has-text("1 s")')
    page.click('button[aria-label="Recall Soundcheck"]')
    page.locator("dialog.confirm").get_by_role("button", name="Recall").click()  # the console asks first
    expect(page.locator(".toast.ok").last).to_contain_text("Recalled “Soundcheck”")
    assert ok(admin.get("/params/ch/7/fader"))["value"] == -4.0
    page.select_option('select[aria-label="Keep a whole mix safe"]', "1")
    expect(page.locator(".safe code")).to_have_text(["ch/*/send/1/*", "bus/1/**"])
    shot(page, "scenes-tablet")
    page.click('.tab:has-text("History")')
    expect(page.locator(".history-entry").first).to_contain_text("Vocal 1 · fader")
    shot(page, "history-tablet")
    ok(admin.put("/safes", json={"patterns": []}))


def test_signal_flow_of_the_demo_mix(server, admin, open_page):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    page.goto(server.url + "/#/login?next=%23%2Fflow%2Fch%2F7")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page.locator(".flow-title h1")).to_have_text("Vocal 1")
    expect(page.locator(".notice.preview")).to_have_count(0)  # the live trace, no longer a preview
    # the inserts in the channel's order (dynamics before EQ here), then mute, fader, sends, main, its outputs
    expect(page.locator(".stage .stage-name")).to_have_text(
        ["Input", "Trim · polarity", "High-pass filter", "Gate", "Compressor", "EQ", "Mute", "Fader",
         "Sends", "Main mix", "Main outputs"])
    expect(page.locator('.stage[data-stage="gate"]')).to_have_attribute("data-status", "off")
    expect(page.locator('.stage[data-stage="hpf"] .stage-state')).to_contain_text("110 Hz, 12 dB/oct")
    ok(admin.put("/params/ch/7/mute", json={"value": True}))
    expect(page.locator('.stage[data-stage="mute"]')).to_have_attribute("data-status", re.compile("block|problem"))
    shot(page, "signal-flow-tablet", full_page=True)
    ok(admin.put("/params/ch/7/mute", json={"value": False}))


def test_links_view_hands_out_and_revokes(server, admin, open_page):
    from playwright.sync_api import expect

    page = open_page(TABLET)
    page.goto(server.url + "/#/login?next=%23%2Flinks")
    page.fill("#password", PASSWORD)
    page.click(".login-form button[type=submit]")
    expect(page.locator(".page-head h1")).to_have_text("Links")
    page.select_option("#link-bus", "4")
    page.fill("#link-label", "Keys player")
    page.click('.link-form button[type=submit]')
    qr = page.locator(".link-result img.qr")
    expect(qr).to_be_visible()
    wait_until(lambda: qr.evaluate("img => img.complete && img.naturalWidth > 0"), what="the QR code image")
    url = page.locator(".link-url").input_value()
    assert re.fullmatch(re.escape(server.url) + r"/#/mix/4\?token=[\w.-]+", url)
    expect(page.locator(".link .scene-name").first).to_have_text("Keys player")
    shot(page, "links-tablet")

    # The link works on a phone until it is revoked from this list.
    phone = open_page(PHONE)
    phone.goto(url)
    expect(phone.locator(".mix-name")).to_have_text("Keys IEM")
    expect(phone.locator('.send-row[data-ch="2"] .send-pan')).to_be_visible()  # a stereo mix has send pans
    revoke = page.locator('.link:has-text("Keys player") button')
    revoke.click()
    revoke.click()  # confirm
    expect(page.locator('.link:has-text("Keys player")')).to_have_class(re.compile("revoked"))
    expect(phone.locator("#conn")).to_have_text("link not valid")
