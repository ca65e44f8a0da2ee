"""The engine: owns the realtime core and is the control core's link to the audio.

It implements the control core's ``AudioLink``: applied changes become core commands, meters and
health come back as JSON-ready dicts. A background thread drains the core's meter frames so the
ballistics stay exact and notices when the audio thread stops advancing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mixerd import _core
from mixerd.engine.mapping import Command, CommandMap
from mixerd.engine.meters import MeterBallistics
from mixerd.model.layout import Layout

log = logging.getLogger(__name__)


class AudioDriver(Protocol):
    """What runs the core in real time (the JACK host); the engine asks it for health figures."""

    def info(self) -> dict[str, Any]: ...


class Engine:
    """A realtime core for ``layout`` plus everything the control side needs to drive it."""

    def __init__(self, layout: Layout, *, sample_rate: int = 48000, ramp_ms: float = 10.0,
                 meter_rate: int = 50, max_frames: int = 4096, cmd_capacity: int = 8192):
        self.layout = layout
        self.sample_rate = sample_rate
        self.ramp_ms = ramp_ms
        self.meter_rate = meter_rate
        self.core = _core.Core(
            layout.n_inputs, layout.bus_widths, layout.generators, max_frames=max_frames,
            cmd_capacity=cmd_capacity, meter_interval=self._meter_interval(), ramp_samples=self._ramp_samples(),
        )
        self.map = CommandMap(layout, sample_rate)
        self.ballistics = MeterBallistics(self.core.n_meters, sample_rate)
        self.driver: AudioDriver | None = None
        self._post_lock = threading.Lock()  # the command ring has a single producer
        self._sent: dict[tuple[int, int], tuple[float, float]] = {}
        self._pending: dict[tuple[int, int], tuple[float, float]] = {}
        self._state: Mapping[str, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = (time.monotonic(), 0, False)  # (checked at, cycles then, advancing)

    # -- AudioLink --------------------------------------------------------------------------------

    def load(self, state: Mapping[str, Any]) -> None:
        """Put the core into ``state`` at once, without ramps (before audio starts or after a swap)."""
        with self._post_lock:
            self._state = state
            self._sent.clear()
            self._pending.clear()
            self._post_all(self.map.all_commands(state), immediate=True)

    def apply(self, state: Mapping[str, Any], changed: Sequence[str]) -> None:
        """Send the core what changed; every gain ramps in the core."""
        cmds: list[Command] = []
        for address in changed:
            cmds += self.map.commands_for(state, address)
        with self._post_lock:
            self._state = state
            self._post_all(cmds)

    def meters(self) -> dict[str, Any]:
        """Meter readings for every stage, keyed by meter point (see ``meter_points()``)."""
        self._drain_meters()
        r = self.ballistics.readings()
        points = {}
        for name, (start, width) in self.meter_points().items():
            sl = slice(start, start + width)
            points[name] = {
                "peak": [round(float(v), 2) for v in r["peak"][sl]],
                "hold": [round(float(v), 2) for v in r["hold"][sl]],
                "rms": [round(float(v), 2) for v in r["rms"][sl]],
                "clips": [int(v) for v in r["clips"][sl]],
            }
        return {"seq": r["seq"], "rate": self.meter_rate, "points": points}

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
        }
        status = "ok" if running else ("degraded" if info.get("running") else "down")
        return {"status": status, "engine": engine, "jack": {k: v for k, v in info.items() if k not in engine}}

    def system(self) -> dict[str, Any]:
        """Layout and meter points, plus what the driver reports (ports, server)."""
        lay = self.layout
        out = {
            "layout": {
                "inputs": list(lay.inputs),
                "buses": [{"name": b.name, "stereo": b.stereo, "kind": b.kind} for b in lay.buses],
                "generators": lay.generators,
            },
            "meter_points": list(self.meter_points()),
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

    def set_sample_rate(self, sample_rate: int) -> None:
        """Re-derive everything rate-dependent when the audio runs at another rate than planned."""
        if sample_rate == self.sample_rate:
            return
        log.info("engine: sample rate %d Hz (was %d)", sample_rate, self.sample_rate)
        self.sample_rate = sample_rate
        self.map = CommandMap(self.layout, sample_rate)
        self.ballistics.set_sample_rate(sample_rate)
        with self._post_lock:
            self._post_all([
                Command(_core.OP_RAMP, 0, float(self._ramp_samples())),
                Command(_core.OP_METER_INTERVAL, 0, float(self._meter_interval())),
            ])
            if self._state:
                self._post_all(self.map.all_commands(self._state))

    def meter_points(self) -> dict[str, tuple[int, int]]:
        """Meter point name → (first meter channel, channel count), in core meter order."""
        lay, n = self.layout, self.layout.n_inputs
        points: dict[str, tuple[int, int]] = {}
        for c in range(n):
            points[f"ch/{c + 1}/input"] = (c, 1)
        for c in range(n):
            points[f"ch/{c + 1}/post"] = (n + c, 1)
        points["main"] = (2 * n, 2)
        for b, bus in enumerate(lay.buses, start=1):
            points[f"bus/{b}"] = (2 * n + lay.bus_output_offset(b), bus.width)
        return points

    # -- internals --------------------------------------------------------------------------------

    def _ramp_samples(self) -> int:
        return max(1, round(self.ramp_ms * self.sample_rate / 1000))

    def _meter_interval(self) -> int:
        return max(1, self.sample_rate // self.meter_rate)

    def _post_all(self, cmds: list[Command], immediate: bool = False) -> None:
        # Caller holds _post_lock. Unchanged values are not re-sent; when the ring is full (audio
        # stopped, e.g. JACK restarting) the latest value per target waits in _pending, in order.
        flag = _core.IMMEDIATE if immediate else 0
        for cmd in cmds:
            key, value = (cmd.op, cmd.index), (cmd.a, cmd.b)
            if self._sent.get(key) == value and key not in self._pending:
                continue
            if self._pending or not self.core.post(cmd.op | flag, cmd.index, cmd.a, cmd.b):
                self._pending[key] = value
            self._sent[key] = value
        if self._pending:
            self._flush_pending()

    def _flush_pending(self) -> None:
        while self._pending:
            key, (a, b) = next(iter(self._pending.items()))
            if not self.core.post(key[0], key[1], a, b):
                return
            del self._pending[key]

    def _drain_meters(self) -> None:
        while True:
            peak, ms, clips, frames, _ = self.core.read_meters(64)
            self.ballistics.add(peak, ms, clips, frames)
            if len(frames) < 64:
                return

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
        period = 1.0 / self.meter_rate
        while not self._stop.wait(period):
            try:
                self._drain_meters()
                if self._pending:
                    with self._post_lock:
                        self._flush_pending()
            except Exception:  # never let the meter thread die; the next tick tries again
                log.exception("engine: meter thread error")

