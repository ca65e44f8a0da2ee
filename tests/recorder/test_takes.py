"""The takes on disk (mixerd/recorder/takes.py): folders, sidecars, the change log, renaming, deleting, the free
space, and a take a power cut left unfinished."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import numpy as np
import pytest
import soundfile as sf

from mixerd.recorder.takes import Source, TakeError, Takes, bytes_per_second, file_name
from mixerd.recorder.wavfile import BroadcastWav, repair

NOON = 1796299200.0  # a fixed start (2026-12-03, in UTC; the folder is named in local time)
BAND = [Source("ch/1", "Kick", "red"), Source("ch/2", "Snare/top", "orange", tap="raw"),
        Source("bus/1", "Drummer's ears", None, channels=2), Source("main", "Main", None, channels=2)]


@pytest.fixture
def takes(tmp_path):
    return Takes(tmp_path / "takes", reserve=0)


def test_a_take_has_a_folder_named_by_its_start_and_a_sidecar(takes):
    take = takes.create(BAND, 48000, name="Rehearsal", scene={"id": 2, "name": "Verse"}, now=NOON)
    again = takes.create(BAND[:1], 48000, now=NOON)  # the same second: a folder of its own
    assert again.id == take.id + "-2"
    assert [t["id"] for t in takes.list()] == [take.id, again.id]
    listed = takes.get(take.id)
    assert listed["name"] == "Rehearsal" and listed["complete"] is False and listed["frames"] == 0
    assert listed["scene"] == {"id": 2, "name": "Verse"}
    assert [s["file"] for s in listed["sources"]] == ["01 Kick.wav", "02 Snare_top.wav", "03 Drummer_s ears.wav",
                                                       "04 Main.wav"]
    assert listed["sources"][1] == {"address": "ch/2", "name": "Snare/top", "color": "orange", "channels": 1,
                                    "tap": "raw", "file": "02 Snare_top.wav"}
    assert take.file(2) == take.path / "03 Drummer_s ears.wav"
    assert again.info["name"].startswith("Take ")  # unnamed: named by its time


def test_the_change_log_markers_and_the_end_are_in_the_take(takes):
    take = takes.create(BAND, 48000, now=NOON)
    take.log_change(480, "ch/1/fader", -6.5, "admin:1")
    take.mark(96000, "verse 2")
    take.mark(48000, "intro")
    take.sync(100000)
    assert takes.get(take.id)["frames"] == 100000  # a sync keeps the sidecar up to date
    take.log_change(120000, "ch/2/mute", True)
    take.finish(144000)
    done = takes.get(take.id)
    assert done["complete"] is True and done["seconds"] == 3.0 and "ended" in done
    assert done["markers"] == [{"position": 48000, "name": "intro"}, {"position": 96000, "name": "verse 2"}]
    lines = (take.path / "changes.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"position": 480, "address": "ch/1/fader", "value": -6.5, "by": "admin:1"},
        {"position": 120000, "address": "ch/2/mute", "value": True, "by": None}]


def test_renaming_and_deleting_a_take(takes):
    take = takes.create(BAND, 48000, now=NOON)
    assert takes.rename(take.id, "  Gig, set 1 ♪ ")["name"] == "Gig, set 1 ♪"
    with pytest.raises(TakeError) as refused:
        takes.rename(take.id, "")
    assert refused.value.code == "invalid_name" and takes.get(take.id)["name"] == "Gig, set 1 ♪"
    with pytest.raises(TakeError) as refused:
        takes.delete(take.id)
    assert refused.value.code == "confirm_required" and take.path.is_dir()
    takes.delete(take.id, confirm=True)
    assert not take.path.exists() and takes.list() == []


def test_a_marker_in_a_finished_take_is_on_the_disk_at_once_and_in_time_order(takes):
    take = takes.create(BAND, 48000, now=NOON)
    take.mark(96000, "chorus")
    take.finish(144000)
    assert takes.mark(take.id, 48000, "verse 2") == {"position": 48000, "name": "verse 2"}
    assert takes.mark(take.id, 10 ** 9, "the end")["position"] == 144000  # within the take
    sidecar = json.loads((take.path / "take.json").read_text())
    assert sidecar["markers"] == [{"position": 48000, "name": "verse 2"}, {"position": 96000, "name": "chorus"},
                                  {"position": 144000, "name": "the end"}]
    assert sidecar["complete"] is True and not list(take.path.glob("*.new"))  # replaced whole, nothing left aside
    with pytest.raises(TakeError) as refused:
        takes.mark(take.id, 0, "")
    assert refused.value.code == "invalid_name" and "marker name" in refused.value.message
    assert len(takes.get(take.id)["markers"]) == 3


@pytest.mark.parametrize("bad", ["../etc", "20261203-120000/../..", "", None, 7, "x" * 500, "20001203-120000"])
def test_an_id_that_is_not_a_take_is_not_found_and_reaches_nothing(takes, bad):
    takes.create(BAND, 48000, now=NOON)
    for call in (lambda: takes.get(bad), lambda: takes.rename(bad, "x"), lambda: takes.mark(bad, 0, "x"),
                 lambda: takes.delete(bad, confirm=True)):
        with pytest.raises(TakeError) as refused:
            call()
        assert refused.value.code == "not_found" and "e.g. " in refused.value.allowed
    assert len(takes.list()) == 1


def test_bad_takes_are_refused_before_a_folder_is_made(takes):
    for sources, fmt, code in (([], "pcm24", "invalid_value"), (BAND, "mp3", "invalid_value")):
        with pytest.raises(TakeError) as refused:
            takes.create(sources, 48000, fmt)
        assert refused.value.code == code and refused.value.allowed
    with pytest.raises(TakeError):
        takes.create(BAND, 48000, name="\u202eevil")
    assert takes.list() == [] and not (takes.root.exists() and any(takes.root.iterdir()))


def test_the_space_left_counts_the_reserve_and_the_sources(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    takes = Takes(tmp_path / "takes", reserve=free // 2)
    space = takes.space(channels=33, rate=48000)
    assert space["reserve"] == free // 2 and 0 < space["usable"] <= free - free // 2
    assert space["seconds_left"] == pytest.approx(space["usable"] / (33 * 48000 * 3))
    assert Takes(tmp_path / "t", reserve=free * 2).space(channels=1)["usable"] == 0  # the reserve is never used
    assert takes.space()["seconds_left"] is None
    assert bytes_per_second(2, 48000, "float32") == 384000


def test_file_names_keep_every_script_and_lose_what_a_file_system_refuses():
    assert file_name(1, "Große Trommel") == "01 Große Trommel.wav"
    assert file_name(12, "a:b*c?\"<>|\\") == "12 a_b_c______.wav"
    assert file_name(3, "  ...  ") == "03 source.wav"
    assert len(file_name(1, "x" * 300)) == len("01 .wav") + 60


def test_a_take_a_power_cut_left_unfinished_is_mended_at_the_next_start(takes):
    take = takes.create(BAND[:2], 48000, now=NOON)
    # The recorder died after the files' headers said 4800 frames: 2 s more had reached the disk (no close).
    block = np.linspace(-0.5, 0.5, 4800, dtype=np.float32)
    writers = [BroadcastWav(take.file(i), 1, 48000, name=s.name, origination=datetime(2026, 12, 3, 12))
               for i, s in enumerate(BAND[:2])]
    for writer in writers:
        writer.write(block)
        writer.flush()
        for _ in range(20):
            writer.write(block)
    assert [sf.info(str(take.file(i))).frames for i in range(2)] == [4800, 4800]  # what the headers say
    finished = takes.create(BAND[:1], 48000, now=NOON + 60)
    finished.finish(10)

    assert takes.recover(repair) == [take.id]
    mended = takes.get(take.id)
    assert mended["complete"] is True and mended["recovered"] is True
    assert 4800 < mended["frames"] == sf.info(str(take.file(0))).frames <= 21 * 4800
    assert takes.get(finished.id)["frames"] == 10 and "recovered" not in takes.get(finished.id)  # left alone
    assert takes.recover(repair) == []


def test_a_take_goes_home_as_one_zip_made_while_it_is_sent(takes, tmp_path):
    import io
    import zipfile

    take = takes.create(BAND[:2], 48000, name="Gig", now=NOON)
    for i in range(2):
        with BroadcastWav(take.file(i), 1, 48000, name=BAND[i].name, origination=datetime(2026, 12, 3, 12)) as w:
            w.write(np.linspace(-1, 1, 48000 * 3, dtype=np.float32))
    take.log_change(10, "ch/1/fader", -3.0)
    take.finish(48000 * 3)
    parts = list(takes.zip_stream(take.id, chunk=64 * 1024))
    assert len(parts) > 10 and max(len(p) for p in parts) < 200 * 1024  # sent as it is made
    archive = zipfile.ZipFile(io.BytesIO(b"".join(parts)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted(f"{take.id}/{n}" for n in
                                                ("01 Kick.wav", "02 Snare_top.wav", "take.json", "changes.jsonl"))
    assert archive.read(f"{take.id}/01 Kick.wav") == take.file(0).read_bytes()
    with pytest.raises(TakeError):
        next(takes.zip_stream("20001203-120000"))


def test_a_take_is_completed_on_a_disk_with_no_byte_left(small_disk):
    """The room kept for the sidecar's next version (take.json.new, allocated ahead) lets a take be marked and
    completed when a disk filled up under it (by the take itself, or by anything else); the room is given back."""
    from support import fill_disk

    takes = Takes(small_disk / "takes", reserve=0)
    take = takes.create(BAND[:1], 48000, name="Full", now=NOON)
    take.log_change(0, "ch/1/fader", -3.0, "rest")
    filler = fill_disk(small_disk, leave=0)
    with pytest.raises(OSError):  # full indeed
        with open(small_disk / "more.bin", "wb") as f:
            f.write(b"\0" * 65536)
            f.flush()
    take.mark(4800, "verse 2")
    take.finish(48000, "the recorder's disk is full")
    listed = takes.get(take.id)
    assert listed["complete"] and listed["frames"] == 48000 and listed["markers"][0]["name"] == "verse 2"
    assert listed["problem"] == "the recorder's disk is full"
    assert not (take.path / "take.json.new").exists()
    filler.unlink()
    assert takes.rename(take.id, "Full, renamed")["name"] == "Full, renamed"


def test_a_configured_folder_is_never_made_and_an_unmounted_stick_is_not_recorded_to(tmp_path, small_disk):
    """[recorder] dir named by the user (a USB disk): missing, or a removable disk's mount point with no disk in
    it, it is unavailable — takes are refused with why, nothing is made on the system's own disk — and usable once
    the disk is there."""
    missing = Takes(tmp_path / "gone" / "takes", reserve=0, configured=True)
    assert "is not there: is its disk plugged in and mounted?" in missing.unavailable()
    with pytest.raises(TakeError) as refused:
        missing.create(BAND[:1], 48000, now=NOON)
    assert refused.value.code == "no_disk_space" and "mount" in refused.value.allowed
    assert not (tmp_path / "gone").exists()
    assert missing.space(1)["seconds_left"] == 0 and missing.space(1)["unavailable"]

    # tmp_path stands for /media: "usb" is a mount point with nothing mounted, small_disk ("stick") a mounted one.
    (tmp_path / "usb" / "takes").mkdir(parents=True)
    unmounted = Takes(tmp_path / "usb" / "takes", reserve=0, configured=True, removable_roots=[tmp_path])
    assert unmounted.unavailable() == (f"no disk is mounted at {tmp_path / 'usb'}: the recorder's folder "
                                       f"{tmp_path / 'usb' / 'takes'} is on the system's own disk")
    with pytest.raises(TakeError):
        unmounted.create(BAND[:1], 48000, now=NOON)
    assert list((tmp_path / "usb" / "takes").iterdir()) == []
    (small_disk / "takes").mkdir()
    mounted = Takes(small_disk / "takes", reserve=0, configured=True, removable_roots=[tmp_path])
    assert mounted.unavailable() is None and mounted.space(1)["unavailable"] is None
    assert mounted.create(BAND[:1], 48000, now=NOON).path.parent == small_disk / "takes"

    default = Takes(tmp_path / "state" / "takes", reserve=0)  # the state directory's own: made when needed
    assert default.unavailable() is None and default.create(BAND[:1], 48000, now=NOON).path.is_dir()
