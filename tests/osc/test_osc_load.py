"""Load: 16 X AIR apps following every change and getting /meters/1 every tick, while one more app makes 200
fader changes a second (mixerd/bench/osc_apps.py, a process of its own, on real UDP). Every change the app sent
is applied, in the order sent, and reaches every app in that order; every app gets the same meter ticks, about
one per 50 ms. Nothing here depends on the machine's speed: the apps count between two markers the server sends
to all of them alike, and the driver never sends the same fader twice in a row (the one case where the change
worker keeps only a drag's latest position), so how fast the worker keeps up changes nothing of what is applied.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
from osc_rig import LAYOUT
from support import wait_until

from mixerd.control.events import Event
from mixerd.osc.meters import TICK_S

APPS, CHANGES, CHANGES_HZ = 16, 600, 200


def as_float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def kernel_drops(port: int) -> int:
    """Datagrams the kernel dropped at the UDP socket(s) bound to ``port`` on this machine (/proc/net/udp): what
    a receiver stalled past its buffer loses, said when an assertion fails."""
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                drops += int(fields[-1])
    return drops


def test_sixteen_apps_see_every_change_in_order_and_every_meter_tick(serve, control, engine):
    engine.process(np.full((LAYOUT.n_inputs, 4800), 0.1, np.float32))  # a meter frame to send
    server = serve()
    events = control.subscribe(1 << 16)
    host, port = server.address
    run = subprocess.run([sys.executable, "-m", "mixerd.bench.osc_apps", host, str(port), "--apps", str(APPS),
                          "--changes", str(CHANGES), "--changes-hz", str(CHANGES_HZ)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    lost_at_server = kernel_drops(port)

    # What mixerd applied between the markers (the channel's name set to "start", then "end"), as the X AIR
    # messages its followers must get.
    applied, between = [], False
    while (event := events.get_nowait()) is not None:
        if not isinstance(event, Event):
            continue
        if event.address == "ch/1/name":
            between = event.value == "start"
        elif between and event.address.endswith("/fader"):
            [binding] = server.map.bindings_of(event.address)
            applied.append([binding.path, as_float32(binding.read(lambda a: event.value))])
    events.close()

    # Every change sent was applied, in the order sent: none merged (no fader twice in a row), none dropped.
    sent = [[path, as_float32(value)] for path, value in got["sent_faders"]]
    assert len(sent) == got["sent"] == CHANGES
    assert applied == sent, (f"{len(applied)} of {len(sent)} applied; the kernel dropped {lost_at_server} "
                             "datagrams at the server")
    # The worker counts a change once its call returns, a moment after the followers were sent it.
    wait_until(lambda: server.status()["changes_applied"] >= CHANGES + 2, what="the worker's count")
    status = server.status()
    assert status["changes_applied"] == CHANGES + 2  # and the two markers; nothing refused or dropped
    assert (status["refused"], status["changes_dropped"], status["changes_merged"], status["dropped"]) == (0, 0, 0, 0)

    # ... and reached every app, in that order, nothing else.
    assert len(got["apps"]) == APPS
    for n, app in enumerate(got["apps"]):
        assert app["ended"], f"app {n} got no end marker"
        assert app["faders"] == applied, f"app {n} got {len(app['faders'])} of {len(applied)} changes"

    # Meters: every app the same ticks (the server sends a tick to every subscriber before the next), and about
    # one per 50 ms while the driver sent (the markers go through the change worker, so the span between them is
    # about the driver's): at least half of them, a bound a busy machine stays far from, not a measurement.
    ticks = {len(app["meters"]) for app in got["apps"]}
    assert len(ticks) == 1, f"the apps got different numbers of meter blobs: {sorted(ticks)}"
    count = ticks.pop()
    expected = got["sent_s"] / TICK_S
    assert count >= 0.5 * expected, f"{count} meter blobs in {got['sent_s']:.2f} s ({expected:.0f} ticks due)"
