"""Reading hardware profiles: find a profile by id or path, validate it, list what is available.

A profile is checked completely when it is loaded, so a typo in a port name fails at start-up with the
file, the key and the fix, not as a silent missing connection on stage. The schema is documented in
``hw_profiles/README.md``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mixerd.model.layout import BUS_KINDS
from mixerd.profiles.schema import (
    DRIVERS,
    RATES,
    BusSpec,
    JackSettings,
    MatchRules,
    PortSpec,
    Profile,
    ProfileError,
    ProfileSummary,
)
from mixerd.tomlcheck import check_type, did_you_mean, read_toml, show, unknown_keys

def _builtin_dir() -> Path:
    """The profiles shipped with mixerd: the checkout's hw_profiles/ (development, ``pip install -e``),
    else where ``pip install`` put them (``<prefix>/share/mixerd/hw_profiles``)."""
    checkout = Path(__file__).resolve().parents[2] / "hw_profiles"
    for candidate in (checkout, Path(sys.prefix) / "share" / "mixerd" / "hw_profiles",
                      Path("/usr/share/mixerd/hw_profiles")):
        if candidate.is_dir():
            return candidate
    return checkout


# User directories are searched first, then these.
BUILTIN_DIR = _builtin_dir()

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_USB_ID_RE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")
_SYSTEM_PORT_RE = re.compile(r"^system:(capture|playback)_(\d+)$")
_REQUIRED = object()
_Q = '"{}"'  # how did_you_mean shows a suggested string value

_TOP_KEYS = ("profile", "match", "jack", "input", "output", "main", "solo", "bus")
_TABLE_KEYS = {
    "profile": ("id", "name", "vendor", "description"),
    "match": ("alsa_cards", "usb_ids"),
    "jack": ("driver", "device", "rate", "period", "periods", "capture", "playback", "extra_args"),
    "main": ("outputs",),
    "solo": ("outputs",),
    "input": ("port", "label", "description"),
    "output": ("port", "label", "description"),
    "bus": ("name", "stereo", "kind", "outputs"),
}


class _Table:
    """One TOML table of a profile: rejects unknown keys, reads typed values with teaching errors."""

    def __init__(self, data: Any, where: str, keys: Sequence[str]) -> None:
        if not isinstance(data, dict):
            raise ProfileError(f"{where} must be a table, found {show(data)}")
        if problem := unknown_keys(data, keys, where):
            raise ProfileError(problem)
        self.data, self.where = data, where

    def fail(self, message: str) -> ProfileError:
        return ProfileError(f"{self.where}: {message}")

    def get(self, key: str, kind: type, default: Any = _REQUIRED, allowed: str = "") -> Any:
        if key not in self.data:
            if default is _REQUIRED:
                raise self.fail(f"missing required key {key}" + (f" ({allowed})" if allowed else ""))
            return default
        value = self.data[key]
        problem = check_type(value, kind, key)
        if problem is None and kind is list:  # every list in a profile is a list of strings
            for i, item in enumerate(value):
                problem = problem or check_type(item, str, f"{key}[{i}]")
        if problem:
            raise self.fail(problem + (f" ({allowed})" if allowed else ""))
        return value

    def text(self, key: str, default: Any = _REQUIRED, allowed: str = "") -> str:
        value = self.get(key, str, default, allowed)
        if default is _REQUIRED and not value.strip():
            raise self.fail(f"{key} is empty" + (f" ({allowed})" if allowed else ""))
        return value

    def integer(self, key: str, lo: int, hi: int, default: Any = _REQUIRED, unit: str = "") -> int:
        allowed = f"allowed: {lo} to {hi}{' ' + unit if unit else ''}"
        value = self.get(key, int, default, allowed)
        if not lo <= value <= hi:
            raise self.fail(f"{key} = {value} is out of range; {allowed}")
        return value


def parse_profile(data: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate parsed TOML and build the Profile; ProfileError says what is wrong and how to fix it."""
    for key in data:
        if key not in _TOP_KEYS:
            raise ProfileError(f"unknown table [{key}]{did_you_mean(key, _TOP_KEYS, '[{}]')} "
                               f"(known: {', '.join(_TOP_KEYS)})")
    for key in ("profile", "jack", "input", "output", "main"):
        if key not in data:
            written = f"[[{key}]]" if key in ("input", "output") else f"[{key}]"
            raise ProfileError(f"missing required table {written}")

    head = _Table(data["profile"], "[profile]", _TABLE_KEYS["profile"])
    profile_id = head.text("id", allowed="lower-case letters, digits, '.', '_' and '-', like the file name")
    if not _ID_RE.match(profile_id):
        raise head.fail(f"id = {show(profile_id)} is not a valid id; use lower-case letters, digits, '.', "
                        "'_' and '-', starting with a letter or digit")
    if path is not None and path.stem != profile_id:
        raise head.fail(f"id = {show(profile_id)} does not match the file name {path.name}; "
                        f"rename the file to {profile_id}.toml or set id = {show(path.stem)}")
    name = head.text("name", allowed="the interface as a user knows it")
    vendor, description = head.text("vendor", ""), head.text("description", "")

    jack = _parse_jack(_Table(data["jack"], "[jack]", _TABLE_KEYS["jack"]))
    inputs = _parse_ports(data["input"], "input", optional_port=True)
    outputs = _parse_ports(data["output"], "output", optional_port=False)
    main = _Table(data["main"], "[main]", _TABLE_KEYS["main"])
    main_outputs = tuple(main.get("outputs", list, allowed="the ports of main L and R"))
    if len(main_outputs) != 2:
        raise main.fail(f"outputs = {show(main_outputs)} has {len(main_outputs)} port(s); main is stereo and "
                        "needs exactly 2 (L, R)")
    buses = _parse_buses(data.get("bus", []))
    solo_outputs: tuple[str, ...] = ()
    if "solo" in data:
        solo = _Table(data["solo"], "[solo]", _TABLE_KEYS["solo"])
        solo_outputs = tuple(solo.get("outputs", list, allowed="the ports of solo L and R (headphones)"))
        if len(solo_outputs) != 2:
            raise solo.fail(f"outputs = {show(solo_outputs)} has {len(solo_outputs)} port(s); the solo bus is "
                            "stereo and needs exactly 2 (L, R), or leave [solo] out")

    _check_routing(main_outputs, buses, outputs, solo_outputs)
    _check_channel_counts(jack, inputs, outputs)
    return Profile(
        id=profile_id,
        name=name,
        vendor=vendor,
        description=description,
        jack=jack,
        inputs=inputs,
        outputs=outputs,
        main_outputs=main_outputs,  # type: ignore[arg-type]
        buses=buses,
        solo_outputs=solo_outputs,  # type: ignore[arg-type]
        match=_parse_match(data.get("match", {})),
        path=path,
    )


