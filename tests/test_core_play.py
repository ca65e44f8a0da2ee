"""The player in the C core, offline (mixerd._core Core.play / Playback): a take played back replaces the input of
the channels switched to it, before the trim, exactly; the switch and the level are crossfaded (no click); too
little written plays silence, counted, whole blocks only, until the take's end (its last frames play out, nothing
after counts); the ring wraps without a seam; what cannot be played is refused."""

import numpy as np
import pytest

from mixerd import _core
from mixerd.engine import Engine
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

RATE = 48000
RAMP = 480  # the engine's 10 ms at 48 kHz


def core_of(n_inputs=3, max_frames=64):
    """A settled engine's core (every channel at unity, trims 0 dB) and the trim taps of every channel, recorded
    so the test reads exactly what each strip got."""
    layout = Layout.simple(n_inputs, 0, generators=0)
    engine = Engine(layout, sample_rate=RATE, max_frames=max_frames)
    engine.load(ParamTree.from_layout(layout).defaults())
    core = engine.core
    taps = core.record([(_core.TAP_TRIM, c, 0) for c in range(n_inputs)], 1 << 16)
    return core, taps


def signal(rows, frames, seed):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, (rows, frames)).astype(np.float32)


def switch(core, channel, on, immediate=True):
    core.post(_core.OP_PLAY_SOURCE | (_core.IMMEDIATE if immediate else 0), channel, 1.0 if on else 0.0)


def test_the_take_replaces_the_input_of_the_channels_switched_to_it():
    core, taps = core_of()
    take = signal(2, 6400, seed=1)          # two tracks: into channels 1 and 3
    live = signal(3, 6400, seed=2)
    playback = core.play([0, 2], capacity=8192)
    playback.write(take)
    switch(core, 0, True)
    switch(core, 2, True)
    core.process(live, block=64)
    got, _ = taps.read(1 << 16)
    np.testing.assert_array_equal(got[0], take[0])  # the strip hears the take, bit for bit
    np.testing.assert_array_equal(got[1], live[1])  # not switched: the band
    np.testing.assert_array_equal(got[2], take[1])
    assert playback.played == 6400 and playback.queued == 0 and playback.starved == 0


def test_switching_crossfades_over_the_ramp():
    core, taps = core_of()
    live = np.full((3, 1280), 0.5, np.float32)
    playback = core.play([0], capacity=4096)
    playback.write(np.full((1, 1280), -0.5, np.float32))
    switch(core, 0, True, immediate=False)
    core.process(live, block=64)
    got = taps.read(1 << 16)[0][0]
    steps = np.abs(np.diff(got))
    assert got[0] == pytest.approx(0.5, abs=0.01) and got[-1] == -0.5
    assert steps.max() < 1.0 / RAMP * 1.5  # from the band to the take in even steps: no jump, no click
    assert np.sum(np.abs(got - -0.5) > 1e-6) >= RAMP - 64  # over the whole ramp


def test_the_level_fades_the_take_out_and_in():
    core, taps = core_of()
    playback = core.play([1], capacity=8192)
    playback.write(np.full((1, 2560), 0.5, np.float32))
    switch(core, 1, True)
    core.post(_core.OP_PLAY_LEVEL, 0, 0.0)  # a stop: the take fades, the channel stays on it (silence)
    core.process(np.zeros((3, 1280), np.float32), block=64)
    core.post(_core.OP_PLAY_LEVEL, 0, 1.0)
    core.process(np.zeros((3, 1280), np.float32), block=64)
    got = taps.read(1 << 16)[0][1]
    assert got[0] == pytest.approx(0.5, abs=0.01) and not got[RAMP + 64:1280].any()
    assert got[-1] == 0.5 and np.abs(np.diff(got)).max() < 0.5 / RAMP * 1.5


