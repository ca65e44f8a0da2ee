"""``mixerd bench`` as a user runs it: in a process of its own, with tiny sizes and short spans. The bench tests
check what the figures are and how they relate, never how fast anything was."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Callable

import pytest

BENCH = [sys.executable, "-m", "mixerd", "bench"]


@pytest.fixture
def bench() -> Callable[..., dict]:
    """``bench(*args)``: the figures ``mixerd bench *args --json`` printed (it must succeed)."""

    def run(*args: str, timeout: float = 180) -> dict:
        result = subprocess.run([*BENCH, *args, "--json"], capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def bench_text() -> Callable[..., str]:
    """``bench_text(*args)``: what ``mixerd bench *args`` printed (it must succeed)."""

    def run(*args: str, timeout: float = 180) -> str:
        result = subprocess.run([*BENCH, *args], capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run
