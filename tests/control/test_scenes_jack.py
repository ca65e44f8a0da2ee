"""A scene recall heard through JACK: a whole mixer in a real jackd, driven over real HTTP, a probe
feeding a sine into input 1 and recording two bus outputs.

The recall fades a send from -20 dB back to the scene's 0 dB over 1 s; the probe's recording shows the
bus level rising smoothly (monotonic in 50 ms windows) and reaching the scene's level after about a
second, while a safe keeps the other bus exactly where it was. Times here are audio time (sample
counts in the recording), not wall-clock time.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from support import RATE, Probe, peak_db, wait_until

pytestmark = pytest.mark.jack

FINE = 240  # 5 ms windows: 5 whole cycles of the 1 kHz tone
COARSE = 2400  # 50 ms windows


@pytest.fixture(scope="module")
def mixer(jack_mixer):
    return jack_mixer


@pytest.fixture(scope="module")
def api(jack_api):
    return jack_api


@pytest.fixture(scope="module")
def probe(mixer, jack_server):
    p = Probe.tone_into_input_1(jack_server, ["mixerd:bus_1", "mixerd:bus_2"])
    yield p
    p.close()


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def levels(x: np.ndarray, window: int) -> np.ndarray:
    """Peak level in dB of each whole ``window`` of ``x``.

    Peak, not RMS: the probe's Python callback now and then misses a JACK cycle, which shifts the sine's
    phase by a block. That changes the RMS of a short window but not its peak (the 1 kHz tone has exactly
    48 samples per cycle at 48 kHz, so every cycle peaks on the same sample value)."""
    n = len(x) // window
    return np.array([peak_db(x[i * window:(i + 1) * window]) for i in range(n)])


def record_during(probe: Probe, action, seconds: float, before: float = 0.1) -> np.ndarray:
    """What the probe records from ``before`` seconds before ``action()`` until ``seconds`` after the
    recording began."""
    mark = probe.written
    wait_until(lambda: probe.written - mark >= before * RATE, timeout=20, what="the probe's recording")
    action()
    n = int(seconds * RATE)
    wait_until(lambda: probe.written - mark >= n, timeout=20, what="the probe's recording")
    return probe.rec[:, (mark + np.arange(n)) % probe.size].copy()


def test_a_faded_recall_ramps_the_bus_smoothly_and_a_safe_keeps_the_other_bus(api, probe):
    ok(api.patch("/params", json={"changes": {
        "ch/1/send/1/pre": True, "ch/1/send/1/on": True, "ch/1/send/1/level": 0.0,
        "ch/1/send/2/pre": True, "ch/1/send/2/on": True, "ch/1/send/2/level": 0.0}}))
    time.sleep(0.1)  # past the 10 ms ramps
    full = probe.record(0.3)
    ref1, ref2 = peak_db(full[0]), peak_db(full[1])
    assert ref1 == pytest.approx(-12.04, abs=0.05) and ref2 == pytest.approx(-12.04, abs=0.05)  # the probe's sine

    scene = ok(api.post("/scenes", json={"name": "Everyone at 0 dB"}), 201)
    ok(api.patch("/params", json={"changes": {"ch/1/send/1/level": -20.0, "ch/1/send/2/level": -10.0}}))
    assert ok(api.put("/safes", json={"patterns": ["ch/*/send/2/*"]}))["patterns"] == ["ch/*/send/2/*"]
    time.sleep(0.1)

    answers = []
    rec = record_during(probe, lambda: answers.append(
        ok(api.post(f"/scenes/{scene['id']}/recall", json={"fade_ms": 1000}))), seconds=2.2)
    answer = answers[0]
    assert answer["changed"] == {"ch/1/send/1/level": 0.0}
    assert answer["safe"] == ["ch/1/send/2/level"] and answer["fade_ms"] == 1000.0

    bus1 = levels(rec[0], FINE) - ref1  # dB relative to the scene's level
    assert bus1[0] == pytest.approx(-20.0, abs=0.05)  # the recording starts before the fade
    onset = int(np.argmax(bus1 > -20.0 + 0.05))
    assert onset > 0
    within = int(np.argmax(bus1 > -0.5))
    assert within > onset
    seconds_to_within = (within - onset) * FINE / RATE
    # A linear gain ramp from 0.1 to 1.0 over 1 s is within 0.5 dB of the end after 0.94 s.
    assert 0.9 <= seconds_to_within <= 1.1, seconds_to_within
    halfway = bus1[onset + int(0.5 * RATE / FINE)]
    assert -8.0 < halfway < -3.0, halfway  # a ramp, not a late jump (linear gain: -5.2 dB)
    settled = bus1[onset + int(1.05 * RATE / FINE):]
    assert len(settled) > 10 and np.all(np.abs(settled) < 0.05)

    coarse = levels(rec[0], COARSE) - ref1
    assert np.all(np.diff(coarse) > -0.01), coarse  # never falls back
    start, end = (onset * FINE) // COARSE + 1, (onset * FINE + RATE) // COARSE - 1
    assert np.all(np.diff(coarse[start:end + 1]) > 0.1), coarse  # and keeps rising through the fade

    bus2 = levels(rec[1], COARSE) - ref2
    assert np.all(np.abs(bus2 + 10.0) < 0.05), bus2  # the safe send did not move at all
    state = ok(api.get("/state"))["values"]
    assert state["ch/1/send/1/level"] == 0.0 and state["ch/1/send/2/level"] == -10.0
