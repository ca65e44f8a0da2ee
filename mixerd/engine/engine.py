"""The engine: owns the realtime core and is the control core's link to the audio.

It implements the control core's ``AudioLink``: applied changes become core commands; meters come
back as one ``MeterFrame`` per tick shared by every reader, health as a JSON-ready dict. Readers drain
the core's meter ring on demand; a background thread also drains it so the ballistics stay exact
with nobody reading, and notices when the audio thread stops advancing.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from mixerd import _core
from mixerd.engine.dsp import loudness
from mixerd.engine.mapping import Command, CommandMap, bus_shapes
from mixerd.engine.meters import FLOOR_DB, MeterBallistics, power_to_lufs
from mixerd.model.errors import ParamError
from mixerd.model.layout import Layout
from mixerd.model.meters import MeterFrame, MeterLayout, MeterPoint, empty_frame

log = logging.getLogger(__name__)


class AudioDriver(Protocol):
    """What runs the core in real time (the JACK host); the engine asks it for health figures."""

    def info(self) -> dict[str, Any]: ...

    def ports(self) -> dict[str, list[dict[str, Any]]]: ...


#: What ``Engine.analyse`` takes: meter point names (see ``Engine.meter_points``).
ANALYSIS_POINTS_HINT = "meter points: ch/N/input, ch/N/insert1, ch/N/inserts, ch/N/post, bus/N, main, solo"


@dataclass(frozen=True)
class AnalysisFeed:
    """What ``Engine.analyse`` attached: the core's analysis ring (``_core.Analysis``: ``read()``, ``lost``,
    ``drops``, ``gaps()``) and, per meter point asked for, the ring's tracks that are its sides (L, R)."""

    ring: Any
    tracks: Mapping[str, tuple[int, ...]]

    def sides(self, data: np.ndarray, point: str) -> np.ndarray:
        """The rows of ``data`` (from ``ring.read()``) that carry ``point``: shape (sides, frames)."""
        tracks = self.tracks[point]  # a point's sides are consecutive tracks
        return data[tracks[0]:tracks[-1] + 1]


