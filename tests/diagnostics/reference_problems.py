"""The problem finder as it was before it worked on changes (mixerd/diagnostics/problems.py at dbbce10, the
checks of every stage written out over a ``Snapshot``, re-deriving every routing fact), with the live
monitor's settling as it was: the reference that ``problems.find`` and the live ``watch.Watcher`` must
agree with, problem for problem and word for word (test_finder_equivalence.py). Not used by mixerd.

A change to what the finder reports is made in mixerd/diagnostics/problems.py and here alike. Not here on
purpose: ``mix_source_cut``, which depends on what a mix had before (``problems.CutSources``), not on one
snapshot; test_finder_equivalence.py holds it to a ``CutSources`` fed at every look instead."""

from __future__ import annotations


from mixerd.diagnostics.problems import HEADROOM_DB, MAIN_HEADROOM_DB, TARGET_DB, Problem
from mixerd.diagnostics.snapshot import HOLD_S, INPUT_CLIP_DB, Snapshot
from mixerd.model.address import owner_of
from mixerd.model.routing import CLOSED_DB, channel_level, fx_return_targets, main_paths, send_level_db


def _some(items: list[str], most: int = 4) -> str:
    """``a, b, c`` — or the first ``most`` and an ellipsis."""
    return ", ".join(items[:most]) + ("…" if len(items) > most else "")


def _db(value: float) -> str:
    return f"{value:+.1f} dB"


def _dbfs(value: float) -> str:
    return "silence" if value <= -119 else f"{value:.1f} dBFS"


def find(snap: Snapshot, recent_xruns: int = 0) -> list[Problem]:
    """Every problem in ``snap``, channels first, then buses, the main and the audio engine.
    ``recent_xruns``: xruns counted over the monitor's recent window."""
    out: list[Problem] = []
    for n in range(1, snap.layout.n_inputs + 1):
        out += _channel(snap, n)
    for b in range(1, snap.layout.n_buses + 1):
        out += _bus(snap, b)
    out += _main(snap)
    out += _solo(snap)
    if recent_xruns:
        out.append(Problem("xruns", "audio", f"{recent_xruns} audio dropout(s) (xruns) just now: JACK's cycle was "
                           "not finished in time, which is heard as clicks",
                           "close other programs, raise the JACK period (the profile's [jack] period) or run jackd "
                           "with realtime priority", details={"recent": recent_xruns}))
    return out


# -- channels ------------------------------------------------------------------------------------------

def channel_in_use(snap: Snapshot, n: int) -> bool:
    """Whether channel ``n`` is set up to be heard somewhere: the main or an open send."""
    lay, v = snap.layout, snap.values
    return bool(main_paths(v, lay, n)) or any(send_level_db(v, lay, n, b) is not None
                                              for b in range(1, lay.n_buses + 1))


def insert_blocks(values, n: int) -> list[tuple[str, list[str]]]:
    """The channel's inserts as metered: ``[(meter point, [inserts in it])]`` in signal order. The HPF
    runs first in either order; the insert1 meter sits between the EQ and the dynamics."""
    if values[f"ch/{n}/order"] == "dyn>eq":
        return [(f"ch/{n}/insert1", ["hpf", "gate", "dyn"]), (f"ch/{n}/inserts", ["eq"])]
    return [(f"ch/{n}/insert1", ["hpf", "eq"]), (f"ch/{n}/inserts", ["gate", "dyn"])]


