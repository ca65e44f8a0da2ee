"""The recorder's Broadcast WAV / RF64 writer, checked with independent readers: libsndfile (soundfile) for the
audio, wavinfo and a small chunk walker for the header; crashes are real child processes that die unflushed."""

from __future__ import annotations

import itertools
import os
import shutil
import struct
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from wavinfo import WavInfoReader

from mixerd.recorder.wavfile import WRITE_BYTES, BroadcastWav, repair

ROOT = Path(__file__).resolve().parents[2]
RATE = 48000
TAKE_START = datetime(2024, 5, 6, 19, 30, 5)
BLOCK_SIZES = (64, 1000, 7)  # uneven on purpose: blocks and the writer's buffer never line up
MIB = 1 << 20


def open_wav(path: Path, channels: int = 1, sample_format: str = "pcm24", **kwargs) -> BroadcastWav:
    kwargs.setdefault("name", "Kick")
    return BroadcastWav(path, channels, RATE, sample_format, origination=TAKE_START, **kwargs)


def sine_with_edges(frames: int, channels: int) -> np.ndarray:
    """A sine with full scale, beyond full scale and the smallest values at its start, (frames, channels)."""
    edges = [1.0, -1.0, 1.5, -1.5, 1e-9, -1e-9, 0.5 / 2**23, 1.5 / 2**23, 2.5 / 2**23, -2.5 / 2**23, 0.0]
    sine = 0.8 * np.sin(2 * np.pi * 997 * np.arange(frames * channels) / RATE)
    sine[:len(edges)] = edges
    return sine.reshape(frames, channels).astype(np.float32)


def pcm24(x: np.ndarray) -> np.ndarray:
    """The 24-bit integers the writer must store, computed in float64."""
    return np.clip(np.round(x.astype(np.float64) * 2**23), -2**23, 2**23 - 1).astype(np.int32)


def write_in_blocks(wav: BroadcastWav, x: np.ndarray) -> None:
    start = 0
    for size in itertools.cycle(BLOCK_SIZES):
        if start >= len(x):
            return
        block = x[start:start + size]
        wav.write(block[:, 0] if wav.channels == 1 else block)
        start += size


def chunks(path: Path) -> list[tuple[bytes, int, int]]:
    """(id, offset, size) of the top-level chunks up to and including data."""
    raw = path.read_bytes()
    found, at = [], 12
    while at + 8 <= len(raw):
        ident, size = raw[at:at + 4], struct.unpack_from("<I", raw, at + 4)[0]
        found.append((ident, at, size))
        if ident == b"data":
            break
        at += 8 + size + (size & 1)
    return found


def read_int24(path: Path) -> np.ndarray:
    data, rate = sf.read(path, dtype="int32", always_2d=True)
    assert rate == RATE
    return data >> 8  # libsndfile puts 24-bit samples in the top bits of an int32


def read_bits(path: Path) -> np.ndarray:
    data, _ = sf.read(path, dtype="float32", always_2d=True)
    return data.view(np.uint32)


@pytest.mark.parametrize("channels", [1, 2])
def test_pcm24_stores_the_rounded_and_clipped_24_bit_integers(tmp_path, channels):
    x = sine_with_edges(12345, channels)
    path = tmp_path / "take.wav"
    with open_wav(path, channels) as wav:
        write_in_blocks(wav, x)
        assert wav.frames == len(x)
    info = sf.info(path)
    assert (info.channels, info.frames, info.subtype) == (channels, len(x), "PCM_24")
    np.testing.assert_array_equal(read_int24(path), pcm24(x))


def test_pcm24_rounds_half_to_even_clips_and_turns_nan_into_silence(tmp_path):
    lsb = 1 / 2**23
    cases = {0.5 * lsb: 0, 1.5 * lsb: 2, 2.5 * lsb: 2, -0.5 * lsb: 0, -2.5 * lsb: -2, 1.0: 2**23 - 1,
             -1.0: -2**23, 2.0: 2**23 - 1, -2.0: -2**23, float("inf"): 2**23 - 1, float("-inf"): -2**23,
             float("nan"): 0, 1e-30: 0}
    path = tmp_path / "edges.wav"
    with open_wav(path) as wav:
        wav.write(np.array(list(cases), dtype=np.float32))
    assert read_int24(path)[:, 0].tolist() == list(cases.values())


@pytest.mark.parametrize("channels", [1, 2])
def test_float32_is_stored_bit_exact(tmp_path, channels):
    x = sine_with_edges(12345, channels)
    x[-4:, 0] = [3.5, -7.25, 1e-40, -0.0]  # beyond full scale, a denormal, negative zero
    path = tmp_path / "take.wav"
    with open_wav(path, channels, "float32") as wav:
        write_in_blocks(wav, x)
    assert sf.info(path).subtype == "FLOAT"
    np.testing.assert_array_equal(read_bits(path), x.view(np.uint32))


