"""The C core offline (mixerd._core): mix against numpy, ramps, meters, generators, rings."""

import numpy as np
import pytest

from mixerd import _core
from mixerd.engine import Engine
from mixerd.bench.reference import ReferenceMix
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

RATE = 48000
RAMP = 480  # 10 ms at 48 kHz, the engine default


def db(x):
    return 20 * np.log10(x)


def settled_engine(layout, state):
    engine = Engine(layout, sample_rate=RATE)
    engine.load(state)
    return engine


def random_state(layout, rng):
    state = ParamTree.from_layout(layout).defaults()
    for c in range(1, layout.n_inputs + 1):
        state[f"ch/{c}/trim"] = float(rng.uniform(-12, 12))
        state[f"ch/{c}/fader"] = float(rng.choice([-90.0, rng.uniform(-30, 10)]))
        state[f"ch/{c}/pan"] = float(rng.uniform(-100, 100))
        state[f"ch/{c}/mute"] = bool(rng.random() < 0.2)
        state[f"ch/{c}/main"] = bool(rng.random() < 0.8)
        state[f"ch/{c}/polarity"] = bool(rng.random() < 0.3)
        for b, bus in enumerate(layout.buses, start=1):
            p = f"ch/{c}/send/{b}/"
            state[p + "level"] = float(rng.choice([-90.0, rng.uniform(-40, 6)]))
            state[p + "pre"] = bool(rng.random() < 0.5)
            state[p + "on"] = bool(rng.random() < 0.9)
            if bus.stereo:
                state[p + "pan"] = float(rng.uniform(-100, 100))
    for b in range(1, layout.n_buses + 1):
        state[f"bus/{b}/fader"] = float(rng.uniform(-20, 6))
        state[f"bus/{b}/mute"] = bool(rng.random() < 0.1)
        state[f"bus/{b}/limiter/on"] = False  # the plain reference mix has no limiters
        if layout.buses[b - 1].stereo:
            state[f"bus/{b}/balance"] = float(rng.uniform(-100, 100))
    state["main/fader"] = -3.0
    state["main/limiter/on"] = False
    state["main/balance"] = float(rng.uniform(-50, 50))
    # Solo: sometimes nothing (the solo bus carries the main), sometimes channels and mixes, PFL or AFL.
    soloing = rng.random() < 0.7
    for c in range(1, layout.n_inputs + 1):
        state[f"ch/{c}/solo"] = bool(soloing and rng.random() < 0.3)
    for b in range(1, layout.n_buses + 1):
        state[f"bus/{b}/solo"] = bool(soloing and rng.random() < 0.2)
    state["solo/mode"] = str(rng.choice(["pfl", "afl"]))
    state["solo/level"] = float(rng.uniform(-12, 6))
    return state


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_mix_matches_numpy_after_ramps(seed):
    rng = np.random.default_rng(seed)
    layout = Layout.simple(8, 6, stereo_buses=2, generators=0)
    start = random_state(layout, rng)
    engine = settled_engine(layout, start)
    target = random_state(layout, rng)
    # The change goes the ramped way (as from a user), then must settle onto the reference.
    engine.apply(target, [a for a in target if target[a] != start[a]])
    x = (rng.standard_normal((8, 4800)) * 0.25).astype(np.float32)
    y = engine.core.process(x, block=64)
    expected = ReferenceMix(layout, target).process(x)
    settled = slice(RAMP + 64, None)
    np.testing.assert_allclose(y[:, settled], expected[:, settled], atol=1e-5, rtol=0)
    assert np.abs(y).max() > 0.01  # the mix is not trivially silent


def test_block_size_does_not_change_the_result():
    rng = np.random.default_rng(5)
    layout = Layout.simple(4, 3, stereo_buses=1, generators=0)
    state = random_state(layout, rng)
    x = (rng.standard_normal((4, 3000)) * 0.25).astype(np.float32)
    a = settled_engine(layout, state).core.process(x, block=64)
    b = settled_engine(layout, state).core.process(x, block=37)
    np.testing.assert_allclose(a, b, atol=1e-6)


def plain_defaults(layout):
    """Defaults with the output limiters out, so gains can be measured up to and past full scale."""
    state = ParamTree.from_layout(layout).defaults()
    state.update({a: False for a in state if a.endswith("limiter/on")})
    return state


def one_channel(**changes):
    layout = Layout.simple(1, 2, stereo_buses=1, generators=0)
    state = plain_defaults(layout)
    state.update(changes)
    return layout, settled_engine(layout, state)