def _channel(snap: Snapshot, n: int) -> list[Problem]:
    v, lay = snap.values, snap.layout
    ch = f"ch/{n}"
    name = f"{ch} ({v[ch + '/name']})"
    in_use = channel_in_use(snap, n)
    trim = v[ch + "/trim"]
    post_trim = snap.level_or_silent(ch + "/input")
    fed_by_gen = bool(snap.generators_into(ch))
    out: list[Problem] = []

    if in_use and snap.ports_known and not fed_by_gen and not post_trim.signal:
        ports = snap.port_list(ch)
        if ports and not any(p["connections"] for p in ports):
            return [Problem("input_port_unconnected", ch, f"{name}: nothing is connected to its input port "
                            f"{ports[0]['port']}", "connect the source to the port (the profile's [[input]] port, "
                            "or jack_connect)", stage="input", details={"port": ports[0]["port"]})]
    if in_use and not post_trim.signal:
        return [Problem("no_input_signal", ch, f"{name}: no signal at the input ({_dbfs(post_trim.hold)})",
                        "check the source: is it plugged in, switched on, phantom power, the interface's gain; "
                        "or mute the channel if it is not used", fix_address=ch + "/trim", stage="input",
                        details={"hold": post_trim.hold})]
    if not post_trim.signal:
        return []  # an unused, silent channel: nothing to say

    arriving = post_trim.hold - trim
    if arriving >= INPUT_CLIP_DB:
        out.append(Problem("input_clipping", ch, f"{name}: the signal arrives at full scale ({_dbfs(arriving)} before "
                           "the trim): it was clipped at the interface or the source",
                           "turn down the interface's input gain (or the source); the trim cannot undo it",
                           stage="input", details={"arriving": round(arriving, 2)}))
    else:
        clip = _first_clipping_stage(snap, n)
        if clip is not None:
            out.append(clip)
        elif post_trim.hold > HEADROOM_DB:
            out.append(Problem("low_headroom", ch, f"{name}: peaks at {_dbfs(post_trim.hold)} after the trim, "
                               f"less than {-HEADROOM_DB:.0f} dB from clipping",
                               f"lower the trim by about {post_trim.hold - TARGET_DB:.0f} dB (peaks around "
                               f"{TARGET_DB:.0f} dBFS), or run the gain-staging assistant",
                               fix_address=ch + "/trim", stage="trim", details={"hold": post_trim.hold}))

    level = channel_level(v, lay, n)
    if level.muted:
        out.append(Problem("muted", ch, f"{name}: there is signal but the channel is muted (by "
                           f"{', '.join(level.muted_by)})", f"unmute {level.muted_by[0]}",
                           fix_address=level.muted_by[0], stage="mute"))
        return out
    if level.closed:
        out.append(Problem("fader_closed", ch, f"{name}: there is signal but its fader is closed ({', '.join(level.closed_by)})",
                           f"raise {level.closed_by[0]}", fix_address=level.closed_by[0], stage="fader"))
        # pre-fader sends still carry it: routing is still worth checking
    paths = main_paths(v, lay, n)
    sends = [b for b in range(1, lay.n_buses + 1) if send_level_db(v, lay, n, b) is not None]
    if not paths and not sends:
        out.append(Problem("not_routed", ch, f"{name}: has signal but is assigned to no bus and not to the main",
                           "assign it to the main, or open a send to a mix", fix_address=ch + "/main",
                           stage="main"))
    if len(paths) > 1:
        via = " and ".join("directly" if p == "direct" else f"through {p} ({v[p + '/name']})" for p in paths)
        fix_at = next(p for p in paths if p != "direct")
        out.append(Problem("double_routed", ch, f"{name}: reaches the main {via}: it is summed twice (louder, and "
                           "comb-filtered if the paths differ)",
                           f"take it off the main ({ch}/main) or out of the group ({ch}/send/{fix_at.split('/')[1]}/on)",
                           fix_address=ch + "/main", stage="main", details={"paths": paths}))
    out += _hot_sends(snap, n, level.fader_db, bool(paths))
    return out


def _first_clipping_stage(snap: Snapshot, n: int) -> Problem | None:
    """The first metered stage of channel ``n`` at full scale: trim, an insert block, the fader."""
    v = snap.values
    ch = f"ch/{n}"
    name = f"{ch} ({v[ch + '/name']})"
    stages: list[tuple[str, str, str, str]] = [(ch + "/input", "trim", ch + "/trim", "lower the trim")]
    for point, inserts in insert_blocks(v, n):
        active = [i for i in inserts if v[f"{ch}/{i}/on"]]
        if not active:
            continue
        stage = active[-1] if len(active) == 1 else "+".join(active)
        if "eq" in active:
            fix, fix_address = "reduce the EQ boost", ch + "/eq/on"
            boosts = [(v[f"{ch}/eq/{k}/gain"], k) for k in range(1, 5) if v[f"{ch}/eq/{k}/gain"] > 0]
            if boosts:
                gain, band = max(boosts)
                fix, fix_address = f"reduce the EQ boost (band {band}: {_db(gain)})", f"{ch}/eq/{band}/gain"
            stage = "eq"
        else:
            fix, fix_address = "lower the compressor's make-up gain", ch + "/dyn/makeup"
            stage = "dyn" if "dyn" in active else active[-1]
        stages.append((point, stage, fix_address, fix))
    stages.append((ch + "/post", "fader", ch + "/fader", "pull the fader down"))
    for point, stage, fix_address, fix in stages:
        lvl = snap.level_or_silent(point)
        if lvl.clipping:
            return Problem("clipping_at_stage", ch, f"{name}: clips first at the {stage} (peak {_dbfs(lvl.hold)})",
                           fix, fix_address=fix_address, stage=stage, details={"meter": point, "hold": lvl.hold})
    return None


