"""Broadcast WAV files for the recorder: one take of one source, written so that a crash costs seconds, not the take.

Layout (little-endian; every chunk padded to an even size)::

    RIFF <size> WAVE    becomes RF64 <0xFFFFFFFF> WAVE before the file passes rf64_at (EBU Tech 3306)
    JUNK <28>           space kept for RF64: becomes ds64 (riffSize, dataSize, sampleCount: uint64; tableLength 0)
    fmt                 PCM 24-bit (tag 1) or IEEE float 32-bit (tag 3); mono (a source) or stereo (a stereo bus)
    fact                frame count; float32 only, as RIFF asks of every format that is not PCM
    bext                EBU Tech 3285 v1: name and description, originator, origination date and time, time
                        reference, coding history
    LIST INFO           INAM: the source's name, which players show
    data <size>         interleaved samples; always the last chunk, so the file grows at its end

``BroadcastWav.write`` converts float32 blocks and hands them to the OS in writes of at least WRITE_BYTES (SD cards
and USB sticks wear and stall on small ones). ``flush`` writes out the rest and rewrites the size fields in place:
the file then opens with everything up to that flush. What a dead writer put on disk after its last flush is
recovered by ``repair``, which sets the sizes from the file's length.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from struct import pack, unpack
from typing import NamedTuple

import numpy as np

from mixerd import __version__

#: Audio reaches the OS in writes of at least this many bytes; only flush() and close() write less.
WRITE_BYTES = 256 * 1024
#: The default size past which a file turns into RF64. It stays below the 32-bit limit so that a tool that appends
#: a chunk after the data (cue points, iXML) to a finished RIFF file does not overflow its RIFF size.
RF64_AT = 0xFFFFFFFF - (1 << 20)
#: sample_format → (WAVE format tag, bits per sample)
FORMATS = {"pcm24": (1, 24), "float32": (3, 32)}

_IEEE_FLOAT = 3
_DS64_BYTES = 28  # riffSize, dataSize, sampleCount (uint64 each) and tableLength (uint32)
_RF64_SIZE = pack("<I", 0xFFFFFFFF)  # what a 32-bit size field of RF64 holds: "see ds64"
_PCM24_FULL_SCALE = np.float32(1 << 23)


class _Layout(NamedTuple):
    """Where a file's size fields are: what the writer and repair() both need to update the header."""

    data_at: int  # offset of the data chunk's id; its size field follows
    fact_at: int | None  # offset of the fact chunk's frame count, if the file has one
    frame_bytes: int


