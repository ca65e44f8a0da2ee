"""``mixerd bench --workload daemon`` (mixerd/bench/daemon.py): a child ``mixerd run`` on its own jackd and
mosquitto, measured through /proc, against its core offline."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from mixerd.bench.daemon import _cpu_ticks, profile_toml
from mixerd.profiles import load_profile

pytestmark = pytest.mark.jack

needs_mosquitto = pytest.mark.skipif(shutil.which("mosquitto") is None and not os.path.exists("/usr/sbin/mosquitto"),
                                     reason="mosquitto is not installed")


def test_the_generated_profile_is_the_mixer_asked_for(tmp_path):
    path = tmp_path / "bench-3x2.toml"
    path.write_text(profile_toml(3, 2))
    layout = load_profile(str(path)).layout(generators=0).with_fx(("reverb", "delay"))
    assert layout.n_inputs == 3
    assert [b.is_fx for b in layout.buses] == [False, False, True, True]


def test_cpu_ticks_of_a_thread_whose_name_has_spaces_and_brackets():
    fields = ["S"] + ["0"] * 10 + ["7", "5"] + ["0"] * 30
    assert _cpu_ticks("123 (a (b) c) " + " ".join(fields)) == 12


@needs_mosquitto
def test_the_daemon_bench_prints_the_whole_process_against_its_core(bench):
    figures = bench("--workload", "daemon", "--inputs", "4", "--buses", "2", "--daemon-seconds", "1",
                    "--daemon-clients", "0,2", "--daemon-dragging", "1", "--daemon-osc-apps", "2", "--daemon-rta", "1",
                    timeout=300)
    assert (figures["inputs"], figures["buses"], figures["fx_buses"]) == (4, 2, 2)
    assert (figures["frames"], figures["rate"]) == (64, 48000)
    core = figures["core"]
    assert core["how"] == "offline" and core["us_per_block"] > 0 and core["blocks"] > 0
    assert core["cpu_percent"] == pytest.approx(100 * core["us_per_block"] / (64 / 48000 * 1e6))
    runs = core["us_per_block_runs"]
    assert runs["n"] == 5 and runs["min"] <= core["us_per_block"] == runs["median"] <= runs["max"]
    # one more case with the most clients, one of them on the RTA, one with one of them dragging a fader, and one
    # with X AIR apps on OSC
    assert [(c["clients"], c["dragging"], c.get("rta"), c.get("osc_apps")) for c in figures["cases"]] == [
        (0, 0, 0, None), (2, 0, 0, None), (2, 0, 1, None), (2, 1, 0, None), (0, 0, None, 2)]
    for case in figures["cases"]:
        assert case["seconds"] > 0 and case["cpu_percent"] > 0 and case["rss_mb"] > 0
        assert 0 < case["core_percent"] < case["cpu_percent"]  # the callback's own time in the span
        assert case["over_core"] == pytest.approx(case["cpu_percent"] / case["core_percent"])
        assert case["over_offline_core"] == pytest.approx(case["cpu_percent"] / core["cpu_percent"])
        names = {t["name"] for t in case["threads"]}
        assert "main" in names and "mixerd-meters" in names  # Python threads carry their names
        assert all(t["cpu_percent"] >= 0 and t["count"] > 0 for t in case["threads"])
        if figures["realtime_jackd"]:  # the thread that runs the core's callback, told apart when realtime
            assert "jack-rt" in names and case["rt_thread_percent"] >= 0
        else:
            assert case["rt_thread_percent"] is None
    idle, busy, rta, dragging, osc = figures["cases"]
    assert rta["rta_hz"] > 1 and busy["rta_hz"] is None  # the client on the RTA got its frames
    assert idle["frames_hz"] is None
    assert busy["frames_hz"]["n"] == 2 and busy["frame_bytes"] > 0  # the clients read meter frames
    assert idle["changes_hz"] == busy["changes_hz"] == 0  # nobody changes anything
    assert dragging["changes_hz"] > 0  # the drag's moves were applied (how many a busy machine lets through)
    # the OSC apps got meters and the changes an app made, every app the same ones (tests/osc/test_osc_load.py
    # checks them against what mixerd applied)
    assert osc["changes_hz"] > 0 and osc["frames_hz"]["n"] == 2 and osc["osc_changes_seen"]["min"] > 0
    assert osc["osc_all_alike"] and osc["osc_all_ended"] and osc["osc_changes_sent"] > 0
    assert "mixerd-osc" in {t["name"] for t in osc["threads"]}
    assert figures["rss_mb"] == max(c["rss_mb"] for c in figures["cases"])
    assert 0 < figures["own_rss_mb"] <= figures["rss_mb"] and all(c["jack_shm_mb"] > 0 for c in figures["cases"])
    assert figures["meter_points"] > 0 and figures["xruns"] >= 0
    # a bare C JACK client beside it: its RSS is mostly JACK's port table, which libjack locks into every client
    bare = figures["bare_client"]
    assert bare["cpu_percent"] >= 0 and 0 < bare["jack_shm_mb"] < bare["rss_mb"] < figures["rss_mb"]


@needs_mosquitto
def test_the_daemon_lines(bench_text):
    text = bench_text("--workload", "daemon", "--inputs", "2", "--buses", "1", "--daemon-seconds", "0.5",
                      "--daemon-clients", "1", "--daemon-dragging", "1", "--daemon-osc-apps", "1", "--daemon-rta", "1",
                      timeout=300)
    assert text.startswith("daemon: the whole mixerd process (mixerd run, a child measured through /proc) with 2 "
                           "inputs × 1 mixes + 2 FX")
    assert re.search(r"core: its JACK callback's own time in each span .*: [\d.]+ µs/block = [\d.]+ % of one core "
                     r"\(median of 5: ", text)
    assert re.search(r"^ +1 +[\d.]+ % +[\d.]+ % +[\d.]+× +(—|[\d.]+ %) +[\d.]+ \(min [\d.]+\) +\d+ MB +\(\d+ MB\)$", text, re.M)
    assert re.search(r"^  a bare C JACK client on the same server \(jack_metro\) in the same spans: [\d.]+ % of one core, "
                     r"RSS \d+ MB \(\d+ MB of it JACK's shm\)$", text, re.M)
    assert re.search(r"^ +1 \(1 dragging\) +[\d.]+ % +[\d.]+ % ", text, re.M)
    assert re.search(r"^  1 clients dragging a fader at 30 moves a second each: [\d.]+ changes a second applied$",
                     text, re.M)
    assert re.search(r"MQTT meter messages: [\d.]+ a second; xruns during the cases: \d+", text)
    assert re.search(r"^  threads with 1 clients: ", text, re.M)
    assert re.search(r"^ +1 \(1 on the RTA\) +[\d.]+ % +[\d.]+ % ", text, re.M)
    assert re.search(r"^  1 of 1 clients looking at the main's RTA \(1/6 octave\): [\d.]+ RTA frames a second each$",
                     text, re.M)
    assert re.search(r"^ +1 X AIR apps +[\d.]+ % +[\d.]+ % ", text, re.M)
    assert re.search(r"^  1 X AIR apps \(/xremote and /meters/1\) while one more sets 200 faders a second: [\d.]+ changes "
                     r"a second applied; each app saw \d+ of them \(\d+ sent; the same ones, in the same order, in "
                     r"every app: yes\)$", text, re.M)
    assert re.search(r"^  threads with 1 X AIR apps: .*mixerd-osc", text, re.M)
