"""``mixerd bench``: the realtime core offline on a given workload, against numpy doing the same mix.

Figures are printed, never asserted: µs per block, share of the real-time budget, and the ratio to a
numpy implementation (mixerd.engine.reference) run in the same process on the same inputs.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from mixerd.engine import Engine
from mixerd.engine.reference import ReferenceMix
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--inputs", type=int, default=32, help="input channels (default 32)")
    parser.add_argument("--buses", type=int, default=16, help="buses (default 16)")
    parser.add_argument("--stereo-buses", type=int, default=0, help="how many of the buses are stereo (default 0)")
    parser.add_argument("--frames", type=int, default=64, help="frames per block (default 64)")
    parser.add_argument("--rate", type=int, default=48000, help="sample rate in Hz (default 48000)")
    parser.add_argument("--pre", type=float, default=0.5, help="share of sends that are pre-fader (default 0.5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="wall time per measurement (default 2)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")


def bench_state(layout: Layout, pre_share: float, rng: np.random.Generator) -> dict:
    """A state with every send open (levels −20…0 dB), ``pre_share`` of them pre-fader."""
    state = ParamTree.from_layout(layout).defaults()
    n_sends = layout.n_inputs * layout.n_buses
    pre = np.zeros(n_sends, dtype=bool)
    pre[rng.permutation(n_sends)[: round(pre_share * n_sends)]] = True
    for c in range(1, layout.n_inputs + 1):
        state[f"ch/{c}/fader"] = float(rng.uniform(-10, 0))
        state[f"ch/{c}/pan"] = float(rng.uniform(-100, 100))
        for b in range(1, layout.n_buses + 1):
            state[f"ch/{c}/send/{b}/level"] = float(rng.uniform(-20, 0))
            state[f"ch/{c}/send/{b}/pre"] = bool(pre[(c - 1) * layout.n_buses + (b - 1)])
            if layout.buses[b - 1].stereo:
                state[f"ch/{c}/send/{b}/pan"] = float(rng.uniform(-100, 100))
    return state


def _time_loop(step, seconds: float) -> tuple[float, int]:
    """Seconds per call of ``step(count) -> elapsed``, calibrated to run about ``seconds``."""
    count = 16
    while True:
        elapsed = step(count)
        if elapsed >= seconds / 10 or count >= 1 << 30:
            break
        count *= 4
    count = max(1, int(count * seconds / max(elapsed, 1e-9)))
    return step(count) / count, count


def measure(inputs: int, buses: int, stereo_buses: int, frames: int, rate: int, pre: float,
            seconds: float) -> dict:
    """Run the workload on the core and on numpy; return the figures."""
    rng = np.random.default_rng(1)
    layout = Layout.simple(inputs, buses, stereo_buses=stereo_buses, generators=0)
    state = bench_state(layout, pre, rng)
    engine = Engine(layout, sample_rate=rate)
    engine.load(state)
    block = (rng.standard_normal((inputs, frames)) * 0.125).astype(np.float32)
    out = np.zeros((layout.n_outputs, frames), dtype=np.float32)
    core = engine.core
    core.run_blocks(block, out, 1000)  # warm caches, settle nothing (gains were loaded immediately)

    core_s, core_blocks = _time_loop(lambda n: core.run_blocks(block, out, n), seconds)

    ref = ReferenceMix(layout, state)

    def numpy_blocks(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            ref.process(block)
            ref.meters(block)
        return time.perf_counter() - t0

    numpy_s, numpy_blocks_run = _time_loop(numpy_blocks, seconds)
    budget_us = frames / rate * 1e6
    core.run_blocks(block, out, 1)
    return {
        "inputs": inputs, "buses": buses, "stereo_buses": stereo_buses, "frames": frames, "rate": rate,
        "sends": inputs * buses, "pre_fader_sends": round(pre * inputs * buses),
        "core_us_per_block": core_s * 1e6, "core_blocks": core_blocks,
        "budget_us": budget_us, "core_budget_percent": 100 * core_s * 1e6 / budget_us,
        "numpy_us_per_block": numpy_s * 1e6, "numpy_blocks": numpy_blocks_run,
        "numpy_over_core": numpy_s / core_s,
        "max_abs_diff": float(np.abs(out - ref.process(block)).max()),
    }


def run_bench(args: argparse.Namespace) -> int:
    r = measure(args.inputs, args.buses, args.stereo_buses, args.frames, args.rate, args.pre, args.seconds)
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"mixerd bench: {r['inputs']} inputs × {r['buses']} buses ({r['stereo_buses']} stereo), "
          f"{r['frames']} frames @ {r['rate']} Hz, {r['sends']} sends active ({r['pre_fader_sends']} pre-fader)")
    print(f"  core : {r['core_us_per_block']:8.2f} µs/block = {r['core_budget_percent']:.2f} % of the "
          f"{r['budget_us']:.1f} µs real-time budget ({r['core_blocks']} blocks)")
    print(f"  numpy: {r['numpy_us_per_block']:8.2f} µs/block, the same mix and meters in the same process "
          f"({r['numpy_blocks']} blocks)")
    print(f"  ratio: numpy/core = {r['numpy_over_core']:.1f}×   max |core − numpy| = {r['max_abs_diff']:.2e}")
    return 0
