"""The signal-flow trace: the ordered stages a channel's signal passes, with the live level and the state
at each, down to the output ports; for a bus or the main, every source feeding it and with how much, and
(the listener's side) every channel that does not reach it, why, and the change that brings it back. A
channel's sends say the same from its side: why it does not reach a bus, and whether a mix lost it.

``trace(snapshot, address)`` is a plain function; stages carry the control that changes them
(``address``) so a client can link each one to its fader, switch or knob.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mixerd.diagnostics.problems import insert_blocks
from mixerd.diagnostics.reasons import bus_reasons, input_reason, main_reasons
from mixerd.diagnostics.snapshot import Snapshot
from mixerd.model.address import number_of, segments
from mixerd.model.errors import ParamError
from mixerd.model.routing import CLOSED_DB, channel_level, fx_return_targets, main_paths, send_is_pre, send_level_db
from mixerd.model.table import GEQ_FREQS

INSERT_LABELS = {"hpf": "High-pass filter", "eq": "EQ", "gate": "Gate", "dyn": "Compressor"}


def parse_owner(layout, address: str) -> str:
    """``ch/N``, ``bus/B`` or ``main`` from ``address`` (a trailing parameter is dropped: ``ch/3/fader``
    traces ``ch/3``); ParamError ``unknown_address`` otherwise."""
    parts = segments(address.strip("/"))
    if parts[0] == "main":
        return "main"
    if len(parts) >= 2 and parts[0] in ("ch", "bus") and parts[1].isdigit():
        n, top = int(parts[1]), layout.n_inputs if parts[0] == "ch" else layout.n_buses
        if 1 <= n <= top:
            return f"{parts[0]}/{n}"
    raise ParamError("unknown_address", f"cannot trace {address!r}: a trace starts at a channel, a bus or the main",
                     address=address, allowed=f"ch/1…ch/{layout.n_inputs}, bus/1…bus/{layout.n_buses}, main")


def trace(snap: Snapshot, address: str, problems: list[dict[str, Any]] | None = None,
          may_change: Callable[[str], bool] | None = None, links: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The trace of ``address`` (see ``parse_owner``). ``problems`` (the monitor's current list, as
    dicts) marks each stage with the problems found there; ``first_problem`` is the index of the first
    stage with one (None when the path is clean). A bus or the main also lists the channels ``missing``
    from it (None for a channel), each fix marked with whether the caller may make it (``may_change(address)``;
    None: any). A channel's sends carry the same ``reasons`` (why it does not reach that bus; empty: it does)
    and ``cut`` (the bus is a mix that had it and lost it: its ``mix_source_cut`` problem). ``links`` (the audio
    links' status, ``mixerd.links.Links.status()``): a channel a link receives says so at its input stage —
    the link, its stream's state, latency, buffer and dropouts."""
    owner = parse_owner(snap.layout, address)
    mine = [p for p in problems or () if p["address"] == owner]
    may = may_change or (lambda address: True)
    if owner.startswith("ch/"):
        cut_from = {p["address"] for p in problems or () if p["code"] == "mix_source_cut"
                    and any(s["address"] == owner for s in p["details"]["sources"])}
        out = _channel(snap, number_of(owner), cut_from, may)
        out["missing"] = None
        received = _received_by(links or (), owner)
        if received is not None:
            out["stages"][0]["state"]["link"] = received
    else:
        out = _bus(snap, owner)
        out["missing"] = _missing(snap, owner, mine, may)
    for stage in out["stages"]:
        stage["problems"] = [p["code"] for p in mine if p.get("stage") in stage["problem_stages"]]
        del stage["problem_stages"]
    placed = {c for s in out["stages"] for c in s["problems"]}
    if out["stages"]:  # a problem with no stage of its own shows on the last one
        out["stages"][-1]["problems"] += [p["code"] for p in mine if p["code"] not in placed]
    out["problems"] = mine
    out["first_problem"] = next((i for i, s in enumerate(out["stages"]) if s["problems"]), None)
    out["seq"] = snap.seq
    return out


def _stage(stage: str, label: str, address: str | None, state: dict[str, Any], meter: str | None, snap: Snapshot,
           passes: bool = True, problem_stages: tuple[str, ...] | None = None, **extra: Any) -> dict[str, Any]:
    lvl = snap.level(meter) if meter else None
    return {"stage": stage, "label": label, "address": address, "state": state, "meter": meter,
            "level": lvl.to_dict() if lvl else None, "passes": passes,
            "problem_stages": problem_stages or (stage,), **extra}


def _ports(snap: Snapshot, owner: str) -> list[dict[str, Any]]:
    return [{"port": p["port"], "connections": list(p["connections"])} for p in snap.port_list(owner)]


# -- a channel -----------------------------------------------------------------------------------------

