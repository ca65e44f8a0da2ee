"""The real X AIR client library (``xair-api`` from PyPI) through its own public API, on the parts of a strip
beyond faders and EQ: gate, compressor, preamp (HPF, polarity), head-amp gain and USB trim (both mixerd's trim)
and the DCAs. Each value the library sends lands in mixerd exactly on the X AIR step the hardware would round it
to (the nearest of the parameter's steps), and the library reads that step back as it reads it from an XR18."""

from __future__ import annotations

import math
import struct

import pytest
from osc_rig import read, xair
from support import wait_until

xair_util = pytest.importorskip("xair_api.util")
lin_get, lin_set, log_get, log_set = xair_util.lin_get, xair_util.lin_set, xair_util.log_get, xair_util.log_set


def f32(x: float) -> float:
    """``x`` as it crosses OSC: a 32-bit float."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


def step_of(w: float, steps: int) -> int:
    """The X AIR's step for a float an app sends: the nearest of ``steps`` (the mixer rounds, as ardour-dev and
    the X32 protocol notes describe)."""
    return math.floor(f32(w) * (steps - 1) + 0.5)


def lands_on_its_step(server, control, path: str, sent: float, reads: float, getter, reading) -> None:
    """After the library sent ``sent`` to ``path``: mixerd holds the value of the step the X AIR rounds ``sent`` to
    (and shows exactly that step), and the library's ``getter`` reads what ``reading`` makes of that step."""
    b = server.map.binding(path)
    [address] = b.addresses
    steps = b.encoding.steps
    k = step_of(sent, steps)
    expected = b.from_osc(k / (steps - 1))
    wait_until(lambda: control.get(address) == expected, what=f"{path} on step {k} ({expected})")
    assert b.to_osc(control.get(address)) == k / (steps - 1), path
    assert expected == pytest.approx(reads, rel=0.06, abs=0.3), path  # the step is the value asked for, nearly
    read(getter, reading(f32(k / (steps - 1))), f"{path} read back by xair-api")


def test_the_gate_through_xair_api(serve, control):
    server = serve()
    with xair(server) as mixer:
        gate = mixer.strip[0].gate
        gate.on = True
        wait_until(lambda: control.get("ch/1/gate/on") is True, what="the gate on")
        read(lambda: gate.on, True, "the gate on read back")
        gate.threshold = -42.5
        lands_on_its_step(server, control, "/ch/01/gate/thr", lin_set(-80, 0, -42.5), -42.5, lambda: gate.threshold,
                          lambda w: round(lin_get(-80, 0, w), 1))
        gate.range = 30
        lands_on_its_step(server, control, "/ch/01/gate/range", lin_set(3, 60, 30), -30.0, lambda: gate.range,
                          lambda w: int(lin_get(3, 60, w)))  # the X AIR's attenuation is mixerd's negative range
        gate.attack = 10
        lands_on_its_step(server, control, "/ch/01/gate/attack", lin_set(0, 120, 10), 10.0, lambda: gate.attack,
                          lambda w: int(lin_get(0, 120, w)))
        gate.hold = 50
        lands_on_its_step(server, control, "/ch/01/gate/hold", log_set(0.02, 2000, 50), 50.0, lambda: gate.hold,
                          lambda w: round(log_get(0.02, 2000, w), 1))
        gate.release = 300
        lands_on_its_step(server, control, "/ch/01/gate/release", log_set(5, 4000, 300), 300.0,
                          lambda: gate.release, lambda w: int(log_get(5, 4000, w)))


