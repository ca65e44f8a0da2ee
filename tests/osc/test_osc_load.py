"""Load: 16 X AIR apps following every change and getting /meters/1 every tick, while one more app makes 200
fader changes a second (mixerd/bench/osc_apps.py, a process of its own, on real UDP). Every change mixerd
applied reaches every app, in the order it was applied, and every app gets the same meter ticks. Nothing here
depends on the machine's speed: the apps count between two markers the server sends to all of them alike."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
from osc_rig import LAYOUT

from mixerd.control.events import Event

APPS, CHANGES = 16, 600


def as_float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def test_sixteen_apps_see_every_change_in_order_and_every_meter_tick(serve, control, engine):
    engine.process(np.full((LAYOUT.n_inputs, 4800), 0.1, np.float32))  # a meter frame to send
    server = serve()
    events = control.subscribe(1 << 16)
    host, port = server.address
    run = subprocess.run([sys.executable, "-m", "mixerd.bench.osc_apps", host, str(port), "--apps", str(APPS),
                          "--changes", str(CHANGES), "--changes-hz", "200"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)

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
    assert len(applied) >= CHANGES // 8  # a driver the worker coalesced to nothing would test nothing

    assert len(got["apps"]) == APPS
    ticks = {len(app["meters"]) for app in got["apps"]}
    for app in got["apps"]:
        assert app["ended"]
        assert app["faders"] == applied  # every change, in order, nothing else
    assert len(ticks) == 1 and ticks.pop() > 0  # the same meter ticks for every app
    assert server.stats["dropped"] == 0
