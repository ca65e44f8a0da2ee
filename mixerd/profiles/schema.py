"""What a hardware profile holds: JACK settings, labelled physical ports, and the default mixer layout.

The values here are already validated (see ``loader.py``); this module only gives them shape and derives
what the rest of mixerd needs: a ``Layout`` for the engine and which JACK ports to connect.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from mixerd.model.layout import BusLayout, Layout

DRIVERS = ("dummy", "alsa")
RATES = (22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000)


class ProfileError(ValueError):
    """A profile cannot be used; the message names the file, the key, the problem and what is allowed."""


@dataclass(frozen=True)
class JackSettings:
    """How jackd must be started for this interface (only used when mixerd starts jackd itself)."""

    driver: str
    device: str = ""  # ALSA device for driver "alsa", e.g. "hw:USB"
    rate: int = 48000
    period: int = 256  # frames per period
    periods: int = 2  # periods per buffer (ALSA only)
    capture: int = 0  # capture channels; 0 = all the device has (ALSA)
    playback: int = 0  # playback channels; 0 = all the device has (ALSA)
    extra_args: tuple[str, ...] = ()  # appended to the driver arguments

    @property
    def latency_ms(self) -> float:
        """Buffer latency one way, as JACK reports it (period × periods / rate)."""
        periods = self.periods if self.driver == "alsa" else 1
        return 1000.0 * self.period * periods / self.rate

    def with_driver(self, driver: str) -> "JackSettings":
        """The same rate and period on another driver ("alsa" on ``device`` or the first card, "dummy")."""
        if driver == self.driver:
            return self
        device = self.device or ("hw:0" if driver == "alsa" else "")
        return dataclasses.replace(self, driver=driver, device=device)

    def driver_argv(self) -> list[str]:
        """The jackd arguments from ``-d <driver>`` on, e.g. ``["-d", "alsa", "-d", "hw:USB", ...]``."""
        argv = ["-d", self.driver]
        if self.driver == "alsa":
            argv += ["-d", self.device, "-r", str(self.rate), "-p", str(self.period), "-n", str(self.periods)]
            if self.capture:
                argv += ["-i", str(self.capture)]
            if self.playback:
                argv += ["-o", str(self.playback)]
        else:
            # jack2's dummy driver derives the period from -w when given, jack1's sleeps -w µs per cycle
            # regardless of -p: passing the matching wait keeps both honest.
            wait_us = round(self.period * 1_000_000 / self.rate)
            argv += ["-r", str(self.rate), "-p", str(self.period), "-C", str(self.capture),
                     "-P", str(self.playback), "-w", str(wait_us)]
        return argv + list(self.extra_args)


@dataclass(frozen=True)
class MatchRules:
    """How to recognise the interface (see ``detect.py``); empty rules never match."""

    alsa_cards: tuple[str, ...] = ()  # card ids or names as /proc/asound/cards shows them
    usb_ids: tuple[str, ...] = ()  # "vvvv:pppp", lower-case hex

    @property
    def empty(self) -> bool:
        return not (self.alsa_cards or self.usb_ids)


@dataclass(frozen=True)
class PortSpec:
    """One physical JACK port with the label a user reads on the panel. ``port`` is None for an input
    the profile keeps as a mixer channel with nothing connected."""

    port: str | None
    label: str
    description: str = ""


@dataclass(frozen=True)
class BusSpec:
    """A default bus and the physical outputs it feeds (1 port when mono, L and R when stereo)."""

    name: str
    outputs: tuple[str, ...]
    stereo: bool = False
    kind: str = "aux"

    def layout(self) -> BusLayout:
        return BusLayout(name=self.name, stereo=self.stereo, kind=self.kind)


@dataclass(frozen=True)
class Profile:
    """One audio interface: JACK settings, ports, and the mixer it gets by default."""

    id: str
    name: str
    jack: JackSettings
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    main_outputs: tuple[str, str]
    buses: tuple[BusSpec, ...] = ()
    solo_outputs: tuple[str, ...] = ()  # the engineer's listen output (headphones), L and R; () = unwired
    vendor: str = ""
    description: str = ""
    match: MatchRules = field(default_factory=MatchRules)
    path: Path | None = None  # the file it was read from

    @property
    def input_ports(self) -> tuple[str | None, ...]:
        """The physical port to connect to each mixer input, in channel order (None: nothing)."""
        return tuple(p.port for p in self.inputs)

    @property
    def input_labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.inputs)

    def layout(self, generators: int = 4) -> Layout:
        """The default mixer for this interface: one channel per input, the profile's buses."""
        return Layout(inputs=self.input_labels, buses=tuple(b.layout() for b in self.buses), generators=generators)

    def output_connections(self) -> dict[int, list[str]]:
        """Physical ports per core output channel: 0 and 1 are main L and R, then every bus channel in
        bus order, then solo L and R if the profile wires them (the numbering of ``Layout.n_outputs``)."""
        connections = {0: [self.main_outputs[0]], 1: [self.main_outputs[1]]}
        index = 2
        for bus in self.buses:
            for port in bus.outputs:  # (FX and group buses have none)
                connections[index] = [port]
                index += 1
        for side, port in enumerate(self.solo_outputs):
            connections[index + side] = [port]
        return connections

    def output_label(self, port: str) -> str:
        """The panel label of a declared output port (the port name itself if undeclared)."""
        return next((p.label for p in self.outputs if p.port == port), port)

    @property
    def unused_outputs(self) -> tuple[str, ...]:
        """Declared outputs that neither main nor any bus feeds (free for the user to assign)."""
        used = {port for ports in self.output_connections().values() for port in ports}
        return tuple(p.port for p in self.outputs if p.port not in used)  # type: ignore[misc]


@dataclass(frozen=True)
class ProfileSummary:
    """A profile as listed: enough to choose one; ``error`` says why a broken file cannot be used."""

    id: str
    path: Path
    name: str = ""
    vendor: str = ""
    driver: str = ""
    error: str | None = None