def test_bext_and_info_describe_the_take(tmp_path):
    path = tmp_path / "take.wav"
    with open_wav(path, 2, name="Größe Trommel ♪", description="Overhead L/R", originator="FOH rack",
                  time_reference=(5 << 32) + 7) as wav:
        wav.write(np.zeros((10, 2), np.float32))
    reader = WavInfoReader(path, info_encoding="utf-8", bext_encoding="utf-8")
    bext = reader.bext
    assert bext.description == "Größe Trommel ♪: Overhead L/R"
    assert (bext.originator, bext.originator_ref) == ("FOH rack", "")
    assert (bext.originator_date, bext.originator_time) == ("2024-05-06", "19:30:05")
    assert bext.time_reference == (5 << 32) + 7 and bext.version == 1 and bext.umid == bytes(64)
    assert bext.coding_history.startswith("A=PCM,F=48000,W=24,M=stereo,T=mixerd ")
    assert bext.coding_history.endswith("\r\n")
    assert reader.info.title == "Größe Trommel ♪"
    assert reader.fmt.audio_format == 1 and reader.fmt.bits_per_sample == 24 and reader.fmt.block_align == 6


def test_a_long_name_is_cut_on_a_character_boundary_in_bext_and_kept_whole_in_info(tmp_path):
    name = "Größe Trommel ♪" * 20  # 360 bytes of UTF-8; ♪ takes 3
    path = tmp_path / "take.wav"
    with open_wav(path, name=name, sample_format="float32") as wav:
        wav.write(np.zeros(10, np.float32))  # wavinfo misses a data chunk of size 0 at the very end
    reader = WavInfoReader(path, info_encoding="utf-8", bext_encoding="utf-8")
    description = reader.bext.description
    assert name.startswith(description) and 253 < len(description.encode()) <= 256
    assert reader.info.title == name
    assert reader.bext.coding_history.startswith("A=PCM,F=48000,W=32,M=mono,")
    assert reader.fmt.audio_format == 3 and reader.fmt.bits_per_sample == 32


@pytest.mark.parametrize("sample_format, frames", [("pcm24", 1001), ("float32", 1000)])
def test_the_chunks_come_in_order_with_even_sizes_and_sizes_that_add_up(tmp_path, sample_format, frames):
    path = tmp_path / "take.wav"
    with open_wav(path, sample_format=sample_format) as wav:
        wav.write(np.zeros(frames, np.float32))
    raw = path.read_bytes()
    layout = chunks(path)
    ids = [ident for ident, _, _ in layout]
    expected = [b"JUNK", b"fmt ", b"bext", b"LIST", b"data"]
    if sample_format == "float32":
        expected.insert(2, b"fact")
        fact_at = layout[2][1]
        assert struct.unpack_from("<I", raw, fact_at + 8)[0] == frames
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE" and ids == expected and layout[0][2] == 28
    assert len(raw) % 2 == 0 and struct.unpack_from("<I", raw, 4)[0] == len(raw) - 8
    data_at, data_size = layout[-1][1:]
    assert data_size == frames * (3 if sample_format == "pcm24" else 4)
    assert len(raw) == data_at + 8 + data_size + (data_size & 1)  # the pad byte of an odd-sized data chunk
    assert raw[20:48] == bytes(28)  # the JUNK kept for ds64 is blank


def test_flush_brings_the_header_up_to_date_while_recording_goes_on(tmp_path):
    x = sine_with_edges(100_000, 2)
    path, copy = tmp_path / "take.wav", tmp_path / "copy.wav"
    with open_wav(path, 2) as wav:
        write_in_blocks(wav, x[:60_001])
        wav.flush(sync=False)
        shutil.copy(path, copy)
        write_in_blocks(wav, x[60_001:])
    assert sf.info(copy).frames == 60_001
    np.testing.assert_array_equal(read_int24(copy), pcm24(x[:60_001]))
    np.testing.assert_array_equal(read_int24(path), pcm24(x))  # the writing went on at the end of the file


def test_audio_reaches_the_os_in_writes_of_at_least_write_bytes(tmp_path):
    path = tmp_path / "take.wav"
    x = sine_with_edges(300_000, 1)[:, 0]
    with open_wav(path) as wav:
        sizes = [path.stat().st_size]
        for start in range(0, len(x), 64):
            wav.write(x[start:start + 64])
            sizes.append(path.stat().st_size)
        steps = [b - a for a, b in itertools.pairwise(sizes) if b != a]
        assert len(steps) >= 3 and min(steps) >= WRITE_BYTES
        assert sizes[-1] < sizes[0] + 3 * len(x)  # the rest waits in the buffer
        wav.flush()
        assert path.stat().st_size == sizes[0] + 3 * len(x)
        assert sf.info(path).frames == len(x)


