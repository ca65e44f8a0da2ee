"""The takes on disk: one folder per take under the recorder's directory, its files and its sidecar.

A take's folder is named by its start (``20261203-201500``, ``-2`` for a second one in the same second), which is
also its id; nothing else names a path, so no request can reach outside the directory. In it:

- one Broadcast WAV per source (``01 Kick.wav``; ``mixerd.recorder.wavfile``),
- ``take.json``, the sidecar: name, start, rate, format, the sources (address, name, colour, channels, tap, file),
  the scene recalled at the start, markers, frames, and ``complete`` — false until the take was closed cleanly.
  It is replaced whole (written aside, synced, renamed), so a power cut leaves the old or the new one: by the
  recorder while the take runs, by ``Takes`` (a rename, a marker set while it plays back) once it is over;
- ``changes.jsonl``: every parameter change during the take with its sample position, one JSON line each,
  appended as they happen (the engineer's moves are part of the record) and synced with the files' headers.

A take left ``complete: false`` (the box lost power, mixerd was killed) is mended at the next start
(``recover``): every file's header is brought up to what reached the disk and the take is kept, marked
``recovered``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from mixerd.model.errors import MixerError
from mixerd.model.text import TextError, check_name, name_hint

__all__ = ["NAME_HINT", "NAME_MAX", "Source", "TakeError", "TakeFolder", "Takes", "bytes_per_second", "file_name"]

NAME_MAX = 64
SIDECAR, CHANGES = "take.json", "changes.jsonl"
TAKE_FORMAT = 1  # the sidecar's format; a later mixerd reads this one
SAMPLE_BYTES = {"pcm24": 3, "float32": 4}
_ID = re.compile(r"\d{8}-\d{6}(?:-\d{1,4})?")
#: What a take name may be (for an error's ``allowed`` and the API's schema).
NAME_HINT = name_hint(NAME_MAX)


class _Chunks(io.RawIOBase):
    """A write-only, unseekable stream that keeps what was written until ``take()`` (zipfile writes a zip to it
    as it goes, with data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


class TakeError(MixerError):
    """A refused take operation; nothing was changed."""

    family = frozenset({"not_found", "invalid_name", "confirm_required", "invalid_value", "no_disk_space"})


@dataclass(frozen=True)
class Source:
    """What one file of a take holds: ``address`` (``ch/3``, ``bus/2``, ``main``), the name and colour it had,
    its ``channels`` (a stereo bus is one stereo file) and for a channel its ``tap`` (``trim``: after the trim,
    ``raw``: the input as it came)."""

    address: str
    name: str
    color: str | None = None
    channels: int = 1
    tap: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "name": self.name, "color": self.color, "channels": self.channels,
                "tap": self.tap}


def file_name(index: int, name: str) -> str:
    """``"03 Snare top.wav"``: the source's place and its name, kept to what every file system and a zip take
    (letters and digits of any script, space, ``-_.()&+``; anything else becomes ``_``)."""
    clean = "".join(ch if ch.isalnum() or ch in " -_.()&+" else "_" for ch in unicodedata.normalize("NFC", name))
    clean = re.sub(r"\s+", " ", clean).strip(" .") or "source"
    return f"{index:02d} {clean[:60]}.wav"


def bytes_per_second(channels: int, rate: int, sample_format: str) -> int:
    """What ``channels`` recorded channels put on the disk each second."""
    return channels * rate * SAMPLE_BYTES[sample_format]


#: Room kept on the disk for the sidecar's next version while a take records (``take.json.new``, allocated ahead):
#: a disk that fills up during a take still lets the take be completed. A marker is about 50 bytes: this holds a
#: sidecar with a thousand of them.
SIDECAR_ROOM = 64 * 1024


def _write_json(path: Path, data: dict[str, Any], room: int = 0) -> None:
    """Replace ``path`` whole: a reader (or a power cut) sees the old file or the new one, never half of one. The
    new version is written into ``path.new`` as it is (not truncated first: the room kept for it is used), and with
    ``room``, as much is allocated again for the next version."""
    aside = path.with_name(path.name + ".new")
    text = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        done = 0
        while done < len(text):
            done += os.write(fd, text[done:])
        os.ftruncate(fd, len(text))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(aside, path)
    _sync_dir(path.parent)
    if room:
        _keep_room(aside, room)


