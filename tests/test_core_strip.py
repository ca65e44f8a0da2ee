"""The integrated core offline: channel inserts and their order, bypass and order changes without
clicks, bus processing (EQ, balance, limiter), FX buses and returns, generators, loudness meters."""

import numpy as np
import pytest
from scipy.signal import lfilter, resample_poly
from support import loaded_engine, ramped_change

from mixerd.model.layout import Layout

RATE = 48000
RAMP = 480


def db(x):
    return 20 * np.log10(np.maximum(np.abs(x), 1e-12))


def tone(freq, level_db, seconds, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (10 ** (level_db / 20) * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def mixer(layout, **changes):
    return loaded_engine(layout, changes, RATE)


def change(engine, state, **changes):
    ramped_change(engine, state, changes)


def run(engine, x):
    x = np.atleast_2d(x)
    inputs = np.zeros((engine.layout.n_inputs, x.shape[1]), np.float32)
    inputs[: x.shape[0]] = x
    return engine.process(inputs)


def settled_peak_db(y, seconds=0.2):
    return float(db(np.abs(y[-int(seconds * RATE):]).max()))


def max_step(y):
    return float(np.abs(np.diff(y)).max())


ONE = Layout.simple(1, 1, generators=0)
# A slow release keeps the gain steady over a tone's cycles, so its peak shows the static curve.
COMP = {"ch/1/dyn/on": True, "ch/1/dyn/threshold": -20.0, "ch/1/dyn/ratio": 10.0, "ch/1/dyn/knee": 0.0,
        "ch/1/dyn/attack": 0.5, "ch/1/dyn/release": 1000.0}
BOOST = {"ch/1/eq/2/type": "peaking", "ch/1/eq/2/freq": 1000.0, "ch/1/eq/2/gain": 12.0, "ch/1/eq/2/q": 1.0}


@pytest.mark.parametrize("order, expected", [("eq>dyn", -20 + 12 / 10), ("dyn>eq", -20 + 12)])
def test_insert_order_changes_the_sound(order, expected):
    # EQ then compressor: the boost drives the compressor (12 dB over at 10:1 -> +1.2 dB).
    # Compressor then EQ: the tone sits at the threshold, the boost passes untouched.
    engine, _ = mixer(ONE, **COMP, **BOOST, **{"ch/1/order": order, "ch/1/pan": -100.0})
    y = run(engine, tone(1000, -20, 1.0))
    assert settled_peak_db(y[0]) == pytest.approx(expected, abs=0.2)
    inserts = engine.meters()["points"]["ch/1/inserts"]
    assert inserts["peak"][0] == pytest.approx(expected, abs=0.2)
    assert inserts["dyn_gr"] == pytest.approx(10.8 if order == "eq>dyn" else 0.0, abs=0.3)
    # The insert1 meter sits between the two blocks: after the boost (eq>dyn) or after the compressor
    # (dyn>eq, where the tone only reaches the threshold), so a trace can say which block raises the level.
    between = engine.meters()["points"]["ch/1/insert1"]
    assert between["peak"][0] == pytest.approx(-20 + 12 if order == "eq>dyn" else -20, abs=0.2)


def test_order_change_ducks_and_comes_back_without_a_click():
    engine, state = mixer(ONE, **{**COMP, **BOOST, "ch/1/pan": -100.0, "ch/1/dyn/release": 50.0})
    x = tone(1000, -20, 1.0)
    before = run(engine, x[:24000])[0]
    change(engine, state, **{"ch/1/order": "dyn>eq"})
    y = run(engine, x[24000:])[0]
    env = np.abs(y).reshape(-1, 48).max(axis=1)  # 1 ms envelope
    low = env.argmin()
    assert env[low] < 0.05 * np.abs(before).max()  # it did duck (the swap happens in silence)
    assert np.all(np.diff(env[:low]) <= 0.02) and np.all(np.diff(env[low:low + 15]) >= -0.02)
    assert max_step(y) < 2 * max_step(np.concatenate([x, x]) * 10 ** (12 / 20))  # no jump beyond the tone's own
    assert settled_peak_db(y) == pytest.approx(-8.0, abs=0.2)


@pytest.mark.parametrize("insert", ["eq", "dyn", "hpf", "gate"])
def test_switching_an_insert_in_or_out_crossfades(insert):
    settings = {**COMP, **BOOST, "ch/1/hpf/freq": 400.0, "ch/1/gate/threshold": -10.0, "ch/1/gate/range": -30.0,
                "ch/1/pan": -100.0}
    settings.update({f"ch/1/{k}/on": k == insert for k in ("eq", "dyn", "hpf", "gate")})
    engine, state = mixer(ONE, **settings)
    x = tone(1000, -20, 1.0)
    before = run(engine, x[:24000])[0]
    change(engine, state, **{f"ch/1/{insert}/on": False})
    after = run(engine, x[24000:])[0]
    y = np.concatenate([before, after])
    # The level moves between the two settled levels within the ramp, never stepping past a tone's
    # own sample-to-sample change by more than a little.
    steady = max(max_step(before[-4800:]), max_step(after[-4800:]))
    assert max_step(y[23000:26000]) < 1.1 * steady
    assert settled_peak_db(after) == pytest.approx(-20.0, abs=0.1)  # bypassed: the dry tone


@pytest.mark.parametrize("slope, expected", [(12.0, -24.08), (24.0, -48.16)])
def test_high_pass_filter_slopes(slope, expected):
    # Butterworth, two octaves below the corner: |H| = 1 / sqrt(1 + 4^(2·order)).
    engine, _ = mixer(ONE, **{"ch/1/hpf/on": True, "ch/1/hpf/freq": 100.0, "ch/1/hpf/slope": slope,
                             "ch/1/pan": -100.0})
    y = run(engine, tone(25, 0, 2.0))[0]
    assert settled_peak_db(y, 0.5) == pytest.approx(expected, abs=0.2)


def test_polarity_inverts_the_channel():
    engine, state = mixer(ONE, **{"ch/1/pan": -100.0})
    x = np.full(4800, 0.25, np.float32)
    assert run(engine, x)[0, -1] == pytest.approx(0.25, abs=1e-6)
    change(engine, state, **{"ch/1/polarity": True})
    y = run(engine, x)[0]
    assert y[-1] == pytest.approx(-0.25, abs=1e-6)
    assert max_step(y) <= 0.5 / RAMP * 1.05  # through zero over the ramp, not a jump


def test_gate_closes_to_its_range_and_meters_it():
    engine, _ = mixer(ONE, **{"ch/1/gate/on": True, "ch/1/gate/threshold": -30.0, "ch/1/gate/range": -40.0,
                             "ch/1/gate/hold": 10.0, "ch/1/gate/release": 20.0, "ch/1/pan": -100.0})
    loud = run(engine, tone(1000, -20, 0.5))[0]
    assert settled_peak_db(loud) == pytest.approx(-20.0, abs=0.05)
    quiet = run(engine, tone(1000, -50, 1.0))[0]
    assert settled_peak_db(quiet) == pytest.approx(-90.0, abs=0.2)
    assert engine.meters()["points"]["ch/1/inserts"]["gate_gr"] == pytest.approx(40.0, abs=0.2)


def test_bus_limiter_holds_the_ceiling_and_reports_its_reduction():
    layout = Layout.simple(1, 1, generators=0)
    engine, _ = mixer(layout, **{"ch/1/send/1/level": 0.0, "bus/1/limiter/on": True,
                                 "bus/1/limiter/threshold": -6.0})
    y = run(engine, tone(1000, 0, 1.0))
    bus = y[2]
    assert np.abs(bus).max() <= 10 ** (-6 / 20) * 1.00001
    assert settled_peak_db(bus) == pytest.approx(-6.0, abs=0.1)
    assert engine.meters()["points"]["bus/1"]["limiter_gr"] == pytest.approx(6.0, abs=0.2)


def test_bus_eq_and_stereo_balance():
    layout = Layout.simple(1, 1, stereo_buses=1, generators=0)
    engine, state = mixer(layout, **{"ch/1/send/1/level": 0.0, "bus/1/eq/3/type": "peaking",
                                     "bus/1/eq/3/freq": 1000.0, "bus/1/eq/3/gain": -9.0})
    y = run(engine, tone(1000, -10, 1.0))
    centre = -10 - 3.0103 - 9  # the send's centre pan, then the band's cut
    assert settled_peak_db(y[2]) == pytest.approx(centre, abs=0.1)
    change(engine, state, **{"bus/1/balance": 100.0})
    y = run(engine, tone(1000, -10, 1.0))
    assert settled_peak_db(y[2]) < -120 and settled_peak_db(y[3]) == pytest.approx(centre, abs=0.1)


FX = Layout.simple(1, 2, stereo_buses=1, generators=0, fx=("reverb", "delay"))  # buses 3 and 4 are FX


def test_reverb_returns_to_main_and_to_the_aux_mixes_that_ask_for_it():
    engine, state = mixer(FX, **{"ch/1/main": False, "ch/1/send/3/level": 0.0, "bus/3/return/1/level": -6.0})
    impulse = np.zeros(RATE, np.float32)
    impulse[0] = 1.0
    y = run(engine, impulse)
    main_l, main_r, mono, st_l = y[0], y[1], y[2], y[3]
    tail = slice(int(0.03 * RATE), int(0.3 * RATE))
    assert np.abs(main_l[tail]).max() > 1e-3 and not np.allclose(main_l, main_r)  # a stereo tail in the main
    # The mono mix gets the middle of the return at -6 dB; the stereo mix asked for none.
    np.testing.assert_allclose(mono, 0.5 * (main_l + main_r) * 10 ** (-6 / 20), atol=1e-6)
    assert np.abs(st_l).max() == 0.0
    assert engine.meters()["points"]["bus/3"]["hold"][0] > -60  # the FX bus meters its own output


def test_delay_repeats_at_its_time_and_switching_the_effect_is_smooth():
    engine, state = mixer(FX, **{"ch/1/main": False, "ch/1/send/4/level": 0.0, "bus/4/fx/time": 100.0,
                                 "bus/4/fx/feedback": 50.0, "bus/4/fx/highcut": 20000.0})
    impulse = np.zeros(RATE // 2, np.float32)
    impulse[0] = 1.0
    main = run(engine, impulse)[0]
    hits = np.flatnonzero(np.abs(main) > 1e-3)
    assert hits[0] == 4800 and main[4800] == pytest.approx(1.0, abs=1e-4)
    assert main[9600] == pytest.approx(0.5, abs=1e-3)  # the first repeat, at half level
    # reverb <-> delay on a running FX bus: it fades out, switches, fades in; no jumps
    x = tone(440, -20, 1.0)
    run(engine, x[:24000])
    change(engine, state, **{"bus/4/fx/type": "reverb"})
    y = run(engine, x[24000:])[0]
    assert max_step(y) < 0.05


@pytest.mark.parametrize("kind", ["pink", "white"])
def test_noise_generators_are_calibrated_in_rms(kind):
    layout = Layout.simple(1, 0, generators=1)
    engine, _ = mixer(layout, **{"gen/1/on": True, "gen/1/type": kind, "gen/1/level": -20.0,
                                 "gen/1/target": "ch/1", "ch/1/main": True, "ch/1/pan": -100.0})
    y = run(engine, np.zeros(RATE * 20, np.float32))[0]
    rms = 10 * np.log10(np.mean(y.astype(np.float64) ** 2))
    assert rms == pytest.approx(-20.0, abs=0.3)
    spectrum = np.abs(np.fft.rfft(y[: 2 ** 19])) ** 2
    freqs = np.fft.rfftfreq(2 ** 19, 1 / RATE)
    band = lambda lo: spectrum[(freqs >= lo) & (freqs < 2 * lo)].sum()  # noqa: E731
    octave_step = 10 * np.log10(band(2000) / band(1000))  # energy per octave: pink flat, white +3 dB
    assert octave_step == pytest.approx(0.0 if kind == "pink" else 3.0, abs=0.5)


def test_generator_on_a_bus_feeds_only_that_bus():
    layout = Layout.simple(1, 2, generators=1)
    engine, _ = mixer(layout, **{"gen/1/on": True, "gen/1/target": "bus/2", "gen/1/level": -12.0})
    y = run(engine, np.zeros(RATE, np.float32))
    assert settled_peak_db(y[3]) == pytest.approx(-12.0, abs=0.05)
    assert np.abs(y[2]).max() == 0.0 and np.abs(y[:2]).max() == 0.0
    assert engine.meters()["points"]["ch/1/input"]["peak"][0] < -100


# ITU-R BS.1770-4, table 1 and 2 (48 kHz): the K-weighting pre-filter and RLB high-pass.
BS1770_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
BS1770_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])


def test_loudness_and_true_peak_meters_on_the_main():
    layout = Layout.simple(1, 0, generators=1)
    engine, _ = mixer(layout, **{"gen/1/on": True, "gen/1/type": "pink", "gen/1/level": -23.0,
                                 "gen/1/target": "ch/1"})
    y = run(engine, np.zeros(RATE * 4, np.float32))[:2]  # main L/R (the solo pair copies them)
    m = engine.meters()["points"]["main"]
    # BS.1770's formula on the last 400 ms / 3 s of the output, K-weighted with the standard's
    # coefficients over the whole signal (filtering only an excerpt would add the filters' start-up).
    weighted = lfilter(*BS1770_HIGHPASS, lfilter(*BS1770_SHELF, y.astype(np.float64)))
    for key, seconds in (("lufs_m", 0.4), ("lufs_s", 3.0)):
        power = np.mean(weighted[:, -int(seconds * RATE):] ** 2, axis=1).sum()
        assert m[key] == pytest.approx(-0.691 + 10 * np.log10(power), abs=0.05), key
    reference_tp = db(np.abs(resample_poly(y[0, -2 * RATE:], 8, 1)).max())
    assert m["true_peak"][0] == pytest.approx(reference_tp, abs=0.2)
    assert m["true_peak"][0] >= m["hold"][0] - 0.01


GROUPS = Layout.simple(2, 1, generators=0)


def test_dca_fader_offsets_its_members_and_dca_mute_mutes_them():
    engine, state = mixer(GROUPS, **{"ch/1/dca/2": True, "ch/1/pan": -100.0, "ch/2/pan": 100.0,
                                     "ch/1/send/1/level": 0.0, "dca/2/fader": -6.0})
    x = np.stack([tone(1000, -10, 0.5), tone(1000, -10, 0.5)])
    y = run(engine, x)
    assert settled_peak_db(y[0]) == pytest.approx(-16.0, abs=0.05)  # member: its fader + the DCA's
    assert settled_peak_db(y[1]) == pytest.approx(-10.0, abs=0.05)  # not a member
    assert settled_peak_db(y[2]) == pytest.approx(-10.0, abs=0.05)  # a pre-fader send is not a fader
    change(engine, state, **{"dca/2/mute": True})
    y = run(engine, x)
    assert settled_peak_db(y[0]) < -120 and settled_peak_db(y[2]) < -120  # muted everywhere, like ch mute
    assert settled_peak_db(y[1]) == pytest.approx(-10.0, abs=0.05)
    change(engine, state, **{"dca/2/mute": False, "dca/2/fader": -90.0})
    assert settled_peak_db(run(engine, x)[0]) < -120  # a closed DCA closes its members


def test_mute_group_mutes_its_members_only_while_engaged():
    engine, state = mixer(GROUPS, **{"ch/2/mutegroup/3": True, "ch/1/pan": -100.0, "ch/2/pan": 100.0})
    x = np.stack([tone(1000, -10, 0.5), tone(1000, -10, 0.5)])
    change(engine, state, **{"mutegroup/3/on": True})
    y = run(engine, x)
    assert settled_peak_db(y[1]) < -120 and settled_peak_db(y[0]) == pytest.approx(-10.0, abs=0.05)
    change(engine, state, **{"mutegroup/3/on": False})
    assert settled_peak_db(run(engine, x)[1]) == pytest.approx(-10.0, abs=0.05)


def test_more_me_raises_the_mixs_own_channels():
    engine, state = mixer(GROUPS, **{"ch/1/send/1/level": -10.0, "ch/2/send/1/level": -10.0,
                                     "ch/1/send/1/me": True})
    me, other = tone(1000, -20, 0.5), np.zeros(RATE // 2, np.float32)
    assert settled_peak_db(run(engine, np.stack([me, other]))[2]) == pytest.approx(-30.0, abs=0.05)
    change(engine, state, **{"bus/1/moreme": 6.0})
    assert settled_peak_db(run(engine, np.stack([me, other]))[2]) == pytest.approx(-24.0, abs=0.05)
    assert settled_peak_db(run(engine, np.stack([other, me]))[2]) == pytest.approx(-30.0, abs=0.05)