CRASHING_WRITER = """
import os, sys
from datetime import datetime
import numpy as np
from mixerd.recorder.wavfile import BroadcastWav

path, sample_format, rf64_at, flushed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = np.load(sys.argv[5])
wav = BroadcastWav(path, x.shape[1], 48000, sample_format, name="crash", origination=datetime(2024, 1, 1),
                   rf64_at=rf64_at)
wav.write(x[:flushed])
wav.flush()
wav.write(x[flushed:])  # one block of at least WRITE_BYTES: it reaches the OS at once
os._exit(1)  # no close(), no flush: as kill -9 or a crash would leave it
"""


def crash_while_writing(tmp_path: Path, x: np.ndarray, flushed: int, sample_format: str,
                        rf64_at: int = 0xFFFFFFFF - MIB) -> Path:
    """Have a child process write x, flush after `flushed` frames, write the rest and die; return the file."""
    path, signal = tmp_path / "take.wav", tmp_path / "signal.npy"
    np.save(signal, x)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    child = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(path), sample_format, str(rf64_at),
                            str(flushed), str(signal)], env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 1, child.stderr
    return path


def test_a_crashed_take_opens_up_to_its_last_flush_and_repair_recovers_all_it_wrote(tmp_path):
    x = sine_with_edges(70_000, 2)
    assert (len(x) - 20_000) * 6 >= WRITE_BYTES
    path = crash_while_writing(tmp_path, x, 20_000, "pcm24")
    assert sf.info(path).frames == 20_000
    np.testing.assert_array_equal(read_int24(path), pcm24(x[:20_000]))
    with open(path, "ab") as f:
        f.write(b"\x01\x02\x03\x04")  # a torn write: two thirds of one more frame

    assert repair(path) == len(x)
    np.testing.assert_array_equal(read_int24(path), pcm24(x))
    data_at, data_size = chunks(path)[-1][1:]
    assert data_size == len(x) * 6 and path.stat().st_size == data_at + 8 + data_size
    assert repair(path) == len(x)  # mending a sound file changes nothing


