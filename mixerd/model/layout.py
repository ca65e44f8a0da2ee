"""The shape of a mixer: how many input channels, which buses (mono or stereo), how many generators.

The layout is decided once at start-up from the hardware profile and the config; the parameter tree,
the engine and the JACK ports are all built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BUS_KINDS = ("aux", "fx", "group")


@dataclass(frozen=True)
class BusLayout:
    """One bus: its default name, whether it is stereo, and what kind of bus it is."""

    name: str
    stereo: bool = False
    kind: str = "aux"

    @property
    def width(self) -> int:
        """Number of audio channels the bus carries (1 or 2)."""
        return 2 if self.stereo else 1


@dataclass(frozen=True)
class Layout:
    """Channels (by default name), buses and generator count of one mixer."""

    inputs: tuple[str, ...]
    buses: tuple[BusLayout, ...] = field(default_factory=tuple)
    generators: int = 4

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
        """Audio output channels of the core: main L and R, then every bus channel in bus order."""
        return 2 + sum(self.bus_widths)

    def to_dict(self) -> dict:
        """JSON-ready ``{"inputs": [...], "buses": [{"name", "stereo", "kind"}], "generators": n}``."""
        return {
            "inputs": list(self.inputs),
            "buses": [{"name": b.name, "stereo": b.stereo, "kind": b.kind} for b in self.buses],
            "generators": self.generators,
        }

    def bus_output_offset(self, bus: int) -> int:
        """Index of the first core output channel of bus ``bus`` (1-based bus number)."""
        return 2 + sum(self.bus_widths[: bus - 1])

    @classmethod
    def simple(cls, n_inputs: int, n_buses: int, stereo_buses: int = 0, generators: int = 4) -> "Layout":
        """A layout with ``n_inputs`` channels and ``n_buses`` aux buses, the last ``stereo_buses`` stereo."""
        buses = tuple(
            BusLayout(name=f"Mix {b + 1}", stereo=b >= n_buses - stereo_buses) for b in range(n_buses)
        )
        return cls(inputs=tuple(f"Ch {n + 1}" for n in range(n_inputs)), buses=buses, generators=generators)
