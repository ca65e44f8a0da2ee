"""Two boxes on one machine linked by netjack2 (``engine = "netjack2"``) over loopback.

Box B (the main box, in this process, on the tests' jackd) is the master: mixerd loads netmanager into its jackd.
Box A (the stage box: ``mixerd run`` in a process of its own, with a jackd it starts itself — so it reads what
netjack2 prints there) joins it: mixerd loads netadapter into A's jackd, pointed at B. A tone with a click every
half second goes into A's channel 1 and is heard at B's mix output at its level; the added latency is printed.
B's channel 1 as it comes in reaches A the other way. Killing B's loader (its netmanager left loaded, stale) makes
mixerd load it again: the stream is lost and comes back by itself, and the problem finder said so.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import statistics
import urllib.request

import pytest
from support import (jackd_pids, kill_and_wait, mixer_config, running_jackd, running_mixer, running_mixerd,
                     unique_server_name, wait_until)

from mixerd.bench.link import Clicks
from mixerd.config import LinkConfig
from mixerd.diagnostics import take, trace
from mixerd.system.net import free_port

pytestmark = pytest.mark.jack
PERIOD = 256  # B's; A's jackd runs at the demo profile's 64 frames: netadapter resamples between them
TONE_DB = -20.0


def health(url: str) -> dict:
    with urllib.request.urlopen(url + "/api/v1/health", timeout=10) as answer:
        return json.load(answer)


@pytest.fixture
def boxes(tmp_path):
    """(A's server, A's web address, B's server, B: the Mixer) with A joined to B."""
    net_port, http_a, server_a = free_port(), free_port(), unique_server_name()
    with running_jackd(tmp_path, period=PERIOD) as server_b:
        cfg = dataclasses.replace(mixer_config(server_b, tmp_path / "b"), link=(
            LinkConfig(name="stage", engine="netjack2", port=net_port, receive=1, send=("ch/1",), buffer_ms=20),))
        with running_mixer(cfg) as b:
            config = tmp_path / "stagebox.toml"
            config.write_text(
                f'[jack]\nserver = "{server_a}"\nstart_server = "always"\nautostart = "dummy"\nrealtime = false\n'
                f'[http]\nhost = "127.0.0.1"\nport = {http_a}\n[state]\ndir = "{tmp_path / "a"}"\n'
                f'[mqtt]\nenabled = false\n[auth]\nenabled = false\n[mdns]\nenabled = false\n'
                f'[[link]]\nname = "stage"\nengine = "netjack2"\npeer = "127.0.0.1"\nport = {net_port}\n'
                f'send = ["ch/1"]\nreceive = 1\nbuffer_ms = 20\n')
            with running_mixerd(config, r"link stage: loading netadapter"):
                yield server_a, f"http://127.0.0.1:{http_a}", server_b, b


def test_netjack2_carries_a_channel_both_ways_and_recovers_by_itself(boxes):
    server_a, url_a, server_b, b = boxes
    control = b.control
    first = control.system()["layout"]["inputs"].index("stage 1") + 1
    control.set_many({f"ch/{first}/send/1/level": 0.0, f"ch/{first}/send/1/pre": True,
                      f"ch/{first}/send/1/on": True, "bus/1/fader": 0.0, "bus/1/limiter/on": False}, "rest")

    play = Clicks(server_a, "play", "mixerd:in_1")
    hear = Clicks(server_b, "hear", "mixerd:bus_1")
    back = Clicks(server_b, "play", "mixerd:in_1")           # B's channel 1 as it comes in, sent to A
    heard_back = Clicks(server_a, "hear", "link-stage:capture_1")
    try:
        wait_until(lambda: b.links.status()[0]["receive"]["state"] == "receiving", timeout=60, what="A joined B")
        # A reads netjack2's words in the jackd it started: its adapter is connected.
        wait_until(lambda: health(url_a)["links"][0]["receive"]["state"] == "receiving", timeout=60,
                   what="A's adapter connected")
        wait_until(lambda: any(abs(v - TONE_DB) < 1.0 for v in hear.values("level")[-3:]), timeout=60,
                   what=f"the tone at B's mix output at {TONE_DB} dBFS: {hear.values('level')[-5:]}")
        wait_until(lambda: any(abs(v - TONE_DB) < 1.0 for v in heard_back.values("level")[-3:]), timeout=60,
                   what=f"B's channel 1 at A at {TONE_DB} dBFS: {heard_back.values('level')[-5:]}")
        wait_until(lambda: len(hear.values("heard")) >= 6, timeout=60, what="six clicks heard at B")
        clicks, heard = play.values("click"), hear.values("heard")[1:]
        delays = [h - max(c for c in clicks if c <= h) for h in heard if any(c <= h for c in clicks)]
        latency_ms = statistics.median(delays) / 1000
        status = b.links.status()[0]
        print(f"\nnetjack2 latency, A's channel 1 in (64 frames) → B's mix 1 out ({PERIOD} frames), buffer "
              f"{status['receive']['buffer_ms']} ms: measured {latency_ms:.1f} ms (median of {len(delays)}; "
              f"{min(delays) / 1000:.1f} … {max(delays) / 1000:.1f}); netjack2's nominal "
              f"{status['receive']['latency_ms']} ms")
        assert 0 < latency_ms < 500, delays
        assert status["role"] == "master" and status["other_box"] == {"sends": 1, "receives": 1}
        assert status["send"]["running"] is True and status["send"]["sources"] == ["ch/1"]
        received = trace(take(control), f"ch/{first}", links=b.links.status())["stages"][0]["state"]["link"]
        assert received["name"] == "stage" and received["state"] == "receiving" and received["buffer_ms"] == 20

        # B's loader dies (-9: its netmanager stays loaded, kept by nobody). mixerd unloads it and loads it
        # again; A's adapter loses its master and joins again. The problem finder saw the link drop.
        loader = b.links.manager
        pid = loader.pid
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: any(p["code"] in ("link_dropouts", "link_down") and p["address"] == f"ch/{first}"
                               for p in b.diagnostics.problems()["problems"]), timeout=60, what="the link's problem")
        wait_until(lambda: loader.pid not in (None, pid) and loader.alive and
                   b.links.status()[0]["receive"]["state"] == "receiving", timeout=90, what="the link back")
        seen = len(hear.values("level"))
        wait_until(lambda: any(abs(v - TONE_DB) < 1.0 for v in hear.values("level")[seen:]), timeout=60,
                   what="the tone back at B's mix output")
        assert b.links.status()[0]["receive"]["dropouts"] >= 1 and loader.starts == 2

        # A's jackd dies: A's mixerd starts it again, and loads its adapter again (the old loader outlived its
        # server); B sees A go and come back.
        dropouts = b.links.status()[0]["receive"]["dropouts"]
        kill_and_wait(jackd_pids(server_a))
        wait_until(lambda: b.links.status()[0]["receive"]["dropouts"] > dropouts, timeout=60, what="B saw A go")
        wait_until(lambda: health(url_a)["links"][0]["receive"]["starts"] == 2 and
                   health(url_a)["links"][0]["receive"]["state"] == "receiving", timeout=90, what="A joined again")
        wait_until(lambda: b.links.status()[0]["receive"]["state"] == "receiving", timeout=60, what="B got A back")
    finally:
        for clicks_client in (play, hear, back, heard_back):
            clicks_client.close()
