"""The recorder in a real ``mixerd run`` (a process of its own, in the tests' jackd, driven over HTTP) when things go
wrong: killed with SIGKILL in the middle of a take, and the disk filling up during one. Nothing here measures
time: the bounds are the product's (at most the last 10 s lost), counted in the engine's own cycles."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest
import soundfile as sf
import wavinfo
from support import Output, fill_disk, stop_mixerd, wait_until

pytestmark = pytest.mark.jack

MIXERD = [sys.executable, "-m", "mixerd"]
LOST_AT_MOST_S = 10  # the bound: a power cut or kill -9 loses at most the last 10 s
TONE = {"gen/1/on": True, "gen/1/type": "sine", "gen/1/freq": 1000.0, "gen/1/level": -18.0, "gen/1/target": "ch/1",
        "ch/1/trim": 0.0}


def write_config(folder: Path, server: str, takes: Path) -> Path:
    config = folder / "mixerd.toml"
    config.write_text(f'[jack]\nserver = "{server}"\nstart_server = "never"\nrealtime = false\n'
                      f'[http]\nhost = "127.0.0.1"\nport = 0\n[auth]\nenabled = false\n'
                      f'[state]\ndir = "{folder / "state"}"\n[mqtt]\nenabled = false\n'
                      f'[recorder]\ndir = "{takes}"\nreserve_mb = 0\n')
    return config


@contextmanager
def mixerd_run(config: Path) -> Iterator[tuple[subprocess.Popen, httpx.Client]]:
    """A ``mixerd run`` with ``config`` and an HTTP client on its API; stopped (Ctrl-C) at the end unless the test
    killed it."""
    proc = subprocess.Popen([*MIXERD, "run", "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    out = Output(proc)
    try:
        url = out.wait_for(r"(http://127\.0\.0\.1:\d+/)").group(1) + "api/v1"
        with httpx.Client(base_url=url, timeout=30) as api:
            wait_until(lambda: api.get("/health").status_code == 200, timeout=60, what="mixerd's audio running")
            yield proc, api
    finally:
        if proc.poll() is None:
            stop_mixerd(proc, out)


def ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


def cycles(api: httpx.Client) -> int:
    return ok(api.get("/health"))["engine"]["cycles"]


def problem_codes(api: httpx.Client) -> set[str]:
    return {p["code"] for p in ok(api.get("/diagnostics"))["problems"]}


def tone_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(x).max() + 1e-12))


def test_a_take_killed_with_sigkill_keeps_all_but_its_last_seconds(jack_server, tmp_path):
    """kill -9 in the middle of a take: every file opens afterwards (with soundfile, and with wavinfo, a reader
    of its own), holds the tone it recorded and all of the take but its last ≤ 10 s; the next start finds the
    take unfinished and completes it."""
    takes = tmp_path / "takes"
    takes.mkdir()  # a folder named by its full path is the user's to make (mixerd never makes it)
    config = write_config(tmp_path, jack_server, takes)
    with mixerd_run(config) as (proc, api):
        ok(api.patch("/params", json={"changes": TONE}))
        period = ok(api.get("/health"))["engine"]["period"]
        before = cycles(api)  # the take begins after this cycle
        take_id = ok(api.post("/recorder/start", json={"sources": ["ch/1", "ch/2", "main"], "name": "Cut off"}))["take"]
        wait_until(lambda: ok(api.get("/recorder"))["seconds"] >= 14, timeout=180, what="14 s recorded")
        at_kill = cycles(api)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    # The take was at most this long when mixerd died (it began after `before`, and died right after `at_kill`).
    longest = (at_kill - before) * period
    folder = takes / take_id
    sidecar = json.loads((folder / "take.json").read_text())
    rate = sidecar["rate"]
    assert not sidecar["complete"]  # nobody finished it
    kept = {}
    for source in sidecar["sources"]:
        path = folder / source["file"]
        with sf.SoundFile(str(path)) as f:
            kept[source["address"]] = f.frames
            assert f.samplerate == rate and f.channels == source["channels"]
            audio = f.read(dtype="float32", always_2d=True)
        info = wavinfo.WavInfoReader(str(path))
        assert info.fmt.sample_rate == rate and info.bext.description.endswith(source["address"])
        assert f.frames >= longest - LOST_AT_MOST_S * rate, (source["file"], f.frames / rate, longest / rate)
        if source["address"] == "ch/1":  # the tone is there to the last frame kept
            assert tone_db(audio[-rate:, 0]) == pytest.approx(-18.0, abs=0.2)
    with mixerd_run(config) as (_, api):
        take = ok(api.get(f"/takes/{take_id}"))
        assert take["complete"] and take["frames"] >= min(kept.values())
        for n, source in enumerate(take["sources"], 1):
            with sf.SoundFile(str(folder / source["file"])) as f:
                assert f.frames >= take["frames"]
            assert ok_bytes(api.get(f"/takes/{take_id}/files/{n}"))[:4] in (b"RIFF", b"RF64")


def ok_bytes(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.text
    return response.content


def test_a_disk_that_fills_up_ends_the_take_cleanly_and_the_mixing_goes_on(jack_server, tmp_path, small_disk):
    """The disk fills during a take: the take is closed with what reached the disk (every file opens, the tone in
    it), the problem is reported (recorder status, /health, the problem finder), the audio never stops, a new take
    is refused while the disk is full and allowed once there is room again."""
    config = write_config(tmp_path, jack_server, small_disk)
    with mixerd_run(config) as (proc, api):
        ok(api.patch("/params", json={"changes": TONE}))
        take_id = ok(api.post("/recorder/start", json={"sources": ["ch/1", "main"], "name": "Stick"}))["take"]
        # 3 s handed to the files: more than one 256 KiB write of each, so some of it is on the disk for sure
        wait_until(lambda: ok(api.get("/recorder"))["seconds"] >= 3, timeout=60, what="3 s recorded")
        filler = fill_disk(small_disk, leave=256 * 1024)
        wait_until(lambda: not ok(api.get("/recorder"))["recording"], timeout=60, what="the take ended by the disk")

        status = ok(api.get("/recorder"))
        assert status["problem"]["code"] == "recorder_disk_full", status
        assert "disk is full" in status["problem"]["message"]  # no reserve kept: full, in plain words
        health = ok(api.get("/health"))
        assert health["status"] == "ok" and health["recorder"] == {"recording": False, "problem": status["problem"]}
        wait_until(lambda: "recorder_stopped" in problem_codes(api), what="the problem finder's next look")
        problems = {p["code"]: p for p in ok(api.get("/diagnostics"))["problems"]}
        assert problems["recorder_stopped"]["message"] == status["problem"]["message"]

        # The mixing goes on: cycles advance and channel 1's tone is still metered where it was.
        now = cycles(api)
        wait_until(lambda: cycles(api) > now + 100, what="the engine's cycles advancing")
        assert ok(api.get("/meters"))["points"]["ch/1/input"]["peak"][0] == pytest.approx(-18.0, abs=0.5)
        assert proc.poll() is None

        take = ok(api.get(f"/takes/{take_id}"))
        # What reached the disk is kept (what the files still held in memory when it filled up is not).
        assert take["complete"] and take["frames"] >= take["rate"] // 2 and "full" in take["problem"]
        for source in take["sources"]:
            with sf.SoundFile(str(small_disk / take_id / source["file"])) as f:
                assert f.frames >= take["frames"]
                audio = f.read(take["frames"], dtype="float32", always_2d=True)
            if source["address"] == "ch/1":
                assert tone_db(audio[take["rate"] // 10:, 0]) == pytest.approx(-18.0, abs=0.2)

        refused = api.post("/recorder/start", json={"sources": ["ch/1"]})
        error = refused.json()["error"]
        assert refused.status_code == 503 and error["code"] == "no_disk_space", refused.text
        assert "room for" in error["message"] and "this track" in error["message"] and error["allowed"]
        assert not ok(api.get("/recorder"))["recording"]

        filler.unlink()
        again = ok(api.post("/recorder/start", json={"sources": ["ch/1"], "name": "Room again"}))
        assert again["recording"] and again["problem"] is None
        ok(api.post("/recorder/stop"))
        wait_until(lambda: "recorder_stopped" not in problem_codes(api), what="the problem cleared by a good take")
