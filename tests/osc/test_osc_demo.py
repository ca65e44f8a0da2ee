"""The demo and OSC: ``mixerd demo`` switches the X AIR front end on (a demo given a config file of its own takes
``[osc]`` from it), prints where to point an app, and an app pointed there (the real ``xair-api``) finds an XR18
and moves a fader; Ctrl-C stops what the demo started."""

from __future__ import annotations

import argparse
import subprocess
import sys

import httpx
import pytest
from osc_rig import DELAY, read
from support import Output, stop_mixerd, unique_server_name

from mixerd.config import Config, load_config
from mixerd.demo.command import demo_config
from mixerd.jackhost import server_running
from mixerd.osc import MODEL

MIXERD = [sys.executable, "-m", "mixerd"]


def demo_args(tmp_path, config=None) -> argparse.Namespace:
    return argparse.Namespace(config=config, port=0, state_dir=tmp_path / "state")


def test_the_demo_turns_osc_on_for_x_air_apps(tmp_path):
    osc = demo_config(Config(), demo_args(tmp_path)).osc
    assert osc.enabled and osc.port == 10024 and osc.host == "0.0.0.0"  # where apps look for an XR18
    assert not osc.read_only and osc.mixes == ()
    assert not Config().osc.enabled  # `mixerd run` keeps it off unless the config turns it on


def test_a_demo_with_its_own_config_takes_osc_from_it(tmp_path):
    silent, on = tmp_path / "silent.toml", tmp_path / "on.toml"
    silent.write_text('[http]\nhost = "127.0.0.1"\n')
    on.write_text('[osc]\nenabled = true\nport = 10124\nread_only = true\n')
    assert not demo_config(load_config(silent), demo_args(tmp_path, silent)).osc.enabled
    osc = demo_config(load_config(on), demo_args(tmp_path, on)).osc
    assert osc.enabled and osc.port == 10124 and osc.read_only


@pytest.mark.jack
def test_the_demo_prints_where_x_air_apps_reach_it_and_an_app_does(tmp_path):
    import xair_api

    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\n'
                      '[mqtt]\nenabled = false\n[osc]\nenabled = true\nhost = "127.0.0.1"\nport = 0\n')
    proc = subprocess.Popen([*MIXERD, "demo", "--config", str(config), "--port", "0",
                             "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        password = out.wait_for(r"admin password: (\S+)").group(1)
        line = out.wait_for(rf"X AIR apps \(OSC, the mixer shows as an {MODEL}\): 127\.0\.0\.1:(\d+)$")
        port = int(line.group(1))
        assert port != 0
        with xair_api.connect(MODEL, ip="127.0.0.1", port=port, delay=DELAY, connect_timeout=30) as app:
            assert app.info_response[2] == MODEL
            app.strip[0].mix.fader = -10.0  # on the X AIR's fader law: exactly a step
            read(lambda: app.strip[0].mix.fader, -10.0, "the fader the app moved, read back")
        # The web app's mixer is the same one: logged in with the demo's password, REST reads the app's step.
        with httpx.Client(base_url=url + "api/v1", timeout=15) as api:
            assert api.post("/auth/login", json={"password": password}).status_code == 200
            assert api.get("/params/ch/1/fader").json()["value"] == -10.0
    finally:
        code = stop_mixerd(proc, out)  # Ctrl-C in the terminal
    assert code == 0, "\n".join(out.lines)
    assert not server_running(server), "Ctrl-C left the demo's jackd running"
