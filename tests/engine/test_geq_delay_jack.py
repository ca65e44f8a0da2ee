"""A mix's graphic EQ and output delay heard through a real jackd: a whole mixer (demo profile) driven over real
HTTP, a probe playing a 1 kHz tone into input 1 and recording two mono mixes it feeds alike: bus 3 (under test)
and bus 1 (the reference, left alone).

A −9 dB cut of the graphic EQ band at 1 kHz lowers the tone at bus 3's port by 9 dB (±0.5) against bus 1; a
10 ms output delay makes bus 3's port carry exactly bus 1's samples 480 samples (10 ms at 48 kHz) later. For
the delay the probe gates its tone (bursts of 25 ms every 100 ms), so the shift is unambiguous. Waits are in
audio time: after a change, the probe's recording of the next 100 ms (ramps take 10 ms) is thrown away.
"""

from __future__ import annotations

import numpy as np
import pytest
from support import RATE, Probe, rms_db

pytestmark = pytest.mark.jack

BURST, PERIOD = 1200, 4800  # the gated tone: on 25 ms of every 100 ms


class GatedProbe(Probe):
    """The tests' probe whose tone can be gated into bursts (``gate = (on, period)`` frames; None: steady)."""

    gate: tuple[int, int] | None = None

    def process(self, frames: int) -> None:
        start = self.phase
        super().process(frames)
        if self.gate is not None:
            on, period = self.gate
            self.outs[0].get_array()[:] *= ((start + np.arange(frames)) % period) < on


@pytest.fixture(scope="module")
def probe(jack_mixer, jack_server):
    p = GatedProbe(jack_server, n_out=1, n_in=2)
    p.connect("probe:out_1", "mixerd:in_1")
    p.connect("mixerd:bus_3", "probe:in_1")
    p.connect("mixerd:bus_1", "probe:in_2")
    p.play(0, 1000.0, 0.25)
    yield p
    p.close()


def patch(api, changes):
    r = api.patch("/params", json={"changes": changes})
    assert r.status_code == 200, r.text


def settled(probe):
    """Let 100 ms of audio pass after a change (the ramps take 10 ms)."""
    probe.record(0.1)


def test_a_graphic_eq_cut_and_an_output_delay_at_the_mix_port(jack_api, probe):
    feed = {"ch/1/mute": False, "ch/1/main": False}
    for b in (1, 3):
        feed.update({f"ch/1/send/{b}/pre": True, f"ch/1/send/{b}/level": 0.0, f"ch/1/send/{b}/on": True,
                     f"bus/{b}/fader": 0.0, f"bus/{b}/mute": False, f"bus/{b}/eq/on": False,
                     f"bus/{b}/limiter/on": False})
    patch(jack_api, {**feed, "bus/3/geq/on": False, "bus/3/delay": 0.0})
    settled(probe)
    mix, reference = probe.record(0.5)
    assert rms_db(reference) == pytest.approx(rms_db(0.25 * np.sin(np.linspace(0, 1000 * np.pi, 24000))), abs=0.1)
    assert rms_db(mix) == pytest.approx(rms_db(reference), abs=0.05)

    # Ringing out: the 1 kHz band (band 18) cut by 9 dB.
    assert jack_api.get("/params/bus/3/geq/18/gain").json()["value"] == 0.0
    patch(jack_api, {"bus/3/geq/on": True, "bus/3/geq/18/gain": -9.0})
    settled(probe)
    mix, reference = probe.record(0.5)
    assert rms_db(mix) - rms_db(reference) == pytest.approx(-9.0, abs=0.5)

    # A band an octave away barely touches the tone; bypassing the graphic EQ brings it back.
    patch(jack_api, {"bus/3/geq/18/gain": 0.0, "bus/3/geq/21/gain": -9.0})
    settled(probe)
    mix, reference = probe.record(0.5)
    assert -0.6 < rms_db(mix) - rms_db(reference) < 0.0

    # The output delay: the tone in bursts, bus 3 10 ms late, the graphic EQ out (so the two ports carry the
    # same samples, one of them later).
    probe.gate = (BURST, PERIOD)
    patch(jack_api, {"bus/3/geq/on": False, "bus/3/delay": 10.0})
    settled(probe)
    mix, reference = probe.record(0.5)
    lag = round(10.0 * RATE / 1000)
    assert lag == 480
    np.testing.assert_array_equal(mix[lag:], reference[:-lag])
    # ... and at no other shift within a burst period: the delay is exactly this many samples.
    matches = [d for d in range(PERIOD) if np.allclose(mix[PERIOD:], np.roll(reference, d)[PERIOD:], atol=1e-6)]
    assert matches == [lag]
    assert rms_db(mix[lag:]) == pytest.approx(rms_db(reference[:-lag]), abs=1e-6)

    patch(jack_api, {"bus/3/delay": 0.0})
    probe.gate = None
    settled(probe)
    mix, reference = probe.record(0.2)
    np.testing.assert_array_equal(mix, reference)
