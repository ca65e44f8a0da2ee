"""The shape of a mixer: how many input channels, which buses (mono or stereo), how many generators.

The layout is decided once at start-up from the hardware profile and the config; the parameter tree,
the engine and the JACK ports are all built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

BUS_KINDS = ("aux", "fx", "group")
FX_EFFECTS = ("reverb", "delay")


@dataclass(frozen=True)
class BusLayout:
    """One bus: its default name, whether it is stereo, and what kind of bus it is.

    An ``fx`` bus takes a mono sum of sends into its effect (default ``effect``) and returns a stereo
    result to the main and the aux buses; a ``group`` bus sums its channels into the main. Neither has
    an output port of its own.
    """

    name: str
    stereo: bool = False
    kind: str = "aux"
    effect: str = "reverb"

    @property
    def is_fx(self) -> bool:
        return self.kind == "fx"

    @property
    def is_aux(self) -> bool:
        """An aux (monitor) mix: the only kind of bus with output ports of its own."""
        return self.kind == "aux"

    @property
    def is_group(self) -> bool:
        """A group bus (subgroup): channels sent to it are summed, processed and fed to the main."""
        return self.kind == "group"

    @property
    def width(self) -> int:
        """Audio channels the bus puts out (1 or 2; an FX bus is stereo)."""
        return 2 if self.stereo or self.is_fx else 1

    @property
    def in_width(self) -> int:
        """Send-matrix rows feeding the bus: 1 for mono and FX buses, 2 for stereo."""
        return 1 if self.is_fx else self.width


@dataclass(frozen=True)
class Layout:
    """Channels (by default name), buses and generator count of one mixer."""

    inputs: tuple[str, ...]
    buses: tuple[BusLayout, ...] = field(default_factory=tuple)
    generators: int = 4
    dcas: int = 8          # DCA groups: a DCA fader offsets its member channels' faders
    mute_groups: int = 6   # mute groups: engaging one mutes every member channel

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def n_buses(self) -> int:
        return len(self.buses)

    @property
    def bus_widths(self) -> tuple[int, ...]:
        return tuple(b.width for b in self.buses)

    @property
    def n_outputs(self) -> int:
        """Output ports of the core: main L and R, every channel of every aux bus in bus order, then
        solo L and R (the engineer's listen output)."""
        return 2 + sum(b.width for b in self.buses if b.is_aux) + 2

    @property
    def solo_output_offset(self) -> int:
        """Index of the solo bus's L output port (R follows)."""
        return self.n_outputs - 2

    @property
    def solo_master_index(self) -> int:
        """Master gain index of solo L (R follows): after the main and every bus side."""
        return 2 + sum(self.bus_widths)

    def to_dict(self) -> dict:
        """JSON-ready ``{"inputs": [...], "buses": [{"name", "stereo", "kind", "width"}], "generators": n}``."""
        buses = []
        for b in self.buses:
            bus = {"name": b.name, "stereo": b.width == 2, "kind": b.kind, "width": b.width}
            if b.is_fx:
                bus["effect"] = b.effect
            buses.append(bus)
        return {"inputs": list(self.inputs), "buses": buses, "generators": self.generators}

    def bus_output_offset(self, bus: int) -> int:
        """Index of the first output port of bus ``bus`` (1-based; aux buses only, the others have none)."""
        return 2 + sum(b.width for b in self.buses[: bus - 1] if b.is_aux)

    def send_row(self, bus: int) -> int:
        """First send-matrix row of bus ``bus`` (1-based)."""
        return sum(b.in_width for b in self.buses[: bus - 1])

    def master_index(self, bus: int) -> int:
        """First master gain (fader/mute/balance per side) of bus ``bus``; 0 and 1 are the main."""
        return 2 + sum(self.bus_widths[: bus - 1])

    def with_fx(self, effects) -> "Layout":
        """This layout plus one FX bus per effect name (e.g. ``("reverb", "delay")``)."""
        fx = tuple(BusLayout(name=e.capitalize(), kind="fx", effect=e) for e in effects)
        return replace(self, buses=self.buses + fx)

    @classmethod
    def simple(cls, n_inputs: int, n_buses: int, stereo_buses: int = 0, generators: int = 4,
               fx: tuple[str, ...] = ()) -> "Layout":
        """``n_inputs`` channels, ``n_buses`` aux buses (the last ``stereo_buses`` stereo), then FX buses."""
        buses = tuple(
            BusLayout(name=f"Mix {b + 1}", stereo=b >= n_buses - stereo_buses) for b in range(n_buses)
        )
        layout = cls(inputs=tuple(f"Ch {n + 1}" for n in range(n_inputs)), buses=buses, generators=generators)
        return layout.with_fx(fx)
