"""``mixerd bench``, as the ``mixerd`` command plugs it in (see ``mixerd.cli.COMMANDS``)."""

from __future__ import annotations

import argparse

from mixerd.bench import add_arguments, run_bench

HELP = ("measure and print the figures that matter: the core against numpy, the DSP kernels, recovery from a jackd "
        "crash, WebSocket meters and latency, MQTT load, the whole daemon, the recorder")

__all__ = ["HELP", "add_arguments", "run"]


def run(args: argparse.Namespace) -> int:
    """Run the chosen workload and print its figures; the exit status."""
    return run_bench(args)
