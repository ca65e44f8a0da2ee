"""The ``mixerd`` command as a user runs it: the demo end to end (own jackd, generators, web page in
Chromium, Ctrl-C), the daemon, profiles, and a bad config. (``mixerd bench``: tests/bench/.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from support import Output, self_signed, stop_mixerd, unique_server_name

from mixerd.jackhost import server_running
from mixerd.system.net import listening

CHROMIUM = "/usr/bin/chromium"
MIXERD = [sys.executable, "-m", "mixerd"]
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.jack
@pytest.mark.browser
def test_demo_runs_shows_moving_meters_and_stops_what_it_started(tmp_path):
    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\n')
    proc = subprocess.Popen([*MIXERD, "demo", "--config", str(config), "--port", "0",
                             "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        assert server_running(server), "the demo did not start its own jackd"
        # The demo is locked like a real mixer, with a password it prints for the newcomer.
        password = out.wait_for(r"admin password: (\S+)").group(1)
        assert password == "mixerd"
        # MQTT: its own mosquitto on 127.0.0.1:1883 unless one runs there already; mixerd is online on it.
        broker = out.wait_for(r"MQTT: mqtt://127\.0\.0\.1:1883 \(mosquitto ([a-z ]+)\), base topic mixerd/mixerd").group(1)
        assert broker in ("started", "already running"), broker
        assert _retained("mixerd/mixerd/availability", 1883) == b"online"
        with httpx.Client(base_url=url + "api/v1", timeout=10) as api:
            assert api.get("/state").status_code == 401
            login = api.post("/auth/login", json={"password": password})
            assert login.status_code == 200, login.text
            token = login.json()["token"]  # httpx keeps the cookie too
            health = api.get("/health").json()
            assert health["engine"]["sample_rate"] == 48000 and health["engine"]["period"] == 64
            first = api.get("/meters").json()
            deadline = time.monotonic() + 10
            while (second := api.get("/meters").json())["seq"] == first["seq"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert second["seq"] > first["seq"]
            for n in range(1, 9):  # a tone on every channel
                assert second["points"][f"ch/{n}/input"]["hold"][0] > -30
            for b in range(1, 5):  # and something in every mix
                assert max(second["points"][f"bus/{b}"]["hold"]) > -40
            state = api.get("/state").json()["values"]
            assert state["ch/1/name"] == "Kick" and state["gen/1/on"] is True

        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"])
            try:
                context = browser.new_context(viewport={"width": 360, "height": 740})
                context.add_cookies([{"name": "mixerd_token", "value": token, "url": url}])  # logged in
                page = context.new_page()
                page.goto(url)
                expect(page.get_by_text("Kick").first).to_be_visible()  # the web app, with the session's names
                # Through the WebSocket as the browser sees it (the cookie logs it in): channel 1's tone pulses
                # (2 Hz modulation), so its input peak differs between meter frames.
                peaks = page.evaluate("""() => new Promise((resolve, reject) => {
                    const ws = new WebSocket(location.origin.replace("http", "ws") + "/api/v1/ws");
                    ws.binaryType = "arraybuffer";
                    let at = null; const seen = new Set();
                    ws.onmessage = async (m) => {
                        if (m.data instanceof ArrayBuffer) {  // a meter frame
                            const { decodeMeters } = await import("/static/js/meterframe.js");
                            seen.add(decodeMeters(m.data, []).peak[at]);
                            // moving (three different peaks) and loud at its crest, whichever frames catch it
                            if (seen.size >= 3 && Math.max(...seen) > -30) { ws.close(); resolve([...seen]); }
                            return;
                        }
                        const msg = JSON.parse(m.data);
                        if (msg.type === "hello") at = msg.meter_points.findIndex(p => p.name === "ch/1/input");
                    };
                    ws.onclose = (e) => reject(new Error("closed " + e.code));
                    setTimeout(() => reject(new Error("meters did not move: " + [...seen])), 10000);
                })""")
                assert len(peaks) >= 3 and max(peaks) > -30, peaks
            finally:
                browser.close()
    finally:
        code = stop_mixerd(proc, out)  # Ctrl-C in the terminal
    assert code == 0, "\n".join(out.lines)
    out.wait_for("mixerd stopped")
    assert not server_running(server), "Ctrl-C left the demo's jackd running"
    if broker == "started":
        assert not listening("127.0.0.1", 1883), "the demo's mosquitto outlived it"


def _retained(topic: str, port: int, timeout: float = 15.0) -> bytes | None:
    """The retained (or first) message on ``topic`` at the broker on 127.0.0.1:``port``."""
    import paho.mqtt.client as mqtt

    got: list[bytes] = []
    arrived = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = lambda c, u, msg: (got.append(msg.payload), arrived.set())
    client.connect("127.0.0.1", port)
    client.subscribe(topic)
    client.loop_start()
    try:
        arrived.wait(timeout)
    finally:
        client.loop_stop()
        client.disconnect()
    return got[0] if got else None


def test_bad_config_is_a_clear_error_not_a_crash(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[engine]\nramp_msec = 5\n')
    result = subprocess.run([*MIXERD, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "ramp_msec" in result.stderr and "did you mean" in result.stderr and "ramp_ms" in result.stderr


@pytest.mark.jack
def test_run_daemon_stops_cleanly_on_sigterm(tmp_path):
    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\nport = 0\n'
                      f'[state]\ndir = "{tmp_path / "state"}"\n[mqtt]\nenabled = false\n')
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        # No password in the config: the first start says so, and the first visitor sets one.
        out.wait_for("No admin password yet")
        with httpx.Client(base_url=url + "api/v1", timeout=10) as api:
            assert api.get("/auth/status").json() == {"enabled": True, "password_set": False, "role": None,
                                                      "bus": None, "label": None}
            assert api.get("/health").status_code == 401
            assert api.post("/auth/setup", json={"password": "first start"}).status_code == 200
            health = api.get("/health")
            assert health.json()["status"] == "ok"
            assert health.headers["x-frame-options"] == "DENY"  # mixerd/web/headers.py
            # The daemon's uvicorn believes no X-Forwarded-For: the login limit counts the socket's peer.
            tries = [api.post("/auth/login", json={"password": "guess"},
                              headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(6)]
            assert tries == [401] * 5 + [429]
            # `kill -USR1`: every thread's stack to stderr (what a mixer that hangs is doing), and it goes on.
            proc.send_signal(signal.SIGUSR1)
            out.wait_for(r"^Thread 0x[0-9a-f]+ \(most recent call first\)")
            assert api.get("/health").json()["status"] == "ok"
    finally:
        code = stop_mixerd(proc, out, signal.SIGTERM)  # what systemd sends on stop
    assert code == 0, "\n".join(out.lines)
    assert not server_running(server)


@pytest.mark.jack
def test_ctrl_c_stops_a_mixerd_started_in_the_background(tmp_path, jack_server):
    """A shell starts background commands (`mixerd run &`) with SIGINT ignored, and Python then leaves it ignored:
    mixerd takes Ctrl-C (SIGINT) back itself and stops cleanly."""
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{jack_server}"\nstart_server = "never"\nrealtime = false\n'
                      f'[http]\nhost = "127.0.0.1"\nport = 0\n[auth]\nenabled = false\n'
                      f'[state]\ndir = "{tmp_path / "state"}"\n[mqtt]\nenabled = false\n')
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    out = Output(proc)
    try:
        out.wait_for("Press Ctrl-C to stop")
    finally:
        code = stop_mixerd(proc, out, signal.SIGINT)
    assert code == 0 and "mixerd stopped." in out.lines, "\n".join(out.lines)


@pytest.mark.jack
def test_run_daemon_serves_https_and_wss_with_the_configured_certificate(tmp_path):
    import ssl

    from websockets.sync.client import connect

    cert, key = self_signed(tmp_path)
    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n'
                      f'[http]\nhost = "127.0.0.1"\nport = 0\ntls_cert = "cert.pem"\ntls_key = "key.pem"\n'
                      f'[auth]\nadmin_password = "over tls"\n[state]\ndir = "{tmp_path / "state"}"\n'
                      '[mqtt]\nenabled = false\n')
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(https://127\.0\.0\.1:\d+/)").group(1)
        trust = ssl.create_default_context(cafile=cert)
        with httpx.Client(base_url=url + "api/v1", timeout=10, verify=trust) as api:
            login = api.post("/auth/login", json={"password": "over tls"})
            assert login.status_code == 200
            assert "secure" in login.headers["set-cookie"].lower()  # the cookie only goes back over TLS
            token = login.json()["token"]
            assert api.get("/health").json()["status"] == "ok"
        with pytest.raises(httpx.HTTPError):  # no plain HTTP on the TLS port
            httpx.get(url.replace("https://", "http://") + "api/v1/auth/status", timeout=5)
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the certificate refuses it
            httpx.get(url + "api/v1/auth/status", timeout=5)
        with connect(url.replace("https://", "wss://") + f"api/v1/ws?token={token}", ssl=trust) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "hello"
            assert json.loads(ws.recv(timeout=10))["type"] == "state"
    finally:
        code = stop_mixerd(proc, out, signal.SIGTERM)
    assert code == 0, "\n".join(out.lines)
    assert not server_running(server)


def test_unusable_tls_files_are_a_clear_error(tmp_path):
    config = tmp_path / "mixerd.toml"
    config.write_text('[http]\ntls_cert = "missing.pem"\ntls_key = "missing-key.pem"\n')
    result = subprocess.run([*MIXERD, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "missing.pem" in result.stderr and "no such file" in result.stderr
    (tmp_path / "garbage.pem").write_text("not a certificate")
    config.write_text('[http]\ntls_cert = "garbage.pem"\ntls_key = "garbage.pem"\n')
    result = subprocess.run([*MIXERD, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "cannot be used" in result.stderr and "PEM" in result.stderr


def test_profiles_lists_the_shipped_profiles():
    result = subprocess.run([*MIXERD, "profiles"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("  demo ") and "dummy" in line for line in lines)
    assert any(line.startswith("  focusrite-scarlett-18i20-gen3 ") and "alsa" in line for line in lines)
    for shipped in ("behringer-xr18", "motu-m4", "presonus-studio-1824c", "generic-class-compliant"):
        assert any(line.split()[:1] == [shipped] for line in lines), shipped


def test_profiles_shows_which_profile_the_connected_interface_matches(tmp_path):
    # The kernel's view of a Pi with a Scarlett 18i20 plugged in (/proc/asound, as text).
    (tmp_path / "cards").write_text(
        " 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n                      bcm2835 Headphones\n"
        " 1 [USB            ]: USB-Audio - Scarlett 18i20 USB\n"
        "                      Focusrite Scarlett 18i20 USB at usb-0000:01:00.0-1.3, high speed\n")
    (tmp_path / "card1").mkdir()
    (tmp_path / "card1" / "usbid").write_text("1235:8215\n")
    result = subprocess.run([*MIXERD, "profiles", "--asound", str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "* focusrite-scarlett-18i20-gen3" in result.stdout
    assert "Connected: card 1 [USB] Scarlett 18i20 USB (USB 1235:8215)" in lines
    assert any(line.startswith("Matches: * focusrite-scarlett-18i20-gen3 on hw:USB") for line in lines)


def test_profiles_check_validates_a_users_file(tmp_path):
    good = subprocess.run([*MIXERD, "profiles", "--check", "hw_profiles/motu-m4.toml"], capture_output=True,
                          text=True, timeout=60)
    assert good.returncode == 0 and "OK — MOTU M4: 4 inputs, 4 outputs" in good.stdout, good.stdout + good.stderr
    bad = tmp_path / "motu-m4.toml"  # a copy with a mistake
    bad.write_text((REPO / "hw_profiles" / "motu-m4.toml").read_text().replace('rate = 48000', 'rate = "fast"'))
    result = subprocess.run([*MIXERD, "profiles", "--check", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and str(bad) in result.stderr and "rate" in result.stderr, result.stderr


def test_a_link_that_sends_what_the_mixer_has_not_is_a_clear_error(tmp_path):
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "nobody-{os.getpid()}"\nautostart = "off"\n[http]\nhost = "127.0.0.1"\n'
                      f'port = 0\n[state]\ndir = "{tmp_path / "state"}"\n[mqtt]\nenabled = false\n'
                      '[[link]]\nname = "foh"\npeer = "127.0.0.1"\nsend = ["bus/99"]\n')
    result = subprocess.run([*MIXERD, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "link 'foh' sends bus/99, which this mixer does not have; it can send ch/1…ch/8" in result.stderr
