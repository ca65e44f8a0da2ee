"""The graphic EQ and the output delay of the aux buses and the main, with real audio through the offline engine.

Graphic EQ: the whole cascade as the core plays it (an impulse into channel 1, the bus's output port recorded
for 4 s and taken to the frequency domain) against scipy.signal.sosfreqz of the designed bands, within
0.1 dB from 20 Hz to 20 kHz: every band alone, and all 31 at once, on a mono mix, a stereo mix and the main.
A flat or bypassed graphic EQ leaves the signal bit for bit as it was. Changes (a band's gain, the bypass)
ramp like every insert: the largest sample-to-sample step of a steady sine while they move stays within
10 % of the steady sine's own at the louder setting.

Output delay: an impulse comes out exactly round(ms · rate / 1000) samples later at 44.1, 48 and 96 kHz, up
to 100 ms, also after the engine was told a new sample rate (the lines are re-made for it). A delay that
moves crossfades: the largest step of a steady sine stays within 10 % of the sine's own, where jumping at
once steps many times that; once settled the output is the input shifted exactly. The output meter measures
the port's very samples (it comes after the delay).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss
from support import loaded_engine, ramped_change

from mixerd.engine.dsp import filters
from mixerd.model.layout import Layout

LAYOUT = Layout.simple(2, 2, stereo_buses=1, generators=0)  # bus 1 mono, bus 2 stereo
PORTS = {"main": 0, "bus/1": 2, "bus/2": 3}  # main L, bus 1, bus 2 L (then bus 2 R, solo L, R)
OWNERS = tuple(PORTS)
BANDS = range(1, filters.GEQ_BANDS + 1)
DB = 0.1


def engine_for(changes=None, rate=48000):
    """Channel 1 alone at unity into every output's left side (bus 1 and bus 2 pre-fader at 0 dB, panned left on
    the stereo ones), no EQ anywhere, limiters out: a port carries exactly what its bus does to the input."""
    base = {"ch/1/eq/on": False, "ch/1/pan": -100.0, "ch/2/main": False, "main/eq/on": False,
            "ch/1/send/1/level": 0.0, "ch/1/send/2/level": 0.0, "ch/1/send/2/pan": -100.0,
            "bus/1/eq/on": False, "bus/2/eq/on": False}
    return loaded_engine(LAYOUT, {**base, **(changes or {})}, rate)


def one_input(x):
    return np.stack([np.asarray(x, np.float32), np.zeros(len(x), np.float32)])


def impulse(n, at=0):
    x = np.zeros(n, np.float32)
    x[at] = 1.0
    return x


def designed_db(state, owner, freqs, rate=48000):
    bands = [filters.geq_band(k, state[f"{owner}/geq/{k}/gain"], rate) for k in BANDS]
    sos = np.array([[c[0], c[1], c[2], 1.0, c[3], c[4]] for c in bands])
    return 20 * np.log10(np.abs(ss.sosfreqz(sos, worN=freqs, fs=rate)[1]))


def measured_db(engine, owner, seconds=4.0):
    """The port's response to an impulse into channel 1, in dB over FFT bins from 20 Hz to 20 kHz."""
    rate = engine.sample_rate
    y = engine.core.process(one_input(impulse(int(seconds * rate))))[PORTS[owner]].astype(np.float64)
    freqs = np.fft.rfftfreq(len(y), 1 / rate)
    keep = (freqs >= 20.0) & (freqs <= 20000.0)
    return freqs[keep], 20 * np.log10(np.abs(np.fft.rfft(y))[keep])


def geq(owner, gains):
    return {f"{owner}/geq/on": True, **{f"{owner}/geq/{k}/gain": g for k, g in gains.items()}}


# -- graphic EQ --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gain", [-12.0, 15.0])
def test_every_band_alone_as_played_matches_its_design(gain):
    worst = 0.0
    for k in BANDS:
        engine, state = engine_for(geq("bus/1", {k: gain}))
        freqs, got = measured_db(engine, "bus/1")
        want = designed_db(state, "bus/1", freqs)
        worst = max(worst, float(np.abs(got - want).max()))
        centre = np.argmin(np.abs(freqs - filters.geq_centre(k)))
        assert want[centre] == pytest.approx(gain, abs=0.5), k  # the band does act where it should
    assert worst < DB