def test_repair_cuts_a_partial_frame_and_pads_an_odd_data_chunk(tmp_path):
    x = sine_with_edges(WRITE_BYTES // 3 + 2, 1)  # 3 bytes a frame: an odd number of data bytes
    path = crash_while_writing(tmp_path, x, 0, "pcm24")
    with open(path, "ab") as f:
        f.write(b"\x7f")
    assert repair(path) == len(x)
    data_at, data_size = chunks(path)[-1][1:]
    assert data_size == 3 * len(x) and path.stat().st_size == data_at + 8 + data_size + 1
    np.testing.assert_array_equal(read_int24(path), pcm24(x))


def test_a_file_past_rf64_at_turns_into_rf64_before_any_32_bit_size_overflows(tmp_path):
    x = sine_with_edges(3 * MIB // 8, 2)  # 3 MiB of float32 stereo
    path = tmp_path / "take.wav"
    with open_wav(path, 2, "float32", rf64_at=MIB) as wav:
        for start in range(0, len(x), 1000):
            wav.write(x[start:start + 1000])
            with open(path, "rb") as f:
                assert f.read(4) == (b"RIFF" if path.stat().st_size <= MIB else b"RF64")
    raw = path.read_bytes()
    layout = chunks(path)
    assert raw[:4] == b"RF64" and struct.unpack_from("<I", raw, 4)[0] == 0xFFFFFFFF
    assert layout[0][0] == b"ds64" and layout[0][2] == 28
    assert struct.unpack_from("<QQQI", raw, 20) == (len(raw) - 8, len(x) * 8, len(x), 0)
    data_at, data_size = layout[-1][1:]
    assert data_size == 0xFFFFFFFF and len(raw) == data_at + 8 + len(x) * 8
    assert sf.info(path).format == "RF64"
    np.testing.assert_array_equal(read_bits(path), x.view(np.uint32))
    reader = WavInfoReader(path)
    assert reader.bext.description == "Kick" and reader.data.frame_count == len(x) and reader.info.title == "Kick"


@pytest.mark.parametrize("past, magic", [(0, b"RIFF"), (1, b"RF64")])
def test_rf64_begins_exactly_where_the_finished_file_would_pass_rf64_at(tmp_path, past, magic):
    with open_wav(tmp_path / "empty.wav"):
        pass
    frames = WRITE_BYTES // 3 + 2  # reaches the OS in one write; an odd number of bytes
    finished = (tmp_path / "empty.wav").stat().st_size + 3 * frames + 1  # the pad byte included
    path = tmp_path / "take.wav"
    with open_wav(path, rf64_at=finished - past) as wav:
        wav.write(np.full(frames, 0.5, np.float32))
        with open(path, "rb") as f:
            assert f.read(4) == magic  # already on the write that would pass rf64_at
    assert path.stat().st_size == finished and sf.info(path).frames == frames


def test_repair_recovers_a_crashed_rf64_take(tmp_path):
    x = sine_with_edges(400_000, 2)  # 3.2 MB of float32 stereo; the flush comes at 0.8 MB
    path = crash_while_writing(tmp_path, x, 100_000, "float32", rf64_at=MIB)
    assert path.read_bytes()[:4] == b"RF64" and sf.info(path).frames == 100_000  # switched before the last write
    assert repair(path) == len(x)
    np.testing.assert_array_equal(read_bits(path), x.view(np.uint32))
    assert WavInfoReader(path).bext.description == "crash"


def test_repair_finishes_a_switch_to_rf64_that_a_crash_interrupted(tmp_path):
    path = tmp_path / "take.wav"
    with open_wav(path, sample_format="float32") as wav:
        wav.write(np.full(1000, 0.5, np.float32))
    with open(path, "r+b") as f:
        f.seek(12)
        f.write(b"ds64")  # the ds64 written, RIFF still in front
    assert repair(path) == 1000
    assert path.read_bytes()[:4] == b"RF64" and sf.info(path).frames == 1000


def test_bad_arguments_are_refused_with_what_is_allowed(tmp_path):
    with pytest.raises(ValueError, match="'pcm16' is unknown: use one of pcm24, float32"):
        open_wav(tmp_path / "a.wav", sample_format="pcm16")
    with pytest.raises(ValueError, match="channels=3: a recorder file is mono"):
        open_wav(tmp_path / "a.wav", 3)
    with pytest.raises(ValueError, match="rf64_at"):
        open_wav(tmp_path / "a.wav", rf64_at=1 << 32)
    assert not (tmp_path / "a.wav").exists()


def test_bad_blocks_are_refused_and_nothing_is_written(tmp_path):
    with open_wav(tmp_path / "mono.wav") as mono, open_wav(tmp_path / "stereo.wav", 2) as stereo:
        with pytest.raises(ValueError, match=r"shape \(10, 2\) does not fit this 1-channel file"):
            mono.write(np.zeros((10, 2), np.float32))
        with pytest.raises(ValueError, match=r"shape \(10,\) does not fit this 2-channel file: expected \(frames, 2\)"):
            stereo.write(np.zeros(10, np.float32))
        with pytest.raises(ValueError, match="2-channel"):
            stereo.write(np.zeros((10, 2, 1), np.float32))
        with pytest.raises(TypeError, match="not float64"):
            stereo.write(np.zeros((10, 2)))
        with pytest.raises(TypeError, match="not list"):
            mono.write([0.0, 0.5])
        mono.write(np.zeros((10, 1), np.float32))  # (frames, 1) is mono too
        assert (mono.frames, stereo.frames) == (10, 0)


def test_a_closed_file_refuses_more_and_closing_again_does_nothing(tmp_path):
    wav = open_wav(tmp_path / "take.wav")
    wav.write(np.zeros(10, np.float32))
    wav.close()
    wav.close()
    with pytest.raises(ValueError, match="take.wav is closed"):
        wav.write(np.zeros(10, np.float32))
    with pytest.raises(ValueError, match="is closed"):
        wav.flush()
    assert sf.info(tmp_path / "take.wav").frames == 10


def test_a_take_is_never_written_over(tmp_path):
    (tmp_path / "take.wav").write_bytes(b"an earlier take")
    with pytest.raises(FileExistsError):
        open_wav(tmp_path / "take.wav")
    assert (tmp_path / "take.wav").read_bytes() == b"an earlier take"


def test_repair_refuses_files_it_did_not_write(tmp_path):
    text, plain = tmp_path / "notes.txt", tmp_path / "plain.wav"
    text.write_text("not audio at all")
    sf.write(plain, np.zeros(100, np.float32), RATE, subtype="PCM_24")
    with pytest.raises(ValueError, match="notes.txt: it is not a WAV file"):
        repair(text)
    with pytest.raises(ValueError, match="not the 28-byte JUNK kept for ds64; repair.. mends only files written by"):
        repair(plain)
    assert text.read_text() == "not audio at all"
