"""The JACK host against real jackd servers: the C callback runs without the GIL, ports are wired as
the profile says, and a dead server is restarted and reconnected to by itself.

No Python JACK client runs in this module's process: one would put a GIL-taking callback into the
same JACK graph and stall it, which is exactly what these tests must be able to see from mixerd alone.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import jack
import pytest
from support import PERIOD, RATE, unique_server_name

from mixerd.engine import Engine
from mixerd.jackhost import JackHost, JackServerError, ServerSpec, Wiring, output_port_names, server_running
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

pytestmark = pytest.mark.jack

DUMMY = ("-d", "dummy", "-r", str(RATE), "-p", str(PERIOD), "-C", "4", "-P", "6", "-w", "1333")


def wait_until(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def host():
    layout = Layout.simple(2, 2, stereo_buses=1, generators=1)
    state = ParamTree.from_layout(layout).defaults()
    state["gen/1/on"] = True
    engine = Engine(layout, sample_rate=RATE)
    engine.load(state)
    engine.start()
    name = unique_server_name()
    h = JackHost(engine, ServerSpec(name=name, realtime=False, driver_args=DUMMY),
                 Wiring(inputs=["system:capture_1", None], outputs={0: ["system:playback_1"], 3: ["system:playback_4", "system:nope"]}),
                 start_server="auto")
    engine.driver = h
    h.start()
    try:
        yield h
    finally:
        h.stop()
        engine.stop()
    assert not server_running(name), "the jackd mixerd started is still running"


def test_callback_runs_while_python_holds_the_gil(host):
    wait_until(lambda: host.engine.core.cycles > 0, what="the first block")
    start, end, _ = host.engine.core.cycles_while_holding_gil(0.5)
    expected = 0.5 * RATE / PERIOD
    assert end - start > expected / 2, f"only {end - start} of ~{expected:.0f} blocks ran while the GIL was held"


def test_a_shutdown_is_flagged_while_python_holds_the_gil(host, caplog):
    """JACK's shutdown and xrun callbacks are C: a server going away is flagged while Python holds the GIL. (A
    Python callback would wait for the GIL on libjack's thread, and jack_client_close cancelling that thread
    while it held the GIL would lock every thread of the process out.)"""
    wait_until(lambda: host.engine.core.cycles > 0, what="the first block")
    os.kill(host.own_server.proc.pid, signal.SIGTERM)
    # A bound, not a measurement: the hold ends as soon as the shutdown is flagged.
    _, _, flagged = host.engine.core.cycles_while_holding_gil(120.0, until_shutdown=True)
    assert flagged, "JACK's shutdown was not flagged while Python held the GIL"
    wait_until(lambda: host.reconnects >= 1, timeout=60, what="the reconnect")
    assert "server shut our client down" in caplog.text
    assert "shut mixerd's client down" in host.info()["last_loss"]


def test_the_callback_times_itself_across_a_jack_restart(host):
    wait_until(lambda: host.engine.core.callback_time()[1] > 100, what="timed cycles")
    seconds, cycles = host.engine.core.callback_time()
    assert 0.0 < seconds and cycles <= host.engine.core.cycles
    os.kill(host.own_server.proc.pid, signal.SIGKILL)  # a new JACK client: the count carries on
    wait_until(lambda: host.reconnects >= 1, what="the reconnect")
    wait_until(lambda: host.engine.core.callback_time()[1] > cycles + 100, what="timed cycles after the restart")
    assert host.engine.core.callback_time()[0] > seconds
    wait_until(lambda: host.engine.health()["engine"]["core_load"] > 0.0, what="a core load over a second")
    assert host.engine.health()["engine"]["core_load"] < 100.0


def test_ports_are_registered_and_wired_from_the_profile(host):
    client = jack.Client("inspect", no_start_server=True, servername=host.spec.name)
    try:
        names = [p.name for p in client.get_ports("mixerd:")]
        assert names == ["mixerd:in_1", "mixerd:in_2"] + [f"mixerd:{n}" for n in output_port_names(host.engine.layout)]
        assert [p.name for p in client.get_all_connections("mixerd:in_1")] == ["system:capture_1"]
        assert client.get_all_connections("mixerd:in_2") == []
        assert [p.name for p in client.get_all_connections("mixerd:main_L")] == ["system:playback_1"]
        assert [p.name for p in client.get_all_connections("mixerd:bus_2_L")] == ["system:playback_4"]
    finally:
        client.close()
    # A port the interface does not have is reported, not fatal.
    assert host.info()["unconnected"] == ["mixerd:bus_2_L → system:nope"]


def test_own_jackd_killed_is_restarted_and_audio_resumes(host):
    assert host.info()["own_server"]
    pid = host.own_server.proc.pid
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: host.reconnects >= 1, what="the reconnect")
    assert host.own_server.proc.pid != pid
    before = host.engine.core.cycles
    wait_until(lambda: host.engine.core.cycles > before + 100, what="audio after the restart")
    wait_until(lambda: host.engine.health()["status"] == "ok", what="healthy again")
    assert host.engine.meters()["points"]["ch/1/input"]["peak"][0] == pytest.approx(-18.0, abs=0.1)


def test_a_period_changed_with_jack_bufsize_is_followed(host, caplog):
    """jack_bufsize at run time, up to 8192 frames (twice the core's buffers): the core mixes on (in slices),
    the meters see the generator, nothing is silenced, and the change is logged."""
    import logging
    import subprocess

    caplog.set_level(logging.INFO, logger="mixerd.jackhost.host")
    env = {**os.environ, "JACK_DEFAULT_SERVER": host.spec.name}
    for frames in (8192, 256):
        subprocess.run(["jack_bufsize", str(frames)], env=env, check=True, capture_output=True, timeout=30)
        wait_until(lambda: host.info().get("period") == frames, what=f"a period of {frames} frames")
        before = host.engine.core.cycles
        wait_until(lambda: host.engine.core.cycles > before + 3, what="cycles at the new period")
        wait_until(lambda: f"the period is now {frames} frames" in caplog.text, what="the log line")
        assert host.engine.meters()["points"]["ch/1/input"]["peak"][0] == pytest.approx(-18.0, abs=0.1)
    assert host.engine.health()["engine"]["overruns"] == 0 and host.period_changes >= 2
    assert host.reconnects == 0  # a period change needs no new client


def hang_close(client: jack.Client, release: threading.Event) -> None:
    """Make ``client.close()`` hang until ``release`` is set, as libjack's close of a client of a dead server
    can hang for good. The real close is never called: the client is left to libjack, as mixerd leaves it."""
    client.close = lambda ignore_errors=True: release.wait()


def test_a_client_whose_close_hangs_is_abandoned_and_the_audio_comes_back(host, caplog):
    release = threading.Event()
    try:
        hang_close(host.client, release)
        pid = host.own_server.proc.pid
        os.kill(pid, signal.SIGKILL)
        # The bound is generous: the close is given CLOSE_TIMEOUT, a busy machine may take longer to restart jackd.
        wait_until(lambda: host.reconnects >= 1, timeout=60, what="the reconnect past the hung close")
        assert host.own_server.proc.pid != pid
        assert host.abandoned_clients == 1 and host.engine.health()["jack"]["abandoned_clients"] == 1
        assert "abandoning it" in caplog.text
        before, (_, timed) = host.engine.core.cycles, host.engine.core.callback_time()
        wait_until(lambda: host.engine.core.cycles > before + 100, what="audio after the restart")
        wait_until(lambda: host.engine.health()["status"] == "ok", what="healthy again")
        assert host.engine.meters()["points"]["ch/1/input"]["peak"][0] == pytest.approx(-18.0, abs=0.1)
        assert host.engine.core.callback_time()[1] > timed  # the new binding's cycles count on

        # Shutting down with a close that hangs (the server alive this time) ends too, and stops our jackd.
        hang_close(host.client, release)
        name = host.spec.name
        stopping = threading.Thread(target=host.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=60)  # a bound, not a measurement: stop() gives up on the client after CLOSE_TIMEOUT
        assert not stopping.is_alive(), "stop() hung on the client's close"
        assert host.abandoned_clients == 2
        assert not server_running(name)
    finally:
        release.set()


def test_an_abandoned_binding_leaves_the_core_alone(host):
    """A retired binding's callback returns before touching the core: the core is the next binding's."""
    wait_until(lambda: host.engine.core.cycles > 0, what="the first block")
    assert host.engine.core.abandon_jack()
    assert not host.engine.core.attached
    cycles, frame = host.engine.core.cycles, host.client.last_frame_time
    # JACK goes on calling the retired binding's callback: a second of the server's cycles.
    wait_until(lambda: host.client.last_frame_time - frame > RATE, what="a second of JACK cycles")
    assert host.engine.core.cycles == cycles


def test_never_mode_refuses_to_start_a_server():
    layout = Layout.simple(1, 0, generators=0)
    h = JackHost(Engine(layout), ServerSpec(name=unique_server_name(), driver_args=DUMMY), Wiring(),
                 start_server="never")
    with pytest.raises(JackServerError, match="no JACK server named .* is running"):
        h.start()