def _received_by(links, owner: str) -> dict[str, Any] | None:
    """What the link that brings channel ``owner`` in says of its stream (None: no link brings it)."""
    for link in links:
        receive = link.get("receive")
        if receive and owner in receive["channels"]:
            return {"name": link["name"], "running": receive["running"], "state": receive["state"],
                    "from": receive["from"], "latency_ms": receive["latency_ms"], "buffer_ms": receive["buffer_ms"],
                    "dropouts": receive["dropouts"], "dropouts_last_minute": receive["dropouts_last_minute"]}
    return None


def _channel(snap: Snapshot, n: int, cut_from: set[str], may_change: Callable[[str], bool]) -> dict[str, Any]:
    v, lay = snap.values, snap.layout
    ch = f"ch/{n}"
    stages = []
    ports = _ports(snap, ch)
    gens = snap.generators_into(ch)
    connected = any(p["connections"] for p in ports) or bool(gens)
    stages.append(_stage("input", "Input", None, {"ports": ports, "generators": gens, "ports_known": snap.ports_known},
                         None, snap, passes=connected or not snap.ports_known))
    trim = v[ch + "/trim"]
    stages.append(_stage("trim", "Trim · polarity", ch + "/trim", {"trim": trim, "polarity": v[ch + "/polarity"]},
                         ch + "/input", snap))
    for point, inserts in insert_blocks(v, n):
        for i, ins in enumerate(inserts):
            last = i == len(inserts) - 1
            state = _insert_state(v, ch, ins)
            stages.append(_stage(ins, INSERT_LABELS[ins], f"{ch}/{ins}/on", state, point if last else None, snap,
                                 problem_stages=(ins, "+".join(inserts)) if last else (ins,)))
    level = channel_level(v, lay, n)
    stages.append(_stage("mute", "Mute", level.muted_by[0] if level.muted else ch + "/mute",
                         {"muted": level.muted, "muted_by": list(level.muted_by)}, None, snap, passes=not level.muted))
    dcas = [f"dca/{d}" for d in range(1, lay.dcas + 1) if v[f"{ch}/dca/{d}"]]
    stages.append(_stage("fader", "Fader", level.closed_by[0] if level.closed else ch + "/fader",
                         {"fader": v[ch + "/fader"], "effective": level.fader_db, "closed": level.closed, "dcas": dcas},
                         ch + "/post", snap, passes=not level.closed))
    sends = [_send(snap, n, b, f"bus/{b}" in cut_from, may_change) for b in range(1, lay.n_buses + 1)]
    stages.append(_stage("sends", "Sends", None, {"open": sum(s["open"] for s in sends)}, None, snap, sends=sends))
    paths = main_paths(v, lay, n)
    main_ok = not v["main/mute"] and v["main/fader"] > CLOSED_DB
    stages.append(_stage("main", "Main mix", ch + "/main",
                         {"assigned": v[ch + "/main"], "pan": v[ch + "/pan"], "paths": paths,
                          "main_fader": v["main/fader"], "main_muted": v["main/mute"]},
                         "main", snap, passes=bool(paths) and main_ok))
    stages.append(_stage("outputs", "Main outputs", None, {"ports": _ports(snap, "main")}, None, snap,
                         passes=not snap.unconnected_ports("main")))
    return {"address": ch, "kind": "channel", "name": v[ch + "/name"], "stages": stages}


def _insert_state(v, ch: str, ins: str) -> dict[str, Any]:
    p = f"{ch}/{ins}/"
    if ins == "hpf":
        return {"on": v[p + "on"], "freq": v[p + "freq"], "slope": v[p + "slope"]}
    if ins == "eq":
        bands = [{"band": k, "type": v[f"{p}{k}/type"], "freq": v[f"{p}{k}/freq"], "gain": v[f"{p}{k}/gain"]}
                 for k in range(1, 5)]
        return {"on": v[p + "on"], "bands": bands, "max_boost": max(0.0, *(b["gain"] for b in bands))}
    if ins == "gate":
        return {"on": v[p + "on"], "threshold": v[p + "threshold"], "range": v[p + "range"]}
    return {"on": v[p + "on"], "threshold": v[p + "threshold"], "ratio": v[p + "ratio"], "makeup": v[p + "makeup"]}


