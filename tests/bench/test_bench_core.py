"""``mixerd bench --workload mix|full|all`` (mixerd/bench/core.py)."""

from __future__ import annotations

import re

import pytest


def test_bench_prints_its_figures(bench, bench_text):
    figures = bench("--workload", "mix", "--inputs", "4", "--buses", "3", "--stereo-buses", "1", "--seconds", "0.05")
    assert set(figures) >= {"mix", "budget_us"} and "full" not in figures
    mix = figures["mix"]
    assert mix["sends"] == 12 and mix["pre_fader_sends"] == 6
    assert mix["core_us_per_block"] > 0 and mix["numpy_us_per_block"] > 0
    assert mix["numpy_over_core"] == pytest.approx(mix["numpy_us_per_block"] / mix["core_us_per_block"])
    assert mix["max_abs_diff"] < 1e-5  # both did the same mix
    text = bench_text("--inputs", "4", "--buses", "2", "--seconds", "0.05", "--scaling-inputs", "2,4",
                      "--scaling-buses", "1,3")
    assert "% of the" in text and "numpy/core" in text
    assert text.count("numpy/core") == 2  # the mix and the full workload
    table = text[text.index("scaling:"):text.index("targets")]
    assert re.search(r"aux buses\s+1\s+3\s*$", table, re.M)
    assert len(re.findall(r"^\s+[24](\s+[\d.]+ µs\s+[\d.]+ %){2}\s*$", table, re.M)) == 2
    assert re.search(r"real-time budget: [\d.]+ % — (met|NOT met)", text)
    assert re.search(r"faster than numpy/scipy: \d+× — (met|NOT met)", text)
    assert re.search(r"GEQ  :\s+[+-][\d.]+ µs/block = [+-][\d.]+ % on the core's [\d.]+ µs/block with the graphic "
                     r"EQs bypassed", text)
    assert re.search(r"graphic EQs add at most 25 % to the core's time: [+-][\d.]+ % — (met|NOT met)", text)


def test_bench_full_workload_reports_every_figure(bench):
    figures = bench("--workload", "full", "--inputs", "4", "--buses", "2", "--no-scaling", "--seconds", "0.05")
    assert "mix" not in figures and "scaling" not in figures
    full, targets = figures["full"], figures["targets"]
    assert (full["inputs"], full["buses"], full["fx_buses"]) == (4, 2, 2)
    assert full["sends"] == 4 * (2 + 2) and full["pre_fader_sends"] == 4  # half the aux sends
    for key in ("core_us_per_block", "core_budget_percent", "numpy_us_per_block", "numpy_over_core", "budget_us"):
        assert full[key] > 0, key
    assert full["core_blocks"] > 0 and full["numpy_blocks"] >= 3
    assert full["budget_us"] == pytest.approx(64 / 48000 * 1e6)
    assert full["core_budget_percent"] == pytest.approx(100 * full["core_us_per_block"] / full["budget_us"])
    assert full["numpy_over_core"] == pytest.approx(full["numpy_us_per_block"] / full["core_us_per_block"])
    assert full["max_abs_diff"] < 1e-4  # the core and numpy/scipy did the same processing
    assert targets["reference_workload"] is False  # 4 × 2 is not the 32 × 16 the targets are set for
    assert targets["budget_percent_max"] == 5 and targets["speedup_min"] == 30
    assert targets["core_budget_percent"] == full["core_budget_percent"]
    assert targets["numpy_over_core"] == full["numpy_over_core"]
    assert targets["budget_met"] == (full["core_budget_percent"] < 5)
    assert targets["speedup_met"] == (full["numpy_over_core"] >= 30)
    # The graphic EQs (2 aux buses and the main, 4–6 bands cut each): timed in and bypassed.
    assert full["geq_outputs"] == 3 and 12 <= full["geq_bands_cut"] <= 18
    assert full["core_geq_bypassed_us_per_block"] > 0
    assert full["geq_us_per_block"] == pytest.approx(full["core_us_per_block"] - full["core_geq_bypassed_us_per_block"])
    assert full["geq_share"] == pytest.approx(full["geq_us_per_block"] / full["core_geq_bypassed_us_per_block"])
    assert targets["geq_share_max"] == 0.25 and targets["geq_share"] == full["geq_share"]
    assert targets["geq_share_met"] == (full["geq_share"] <= 0.25)
