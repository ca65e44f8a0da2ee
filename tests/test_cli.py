"""The ``mixerd`` command as a user runs it: the demo end to end (own jackd, generators, web page in
Chromium, Ctrl-C), the bench, and a bad config."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from support import unique_server_name

from mixerd.jackhost import server_running

CHROMIUM = "/usr/bin/chromium"
MIXERD = [sys.executable, "-m", "mixerd"]


class Output:
    """Collects a process's output lines in a thread so the test can wait for one."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip())
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if m := re.search(pattern, line):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))
                self._cond.wait(left)


@pytest.mark.jack
@pytest.mark.browser
def test_demo_runs_shows_moving_meters_and_stops_what_it_started(tmp_path):
    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\n')
    proc = subprocess.Popen([*MIXERD, "demo", "--config", str(config), "--port", "0",
                             "--state-dir", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        assert server_running(server), "the demo did not start its own jackd"
        with httpx.Client(base_url=url + "api/v1", timeout=10) as api:
            health = api.get("/health").json()
            assert health["engine"]["sample_rate"] == 48000 and health["engine"]["period"] == 64
            first = api.get("/meters").json()
            deadline = time.monotonic() + 10
            while (second := api.get("/meters").json())["seq"] == first["seq"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert second["seq"] > first["seq"]
            for n in range(1, 9):  # a tone on every channel
                assert second["points"][f"ch/{n}/input"]["hold"][0] > -30
            for b in range(1, 5):  # and something in every mix
                assert max(second["points"][f"bus/{b}"]["hold"]) > -40
            state = api.get("/state").json()["values"]
            assert state["ch/1/name"] == "Kick" and state["gen/1/on"] is True

        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync"])
            try:
                page = browser.new_page(viewport={"width": 360, "height": 740})
                page.goto(url)
                expect(page.locator("#engine-state")).to_have_text("running")
                expect(page.locator("#channels .strip-name").first).to_have_text("Kick")
                readout = page.locator('[data-point="ch/1/input"] .readout')
                expect(readout).not_to_have_text("-∞")
                # Channel 1's tone pulses (2 Hz modulation): its readout changes while we watch.
                seen = {readout.text_content()}
                deadline = time.monotonic() + 10
                while len(seen) < 3 and time.monotonic() < deadline:
                    page.wait_for_timeout(50)
                    seen.add(readout.text_content())
                assert len(seen) >= 3, f"meter readout did not move: {seen}"
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal
        code = proc.wait(30)
    assert code == 0, "\n".join(out.lines)
    out.wait_for("mixerd stopped")
    assert not server_running(server), "Ctrl-C left the demo's jackd running"


def test_bench_prints_its_figures():
    result = subprocess.run([*MIXERD, "bench", "--workload", "mix", "--json", "--inputs", "4", "--buses", "3",
                             "--stereo-buses", "1", "--seconds", "0.05"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert set(figures) >= {"mix", "budget_us"} and "full" not in figures
    mix = figures["mix"]
    assert mix["sends"] == 12 and mix["pre_fader_sends"] == 6
    assert mix["core_us_per_block"] > 0 and mix["numpy_us_per_block"] > 0
    assert mix["numpy_over_core"] == pytest.approx(mix["numpy_us_per_block"] / mix["core_us_per_block"])
    assert mix["max_abs_diff"] < 1e-5  # both did the same mix
    text = subprocess.run([*MIXERD, "bench", "--inputs", "4", "--buses", "2", "--seconds", "0.05",
                           "--scaling-inputs", "2,4", "--scaling-buses", "1,3"],
                          capture_output=True, text=True, timeout=120).stdout
    assert "% of the" in text and "numpy/core" in text
    assert text.count("numpy/core") == 2  # the mix and the full workload
    table = text[text.index("scaling:"):text.index("targets")]
    assert re.search(r"aux buses\s+1\s+3\s*$", table, re.M)
    assert len(re.findall(r"^\s+[24](\s+[\d.]+ µs\s+[\d.]+ %){2}\s*$", table, re.M)) == 2
    assert re.search(r"real-time budget: [\d.]+ % — (met|NOT met)", text)
    assert re.search(r"faster than numpy/scipy: \d+× — (met|NOT met)", text)


def test_bench_full_workload_reports_every_figure():
    result = subprocess.run([*MIXERD, "bench", "--workload", "full", "--inputs", "4", "--buses", "2", "--no-scaling",
                             "--seconds", "0.05", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
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


def test_bad_config_is_a_clear_error_not_a_crash(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[engine]\nramp_msec = 5\n')
    result = subprocess.run([*MIXERD, "run", "--config", str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "ramp_msec" in result.stderr and "did you mean" in result.stderr and "ramp_ms" in result.stderr


@pytest.mark.jack
def test_run_daemon_stops_cleanly_on_sigterm(tmp_path):
    server = unique_server_name()
    config = tmp_path / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nrealtime = false\n[http]\nhost = "127.0.0.1"\nport = 0\n'
                      f'[state]\ndir = "{tmp_path / "state"}"\n')
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1)
        assert httpx.get(url + "api/v1/health", timeout=10).json()["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)  # what systemd sends on stop
        code = proc.wait(30)
    assert code == 0, "\n".join(out.lines)
    assert not server_running(server)


def test_profiles_lists_the_shipped_profiles():
    result = subprocess.run([*MIXERD, "profiles"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("demo ") and "dummy" in line for line in lines)
    assert any(line.startswith("focusrite-scarlett-18i20-gen3 ") and "alsa" in line for line in lines)