def _send(snap: Snapshot, n: int, b: int, cut: bool, may_change: Callable[[str], bool]) -> dict[str, Any]:
    """Channel ``n``'s send to bus ``b``: its state, the level it puts in, where the bus goes, and why the
    channel does not reach the bus (``reasons``, as in the bus's ``missing``; ``cut``: the mix lost it)."""
    v, lay = snap.values, snap.layout
    bus = lay.buses[b - 1]
    p = f"ch/{n}/send/{b}/"
    level = send_level_db(v, lay, n, b)
    pre = send_is_pre(v, lay, n, b)
    tap = snap.level(f"ch/{n}/inserts" if pre else f"ch/{n}/post")
    muted = channel_level(v, lay, n).muted
    into = None
    if level is not None and tap is not None and tap.signal and not muted:
        into = round(tap.hold + level, 1)
    reasons = [r.to_dict(v[f"ch/{n}/name"]) for r in bus_reasons(v, lay, n, b)]
    for reason in reasons:
        _mark(reason, may_change)
    return {"bus": f"bus/{b}", "name": v[f"bus/{b}/name"], "kind": bus.kind, "address": p + ("on" if bus.is_group else "level"),
            "open": level is not None, "on": v[p + "on"], "level": v[p + "level"], "pre": pre,
            "into_bus_db": into, "bus_level": _level(snap, f"bus/{b}"), "reaches": _reaches(snap, b),
            "reasons": reasons, "cut": cut}


def _level(snap: Snapshot, point: str) -> dict[str, Any] | None:
    lvl = snap.level(point)
    return lvl.to_dict() if lvl else None


def _reaches(snap: Snapshot, b: int) -> dict[str, Any]:
    """Where bus ``b`` goes: its ports (aux), its returns (FX) or the main (group)."""
    v, lay = snap.values, snap.layout
    bus = lay.buses[b - 1]
    stopped = v[f"bus/{b}/mute"] or v[f"bus/{b}/fader"] <= CLOSED_DB
    if bus.is_aux:
        ports = _ports(snap, f"bus/{b}")
        return {"ports": ports, "ok": not stopped and (not snap.ports_known or any(p["connections"] for p in ports))}
    if bus.is_fx:
        returns = fx_return_targets(v, lay, b)
        return {"returns": returns, "ok": not stopped and bool(returns)}
    return {"main": v[f"bus/{b}/main"], "ok": not stopped and v[f"bus/{b}/main"]}


# -- a bus or the main ---------------------------------------------------------------------------------

def _bus(snap: Snapshot, owner: str) -> dict[str, Any]:
    v, lay = snap.values, snap.layout
    sources = _sources(snap, owner)
    stages = [_stage("sources", "Sources", None, {"count": sum(1 for s in sources if s["level_db"] is not None)},
                     None, snap, passes=any(s["signal"] for s in sources), sources=sources)]
    if owner == "main":
        kind, name, b = "main", "Main", None
    else:
        b = number_of(owner)
        kind, name = lay.buses[b - 1].kind, v[owner + "/name"]
    if kind == "fx":
        stages.append(_stage("effect", "Effect", owner + "/fx/type", {"type": v[owner + "/fx/type"]}, None, snap))
    if owner + "/eq/on" in v:
        stages.append(_stage("eq", "EQ", owner + "/eq/on", {"on": v[owner + "/eq/on"]}, None, snap))
    if owner + "/geq/on" in v:
        stages.append(_stage("geq", "Graphic EQ", owner + "/geq/on", _geq_state(v, owner), None, snap))
    stopped = v[owner + "/mute"] or v[owner + "/fader"] <= CLOSED_DB
    stages.append(_stage("fader", "Fader · mute", owner + ("/mute" if v[owner + "/mute"] else "/fader"),
                         {"fader": v[owner + "/fader"], "muted": v[owner + "/mute"]}, None, snap, passes=not stopped))
    stages.append(_stage("limiter", "Limiter", owner + "/limiter/on",
                         {"on": v[owner + "/limiter/on"], "threshold": v[owner + "/limiter/threshold"]}, owner, snap,
                         problem_stages=("limiter", "bus", "main")))
    if owner + "/delay" in v:  # the last thing before the output ports
        stages.append(_stage("delay", "Output delay", owner + "/delay", {"ms": v[owner + "/delay"]}, None, snap))
    if kind == "fx":
        returns = fx_return_targets(v, lay, b)
        stages.append(_stage("returns", "Returns", owner + "/return/main/level", {"returns": returns}, None, snap,
                             passes=bool(returns)))
    elif kind == "group":
        stages.append(_stage("main", "Main mix", owner + "/main", {"assigned": v[owner + "/main"]}, "main", snap,
                             passes=bool(v[owner + "/main"])))
    else:
        ports = _ports(snap, owner)
        stages.append(_stage("outputs", "Outputs", None, {"ports": ports}, None, snap,
                             passes=not snap.ports_known or any(p["connections"] for p in ports)))
    return {"address": owner, "kind": kind, "name": name, "stages": stages}


def _geq_state(v, owner: str) -> dict[str, Any]:
    """The graphic EQ: in or bypassed, and its bands that are not flat (a feedback notch, a room's cut)."""
    bands = [{"band": k, "freq": freq, "gain": v[f"{owner}/geq/{k}/gain"]}
             for k, freq in enumerate(GEQ_FREQS, start=1) if abs(v[f"{owner}/geq/{k}/gain"]) >= 0.05]
    return {"on": v[owner + "/geq/on"], "bands": bands}


