"""mixerd on PipeWire's JACK, as on a Debian / Ubuntu / Raspberry Pi OS desktop: a headless PipeWire
(``pipewire_rig``, its stock Dummy-Driver) and a real ``mixerd run`` under PipeWire's libjack (what ``pw-jack``
does). Audio goes through; PipeWire's quantum and rate changed at run time are followed (a 1 kHz generator is
measured at 1 kHz at 44.1 kHz too); PipeWire stopped — which its JACK does not report — is noticed, shown in
/health and the problem finder, and recovered from once PipeWire is back; mixerd started while PipeWire is down
waits for it instead of starting a jackd it could not talk to.

Every wait is for an event (a log line, /health saying so), bounded; the audio is measured in frames a probe
client recorded, never in wall time.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from pipewire_rig import PipeWire, available
from support import Output, wait_until

from mixerd.system.net import free_port

pytestmark = pytest.mark.jack

TONE_HZ = 1000.0


def _config(folder, port: int) -> str:
    path = folder / "mixerd.toml"
    path.write_text("\n".join([
        '[mixer]', 'profile = "demo"', '[jack]', 'start_server = "auto"', 'client_name = "mixerd"',
        '[engine]', 'generators = 1', '[http]', 'host = "127.0.0.1"', f'port = {port}', '[auth]', 'enabled = false',
        '[mqtt]', 'enabled = false', '[state]', f'dir = "{folder / "state"}"', '[log]', 'level = "info"', '']))
    return str(path)


class Mixerd:
    """``mixerd run`` as a JACK client of ``pw``; ``api`` its REST API, ``out`` its log lines."""

    def __init__(self, pw: PipeWire, folder):
        folder.mkdir(exist_ok=True)
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "mixerd", "run", "--config", _config(folder, port)],
                                     env=pw.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.out = Output(self.proc)
        self.out.wait_for(r"mixerd is running", timeout=60)
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=10)

    def health(self) -> dict:
        return self.api.get("/health").json()

    def problems(self) -> set[str]:
        return {p["code"] for p in self.api.get("/diagnostics").json()["problems"]}

    def set(self, address: str, value) -> None:
        r = self.api.put(f"/params/{address}", json={"value": value})
        assert r.status_code == 200, r.text

    def close(self) -> None:
        self.api.close()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def pw(tmp_path_factory):
    why = available()
    assert why is None, why  # the test set-up installs PipeWire (deploy/install-deps.sh --test)
    pipewire = PipeWire(tmp_path_factory.mktemp("pipewire-run"))
    pipewire.start()
    yield pipewire
    pipewire.stop()


@pytest.fixture(scope="module")
def mixer(pw, tmp_path_factory):
    m = Mixerd(pw, tmp_path_factory.mktemp("mixerd-on-pipewire"))
    m.set("gen/1/freq", TONE_HZ)
    m.set("gen/1/on", True)  # a -18 dBFS sine on Kick, which reaches the main
    yield m
    m.close()


def _tone(pw: PipeWire) -> dict:
    got = pw.probe("record", "mixerd:main_L", "1")
    assert got["hz"] == pytest.approx(TONE_HZ, abs=0.5), got
    assert got["rms_db"] > -40, got
    return got


def _running_at(mixer: Mixerd, rate: int | None = None, period: int | None = None) -> None:
    def there():
        engine = mixer.health()["engine"]
        return engine["running"] and (rate is None or engine["sample_rate"] == rate) and (
            period is None or engine["period"] == period)
    wait_until(there, timeout=30, what=f"mixerd running at {rate} Hz, {period} frames")


def test_audio_goes_through_pipewire(pw, mixer):
    _running_at(mixer)
    _tone(pw)
    assert mixer.health()["jack"]["pipewire"] is True


@pytest.mark.parametrize("quantum", [64, 1024, 8192])
def test_a_quantum_changed_at_run_time_is_followed(pw, mixer, quantum):
    level = _tone(pw)["rms_db"]
    pw.setting("clock.force-quantum", quantum)
    _running_at(mixer, period=quantum)
    got = _tone(pw)
    assert got["period"] == quantum
    assert got["rms_db"] == pytest.approx(level, abs=0.5)  # the same tone, not silence (8192 > the core's 4096)
    assert mixer.health()["engine"]["overruns"] == 0


def test_a_rate_forced_to_44k1_and_back_is_followed(pw, mixer):
    pw.setting("clock.force-quantum", 256)
    for rate in (44100, 48000):
        pw.setting("clock.force-rate", rate)
        mixer.out.wait_for(rf"jack: the sample rate changed to {rate} Hz")
        mixer.out.wait_for(rf"jack: reconnected \(after: the sample rate changed to {rate} Hz")
        _running_at(mixer, rate=rate)
        assert mixer.api.get("/system").json()["sample_rate"] == rate
        got = _tone(pw)  # the generator at its set frequency, not 1000 × 44100 / 48000
        assert got["rate"] == rate
    assert mixer.health()["jack"]["rate_changes"] >= 2


def test_pipewire_stopped_and_restarted_is_recovered_from(pw, mixer):
    reconnects = mixer.health()["jack"]["reconnects"]
    pw.stop()
    # PipeWire's JACK says nothing: the audio standing still is the sign
    mixer.out.wait_for(r"jack: no audio cycle for .* taking the server for lost", timeout=30)
    wait_until(lambda: "audio_stopped" in mixer.problems(), timeout=15, what="the audio_stopped problem")
    health = mixer.api.get("/health")
    assert health.status_code == 503 and health.json()["status"] == "down"
    assert "stood still" in health.json()["jack"]["last_loss"]
    pw.start()
    _running_at(mixer)
    assert mixer.health()["jack"]["reconnects"] > reconnects
    mixer.out.wait_for(r"jack: reconnected \(after: the audio stood still")
    _tone(pw)
    wait_until(lambda: "audio_stopped" not in mixer.problems(), timeout=15, what="audio_stopped cleared")


def test_started_while_pipewire_is_down_it_waits_for_pipewire(tmp_path):
    pipewire = PipeWire(tmp_path / "run")  # not started yet
    m = None
    try:
        m = Mixerd(pipewire, tmp_path / "mixerd")
        m.out.wait_for(r"waiting for PipeWire instead of starting jackd")
        assert m.proc.poll() is None  # alive, not exited, no jackd of its own
        assert m.api.get("/health").json()["jack"]["own_server"] is False
        wait_until(lambda: "audio_stopped" in m.problems(), timeout=15, what="the audio_stopped problem")
        pipewire.start()
        _running_at(m)
        m.set("gen/1/on", True)
        _tone(pipewire)
    finally:
        if m is not None:
            m.close()
        pipewire.stop()
