"""The C core against the numpy/scipy reference of the whole processing (mixerd.bench.reference_full).

A small mixer with every insert in use and nothing flat: 4 channels (HPF, 4 EQ bands, gate, compressor,
both insert orders), a mono and a stereo aux bus with EQ, graphic EQ (a few bands cut, as when ringing
out), limiter and output delay, a reverb and a delay FX bus returning into the main and both aux buses, the
main with EQ, graphic EQ, balance, limiter and output delay. The engine is
loaded at once (no ramps), so core and reference start from the same state and must agree from the
first sample: every output, and every meter frame the core publishes (peak, mean square, K-weighted
mean square, true peak, gain reductions).

Tolerances. Outputs: 1e-4 absolute on signals peaking at about 0.3 (the core agrees to about 1.5e-5:
it keeps the dynamics' time constants as float32, e.g. a 50 ms release coefficient 0.999583 is off by
up to 3e-8, which moves a closing gate's gain by up to ~5e-5 relative; with the reference's
coefficients rounded to float32 the two agree to 3e-7, float32 resolution). Output meters: 1e-3
relative; gain reductions: 0.01 dB (the core's fast log2 is good to 1.2e-5 dB).
"""

import numpy as np
import pytest

from mixerd.engine import Engine
from mixerd.bench.reference_full import ReferenceChain
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

RATE = 48000
SECONDS = 0.5
BLOCK = 64
METER_RATE = 50
INTERVAL = RATE // METER_RATE  # 960 samples = 15 blocks: one meter frame per 960 samples
LAYOUT = Layout.simple(4, 2, stereo_buses=1, generators=0, fx=("reverb", "delay"))
REVERB, DELAY = 3, 4  # bus numbers of the FX buses


def full_state(order: str, variant: int) -> dict:
    """Every insert on with non-trivial settings. Variant 1 turns the less common corners: a hard knee,
    an attack slower than the release, 12 dB/oct HPF, a muted channel, a channel off the main, a send
    switched off, a mono reverb, a delay without high-cut."""
    rng = np.random.default_rng(10 + variant)
    s = ParamTree.from_layout(LAYOUT).defaults()
    for c in range(1, 5):
        p = f"ch/{c}/"
        s.update({
            p + "trim": float(rng.uniform(-6, 6)), p + "polarity": c == 2, p + "order": order,
            p + "hpf/on": True, p + "hpf/freq": float(rng.uniform(60, 200)),
            p + "hpf/slope": 12.0 if variant == 1 else 24.0,
            p + "gate/on": True, p + "gate/threshold": -40.0, p + "gate/range": -30.0, p + "gate/attack": 1.0,
            p + "gate/hold": 20.0, p + "gate/release": 50.0,
            p + "dyn/on": True, p + "dyn/threshold": -30.0, p + "dyn/ratio": 4.0,
            p + "dyn/knee": 0.0 if variant == 1 else 6.0, p + "dyn/attack": 60.0 if variant == 1 else 5.0,
            p + "dyn/release": 30.0 if variant == 1 else 80.0, p + "dyn/makeup": 4.0,
            p + "fader": float(rng.uniform(-10, 0)), p + "pan": float(rng.uniform(-100, 100)),
        })
        for i in range(1, 5):
            s[p + f"eq/{i}/gain"] = float(rng.choice([-1, 1]) * rng.uniform(3, 9))
        for b, bus in enumerate(LAYOUT.buses, start=1):
            s[p + f"send/{b}/level"] = float(rng.uniform(-12, 0))
            s[p + f"send/{b}/pre"] = b <= 2 and (c + b) % 2 == 0  # half the aux sends pre-fader
            if bus.stereo:
                s[p + f"send/{b}/pan"] = float(rng.uniform(-100, 100))
    for b in range(1, LAYOUT.n_buses + 1):
        for i in range(1, 5):
            s[f"bus/{b}/eq/{i}/gain"] = float(rng.choice([-1, 1]) * rng.uniform(2, 6))
        s[f"bus/{b}/limiter/on"] = True
        s[f"bus/{b}/limiter/threshold"] = -18.0
        s[f"bus/{b}/fader"] = float(rng.uniform(-3, 3))
    for owner in ("bus/1", "bus/2", "main"):  # ringing out: a few bands cut (variant 1: one boosted too)
        s[f"{owner}/geq/on"] = True
        for k in rng.choice(31, size=5, replace=False):
            s[f"{owner}/geq/{k + 1}/gain"] = float(-rng.uniform(3, 9))
        if variant == 1:
            s[f"{owner}/geq/{int(rng.integers(1, 32))}/gain"] = 6.0
    # Output delays: not whole blocks, and (variant 1) up to the longest.
    s.update({"bus/1/delay": 7.3, "main/delay": 2.5} if variant == 0 else {"bus/2/delay": 100.0, "main/delay": 0.02})
    s["bus/2/balance"] = 30.0
    s[f"bus/{REVERB}/balance"] = -20.0
    s.update({f"bus/{REVERB}/fx/size": 70.0, f"bus/{REVERB}/fx/damping": 40.0, f"bus/{REVERB}/fx/width": 80.0,
              f"bus/{REVERB}/fx/predelay": 10.0, f"bus/{DELAY}/fx/time": 120.0, f"bus/{DELAY}/fx/feedback": 50.0,
              f"bus/{DELAY}/fx/highcut": 4000.0})
    for f in (REVERB, DELAY):
        s[f"bus/{f}/return/main/level"] = -6.0
        for a in (1, 2):
            s[f"bus/{f}/return/{a}/level"] = -8.0
    for i in range(1, 5):
        s[f"main/eq/{i}/gain"] = float(rng.choice([-1, 1]) * rng.uniform(2, 6))
    s.update({"main/limiter/threshold": -10.0, "main/balance": -15.0, "main/fader": 2.0})
    if variant == 1:
        s.update({"ch/3/mute": True, "ch/4/main": False, "ch/1/send/2/on": False,
                  f"bus/{REVERB}/fx/width": 0.0, f"bus/{DELAY}/fx/highcut": 20000.0,
                  f"bus/{DELAY}/fx/time": 1.0 + 64_000 / RATE})  # not a whole number of blocks
    return s


