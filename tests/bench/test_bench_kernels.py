"""``mixerd bench --workload kernels`` (mixerd/bench/kernels.py)."""

from __future__ import annotations

import re

import pytest

SIGNAL_KERNELS = ["gate", "compressor", "limiter", "limiter, stereo linked", "HPF + EQ, 6 biquads",
                  "HPF + EQ, 6 biquads fading"]
OWN_NOISE = ["K-weighting", "true peak", "reverb (stereo out)", "delay (stereo out)"]


def test_every_kernel_busy_and_idle_against_busy(bench):
    figures = bench("--workload", "kernels", "--kernels-seconds", "0.2", "--kernels-repeats", "2", "--frames", "32",
                    "--rate", "44100")
    assert (figures["seconds"], figures["repeats"], figures["block"], figures["rate"]) == (0.2, 2, 32, 44100)
    assert figures["silence_after_s"] == pytest.approx(0.1)  # half of a short signal, then silence
    assert figures["budget_ns_per_sample"] == pytest.approx(1e9 / 44100)
    rows = {k["name"]: k for k in figures["kernels"]}
    assert list(rows) == SIGNAL_KERNELS + OWN_NOISE
    for name, k in rows.items():
        assert k["busy_ns"] > 0, name
        assert k["budget_percent"] == pytest.approx(100 * k["busy_ns"] / figures["budget_ns_per_sample"]), name
        assert k["per"] == ("frame" if name == "limiter, stereo linked" else "sample")
    for name in SIGNAL_KERNELS:  # idle is measured in the same process, against busy
        assert rows[name]["idle_ns"] > 0
        assert rows[name]["idle_over_busy"] == pytest.approx(rows[name]["idle_ns"] / rows[name]["busy_ns"])
    for name in OWN_NOISE:
        assert rows[name]["idle_ns"] is None and rows[name]["idle_over_busy"] is None


def test_the_kernels_table(bench_text):
    text = bench_text("--workload", "kernels", "--kernels-seconds", "0.1", "--kernels-repeats", "1")
    assert text.startswith("kernels: offline in C, 0.1 s of a music-like signal at 48000 Hz in 64-frame blocks")
    number = r"\d+\.\d+"
    for name in SIGNAL_KERNELS:
        assert re.search(rf"^  {re.escape(name)}.*\s{number}\s+{number} %\s+{number}\s+{number}×$", text, re.M), name
    assert re.search(r"^  limiter, stereo linked \(per frame\)\s", text, re.M)
    for name in OWN_NOISE:
        assert re.search(rf"^  {re.escape(name)}\s+{number}\s+{number} %\s+—\s+—$", text, re.M), name
    assert "denormals would make idle 10–100× busy" in text