def _hot_sends(snap: Snapshot, n: int, fader_db: float, reaches_main: bool) -> list[Problem]:
    """FX sends whose wet path into the main is louder than the channel's dry path."""
    v, lay = snap.values, snap.layout
    ch = f"ch/{n}"
    if not reaches_main or fader_db <= CLOSED_DB:
        return []
    out = []
    for b, bus in enumerate(lay.buses, start=1):
        send = send_level_db(v, lay, n, b)
        if not bus.is_fx or send is None or v[f"bus/{b}/mute"] or v[f"bus/{b}/fader"] <= CLOSED_DB:
            continue
        ret = fx_return_targets(v, lay, b).get("main")
        if ret is None:
            continue
        wet = send + (0.0 if v[f"{ch}/send/{b}/pre"] else fader_db) + v[f"bus/{b}/fader"] + ret
        if wet > fader_db:
            out.append(Problem("send_too_hot", ch, f"{ch} ({v[ch + '/name']}): the {v[f'bus/{b}/name']} send "
                               f"({_db(send)}, return {_db(ret)}) puts {_db(wet - fader_db)} more into the main "
                               "than the dry signal", f"lower {ch}/send/{b}/level (or the return)",
                               fix_address=f"{ch}/send/{b}/level", stage="sends",
                               details={"bus": f"bus/{b}", "wet_db": round(wet, 1), "dry_db": round(fader_db, 1)}))
    return out


# -- buses, main, solo ---------------------------------------------------------------------------------

def bus_sources(snap: Snapshot, b: int) -> list[str]:
    """What feeds bus ``b`` with signal now: channels (an open send, unmuted, with signal at the tap),
    FX returns (``bus/F``) and generators (``gen/K``)."""
    v, lay = snap.values, snap.layout
    out = []
    for n in range(1, lay.n_inputs + 1):
        if send_level_db(v, lay, n, b) is None:
            continue
        level = channel_level(v, lay, n)
        pre = v[f"ch/{n}/send/{b}/pre"] and not lay.buses[b - 1].is_group
        if level.muted or (not pre and level.closed):
            continue
        if snap.level_or_silent(f"ch/{n}/inserts").signal:
            out.append(f"ch/{n}")
    for f, bus in enumerate(lay.buses, start=1):
        if bus.is_fx and f"bus/{b}" in fx_return_targets(v, lay, f) and snap.level_or_silent(f"bus/{f}").signal:
            out.append(f"bus/{f}")
    return out + snap.generators_into(f"bus/{b}")


def _bus(snap: Snapshot, b: int) -> list[Problem]:
    v, lay = snap.values, snap.layout
    bus = lay.buses[b - 1]
    addr = f"bus/{b}"
    name = f"{addr} ({v[addr + '/name']})"
    sources = bus_sources(snap, b)
    out: list[Problem] = []
    if not sources:
        return out
    if v[addr + "/mute"]:
        return [Problem("muted", addr, f"{name}: is fed ({_some(sources)}) but muted", f"unmute {addr}",
                        fix_address=addr + "/mute", stage="fader")]
    if v[addr + "/fader"] <= CLOSED_DB:
        return [Problem("fader_closed", addr, f"{name}: is fed ({_some(sources)}) but its fader is closed",
                        f"raise {addr}/fader", fix_address=addr + "/fader", stage="fader")]
    level = snap.level_or_silent(addr)
    if level.clipping:
        out.append(Problem("clipping_at_stage", addr, f"{name}: clips (peak {_dbfs(level.hold)})",
                           "lower the sends into it or its fader", fix_address=addr + "/fader", stage="bus",
                           details={"meter": addr, "hold": level.hold}))
    if bus.is_group and not v[addr + "/main"]:
        out.append(Problem("bus_not_reaching_output", addr, f"{name}: a group that is fed but not assigned to the main",
                           f"assign it to the main ({addr}/main)", fix_address=addr + "/main", stage="main"))
    elif bus.is_fx and not fx_return_targets(v, lay, b):
        out.append(Problem("bus_not_reaching_output", addr, f"{name}: an effect that is fed but returns to nothing",
                           f"open its return into the main ({addr}/return/main/level) or a mix",
                           fix_address=addr + "/return/main/level", stage="returns"))
    elif bus.is_aux and snap.ports_known:
        loose = snap.unconnected_ports(addr)
        if loose and len(loose) == len(snap.port_list(addr)):
            out.append(_unconnected(addr, name, loose))
    return out


