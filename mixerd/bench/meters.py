"""``mixerd bench --workload meters``: WebSocket meter frames a second, as clients of the web app see them.

A mixer of ``--inputs`` × ``--buses`` (the core offline) behind the real web app on a real loopback HTTP
server (uvicorn, the app's lifespan on, as ``mixerd run`` serves it); ``--meters-clients`` WebSocket clients
in a process of their own count the ``meters`` frames that reach them for ``--meters-seconds``. Measured
against the rate the web app is configured to send (``--meter-hz``, default the app's own): how many
frames a second each client got, and the time between frames. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse

from mixerd.bench.common import positive_float, positive_int, spread
from mixerd.bench.web import run_clients, web_mixer

#: The first frames a client reads may have waited in its socket since it connected: not counted.
SETTLE_S = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("meters (also --inputs, --buses, --stereo-buses)")
    group.add_argument("--meters-clients", type=positive_int, default=4,
                       help="meters: WebSocket clients (default 4)")
    group.add_argument("--meters-seconds", type=positive_float, default=10.0,
                       help="meters: how long each client counts (default 10)")
    group.add_argument("--meter-hz", type=positive_float,
                       help="meters: the rate the web app is to send meter frames at (default its own, 25)")


def run(args: argparse.Namespace) -> dict:
    figures = measure_meters(args.inputs, args.buses, args.stereo_buses, args.meters_clients, args.meters_seconds,
                             args.meter_hz)
    if not args.json:
        print_meters(figures)
    return figures


def measure_meters(inputs: int = 32, buses: int = 16, stereo_buses: int = 0, clients: int = 4,
                   seconds: float = 10.0, meter_hz: float | None = None) -> dict:
    """Every client's frames a second over the span after ``SETTLE_S`` (shorter spans settle for a quarter),
    against ``meter_hz`` (None: the web app's own rate)."""
    settle = min(SETTLE_S, seconds / 4)
    with web_mixer(inputs, buses, stereo_buses) as rig:
        live = rig.app.state.live
        if meter_hz is not None:
            live.meter_hz = meter_hz
        meter_hz = live.meter_hz
        points = len(rig.control.meters()["points"])
        got = run_clients("meters", rig.url, "--clients", str(clients), "--seconds", str(seconds + settle),
                          timeout=seconds + 120)
    frames, intervals = [], []
    for arrivals in got["arrivals"]:
        counted = [t for t in arrivals if t >= settle]  # from ``settle`` on, for ``seconds``
        frames.append(len(counted))
        intervals += [b - a for a, b in zip(counted, counted[1:])]
    rate = spread([n / seconds for n in frames])
    return {"inputs": inputs, "buses": buses, "stereo_buses": stereo_buses, "meter_points": points,
            "frame_bytes": got["frame_bytes"], "clients": clients, "seconds": seconds, "target_hz": meter_hz,
            "frames": frames, "rates_hz": rate, "median_over_target": rate["median"] / meter_hz if frames else None,
            "intervals_ms": spread(intervals, 1000)}


def print_meters(r: dict) -> None:
    rate, gap = r["rates_hz"], r["intervals_ms"]
    print(f"meters: {r['clients']} WebSocket client{'s' if r['clients'] != 1 else ''} of the web app over real HTTP "
          f"(loopback), a {r['inputs']} × {r['buses']} mixer ({r['meter_points']} meter points, "
          f"{r['frame_bytes'] / 1000:.1f} kB a frame), {r['seconds']:g} s each")
    if not rate["n"]:
        return
    print(f"  frames a second per client: min {rate['min']:.1f} / median {rate['median']:.1f} / max {rate['max']:.1f}"
          f"; configured {r['target_hz']:g} Hz: median/configured = {r['median_over_target']:.2f}×")
    if gap["n"]:
        print(f"  between frames: median {gap['median']:.1f} ms, p95 {gap['p95']:.1f} ms, max {gap['max']:.1f} ms "
              f"(every {1000 / r['target_hz']:.0f} ms configured)")
