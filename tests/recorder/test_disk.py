"""The disk thread of a take (mixerd/recorder/disk.py) behind the real core, offline: the files hold exactly what the
core had, a late disk leaves silence where frames were lost (the timeline kept), a full or failing disk ends the
take cleanly with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import numpy as np
import pytest
import soundfile as sf

from mixerd import _core
from mixerd.engine import Engine
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree
from mixerd.recorder.disk import Track, TakeWriter
from mixerd.recorder.takes import Source, Takes

RATE = 48000
START = datetime(2026, 12, 3, 20, 15)


def engine_with_sends():
    layout = Layout.simple(4, 1, stereo_buses=1, generators=0)
    state = ParamTree.from_layout(layout).defaults()
    for c in range(1, 5):
        state[f"ch/{c}/send/1/level"] = -6.0
        state[f"ch/{c}/send/1/on"] = True
    engine = Engine(layout, sample_rate=RATE, max_frames=64)
    engine.load(state)
    return engine


def signal(frames, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.9, 0.9, (4, frames)).astype(np.float32)
    x[1, ::97] = 1.5  # beyond full scale: clipped in 24-bit, kept in float
    return x


def pcm24(x):
    """What a 24-bit file holds for float samples x, as soundfile reads it (int32, the 24 bits on top)."""
    return (np.clip(np.rint(x.astype(np.float64) * 2**23), -2**23, 2**23 - 1).astype(np.int32) << 8)


def record(tmp_path, fmt, frames, *, capacity=1 << 16, late=0, **writer_args):
    """Record channels 1 and 3 raw and the stereo mix through a TakeWriter while the core mixes ``frames``
    (``late``: frames mixed before the writer starts). Returns (input, outputs, take summary, writer)."""
    engine = engine_with_sends()
    core = engine.core
    takes = Takes(tmp_path / "takes", reserve=0)
    folder = takes.create([Source("ch/1", "Kick"), Source("ch/3", "Bass"), Source("bus/1", "Ears", channels=2)],
                          RATE, fmt)
    ring = core.record([(_core.TAP_RAW, 0, 0), (_core.TAP_RAW, 2, 0), (_core.TAP_BUS, 0, 0), (_core.TAP_BUS, 0, 1)],
                       capacity)
    writer = TakeWriter(ring, folder, [Track(0, 1, "Kick"), Track(1, 1, "Bass"), Track(2, 2, "Ears")], RATE, fmt,
                        started=START, **writer_args)
    x = signal(frames)
    outputs = [core.process(x[:, :late], block=64)]
    writer.start()
    for at in range(late, frames, 256):
        # As the audio thread runs in real time, the disk keeps up (unless the writer ended the take): room for
        # the next 256 frames before they are mixed.
        while ring.queued > capacity - 256 and writer.running:
            time.sleep(0.001)
        outputs.append(core.process(x[:, at:at + 256], block=64))
    core.stop_recording()
    writer.finish()
    return x, np.concatenate(outputs, axis=1), takes.get(folder.id), writer


@pytest.mark.parametrize("fmt", ["pcm24", "float32"])
def test_the_files_hold_exactly_what_the_core_had(tmp_path, fmt):
    x, y, take, writer = record(tmp_path, fmt, 3 * RATE + 100)
    assert writer.problem is None and take["complete"] and take["frames"] == x.shape[1]
    folder = tmp_path / "takes" / take["id"]
    dtype = "int32" if fmt == "pcm24" else "float32"
    kick, _ = sf.read(folder / "01 Kick.wav", dtype=dtype)
    bass, _ = sf.read(folder / "02 Bass.wav", dtype=dtype)
    ears, rate = sf.read(folder / "03 Ears.wav", dtype=dtype)
    assert rate == RATE and ears.shape == (x.shape[1], 2)
    convert = pcm24 if fmt == "pcm24" else (lambda a: a)
    np.testing.assert_array_equal(kick, convert(x[0]))
    np.testing.assert_array_equal(bass, convert(x[2]))
    np.testing.assert_array_equal(ears, convert(y[2:4].T))  # the stereo mix's output ports
    assert np.abs(y[2:4]).max() > 0.1


def test_a_disk_that_was_late_leaves_silence_where_frames_were_lost(tmp_path):
    # The writer starts after 20 blocks into a ring of 8: 12 blocks lost, then it keeps up.
    x, y, take, writer = record(tmp_path, "float32", 64 * 200, capacity=512, late=64 * 20)
    assert writer.problem is None and take["frames"] == x.shape[1]
    kick, _ = sf.read(tmp_path / "takes" / take["id"] / "01 Kick.wav", dtype="float32")
    lost = slice(64 * 8, 64 * 20)
    assert not kick[lost].any()
    kept = np.ones(x.shape[1], bool)
    kept[lost] = False
    np.testing.assert_array_equal(kick[kept], x[0, kept])  # everything else in its place


def test_a_disk_down_to_its_reserve_ends_the_take_and_keeps_it(tmp_path):
    ended = []
    x, y, take, writer = record(tmp_path, "pcm24", 2 * RATE, reserve=1 << 30, space=lambda: 1 << 29,
                                on_end=ended.append)
    assert ended == [writer.problem] and writer.problem["code"] == "recorder_disk_full"
    assert "reserve" in writer.problem["message"]
    assert take["complete"] and take["problem"] == writer.problem["message"]
    kick, _ = sf.read(tmp_path / "takes" / take["id"] / "01 Kick.wav", dtype="int32")
    assert len(kick) == take["frames"] and np.array_equal(kick, pcm24(x[0, :len(kick)]))


def test_a_failing_write_ends_the_take_cleanly(tmp_path):
    """A file size limit (RLIMIT_FSIZE, in a child process) makes the disk refuse writes as a full or broken one
    does: the take ends with the reason, its files open with what reached them, the sidecar says why."""
    script = textwrap.dedent(f"""
        import json, resource, signal, sys
        sys.path.insert(0, {str(tmp_path)!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))
        from pathlib import Path
        import test_disk_child as child
        print(json.dumps(child.run(Path({str(tmp_path)!r}))))
    """)
    (tmp_path / "test_disk_child.py").write_text(textwrap.dedent('''
        from pathlib import Path
        import test_disk as t
        def run(tmp):
            x, y, take, writer = t.record(tmp, "pcm24", 6 * t.RATE)
            return {"problem": writer.problem, "take": take}
    '''))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": f"{__file__.rsplit('/', 1)[0]}:{':'.join(sys.path)}"})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    problem, take = got["problem"], got["take"]
    assert problem["code"] == "recorder_disk_failed" and "File too large" in problem["message"]
    assert take["complete"] and take["problem"] == problem["message"]
    files = [tmp_path / "takes" / take["id"] / name for name in ("01 Kick.wav", "02 Bass.wav", "03 Ears.wav")]
    frames = [sf.info(str(f)).frames for f in files]
    assert 0 < min(frames) == take["frames"] and max(frames) < 6 * RATE  # headers set from what reached the disk