class BroadcastWav:
    """One take being recorded to a Broadcast WAV file (RF64 when it grows past rf64_at).

    The file must not exist yet: a take is never written over. ``origination`` is the local date and time of the
    take's start and ``time_reference`` the same moment in samples since midnight (bext TimeReference).
    """

    def __init__(self, path: str | os.PathLike[str], channels: int, rate: int, sample_format: str = "pcm24", *,
                 name: str, origination: datetime, description: str = "", originator: str = "mixerd",
                 time_reference: int = 0, rf64_at: int = RF64_AT):
        if sample_format not in FORMATS:
            raise ValueError(f"sample_format {sample_format!r} is unknown: use one of {', '.join(FORMATS)}")
        if channels not in (1, 2):
            raise ValueError(f"channels={channels}: a recorder file is mono (a source) or stereo (a stereo bus)")
        if not isinstance(rate, (int, np.integer)) or rate <= 0:
            raise ValueError(f"rate={rate!r}: the sample rate is a positive whole number of Hz, e.g. 48000")
        if not 0 <= time_reference < 1 << 64:
            raise ValueError(f"time_reference={time_reference}: it counts samples since midnight, 0 to 2**64 - 1")
        if rf64_at > 0xFFFFFFFF:
            raise ValueError(f"rf64_at={rf64_at}: a RIFF file must turn into RF64 by 0xFFFFFFFF bytes")
        self.path = Path(path)
        self.channels = channels
        self.rate = rate
        self.sample_format = sample_format
        self._rf64_at = rf64_at
        self._rf64 = False
        self._pending = bytearray()
        self._frames = 0
        self._data_bytes = 0  # audio bytes the OS has: the buffer not counted
        self._closed = False

        tag, bits = FORMATS[sample_format]
        frame_bytes = channels * bits // 8
        fmt = pack("<HHIIHH", tag, channels, rate, rate * frame_bytes, frame_bytes, bits)
        if tag == _IEEE_FLOAT:
            fmt += pack("<H", 0)  # cbSize: a format other than PCM states the size of its (empty) extension
        mode = "mono" if channels == 1 else "stereo"
        bext = b"".join([
            _text_field(f"{name}: {description}" if description else name, 256),
            _text_field(originator, 32),
            bytes(32),  # OriginatorReference
            origination.date().isoformat().encode(),
            origination.strftime("%H:%M:%S").encode(),
            pack("<IIH", time_reference & 0xFFFFFFFF, time_reference >> 32, 1),  # TimeReference low/high, Version
            bytes(64 + 190),  # UMID, then what v2 uses for loudness and the reserved bytes
            f"A=PCM,F={rate},W={bits},M={mode},T=mixerd {__version__}\r\n".encode(),  # CodingHistory
        ])
        head = b"WAVE" + _chunk(b"JUNK", bytes(_DS64_BYTES)) + _chunk(b"fmt ", fmt)
        fact_at = None
        if tag == _IEEE_FLOAT:
            fact_at = 8 + len(head) + 8
            head += _chunk(b"fact", bytes(4))
        head += _chunk(b"bext", bext) + _chunk(b"LIST", b"INFO" + _chunk(b"INAM", name.encode() + b"\0"))
        self._layout = _Layout(8 + len(head), fact_at, frame_bytes)
        header = b"RIFF" + pack("<I", len(head) + 8) + head + b"data" + pack("<I", 0)

        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(self._fd, header)
            # The new file's name is in its directory: without this a power cut can lose the whole take.
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except BaseException:
            os.close(self._fd)
            raise

    @property
    def frames(self) -> int:
        """Frames written so far, those still in the buffer included."""
        return self._frames

    def write(self, block: np.ndarray) -> None:
        """Append a float32 block of shape (frames, channels), or (frames,) for a mono file."""
        self._check_open()
        if not isinstance(block, np.ndarray) or block.dtype != np.float32:
            given = block.dtype if isinstance(block, np.ndarray) else type(block).__name__
            raise TypeError(f"a block is a numpy array of float32, not {given}: convert it with .astype(np.float32)")
        if block.shape[1:] != (self.channels,) and not (self.channels == 1 and block.ndim == 1):
            expected = "(frames,) or (frames, 1)" if self.channels == 1 else f"(frames, {self.channels})"
            raise ValueError(f"a block of shape {block.shape} does not fit this {self.channels}-channel file: "
                             f"expected {expected}")
        samples = block.reshape(-1)  # interleaved, as a C-ordered (frames, channels) array is in memory
        if self.sample_format == "pcm24":
            self._pending += _pcm24(samples)
        else:
            self._pending += samples.astype("<f4", copy=False).tobytes()
        self._frames += block.shape[0]
        if len(self._pending) >= WRITE_BYTES:
            self._drain()

    def flush(self, sync: bool = True) -> None:
        """Write out the buffer and bring the header up to date; with sync, both are on the disk on return."""
        self._check_open()
        self._drain()
        self._commit(sync)

    def close(self) -> None:
        """Flush, finish the file (pad byte, final header), sync it and close it; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        try:
            self._drain()
            if self._data_bytes & 1:
                _write_all(self._fd, b"\0")  # RIFF pads a chunk of odd size; the pad byte is not audio
            self._commit(sync=True)
        finally:
            os.close(self._fd)

    def __enter__(self) -> BroadcastWav:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{self.path} is closed: record more into a new BroadcastWav")

    def _drain(self) -> None:
        """Hand the buffer to the OS, turning the file into RF64 first if it would grow past rf64_at."""
        if not self._pending:
            return
        data_bytes = self._data_bytes + len(self._pending)
        # the pad byte close() adds after an odd-sized data chunk counts: a finished file must not pass rf64_at
        if not self._rf64 and self._layout.data_at + 8 + data_bytes + (data_bytes & 1) > self._rf64_at:
            self._rf64 = True
            _put_sizes(self._fd, self._layout, self._data_bytes, rf64=True)
        _write_all(self._fd, self._pending)
        self._data_bytes += len(self._pending)
        self._pending = bytearray()

    def _commit(self, sync: bool) -> None:
        if sync:
            os.fsync(self._fd)  # the audio first: after a power cut the header never claims what the disk lacks
        _put_sizes(self._fd, self._layout, self._data_bytes, self._rf64)
        if sync:
            os.fsync(self._fd)


def repair(path: str | os.PathLike[str]) -> int:
    """Make a file whose writer died describe all the whole frames it holds, and return their number.

    The data size and the RIFF size (or ds64 of an RF64 file) are set from the file's length; a partial last frame
    is cut off. Files not written by BroadcastWav are refused with ValueError.
    """
    fd = os.open(path, os.O_RDWR)
    try:
        layout, rf64 = _read_layout(fd, path)
        data_bytes = (os.fstat(fd).st_size - layout.data_at - 8) // layout.frame_bytes * layout.frame_bytes
        end = layout.data_at + 8 + data_bytes
        os.ftruncate(fd, end)
        if data_bytes & 1:
            os.pwrite(fd, b"\0", end)
        _put_sizes(fd, layout, data_bytes, rf64 or end + (data_bytes & 1) - 8 > 0xFFFFFFFF)
        os.fsync(fd)
    finally:
        os.close(fd)
    return data_bytes // layout.frame_bytes


def _read_layout(fd: int, path: str | os.PathLike[str]) -> tuple[_Layout, bool]:
    """The layout of a file written by BroadcastWav, and whether it is RF64 (or was on its way to it)."""
    head = os.pread(fd, 12, 0)
    if head[:4] not in (b"RIFF", b"RF64") or head[8:] != b"WAVE":
        raise ValueError(_not_ours(path, f"it is not a WAV file (it starts with {head[:12]!r})"))
    rf64 = head[:4] == b"RF64"
    at, fact_at, frame_bytes = 12, None, None
    while True:
        chunk = os.pread(fd, 8, at)
        if len(chunk) < 8:
            raise ValueError(_not_ours(path, "it has no data chunk"))
        ident, size = chunk[:4], unpack("<I", chunk[4:])[0]
        if at == 12:
            if ident not in (b"JUNK", b"ds64") or size != _DS64_BYTES:
                raise ValueError(_not_ours(path, f"its first chunk is {ident!r}, not the 28-byte JUNK kept for ds64"))
            rf64 |= ident == b"ds64"  # a crash in the middle of turning into RF64 left RIFF in front
        elif ident == b"fmt ":
            tag, channels, _, _, block_align, bits = unpack("<HHIIHH", os.pread(fd, 16, at + 8))
            if (tag, bits) not in FORMATS.values() or channels not in (1, 2) or block_align != channels * bits // 8:
                raise ValueError(_not_ours(path, f"its format (tag {tag}, {channels} channels of {bits} bits) is "
                                                 "not one mixerd writes"))
            frame_bytes = block_align
        elif ident == b"fact":
            fact_at = at + 8
        elif ident == b"data":
            if frame_bytes is None:
                raise ValueError(_not_ours(path, "it has no fmt chunk before its data"))
            return _Layout(at, fact_at, frame_bytes), rf64
        at += 8 + size + (size & 1)


def _not_ours(path: str | os.PathLike[str], problem: str) -> str:
    return f"cannot repair {os.fspath(path)}: {problem}; repair() mends only files written by mixerd's recorder"


def _put_sizes(fd: int, layout: _Layout, data_bytes: int, rf64: bool) -> None:
    """Rewrite every size field in place for data_bytes of audio and the file's current length."""
    riff_bytes = os.fstat(fd).st_size - 8
    frames = data_bytes // layout.frame_bytes
    if rf64:
        # ds64 first: a file left with RIFF in front of it still opens, its ds64 skipped as an unknown chunk
        os.pwrite(fd, b"ds64" + pack("<IQQQI", _DS64_BYTES, riff_bytes, data_bytes, frames, 0), 12)
        os.pwrite(fd, b"RF64" + _RF64_SIZE, 0)
        os.pwrite(fd, _RF64_SIZE, layout.data_at + 4)
    else:
        os.pwrite(fd, pack("<I", riff_bytes), 4)
        os.pwrite(fd, pack("<I", data_bytes), layout.data_at + 4)
    if layout.fact_at is not None:
        os.pwrite(fd, pack("<I", min(frames, 0xFFFFFFFF)), layout.fact_at)


def _pcm24(samples: np.ndarray) -> bytes:
    """float32 samples as 24-bit PCM: round half to even of x * 2**23, clipped; 3 little-endian bytes each."""
    scaled = np.rint(samples * _PCM24_FULL_SCALE)  # exact in float32: every 24-bit integer is a float32
    scaled[np.isnan(scaled)] = 0  # NaN would become a different integer on each CPU
    np.clip(scaled, -(1 << 23), (1 << 23) - 1, out=scaled)
    return scaled.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


def _chunk(ident: bytes, payload: bytes) -> bytes:
    return ident + pack("<I", len(payload)) + payload + bytes(len(payload) & 1)


def _text_field(text: str, size: int) -> bytes:
    """text in UTF-8, cut on a character boundary to fit size bytes, padded with NUL."""
    return text.encode()[:size].decode(errors="ignore").encode().ljust(size, b"\0")


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
