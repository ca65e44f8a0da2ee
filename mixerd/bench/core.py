"""``mixerd bench --workload mix|full|all``: the realtime core offline, timed on two workloads, against
numpy/scipy doing the same in the same process.

- ``mix``: the plain mix (trim, mute, fader, pan, every send open, bus and main masters) against the
  numpy matrix mix of mixerd.bench.reference (``ReferenceMix``), which is fast: a fair numpy baseline.
- ``full``: the reference workload — every channel with HPF (24 dB/oct), four EQ bands boosted and cut,
  gate and compressor; aux buses with EQ, a graphic EQ rung out (4–6 of its 31 bands cut 3–9 dB) and
  limiter; a reverb and a delay FX bus returning into every aux bus and the main; the main with EQ,
  graphic EQ and limiter; every send open (half the aux sends pre-fader); loudness and true peak metered
  on every output — against mixerd.bench.reference_full (``ReferenceChain``), the same processing in
  numpy/scipy and per-sample Python where the algorithm is a per-sample recursion. Only a few blocks of the
  reference are timed: it is slow. The core is also timed with the graphic EQs bypassed: what they add.
- ``all``: both.

Then a scaling table (full processing, core only) over inputs × aux buses, and the targets for the
reference workload (32 inputs × 16 aux buses, 64 frames at 48 kHz): under 5 % of the real-time budget,
at least 30× faster than numpy/scipy. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np

from mixerd.bench.common import BenchError, verdict
from mixerd.engine import Engine
from mixerd.bench.reference import ReferenceMix
from mixerd.model.layout import Layout
from mixerd.model.params import ParamTree

FX = ("reverb", "delay")
SCALING_INPUTS = (8, 16, 32, 64, 128)
SCALING_BUSES = (4, 8, 16, 32)
REFERENCE_WORKLOAD = {"inputs": 32, "buses": 16, "stereo_buses": 0, "frames": 64, "rate": 48000}
TARGET_BUDGET_PERCENT = 5.0  # the reference workload takes less than this share of the real-time budget
TARGET_SPEEDUP = 30.0  # ... and runs at least this many times faster than numpy/scipy
TARGET_GEQ_SHARE = 0.25  # the rung-out graphic EQs add at most this share to the core's time
GEQ_SEED = 31  # the bands the full workload cuts (an rng of its own: the rest of the workload stays as it was)


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected numbers ≥ 1, got {text!r}")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mix, full, all (--inputs, --buses, --stereo-buses also size the meters and ws "
                                      "mixers, --inputs and --buses the daemon's; --frames, --rate also the kernels)")
    group.add_argument("--inputs", type=int, default=32, help="input channels (default 32)")
    group.add_argument("--buses", type=int, default=16, help="aux buses (default 16; full adds 2 FX buses)")
    group.add_argument("--stereo-buses", type=int, default=0, help="how many of the buses are stereo (default 0)")
    group.add_argument("--frames", type=int, default=64, help="frames per block (default 64)")
    group.add_argument("--rate", type=int, default=48000, help="sample rate in Hz (default 48000)")
    group.add_argument("--pre", type=float, default=0.5,
                       help="share of the aux sends that are pre-fader (default 0.5)")
    group.add_argument("--seconds", type=float, default=2.0, help="wall time per measurement (default 2)")
    group.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    group.add_argument("--scaling-inputs", type=_int_list, default=SCALING_INPUTS, metavar="N,N,…",
                       help="inputs of the scaling table (default 8,16,32,64,128)")
    group.add_argument("--scaling-buses", type=_int_list, default=SCALING_BUSES, metavar="N,N,…",
                       help="aux buses of the scaling table (default 4,8,16,32)")


# ---- states ---------------------------------------------------------------------------------------

def bench_state(layout: Layout, pre_share: float, rng: np.random.Generator) -> dict:
    """The plain mix: every send open (levels −20…0 dB), ``pre_share`` of the aux sends pre-fader, and no
    inserts (the channels', buses' and main's EQ and limiters are switched off: ReferenceMix has none)."""
    state = ParamTree.from_layout(layout).defaults()
    for owner in [f"ch/{c}" for c in range(1, layout.n_inputs + 1)] + \
            [f"bus/{b}" for b in range(1, layout.n_buses + 1)] + ["main"]:
        state[f"{owner}/eq/on"] = False
        if not owner.startswith("ch/"):
            state[f"{owner}/limiter/on"] = False
    aux = [b for b, bus in enumerate(layout.buses, start=1) if not bus.is_fx]
    n_sends = layout.n_inputs * len(aux)
    pre = np.zeros(n_sends, dtype=bool)
    pre[rng.permutation(n_sends)[: round(pre_share * n_sends)]] = True
    for c in range(1, layout.n_inputs + 1):
        state[f"ch/{c}/fader"] = float(rng.uniform(-10, 0))
        state[f"ch/{c}/pan"] = float(rng.uniform(-100, 100))
        for b, bus in enumerate(layout.buses, start=1):
            state[f"ch/{c}/send/{b}/level"] = float(rng.uniform(-20, 0))
            if bus.is_fx:
                state[f"ch/{c}/send/{b}/pre"] = False  # effects are fed post-fader
            else:
                state[f"ch/{c}/send/{b}/pre"] = bool(pre[(c - 1) * len(aux) + aux.index(b)])
            if bus.stereo:
                state[f"ch/{c}/send/{b}/pan"] = float(rng.uniform(-100, 100))
    return state


def _eq_not_flat(state: dict, owner: str, rng: np.random.Generator) -> None:
    for i in range(1, 5):
        state[f"{owner}/eq/{i}/gain"] = float(rng.choice([-1.0, 1.0]) * rng.uniform(2.0, 9.0))
    state[f"{owner}/eq/on"] = True


def _rung_out(state: dict, owner: str, rng: np.random.Generator) -> None:
    """The graphic EQ of ``owner`` in, 4–6 of its bands cut 3–9 dB, as a wedge rung out for feedback."""
    state[f"{owner}/geq/on"] = True
    for k in rng.choice(31, size=int(rng.integers(4, 7)), replace=False):
        state[f"{owner}/geq/{k + 1}/gain"] = -round(float(rng.uniform(3.0, 9.0)), 1)


def full_state(layout: Layout, pre_share: float, rng: np.random.Generator) -> dict:
    """The reference workload's settings on ``layout`` (aux buses, then FX buses): every send open as in
    ``bench_state``; every channel with HPF 24 dB/oct, EQ bands boosted and cut, gate and compressor;
    every bus and the main with EQ and limiter, every aux bus and the main with a graphic EQ rung out
    (``_rung_out``, from an rng of its own seeded GEQ_SEED); every FX bus returning into every aux bus and
    the main."""
    state = bench_state(layout, pre_share, rng)
    for c in range(1, layout.n_inputs + 1):
        p = f"ch/{c}/"
        state.update({p + "hpf/on": True, p + "hpf/slope": 24.0, p + "hpf/freq": float(rng.uniform(60, 120)),
                      p + "gate/on": True, p + "gate/threshold": -60.0, p + "dyn/on": True,
                      p + "dyn/threshold": -24.0, p + "dyn/ratio": 3.0})
        _eq_not_flat(state, f"ch/{c}", rng)
    for b, bus in enumerate(layout.buses, start=1):
        _eq_not_flat(state, f"bus/{b}", rng)
        state[f"bus/{b}/limiter/on"] = not bus.is_fx
        if bus.is_fx:
            state[f"bus/{b}/fx/type"] = bus.effect
            state[f"bus/{b}/return/main/level"] = -10.0
            for a, target in enumerate(layout.buses, start=1):
                if not target.is_fx:
                    state[f"bus/{b}/return/{a}/level"] = -10.0
    _eq_not_flat(state, "main", rng)
    state["main/limiter/on"] = True
    ring = np.random.default_rng(GEQ_SEED)
    for owner in [f"bus/{b}" for b, bus in enumerate(layout.buses, start=1) if bus.is_aux] + ["main"]:
        _rung_out(state, owner, ring)
    return state


def geq_bypassed(state: dict) -> dict:
    """``state`` with every graphic EQ bypassed (its bands as they were)."""
    return {a: (False if a.endswith("/geq/on") else v) for a, v in state.items()}


def loaded_engine(layout: Layout, state: dict, rate: int) -> Engine:
    """An engine put into ``state`` at once (its command ring is sized to take the whole load)."""
    engine = Engine(layout, sample_rate=rate)
    engine.load(state)
    return engine


# ---- timing ---------------------------------------------------------------------------------------

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


def _time_core(engine: Engine, block: np.ndarray, seconds: float) -> tuple[float, int]:
    out = np.zeros((engine.layout.n_outputs, block.shape[1]), dtype=np.float32)
    engine.core.run_blocks(block, out, 200)  # warm caches and branch predictors
    return _time_loop(lambda n: engine.core.run_blocks(block, out, n), seconds)


def _noise_block(inputs: int, frames: int, rng: np.random.Generator) -> np.ndarray:
    return (rng.standard_normal((inputs, frames)) * 0.125).astype(np.float32)


def measure(inputs: int, buses: int, stereo_buses: int, frames: int, rate: int, pre: float,
            seconds: float) -> dict:
    """The ``mix`` workload on the core and on numpy (ReferenceMix); the figures."""
    rng = np.random.default_rng(1)
    layout = Layout.simple(inputs, buses, stereo_buses=stereo_buses, generators=0)
    state = bench_state(layout, pre, rng)
    engine = loaded_engine(layout, state, rate)
    block = _noise_block(inputs, frames, rng)
    core_s, core_blocks = _time_core(engine, block, seconds)

    ref = ReferenceMix(layout, state)

    def numpy_blocks(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            ref.process(block)
            ref.meters(block)
        return time.perf_counter() - t0

    numpy_s, numpy_blocks_run = _time_loop(numpy_blocks, seconds)
    budget_us = frames / rate * 1e6
    out = engine.core.process(block, block=frames)
    return {
        "inputs": inputs, "buses": buses, "stereo_buses": stereo_buses, "frames": frames, "rate": rate,
        "sends": inputs * buses, "pre_fader_sends": round(pre * inputs * buses),
        "core_us_per_block": core_s * 1e6, "core_blocks": core_blocks,
        "budget_us": budget_us, "core_budget_percent": 100 * core_s * 1e6 / budget_us,
        "numpy_us_per_block": numpy_s * 1e6, "numpy_blocks": numpy_blocks_run,
        "numpy_over_core": numpy_s / core_s,
        "max_abs_diff": float(np.abs(out - ref.process(block)).max()),
    }


def full_layout(inputs: int, buses: int, stereo_buses: int = 0) -> Layout:
    return Layout.simple(inputs, buses, stereo_buses=stereo_buses, generators=0, fx=FX)


def measure_full(inputs: int, buses: int, stereo_buses: int, frames: int, rate: int, pre: float,
                 seconds: float) -> dict:
    """The ``full`` workload on the core and on numpy/scipy (ReferenceChain); the figures.

    The reference runs block after block from a fresh state until about half of ``seconds`` has gone
    (at least 3 blocks, at most 100). A fresh core runs the same blocks, and the largest difference of
    their outputs is reported: both did the same processing."""
    rng = np.random.default_rng(1)
    layout = full_layout(inputs, buses, stereo_buses)
    state = full_state(layout, pre, rng)
    block = _noise_block(inputs, frames, rng)
    # With the graphic EQs in and bypassed, alternately (the machine's pace drifts, other work comes and goes):
    # the fastest of four runs each.
    with_geq, without_geq = loaded_engine(layout, state, rate), loaded_engine(layout, geq_bypassed(state), rate)
    runs: dict[str, list[tuple[float, int]]] = {"in": [], "bypassed": []}
    for _ in range(4):
        runs["in"].append(_time_core(with_geq, block, seconds / 4))
        runs["bypassed"].append(_time_core(without_geq, block, seconds / 8))
    core_s, core_blocks = min(runs["in"])
    bypassed_s = min(runs["bypassed"])[0]
    geq_bands = sum(1 for a, v in state.items() if "/geq/" in a and a.endswith("/gain") and v != 0.0)
    geq_outputs = sum(1 for a, v in state.items() if a.endswith("/geq/on") and v)

    from mixerd.bench.reference_full import ReferenceChain  # scipy: installed with the bench extra

    ref = ReferenceChain(layout, state, rate)
    outputs = [ref.process(block)]  # the first block pays for one-off set-up: not timed
    elapsed, timed = 0.0, 0
    while timed < 3 or (elapsed < seconds / 2 and timed < 100):
        t0 = time.perf_counter()
        outputs.append(ref.process(block))
        elapsed += time.perf_counter() - t0
        timed += 1
    numpy_s = elapsed / timed

    engine = loaded_engine(layout, state, rate)
    core_out = engine.core.process(np.tile(block, len(outputs)), block=frames)
    budget_us = frames / rate * 1e6
    n_aux = buses
    return {
        "inputs": inputs, "buses": buses, "fx_buses": len(FX), "stereo_buses": stereo_buses,
        "frames": frames, "rate": rate, "sends": inputs * (n_aux + len(FX)),
        "pre_fader_sends": round(pre * inputs * n_aux),
        "core_us_per_block": core_s * 1e6, "core_blocks": core_blocks,
        "budget_us": budget_us, "core_budget_percent": 100 * core_s * 1e6 / budget_us,
        "numpy_us_per_block": numpy_s * 1e6, "numpy_blocks": timed,
        "numpy_over_core": numpy_s / core_s,
        "max_abs_diff": float(np.abs(core_out - np.concatenate(outputs, axis=1)).max()),
        "compared_blocks": len(outputs),
        "geq_outputs": geq_outputs, "geq_bands_cut": geq_bands,
        "core_geq_bypassed_us_per_block": bypassed_s * 1e6,
        "geq_us_per_block": (core_s - bypassed_s) * 1e6,
        "geq_share": (core_s - bypassed_s) / bypassed_s,
    }


def measure_scaling(inputs_list, buses_list, frames: int, rate: int, pre: float, seconds: float) -> dict:
    """Full processing on the core for every inputs × aux buses pair (2 FX buses each)."""
    budget_us = frames / rate * 1e6
    points = []
    for inputs in inputs_list:
        for buses in buses_list:
            rng = np.random.default_rng(1)
            layout = full_layout(inputs, buses)
            engine = loaded_engine(layout, full_state(layout, pre, rng), rate)
            core_s, _ = _time_core(engine, _noise_block(inputs, frames, rng), seconds)
            points.append({"inputs": inputs, "buses": buses, "core_us_per_block": core_s * 1e6,
                           "core_budget_percent": 100 * core_s * 1e6 / budget_us})
    return {"inputs": list(inputs_list), "buses": list(buses_list), "fx_buses": len(FX), "points": points}


def targets(full: dict) -> dict:
    reference = all(full[k] == v for k, v in REFERENCE_WORKLOAD.items())
    return {
        "reference_workload": reference,
        "budget_percent_max": TARGET_BUDGET_PERCENT, "core_budget_percent": full["core_budget_percent"],
        "budget_met": full["core_budget_percent"] < TARGET_BUDGET_PERCENT,
        "speedup_min": TARGET_SPEEDUP, "numpy_over_core": full["numpy_over_core"],
        "speedup_met": full["numpy_over_core"] >= TARGET_SPEEDUP,
        "geq_share_max": TARGET_GEQ_SHARE, "geq_share": full["geq_share"],
        "geq_share_met": full["geq_share"] <= TARGET_GEQ_SHARE,
    }


# ---- the command ----------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> dict:
    """The ``mix``, ``full`` or ``all`` workload as ``args`` say; printed as it goes unless ``args.json``."""
    if args.workload in ("full", "all") and importlib.util.find_spec("scipy") is None:
        raise BenchError("the full workload compares against numpy/scipy and scipy is not installed; install it "
                         "(pip install 'mixerd[bench]', on the box: /opt/mixerd/bin/pip install scipy) or run "
                         "--workload mix", code=2)
    figures: dict = {"frames": args.frames, "rate": args.rate, "budget_us": args.frames / args.rate * 1e6}
    sizes = (args.inputs, args.buses, args.stereo_buses, args.frames, args.rate, args.pre)
    if args.workload in ("mix", "all"):
        figures["mix"] = measure(*sizes, args.seconds)
        if not args.json:
            _print_mix(figures["mix"])
    if args.workload in ("full", "all"):
        figures["full"] = measure_full(*sizes, args.seconds)
        if not args.json:
            _print_full(figures["full"])
        if not args.no_scaling:
            per_point = max(args.seconds / 10, 0.01)
            figures["scaling"] = measure_scaling(args.scaling_inputs, args.scaling_buses, args.frames, args.rate,
                                                 args.pre, per_point)
            if not args.json:
                _print_scaling(figures["scaling"], figures["budget_us"])
        figures["targets"] = targets(figures["full"])
        if not args.json:
            _print_targets(figures["targets"], figures["full"])
    return figures


def _print_mix(r: dict) -> None:
    print(f"mix: {r['inputs']} inputs × {r['buses']} buses ({r['stereo_buses']} stereo), "
          f"{r['frames']} frames @ {r['rate']} Hz, {r['sends']} sends active ({r['pre_fader_sends']} pre-fader); "
          "plain mix and meters")
    print(f"  core : {r['core_us_per_block']:9.2f} µs/block = {r['core_budget_percent']:.2f} % of the "
          f"{r['budget_us']:.1f} µs real-time budget ({r['core_blocks']} blocks)")
    print(f"  numpy: {r['numpy_us_per_block']:9.2f} µs/block, the same mix and meters in the same process "
          f"({r['numpy_blocks']} blocks)")
    print(f"  ratio: numpy/core = {r['numpy_over_core']:.1f}×   max |core − numpy| = {r['max_abs_diff']:.2e}")
    print()


def _print_full(r: dict) -> None:
    print(f"full: {r['inputs']} inputs × {r['buses']} aux buses ({r['stereo_buses']} stereo) + {r['fx_buses']} FX "
          f"buses (reverb, delay), {r['frames']} frames @ {r['rate']} Hz, {r['sends']} sends active "
          f"({r['pre_fader_sends']} pre-fader)")
    print("      channels: HPF 24 dB/oct, 4 EQ bands, gate, compressor; aux buses and main: EQ, graphic EQ")
    print(f"      ({r['geq_bands_cut']} bands cut on {r['geq_outputs']} graphic EQs), limiter;")
    print("      FX returns into every aux bus and the main; peak, RMS, loudness and true peak on every output")
    print(f"  core : {r['core_us_per_block']:9.2f} µs/block = {r['core_budget_percent']:.2f} % of the "
          f"{r['budget_us']:.1f} µs real-time budget ({r['core_blocks']} blocks)")
    print(f"  numpy: {r['numpy_us_per_block']:9.2f} µs/block, the same processing in numpy/scipy in the same "
          f"process ({r['numpy_blocks']} blocks)")
    print(f"  ratio: numpy/core = {r['numpy_over_core']:.1f}×   max |core − numpy| = {r['max_abs_diff']:.2e} "
          f"over {r['compared_blocks']} blocks")
    print(f"  GEQ  : {r['geq_us_per_block']:+9.2f} µs/block = {100 * r['geq_share']:+.1f} % on the core's "
          f"{r['core_geq_bypassed_us_per_block']:.2f} µs/block with the graphic EQs bypassed")
    print()


def _print_scaling(s: dict, budget_us: float) -> None:
    print(f"scaling: full processing, µs per block and % of the {budget_us:.1f} µs budget "
          f"(each with {s['fx_buses']} FX buses)")
    cell = 18
    print("  inputs \\ aux buses" + "".join(f"{b:>{cell}}" for b in s["buses"]))
    by_size = {(p["inputs"], p["buses"]): p for p in s["points"]}
    for inputs in s["inputs"]:
        row = "".join(
            f"{by_size[inputs, b]['core_us_per_block']:>9.1f} µs {by_size[inputs, b]['core_budget_percent']:>4.1f} %"
            .rjust(cell) for b in s["buses"])
        print(f"  {inputs:>18}{row}")
    print()


def _print_targets(t: dict, full: dict) -> None:
    what = ("the reference workload" if t["reference_workload"] else
            f"this workload ({full['inputs']} × {full['buses']}; the targets are set for 32 × 16)")
    print(f"targets for {what}:")
    print(f"  under {t['budget_percent_max']:g} % of the real-time budget: {t['core_budget_percent']:.2f} % "
          f"— {verdict(t['budget_met'])}")
    print(f"  at least {t['speedup_min']:g}× faster than numpy/scipy: {t['numpy_over_core']:.0f}× "
          f"— {verdict(t['speedup_met'])}")
    print(f"  graphic EQs add at most {100 * t['geq_share_max']:g} % to the core's time: "
          f"{100 * t['geq_share']:+.1f} % — {verdict(t['geq_share_met'])}")