def test_send_level_in_db_and_pre_post_fader():
    layout, engine = one_channel(**{
        "ch/1/fader": -20.0,
        "ch/1/send/1/level": -6.0, "ch/1/send/1/pre": True,
        "ch/1/send/2/level": 0.0, "ch/1/send/2/pre": False, "ch/1/send/2/pan": -100.0,
    })
    x = np.full((1, 256), 0.5, np.float32)
    y = engine.core.process(x)
    # bus 1 (mono, output 2) is pre-fader: the fader does not reach it
    assert db(y[2, -1] / 0.5) == pytest.approx(-6.0, abs=1e-4)
    # bus 2 (stereo, outputs 3/4) is post-fader and panned hard left
    assert db(y[3, -1] / 0.5) == pytest.approx(-20.0, abs=1e-4)
    assert y[4, -1] == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("pan, left_db, right_db", [(-100, 0.0, None), (0, -3.0103, -3.0103), (100, None, 0.0)])
def test_constant_power_pan_law_on_main(pan, left_db, right_db):
    _, engine = one_channel(**{"ch/1/pan": float(pan)})
    y = engine.core.process(np.ones((1, 128), np.float32))
    for value, expected in ((y[0, -1], left_db), (y[1, -1], right_db)):
        if expected is None:
            assert abs(value) < 1e-7
        else:
            assert db(value) == pytest.approx(expected, abs=1e-3)
    assert y[0, -1] ** 2 + y[1, -1] ** 2 == pytest.approx(1.0, abs=1e-5)  # constant power


def test_mute_silences_pre_fader_sends_but_not_the_input_meter():
    layout, engine = one_channel(**{"ch/1/send/1/level": 0.0, "ch/1/send/1/pre": True})
    state = plain_defaults(layout)
    state.update({"ch/1/send/1/level": 0.0, "ch/1/send/1/pre": True, "ch/1/mute": True})
    engine.apply(state, ["ch/1/mute"])
    x = np.full((1, 4800), 0.5, np.float32)
    y = engine.core.process(x)
    assert np.abs(y[:, RAMP + 64:]).max() == 0.0
    m = engine.meters()["points"]
    assert m["ch/1/input"]["peak"][0] == pytest.approx(db(0.5), abs=0.01)
    assert m["bus/1"]["peak"][0] < -100


def gain_trace(engine, frames=2048, block=64):
    """Run DC 1.0 through the core: the output is the gain curve of the path."""
    return engine.core.process(np.ones((1, frames), np.float32), block=block)


@pytest.mark.parametrize("address, value", [("ch/1/fader", -90.0), ("ch/1/mute", True), ("main/mute", True),
                                            ("ch/1/pan", 100.0), ("main/fader", 10.0)])
def test_ramps_are_monotonic_and_click_free(address, value):
    layout, engine = one_channel()
    state = plain_defaults(layout)
    before = gain_trace(engine, 256)[0, -1]
    state[address] = value
    engine.apply(state, [address])
    g = gain_trace(engine)[0]
    steps = np.diff(np.concatenate([[before], g]))
    assert np.all(steps <= 1e-7) or np.all(steps >= -1e-7), "ramp changes direction"
    total = abs(g[-1] - before)
    assert total > 0.1
    # No sample jumps by more than an even share of the move over the ramp (+ float slack).
    assert np.abs(steps).max() <= total / RAMP * 1.02 + 1e-6
    # ...and it arrives within the ramp (rounded up to whole blocks).
    arrived = np.flatnonzero(np.abs(g - g[-1]) > 1e-6)
    assert arrived.size == 0 or arrived[-1] < RAMP + 64


def test_pre_post_switch_crossfades():
    layout, engine = one_channel(**{"ch/1/fader": -20.0, "ch/1/send/1/level": 0.0, "ch/1/send/1/pre": True})
    state = plain_defaults(layout)
    state.update({"ch/1/fader": -20.0, "ch/1/send/1/level": 0.0, "ch/1/send/1/pre": False})
    engine.apply(state, ["ch/1/send/1/pre"])
    bus = gain_trace(engine)[2]
    assert bus[0] < 1.0 and bus[-1] == pytest.approx(0.1, abs=1e-6)
    assert np.all(np.diff(bus) <= 1e-7)
    assert np.abs(np.diff(bus)).max() < 0.9 / RAMP * 1.05


