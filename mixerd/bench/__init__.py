"""``mixerd bench``: every number that matters, measured and printed; never asserted.

Workloads (``--workload``), a module each:

- ``mix``, ``full``, ``all`` (the default: mix and full) — core.py: the realtime core offline against
  numpy/scipy doing the same work in the same process, and how its cost scales with inputs × buses.
- ``kernels`` — kernels.py: the DSP kernels offline, ns per sample over a long music-like signal, and after
  the signal stops against while it plays (a state sunk into denormals would cost 10–100× there).
- ``recovery`` — recovery.py: a mixer on its own jackd (dummy backend); jackd is killed again and again, and
  the time until the audio is back is measured against the mixer's first start.
- ``meters`` — meters.py: WebSocket meter frames a second as clients of the real web app see them over real
  HTTP, against the configured rate.
- ``ws`` — ws.py: many WebSocket clients on the real web app; the time from one client's change to every
  client, one change at a time and all at once, against the 100 ms the web app promises.
- ``mqtt`` — mqtt.py: the whole mixer under a stream of MQTT commands, against a span without them.
- ``daemon`` — daemon.py: the whole mixerd process (a child ``mixerd run`` on its own jackd, full strips, a
  tone on every input, MQTT meters on) with 0, 4 and 16 WebSocket clients: CPU, each thread's share and RSS,
  against the core's own cost on the same layout.
- ``recorder`` — recorder.py: a long take of every input (a generator on each) and the main on a mixer in its own
  jackd, against a span without it: CPU, the taps' cost in the core, the disk thread, MB/s, how far behind the
  disk fell; every file checked afterwards.
- ``link`` — link.py: two boxes on this machine (two jackd, two ``mixerd run``) linked by zita-njbridge or
  netjack2; the latency from one's input to the other's output against the engine's own figure and two periods,
  its dropouts.

Each prints readable lines as it goes, or one JSON object with ``--json``. A workload that needs what is not
there (scipy, mosquitto, jackd) says so and exits with 2; one that fails exits with 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from types import ModuleType

from mixerd.bench.common import BenchError

#: ``--workload`` choices and the module here that runs each (imported when needed: the WebSocket clients,
#: ``python -m mixerd.bench.clients``, need none of them).
WORKLOADS = {"mix": "core", "full": "core", "all": "core", "kernels": "kernels", "recovery": "recovery",
             "meters": "meters", "ws": "ws", "mqtt": "mqtt", "daemon": "daemon", "recorder": "recorder",
             "link": "link"}


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"mixerd.bench.{name}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workload", choices=tuple(WORKLOADS), default="all",
                        help="mix: plain mix; full: the full processing (the reference workload); all (default): "
                        "both; kernels: the DSP kernels offline; recovery: jackd killed, the time until audio is "
                        "back (own jackd); meters: WebSocket meter frames per second; ws: change latency to many "
                        "WebSocket clients; mqtt: the whole mixer under 1,000 MQTT commands a second (own jackd "
                        "and mosquitto); daemon: the whole mixerd process against its core, 0/4/16 WebSocket "
                        "clients (own jackd and mosquitto); recorder: a take of every input and the main against "
                        "a span without it (own jackd); link: two boxes linked by zita-njbridge (or netjack2), the "
                        "latency and dropouts of the link (two jackd)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    for name in dict.fromkeys(WORKLOADS.values()):
        _module(name).add_arguments(parser)


def run_bench(args: argparse.Namespace) -> int:
    try:
        figures = _module(WORKLOADS[args.workload]).run(args)
    except BenchError as exc:
        print(f"mixerd bench: {exc}", file=sys.stderr)
        return exc.code
    if args.json:
        print(json.dumps(figures))
    return 0