def test_the_compressor_through_xair_api(serve, control):
    server = serve()
    with xair(server) as mixer:
        dyn = mixer.strip[1].dyn
        dyn.on = True
        wait_until(lambda: control.get("ch/2/dyn/on") is True, what="the compressor on")
        read(lambda: dyn.on, True, "the compressor on read back")
        dyn.threshold = -20.5
        lands_on_its_step(server, control, "/ch/02/dyn/thr", lin_set(-60, 0, -20.5), -20.5, lambda: dyn.threshold,
                          lambda w: round(lin_get(-60, 0, w), 1))
        dyn.ratio = 7  # xair-api sends the X AIR's index: 5:1
        wait_until(lambda: control.get("ch/2/dyn/ratio") == 5.0, what="the ratio 5:1")
        read(lambda: dyn.ratio, 5.0, "the ratio read back")
        dyn.knee = 2
        lands_on_its_step(server, control, "/ch/02/dyn/knee", lin_set(0, 5, 2), 2.0, lambda: dyn.knee,
                          lambda w: int(lin_get(0, 5, w)))
        dyn.mgain = 6.5
        lands_on_its_step(server, control, "/ch/02/dyn/mgain", lin_set(0, 24, 6.5), 6.5, lambda: dyn.mgain,
                          lambda w: round(lin_get(0, 24, w), 1))
        dyn.attack = 20
        lands_on_its_step(server, control, "/ch/02/dyn/attack", lin_set(0, 120, 20), 20.0, lambda: dyn.attack,
                          lambda w: int(lin_get(0, 120, w)))
        dyn.release = 150
        lands_on_its_step(server, control, "/ch/02/dyn/release", log_set(5, 4000, 150), 150.0, lambda: dyn.release,
                          lambda w: int(log_get(5, 4000, w)))


def test_preamp_and_trim_through_xair_api(serve, control):
    server = serve()
    with xair(server) as mixer:
        preamp = mixer.strip[2].preamp
        preamp.highpasson = True
        preamp.invert = True
        wait_until(lambda: control.get("ch/3/hpf/on") is True and control.get("ch/3/polarity") is True,
                   what="the HPF on and the polarity inverted")
        read(lambda: preamp.highpasson, True, "the HPF on read back")
        read(lambda: preamp.invert, True, "the polarity read back")
        preamp.highpassfilter = 120
        lands_on_its_step(server, control, "/ch/03/preamp/hpf", log_set(20, 400, 120), 120.0,
                          lambda: preamp.highpassfilter, lambda w: int(log_get(20, 400, w)))
        # The XR18's head-amp gain (−12…+60 dB in 0.5 dB) and USB trim (±18 dB in 0.25 dB) are both mixerd's trim.
        headamp = mixer.headamp[3]
        headamp.gain = 10.5
        lands_on_its_step(server, control, "/headamp/04/gain", lin_set(-12, 60, 10.5), 10.5, lambda: headamp.gain,
                          lambda w: round(lin_get(-12, 60, w), 1))
        usb = mixer.strip[4].preamp
        usb.usbtrim = -3.75
        lands_on_its_step(server, control, "/ch/05/preamp/rtntrim", lin_set(-18, 18, -3.75), -3.75,
                          lambda: usb.usbtrim, lambda w: round(lin_get(-18, 18, w), 1))


def test_dcas_through_xair_api(serve, control):
    server = serve()
    with xair(server) as mixer:
        mixer.dca[0].mute = True
        mixer.dca[1].name = "Drums"
        mixer.strip[5].group.dca = 0b0101  # channel 6 in DCA 1 and DCA 3
        wait_until(lambda: control.get("dca/1/mute") is True, what="DCA 1 muted")
        wait_until(lambda: control.get("dca/2/name") == "Drums", what="DCA 2's name")
        wait_until(lambda: control.get("ch/6/dca/3") is True, what="channel 6 in DCA 3")
        assert [control.get(f"ch/6/dca/{d}") for d in range(1, 5)] == [True, False, True, False]
        read(lambda: mixer.dca[0].mute, True, "DCA 1's mute read back")
        read(lambda: mixer.dca[1].name, "Drums", "DCA 2's name read back")
        read(lambda: mixer.strip[5].group.dca, 0b0101, "channel 6's DCAs read back")
        # xair-api has no DCA fader property: its own fader law (db_to, db_from) and its send and query.
        xair_util.db_to(lambda param, w: mixer.send("/dca/1/fader", w))(None, -12.0)
        sent = (-12.0 + 50) / 80  # what db_to sends for -12 dB
        lands_on_its_step(server, control, "/dca/1/fader", sent, -12.0,
                          xair_util.db_from(lambda: mixer.query("/dca/1/fader")[0]),
                          xair_util.db_from(lambda w: w))
