"""Start and stop a whole mixer: config → profile → store → engine → JACK host → control → access, scenes, the
problem finder (the services, ``mixerd.frontend.Services``) → the front ends: MQTT, OSC (X AIR apps), then the web
(on an HTTP socket the caller bound).

``Mixer`` is the one place a mixer is put together; shutdown runs in reverse. It is what ``mixerd run`` and
``mixerd demo`` drive, and what integration tests start in-process (without a socket: no web front end).
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mixerd.config import Config
from mixerd import __version__
from mixerd.control import Control, starting_state
from mixerd.control.access import Auth
from mixerd.control.scenes import SceneService
from mixerd.diagnostics import Diagnostics
from mixerd.diagnostics.listener import Listener
from mixerd.engine import Engine
from mixerd.frontend import FrontEnd, Services
from mixerd.jackhost import JackHost, ServerSpec, Wiring, input_port_names, output_port_names, port_limit
from mixerd.links.names import ReceivedNames, SentNames
from mixerd.links.supervisor import Links, link_channel_names
from mixerd.model.params import ParamTree
from mixerd.profiles import Profile, ProfileError, connected, list_profiles, load_profile
from mixerd.recorder import Player, Recorder, Takes, repair
from mixerd.store import Store
from mixerd.system.children import ChildRecord

log = logging.getLogger(__name__)

#: Where in the state directory mixerd notes the processes it starts (``mixerd.system.children``).
CHILDREN = "children"


class StateError(RuntimeError):
    """The state directory cannot be used (not writable, not a directory)."""


@dataclass
class Mixer:
    """A running mixer's parts, started in order by ``start()`` and stopped in reverse by ``stop()``."""

    config: Config
    #: values to start from when the store has no state yet (the demo mix on a first start)
    initial_changes: dict[str, Any] = field(default_factory=dict)
    profile: Profile | None = None
    store: Store | None = None
    engine: Engine | None = None
    host: JackHost | None = None
    control: Control | None = None
    #: access control for the web front ends (None: ``[auth] enabled = false``, the API is open)
    auth: Auth | None = None
    #: scenes, safes and versions, shared by the web app and MQTT
    scenes: SceneService | None = None
    #: the live signal-flow problem finder, shared by the web app and MQTT
    diagnostics: Diagnostics | None = None
    #: multitrack recording and virtual soundcheck (None: ``[recorder] enabled = false``)
    recorder: Recorder | None = None
    player: Player | None = None
    #: the RTA's and the feedback finder's ears on the engine's analysis ring
    listener: Listener | None = None
    #: the audio links to other boxes (``[[link]]``), their processes supervised
    links: Links | None = None
    #: names the channels the links receive after the sending box's (heard through the fleet; None: no such link)
    received_names: ReceivedNames | None = None
    #: this box on the LAN by mDNS (``[mdns]``), the others found there listed in the fleet
    lan: Any = None
    #: the HTTP socket the web front end serves on (None: no web front end, as in-process tests run it)
    http_socket: socket.socket | None = None
    #: the web app's address, for Home Assistant's "visit device" link (default: from ``http_socket``)
    web_url: str | None = None
    #: what the front ends are given (while running)
    services: Services | None = None
    #: the front ends, in the order they were started
    front_ends: list[FrontEnd] = field(default_factory=list)

    def start(self) -> None:
        """Bring up audio and control; raises (after undoing what it started) if that fails."""
        cfg = self.config
        self.profile = choose_profile(cfg.mixer.profile, cfg.mixer.profile_dirs)
        layout = self.profile.layout(generators=cfg.engine.generators).with_fx(cfg.engine.fx)
        # The channels the links receive come after the interface's (numbers of those stay what they were).
        hardware_inputs = layout.n_inputs
        layout = dataclasses.replace(layout, inputs=layout.inputs + link_channel_names(cfg.link))
        tree = ParamTree.from_layout(layout)
        try:
            self.store = Store.open(cfg.state.dir)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot keep state in {cfg.state.dir}: {exc}; set [state] dir in the config "
                             "to a directory mixerd can write") from exc
        if self.store.recovered_from is not None:
            log.error("state: the database in %s was damaged; it was moved to %s and the mixer starts from "
                      "its defaults", cfg.state.dir, self.store.recovered_from)
        try:
            start = starting_state(tree, self.store, self.initial_changes)
        except BaseException:
            self.stop()
            raise
        log.info("state: %s (%s)", self.store.path, {"store": "restored the saved mix",
                                                      "initial": "first start, the starting mix",
                                                      "defaults": "first start, defaults"}[start.source])

        settings = self.profile.jack
        if cfg.jack.autostart in ("alsa", "dummy"):
            settings = settings.with_driver(cfg.jack.autostart)
        jack_argv = settings.driver_argv()
        own_ports = len(input_port_names(layout)) + len(output_port_names(layout))
        port_max = port_limit(cfg.jack.port_max, own_ports, settings.capture, settings.playback)
        if port_max > cfg.jack.port_max:
            log.info("jack: %d ports would be too few for this mixer and interface; a jackd mixerd starts gets %d",
                     cfg.jack.port_max, port_max)
        self.engine = Engine(layout, sample_rate=self.profile.jack.rate, ramp_ms=cfg.engine.ramp_ms,
                             meter_rate=cfg.engine.meter_rate)
        self.engine.load(start.values)  # the core starts with the mix, not from silence
        self.engine.start()
        try:
            self.host = JackHost(
                self.engine,
                ServerSpec(name=cfg.jack.server, realtime=cfg.jack.realtime, driver_args=tuple(jack_argv),
                           port_max=port_max),
                Wiring(inputs=self.profile.input_ports, outputs=self.profile.output_connections()),
                client_name=cfg.jack.client_name,
                start_server="never" if cfg.jack.autostart == "off" else cfg.jack.start_server,
                interface=settings.device.removeprefix("hw:").split(",")[0] if settings.driver == "alsa" else None,
                record=ChildRecord(Path(cfg.state.dir) / CHILDREN / "jackd.json", "jackd"),
            )
            self.engine.driver = self.host
            self.links = Links(cfg.link, layout, self.host, server=cfg.jack.server or None,
                               first_input=hardware_inputs + 1)  # a source the mixer has not: stops here
            self.host.start()
            self.links.start()
        except BaseException:
            self.stop()
            raise
        self.control = Control(tree, link=self.engine, initial=start, store=self.store)
        if cfg.auth.enabled:
            self.auth = Auth(self.store, admin_password=cfg.auth.admin_password)
        else:
            log.warning("auth: access control is off ([auth] enabled = false): anyone who reaches the web app "
                        "may change everything")
        self.scenes = SceneService(self.control)
        self.scenes.start()  # its automatic versions, whichever front ends run
        if cfg.recorder.enabled:
            self.recorder = make_recorder(cfg, self.control, self.engine, self.scenes)
            # A marker set while no take is recorded goes to the take played back (Recorder.mark decides).
            self.player = self.recorder.player = Player(self.control, self.engine, self.recorder.takes)
        self.listener = Listener(self.control, self.engine)
        self.listener.start()  # listens only while a mix is rung out, watched, or an RTA is looked at
        self.diagnostics = Diagnostics(self.control, recorder=self.recorder, listener=self.listener,
                                       links=self.links if self.links.links else None)
        self.control.follow_problems(self.diagnostics)  # its changes are ``problems`` notices for the front ends
        self.diagnostics.start()
        if self.web_url is None and self.http_socket is not None:
            self.web_url = web_addresses(self.http_socket, "https" if cfg.http.tls else "http")[-1]
        fleet = None
        if cfg.mqtt.enabled or cfg.mdns.enabled:  # the other boxes: heard on the broker, found on the LAN
            from mixerd.fleet import Fleet

            fleet = Fleet(cfg.mqtt.base, cfg.mqtt.node_id, mqtt=cfg.mqtt.enabled)
            if cfg.mqtt.enabled and any(link.receive for link in cfg.link):  # the sender's info names what it sends
                self.received_names = ReceivedNames(cfg.link, hardware_inputs + 1, self.control, lan_addresses)
                self.received_names.start()
            fleet.on_change = self._fleet_changed
        self.services = Services(cfg, self.control, self.scenes, self.diagnostics, self.auth, self.profile.name,
                                 self.web_url, self.recorder, self.player,
                                 listener=self.listener, fleet=fleet,
                                 sent_names=SentNames(cfg.link, layout) if any(link.send for link in cfg.link)
                                 else None)
        if self.links.links:
            self.services.statuses["links"] = self.links.status
        if cfg.mdns.enabled:
            self._announce(fleet, layout)
        try:
            for front_end in self._front_ends():
                front_end.start(self.services)
                self.front_ends.append(front_end)
        except BaseException:
            self.stop()
            raise
        log.info("mixer: %s — %d channels, %d buses", self.profile.name, layout.n_inputs, layout.n_buses)

    def _announce(self, fleet, layout) -> None:
        """Announce this box on the LAN (its web app, if served) and list the others found there in the fleet."""
        from mixerd.mdns import LanPresence

        cfg = self.config
        info = {"node_id": cfg.mqtt.node_id, "name": self.profile.name, "version": __version__, "url": self.web_url,
                "base": cfg.mqtt.base if cfg.mqtt.enabled else None, "channels": layout.n_inputs,
                "mixes": sum(1 for b in layout.buses if b.is_aux)}
        port = self.http_socket.getsockname()[1] if self.http_socket is not None else 0
        self.lan = LanPresence(info, port, fleet.found, cfg.mdns.interfaces)
        fleet.mdns = True
        self.lan.start()
        self.services.statuses["mdns"] = self.lan.status

    def _fleet_changed(self, status: dict[str, Any]) -> None:
        """The boxes on the broker changed (from paho's thread: hand over only)."""
        self.control.notify("fleet", status)  # the web's Fleet follows it
        if self.received_names is not None:
            self.received_names.fleet_changed(status)

    def _front_ends(self) -> list[FrontEnd]:
        """The front ends the config asks for: MQTT first (its clients see the mixer come up), OSC, then the web."""
        cfg, front_ends = self.config, []
        if cfg.mqtt.enabled:
            from mixerd.mqtt.frontend import MqttFrontEnd

            front_ends.append(MqttFrontEnd())
        if cfg.osc.enabled:
            from mixerd.osc.frontend import OscFrontEnd

            front_ends.append(OscFrontEnd())  # a port that is taken is logged; the mixer runs on without OSC
        if self.http_socket is not None:
            from mixerd.web.frontend import WebFrontEnd

            tls = {"ssl_certfile": cfg.http.tls_cert, "ssl_keyfile": cfg.http.tls_key} if cfg.http.tls else {}
            front_ends.append(WebFrontEnd(self.http_socket, tls))
        return front_ends

    def front_end(self, name: str) -> Any:
        """The running front end called ``name`` ("web", "mqtt", "osc"), or None."""
        return next((f for f in self.front_ends if f.name == name), None)

    @property
    def mqtt(self) -> Any:
        """The running MQTT bridge, or None."""
        front_end = self.front_end("mqtt")
        return front_end.bridge if front_end is not None else None

    @property
    def osc(self) -> Any:
        """The running OSC server, or None (off, or its port was taken)."""
        front_end = self.front_end("osc")
        return front_end.server if front_end is not None else None

    def stop(self) -> None:
        """Stop what was started, in reverse order. Safe to call twice."""
        while self.front_ends:
            self.front_ends.pop().stop()
        self.services = None
        if self.lan:
            self.lan.stop()  # its goodbye: the other boxes list this one offline
            self.lan = None
        if self.received_names:
            self.received_names.stop()
            self.received_names = None
        if self.player:
            self.player.close()
            self.player = None
        if self.recorder:
            self.recorder.close()  # a take that runs is kept, complete, before the audio stops
            self.recorder = None
        if self.scenes:
            self.scenes.stop()
        if self.diagnostics:
            self.diagnostics.stop()
            self.diagnostics = None
        if self.listener:
            self.listener.stop()
            self.listener = None
        self.scenes = None
        self.auth = None
        if self.control:
            self.control.close()  # its health watcher asks the engine, which stops next
            self.control = None
        if self.links:
            self.links.stop()  # before the server they are clients of
            self.links = None
        if self.host:
            self.host.stop()
            self.host = None
        if self.engine:
            self.engine.stop()
            self.engine = None
        if self.store:
            self.store.close()
            self.store = None