def _parse_match(data: Any) -> MatchRules:
    table = _Table(data, "[match]", _TABLE_KEYS["match"])
    cards = tuple(table.get("alsa_cards", list, []))
    usb_ids = tuple(u.lower() for u in table.get("usb_ids", list, []))
    for usb_id in usb_ids:
        if not _USB_ID_RE.match(usb_id):
            raise table.fail(f"usb_ids has {show(usb_id)}; write a USB id as \"vvvv:pppp\" in hex, as lsusb "
                             "shows it, e.g. \"1235:8215\"")
    return MatchRules(alsa_cards=cards, usb_ids=usb_ids)


def _parse_jack(table: _Table) -> JackSettings:
    driver = table.text("driver", allowed=" or ".join(show(d) for d in DRIVERS))
    if driver not in DRIVERS:
        raise table.fail(f"driver = {show(driver)} is not supported; choose "
                         f"{' or '.join(show(d) for d in DRIVERS)}{did_you_mean(driver, DRIVERS, _Q)}")
    if driver == "alsa":
        device = table.text("device", allowed='the ALSA device, e.g. "hw:USB" (the card id from /proc/asound/cards)')
    elif "device" in table.data:
        raise table.fail(f"device = {show(table.data['device'])} only applies to driver = \"alsa\"; remove it")
    else:
        device = ""
    rate = table.integer("rate", 1, 192000, 48000, "Hz")
    if rate not in RATES:
        raise table.fail(f"rate = {rate} is not a standard sample rate; allowed: {', '.join(map(str, RATES))}")
    period = table.integer("period", 16, 4096, 256, "frames")
    if period & (period - 1):
        raise table.fail(f"period = {period} is not a power of two; allowed: 16, 32, 64, 128, 256, … 4096")
    # The dummy driver has no device to ask, so it must be told how many ports to make.
    needed = _REQUIRED if driver == "dummy" else 0
    lo = 1 if driver == "dummy" else 0
    return JackSettings(
        driver=driver,
        device=device,
        rate=rate,
        period=period,
        periods=table.integer("periods", 2, 16, 2),
        capture=table.integer("capture", lo, 256, needed, "channels" + ("" if lo else " (0 = all the device has)")),
        playback=table.integer("playback", lo, 256, needed, "channels" + ("" if lo else " (0 = all the device has)")),
        extra_args=tuple(table.get("extra_args", list, [])),
    )