def _sources(snap: Snapshot, owner: str) -> list[dict[str, Any]]:
    """Everything that can feed ``owner`` (a bus or ``main``), with its level and what it contributes."""
    v, lay = snap.values, snap.layout
    out = []
    for n in range(1, lay.n_inputs + 1):
        ch = f"ch/{n}"
        level = channel_level(v, lay, n)
        if owner == "main":
            if not v[ch + "/main"]:
                continue
            gain, via, tap, address = level.fader_db, "direct", ch + "/post", ch + "/main"
        else:
            b = number_of(owner)
            send = send_level_db(v, lay, n, b)
            if send is None:
                continue
            pre = send_is_pre(v, lay, n, b)
            gain, via = send, "pre-fader send" if pre else "post-fader send"
            tap, address = (ch + "/inserts") if pre else (ch + "/post"), f"{ch}/send/{b}/level"
        out.append(_source(snap, ch, v[ch + "/name"], via, address, gain, tap, stopped=level.muted,
                           closed=level.closed and tap.endswith("/post"), post_gain=owner == "main"))
    for f, bus in enumerate(lay.buses, start=1):
        src = f"bus/{f}"
        if src == owner:
            continue
        if bus.is_group and owner == "main" and v[src + "/main"]:
            out.append(_source(snap, src, v[src + "/name"], "group", src + "/main", 0.0, src, post_gain=True))
        elif bus.is_fx:
            target = "main" if owner == "main" else owner
            ret = fx_return_targets(v, lay, f).get(target)
            if ret is not None:
                key = "main" if owner == "main" else number_of(owner)
                out.append(_source(snap, src, v[src + "/name"], "effect return", f"{src}/return/{key}/level", ret, src))
    return out


def _source(snap: Snapshot, address: str, name: str, via: str, control: str, gain_db: float, tap: str,
            stopped: bool = False, closed: bool = False, post_gain: bool = False) -> dict[str, Any]:
    lvl = snap.level(tap)
    signal = bool(lvl and lvl.signal) and not stopped and not closed
    # The tap is measured before the send level (channel) or the return level (FX); a group's meter is
    # already its output.
    contributes = None
    if signal:
        contributes = round(lvl.hold + (0.0 if post_gain else gain_db), 1)
    return {"address": address, "name": name, "via": via, "control": control, "level_db": gain_db,
            "tap": tap, "tap_level": lvl.to_dict() if lvl else None, "signal": signal, "contributes_db": contributes}


# -- the listener's side: what does not reach a bus or the main ------------------------------------------

def _missing(snap: Snapshot, owner: str, problems: list[dict[str, Any]],
             may_change: Callable[[str], bool]) -> list[dict[str, Any]]:
    """Every channel that does not reach ``owner`` (``bus/B`` or ``main``) with signal, in channel order: why,
    in signal order (no signal at its input, then what its settings stop), and the changes that bring it back.
    ``cut`` marks the ones the mix had (the ``mix_source_cut`` problem on it)."""
    v, lay = snap.values, snap.layout
    cut = {s["address"] for p in problems if p["code"] == "mix_source_cut" for s in p["details"]["sources"]}
    b = None if owner == "main" else number_of(owner)
    out = []
    for n in range(1, lay.n_inputs + 1):
        ch, name = f"ch/{n}", v[f"ch/{n}/name"]
        reasons = main_reasons(v, lay, n) if b is None else bus_reasons(v, lay, n, b)
        heard = snap.level(ch + "/input")
        if heard is not None and not heard.signal:  # (no meters at all: nothing to say about the input)
            loose = snap.unconnected_ports(ch)
            unplugged = loose and len(loose) == len(snap.port_list(ch)) and not snap.generators_into(ch)
            reasons.insert(0, input_reason(name, loose[0] if unplugged else None))
        if not reasons:
            continue
        entries = [r.to_dict(name) for r in reasons]
        for entry in entries:
            _mark(entry, may_change)
        out.append({"address": ch, "name": name, "code": reasons[0].code, "stage": reasons[0].stage,
                    "message": f"{name}: " + "; ".join(r.what for r in reasons), "reasons": entries,
                    "changes": {r.fix["address"]: r.fix["value"] for r in reasons if r.fix},
                    "cut": ch in cut})
    return out


def _mark(reason: dict[str, Any], may_change: Callable[[str], bool]) -> None:
    """Whether the caller may make the reason's fix (``allowed_fix``) and, when there is one they may not
    make, why in plain words (``fix_refused``)."""
    fix = reason["fix"]
    allowed = fix is not None and may_change(fix["address"])
    reason["allowed_fix"] = allowed
    reason["fix_refused"] = f"only the engineer can {fix['label']}" if fix is not None and not allowed else None