def test_meters_match_numpy_and_count_clips():
    rng = np.random.default_rng(3)
    layout = Layout.simple(3, 2, stereo_buses=1, generators=0)
    state = random_state(layout, rng)
    state["ch/1/trim"] = 12.0  # drive channel 1 into clipping
    engine = settled_engine(layout, state)
    t = np.arange(960 * 10) / RATE
    x = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.1 * np.sin(2 * np.pi * 97 * t),
                  rng.standard_normal(t.size) * 0.05]).astype(np.float32)
    engine.core.process(x)
    data, frames, _ = engine.core.read_meters()
    n = engine.core.n_meters
    peak, ms, clips = data[:, :n], data[:, n:2 * n], data[:, 2 * n:3 * n]
    assert frames.sum() == x.shape[1]
    ref_peak, ref_ms = ReferenceMix(layout, state).meters(x)
    np.testing.assert_allclose(peak.max(axis=0), ref_peak, rtol=1e-5, atol=1e-7)
    weighted = (ms * frames[:, None]).sum(axis=0) / frames.sum()
    np.testing.assert_allclose(weighted, ref_ms, rtol=1e-4, atol=1e-9)
    gain = 10 ** (12 / 20)
    assert clips[:, 0].sum() == np.count_nonzero(np.abs(x[0] * np.float32(gain)) >= 1.0) > 0
    assert clips[:, 1].sum() == 0


def test_generator_tone_frequency_level_and_retarget():
    layout = Layout.simple(2, 0, generators=1)
    state = ParamTree.from_layout(layout).defaults()
    state.update({"gen/1/on": True, "gen/1/freq": 1000.0, "gen/1/level": -12.0, "gen/1/target": "ch/1",
                  "ch/1/main": False, "ch/2/main": False})
    engine = settled_engine(layout, state)
    engine.core.process(np.zeros((2, 48000), np.float32))
    m = engine.meters()["points"]
    assert m["ch/1/input"]["peak"][0] == pytest.approx(-12.0, abs=0.05)
    assert m["ch/1/input"]["rms"][0] == pytest.approx(-12.0 - 3.0103, abs=0.05)
    assert m["ch/2/input"]["peak"][0] < -100
    # frequency: the spectrum of channel 1 post-fader peaks at 1 kHz
    state["ch/1/main"] = True
    state["ch/1/pan"] = -100.0
    engine.apply(state, ["ch/1/main", "ch/1/pan"])
    y = engine.core.process(np.zeros((2, 48000), np.float32))[0, 4800:]
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    assert np.fft.rfftfreq(y.size, 1 / RATE)[spectrum.argmax()] == pytest.approx(1000.0, abs=2.0)
    # re-targeting fades out on ch 1 and in on ch 2: no jump on either
    state["gen/1/target"] = "ch/2"
    state["ch/2/main"] = True
    state["ch/2/pan"] = 100.0
    engine.apply(state, ["gen/1/target", "ch/2/main", "ch/2/pan"])
    y = engine.core.process(np.zeros((2, 4800), np.float32))
    env_l = np.abs(y[0]).reshape(-1, 48).max(axis=1)  # ~1 ms envelope
    assert env_l[-10:].max() == 0.0 and np.all(np.diff(env_l[:15]) <= 0.03)
    assert np.abs(y[1, -960:]).max() == pytest.approx(10 ** (-12 / 20), rel=0.01)


def test_modulated_generator_pulses():
    layout = Layout.simple(1, 0, generators=1)
    state = ParamTree.from_layout(layout).defaults()
    state.update({"gen/1/on": True, "gen/1/level": -6.0, "gen/1/mod": 5.0, "ch/1/pan": -100.0})
    engine = settled_engine(layout, state)
    y = engine.core.process(np.zeros((1, 48000), np.float32))[0]
    env = np.abs(y).reshape(-1, 480).max(axis=1)  # 10 ms envelope over 1 s = 5 pulses
    assert env.max() == pytest.approx(10 ** (-6 / 20), rel=0.02)
    assert env.min() < 0.05 * env.max()


MONO = [(_core.BUS_AUX, 1)]


def test_command_ring_full_is_reported():
    core = _core.Core(1, MONO, 0, cmd_capacity=4)
    assert all(core.post(_core.OP_FADER, 0, 0.5) for _ in range(4))
    assert not core.post(_core.OP_FADER, 0, 1.0)  # full: nothing queued
    core.process(np.zeros((1, 64), np.float32))
    assert core.stats()["commands_applied"] == 4
    assert core.post(_core.OP_FADER, 0, 1.0)


def drain(engine, inputs):
    """Run blocks the way JACK and the meter thread would until nothing waits for the ring."""
    for _ in range(100):
        engine.core.process(inputs)
        engine._flush_pending()
        if engine.health()["engine"]["commands_pending"] == 0:
            return
    raise AssertionError("commands still pending")


