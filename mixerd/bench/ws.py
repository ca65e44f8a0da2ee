"""``mixerd bench --workload ws``: how fast a change reaches every WebSocket client.

A mixer of ``--inputs`` × ``--buses`` (the core offline) behind the real web app on a real loopback HTTP
server, its state in SQLite and access control on, as the daemon runs; ``--ws-clients`` phones in a process
of their own (mixerd/bench/clients.py), each with a mix link, change their mix's sends: one change at a time
(``--ws-rounds``), then all at the same moment (``--ws-waves`` times), while REST ``GET /state`` is asked
meanwhile. The time from a client's set to its change arriving at each client, against the web app's
promise (every change at every client within 100 ms, one at a time), and all at once against one at a time
in the same process. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse

from mixerd.bench import clients
from mixerd.bench.common import BenchError, positive_int, spread, verdict
from mixerd.bench.web import run_clients, web_mixer

TARGET_MS = 100.0  # each change reaches every client within this, one change at a time (loopback)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ws (also --inputs, --buses, --stereo-buses)")
    group.add_argument("--ws-clients", type=positive_int, default=clients.CLIENTS,
                       help=f"ws: WebSocket clients (default {clients.CLIENTS})")
    group.add_argument("--ws-rounds", type=positive_int, default=clients.ROUNDS,
                       help=f"ws: changes made one at a time (default {clients.ROUNDS})")
    group.add_argument("--ws-waves", type=positive_int, default=clients.WAVES,
                       help=f"ws: times every client changes something at once (default {clients.WAVES})")


def run(args: argparse.Namespace) -> dict:
    figures = measure_ws(args.inputs, args.buses, args.stereo_buses, args.ws_clients, args.ws_rounds, args.ws_waves)
    if not args.json:
        print_ws(figures)
    return figures


def measure_ws(inputs: int = 32, buses: int = 16, stereo_buses: int = 0, n_clients: int = clients.CLIENTS,
               rounds: int = clients.ROUNDS, waves: int = clients.WAVES) -> dict:
    if inputs < 3 or buses < 2:
        raise BenchError("the ws workload changes channels 1–3 on mixes 1 and 2: it needs --inputs 3 and "
                         "--buses 2 at least", code=2)
    with web_mixer(inputs, buses, stereo_buses, persistent=True) as rig:
        got = run_clients("changes", rig.url, rig.admin, *rig.mix_links, "--clients", str(n_clients),
                          "--rounds", str(rounds), "--waves", str(waves), timeout=300)
    one, burst = spread(got["sequential"], 1000), spread(got["burst"], 1000)
    return {"inputs": inputs, "buses": buses, "stereo_buses": stereo_buses, "clients": n_clients, "rounds": rounds,
            "waves": waves, "acks": sum(got["acks"]), "first_ms": spread(got["first"], 1000),
            "one_at_a_time_ms": one, "all_at_once_ms": burst, "rest_ms": spread(got["rest"], 1000),
            "all_over_one": burst["median"] / one["median"] if one["n"] and burst["n"] else None,
            "target_ms": TARGET_MS, "target_met": one["n"] > 0 and one["max"] < TARGET_MS}


def _ms(s: dict) -> str:
    if not s["n"]:
        return "none"
    return f"median {s['median']:.1f} ms, p95 {s['p95']:.1f} ms, max {s['max']:.1f} ms ({s['n']})"


def print_ws(r: dict) -> None:
    print(f"ws: {r['clients']} WebSocket clients with mix links on the web app over real HTTP (loopback), a "
          f"{r['inputs']} × {r['buses']} mixer, state in SQLite; from a client's set to the change at each client:")
    for label, key in (("the server's first change", "first_ms"), ("one change at a time", "one_at_a_time_ms"),
                       (f"all {r['clients']} at once", "all_at_once_ms"), ("REST GET /state meanwhile", "rest_ms")):
        print(f"  {label + ':':27}{_ms(r[key])}")
    if r["all_over_one"] is not None:
        print(f"  all at once / one at a time (medians): {r['all_over_one']:.1f}×")
    print(f"  every change at every client within {r['target_ms']:g} ms, one at a time: {verdict(r['target_met'])}")
