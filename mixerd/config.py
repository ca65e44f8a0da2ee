"""The daemon's configuration: a TOML file where every key has a default, so no file is needed.

``load_config(path)`` reads ``/etc/mixerd/mixerd.toml`` (or any path) into frozen dataclasses, one per
section. Each section validates itself when constructed, so ``Config()`` is the defaults and
``dataclasses.replace(cfg.engine, ramp_ms=5)`` is checked just like a value read from a file.
``deploy/mixerd.example.toml`` documents every key.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from mixerd.model.layout import FX_EFFECTS
from mixerd.mqtt.topics import ACTIONS as MQTT_ACTIONS
from mixerd.tomlcheck import check_type, did_you_mean, read_toml, show

START_SERVER_CHOICES = ("auto", "always", "never")
AUTOSTART_CHOICES = ("profile", "alsa", "dummy", "off")
LOG_LEVELS = ("debug", "info", "warning", "error")

LOUDNESS_INTERVAL_MIN = 5.0     # seconds: faster would flood Home Assistant's recorder again
LOUDNESS_INTERVAL_MAX = 3600.0

# JACK limits a client name to jack_client_name_size() - 1 = 63 bytes; ':' separates client and port.
_JACK_NAME_MAX = 63


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key, the value and what is allowed."""


def _rule(*, range: tuple[float, float] | None = None, choices: tuple[str, ...] | None = None,
          unit: str = "", nonempty: bool = False, maxlen: int | None = None, forbid: str = "",
          what: str = "") -> dict:
    """Field metadata: the checks a value must pass beyond its type, and ``what`` to tell the user."""
    return {"range": range, "choices": choices, "unit": unit, "nonempty": nonempty, "maxlen": maxlen,
            "forbid": forbid, "what": what}


def _allowed(rule: typing.Mapping[str, Any]) -> str:
    """What a field accepts, for the end of an error message ("" when the type says it all)."""
    if not rule:
        return ""
    if rule["range"] is not None:
        unit = f" {rule['unit']}" if rule["unit"] else ""
        return f"; allowed: {rule['range'][0]} to {rule['range'][1]}{unit}"
    if rule["choices"] is not None:
        return "; allowed: " + ", ".join(show(c) for c in rule["choices"])
    return f"; allowed: {rule['what']}" if rule["what"] else ""