def test_too_little_written_plays_silence_counted_and_whole_blocks_only():
    core, taps = core_of()
    take = signal(1, 64 * 3 + 10, seed=3)
    playback = core.play([0], capacity=1024)
    playback.write(take)
    switch(core, 0, True)
    core.process(np.ones((3, 64 * 5), np.float32), block=64)
    got = taps.read(1 << 16)[0][0]
    np.testing.assert_array_equal(got[:192], take[0, :192])
    assert not got[192:].any()  # 10 frames are not a block: nothing half played
    assert playback.starved == 128 and playback.played == 192 and playback.queued == 10


def test_the_takes_last_frames_play_out_once_it_is_over_and_nothing_after_is_starved():
    """A take is rarely a whole number of blocks (a play from a marker): once the disk thread says it is over, the
    last frames play (the rest of that block silent), the ring empties, and the silence after is not a late disk."""
    core, taps = core_of()
    take = signal(1, 64 * 3 + 10, seed=3)
    playback = core.play([0], capacity=1024)
    playback.write(take)
    playback.end()
    switch(core, 0, True)
    core.process(np.ones((3, 64 * 6), np.float32), block=64)
    got = taps.read(1 << 16)[0][0]
    np.testing.assert_array_equal(got[:202], take[0])
    assert not got[202:].any()
    assert playback.played == 202 and playback.queued == 0 and playback.starved == 0


def test_nothing_is_starved_before_the_first_frames_are_written():
    """The ring is attached before the disk thread's first write: those blocks were never due."""
    core, _ = core_of()
    playback = core.play([0], capacity=1024)
    core.process(np.zeros((3, 64 * 4), np.float32), block=64)
    assert playback.starved == 0
    playback.write(signal(1, 64, seed=5))
    core.process(np.zeros((3, 64 * 3), np.float32), block=64)
    assert playback.played == 64 and playback.starved == 128  # written, then late: that counts


def test_the_ring_wraps_without_a_seam():
    core, taps = core_of()
    take = signal(1, 64 * 100, seed=4)
    playback = core.play([2], capacity=256)  # four blocks of room: the writer keeps up a block at a time
    switch(core, 2, True)
    written = 0
    for block in range(100):
        while written < take.shape[1] and playback.room >= 100:
            n = min(100, take.shape[1] - written)  # chunks that do not line up with the blocks or the ring
            playback.write(take[:, written:written + n])
            written += n
        core.process(np.zeros((3, 64), np.float32), block=64)
    np.testing.assert_array_equal(taps.read(1 << 16)[0][2], take[0])
    assert playback.starved == 0


def test_a_stopped_playback_frees_the_channels_to_silence_and_a_new_one_starts():
    core, taps = core_of()
    first = core.play([0], capacity=1024)
    first.write(np.full((1, 128), 0.25, np.float32))
    switch(core, 0, True)
    core.process(np.ones((3, 64), np.float32), block=64)
    assert core.stop_playing() is first and core.playing is None and core.stop_playing() is None
    core.process(np.ones((3, 64), np.float32), block=64)  # still on the take's source: nothing plays
    second = core.play([0], capacity=1024)
    second.write(np.full((1, 64), -0.25, np.float32))
    core.process(np.ones((3, 64), np.float32), block=64)
    got = taps.read(1 << 16)[0][0]
    assert (got[:64] == 0.25).all() and not got[64:128].any() and (got[128:] == -0.25).all()


@pytest.mark.parametrize("channels, capacity", [
    ([3], 1024), ([0, 0], 1024), ([], 1024), ([-1], 1024), ([0], 1000), ([0], 32),
])
def test_what_cannot_be_played_is_refused(channels, capacity):
    core = _core.Core(3, [], 0, max_frames=64)
    with pytest.raises(ValueError):
        core.play(channels, capacity)
    assert core.playing is None
    playback = core.play([0, 1], 1024)
    with pytest.raises(ValueError, match="already"):
        core.play([2], 1024)
    with pytest.raises(ValueError, match="room"):
        playback.write(np.zeros((2, 2048), np.float32))
