"""The recorder service (mixerd/recorder/service.py) on the real engine offline and a real control core: a take of
chosen sources with the engineer's moves and markers in it, the recorder's notices, and what is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from mixerd.control import Control, Notice
from mixerd.control.scenes import SceneService
from mixerd.engine import Engine
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.recorder.service import Recorder, RecorderError
from mixerd.recorder.takes import Takes

RATE = 48000


@pytest.fixture
def rig(tmp_path):
    """(control, engine, recorder, scenes): 4 channels, a mono and a stereo mix, the engine run offline."""
    layout = Layout.simple(4, 2, stereo_buses=1, generators=0)
    tree = ParamTree.from_layout(layout)
    engine = Engine(layout, sample_rate=RATE, max_frames=64)
    engine.load(tree.defaults())
    control = Control(tree, link=engine)
    scenes = SceneService(control)
    recorder = Recorder(control, engine, Takes(tmp_path / "takes", reserve=0), scenes=scenes, buffer_s=5.0)
    yield control, engine, recorder, scenes
    recorder.close()
    scenes.stop()


def play(engine, seconds, seed=0):
    """Mix ``seconds`` of noise on every channel through the core, as JACK would, in 64-frame blocks."""
    x = (np.random.default_rng(seed).uniform(-0.5, 0.5, (engine.layout.n_inputs, int(seconds * RATE)))
         .astype(np.float32))
    return x, engine.core.process(x, block=64)


def test_a_take_holds_its_sources_the_moves_and_the_markers(rig, tmp_path):
    control, engine, recorder, scenes = rig
    control.set("ch/1/name", "Kick", "rest")
    control.set("ch/1/color", "#ff0000", "rest")
    verse = scenes.save_scene("Verse")
    status = recorder.start(["ch/1", "bus/2", "main"], name="Rehearsal", tap="raw", actor="admin:1")
    assert status["recording"] and status["sources"] == ["ch/1", "bus/2", "main"] and status["name"] == "Rehearsal"
    x1, _ = play(engine, 0.5, seed=1)
    control.set("ch/2/fader", -12.0, "ws", actor="browser:drummer")
    marker = recorder.mark("verse 2")
    x2, _ = play(engine, 0.5, seed=2)
    take = recorder.stop(actor="admin:1")
    assert not recorder.status()["recording"]

    assert take["complete"] and take["frames"] == RATE and take["name"] == "Rehearsal"
    assert take["scene"] == {"id": verse.id, "name": "Verse", "modified": False}
    assert [(s["address"], s["name"], s["color"], s["channels"]) for s in take["sources"]] == [
        ("ch/1", "Kick", "#ff0000", 1), ("bus/2", "Mix 2", control.get("bus/2/color"), 2), ("main", "Main", None, 2)]
    folder = tmp_path / "takes" / take["id"]
    kick, rate = sf.read(folder / take["sources"][0]["file"], dtype="int32")
    assert rate == RATE and len(kick) == RATE
    expected = np.clip(np.rint(np.concatenate([x1[0], x2[0]]).astype(np.float64) * 2**23), -2**23, 2**23 - 1)
    np.testing.assert_array_equal(kick >> 8, expected.astype(np.int32))  # raw: the input as it came
    assert sf.info(str(folder / take["sources"][1]["file"])).channels == 2
    # The moves during the take, at their sample positions; the marker where it was set.
    changes = [json.loads(line) for line in (folder / "changes.jsonl").read_text().splitlines()]
    assert changes == [{"position": RATE // 2, "address": "ch/2/fader", "value": -12.0, "by": "browser:drummer"}]
    assert marker == {"position": RATE // 2, "name": "verse 2"} and take["markers"] == [marker]


def test_the_recorder_says_what_it_does_on_the_event_stream(rig):
    control, engine, recorder, _ = rig
    sub = control.subscribe(notices=["recorder"])
    recorder.start(["ch/3"])
    play(engine, 0.1)
    recorder.stop()
    notices = [item.data for item in iter(lambda: sub.get(timeout=1), None) if isinstance(item, Notice)]
    assert [n["recording"] for n in notices] == [True, False]
    assert notices[0]["sources"] == ["ch/3"] and notices[0]["space"]["seconds_left"] > 60


def test_every_channel_and_the_main_by_default(rig):
    _, engine, recorder, _ = rig
    recorder.start()
    play(engine, 0.05)
    take = recorder.stop()
    assert [s["address"] for s in take["sources"]] == ["ch/1", "ch/2", "ch/3", "ch/4", "main"]
    assert all(s["tap"] == "trim" for s in take["sources"][:4])


@pytest.mark.parametrize("sources, tap, code", [
    (["ch/5"], "trim", "not_found"), (["bus/3"], "trim", "not_found"), (["ch/0"], "trim", "not_found"),
    (["../x"], "trim", "not_found"), (["ch/1", "ch/1"], "trim", "invalid_value"), ("ch/1", "trim", "invalid_value"),
    ([1], "trim", "invalid_value"), (["ch/1"], "post", "invalid_value"),
])
def test_a_take_that_cannot_be_is_refused_with_what_is_allowed(rig, sources, tap, code):
    _, _, recorder, _ = rig
    with pytest.raises(RecorderError) as refused:
        recorder.start(sources, tap=tap)
    assert refused.value.code == code and refused.value.allowed
    assert not recorder.status()["recording"] and recorder.takes.list() == []


def test_one_take_at_a_time_and_the_running_take_is_not_deleted(rig):
    _, engine, recorder, _ = rig
    with pytest.raises(RecorderError) as refused:
        recorder.stop()
    assert refused.value.code == "not_recording"
    status = recorder.start(["ch/1"])
    with pytest.raises(RecorderError) as refused:
        recorder.start(["ch/2"])
    assert refused.value.code == "recording" and status["take"] in refused.value.message
    with pytest.raises(RecorderError) as refused:
        recorder.delete(status["take"], confirm=True)
    assert refused.value.code == "recording"
    play(engine, 0.05)
    take = recorder.stop()
    recorder.delete(take["id"], confirm=True)
    assert recorder.takes.list() == []


def test_no_take_starts_without_room_above_the_reserve(rig, tmp_path):
    control, engine, _, _ = rig
    full = Recorder(control, engine, Takes(tmp_path / "full", reserve=1 << 60))
    with pytest.raises(RecorderError) as refused:
        full.start(["ch/1"])
    assert refused.value.code == "no_disk_space" and "reserve" in refused.value.message
    assert engine.core.recording is None


def test_the_problem_finder_says_what_the_recorder_lacks(rig, tmp_path):
    """A take about to fill its disk, one that lost audio, one the disk ended: problems on every front end."""
    import shutil

    from mixerd.diagnostics import Diagnostics
    from mixerd.diagnostics.problems import recorder_problems

    control, engine, _, _ = rig
    free = shutil.disk_usage(tmp_path).free
    # Room for 5.5 minutes of one track above the reserve: enough to start (≥ 1), little enough to warn (< 10),
    # with about 40 MB either way for whatever else writes to this disk meanwhile.
    tight = Recorder(control, engine, Takes(tmp_path / "tight", reserve=free - 330 * RATE * 3), buffer_s=5.0)
    diagnostics = Diagnostics(control, recorder=tight, raise_after=0.0)
    tight.start(["ch/1"])
    try:
        play(engine, 0.05)
        diagnostics.check()
        codes = {p["code"]: p for p in diagnostics.problems()["problems"]}
        assert codes["recorder_space_low"]["address"] == "recorder" and "minutes" in codes["recorder_space_low"]["message"]
    finally:
        tight.stop()
        diagnostics.stop()
    assert recorder_problems(tight.status()) == []  # stopped cleanly: nothing to say

    status = {**tight.status(), "recording": True, "lost_seconds": 1.5}
    (overrun,) = [p for p in recorder_problems(status) if p.code == "recorder_overrun"]
    assert "1.5 s" in overrun.message and overrun.severity == "warning"
    ended = {**tight.status(), "problem": {"code": "recorder_disk_full", "message": "the recorder's disk is full"}}
    (stopped,) = recorder_problems(ended)
    assert stopped.code == "recorder_stopped" and stopped.severity == "error" and "new take" in stopped.fix


def test_a_take_renamed_while_it_records_keeps_its_new_name(rig):
    """The take's sidecar is the recorder's while it records: a rename goes through it, so neither the disk thread's
    next sidecar update nor the stop brings the old name back."""
    control, engine, recorder, _ = rig
    take_id = recorder.start(["ch/1"], name="Take 1")["take"]
    notices = control.subscribe(notices=("recorder",))
    renamed = recorder.rename(take_id, "Bridge, better")
    assert renamed["name"] == "Bridge, better" and recorder.status()["name"] == "Bridge, better"
    notice = notices.get(timeout=5)
    assert isinstance(notice, Notice) and notice.data["name"] == "Bridge, better"
    play(engine, 0.5)
    recorder.writer._commit()  # the disk thread's sidecar update (it runs every header_s), here and now
    take = recorder.stop()
    assert take["name"] == "Bridge, better"
    assert json.loads((recorder.takes.path(take_id) / "take.json").read_text())["name"] == "Bridge, better"
    with pytest.raises(RecorderError) as refused:
        recorder.rename(take_id, "")
    assert refused.value.code == "invalid_name" and recorder.takes.get(take_id)["name"] == "Bridge, better"


def test_the_take_played_back_cannot_be_deleted(rig):
    control, engine, recorder, _ = rig
    from mixerd.recorder.player import Player

    player = recorder.player = Player(control, engine, recorder.takes)  # wired as the daemon does
    recorder.start(["ch/1"], name="Loop me")
    play(engine, 0.5)
    take_id = recorder.stop()["id"]
    player.play(take_id)
    try:
        with pytest.raises(RecorderError) as refused:
            recorder.delete(take_id, confirm=True)
        assert refused.value.code == "playing" and "played back" in refused.value.message
        assert recorder.takes.get(take_id)["complete"]
    finally:
        player.close()
    recorder.delete(take_id, confirm=True)
    assert recorder.takes.list() == []


def test_no_take_starts_while_the_configured_disk_is_not_there(rig, tmp_path):
    control, engine, _, _ = rig
    recorder = Recorder(control, engine, Takes(tmp_path / "usb" / "takes", reserve=0, configured=True))
    assert "not there" in recorder.status()["space"]["unavailable"]
    with pytest.raises(RecorderError) as refused:
        recorder.start(["ch/1"])
    assert refused.value.code == "no_disk_space" and "plugged in and mounted" in refused.value.message
    assert not recorder.status()["recording"] and not (tmp_path / "usb").exists()