def make_recorder(cfg: Config, control: Control, engine: Engine, scenes: SceneService) -> Recorder:
    """The recorder on ``[recorder] dir`` (default takes/ in the state directory); takes an earlier run left
    unfinished (a power cut, a kill) are mended first."""
    # A folder the user named by its full path (a USB disk, say) is never made by mixerd: see Takes.
    takes = Takes(Path(cfg.state.dir) / (cfg.recorder.dir or "takes"), reserve=cfg.recorder.reserve_mb << 20,
                  configured=Path(cfg.recorder.dir).is_absolute())
    try:
        mended = takes.recover(repair)
    except OSError as exc:  # a USB disk not there: the recorder says so when a take is asked for
        log.error("recorder: cannot look at the takes in %s: %s", takes.root, exc)
    else:
        for take_id in mended:
            log.warning("recorder: take %s was left unfinished (power cut or kill); mended, kept", take_id)
    return Recorder(control, engine, takes, sample_format=cfg.recorder.format, buffer_s=cfg.recorder.buffer_s,
                    header_s=cfg.recorder.header_s, scenes=scenes)


def choose_profile(name: str, search_dirs, asound: Path = Path("/proc/asound")) -> Profile:
    """The profile ``name`` (an id or a file), or for ``"auto"`` the one that matches the connected
    interface (a generic class-compliant one for a USB card no profile knows); ProfileError if none."""
    if name != "auto":
        return load_profile(name, search_dirs=search_dirs)
    found = connected(usable_profiles(search_dirs), asound)
    if found.profile is None:
        cards = ", ".join(f"{c.id} ({c.name})" for c in found.cards) or "none"
        raise ProfileError(f"mixer.profile is \"auto\" but no connected interface matches a profile (sound cards: "
                           f"{cards}); connect the interface, or set mixer.profile (mixerd profiles lists them)")
    log.info("profile: detected %s (%s)", found.profile.name, found.profile.jack.device or found.profile.jack.driver)
    return found.profile


