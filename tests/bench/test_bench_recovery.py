"""``mixerd bench --workload recovery`` (mixerd/bench/recovery.py): its own jackd, killed."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.jack


def test_each_kill_is_timed_against_the_first_start(bench):
    figures = bench("--workload", "recovery", "--recovery-kills", "2")
    assert figures["kills"] == 2 and figures["reconnects"] == 2
    first = figures["first_start"]
    assert 0 < first["back_s"] <= first["audio_s"]
    assert first["level_db"] == pytest.approx(-12.04, abs=0.1)  # the tone on mix 2: the mix is there
    rows = figures["recoveries"]
    assert [r["kill"] for r in rows] == [1, 2]
    for r in rows:
        assert 0 < r["back_s"] <= r["audio_s"]  # the listener hears it once mixerd is back
        assert r["level_db"] == pytest.approx(-12.04, abs=0.1)  # the same mix after each kill
    audio = figures["audio_s"]
    assert audio["n"] == 2 and audio["min"] <= audio["median"] <= audio["max"]
    assert (audio["min"], audio["max"]) == (min(r["audio_s"] for r in rows), max(r["audio_s"] for r in rows))
    assert figures["back_s"]["max"] == max(r["back_s"] for r in rows)
    assert figures["median_over_first_start"] == pytest.approx(audio["median"] / first["audio_s"])


def test_the_recovery_lines(bench_text):
    text = bench_text("--workload", "recovery", "--recovery-kills", "1")
    assert "jackd killed 1 times (SIGKILL)" in text
    assert re.search(r"first start: mixer up after [\d.]+ s, tone heard after [\d.]+ s at -12\.\d\d dBFS", text)
    assert re.search(r"mixer back on a new jackd: +[\d.]+ / [\d.]+ / [\d.]+ s", text)
    assert re.search(r"tone heard again: +[\d.]+ / [\d.]+ / [\d.]+ s +median / first start = [\d.]+×", text)
    assert re.search(r"each kill: [\d.]+ s", text)