def _parse_ports(data: Any, kind: str, optional_port: bool) -> tuple[PortSpec, ...]:
    if not isinstance(data, list):
        raise ProfileError(f"{kind} must be an array of tables: write [[{kind}]] (double brackets) once per {kind}")
    if not data:
        raise ProfileError(f"[[{kind}]]: a profile needs at least one {kind}")
    ports: list[PortSpec] = []
    seen: dict[str, str] = {}
    for n, entry in enumerate(data, start=1):
        table = _Table(entry, f"[[{kind}]] {n}", _TABLE_KEYS[kind])
        if optional_port:
            port = table.get("port", str, "") or None
        else:
            port = table.text("port", allowed='a JACK port name such as "system:playback_1"')
        label = table.text("label", allowed="the name printed on the panel, e.g. \"Line 3\"")
        if port is not None:
            _check_port_name(table, port)
            if port in seen:
                raise table.fail(f"port {show(port)} is already {kind} {seen[port]}; each physical port "
                                 f"can be declared once")
            seen[port] = f"{n} ({show(label)})"
        ports.append(PortSpec(port=port, label=label, description=table.text("description", "")))
    return tuple(ports)


def _check_port_name(table: _Table, port: str) -> None:
    client, sep, name = port.partition(":")
    if not (sep and client and name):
        raise table.fail(f"port = {show(port)} is not a JACK port name; write client:port, "
                         "e.g. \"system:capture_1\"")


def _parse_buses(data: Any) -> tuple[BusSpec, ...]:
    if not isinstance(data, list):
        raise ProfileError("bus must be an array of tables: write [[bus]] (double brackets) once per bus")
    buses = []
    for n, entry in enumerate(data, start=1):
        table = _Table(entry, f"[[bus]] {n}", _TABLE_KEYS["bus"])
        name = table.text("name", allowed='the default bus name, e.g. "Drummer"')
        table.where = f"[[bus]] {n} ({show(name)})"
        stereo = table.get("stereo", bool, False)
        kind = table.get("kind", str, "aux")
        if kind not in BUS_KINDS:
            raise table.fail(f"kind = {show(kind)} is not a bus kind; allowed: "
                             f"{', '.join(show(k) for k in BUS_KINDS)}{did_you_mean(kind, BUS_KINDS, _Q)}")
        width = 2 if stereo else 1
        if kind in ("group", "fx"):
            # A group feeds the main and an FX bus returns into the mixes: neither has ports of its own.
            if table.get("outputs", list, []):
                raise table.fail(f"a {kind} bus has no outputs of its own (it feeds "
                                 f"{'the main' if kind == 'group' else 'the mixes'}); remove outputs")
            buses.append(BusSpec(name=name, outputs=(), stereo=stereo, kind=kind))
            continue
        outputs = tuple(table.get("outputs", list, allowed="the physical ports the bus feeds"))
        if len(outputs) != width:
            raise table.fail(
                f"outputs = {show(outputs)} has {len(outputs)} port(s) but the bus is "
                f"{'stereo' if stereo else 'mono'}; a stereo bus needs 2 ports (L, R), a mono bus 1"
                + ("" if stereo or len(outputs) != 2 else " (set stereo = true for a stereo bus)")
            )
        buses.append(BusSpec(name=name, outputs=outputs, stereo=stereo, kind=kind))
    return tuple(buses)