def test_engine_keeps_changes_the_ring_cannot_take_in_order_latest_wins():
    layout = Layout.simple(2, 2, generators=0)
    engine = Engine(layout, sample_rate=RATE, cmd_capacity=4)
    state = plain_defaults(layout)
    engine.load(state)  # far more commands than 4: most wait
    assert engine.health()["engine"]["commands_pending"] > 0
    silence = np.zeros((2, 64), np.float32)
    drain(engine, silence)
    for level in (-30.0, -20.0, -10.0, -6.0):
        changed = [f"ch/{c}/send/{b}/level" for c in (1, 2) for b in (1, 2)]
        state.update(dict.fromkeys(changed, level))
        engine.apply(dict(state), changed)
    assert engine.health()["engine"]["commands_pending"] > 0
    drain(engine, silence)
    y = engine.core.process(np.ones((2, 1024), np.float32))
    assert db(y[2, -1] / 2) == pytest.approx(-6.0, abs=1e-4)  # both channels at -6 dB into bus 1


def test_a_block_longer_than_the_core_is_mixed_in_slices_like_shorter_blocks():
    """A period longer than the core's buffers (PipeWire's quantum and jack_bufsize reach 8192 frames) is mixed
    as consecutive blocks of max_frames: the very samples those shorter periods give, ramps included."""
    x = np.random.default_rng(7).standard_normal((1, 1000)).astype(np.float32) * 0.1
    outs = []
    for block in (256, 64):
        core = _core.Core(1, MONO, 0, max_frames=64)
        for op in (_core.OP_MAIN_L, _core.OP_MAIN_R):
            core.post(op | _core.IMMEDIATE, 0, 1.0)
        core.post(_core.OP_RAMP, 0, 300.0)  # a fade over several slices and a block edge
        core.post(_core.OP_FADER, 0, 0.5)
        outs.append(core.process(x, block=block))
        assert core.stats()["overruns"] == 0 and core.stats()["frames"] == 1000
    long_blocks, short_blocks = outs
    assert np.abs(long_blocks).max() > 0.05  # not silence
    np.testing.assert_array_equal(long_blocks, short_blocks)
    with pytest.raises(ValueError, match="block must be"):
        _core.Core(1, MONO, 0).process(x, block=0)


def test_a_subnormal_input_leaves_the_core_as_exact_zeros():
    """On every machine the suite runs on (x86-64 here; arm64 and Debian 13 through tests/systems): the core
    flushes subnormals while it mixes. 1e-30, a normal float, passes the same unity path untouched."""
    core = _core.Core(1, MONO, 0)
    for op in (_core.OP_FADER, _core.OP_MAIN_L, _core.OP_MAIN_R):
        core.post(op | _core.IMMEDIATE, 0, 1.0)
    normal = core.process(np.full((1, 256), 1e-30, np.float32))
    assert np.all(normal[:2] == np.float32(1e-30))
    subnormal = core.process(np.full((1, 256), 1e-39, np.float32))
    assert np.all(subnormal == 0.0)


def test_flush_to_zero_is_restored_for_the_caller():
    core = _core.Core(1, MONO, 0)
    core.process(np.ones((1, 64), np.float32))
    tiny = np.array([1e-39], dtype=np.float32)  # subnormal in float32
    assert (tiny * np.float32(1.0))[0] != 0.0


def test_gil_is_not_needed_by_the_core():
    """Offline the core runs with the GIL released: a Python thread reads the core's block counter while the
    core is between its first and its last block. The run grows until that is seen, so neither a slow
    machine (a Pi, an emulator) nor a busy one makes this fail; a core that held the GIL never lets it."""
    import threading

    core = _core.Core(32, MONO * 16, 0)
    inputs, outputs = np.zeros((32, 64), np.float32), np.zeros((core.n_outputs, 64), np.float32)
    for blocks in (2_000, 20_000, 200_000, 2_000_000):
        start = core.stats()["cycles"]
        seen: list[int] = []
        done = threading.Event()

        def watch():
            while not done.is_set():
                seen.append(core.stats()["cycles"] - start)

        t = threading.Thread(target=watch)
        t.start()
        core.run_blocks(inputs, outputs, blocks)
        done.set()
        t.join()
        if any(0 < c < blocks for c in seen):
            return
    pytest.fail(f"no Python ran while the core ran (counts seen: {sorted(set(seen))[:10]})")
