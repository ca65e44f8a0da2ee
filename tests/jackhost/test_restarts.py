"""The JACK lifecycle as an appliance lives it: the jackd mixerd started is killed ten times in a row; each
time mixerd restarts it, re-registers and reconnects its ports, and the audio flows again with the same
mix — without leaking threads or file descriptors. (How soon the audio is back is measured by
``mixerd bench --workload recovery``.)"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading

import pytest
from support import Probe, peak_db, running_jackd, unique_server_name, wait_until

from mixerd.config import Config
from mixerd.daemon import Mixer

pytestmark = pytest.mark.jack
RESTARTS = 10


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def new_threads(running: set[threading.Thread]) -> int:
    """Threads alive now that were not among ``running``."""
    return sum(t not in running for t in threading.enumerate())


def audio_flows(server: str) -> float:
    """Play the probe's −12 dBFS tone into channel 1 and return the peak on mix 2 (dBFS)."""
    probe = Probe.tone_into_input_1(server, ["mixerd:bus_2"])
    try:
        return peak_db(probe.record(0.2)[0])
    finally:
        probe.close()


@pytest.fixture
def mixer(tmp_path):
    cfg = Config()
    server = unique_server_name()
    cfg = dataclasses.replace(
        cfg, jack=dataclasses.replace(cfg.jack, server=server, start_server="auto", autostart="dummy", realtime=False),
        state=dataclasses.replace(cfg.state, dir=tmp_path / "state"), mqtt=dataclasses.replace(cfg.mqtt, enabled=False))
    m = Mixer(cfg, initial_changes={"ch/1/send/2/pre": True, "ch/1/send/2/level": 0.0, "ch/2/fader": -7.5})
    m.start()
    yield m
    m.stop()


def test_killing_jackd_ten_times_in_a_row(mixer):
    server = mixer.config.jack.server
    assert mixer.host.own_server is not None, "mixerd should have started its own jackd"
    assert audio_flows(server) == pytest.approx(-12.04, abs=0.1)
    _, state = mixer.control.state()
    # Threads are counted apart from those already running: earlier tests' threads may end meanwhile.
    running = set(threading.enumerate())
    baseline = None
    for restart in range(1, RESTARTS + 1):
        old_pid = mixer.host.own_server.proc.pid
        os.kill(old_pid, signal.SIGKILL)  # a crash: no goodbye to its clients
        wait_until(lambda: mixer.host.reconnects >= restart and mixer.control.health()["engine"]["running"],
                   timeout=15, what=f"mixerd back on jackd after kill {restart}")
        assert mixer.host.own_server.proc.pid != old_pid
        assert audio_flows(server) == pytest.approx(-12.04, abs=0.1), f"after kill {restart}"
        assert mixer.control.state()[1] == state  # the same mix
        if restart == 1:  # steady state after the first restart (libjack's one-time setup is done)
            baseline = (new_threads(running), open_fds())
    assert (new_threads(running), open_fds()) == baseline, "threads or file descriptors leaked"
    assert mixer.control.health()["jack"]["reconnects"] == RESTARTS


def test_an_unplugged_interface_is_reported_and_resumed_when_it_returns(tmp_path):
    """The card's /proc/asound entry is what the kernel removes on unplug; here a directory of that shape
    stands in for it, and jackd (dummy backend) is the real one mixerd started."""
    from mixerd.engine import Engine
    from mixerd.jackhost import JackHost, ServerSpec, Wiring
    from mixerd.model import Layout, ParamTree

    asound = tmp_path / "asound"
    (asound / "USB").mkdir(parents=True)
    layout = Layout.simple(2, 2, generators=0)
    state = ParamTree.from_layout(layout).defaults()
    state.update({"ch/1/send/2/level": 0.0, "bus/2/limiter/on": False})
    engine = Engine(layout)
    engine.load(state)
    server = unique_server_name()
    spec = ServerSpec(name=server, realtime=False,
                      driver_args=("-d", "dummy", "-r", "48000", "-p", "64", "-C", "2", "-P", "6", "-w", "1333"))
    host = JackHost(engine, spec, Wiring(), start_server="auto", interface="USB", asound=asound)
    engine.driver = host
    engine.start()
    host.start()
    try:
        assert audio_flows(server) == pytest.approx(-12.04, abs=0.1)
        (asound / "USB").rmdir()  # unplugged
        # (No JACK client of the test's own meanwhile: libjack must not open one in this process while
        # mixerd's closes — its per-process globals would be torn down under it.)
        wait_until(lambda: host.info()["interface"]["present"] is False and not host.own_server.alive,
                   what="the unplug noticed and jackd stopped")
        health = engine.health()
        assert health["status"] == "down" and health["jack"]["interface"] == {"card": "USB", "present": False,
                                                                             "losses": 1}
        (asound / "USB").mkdir()  # plugged back in
        wait_until(lambda: engine.health()["status"] == "ok", what="audio back after the replug")
        assert audio_flows(server) == pytest.approx(-12.04, abs=0.1)
        assert engine.health()["jack"]["interface"]["present"] is True
    finally:
        host.stop()
        engine.stop()


def test_a_jack_server_of_its_own_restarted_ten_times(tmp_path):
    """JACK run separately (mixerd-jackd.service, autostart "off"): the server is killed and started again
    by someone else; mixerd reconnects each time it is back. mixerd runs in a process of its own, as on
    the box: the test's JACK clients must not share its libjack."""
    import httpx
    from support import Output

    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nautostart = "off"\nrealtime = false\n'
                      f'[http]\nhost = "127.0.0.1"\nport = 0\n[auth]\nenabled = false\n'
                      f'[state]\ndir = "{tmp_path / "state"}"\n[mqtt]\nenabled = false\n')
    jackd = running_jackd(tmp_path, name=server)
    jackd.__enter__()
    proc = subprocess.Popen([sys.executable, "-m", "mixerd", "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1) + "api/v1"
        with httpx.Client(base_url=url, timeout=10) as api:
            assert api.patch("/params", json={"changes": {"ch/1/send/2/pre": True, "ch/1/send/2/level": 0.0}}
                             ).status_code == 200
            health = lambda: api.get("/health").json()  # noqa: E731
            for restart in range(1, RESTARTS + 1):
                jackd.__exit__(None, None, None)  # the server goes away...
                wait_until(lambda: not health()["engine"]["running"], what="the loss noticed")
                jackd = running_jackd(tmp_path, name=server)  # ... and comes back
                jackd.__enter__()
                wait_until(lambda: health()["jack"]["reconnects"] >= restart and health()["engine"]["running"],
                           timeout=15, what=f"reconnected after restart {restart}")
                assert audio_flows(server) == pytest.approx(-12.04, abs=0.1), f"after restart {restart}"
            assert api.get("/params/ch/1/send/2/level").json()["value"] == 0.0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:  # never left behind: it would reconnect to later tests' servers
            proc.kill()
            proc.wait()
            raise
        finally:
            jackd.__exit__(None, None, None)