class Engine:
    """A realtime core for ``layout`` plus everything the control side needs to drive it."""

    def __init__(self, layout: Layout, *, sample_rate: int = 48000, ramp_ms: float = 10.0,
                 meter_rate: int = 50, max_frames: int = 4096, cmd_capacity: int | None = None):
        self.layout = layout
        self.sample_rate = sample_rate
        self.ramp_ms = ramp_ms
        self.meter_rate = meter_rate
        shapes = bus_shapes(layout)
        cmd_capacity = cmd_capacity or command_ring_size(layout)
        self.core = _core.Core(
            layout.n_inputs, shapes, layout.generators, sample_rate=sample_rate, max_frames=max_frames,
            cmd_capacity=cmd_capacity, meter_interval=self._meter_interval(), ramp_samples=self._ramp_samples(),
            kweight=loudness.kweight_coefs(sample_rate), tp_taps=loudness.truepeak_taps(),
        )
        self.map = CommandMap(layout, sample_rate)
        # Enough frames for the longest window (3 s short-term loudness) with room to spare.
        self.ballistics = MeterBallistics(self.core.n_meters, self.core.n_gr, sample_rate,
                                          slots=int(3.5 * meter_rate) + 16)
        self.meter_layout = self._make_meter_layout()
        self.tap_points = self._make_tap_points()
        self._analysis_lock = threading.Lock()  # one analysis ring; attach and detach in turn
        self._analysis: AnalysisFeed | None = None
        self._master_points = np.array([i for i, p in enumerate(self.meter_layout.points) if p.master], np.intp)
        self.ballistics.loudness_channels = np.array(
            [c for p in self.meter_layout.points if p.master for c in range(p.first, p.first + p.width)], np.intp)
        self._frame_lock = threading.Lock()
        self._drain_lock = threading.Lock()  # the meter ring has a single reader
        self._frame = empty_frame(self.meter_layout, meter_rate)
        self.driver: AudioDriver | None = None
        self._post_lock = threading.Lock()  # the command ring has a single producer
        self._sent: dict[tuple[int, int], tuple[float, ...]] = {}
        self._pending: dict[tuple[int, int], tuple[float, ...]] = {}
        self._state: Mapping[str, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = (time.monotonic(), 0, False)  # (checked at, cycles then, advancing)
        self._load = (time.monotonic(), 0.0, 0.0)  # (measured at, callback seconds then, core load %)

    # -- AudioLink --------------------------------------------------------------------------------

    def load(self, state: Mapping[str, Any]) -> None:
        """Put the core into ``state`` at once, without ramps (before audio starts or after a swap)."""
        with self._post_lock:
            self._state = state
            self._sent.clear()
            self._pending.clear()
            self._post_all(self.map.all_commands(state), immediate=True)

    def apply(self, state: Mapping[str, Any], changed: Sequence[str], fade_ms: float | None = None) -> None:
        """Send the core what changed; every gain ramps in the core, over ``fade_ms`` when given."""
        cmds: list[Command] = []
        for address in changed:
            cmds += self.map.commands_for(state, address)
        with self._post_lock:
            self._state = state
            if fade_ms is None or not cmds:
                self._post_all(cmds)
                return
            # The ring is ordered: a longer ramp for just these commands, then back to normal.
            fade = max(1, round(fade_ms * self.sample_rate / 1000))
            self._post_all([Command(_core.OP_RAMP, 0, (float(fade),))], force=True)
            self._post_all(cmds)
            self._post_all([Command(_core.OP_RAMP, 0, (float(self._ramp_samples()),))], force=True)

    def meter_frame(self) -> MeterFrame:
        """This tick's readings at every meter point (see ``mixerd.model.meters``): made once from the
        frames the core published since the last one, and shared by every caller until the core
        publishes again.

        Channels: ``ch/N/input`` (post-trim), ``ch/N/insert1`` (between the EQ and the dynamics, in
        whichever order they run), ``ch/N/inserts`` (after HPF, EQ and dynamics, with the gate's and
        compressor's gain reduction) and ``ch/N/post`` (post-fader): peak, hold, RMS in dBFS, clipped
        samples; ``solo`` (the listen output) the same. Buses and ``main`` add true peak (dBTP, 2 s
        hold), momentary and short-term loudness (LUFS) and the limiter's gain reduction (dB).
        """
        self._drain_meters()
        with self._frame_lock:
            frame = self._frame
            if frame.seq == self.ballistics.seq and frame.rate == self.meter_rate:
                return frame
            r = self.ballistics.readings()
            lay = self.meter_layout
            masters = self._master_points
            k_m = np.add.reduceat(r["k_momentary"], lay.starts)[masters]
            k_s = np.add.reduceat(r["k_short"], lay.starts)[masters]
            lufs_m = np.full(len(lay.points), FLOOR_DB)
            lufs_s = lufs_m.copy()
            lufs_m[masters] = power_to_lufs(k_m)
            lufs_s[masters] = power_to_lufs(k_s)
            self._frame = MeterFrame(lay, r["seq"], self.meter_rate, r["peak"].astype(np.float32),
                                     r["hold"].astype(np.float32), r["rms"].astype(np.float32),
                                     r["true_peak"].astype(np.float32), r["clips"], lufs_m, lufs_s,
                                     np.asarray(r["gr"], np.float32))
            return self._frame

    def meters(self) -> dict[str, Any]:
        """The per-point JSON view of ``meter_frame()`` (``GET /meters``)."""
        return self.meter_frame().to_dict()

    def health(self) -> dict[str, Any]:
        """Whether audio is flowing, with the figures that tell: cycles, xruns, rate, period, load."""
        stats = self.core.stats()
        advancing = self._advancing(stats["cycles"])
        info = dict(self.driver.info()) if self.driver else {"running": False, "backend": "offline"}
        running = bool(info.get("running")) and advancing
        engine = {
            "running": running,
            "cycles": stats["cycles"],
            "cycles_advancing": advancing,
            "xruns": int(info.get("xruns", 0)),
            "sample_rate": int(info.get("sample_rate", self.sample_rate)),
            "period": int(info.get("period", 0)),
            "dsp_load": round(float(info.get("dsp_load", 0.0)), 2),
            "overruns": stats["overruns"],
            "commands_pending": stats["commands_pending"] + len(self._pending),
            "core_load": round(self._core_load(), 2),
            "callback_s": round(self.core.callback_time()[0], 6),
        }
        status = "ok" if running else ("degraded" if info.get("running") else "down")
        if info.get("interface", {}).get("present") is False:
            status = "down"  # the USB interface is unplugged: no audio until it is back
        return {"status": status, "engine": engine, "jack": {k: v for k, v in info.items() if k not in engine}}

    def ports(self) -> dict[str, list[dict[str, Any]]]:
        """The audio ports by what they carry (``ch/N``, ``main``, ``bus/B``, ``solo``) and what each
        connects to; empty offline or while the driver is not connected."""
        return self.driver.ports() if self.driver else {}

    def system(self) -> dict[str, Any]:
        """Layout and meter points, plus what the driver reports (ports, server)."""
        out = {
            "layout": self.layout.to_dict(),
            "meter_points": self.meter_layout.names(),
            "sample_rate": self.sample_rate,
            "ramp_ms": self.ramp_ms,
        }
        if self.driver:
            out["audio"] = self.driver.info()
        return out

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the meter thread (idempotent)."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._meter_loop, name="mixerd-meters", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)

    def process(self, inputs, block: int = 64):
        """Run the core offline over ``inputs`` (n_inputs, frames) and return its outputs.

        The meters are drained as the audio goes, as the meter thread does under JACK, so a long run
        still leaves the readings of its last seconds.
        """
        inputs = np.asarray(inputs, dtype=np.float32)
        step = max(block, self._meter_interval() * 32 // block * block)  # well within the meter ring
        out = np.zeros((self.core.n_outputs, inputs.shape[1]), dtype=np.float32)
        for i in range(0, inputs.shape[1], step):
            out[:, i:i + step] = self.core.process(inputs[:, i:i + step], block=block)
            self._drain_meters()
        return out

    def set_sample_rate(self, sample_rate: int) -> None:
        """Re-derive everything rate-dependent when the audio runs at another rate than planned."""
        if sample_rate == self.sample_rate:
            return
        log.info("engine: sample rate %d Hz (was %d): filters, time constants, generators, FX and loudness "
                 "weighting re-made for it", sample_rate, self.sample_rate)
        # Detached (the JACK host re-attaches after telling us the new rate), no audio runs: what the core
        # sized for the rate is re-made and every setting applies at once, with nothing to click.
        detached = not self.core.attached
        if detached:
            self.core.set_sample_rate(sample_rate)
            self.core.set_loudness(loudness.kweight_coefs(sample_rate), loudness.truepeak_taps())
        self.sample_rate = sample_rate
        self.map = CommandMap(self.layout, sample_rate)
        self.ballistics.set_sample_rate(sample_rate)
        with self._post_lock:
            self._post_all([
                Command(_core.OP_RAMP, 0, (float(self._ramp_samples()),)),
                Command(_core.OP_METER_INTERVAL, 0, (float(self._meter_interval()),)),
            ], immediate=detached)
            if self._state:
                # Every command again: the FX were re-made with their defaults.
                self._post_all(self.map.all_commands(self._state), immediate=detached, force=detached)

    def meter_points(self) -> dict[str, tuple[int, int]]:
        """Meter point name → (first meter channel, channel count), in core meter order."""
        return {p.name: (p.first, p.width) for p in self.meter_layout.points}

    def analyse(self, points: Sequence[str], capacity: int | None = None) -> AnalysisFeed:
        """Feed the signal at meter ``points`` into the core's analysis ring, for the RTA and the feedback finder:
        each the very samples its meter measures (``ch/3/input`` after the trim, ``ch/3/insert1``,
        ``ch/3/inserts`` before mute and fader, ``ch/3/post``, ``bus/2`` and ``main`` as they leave, ``solo``), a
        stereo point as two tracks (L, R). ``capacity``: frames a track (a power of two; default about a third of
        a second, at least two periods). Lossy: a block the reader has no room for is dropped and counted.

        One analysis at a time, beside any recording: one fed already is stopped first (its ring stays readable),
        so the reader switches points while the audio runs. Returns the ring and each point's tracks. ParamError
        (nothing changed) for an unknown or repeated point or a bad capacity."""
        if isinstance(points, str):
            points = [points]
        names = list(points)
        if not names:
            raise ParamError("invalid_value", "an analysis takes at least one meter point", None,
                             ANALYSIS_POINTS_HINT)
        for name in names:
            if name not in self.tap_points:
                close = difflib.get_close_matches(str(name), self.tap_points, n=1, cutoff=0.6)
                fix = f"; did you mean {close[0]!r}?" if close else ""
                raise ParamError("not_found", f"{name!r} is not a meter point of this mixer{fix}", str(name),
                                 ANALYSIS_POINTS_HINT)
            if names.count(name) > 1:
                raise ParamError("invalid_value", f"meter point {name!r} is asked for twice", name,
                                 ANALYSIS_POINTS_HINT)
        if capacity is None:
            capacity = 1 << 14
            while capacity < 2 * self.core.max_frames:
                capacity *= 2
        if capacity < self.core.max_frames or capacity & (capacity - 1):
            raise ParamError("out_of_range", f"an analysis ring of {capacity} frames: it must be a power of two of "
                             f"at least {self.core.max_frames} (the longest block)", None,
                             f"a power of two ≥ {self.core.max_frames}")
        taps: list[tuple[int, int, int]] = []
        tracks: dict[str, tuple[int, ...]] = {}
        for name in names:
            tracks[name] = tuple(range(len(taps), len(taps) + len(self.tap_points[name])))
            taps += self.tap_points[name]
        with self._analysis_lock:
            self._analysis = None
            self.core.stop_analysing()
            self._analysis = AnalysisFeed(self.core.analyse(taps, capacity), tracks)
            return self._analysis

    def stop_analysing(self) -> AnalysisFeed | None:
        """Stop feeding the analysis ring (what is in it stays readable); returns what was fed, or None."""
        with self._analysis_lock:
            feed, self._analysis = self._analysis, None
            self.core.stop_analysing()
            return feed

    @property
    def analysing(self) -> AnalysisFeed | None:
        """What the analysis ring is fed with now, or None."""
        return self._analysis

    def _make_tap_points(self) -> dict[str, tuple[tuple[int, int, int], ...]]:
        """Meter point name → the core taps (``(TAP_*, index, side)``, a side each) that carry what it measures;
        every point of ``meter_layout``, numbered as the core numbers its meters (``Core.meter_layout``)."""
        core = self.core.meter_layout()
        n, buses = core["n_inputs"], core["buses"]
        points: dict[str, tuple[tuple[int, int, int], ...]] = {}
        for stage, kind in _core.METER_STAGE_TAPS.items():
            for c in range(n):
                points[f"ch/{c + 1}/{stage}"] = ((kind, c, 0),)
        points["main"] = tuple((_core.TAP_BUS, _core.main_bus(len(buses)), side) for side in range(core["main"][1]))
        for b, (_, width) in enumerate(buses):
            points[f"bus/{b + 1}"] = tuple((_core.TAP_BUS, b, side) for side in range(width))
        points["solo"] = tuple((_core.TAP_SOLO, 0, side) for side in range(core["solo"][1]))
        return points

    def _make_meter_layout(self) -> MeterLayout:
        """The meter points named from the core's own description of its frame (``Core.meter_layout``)."""
        core = self.core.meter_layout()
        n, stages, gr = core["n_inputs"], core["channel_stages"], core["gr"]
        points: list[MeterPoint] = []
        for stage, first in sorted(stages.items(), key=lambda item: item[1]):
            for c in range(n):
                extras = (("gate_gr", gr["gate"] + c), ("dyn_gr", gr["comp"] + c)) if stage == "inserts" else ()
                points.append(MeterPoint(f"ch/{c + 1}/{stage}", first + c, 1, gr=extras))
        masters = [("main", *core["main"], len(core["buses"]))]
        masters += [(f"bus/{b}", first, width, b - 1) for b, (first, width) in enumerate(core["buses"], start=1)]
        for name, first, width, slot in masters:
            points.append(MeterPoint(name, first, width, master=True, gr=(("limiter_gr", gr["limiter"] + slot),)))
        points.append(MeterPoint("solo", *core["solo"]))
        points.sort(key=lambda p: p.first)
        return MeterLayout(tuple(points), core["n_gr"])

    # -- internals --------------------------------------------------------------------------------

    def _ramp_samples(self) -> int:
        return max(1, round(self.ramp_ms * self.sample_rate / 1000))

    def _meter_interval(self) -> int:
        return max(1, self.sample_rate // self.meter_rate)

    def _post_all(self, cmds: list[Command], immediate: bool = False, force: bool = False) -> None:
        # Caller holds _post_lock. Unchanged values are not re-sent (unless ``force``); when the ring is
        # full (audio stopped, e.g. JACK restarting) the latest value per target waits in _pending, in
        # order.
        flag = _core.IMMEDIATE if immediate else 0
        for cmd in cmds:
            key, value = (cmd.op, cmd.index), cmd.values
            if not force and self._sent.get(key) == value and key not in self._pending:
                continue
            if force and key in self._pending:
                # A ramp setting must stay between the commands it brackets: re-queue it at the end.
                del self._pending[key]
            if self._pending or not self.core.post(cmd.op | flag, cmd.index, *value):
                self._pending[key] = value
            self._sent[key] = value
        if self._pending:
            self._flush_pending()

    def _flush_pending(self) -> None:
        while self._pending:
            key, values = next(iter(self._pending.items()))
            if not self.core.post(key[0], key[1], *values):
                return
            del self._pending[key]

    def _drain_meters(self) -> None:
        with self._drain_lock:
            while True:
                # Small reads: a buffer under malloc's mmap threshold, reused by numpy's allocator.
                data, frames, _ = self.core.read_meters(8)
                self.ballistics.add(data, frames)
                if len(frames) < 8:
                    return

    def _core_load(self) -> float:
        """% of one core the JACK callback used over the last second or more (0 offline)."""
        busy = self.core.callback_time()[0]
        now = time.monotonic()
        then, busy_then, load = self._load
        if now - then >= 1.0:
            load = max(0.0, busy - busy_then) / (now - then) * 100.0
            self._load = (now, busy, load)
        return load

    def _advancing(self, cycles: int) -> bool:
        # Audio is "advancing" if the cycle counter moved within the last half second.
        now = time.monotonic()
        checked, before, advancing = self._progress
        if cycles != before:
            self._progress = (now, cycles, True)
            return True
        if now - checked > 0.5:
            self._progress = (checked, before, False)
            return False
        return advancing

    def _meter_loop(self) -> None:
        # Readers drain on demand; this keeps the ring from overflowing (64 frames ≈ 1.3 s) with nobody
        # reading, and flushes commands that waited for room in the command ring.
        period = 0.1
        while not self._stop.wait(period):
            try:
                self._drain_meters()
                if self._pending:
                    with self._post_lock:
                        self._flush_pending()
            except Exception:  # never let the meter thread die; the next tick tries again
                log.exception("engine: meter thread error")


def command_ring_size(layout: Layout) -> int:
    """A command ring that holds a whole state load twice over (so ``load()`` never waits on the
    ring and live changes still fit behind it), at least 8192 slots, a power of two."""
    rows = sum(b.in_width for b in layout.buses)
    per_channel = 18 + 2 * rows  # trim, level, pan, order, inserts, filters, dynamics; pre+post per send row
    # master, inserts, EQ, graphic EQ, limiter, output delay, effects; returns
    per_bus = 14 + _core.GEQ_BANDS + layout.n_buses + 1
    total = layout.n_inputs * per_channel + (layout.n_buses + 1) * per_bus + 5 * layout.generators + 4
    size = 8192
    while size < 2 * total:
        size *= 2
    return size