def _check_routing(main: tuple[str, ...], buses: tuple[BusSpec, ...], outputs: tuple[PortSpec, ...],
                   solo: tuple[str, ...] = ()) -> None:
    """Every port main, the buses and solo feed is a declared output, and no output carries two signals."""
    declared = [p.port for p in outputs]
    users: dict[str, str] = {}
    feeds = [("[main]", main)] + [(f"[[bus]] {n} ({show(b.name)})", b.outputs) for n, b in enumerate(buses, 1)]
    feeds.append(("[solo]", solo))
    for who, ports in feeds:
        for port in ports:
            if port not in declared:
                raise ProfileError(f"{who}: output {show(port)} is not declared in [[output]]"
                                   f"{did_you_mean(port, declared, _Q)} (declared: {', '.join(declared)})")
            if port in users:
                raise ProfileError(f"{who}: output {show(port)} is already fed by {users[port]}; "
                                   "each output can carry one signal")
            users[port] = who


def _check_channel_counts(jack: JackSettings, inputs: tuple[PortSpec, ...], outputs: tuple[PortSpec, ...]) -> None:
    """``system:capture_N``/``playback_N`` must exist with the channel counts jackd is started with."""
    counts = {"capture": jack.capture, "playback": jack.playback}
    for kind, ports in (("input", inputs), ("output", outputs)):
        for spec in ports:
            m = _SYSTEM_PORT_RE.match(spec.port or "")
            if m and counts[m[1]] and int(m[2]) > counts[m[1]]:
                raise ProfileError(f"[[{kind}]] {show(spec.label)}: port {show(spec.port)} does not exist: "
                                   f"[jack] {m[1]} = {counts[m[1]]} makes {m[1]}_1 to {m[1]}_{counts[m[1]]}")


def load_profile(name_or_path: str | Path, search_dirs: Iterable[Path | str] = ()) -> Profile:
    """Load a profile by id (``"demo"``, looked up in ``search_dirs`` then the built-in hw_profiles/)
    or by path (anything with a ``/`` or ending in ``.toml``)."""
    path = _as_path(name_or_path)
    if path is None:
        dirs = _dirs(search_dirs)
        name = str(name_or_path)
        path = next((d / f"{name}.toml" for d in dirs if (d / f"{name}.toml").is_file()), None)
        if path is None:
            ids = sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})
            searched = ", ".join(str(d) + ("" if d.is_dir() else " (missing)") for d in dirs)
            raise ProfileError(f"no hardware profile {show(name)}{did_you_mean(name, ids, _Q)}; "
                               f"available: {', '.join(ids) or 'none'} (searched: {searched})")
    data = read_toml(path, ProfileError)
    try:
        return parse_profile(data, path)
    except ProfileError as exc:
        raise ProfileError(f"{path}: {exc}") from None


def list_profiles(search_dirs: Iterable[Path | str] = ()) -> list[ProfileSummary]:
    """Every profile found, by id; a profile in an earlier directory hides one with the same id later.
    Broken files are listed too, with ``error`` set, so they can be reported rather than vanish."""
    found: dict[str, ProfileSummary] = {}
    for d in _dirs(search_dirs):
        for path in sorted(d.glob("*.toml")) if d.is_dir() else ():
            if path.stem in found:
                continue
            try:
                p = load_profile(path)
                found[p.id] = ProfileSummary(id=p.id, path=path, name=p.name, vendor=p.vendor, driver=p.jack.driver)
            except ProfileError as exc:
                found[path.stem] = ProfileSummary(id=path.stem, path=path, error=str(exc))
    return [found[k] for k in sorted(found)]


def _dirs(search_dirs: Iterable[Path | str]) -> list[Path]:
    return [Path(d) for d in search_dirs] + [BUILTIN_DIR]


def _as_path(name_or_path: str | Path) -> Path | None:
    if isinstance(name_or_path, Path):
        return name_or_path
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    return None