@pytest.mark.parametrize("owner", OWNERS)
def test_all_bands_at_once_as_played_match_the_design(owner):
    gains = dict(zip(BANDS, np.random.default_rng(7).uniform(-15.0, 15.0, len(BANDS)).round(1)))
    engine, state = engine_for(geq(owner, gains))
    freqs, got = measured_db(engine, owner)
    want = designed_db(state, owner, freqs)
    np.testing.assert_array_less(np.abs(got - want), DB)
    assert want.max() - want.min() > 20  # far from flat


def steady(n, freq=1000.0, amp=0.5, rate=48000):
    return (amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.float32)


@pytest.mark.parametrize("owner", OWNERS)
def test_a_flat_or_bypassed_graphic_eq_leaves_the_signal_as_it_was(owner):
    x = one_input(0.3 * np.random.default_rng(5).standard_normal(24000))
    plain = engine_for()[0].core.process(x)[PORTS[owner]]
    flat = engine_for({f"{owner}/geq/on": True})[0].core.process(x)[PORTS[owner]]
    bypassed = engine_for({f"{owner}/geq/5/gain": -12.0})[0].core.process(x)[PORTS[owner]]
    np.testing.assert_array_equal(flat, plain)
    np.testing.assert_array_equal(bypassed, plain)
    # A band cut and brought back to flat (ramped) drops out: bit for bit the plain signal once settled.
    engine, state = engine_for(geq(owner, {18: -12.0}))
    first = engine.core.process(x)[PORTS[owner]]
    assert not np.array_equal(first, plain)
    ramped_change(engine, state, {f"{owner}/geq/18/gain": 0.0})
    engine.core.process(x[:, :4800])  # the ramp, the filter's decay
    probe = plain_engine_output(x, owner)
    np.testing.assert_array_equal(engine.core.process(x)[PORTS[owner]], probe)


def plain_engine_output(x, owner):
    engine = engine_for()[0]
    engine.core.process(x[:, :4800])
    return engine.core.process(x)[PORTS[owner]]


def largest_step(y):
    return float(np.abs(np.diff(np.asarray(y, np.float64))).max())


def played_with_changes(engine, state, x, changes, hold, owner):
    """``x`` through the engine, the changes applied ramped one after the other ``hold`` samples apart."""
    out, pos = [], 0
    for change in [None, *changes]:
        if change is not None:
            ramped_change(engine, state, change)
        out.append(engine.core.process(x[:, pos:pos + hold])[PORTS[owner]])
        pos += hold
    return np.concatenate(out)


