"""What the workloads share: their error, option types, a spread of measured values, a verdict."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence
from typing import Any


class BenchError(RuntimeError):
    """A workload cannot run (``code`` 2: something it needs is missing) or failed (``code`` 1)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _positive(kind: type) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` (int or float) more than 0."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a {'whole number' if kind is int else 'number'} > 0, "
                                             f"got {text!r}")
        return value

    return parse


positive_int = _positive(int)
positive_float = _positive(float)


def spread(values: Sequence[float], scale: float = 1.0) -> dict:
    """min, median, p95, max of ``values`` (times ``scale``) and how many there were."""
    ordered = sorted(v * scale for v in values)
    if not ordered:
        return {"n": 0, "min": None, "median": None, "p95": None, "max": None}
    return {"n": len(ordered), "min": ordered[0], "median": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], "max": ordered[-1]}


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"
