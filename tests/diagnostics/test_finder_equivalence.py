"""The problem finder that works on changes finds what the finder always found: over many random mixes,
connections and meter readings, ``problems.find`` on a snapshot and the live ``Watcher`` (facts redone only
on changes, the meters read as the engine's frame, the last problems kept while nothing that decides them
moved) agree problem for problem and word for word with the reference (reference_problems.py: the finder
and the settling as they were before).

The readings near every threshold (−60 dBFS signal, full scale, the headroom marks, the 2-decimal rounding
of the meters' JSON) cannot be hit on purpose with audio, so most looks read frames made here, through an
engine stand-in that plays them back with chosen JACK connections; the last test reads a real engine's
frames after real audio.

``mix_source_cut`` is left out of the reference on purpose: it says what a mix *had* and lost, so it depends on
the looks before (``problems.CutSources``), where the reference is a function of one snapshot. Its oracle here
is a ``CutSources`` fed at every look with facts made afresh from the snapshot; the watcher's is fed only the
readings it evaluates, with facts it updates on changes, and must say the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import reference_problems as reference

from mixerd.control import Control
from mixerd.diagnostics import Diagnostics, Snapshot, find, take
from mixerd.diagnostics.problems import CutSources, Facts, holds_of
from mixerd.diagnostics.watch import Watcher
from mixerd.engine import Engine
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.meters import MeterFrame
from mixerd.model.params import ParamTree

LAYOUTS = [
    Layout(inputs=("Vox", "Gtr", "Snare", "Kick", "Keys"),
           buses=(BusLayout("Wedge"), BusLayout("IEM", stereo=True), BusLayout("Drums", stereo=True, kind="group"),
                  BusLayout("Band", kind="group")), generators=2, dcas=2, mute_groups=2).with_fx(("reverb", "delay")),
    Layout.simple(3, 2, stereo_buses=1, generators=1).with_fx(("reverb",)),
]
# Readings around every threshold the finder compares with, and around the meters' rounding to 0.01 dB.
EDGES = [-120.0, -119.0, -90.0, -60.006, -60.005, -60.004, -60.0, -59.996, -59.995, -59.994, -18.0, -6.006, -6.005,
         -6.0, -5.995, -3.005, -3.0, -2.995, -0.106, -0.105, -0.1, -0.095, -0.005, -0.0049, 0.0, 0.0049, 0.005, 0.125,
         2.0, 6.0]


def random_value(spec, rng):
    if spec.kind == "bool":
        return bool(rng.random() < 0.5)
    if spec.choices:
        return spec.choices[int(rng.integers(len(spec.choices)))]
    if spec.kind == "string":
        return f"Name {rng.integers(100)}" if spec.address.endswith("/name") else spec.default
    lo, hi = spec.min if spec.min is not None else -90.0, spec.max if spec.max is not None else 10.0
    return float(rng.choice([lo, hi, spec.default if spec.default is not None else lo,
                             round(float(rng.uniform(lo, hi)), 1), min(max(0.0, lo), hi)]))


def random_changes(tree, rng, share):
    return {a: random_value(tree.spec(a), rng) for a in tree.addresses() if rng.random() < share}


def random_ports(layout, rng):
    """Connections as the engine reports them; now and then none at all (JACK not there)."""
    if rng.random() < 0.15:
        return {}
    owners = [f"ch/{n}" for n in range(1, layout.n_inputs + 1)] + ["main", "solo"]
    owners += [f"bus/{b}" for b, bus in enumerate(layout.buses, start=1) if bus.is_aux]
    ports = {}
    for owner in owners:
        sides = 2 if owner in ("main", "solo") else 1
        ports[owner] = [{"port": f"mixerd:{owner.replace('/', '_')}_{i}",
                         "connections": ["system:x"] if rng.random() < 0.7 else []} for i in range(sides)]
    return ports


def random_frame(meters, seq, rng):
    """A frame with every meter channel at a threshold's edge, a random level, or silence."""
    n = meters.n_meters

    def levels():
        pick = rng.random(n)
        out = np.where(pick < 0.5, rng.choice(EDGES, n), rng.uniform(-125.0, 8.0, n))
        return np.where(pick > 0.9, -120.0, out).astype(np.float32)
    k = len(meters.points)
    return MeterFrame(meters, seq, 50, levels(), levels(), levels(), levels(), np.zeros(n, np.int64),
                      np.full(k, -120.0), np.full(k, -120.0), np.zeros(meters.n_gr, np.float32))