def program(seed: int, rate: int = RATE) -> np.ndarray:
    """Per channel: bursts of noise and a tone with silent gaps between them (the gates open and close),
    peaking around 0.3."""
    rng = np.random.default_rng(seed)
    n = round(SECONDS * rate)
    t = np.arange(n) / rate
    x = np.empty((LAYOUT.n_inputs, n))
    for c in range(LAYOUT.n_inputs):
        bursts = np.sin(2 * np.pi * (2 + c) * t + c) > -0.2
        x[c] = 0.3 * bursts * (0.3 * rng.standard_normal(n) + 0.5 * np.sin(2 * np.pi * 200 * (c + 1) * t))
    return x.astype(np.float32)


@pytest.mark.parametrize("variant", [0, 1])
@pytest.mark.parametrize("order", ["eq>dyn", "dyn>eq"])
def test_core_matches_the_full_reference(order, variant):
    engine = Engine(LAYOUT, sample_rate=RATE, meter_rate=METER_RATE)
    _check_against_reference(engine, full_state(order, variant), variant, RATE)


@pytest.mark.parametrize("rate", [44100, 96000])
def test_a_core_whose_sample_rate_changed_matches_the_reference_at_the_new_rate(rate):
    """JACK's rate changed at run time (PipeWire's clock.force-rate, another interface): the engine, made for
    48 kHz and loaded, is told the new rate while detached — and every filter, time constant, FX and loudness
    weighting is the reference's at that rate, from the first sample."""
    engine = Engine(LAYOUT, sample_rate=RATE, meter_rate=METER_RATE)
    state = full_state("eq>dyn", 0)
    engine.load(state)
    engine.set_sample_rate(rate)
    _check_against_reference(engine, state, 0, rate, loaded=True)


def _check_against_reference(engine: Engine, state: dict, variant: int, rate: int, loaded: bool = False) -> None:
    x = program(variant, rate)
    if not loaded:
        engine.load(state)
    interval = rate // METER_RATE
    # The core publishes meters at the end of the block that reaches the interval: whole blocks per interval
    # (64 at 48 and 96 kHz, 98 at 44.1 kHz: 882 = 9 × 98) let the reference measure the very same spans.
    y = engine.core.process(x, block=BLOCK if interval % BLOCK == 0 else 98)
    data, frames, _ = engine.core.read_meters(64)

    # The reference measures the spans the core's meter frames cover.
    ref = ReferenceChain(LAYOUT, state, rate)
    spans, meters = [], []
    for k in range(0, x.shape[1], interval):
        spans.append(ref.process(x[:, k:k + interval]))
        meters.append(ref.meters)
    expected = np.concatenate(spans, axis=1)

    # The settings do something: every gate closes, every compressor compresses, the limiters limit.
    gr = np.array([m.gr for m in meters]).max(axis=0)
    n = LAYOUT.n_inputs
    assert np.all(gr[:n] > 10.0), "every gate closes"
    assert np.all(gr[n:2 * n] > 1.0), "every compressor compresses"
    assert gr[2 * n + 0] > 0.5 and gr[2 * n + 1] > 0.5 and gr[-1] > 0.5, "the aux and main limiters limit"
    assert np.abs(expected).max() > 0.1

    # Outputs: from the first sample (nothing ramps after load).
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-4)

    # Meter frames: the core published one per INTERVAL samples, the reference measured the same spans.
    assert len(frames) == len(meters) and np.all(frames == interval)
    nm, first_out = engine.core.n_meters, 4 * n
    field = {name: data[:, k * nm:(k + 1) * nm] for k, name in enumerate(["peak", "ms", "clips", "kms", "tp"])}
    for name in ("peak", "ms", "kms", "tp"):
        got = field[name][:, first_out:]
        want = np.array([getattr(m, name)[first_out:] for m in meters])
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-9, err_msg=f"output meter {name}")
    np.testing.assert_allclose(field["peak"][:, :first_out], np.array([m.peak[:first_out] for m in meters]),
                               rtol=1e-3, atol=1e-6, err_msg="channel meter peak")
    np.testing.assert_allclose(data[:, 5 * nm:], np.array([m.gr for m in meters]), rtol=0, atol=0.01,
                               err_msg="gain reduction")
    # The loudness meters see signal on every output side, including the FX buses' (the solo pair last
    # has none: it is metered for peak and RMS only).
    assert np.all(np.array([m.kms[first_out:-2] for m in meters]).max(axis=0) > 1e-6)
    assert np.all(field["kms"][:, -2:] == 0) and np.all(field["tp"][:, -2:] == 0)
