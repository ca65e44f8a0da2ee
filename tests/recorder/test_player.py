"""Virtual soundcheck (mixerd/recorder/player.py) on the real engine offline and real takes: a take recorded, then
played back into its channels instead of the band — exactly what was recorded, crossfaded in and out, looped
without a seam, to its end; some channels from the take and the others live, each switched while it plays; markers
set while it plays; what is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mixerd import _core
from mixerd.control import Control, Notice
from mixerd.engine import Engine
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.recorder.player import Player, PlayerError
from mixerd.recorder.service import Recorder, RecorderError
from mixerd.recorder.takes import Takes

RATE = 48000
RAMP = 480


@pytest.fixture
def rig(tmp_path):
    layout = Layout.simple(3, 0, generators=0)
    tree = ParamTree.from_layout(layout)
    engine = Engine(layout, sample_rate=RATE, max_frames=64)
    engine.load(tree.defaults())
    control = Control(tree, link=engine)
    takes = Takes(tmp_path / "takes", reserve=0)
    player = Player(control, engine, takes, buffer_s=1.0)
    recorder = Recorder(control, engine, takes, buffer_s=5.0, sample_format="float32", player=player)
    yield engine, recorder, player
    player.close()
    recorder.close()


def band(seconds, seed=0):
    """Three channels of the band: a 100 Hz tone, noise, a 440 Hz tone."""
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(seed).uniform(-0.3, 0.3, t.size)
    return np.stack([0.5 * np.sin(2 * np.pi * 100 * t), noise, 0.4 * np.sin(2 * np.pi * 440 * t)]).astype(np.float32)


def record_take(engine, recorder, x) -> str:
    recorder.start(["ch/1", "ch/2", "ch/3"], name="Rehearsal")
    engine.core.process(x, block=64)
    return recorder.stop()["id"]


def heard(engine, frames, live=None):
    """What the strips get (after the trim, 0 dB here) while the core mixes ``frames`` of ``live`` (silence)."""
    taps = engine.core.record([(_core.TAP_TRIM, c, 0) for c in range(3)], 1 << 18)
    for at in range(0, frames, 4096):  # in steps, as time passes: the reader keeps its ring ahead
        n = min(4096, frames - at)
        engine.core.process(live[:, at:at + n] if live is not None else np.zeros((3, n), np.float32), block=64)
    engine.core.stop_recording()
    return taps.read(1 << 18)[0]


def test_the_take_plays_back_into_its_channels_exactly(rig):
    engine, recorder, player = rig
    x = band(1.0)
    take = record_take(engine, recorder, x)
    status = player.play(take)
    assert status["playing"] and status["channels"] == ["ch/1", "ch/2", "ch/3"] and status["seconds"] == 1.0
    got = heard(engine, RATE // 2, live=np.full((3, RATE // 2), 0.9, np.float32))  # the band plays: not heard
    np.testing.assert_array_equal(got[:, RAMP + 64:], x[:, RAMP + 64:RATE // 2])  # float32 takes: bit for bit
    assert np.abs(np.diff(got[0, :RAMP + 64])).max() < 0.05  # crossfaded in from the band, no jump
    assert player.status()["position"] == pytest.approx(0.5, abs=0.01)


def test_a_take_plays_to_its_end_then_silence(rig):
    engine, recorder, player = rig
    x = band(0.3)
    take = record_take(engine, recorder, x)
    player.play(take, start=0.1)
    got = heard(engine, RATE // 2)
    start = int(0.1 * RATE)
    np.testing.assert_array_equal(got[1, RAMP + 64:x.shape[1] - start], x[1, start + RAMP + 64:])
    assert not got[:, x.shape[1] - start + 64:].any()
    status = player.status()
    assert status["playing"] is False and status["starved"] == 0  # silence after the end: nothing was due
    assert status["position"] == status["seconds"]


def test_a_take_played_from_anywhere_ends(rig):
    """A play from a marker is rarely a whole number of blocks from the take's end: its last frames still play, and
    the player says it is over (it said "playing" for ever)."""
    engine, recorder, player = rig
    x = band(0.3)
    take = record_take(engine, recorder, x)
    player.play(take, start=0.101)  # 4848 frames in: 9552 left, not a multiple of 64
    got = heard(engine, RATE // 2)
    start = round(0.101 * RATE)
    left = x.shape[1] - start
    np.testing.assert_array_equal(got[1, RAMP + 64:left], x[1, start + RAMP + 64:])
    assert not got[:, left:].any()
    status = player.status()
    assert status["playing"] is False and status["position"] == status["seconds"] and status["starved"] == 0


def test_a_loop_repeats_without_a_seam(rig):
    engine, recorder, player = rig
    x = band(1.0)
    take = record_take(engine, recorder, x)
    a, b = 0.2, 0.4567  # B - A is no whole number of the tone's periods: a jump, unless the seam is blended
    status = player.play(take, start=a, loop=[a, b])
    assert status["loop"] == [a, pytest.approx(b, abs=1 / RATE)]
    got = heard(engine, RATE)
    tone = got[0, RAMP + 64:]
    steepest = 0.5 * 2 * np.pi * 100 / RATE  # the 100 Hz tone's largest step from one sample to the next
    assert np.abs(np.diff(tone)).max() < 1.5 * steepest  # no click at the loop point, four times over
    period = int(round(b * RATE)) - int(round(a * RATE))
    np.testing.assert_array_equal(got[1, RAMP + 64:RAMP + 64 + 1000], got[1, RAMP + 64 + period:RAMP + 64 + period + 1000])
    assert a <= player.status()["position"] < b


def test_stop_gives_the_channels_back_to_the_band(rig):
    engine, recorder, player = rig
    take = record_take(engine, recorder, band(0.5))
    player.play(take)
    heard(engine, 4096)
    assert player.stop()["playing"] is False
    live = np.full((3, 4096), 0.25, np.float32)
    got = heard(engine, 4096, live=live)
    np.testing.assert_allclose(got[:, RAMP + 64:], 0.25)  # the band again, after the crossfade
    with pytest.raises(PlayerError) as refused:
        player.stop()
    assert refused.value.code == "not_playing"


def test_what_cannot_be_played_is_refused(rig):
    engine, recorder, player = rig
    take = record_take(engine, recorder, band(0.5))
    recorder.start(["main"])
    engine.core.process(np.zeros((3, 640), np.float32))
    main_only = recorder.stop()["id"]
    for call, code in [(lambda: player.play("20001203-120000"), "not_found"),
                       (lambda: player.play(main_only), "invalid_value"),
                       (lambda: player.play(take, start=9.0), "out_of_range"),
                       (lambda: player.play(take, start="0"), "out_of_range"),
                       (lambda: player.play(take, loop=[0.3, 0.2]), "out_of_range"),
                       (lambda: player.play(take, loop=[0.1]), "invalid_value")]:
        with pytest.raises(Exception) as refused:
            call()
        assert refused.value.code == code and refused.value.allowed
    assert engine.core.playing is None and not player.status()["playing"]


def the_band(frames):
    """The band live, each channel at a level of its own (0.25, 0.35, 0.45): what a channel hears is plain."""
    return np.repeat(np.array([[0.25], [0.35], [0.45]], np.float32), frames, axis=1)


def test_only_the_channels_asked_for_hear_the_take(rig):
    engine, recorder, player = rig
    x = band(1.0)
    take = record_take(engine, recorder, x)
    status = player.play(take, channels=["ch/1", "ch/3"])
    assert status["channels"] == ["ch/1", "ch/3"] and status["available"] == ["ch/1", "ch/2", "ch/3"]
    got = heard(engine, 8192, live=the_band(8192))
    np.testing.assert_array_equal(got[0, RAMP + 64:], x[0, RAMP + 64:8192])  # the kick from the take ...
    np.testing.assert_array_equal(got[1], the_band(8192)[1])  # ... the singer live, never the take
    np.testing.assert_array_equal(got[2, RAMP + 64:], x[2, RAMP + 64:8192])
    assert player.play(take, channels=[])["channels"] == []  # the take runs, every channel hears the band
    got = heard(engine, 8192, live=the_band(8192))
    np.testing.assert_allclose(got[:, RAMP + 64:], the_band(8192 - RAMP - 64))


def test_a_channel_switches_between_the_take_and_the_band_while_it_plays(rig):
    engine, recorder, player = rig
    x = band(1.0)
    take = record_take(engine, recorder, x)
    player.play(take)
    n = 8192
    heard(engine, n, live=the_band(n))
    sub = recorder.control.subscribe(notices=["player"])
    status = player.source("ch/1", "live")
    assert status["channels"] == ["ch/2", "ch/3"] and status["available"] == ["ch/1", "ch/2", "ch/3"]
    got = heard(engine, n, live=the_band(n))
    np.testing.assert_allclose(got[0, RAMP + 64:], 0.25)  # the band on channel 1, after the crossfade ...
    assert np.abs(np.diff(got[0, :RAMP + 64])).max() < 0.05  # ... which does not click
    np.testing.assert_array_equal(got[1:], x[1:, n:2 * n])  # the others hear the take on, untouched
    assert player.source("ch/1", "take")["channels"] == ["ch/1", "ch/2", "ch/3"]
    got = heard(engine, n, live=the_band(n))
    # The take again, where it is now (the ring carried channel 1's track all along: nothing was read again).
    np.testing.assert_array_equal(got[0, RAMP + 64:], x[0, 2 * n + RAMP + 64:3 * n])
    notices = [item.data for item in iter(lambda: sub.get(timeout=1), None) if isinstance(item, Notice)]
    assert [m["channels"] for m in notices] == [["ch/2", "ch/3"], ["ch/1", "ch/2", "ch/3"]]


def test_a_bad_switch_is_refused_and_changes_nothing(rig):
    engine, recorder, player = rig
    recorder.start(["ch/1", "ch/3"])
    engine.core.process(np.zeros((3, RATE // 2), np.float32))
    take = recorder.stop()["id"]
    with pytest.raises(PlayerError) as refused:
        player.source("ch/1", "live")
    assert refused.value.code == "not_playing" and refused.value.allowed
    for channels, code in [(["ch/2"], "not_found"), (["ch/1", "ch/1"], "invalid_value"), ("ch/1", "invalid_value"),
                           ([1], "invalid_value")]:
        with pytest.raises(PlayerError) as refused:
            player.play(take, channels=channels)
        assert refused.value.code == code and "ch/1, ch/3" in refused.value.allowed
        assert engine.core.playing is None
    before = player.play(take, channels=["ch/3"])
    for channel, source, code in [("ch/2", "take", "not_found"), ("ch/9", "live", "not_found"),
                                  ("ch/1", "band", "invalid_value"), ("ch/1", None, "invalid_value"),
                                  (1, "take", "invalid_value"), (["ch/1"], "take", "invalid_value")]:
        with pytest.raises(PlayerError) as refused:
            player.source(channel, source)
        assert refused.value.code == code and refused.value.message and refused.value.allowed
    after = player.status()
    assert (after["channels"], after["available"]) == (before["channels"], before["available"]) == (["ch/3"],
                                                                                                     ["ch/1", "ch/3"])
    live = np.full((3, 4096), 0.25, np.float32)
    np.testing.assert_array_equal(heard(engine, 4096, live=live)[0], live[0])  # channel 1 still hears the band


def test_a_marker_set_while_a_take_plays_goes_into_that_take_where_it_is_heard(rig, tmp_path):
    engine, recorder, player = rig
    x = band(1.0)
    take = record_take(engine, recorder, x)
    with pytest.raises(RecorderError) as refused:
        recorder.mark("verse 2")
    assert refused.value.code == "not_recording" and refused.value.message == "no take is being recorded or played"
    player.play(take, start=0.25)
    heard(engine, 4800)
    sub = recorder.control.subscribe(notices=["player", "recorder"])
    marker = recorder.mark("verse 2")
    assert marker == {"position": RATE // 4 + 4800, "name": "verse 2"}  # the moment being heard, in the take
    assert recorder.takes.get(take)["markers"] == [marker]
    sidecar = json.loads((tmp_path / "takes" / take / "take.json").read_text())  # on the disk, at once
    assert sidecar["markers"] == [marker] and sidecar["complete"] is True
    assert not list((tmp_path / "takes" / take).glob("*.new"))
    notices = [item for item in iter(lambda: sub.get(timeout=1), None) if isinstance(item, Notice)]
    assert [n.kind for n in notices] == ["player"] and notices[0].data["take"] == take
    with pytest.raises(RecorderError) as refused:
        recorder.mark("\x07")
    assert refused.value.code == "invalid_name" and recorder.takes.get(take)["markers"] == [marker]
    # A take being recorded meanwhile gets the marker: the one recorded wins over the one heard.
    recorder.start(["ch/2"])
    engine.core.process(np.zeros((3, 640), np.float32))
    assert recorder.mark("take 2")["position"] == 640
    second = recorder.stop()
    assert second["markers"] == [{"position": 640, "name": "take 2"}]
    assert recorder.takes.get(take)["markers"] == [marker]
    player.stop()
    with pytest.raises(RecorderError) as refused:
        recorder.mark("verse 3")
    assert refused.value.code == "not_recording"