def nudged(frame, seq, rng):
    """``frame`` measured again: a few of its readings moved a little or to a threshold's edge, or none."""
    peak, hold = np.array(frame.peak), np.array(frame.hold)
    for values in (peak, hold):
        at = rng.integers(values.size, size=int(rng.integers(3)))
        values[at] = np.where(rng.random(at.size) < 0.5, values[at] + rng.choice([-0.01, 0.01, 0.5], at.size),
                              rng.choice(EDGES, at.size))
    return dataclasses.replace(frame, seq=seq, peak=peak.astype(np.float32), hold=hold.astype(np.float32))


class PlayBack:
    """An engine stand-in (AudioLink) that plays back the frame and the connections the test sets."""

    def __init__(self, layout):
        self.meter_layout = Engine(layout).meter_layout  # the engine's real meter points
        self.frame = None
        self.connections = {}

    def apply(self, state, changed, fade_ms=None):
        pass

    def meter_frame(self):
        return self.frame

    def meters(self):
        return self.frame.to_dict()

    def health(self):
        return {"status": "ok", "engine": {"xruns": 0}}

    def ports(self):
        return self.connections

    def system(self):
        return {}


def reference_snapshot(control, link, settling):
    seq, values = control.state()
    meters = link.frame.to_dict()["points"] if link.frame is not None else {}
    return Snapshot(control.tree.layout, values, meters, link.connections, seq=seq, settling=settling)


def cut_at(cuts: CutSources, snap: Snapshot):
    """The ``mix_source_cut`` problems of ``snap``, by ``cuts`` fed every look with facts made afresh."""
    return cuts.look(Facts(snap.layout, snap.values, snap.ports), holds_of(snap), snap.values, snap.settling)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("layout", LAYOUTS, ids=["every-kind", "small"])
def test_the_finder_finds_what_it_always_found(layout, seed):
    """Random mixes (a few changes a look, now and then a whole new mix), connections and readings: the
    watcher, ``find`` and the reference agree at every look, and so do the settling strips."""
    rng = np.random.default_rng(seed)
    tree = ParamTree.from_layout(layout)
    link = PlayBack(layout)
    control = Control(tree, link=link, initial=random_changes(tree, rng, 0.3))
    watcher = Watcher(control)
    settling = reference.Settling()
    cuts = CutSources()
    now, seq = 0.0, 0
    for look in range(150):
        roll = rng.random()
        if roll < 0.05:
            control.set_many(random_changes(tree, rng, 0.3), "scene")
        elif roll < 0.6:
            control.set_many(random_changes(tree, rng, 4 / len(tree.addresses())) or {"main/fader": -5.0}, "rest")
        if rng.random() < 0.2 or look == 0:
            link.connections = random_ports(layout, rng)
        roll = rng.random()
        if roll < 0.4 or link.frame is None:
            seq += 1
            link.frame = random_frame(link.meter_layout, seq, rng)
        elif roll < 0.8:  # measured again: a few readings moved, if any
            seq += 1
            link.frame = nudged(link.frame, seq, rng)
        now += float(rng.choice([0.0, 0.25, 0.25, 1.0, 2.5]))

        found = watcher.look(now)
        snap = reference_snapshot(control, link, settling(control.state()[1], now))
        expected = reference.find(snap)
        assert watcher.settling.current == snap.settling
        assert find(snap) == expected
        assert found == expected, f"look {look}"
        assert [p.to_dict() for p in found] == [{**dataclasses.asdict(p), "severity": p.severity} for p in expected]
        assert watcher.cut == cut_at(cuts, snap), f"look {look}"


