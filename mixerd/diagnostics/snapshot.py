"""One consistent look at the mixer for the diagnostics: the values, the meters, the ports, the health.

Everything the trace and the problem finder conclude is computed from a ``Snapshot``, so both are
plain functions of data (and tested as such), and the live monitor only decides when to take one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mixerd.model.address import owner_of
from mixerd.model.layout import Layout

FLOOR_DB = -120.0
HOLD_S = 2.0        # the engine's peak hold (mixerd/engine/meters.py HOLD_MS): how long a hold remembers
SIGNAL_DB = -60.0   # a peak (2 s hold) above this is a signal; below it, hiss at most
CLIP_DB = 0.0       # a peak at or above full scale clips (the meters count samples ≥ 1.0)
INPUT_CLIP_DB = -0.1  # a converter clips at full scale: what arrives this hot was clipped on the way in


@dataclass(frozen=True)
class Level:
    """A meter point's reading (the loudest side of a stereo point)."""

    peak: float
    hold: float
    rms: float
    clips: int = 0

    @property
    def signal(self) -> bool:
        return self.hold > SIGNAL_DB

    @property
    def clipping(self) -> bool:
        return self.hold >= CLIP_DB

    def to_dict(self) -> dict[str, float]:
        return {"peak": self.peak, "hold": self.hold, "rms": self.rms, "clips": self.clips}


SILENT = Level(FLOOR_DB, FLOOR_DB, FLOOR_DB)


@dataclass(frozen=True)
class Snapshot:
    """The mixer at one moment, as the diagnostics read it."""

    layout: Layout
    values: Mapping[str, Any]
    meters: Mapping[str, Mapping[str, Any]]   # meter point → the engine's reading
    ports: Mapping[str, list[dict[str, Any]]]  # "ch/N" | "main" | "bus/B" | "solo" → [{"port", "connections"}]
    health: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0
    #: strips (``ch/N``, ``bus/B``, ``main``) changed within the last HOLD_S: their holds still remember
    #: levels from before the change, so their current peak stands in for the hold
    settling: frozenset[str] = frozenset()

    def level(self, point: str) -> Level | None:
        """The reading of ``point`` (e.g. ``ch/3/input``), None when the engine has no such meter."""
        m = self.meters.get(point)
        if not m:
            return None
        peak = max(m["peak"])
        hold = peak if owner_of(point) in self.settling else max(m["hold"])
        return Level(peak, hold, max(m["rms"]), int(sum(m.get("clips", (0,)))))

    def level_or_silent(self, point: str) -> Level:
        return self.level(point) or SILENT

    @property
    def ports_known(self) -> bool:
        """Whether the audio driver reported its ports (not offline, not between JACK restarts)."""
        return bool(self.ports)

    def port_list(self, owner: str) -> list[dict[str, Any]]:
        return list(self.ports.get(owner, ()))

    def unconnected_ports(self, owner: str) -> list[str]:
        """Full names of ``owner``'s ports that connect to nothing."""
        return [p["port"] for p in self.port_list(owner) if not p["connections"]]

    def generators_into(self, target: str) -> list[str]:
        """The running generators (``gen/K``) that feed ``target`` (``ch/N`` or ``bus/B``)."""
        out = []
        for k in range(1, self.layout.generators + 1):
            g = f"gen/{k}/"
            if self.values.get(g + "on") and self.values.get(g + "target") == target and self.values[g + "level"] > -90:
                out.append(f"gen/{k}")
        return out


def take(control) -> Snapshot:
    """A snapshot of ``control`` (a Control) and the engine behind it."""
    seq, values = control.state()
    meters = control.meters().get("points", {})
    return Snapshot(control.tree.layout, values, meters, control.ports(), control.health(), seq)
