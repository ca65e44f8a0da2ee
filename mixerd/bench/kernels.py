"""``mixerd bench --workload kernels``: the DSP kernels of the core offline, ns per sample.

Each kernel runs through its offline entry point in mixerd._core (the C code the callback runs, block by
block, timed in C with the GIL released, without FTZ/DAZ) over a long music-like signal: noise under a
moving envelope. The dynamics kernels and the biquad cascade run twice: busy (the signal throughout) and
idle (its first half second, then silence); the idle run is measured against the busy one in the same
process. A state that sank into denormal numbers after the signal would make idle cost 10–100× busy.
K-weighting, true peak, reverb and delay time their own noise (their entry points generate it), busy only.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mixerd import _core
from mixerd.bench.common import positive_int, positive_float
from mixerd.engine.dsp import dynamics, filters, fx, loudness

SIGNAL_BEFORE_SILENCE_S = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("kernels (also --frames, --rate)")
    group.add_argument("--kernels-seconds", type=positive_float, default=60.0,
                       help="kernels: length of the signal each kernel runs over (default 60)")
    group.add_argument("--kernels-repeats", type=positive_int, default=3,
                       help="kernels: runs per figure, the fastest counts (default 3)")


def run(args: argparse.Namespace) -> dict:
    figures = measure_kernels(args.kernels_seconds, args.kernels_repeats, args.frames, args.rate)
    if not args.json:
        print_kernels(figures)
    return figures


def music_like(seconds: float, rate: int, seed: int = 13) -> np.ndarray:
    """Noise under an envelope moving through −60…0 dBFS, times 3 (peaks near +9.5 dBFS, so the limiter
    works), never exactly zero."""
    rng = np.random.default_rng(seed)
    n = max(1, int(seconds * rate))
    env_db = np.interp(np.arange(n), np.linspace(0, n, 40), rng.uniform(-60, 0, 40))
    mag = 10 ** (env_db / 20) * rng.uniform(0.05, 1.0, n)
    return (3 * mag * rng.choice([-1.0, 1.0], n)).astype(np.float32)


@dataclass(frozen=True)
class Kernel:
    """One row: ``seconds(x)`` runs the kernel over the mono signal ``x`` from a fresh state and returns the
    seconds spent in C; ``per`` is what a figure is per (a stereo kernel: per frame of both channels)."""

    name: str
    seconds: Callable[[np.ndarray], float]
    per: str = "sample"


def signal_kernels(rate: int, block: int) -> list[Kernel]:
    """The kernels that run over a given signal, set as on a channel working hard (fast time constants)."""
    gate = dynamics.gate_params(-40, -90, 1, 10, 5, rate)
    comp = dynamics.comp_params(-40, 10, 6, 1, 5, 0, rate)
    limiter = dynamics.limiter_params(-20, 5, rate)
    # A channel's filters: the 24 dB/oct HPF (two sections) and four EQ bands.
    sections = [*filters.hpf(80, 24, rate)] + [filters.design(kind, freq, 3, 1, rate) for kind, freq in
                                               (("low-shelf", 100), ("peaking", 500), ("peaking", 2500),
                                                ("high-shelf", 8000))]
    other = [filters.design("peaking", 700, -3, 2, rate)] * len(sections)
    ramp = rate // 100  # the engine's default 10 ms ramp

    def cascade() -> _core.dsp_biquad_Cascade:
        c = _core.dsp_biquad_Cascade(len(sections))
        for k, coefs in enumerate(sections):
            c.set(k, coefs, immediate=True)
        return c

    def fading(x: np.ndarray) -> float:
        """A new target for every section every ramp: every sample runs both filters of the crossfade."""
        c, spent = cascade(), 0.0
        for i, start in enumerate(range(0, x.size, ramp)):
            for k in range(len(sections)):
                c.set(k, (other if i % 2 == 0 else sections)[k], ramp)
            spent += c.bench(x[start:start + ramp], block)
        return spent

    return [
        Kernel("gate", lambda x: _core.dsp_dynamics_gate(x, gate, block)[3]),
        Kernel("compressor", lambda x: _core.dsp_dynamics_comp(x, comp, block)[3]),
        Kernel("limiter", lambda x: _core.dsp_dynamics_limiter(x[None, :], limiter, block)[3]),
        Kernel("limiter, stereo linked", lambda x: _core.dsp_dynamics_limiter(
            np.stack([x, np.roll(x, 1234)]), limiter, block)[3], per="frame"),
        Kernel(f"HPF + EQ, {len(sections)} biquads", lambda x: cascade().bench(x.copy(), block)),
        Kernel(f"HPF + EQ, {len(sections)} biquads fading", lambda x: fading(x.copy())),
    ]


def _best_ns(seconds: Callable[[np.ndarray], float], x: np.ndarray, repeats: int) -> float:
    return min(seconds(x) for _ in range(repeats)) / x.size * 1e9


def measure_kernels(seconds: float = 60.0, repeats: int = 3, block: int = 64, rate: int = 48000) -> dict:
    """Every kernel's ns per sample (per frame where ``per`` says so), busy and, where it runs over a given
    signal, idle; the fastest of ``repeats`` runs."""
    signal = music_like(seconds, rate)
    before = min(SIGNAL_BEFORE_SILENCE_S, seconds / 2)  # a short run still has its silence
    quiet = signal.copy()
    quiet[int(before * rate):] = 0.0
    budget_ns = 1e9 / rate
    rows = []
    for kernel in signal_kernels(rate, block):
        busy, idle = _best_ns(kernel.seconds, signal, repeats), _best_ns(kernel.seconds, quiet, repeats)
        rows.append({"name": kernel.name, "per": kernel.per, "busy_ns": busy, "idle_ns": idle,
                     "idle_over_busy": idle / busy, "budget_percent": 100 * busy / budget_ns})
    # The entry points that run noise of their own, busy only.
    blocks = max(1, round(seconds * rate / block))
    runs = [_core.dsp_loudness_bench(loudness.kweight_coefs(rate), loudness.truepeak_taps(), block, blocks)
            for _ in range(repeats)]
    own = {"K-weighting": min(kw for kw, _ in runs), "true peak": min(tp for _, tp in runs)}
    reverb = fx.reverb_params(0.5, 0.5, 1.0, 20.0, rate)
    delay = fx.delay_params(350.0, 0.5, 6000.0, rate)
    for name, kind, params in (("reverb (stereo out)", "reverb", reverb), ("delay (stereo out)", "delay", delay)):
        own[name] = min(_core.dsp_fx_bench(kind, tuple(params), rate, max(seconds, block / rate), block)
                        for _ in range(repeats))
    for name, ns in own.items():
        rows.append({"name": name, "per": "sample", "busy_ns": ns, "idle_ns": None, "idle_over_busy": None,
                     "budget_percent": 100 * ns / budget_ns})
    return {"seconds": seconds, "rate": rate, "block": block, "repeats": repeats,
            "silence_after_s": before, "budget_ns_per_sample": budget_ns, "kernels": rows}


def print_kernels(r: dict) -> None:
    print(f"kernels: offline in C, {r['seconds']:g} s of a music-like signal at {r['rate']} Hz in {r['block']}-frame "
          f"blocks, the fastest of {r['repeats']} runs")
    print(f"  {'':34}{'busy ns/sample':>16}{'% of budget':>13}{'idle ns/sample':>16}{'idle/busy':>11}")
    for k in r["kernels"]:
        name = k["name"] + ("" if k["per"] == "sample" else f" (per {k['per']})")
        idle = "—" if k["idle_ns"] is None else f"{k['idle_ns']:.2f}"
        ratio = "—" if k["idle_over_busy"] is None else f"{k['idle_over_busy']:.2f}×"
        print(f"  {name:34}{k['busy_ns']:>16.2f}{k['budget_percent']:>11.3f} %{idle:>16}{ratio:>11}")
    print(f"  (one channel; its real-time budget is {r['budget_ns_per_sample']:.0f} ns a sample. idle: the signal's "
          f"first {r['silence_after_s']:g} s, then silence;")
    print("   a state sunk into denormals would make idle 10–100× busy)")