def test_a_look_at_an_unchanged_mixer_reuses_the_last_one():
    """Nothing changed: the last list itself. A new frame with the same readings: still the last list. A
    level quoted in a problem moves: a new list, with the new level."""
    layout = LAYOUTS[1]
    tree = ParamTree.from_layout(layout)
    link = PlayBack(layout)
    control = Control(tree, link=link)
    watcher = Watcher(control)
    link.connections = {owner: [{"port": "mixerd:x", "connections": ["system:y"]}]
                        for owner in ("ch/1", "ch/2", "ch/3", "main", "solo", "bus/1", "bus/2")}
    meters = link.meter_layout
    ch1 = meters.points[meters.index["ch/1/input"]].first

    def frame(seq, ch1_db):
        levels = np.full(meters.n_meters, -20.0, np.float32)
        levels[ch1] = ch1_db  # channel 1 is silent (its input meter) and in use: "no signal at the input"
        return dataclasses.replace(random_frame(meters, seq, np.random.default_rng(0)), peak=levels, hold=levels.copy())
    link.frame = frame(1, -120.0)
    first = watcher.look(0.0)
    assert [(p.code, p.address, p.details) for p in first] == [("no_input_signal", "ch/1", {"hold": -120.0})]
    assert watcher.look(0.25) is first
    link.frame = frame(2, -120.0)  # measured again, the same readings
    assert watcher.look(0.5) is first
    link.connections = {**link.connections, "bus/2": [{"port": "mixerd:x", "connections": ["system:z"]}]}
    assert watcher.look(0.75) == first  # another connection: the facts redone, the same problems
    link.frame = frame(3, -90.0)
    moved = watcher.look(1.0)
    assert moved is not first and moved[0].details == {"hold": -90.0}
    assert moved == reference.find(reference_snapshot(control, link, frozenset()))


def test_the_monitor_reports_what_the_reference_finds():
    """Through the monitor (no hysteresis): its list is the reference's (and the mixes' cut sources), look after
    look."""
    layout = LAYOUTS[0]
    rng = np.random.default_rng(7)
    tree = ParamTree.from_layout(layout)
    link = PlayBack(layout)
    control = Control(tree, link=link, initial=random_changes(tree, rng, 0.3))
    clock = [0.0]
    diag = Diagnostics(control, raise_after=0.0, clear_after=0.0, clock=lambda: clock[0])
    diag.stop()  # driven by hand
    settling = reference.Settling()
    cuts = CutSources()
    for look in range(60):
        control.set_many(random_changes(tree, rng, 3 / len(tree.addresses())) or {"main/fader": -3.0}, "rest")
        link.connections = random_ports(layout, rng) if rng.random() < 0.3 else link.connections
        link.frame = random_frame(link.meter_layout, look + 1, rng)
        clock[0] += 0.25
        diag.check()
        snap = reference_snapshot(control, link, settling(control.state()[1], clock[0]))
        expected = reference.find(snap) + cut_at(cuts, snap)
        got = [{k: v for k, v in p.items() if k != "since"} for p in diag.problems()["problems"]]
        key = lambda p: (p["code"], p["address"])  # noqa: E731
        assert sorted(got, key=key) == sorted([p.to_dict() for p in expected], key=key)


def test_a_real_engines_frames_read_alike():
    """A real core's frames after real audio at many levels: the watcher reads them as ``take`` does."""
    layout = LAYOUTS[0]
    rng = np.random.default_rng(3)
    tree = ParamTree.from_layout(layout)
    engine = Engine(layout, sample_rate=48000)
    control = Control(tree, link=engine, initial={a: False for a in tree.defaults() if a.endswith("limiter/on")})
    watcher = Watcher(control)
    settling = reference.Settling()
    t = np.arange(4800) / 48000
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    for look in range(25):
        if look:
            control.set_many(random_changes(tree, rng, 3 / len(tree.addresses())) or {"main/fader": -2.0}, "rest")
        amplitude = rng.choice([0.0, 1e-4, 0.001, 0.1, 0.5, 0.99, 1.0, 1.5], layout.n_inputs)
        engine.process(amplitude[:, None].astype(np.float32) * tone)
        now = 0.25 * look
        found = watcher.look(now)
        snap = dataclasses.replace(take(control), settling=settling(control.state()[1], now))
        assert found == reference.find(snap), f"look {look}"


def test_the_frames_readings_are_rounded_as_the_meters_json():
    """The watcher rounds a whole frame with one array operation; it is ``round(v, 2)`` to the last bit (and to
    the sign of a zero) for every float32 reading, ties included."""
    from mixerd.diagnostics.watch import _rounded

    rng = np.random.default_rng(11)
    values = np.concatenate([rng.uniform(-130.0, 20.0, 200_000), np.arange(-130 * 8, 20 * 8) / 8.0,
                             np.arange(-13000, 2000) / 100.0 + 0.005, np.array(EDGES), -np.array(EDGES)])
    values = values.astype(np.float32)
    expected = np.array([round(float(v), 2) for v in values.tolist()])
    assert _rounded(values).tobytes() == expected.tobytes()