@pytest.mark.parametrize("owner", ["bus/1", "main"])
def test_graphic_eq_changes_do_not_click(owner):
    """A 1 kHz tone while its band moves −15 → +15 → 0 dB and the graphic EQ goes out and back in (band at +15):
    the largest step stays within 10 % of the tone's own step at +15 dB, the loudest it gets."""
    hold = 4800
    engine, state = engine_for(geq(owner, {18: -15.0}))
    x = one_input(steady(6 * hold, amp=0.15))
    y = played_with_changes(engine, state, x, [{f"{owner}/geq/18/gain": 15.0}, {f"{owner}/geq/18/gain": 0.0},
                                                {f"{owner}/geq/18/gain": 15.0}, {f"{owner}/geq/on": False},
                                                {f"{owner}/geq/on": True}], hold, owner)
    loudest = 0.15 * 10 ** (15 / 20) * 2 * np.sin(np.pi * 1000 / 48000)
    assert largest_step(y) <= 1.1 * loudest
    # The settings were heard: quiet at −15, loud at +15, the tone itself at 0, bypassed the tone again.
    rms = [np.sqrt(np.mean(y[k * hold + hold // 2:(k + 1) * hold] ** 2)) / (0.15 / np.sqrt(2)) for k in range(6)]
    np.testing.assert_allclose(20 * np.log10(rms), [-15, 15, 0, 15, 0, 15], atol=0.1)


# -- output delay ------------------------------------------------------------------------------------------------

MS = (0.0, 0.02, 1.0, 7.3, 33.3, 99.99, 100.0)


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
@pytest.mark.parametrize("owner", OWNERS)
def test_an_impulse_comes_out_exactly_the_delay_later(owner, rate):
    n = rate // 5  # 200 ms
    for ms in MS:
        engine, _ = engine_for({f"{owner}/delay": ms}, rate)
        y = engine.core.process(one_input(impulse(n, at=17)))[PORTS[owner]]
        expected = impulse(n, at=17 + round(ms * rate / 1000))
        np.testing.assert_array_equal(y, expected, err_msg=f"{ms} ms at {rate} Hz")


@pytest.mark.parametrize("rate", [44100, 96000])
def test_the_delay_lines_are_remade_for_a_new_sample_rate(rate):
    """An engine made for 48 kHz (lines of 100 ms at 48 kHz) told the audio runs at another rate: 100 ms is
    round(rate / 10) samples there, the longest delay included."""
    engine, _ = engine_for({"bus/1/delay": 100.0, "main/delay": 33.3})
    engine.set_sample_rate(rate)
    n = rate // 4
    y = engine.core.process(one_input(impulse(n, at=3)))
    np.testing.assert_array_equal(y[PORTS["bus/1"]], impulse(n, at=3 + round(100.0 * rate / 1000)))
    np.testing.assert_array_equal(y[PORTS["main"]], impulse(n, at=3 + round(33.3 * rate / 1000)))


SINE_STEP = 0.5 * 2 * np.sin(np.pi * 1000 / 48000)  # the steady 0.5 · sin(2π 1 kHz t)'s own largest step


@pytest.mark.parametrize("owner", OWNERS)
def test_a_delay_that_moves_does_not_click(owner):
    """A steady 1 kHz sine while the delay moves 0 → 37.1 → 5 → 100 → 0.02 → 0 ms (each held 150 ms, ramped):
    the largest sample-to-sample step stays within 10 % of the sine's own, and once each change has settled the
    output is the input shifted by exactly that delay."""
    hold, rate = 7200, 48000
    engine, state = engine_for()
    values = (37.1, 5.0, 100.0, 0.02, 0.0)
    x = one_input(steady(hold * (len(values) + 1)))
    y = played_with_changes(engine, state, x, [{f"{owner}/delay": ms} for ms in values], hold, owner)
    assert largest_step(y) <= 1.1 * SINE_STEP
    for k, ms in enumerate(values, start=1):
        d = round(ms * rate / 1000)
        tail = slice(k * hold + hold - 1200, (k + 1) * hold)  # the last 25 ms of the hold: settled
        np.testing.assert_array_equal(y[tail], x[0, tail.start - d:tail.stop - d], err_msg=f"{ms} ms")


def test_a_delay_set_at_once_steps_where_the_ramped_one_does_not():
    """The click metric bites: the same moves made at once (no ramp) step far beyond the sine's own."""
    hold = 7200
    engine, state = engine_for()
    x = one_input(steady(3 * hold))
    out = [engine.core.process(x[:, :hold])[PORTS["bus/1"]]]
    for k, ms in enumerate((3.1, 0.0), start=1):
        state["bus/1/delay"] = ms
        engine.load(state)  # at once
        out.append(engine.core.process(x[:, k * hold:(k + 1) * hold])[PORTS["bus/1"]])
    assert largest_step(np.concatenate(out)) > 5 * SINE_STEP


def test_the_output_meter_measures_the_port_after_the_delay():
    """The meter comes after the delay: every meter frame's peak and mean square are those of the very samples
    the port carried in its span (the first 100 ms silent, then the tone)."""
    engine, _ = engine_for({"bus/1/delay": 100.0})
    interval = 48000 // engine.meter_rate  # one meter frame per 960 samples
    x = one_input(steady(interval * 10))
    engine.core.read_meters()
    y = engine.core.process(x)[PORTS["bus/1"]].astype(np.float64)
    data, frames, _ = engine.core.read_meters()
    assert len(frames) == 10 and np.all(frames == interval)
    meter = engine.core.meter_layout()["buses"][0][0]
    nm = engine.core.n_meters
    spans = y.reshape(10, interval)
    np.testing.assert_allclose(data[:, 0 * nm + meter], np.abs(spans).max(axis=1), rtol=1e-6)  # peak
    np.testing.assert_allclose(data[:, 1 * nm + meter], (spans ** 2).mean(axis=1), rtol=1e-5, atol=1e-12)  # ms
    assert not data[:5, meter].any() and np.all(data[5:, meter] > 0.49)  # 100 ms = 5 frames of silence
