"""Where a channel's signal goes, read from the parameter values alone: its effective fader and mute
(with DCAs and mute groups), its open sends, the paths by which it reaches the main.

The engine turns these facts into gains; the diagnostics explain them to the user. Both read them
from here so they can never disagree about what "muted" or "reaches the main" means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mixerd.model.layout import Layout

CLOSED_DB = -90.0  # a fader, send or level at or below this is fully closed (−∞)


@dataclass(frozen=True)
class ChannelLevel:
    """A channel's fader and mute as the audio applies them."""

    fader_db: float               # the channel fader plus its DCAs' faders; CLOSED_DB when closed
    muted: bool
    muted_by: tuple[str, ...]     # the addresses that mute it (ch/N/mute, dca/D/mute, mutegroup/G/on)
    closed_by: tuple[str, ...]    # the faders that close it (ch/N/fader, dca/D/fader)

    @property
    def closed(self) -> bool:
        return self.fader_db <= CLOSED_DB


def channel_level(values: Mapping[str, Any], layout: Layout, n: int) -> ChannelLevel:
    """Channel ``n``'s effective fader and mute: its DCAs add their faders (a closed DCA closes it),
    a muted DCA or an engaged mute group mutes it."""
    p = f"ch/{n}/"
    fader = values[p + "fader"]
    muted_by = [p + "mute"] if values[p + "mute"] else []
    closed_by = [p + "fader"] if fader <= CLOSED_DB else []
    for d in range(1, layout.dcas + 1):
        if values[f"{p}dca/{d}"]:
            if values[f"dca/{d}/fader"] <= CLOSED_DB:
                fader = CLOSED_DB
                closed_by.append(f"dca/{d}/fader")
            else:
                fader += values[f"dca/{d}/fader"]
            if values[f"dca/{d}/mute"]:
                muted_by.append(f"dca/{d}/mute")
    for g in range(1, layout.mute_groups + 1):
        if values[f"{p}mutegroup/{g}"] and values[f"mutegroup/{g}/on"]:
            muted_by.append(f"mutegroup/{g}/on")
    if fader <= CLOSED_DB and not closed_by:  # DCAs pulled it all the way down
        closed_by = [f"dca/{d}/fader" for d in range(1, layout.dcas + 1) if values[f"{p}dca/{d}"]]
    return ChannelLevel(CLOSED_DB if closed_by else fader, bool(muted_by), tuple(muted_by), tuple(closed_by))


def send_level_db(values: Mapping[str, Any], layout: Layout, n: int, b: int) -> float | None:
    """The level (dB) channel ``n`` sends to bus ``b`` at, "more me" included; None when the send is
    off or closed. A group bus's send is its assignment: switched on means assigned at unity."""
    p = f"ch/{n}/send/{b}/"
    bus = layout.buses[b - 1]
    if not values[p + "on"] or values[p + "level"] <= CLOSED_DB:
        return None
    level = values[p + "level"]
    if bus.is_aux and values.get(p + "me"):
        level += values[f"bus/{b}/moreme"]
    return level


def send_is_pre(values: Mapping[str, Any], layout: Layout, n: int, b: int) -> bool:
    """Whether channel ``n``'s send to bus ``b`` is taken before the fader (a group's never is)."""
    return bool(values[f"ch/{n}/send/{b}/pre"]) and not layout.buses[b - 1].is_group


def send_stops(values: Mapping[str, Any], layout: Layout, n: int, b: int) -> list[str]:
    """The controls that keep channel ``n``'s signal out of bus ``b``, in signal order: what mutes it (a mute
    stops pre-fader sends too), what closes it when the send is post-fader, the send switched off, the send at
    −∞. Empty when the channel feeds the bus (given a signal)."""
    level = channel_level(values, layout, n)
    p = f"ch/{n}/send/{b}/"
    stops = list(level.muted_by)
    if level.closed and not send_is_pre(values, layout, n, b):
        stops += level.closed_by
    if not values[p + "on"]:
        stops.append(p + "on")
    if values[p + "level"] <= CLOSED_DB:
        stops.append(p + "level")
    return stops


def main_stops(values: Mapping[str, Any], layout: Layout, n: int) -> list[str]:
    """The controls that keep channel ``n``'s signal out of the main, in signal order: what mutes it, what
    closes its fader, and ``ch/N/main`` when it reaches the main by no path (``main_paths``)."""
    level = channel_level(values, layout, n)
    stops = [*level.muted_by, *level.closed_by]
    if not main_paths(values, layout, n):
        stops.append(f"ch/{n}/main")
    return stops


def main_paths(values: Mapping[str, Any], layout: Layout, n: int) -> list[str]:
    """The ways channel ``n`` reaches the main: ``"direct"`` (assigned to the main) and each group bus
    ``"bus/G"`` it is sent to that feeds the main. Two or more paths sum the channel twice."""
    paths = ["direct"] if values[f"ch/{n}/main"] else []
    for b, bus in enumerate(layout.buses, start=1):
        if bus.is_group and values[f"bus/{b}/main"] and send_level_db(values, layout, n, b) is not None:
            paths.append(f"bus/{b}")
    return paths


def fx_return_targets(values: Mapping[str, Any], layout: Layout, b: int) -> dict[str, float]:
    """Where FX bus ``b``'s return goes: ``{"main" | "bus/T": level dB}`` for every open return."""
    out = {}
    for key in ["main", *(str(t) for t in range(1, layout.n_buses + 1))]:
        level = values.get(f"bus/{b}/return/{key}/level")
        if level is not None and level > CLOSED_DB:
            out["main" if key == "main" else f"bus/{key}"] = level
    return out


@dataclass(frozen=True)
class Talkback:
    """Talkback as the audio applies it: ``source`` (a channel number) talks into ``buses`` (aux bus numbers)
    and, with ``main``, the main, at ``level_db``; the rest of each mix talked to is turned down by ``dim_db``.
    Inactive (``source`` None) while no talk button with a destination is on or no source is set."""

    source: int | None = None
    buses: frozenset[int] = frozenset()
    main: bool = False
    level_db: float = 0.0
    dim_db: float = 0.0

    @property
    def active(self) -> bool:
        return self.source is not None

    def dims(self, target: int | str) -> bool:
        """Whether the mix ``target`` (an aux bus number, or ``"main"``) is talked to now."""
        return self.active and (self.main if target == "main" else target in self.buses)


NO_TALKBACK = Talkback()


def talkback(values: Mapping[str, Any], layout: Layout) -> Talkback:
    """Who talks to which mixes now: the union of the destinations of every talk button that is on."""
    source = values.get("talkback/source", "none")
    if source == "none":
        return NO_TALKBACK
    buses, main = set(), False
    t = 1
    while f"talkback/{t}/on" in values:
        if values[f"talkback/{t}/on"]:
            main = main or values[f"talkback/{t}/to/main"]
            buses.update(b for b, bus in enumerate(layout.buses, start=1)
                         if bus.is_aux and values[f"talkback/{t}/to/{b}"])
        t += 1
    if not buses and not main:
        return NO_TALKBACK
    return Talkback(int(source.split("/")[1]), frozenset(buses), main, values["talkback/level"],
                    values["talkback/dim"])