def usable_profiles(search_dirs) -> list[Profile]:
    """Every profile in the search path that loads (broken files are listed by ``mixerd profiles``)."""
    return [load_profile(s.id, search_dirs=search_dirs) for s in list_profiles(search_dirs) if not s.error]


def bind_http(host: str, port: int) -> socket.socket:
    """Bind the HTTP listening socket up front, so the address can be printed before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it
    # every keep-alive answer waits ~40 ms (Nagle + delayed ACK) between its headers and its body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def web_addresses(sock: socket.socket, scheme: str = "http") -> list[str]:
    """The addresses to open (``scheme`` http or https): this machine, and each LAN address a phone can reach."""
    host, port = sock.getsockname()[:2]
    if host not in ("0.0.0.0", "::"):
        return [f"{scheme}://{host}:{port}/"]
    return [f"{scheme}://{a}:{port}/" for a in ["127.0.0.1", *lan_addresses()]]


def udp_addresses(address: tuple[str, int]) -> list[str]:
    """Where an app reaches a UDP socket bound to ``address``: ``ip:port`` of this machine on each network."""
    host, port = address
    hosts = ["127.0.0.1", *lan_addresses()] if host in ("0.0.0.0", "::") else [host]
    return [f"{h}:{port}" for h in hosts]


def check_tls(cert: str, key: str) -> None:
    """Load the certificate and key as the server will; raises ValueError saying what is wrong."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except FileNotFoundError as exc:
        raise ValueError(f"cannot read {exc.filename or cert}: no such file; set [http] tls_cert and tls_key "
                         "to PEM files mixerd can read (or both to \"\" for plain HTTP)") from exc
    except PermissionError as exc:
        raise ValueError(f"cannot read {exc.filename or cert}: permission denied") from exc
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"the TLS certificate {cert} and key {key} cannot be used ({exc}); they must be PEM "
                         "files and the key must belong to the certificate") from exc


def lan_addresses() -> list[str]:
    """IPv4 addresses of the network interfaces other than loopback (Linux)."""
    import fcntl
    import struct

    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                # SIOCGIFADDR: the interface's IPv4 address (no traffic is sent)
                raw = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue  # no IPv4 address on this interface
            addr = socket.inet_ntoa(raw[20:24])
            if not addr.startswith("127."):
                found.append(addr)
    return found
