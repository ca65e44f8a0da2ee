"""Two boxes on one machine: two jackd (dummy backends), two mixerd, linked by zita-njbridge over loopback.

Box A (the stage box: ``mixerd run`` in a process of its own, as libjack talks to one server a process) sends its
channel 1 to box B (the main box, in this process); B receives it as a channel of its own, named after the link,
and routes it to a mix. A click every half second and a tone between (mixerd/bench/clicks.py, a JACK client on
each server) go into A's channel 1 and are heard at B's mix output: the tone at its level, each click timed on
both servers' common clock — the added latency is printed. Killing B's bridge raises the problem, and mixerd
starts the bridge again by itself: the tone comes back.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import statistics

import pytest
from support import mixer_config, running_jackd, running_mixer, running_mixerd, wait_until

from mixerd.bench.link import Clicks
from mixerd.config import LinkConfig
from mixerd.diagnostics import take, trace
from mixerd.system.net import free_port

pytestmark = pytest.mark.jack  # zita-njbridge comes with deploy/install-deps.sh
# The boxes run at 256 frames: two dummy jackd on a busy 2-core machine hold their clocks steady enough for the
# bridge's resampler there (at 64 frames they drift apart and the stream keeps relocking); the latency at 64 frames
# is what `mixerd bench --workload link` measures.
PERIOD = 256
TONE_DB = -20.0


@pytest.fixture
def boxes(tmp_path):
    """(A's server, B's server, B: the Mixer) with A running and linked to B."""
    port_a, port_b = free_port(), free_port()
    with running_jackd(tmp_path, period=PERIOD) as server_a, running_jackd(tmp_path, period=PERIOD) as server_b:
        config = tmp_path / "stagebox.toml"
        config.write_text(
            f'[jack]\nserver = "{server_a}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\nport = 0\n'
            f'[state]\ndir = "{tmp_path / "a"}"\n[mqtt]\nenabled = false\n[auth]\nenabled = false\n'
            f'[[link]]\nname = "main-box"\npeer = "127.0.0.1"\npeer_port = {port_b}\nport = {port_a}\n'
            f'send = ["ch/1"]\n')
        with running_mixerd(config, r"link main-box: started zita-j2n"):
            cfg = dataclasses.replace(mixer_config(server_b, tmp_path / "b"), link=(
                LinkConfig(name="stage", listen="127.0.0.1", port=port_b, receive=2, buffer_ms=20),))
            with running_mixer(cfg) as b:
                yield server_a, server_b, b


def test_a_channel_of_one_box_is_heard_in_a_mix_of_the_other_and_the_link_recovers(boxes):
    server_a, server_b, b = boxes
    control = b.control
    # The link's channels come after the interface's, named after it.
    first = control.system()["layout"]["inputs"].index("stage 1") + 1
    assert control.get(f"ch/{first}/name") == "stage 1" and control.get(f"ch/{first + 1}/name") == "stage 2"
    control.set_many({f"ch/{first}/send/1/level": 0.0, f"ch/{first}/send/1/pre": True,
                      f"ch/{first}/send/1/on": True, "bus/1/fader": 0.0, "bus/1/limiter/on": False}, "rest")

    play = Clicks(server_a, "play", "mixerd:in_1")
    hear = Clicks(server_b, "hear", "mixerd:bus_1")
    try:
        wait_until(lambda: b.links.status()[0]["receive"]["state"] == "receiving", timeout=60, what="the link locked")
        # The tone between the clicks arrives at its level ...
        wait_until(lambda: any(abs(v - TONE_DB) < 1.0 for v in hear.values("level")[-3:]), timeout=60,
                   what=f"the tone at B's mix output at {TONE_DB} dBFS: {hear.values('level')[-5:]}")
        # ... and five clicks, each timed from A's input to B's output.
        wait_until(lambda: len(hear.values("heard")) >= 6, timeout=60, what="six clicks heard at B")
        clicks, heard = play.values("click"), hear.values("heard")[1:]  # the first may have been cut by the lock
        delays = [h - max(c for c in clicks if c <= h) for h in heard if any(c <= h for c in clicks)]
        latency_ms = statistics.median(delays) / 1000
        status = b.links.status()[0]["receive"]
        print(f"\nlink latency, A's channel 1 in → B's mix 1 out, {PERIOD} frames @ 48 kHz on both boxes, "
              f"buffer {status['buffer_ms']} ms: measured {latency_ms:.1f} ms (median of {len(delays)}; "
              f"{min(delays) / 1000:.1f} … {max(delays) / 1000:.1f}); the bridge's target {status['latency_ms']} ms")
        assert 0 < latency_ms < 500, delays
        # The trace of the link's channel says where it comes from: the link, its stream, latency and dropouts.
        received = trace(take(control), f"ch/{first}", links=b.links.status())["stages"][0]["state"]["link"]
        assert received["name"] == "stage" and received["running"] is True and received["buffer_ms"] == 20
        assert received["latency_ms"] is not None and received["latency_ms"] >= 20

        # The bridge dies: the problem is raised, and mixerd starts it again by itself.
        pid = b.links.links[0].receiver.pid
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: any(p["code"] in ("link_dropouts", "link_down") and p["address"] == f"ch/{first}"
                               for p in b.diagnostics.problems()["problems"]), timeout=30, what="the link's problem")
        wait_until(lambda: b.links.links[0].receiver.pid not in (None, pid) and
                   b.links.status()[0]["receive"]["state"] == "receiving", timeout=60, what="the bridge back")
        seen = len(hear.values("level"))
        wait_until(lambda: any(abs(v - TONE_DB) < 1.0 for v in hear.values("level")[seen:]), timeout=60,
                   what="the tone back at B's mix output")
        assert b.links.status()[0]["receive"]["starts"] == 2
    finally:
        play.close()
        hear.close()