def _unconnected(addr: str, name: str, ports: list[str]) -> Problem:
    return Problem("output_port_unconnected", addr, f"{name}: {', '.join(ports)} connected to nothing: nobody hears it",
                   "connect the port to an interface output (the profile's [[output]] mix, or jack_connect)",
                   stage="outputs", details={"ports": ports})


def main_sources(snap: Snapshot) -> list[str]:
    """What feeds the main with signal now: channels, groups, FX returns."""
    v, lay = snap.values, snap.layout
    out = []
    for n in range(1, lay.n_inputs + 1):
        level = channel_level(v, lay, n)
        if v[f"ch/{n}/main"] and not level.muted and not level.closed and snap.level_or_silent(f"ch/{n}/post").signal:
            out.append(f"ch/{n}")
    for b, bus in enumerate(lay.buses, start=1):
        fed = snap.level_or_silent(f"bus/{b}").signal
        if fed and ((bus.is_group and v[f"bus/{b}/main"]) or (bus.is_fx and "main" in fx_return_targets(v, lay, b))):
            out.append(f"bus/{b}")
    return out + snap.generators_into("main")


def _main(snap: Snapshot) -> list[Problem]:
    v = snap.values
    out: list[Problem] = []
    if snap.ports_known:
        loose = snap.unconnected_ports("main")
        if loose:
            out.append(_unconnected("main", "main", loose))
    sources = main_sources(snap)
    if not sources:
        return out
    if v["main/mute"]:
        return out + [Problem("muted", "main", f"main: is fed ({_some(sources)}) but muted", "unmute main/mute",
                              fix_address="main/mute", stage="fader")]
    if v["main/fader"] <= CLOSED_DB:
        return out + [Problem("fader_closed", "main", "main: is fed but its fader is closed", "raise main/fader",
                              fix_address="main/fader", stage="fader")]
    level = snap.level_or_silent("main")
    if level.clipping:
        out.append(Problem("main_clipping", "main", f"main: goes over full scale (peak {_dbfs(level.hold)}): the "
                           "outputs clip", "pull main/fader down, lower the loudest channels, or switch the main limiter on",
                           fix_address="main/fader", stage="main", details={"hold": level.hold}))
    elif level.hold > MAIN_HEADROOM_DB:
        out.append(Problem("low_headroom", "main", f"main: peaks at {_dbfs(level.hold)}, less than "
                           f"{-MAIN_HEADROOM_DB:.0f} dB from clipping", "pull main/fader down a few dB",
                           fix_address="main/fader", stage="main", details={"hold": level.hold}))
    return out


def _solo(snap: Snapshot) -> list[Problem]:
    v, lay = snap.values, snap.layout
    soloed = any(v[f"ch/{n}/solo"] for n in range(1, lay.n_inputs + 1)) or any(
        v[f"bus/{b}/solo"] for b in range(1, lay.n_buses + 1))
    if not soloed or not snap.ports_known:
        return []
    loose = snap.unconnected_ports("solo")
    return [_unconnected("solo", "solo (the listen output)", loose)] if loose else []


class Settling:
    """The live monitor's settling as it was: at every look, the strips with a value that differs from the
    last look's, kept for the meters' hold window."""

    def __init__(self):
        self._values = {}
        self._changed: dict[str, float] = {}

    def __call__(self, values, now: float) -> frozenset[str]:
        before, self._values = self._values, values
        if before:
            for address, value in values.items():
                if before.get(address, value) != value:
                    self._changed[owner_of(address)] = now
        for owner in [o for o, t in self._changed.items() if now - t >= HOLD_S]:
            del self._changed[owner]
        return frozenset(self._changed)