def _keep_room(path: Path, size: int) -> None:
    """``path`` allocated ``size`` bytes on the disk, if the disk has them (if not, the next write uses what the
    version it replaces frees)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.posix_fallocate(fd, 0, size)
        finally:
            os.close(fd)
    except OSError:
        pass


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _name(value: object, what: str = "take name") -> str:
    try:
        return check_name(value, NAME_MAX)
    except TextError as exc:
        raise TakeError("invalid_name", f"the {what}: {exc.message}", None, exc.allowed) from None


def _add_marker(info: dict[str, Any], position: int, name: object) -> dict[str, Any]:
    """A marker (``"verse 2"``) at sample ``position`` put in the sidecar ``info``, in time order."""
    marker = {"position": int(position), "name": _name(name, "marker name")}
    info["markers"].append(marker)
    info["markers"].sort(key=lambda m: m["position"])
    return marker


@dataclass
class TakeFolder:
    """A take being recorded: where its files go, its sidecar and change log (the recorder's; its disk thread syncs
    the sidecar while a front end marks or renames the take, so each write of it holds ``_saving``)."""

    path: Path
    info: dict[str, Any]
    _log: Any = field(default=None, repr=False)
    _saving: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.path.name

    def file(self, index: int) -> Path:
        """The file of source ``index`` (0-based, in the sidecar's order)."""
        return self.path / self.info["sources"][index]["file"]

    def log_change(self, position: int, address: str, value: Any, actor: str | None = None) -> None:
        """One parameter change at sample ``position`` of the take (appended now, synced by ``sync``)."""
        if self._log is None:
            self._log = open(self.path / CHANGES, "a", encoding="utf-8")
        self._log.write(json.dumps({"position": position, "address": address, "value": value, "by": actor},
                                   ensure_ascii=False) + "\n")

    def mark(self, position: int, name: object) -> dict[str, Any]:
        """A marker (``"verse 2"``) at sample ``position``; the sidecar is rewritten at once."""
        with self._saving:
            marker = _add_marker(self.info, position, name)
            _write_json(self.path / SIDECAR, self.info, SIDECAR_ROOM)
        return marker

    def rename(self, name: object) -> None:
        """The take's new name, in the sidecar at once."""
        with self._saving:
            self.info["name"] = _name(name)
            _write_json(self.path / SIDECAR, self.info, SIDECAR_ROOM)

    def sync(self, frames: int) -> None:
        """What was recorded so far is on the disk: the change log synced, ``frames`` in the sidecar."""
        if self._log is not None:
            self._log.flush()
            os.fsync(self._log.fileno())
        with self._saving:
            if frames != self.info["frames"]:
                self.info["frames"] = frames
                _write_json(self.path / SIDECAR, self.info, SIDECAR_ROOM)

    def finish(self, frames: int, problem: str | None = None) -> None:
        """The take is over (``problem``: why it ended early, e.g. the disk is full): sidecar complete (in the room
        kept for it, on a full disk too; the room is given back)."""
        if self._log is not None:
            try:
                self._log.flush()
                os.fsync(self._log.fileno())
            except OSError:  # the disk is full: the last few moves are not in the log, the take is still completed
                pass
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None
        with self._saving:
            self.info.update(frames=frames, complete=True,
                             ended=datetime.now().astimezone().isoformat(timespec="seconds"))
            if problem:
                self.info["problem"] = problem
            _write_json(self.path / SIDECAR, self.info)


#: Where removable disks are mounted: a folder under one of these is taken as a USB disk's.
REMOVABLE_ROOTS = (Path("/media"), Path("/mnt"), Path("/run/media"))


class Takes:
    """The takes under ``root``; ``reserve`` bytes of the file system are never recorded into (a take stops
    first), so a recorder pointed at the root file system leaves the box room to run.

    A ``configured`` root (the user's ``[recorder] dir``, e.g. a USB disk) is never made: missing, or under one
    of ``removable_roots`` with no disk mounted there, it is ``unavailable`` — a stick not plugged in must not
    turn into a folder on the SD card that fills it."""

    def __init__(self, root: Path, reserve: int = 1 << 30, *, configured: bool = False,
                 removable_roots: Iterable[Path] = REMOVABLE_ROOTS):
        self.root = Path(root)
        self.reserve = reserve
        self.configured = configured
        self.removable_roots = tuple(Path(p) for p in removable_roots)
        self._lock = threading.Lock()  # one read-change-write of a finished take's sidecar at a time

    def unavailable(self) -> str | None:
        """Why no take can go to ``root`` now (see the class), or None."""
        if not self.configured:
            return None
        if not self.root.is_dir():
            return f"the recorder's folder {self.root} is not there: is its disk plugged in and mounted?"
        for base in self.removable_roots:
            if base in self.root.parents:
                below = [p for p in (self.root, *self.root.parents) if base in p.parents]
                if not any(os.path.ismount(p) for p in below):
                    return (f"no disk is mounted at {below[-1]}: the recorder's folder {self.root} is on the "
                            "system's own disk")
        return None

    # -- reading --------------------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        """Every take, oldest first: its sidecar plus ``id``, ``seconds`` and ``bytes`` on the disk."""
        if not self.root.is_dir():
            return []
        return [self._summary(p) for p in sorted(self.root.iterdir()) if _ID.fullmatch(p.name) and
                (p / SIDECAR).is_file()]

    def get(self, take_id: object) -> dict[str, Any]:
        return self._summary(self._folder(take_id))

    def path(self, take_id: object) -> Path:
        """The folder of take ``take_id`` (``not_found`` unless it is one)."""
        return self._folder(take_id)

    def file(self, take_id: object, number: int) -> Path:
        """The file of the take's ``number``-th source (from 1); ``not_found`` for a take or number it has not."""
        folder = self._folder(take_id)
        sources = self._read(folder)["sources"]
        if not 1 <= number <= len(sources):
            raise TakeError("not_found", f"take {folder.name} has {len(sources)} files, not {number}", None,
                            f"1 to {len(sources)}")
        return folder / sources[number - 1]["file"]

    def space(self, channels: int = 0, rate: int = 48000, sample_format: str = "pcm24") -> dict[str, Any]:
        """``free`` bytes on the recorder's file system, the ``reserve`` kept, ``usable`` bytes for takes, for
        ``channels`` channels at ``rate`` the ``seconds_left`` (None without channels), and why the disk is
        ``unavailable`` (None: it is there; see the class)."""
        # Asked every second while someone looks, and by the problem finder: it reads, it does not make the folder.
        if self.configured and (why := self.unavailable()):
            return {"free": 0, "reserve": self.reserve, "usable": 0, "seconds_left": 0.0 if channels else None,
                    "unavailable": why}
        there = next(p for p in (self.root, *self.root.parents) if p.exists())
        free = shutil.disk_usage(there).free
        usable = max(0, free - self.reserve)
        rate_bytes = bytes_per_second(channels, rate, sample_format) if channels else 0
        return {"free": free, "reserve": self.reserve, "usable": usable,
                "seconds_left": usable / rate_bytes if rate_bytes else None, "unavailable": None}

    def zip_stream(self, take_id: object, chunk: int = 1 << 20) -> Iterator[bytes]:
        """A take as one zip (its files, the sidecar and the change log), made while it is sent: nothing is
        kept in memory or written to the disk. Stored, not compressed (audio hardly shrinks; a Pi sends faster
        than it deflates); ZIP64, so takes past 4 GiB open."""
        folder = self._folder(take_id)  # not_found before the first byte is sent
        names = [s["file"] for s in self._read(folder)["sources"]] + [SIDECAR, CHANGES]
        out = _Chunks()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name in names:
                path = folder / name
                if not path.is_file():
                    continue
                with open(path, "rb") as source, archive.open(f"{folder.name}/{name}", "w", force_zip64=True) as dest:
                    while block := source.read(chunk):
                        dest.write(block)
                        yield out.take()
        yield out.take()

    # -- changing -------------------------------------------------------------------------------------

    def create(self, sources: Iterable[Source], rate: int, sample_format: str = "pcm24", *, name: object = None,
               scene: dict[str, Any] | None = None, now: float | None = None) -> TakeFolder:
        """A new take's folder and sidecar (``complete`` false until ``TakeFolder.finish``)."""
        sources = list(sources)
        if not sources:
            raise TakeError("invalid_value", "a take needs at least one source", None, "one or more channels, "
                            "buses or the main")
        if sample_format not in SAMPLE_BYTES:
            raise TakeError("invalid_value", f"sample format {sample_format!r} is not one the recorder writes", None,
                            " or ".join(SAMPLE_BYTES))
        started = datetime.fromtimestamp(time.time() if now is None else now).astimezone()
        name = _name(name) if name is not None else started.strftime("Take %H:%M")
        if (why := self.unavailable()) is not None:
            raise TakeError("no_disk_space", why, None, "plug in and mount the disk, or point [recorder] dir "
                            "elsewhere")
        self.root.mkdir(parents=True, exist_ok=True)  # the default folder in the state directory
        base, n = started.strftime("%Y%m%d-%H%M%S"), 1
        while True:
            folder = self.root / (base if n == 1 else f"{base}-{n}")
            try:
                folder.mkdir()
                break
            except FileExistsError:
                n += 1
        info = {"mixerd_take": TAKE_FORMAT, "name": name,
                "started": started.isoformat(timespec="seconds"), "rate": rate, "sample_format": sample_format,
                "sources": [{**s.to_dict(), "file": file_name(i + 1, s.name)} for i, s in enumerate(sources)],
                "scene": scene, "markers": [], "frames": 0, "complete": False}
        (folder / CHANGES).touch()  # every take has its change log, empty while nobody moved anything
        _write_json(folder / SIDECAR, info, SIDECAR_ROOM)
        return TakeFolder(folder, info)

    def rename(self, take_id: object, name: object) -> dict[str, Any]:
        folder = self._folder(take_id)
        with self._lock:
            info = self._read(folder)
            info["name"] = _name(name)
            _write_json(folder / SIDECAR, info)
        return self._summary(folder)

    def mark(self, take_id: object, position: int, name: object) -> dict[str, Any]:
        """A marker (``"verse 2"``) at sample ``position`` of a finished take (one played back: the moment being
        heard), kept within the take; its sidecar is replaced whole at once, as while it was recorded."""
        folder = self._folder(take_id)
        with self._lock:
            info = self._read(folder)
            marker = _add_marker(info, min(max(0, int(position)), info["frames"]), name)
            _write_json(folder / SIDECAR, info)
        return marker

    def delete(self, take_id: object, confirm: bool = False) -> None:
        """Delete a take and its files for good: only with ``confirm``."""
        folder = self._folder(take_id)
        if confirm is not True:
            raise TakeError("confirm_required", f"deleting take {folder.name} removes its files for good", None,
                            "confirm=true")
        shutil.rmtree(folder)

    def recover(self, repair) -> list[str]:
        """Mend every take left unfinished (a power cut, a kill): ``repair(path) -> frames`` brings each file's
        header up to what reached the disk; the take is then complete and ``recovered``. Returns their ids."""
        mended = []
        for take in self.list():
            if take["complete"]:
                continue
            folder = self.root / take["id"]
            info = self._read(folder)
            frames = [repair(folder / s["file"]) if (folder / s["file"]).exists() else 0 for s in info["sources"]]
            info.update(frames=min(frames, default=0), complete=True, recovered=True)
            _write_json(folder / SIDECAR, info)
            mended.append(folder.name)
        return mended

    # -- inside ---------------------------------------------------------------------------------------

    def _folder(self, take_id: object) -> Path:
        if not isinstance(take_id, str) or not _ID.fullmatch(take_id) or not (self.root / take_id / SIDECAR).is_file():
            raise TakeError("not_found", f"no take {str(take_id)[:40]!r}", None,
                            "the id of a take in the list (e.g. 20261203-201500)")
        return self.root / take_id

    @staticmethod
    def _read(folder: Path) -> dict[str, Any]:
        return json.loads((folder / SIDECAR).read_text(encoding="utf-8"))

    def _summary(self, folder: Path) -> dict[str, Any]:
        info = self._read(folder)
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and p.suffix != ".new")
        return {"id": folder.name, **info, "seconds": info["frames"] / info["rate"], "bytes": size}

