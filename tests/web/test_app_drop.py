"""A silent Wi-Fi drop, in Chromium against the real engine running offline, through a relay that goes quiet the
way a dropped Wi-Fi does (nothing passes, nothing is closed; what was sent meanwhile arrives when it comes back,
as TCP delivers it), on the phone and both tablets (tour.py's screens): the app says "offline" within two missed
pings, and a move a finger drags into the dead link is not replayed when the network returns — the mixer refuses it
as stale — while the app reconnects and shows the mixer's value; a drag made while offline sends nothing. The page's
clock is Playwright's, paused and moved by the test: nothing here waits on wall time."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

import pytest
from support import wait_until
from touch import Finger, center
from tour import SCREENS

pytestmark = pytest.mark.browser


class Relay:
    """A TCP relay to ``upstream`` on a free 127.0.0.1 port. ``hold()`` stops everything passing, either way,
    without closing anything; ``release()`` lets what was held through, in order, and the rest after it."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.held_bytes = 0  # bytes the browser sent while held (waiting to pass)
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_browser: bool) -> None:
        try:
            while data := src.recv(65536):
                if not self.flowing.is_set() and from_browser:
                    self.held_bytes += len(data)
                self.flowing.wait()
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def hold(self) -> None:
        self.held_bytes = 0
        self.flowing.clear()

    def release(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.flowing.set()
        self.listener.close()
        for s in self._sockets:
            s.close()


def server_pings(app) -> int:
    """Pings the server has sent on its newest socket (each carries its number)."""
    connections = list(app.state.live._connections)
    return max((c._pings for c in connections), default=0)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_silent_drop_is_noticed_and_a_move_into_it_is_never_replayed(screen, app, live_server, open_page, control):
    from playwright.sync_api import expect

    app.state.live.ping_s = 0.2  # the server's pings come quickly, so "two pings later" comes quickly too
    url = urlsplit(live_server)
    relay = Relay((url.hostname, url.port))
    try:
        page = open_page(SCREENS[screen])
        page.clock.install()
        page.goto(f"http://127.0.0.1:{relay.port}/#/console/ch/1")
        pill = page.locator("#conn")
        expect(pill).to_have_attribute("data-status", "online")
        trim = page.locator('.editor .slider[data-address="ch/1/trim"]')
        trim.wait_for()
        x, y = center(page, trim.locator(".slider-thumb"))
        # From here the page's time moves only when the test moves it: "not yet offline" holds however busy the
        # machine is (frames still arrive: the network is real, only the page's clocks stand still).
        page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # (seconds since the epoch)
        finger = Finger(page)
        try:
            relay.hold()  # the Wi-Fi drops without a word
            pings = server_pings(app)
            finger.drag(x, y, 40, 0)  # the musician moves it: the app still believes it is online
            wait_until(lambda: relay.held_bytes > 0, what="the move sent into the dead link")
            expect(trim).not_to_have_attribute("aria-valuenow", "0")  # it moved, on the page
            page.clock.fast_forward(8000)  # one ping missed: not yet
            expect(pill).to_have_attribute("data-status", "online")
            page.clock.fast_forward(2000)  # two pings missed: 10 s without a frame
            expect(pill).to_have_attribute("data-status", "offline")
            expect(trim).to_have_attribute("aria-valuenow", "0")  # given up on: back to the mixer's value
            finger.drag(x, y, 40, 0)  # offline: nothing is sent at all, the fader goes back once the finger lifts
            expect(trim).to_have_attribute("aria-valuenow", "0")
        finally:
            finger.close()

        wait_until(lambda: server_pings(app) >= pings + 2, what="two more pings from the server")
        relay.release()  # the network is back: TCP delivers the held move now
        page.clock.fast_forward(10000)  # the app's reconnect timer
        expect(pill).to_have_attribute("data-status", "online")
        assert control.get("ch/1/trim") == 0.0  # the stale move was refused, not applied
        assert not [e for e in control.history() if e.address == "ch/1/trim"]
        expect(trim).to_have_attribute("aria-valuenow", "0")
    finally:
        relay.close()