class _Section:
    """Validation shared by every section: types from the annotations, rules from field metadata."""

    SECTION: ClassVar[str]

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            try:
                value = _coerce(getattr(self, f.name), hints[f.name], f"{self.SECTION}.{f.name}")
            except ConfigError as exc:
                raise ConfigError(f"{exc}{_allowed(f.metadata)}") from None
            _check_rule(value, f.metadata, f"{self.SECTION}.{f.name}")
            object.__setattr__(self, f.name, value)


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check ``value`` against the annotation ``hint`` and return it in its canonical type."""
    if hint is Path:
        if isinstance(value, Path):
            return value
        if problem := check_type(value, str, key):
            raise ConfigError(problem)
        if not value:
            raise ConfigError(f"{key} is empty; give a directory path")
        return Path(value)
    if typing.get_origin(hint) is tuple:  # tuple[Path, ...], tuple[str, ...]
        item = typing.get_args(hint)[0]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(check_type(value, list, key) + (" of directory paths" if item is Path else ""))
        return tuple(_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value))
    if problem := check_type(value, hint, key):
        raise ConfigError(problem)
    return float(value) if hint is float else value


def _check_rule(value: Any, rule: typing.Mapping[str, Any], key: str) -> None:
    if not rule:
        return
    if rule["nonempty"] and value == "":
        raise ConfigError(f"{key} is empty{_allowed(rule) or '; it needs a value'}")
    if rule["maxlen"] is not None and len(value) > rule["maxlen"]:
        raise ConfigError(f"{key} = {show(value)} is {len(value)} characters long{_allowed(rule)}")
    if rule["forbid"] and any(c in value for c in rule["forbid"]):
        raise ConfigError(f"{key} = {show(value)} contains {show(rule['forbid'])}{_allowed(rule)}")
    for item in (value if isinstance(value, tuple) else (value,)) if rule["choices"] is not None else ():
        if item not in rule["choices"]:
            choices = ", ".join(show(c) for c in rule["choices"])
            hint = did_you_mean(str(item), rule["choices"], '"{}"')
            what = f"{show(value)} is" if item is value else f"{show(value)}: {show(item)} is"
            raise ConfigError(f"{key} = {what} not allowed; choose one of {choices}{hint}")
    if rule["range"] is not None:
        lo, hi = rule["range"]
        if not lo <= value <= hi:
            raise ConfigError(f"{key} = {show(value)} is out of range{_allowed(rule)}")


@dataclass(frozen=True)
class MixerConfig(_Section):
    """Which hardware profile to run (see hw_profiles/README.md)."""

    SECTION: ClassVar[str] = "mixer"
    profile: str = field(default="demo", metadata=_rule(
        nonempty=True, what='a profile id such as "demo" or a path to a .toml file'))
    profile_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class JackConfig(_Section):
    """How mixerd finds (or starts) its JACK server and names itself there."""

    SECTION: ClassVar[str] = "jack"
    server: str = ""
    start_server: str = field(default="auto", metadata=_rule(choices=START_SERVER_CHOICES))
    #: which jackd mixerd starts when it starts one: "profile" (the profile's driver), "alsa" (the
    #: interface), "dummy" (no hardware), "off" (never start one: attach to a running server only)
    autostart: str = field(default="profile", metadata=_rule(choices=AUTOSTART_CHOICES))
    client_name: str = field(default="mixerd", metadata=_rule(
        nonempty=True, maxlen=_JACK_NAME_MAX, forbid=":", what=f'1 to {_JACK_NAME_MAX} characters without ":"'))
    realtime: bool = True
    #: the port limit of a jackd mixerd starts (jackd -p): libjack maps and locks JACK's whole port table
    #: into every client, about 37 MB plus 32 KB a port, so JACK's default of 2048 costs 100 MB of RAM;
    #: raised by itself when the layout and the interface need more
    port_max: int = field(default=256, metadata=_rule(range=(64, 4096)))


@dataclass(frozen=True)
class EngineConfig(_Section):
    """Realtime core settings fixed at start-up."""

    SECTION: ClassVar[str] = "engine"
    ramp_ms: float = field(default=10.0, metadata=_rule(range=(1, 100), unit="ms"))
    meter_rate: int = field(default=50, metadata=_rule(range=(25, 100), unit="Hz"))
    generators: int = field(default=4, metadata=_rule(range=(0, 32)))  # the core takes up to 32
    fx: tuple[str, ...] = field(default=FX_EFFECTS, metadata=_rule(choices=FX_EFFECTS))


@dataclass(frozen=True)
class HttpConfig(_Section):
    """Where the REST/WebSocket API and the web app listen."""

    SECTION: ClassVar[str] = "http"
    host: str = field(default="0.0.0.0", metadata=_rule(
        nonempty=True, what='an address or host name, "0.0.0.0" for every IPv4 interface, "::" for all'))
    port: int = field(default=8080, metadata=_rule(range=(0, 65535), unit="(0 picks a free port)"))
    #: PEM certificate (chain) and private key: both set → HTTPS (and wss://), both "" → plain HTTP.
    tls_cert: str = ""
    tls_key: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if bool(self.tls_cert) != bool(self.tls_key):
            given, missing = ("tls_cert", "tls_key") if self.tls_cert else ("tls_key", "tls_cert")
            raise ConfigError(f"http.{given} is set but http.{missing} is empty; set both (PEM files) for HTTPS, "
                              "or neither for plain HTTP")

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)


@dataclass(frozen=True)
class AuthConfig(_Section):
    """Who may change what: an admin password, per-mix and viewer links (see README "Access")."""

    SECTION: ClassVar[str] = "auth"
    enabled: bool = True
    #: "" → set it on first start in the web app; otherwise this password (only its hash is stored).
    admin_password: str = ""


@dataclass(frozen=True)
class MqttConfig(_Section):
    """The MQTT front end: broker, base topic, meters and Home Assistant discovery (see README "MQTT")."""

    SECTION: ClassVar[str] = "mqtt"
    enabled: bool = True
    #: mqtt://host:port, or mqtts://host:port for TLS (port defaults 1883 / 8883)
    broker: str = field(default="mqtt://127.0.0.1:1883", metadata=_rule(
        nonempty=True, what='"mqtt://host:port" or "mqtts://host:port"'))
    username: str = ""
    password: str = ""
    #: CA certificate (PEM) to check an mqtts:// broker with; "" → the system's trusted CAs
    ca_file: str = ""
    #: {base} is "mixerd/<node_id>" unless base_topic says otherwise
    node_id: str = field(default="mixerd", metadata=_rule(
        nonempty=True, maxlen=64, forbid="/#+ ", what="1 to 64 characters without /, #, + or spaces"))
    base_topic: str = field(default="", metadata=_rule(forbid="#+", what='a topic without wildcards, e.g. "studio/mixer"'))
    #: meter messages per second on {base}/meters (0: none)
    meter_rate: float = field(default=2.0, metadata=_rule(range=(0, 25), unit="Hz"))
    #: Home Assistant MQTT discovery
    discovery: bool = True
    discovery_prefix: str = field(default="homeassistant", metadata=_rule(
        nonempty=True, forbid="#+ ", what="a topic prefix without wildcards or spaces"))
    #: which strips become Home Assistant entities: "main", "bus/*" or "bus/2", "ch/*" or "ch/3"
    expose: tuple[str, ...] = ("main", "bus/*")
    #: seconds between the short-term loudness values on {base}/loudness (Home Assistant's loudness
    #: sensors), rounded to 0.1 LU and sent only when one changed; 0: no loudness sensors
    loudness_interval: float = field(default=30.0, metadata=_rule(
        what=f"0 (no loudness sensors) or {LOUDNESS_INTERVAL_MIN:g} to {LOUDNESS_INTERVAL_MAX:g} s"))
    #: MQTT may read but change nothing: every /set and action is refused on {base}/error
    read_only: bool = False
    #: the addresses MQTT may change: patterns with "*" for one segment, "**" for several ("**": all)
    writable: tuple[str, ...] = field(default=("**",), metadata=_rule(
        what='address patterns such as "ch/*/fader", "bus/2/**" or "**" (everything)'))
    #: the actions MQTT may run under {base}/action/
    actions: tuple[str, ...] = field(default=tuple(MQTT_ACTIONS), metadata=_rule(choices=tuple(MQTT_ACTIONS)))

    def __post_init__(self) -> None:
        super().__post_init__()
        interval = self.loudness_interval
        if interval != 0 and not LOUDNESS_INTERVAL_MIN <= interval <= LOUDNESS_INTERVAL_MAX:
            why = ("is too short: Home Assistant's recorder keeps every new value" if 0 < interval < LOUDNESS_INTERVAL_MIN
                   else "is out of range")
            raise ConfigError(f"mqtt.loudness_interval = {show(interval)} {why}; allowed: 0 (no loudness sensors) "
                              f"or {LOUDNESS_INTERVAL_MIN:g} to {LOUDNESS_INTERVAL_MAX:g} s")
        from mixerd.model.address import PATTERN_HINT, AddressPattern, PatternError  # (not at import: read first)

        for item in self.writable:
            try:
                AddressPattern.parse(item)
            except PatternError as exc:
                raise ConfigError(f"mqtt.writable has {show(item)}: {exc.message.split(': ', 1)[-1]}; write "
                                  f"{PATTERN_HINT}, or [\"**\"] for every address") from None
        for item in self.expose:
            if not re.match(r"^(main|(ch|bus)/(\*|[1-9]\d*))$", item):
                raise ConfigError(f"mqtt.expose has {show(item)}; list strips as \"main\", \"bus/*\" (every mix), "
                                  "\"bus/2\", \"ch/*\" or \"ch/3\"")
        if not re.match(r"^mqtts?://[^/:\s]+(:\d{1,5})?/?$", self.broker):
            raise ConfigError(f"mqtt.broker = {show(self.broker)} is not a broker address; write "
                              '"mqtt://host:port" (e.g. "mqtt://192.168.1.10:1883") or "mqtts://host:port" for TLS')
        if self.base_topic.startswith("/") or self.base_topic.endswith("/"):
            raise ConfigError(f"mqtt.base_topic = {show(self.base_topic)} must not start or end with '/'")

    @property
    def base(self) -> str:
        """The base topic every mixerd topic starts with."""
        return self.base_topic or f"mixerd/{self.node_id}"


#: The networks OSC answers by default: the private IPv4 ranges, link-local (a mixer cabled straight to a laptop),
#: loopback, and their IPv6 counterparts. OSC has no authentication: the network is the only gate.
OSC_PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8",
                        "fc00::/7", "fe80::/10", "::1/128")
OSC_MIX_MAX = 64  # a bound for typos; whether a bus is an aux mix of this mixer is checked when OSC starts


@dataclass(frozen=True)
class OscConfig(_Section):
    """The OSC front end in the Behringer X AIR dialect, for existing mixer apps (see README "Existing apps")."""

    SECTION: ClassVar[str] = "osc"
    #: off by default: OSC has no authentication, anyone on an allowed network may change the mix
    enabled: bool = False
    host: str = field(default="0.0.0.0", metadata=_rule(
        nonempty=True, what='an address, "0.0.0.0" for every IPv4 interface (apps find the mixer by a broadcast '
                            'there), "::" for all'))
    port: int = field(default=10024, metadata=_rule(range=(0, 65535), unit="(UDP; X AIR apps use 10024; 0 picks "
                                                                          "a free port)"))
    #: where datagrams may come from (CIDR); anything else is ignored
    allow: tuple[str, ...] = field(default=OSC_PRIVATE_NETWORKS, metadata=_rule(
        what='networks in CIDR notation such as "192.168.1.0/24" or "10.0.0.7/32"'))
    #: apps may read and follow the mix but change nothing
    read_only: bool = False
    #: [] → every address writable; else the aux mixes (mixerd bus numbers) whose sends and master may change
    mixes: tuple[int, ...] = field(default=(), metadata=_rule(
        what=f"bus numbers 1 to {OSC_MIX_MAX}, e.g. [2] for a musician's own mix, or [] for everything"))

    def __post_init__(self) -> None:
        super().__post_init__()
        import ipaddress

        for item in self.allow:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(f"osc.allow has {show(item)}, which is not a network; write networks in CIDR "
                                  'notation such as "192.168.1.0/24", "10.0.0.7/32" or "fe80::/10"') from None
        for item in self.mixes:
            if not 1 <= item <= OSC_MIX_MAX:
                raise ConfigError(f"osc.mixes has {show(item)}, which is not a bus number; allowed: bus numbers 1 to "
                                  f"{OSC_MIX_MAX} (e.g. [2]), or [] for every address")


@dataclass(frozen=True)
class MdnsConfig(_Section):
    """Finding the other mixerd on the local network without a broker: mDNS/DNS-SD, ``_mixerd._tcp`` (see README
    "Several boxes")."""

    SECTION: ClassVar[str] = "mdns"
    #: announce this box's web app and list the boxes announced on the LAN in the fleet
    enabled: bool = True
    #: the addresses of the interfaces to announce and look on ([]: every interface)
    interfaces: tuple[str, ...] = field(default=(), metadata=_rule(
        what='IPv4 addresses of this box\'s interfaces, e.g. ["192.168.1.20"], or [] for every interface'))

    def __post_init__(self) -> None:
        super().__post_init__()
        import ipaddress

        for item in self.interfaces:
            try:
                ipaddress.IPv4Address(item)
            except ValueError:
                raise ConfigError(f"mdns.interfaces has {show(item)}, which is not an IPv4 address; write this "
                                  'box\'s addresses such as "192.168.1.20", or [] for every interface') from None


@dataclass(frozen=True)
class StateConfig(_Section):
    """Where mixer state is kept between runs."""

    SECTION: ClassVar[str] = "state"
    dir: Path = Path("/var/lib/mixerd")


@dataclass(frozen=True)
class RecorderConfig(_Section):
    """Multitrack recording: where takes go and how they are written."""

    SECTION: ClassVar[str] = "recorder"
    enabled: bool = True
    dir: str = field(default="", metadata=_rule(what='a directory ("": takes/ in the state directory; a relative '
                                                     'path is taken from the state directory), e.g. a USB disk'))
    reserve_mb: int = field(default=1024, metadata=_rule(range=(0, 1_000_000), unit="MiB"))
    format: str = field(default="pcm24", metadata=_rule(choices=("pcm24", "float32")))
    buffer_s: float = field(default=8.0, metadata=_rule(range=(5.0, 60.0), unit="s"))
    header_s: float = field(default=5.0, metadata=_rule(range=(1.0, 10.0), unit="s"))


LINK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,23}")
#: zita-njbridge (each box on its own clock, both send) or netjack2 (one box the master, the other joins it)
LINK_ENGINES = ("zita", "netjack2")
LINK_MAX_CHANNELS = 64  # zita-njbridge's most


@dataclass(frozen=True)
class LinkConfig(_Section):
    """One audio link to another box (``[[link]]``, see README "Several boxes"): what this box sends it and how many
    of its channels this box receives, carried by an existing JACK network engine that mixerd starts and watches."""

    SECTION: ClassVar[str] = "link"
    #: the other box, as this one calls it: names the link's channels ("stage 1") and its JACK clients
    name: str = field(default="", metadata=_rule(
        nonempty=True, what="1 to 24 lower-case letters, digits, '-' or '_', starting with a letter or digit, "
                            'e.g. "stage"'))
    engine: str = field(default="zita", metadata=_rule(choices=LINK_ENGINES))
    #: where the other box is (a host name or an address); "" when this box only receives — with netjack2, ""
    #: makes this box the master the other one joins, and a peer is the master this box joins
    peer: str = ""
    #: the UDP port this box receives on (and the next one); the other box sends to it. netjack2: the master's port
    port: int = field(default=30200, metadata=_rule(range=(1024, 65534), unit="(UDP; the next port is used too)"))
    #: the UDP port the other box receives on (0: the same as ``port``)
    peer_port: int = field(default=0, metadata=_rule(range=(0, 65534), unit="(UDP; 0: the same as port)"))
    #: the address this box receives on ("0.0.0.0": every IPv4 interface)
    listen: str = field(default="0.0.0.0", metadata=_rule(nonempty=True, what='an address such as "0.0.0.0"'))
    #: what this box sends: channels as they come in ("ch/3"), mixes ("bus/2") and the main ("main"), in order
    send: tuple[str, ...] = ()
    #: how many channels this box receives from the other one (each becomes a channel of this mixer)
    receive: int = field(default=0, metadata=_rule(range=(0, LINK_MAX_CHANNELS), unit="channels"))
    #: the receiver's extra buffer against network jitter (zita-n2j --buff)
    buffer_ms: int = field(default=10, metadata=_rule(range=(0, 100), unit="ms"))

    def __post_init__(self) -> None:
        super().__post_init__()
        if not LINK_NAME.fullmatch(self.name):
            raise ConfigError(f"link.name = {show(self.name)} cannot name a link{_allowed(self._meta('name'))}")
        for item in self.send:
            if not re.fullmatch(r"(ch|bus)/[1-9][0-9]*|main", item):
                raise ConfigError(f"link.send has {show(item)}, which is not a source; allowed: \"ch/N\" (a channel "
                                  'as it comes in), "bus/B" (a mix) or "main", e.g. ["ch/1", "ch/2", "bus/3"]')
        if self.send and not self.peer and self.engine != "netjack2":
            raise ConfigError(f"link {show(self.name)} sends {', '.join(self.send)} but has no peer; give "
                              'link.peer, the other box\'s address (e.g. "192.168.1.20" or "stagebox.local")')
        if not self.send and not self.receive:
            raise ConfigError(f"link {show(self.name)} neither sends nor receives; give link.send (what to send) "
                              "and/or link.receive (how many channels to receive)")

    @classmethod
    def _meta(cls, name: str) -> typing.Mapping[str, Any]:
        return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)

    @property
    def send_port(self) -> int:
        return self.peer_port or self.port


@dataclass(frozen=True)
class LogConfig(_Section):
    SECTION: ClassVar[str] = "log"
    level: str = field(default="info", metadata=_rule(choices=LOG_LEVELS))


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``Config()`` is every default."""

    mixer: MixerConfig = field(default_factory=MixerConfig)
    jack: JackConfig = field(default_factory=JackConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    osc: OscConfig = field(default_factory=OscConfig)
    mdns: MdnsConfig = field(default_factory=MdnsConfig)
    state: StateConfig = field(default_factory=StateConfig)
    recorder: RecorderConfig = field(default_factory=RecorderConfig)
    log: LogConfig = field(default_factory=LogConfig)
    #: the audio links to other boxes, one ``[[link]]`` each
    link: tuple[LinkConfig, ...] = ()


#: Arrays of tables (``[[link]]``) -> the class of each.
ARRAYS: dict[str, type[_Section]] = {"link": LinkConfig}
# Section name -> its class, in file order.
SECTIONS: dict[str, type[_Section]] = {
    f.name: f.default_factory for f in dataclasses.fields(Config) if f.name not in ARRAYS  # type: ignore[misc]
}


def load_config(path: Path | str | None) -> Config:
    """Read the config file at ``path``; None gives the defaults. Raises ConfigError naming the file."""
    if path is None:
        return Config()
    path = Path(path)
    data = read_toml(path, ConfigError)
    try:
        return parse_config(data, base_dir=path.parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config(data: dict[str, Any], base_dir: Path | None = None) -> Config:
    """Build a Config from parsed TOML. Relative paths are taken relative to ``base_dir`` (the file's
    directory), because a daemon's working directory says nothing about where its config lives."""
    sections: dict[str, Any] = {}
    for name, table in data.items():
        if name in ARRAYS:
            sections[name] = _build_array(name, table, base_dir)
            continue
        if name not in SECTIONS:
            raise ConfigError(_unknown_section(name, table))
        if not isinstance(table, dict):
            raise ConfigError(f"{name} = {show(table)} must be a section, written [{name}] with keys below it")
        sections[name] = _build_section(SECTIONS[name], table, base_dir)
    return Config(**sections)  # type: ignore[arg-type]


def _build_array(name: str, tables: Any, base_dir: Path | None) -> tuple[_Section, ...]:
    """``[[name]]`` tables, each built and checked like a section; names must be unique."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{name} = {show(tables)} must be a list of tables, each written [[{name}]] with keys below it")
    built = []
    for i, table in enumerate(tables, start=1):
        try:
            built.append(_build_section(ARRAYS[name], table, base_dir))
        except ConfigError as exc:
            raise ConfigError(f"the {_ordinal(i)} [[{name}]]: {exc}") from None
    names = [getattr(item, "name", None) for item in built]
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise ConfigError(f"two [[{name}]] are named {show(twice)}; give each its own name")
    # One netjack2 master a box: every link the other boxes join listens on the same port.
    masters = sorted({(item.port, item.name) for item in built
                      if getattr(item, "engine", None) == "netjack2" and not item.peer})
    if len({port for port, _ in masters}) > 1:
        raise ConfigError("the netjack2 links this box is the master of (no peer) must share one port, one netjack2 "
                          "master listening for all of them; they have " +
                          ", ".join(f"{show(n)}: {port}" for port, n in masters))
    return tuple(built)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _unknown_section(name: str, value: Any) -> str:
    if not isinstance(value, dict):
        # A key written above every [section] header: point at the section it belongs in.
        for section, cls in SECTIONS.items():
            if name in _keys(cls):
                return f"{name} = {show(value)} must be inside a section; write it below [{section}]"
    return f"unknown section [{name}]{did_you_mean(name, SECTIONS, '[{}]')} (sections: {', '.join(SECTIONS)})"


def _keys(cls: type[_Section]) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def _build_section(cls: type[_Section], table: dict[str, Any], base_dir: Path | None) -> _Section:
    keys = _keys(cls)
    for key in table:
        if key not in keys:
            elsewhere = [s for s, c in SECTIONS.items() if key in _keys(c)]
            hint = f"; {key} belongs in [{elsewhere[0]}]" if elsewhere else did_you_mean(key, keys, cls.SECTION + ".{}")
            raise ConfigError(f"unknown key {cls.SECTION}.{key}{hint} (keys of [{cls.SECTION}]: {', '.join(keys)})")
    values = dict(table)
    if base_dir is not None:
        _resolve_paths(cls, values, base_dir)
    return cls(**values)


def _resolve_paths(cls: type[_Section], values: dict[str, Any], base_dir: Path) -> None:
    def resolve(v: Any) -> Any:
        return base_dir / v if isinstance(v, str) and v and not Path(v).is_absolute() else v

    if cls is MixerConfig:
        if isinstance(values.get("profile_dirs"), list):
            values["profile_dirs"] = [resolve(v) for v in values["profile_dirs"]]
        profile = values.get("profile")
        if isinstance(profile, str) and ("/" in profile or profile.endswith(".toml")):
            values["profile"] = str(resolve(profile))
    elif cls is StateConfig and "dir" in values:
        values["dir"] = resolve(values["dir"])
    elif cls is MqttConfig and isinstance(values.get("ca_file"), str) and values["ca_file"]:
        values["ca_file"] = str(resolve(values["ca_file"]))
    elif cls is HttpConfig:
        for key in ("tls_cert", "tls_key"):
            if key in values:
                values[key] = str(resolve(values[key])) if isinstance(values[key], str) else values[key]
