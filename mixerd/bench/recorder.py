"""``mixerd bench --workload recorder``: a long take of every input and the main, and what it costs.

A whole mixer (daemon parts, MQTT off, state and takes in a temporary directory) starts its own jackd (dummy
backend, 64 frames at 48 kHz, realtime when allowed) with ``--inputs`` channels (32) and a signal generator on
each, every one at its own frequency (a distinct signal on every input). The reference, in the same process and
on the same mixer, is a span of ``--recorder-seconds`` without recording; then every channel (after its trim) and
the main are recorded for as long. Measured: the process's CPU and the core's own callback time in each span (the
taps' cost is the difference), the disk thread's CPU, the bytes written a second, how far behind the disk fell (the
ring's fill, at most), frames lost, and the longest disk stall survived: half-way through the take the disk thread
stalls on purpose for ``--recorder-stall`` seconds (a slow USB stick); afterwards every file is checked: as many frames as the take, and each
channel's file carries its own generator's frequency. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from mixerd.bench.common import BenchError, positive_float
from mixerd.bench.daemon import name_threads, profile_toml, sample, usage
from mixerd.config import Config
from mixerd.jackhost import JackServerError, realtime_allowed
from mixerd.system.net import free_port

RATE, FRAMES = 48000, 64
LEVEL_DB = -18.0
POLL_S = 0.1  # how often the ring's fill is looked at


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("recorder (also --inputs)")
    group.add_argument("--recorder-seconds", type=positive_float, default=600.0,
                       help="recorder: how long the take runs, and the span without it (default 600)")
    group.add_argument("--recorder-stall", type=float, default=1.0,
                       help="recorder: seconds the disk thread stalls on purpose half-way through the take, as a slow "
                            "USB stick does (default 1; 0: none)")


def run(args: argparse.Namespace) -> dict:
    if not 0 <= args.recorder_stall < 60:
        raise BenchError(f"--recorder-stall {args.recorder_stall}: seconds from 0 to under 60", code=2)
    figures = measure_recorder(args.inputs, args.recorder_seconds, args.recorder_stall)
    if not args.json:
        print_recorder(figures)
    return figures


def generator_hz(n: int) -> float:
    """Channel n's frequency: a sixth of an octave apart from 100 Hz up (32 channels reach 3.6 kHz), each on a
    whole number of Hz."""
    return float(round(100 * 2 ** ((n - 1) / 6)))


def measure_recorder(inputs: int = 32, seconds: float = 600.0, stall: float = 1.0) -> dict:
    """The figures (see the module docstring). Names this process's threads at the OS level (the disk thread's CPU
    is read from /proc by name): for the bench's own process."""
    from mixerd.daemon import Mixer

    if shutil.which("jackd") is None:
        raise BenchError("the recorder bench starts its own jackd and jackd is not installed (apt install jackd2)",
                         code=2)
    if not 1 <= inputs <= 32:
        raise BenchError(f"--inputs {inputs}: the recorder bench puts a generator on every input, at most 32", code=2)
    name_threads()
    realtime = realtime_allowed()
    folder = Path(tempfile.mkdtemp(prefix="mixerd-bench-recorder-"))
    profile = folder / f"bench-{inputs}x0.toml"  # the file is named by the profile's id
    profile.write_text(profile_toml(inputs, 0))
    cfg = Config()
    cfg = dataclasses.replace(
        cfg, mixer=dataclasses.replace(cfg.mixer, profile=str(profile)),
        jack=dataclasses.replace(cfg.jack, server=f"mixerd-bench-{free_port()}", start_server="always",
                                 realtime=realtime),
        engine=dataclasses.replace(cfg.engine, generators=inputs),
        state=dataclasses.replace(cfg.state, dir=folder / "state"), mqtt=dataclasses.replace(cfg.mqtt, enabled=False),
        recorder=dataclasses.replace(cfg.recorder, reserve_mb=0))
    tones = {}
    for n in range(1, inputs + 1):
        tones.update({f"gen/{n}/on": True, f"gen/{n}/type": "sine", f"gen/{n}/freq": generator_hz(n),
                      f"gen/{n}/level": LEVEL_DB, f"gen/{n}/target": f"ch/{n}"})
    mixer = Mixer(cfg, initial_changes=tones)
    quiet = logging.getLogger("mixerd")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        try:
            mixer.start()
        except JackServerError as exc:
            raise BenchError(f"the recorder bench could not start its own jackd: {exc}", code=2) from exc
        _wait(lambda: mixer.control.health()["engine"]["running"], "the mixer running in jackd")
        time.sleep(1.0)  # past the first cycles
        reference = _span(mixer, seconds)
        recorder = mixer.recorder
        recorder.start([f"ch/{n}" for n in range(1, inputs + 1)] + ["main"], name="bench")
        fill = _Fill(recorder)
        stalled = threading.Timer(seconds / 2, recorder.writer.stall, (stall,)) if stall else None
        try:
            if stalled:
                stalled.start()
            recording = _span(mixer, seconds, disk_thread="mixerd-recorder")
        finally:
            if stalled:
                stalled.cancel()
            fill.stop()
        take = recorder.stop()
        checked = _check(recorder.takes.path(take["id"]), take, inputs)
        xruns = int(mixer.control.health()["engine"]["xruns"])
    finally:
        mixer.stop()
        quiet.setLevel(level)
        shutil.rmtree(folder, ignore_errors=True)
    tracks = inputs + 2
    return {"inputs": inputs, "tracks": tracks, "rate": RATE, "frames": FRAMES, "realtime_jackd": realtime,
            "seconds": seconds, "without": reference, "recording": recording,
            "cpu_over_reference": recording["cpu_percent"] / reference["cpu_percent"],
            "core_over_reference": recording["core_percent"] / reference["core_percent"],
            "bytes_per_s": take["bytes"] / max(take["seconds"], 1e-9), "take_seconds": take["seconds"],
            "take_bytes": take["bytes"],
            "buffer_max": fill.most, "buffer_capacity_s": fill.capacity_s, "lost_s": fill.lost_s,
            "stall_injected_s": stall, "stall_max_s": fill.stall_max,
            "xruns": xruns, **checked}


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"the recorder bench waited in vain for {what}")
        time.sleep(0.05)


def _span(mixer, seconds: float, disk_thread: str | None = None) -> dict:
    """The process's CPU and the core's callback time over ``seconds`` (and a thread's CPU, if named), read from
    /proc as the daemon bench reads its child."""
    core = mixer.engine.core
    before, c0 = sample(os.getpid()), core.callback_time()[0]
    time.sleep(seconds)
    after, c1 = sample(os.getpid()), core.callback_time()[0]
    used = usage(before, after)
    out = {"cpu_percent": used["cpu_percent"], "core_percent": 100 * (c1 - c0) / used["seconds"]}
    if disk_thread:
        out["disk_thread_percent"] = sum(t["cpu_percent"] for t in used["threads"] if t["name"] == disk_thread[:15])
    return out


class _Fill:
    """How full the recorder's ring got (how far behind the disk fell), looked at every POLL_S."""

    def __init__(self, recorder):
        self.most = 0.0
        self.lost_s = 0.0
        self.capacity_s = 0.0
        self.stall_max = 0.0
        self._recorder = recorder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mixerd-bench-fill", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            status = self._recorder.status()
            if status["recording"]:
                self.most = max(self.most, status["buffer"])
                self.lost_s = status["lost_seconds"]
                self.stall_max = status["stall_max"]
                self.capacity_s = self._recorder.buffer_s

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


#: Frames a phase is measured over (0.1 s at 48 kHz) and the largest step allowed between two of them: a lost or a
#: doubled sample moves the phase of a 100 Hz tone by 0.013 rad, the generator's own drift is about 1e-5.
PHASE_FRAMES, PHASE_STEP = 4800, 1e-3


def continuity(f: sf.SoundFile, hz: float) -> tuple[float, int]:
    """How steady a generator's tone is through a whole file: the phase of every PHASE_FRAMES (a least-squares fit
    of the tone), taken back to the file's first frame, must stay put. Returns the largest step between two
    measurements (radians) and the breaks (runs of steps beyond PHASE_STEP): a frame lost or doubled anywhere is
    one."""
    w = 2 * np.pi * hz / RATE
    m = np.arange(PHASE_FRAMES)
    fit = np.linalg.pinv(np.stack([np.sin(w * m), np.cos(w * m)], axis=1))  # (2, PHASE_FRAMES)
    f.seek(0)
    phases, at = [], 0
    for block in f.blocks(blocksize=PHASE_FRAMES * 100, dtype="float64", always_2d=True):
        whole = block.shape[0] // PHASE_FRAMES * PHASE_FRAMES
        chunks = block[:whole, 0].reshape(-1, PHASE_FRAMES)
        a, b = fit @ chunks.T
        starts = at + np.arange(len(chunks)) * PHASE_FRAMES
        phases.append(np.angle(np.exp(1j * (np.arctan2(b, a) - w * starts))))
        at += block.shape[0]
    phase = np.concatenate(phases)
    steps = np.abs(np.angle(np.exp(1j * np.diff(phase)))) if len(phase) > 1 else np.zeros(0)
    jumped = steps > PHASE_STEP
    # A break inside a measurement moves it half-way: two steps in a row are one break.
    breaks = int(np.sum(jumped[1:] & ~jumped[:-1]) + (jumped[0] if jumped.size else 0))
    return (float(steps.max()) if steps.size else 0.0), breaks


def _check(folder: Path, take: dict, inputs: int) -> dict:
    """Every file as long as the take; each channel's file on its own generator's frequency (the last second) and
    that tone unbroken from the first frame to the last (``continuity``: no frame lost, none doubled)."""
    lengths, off, steps, breaks = [], [], [], 0
    for i, source in enumerate(take["sources"]):
        with sf.SoundFile(str(folder / source["file"])) as f:
            lengths.append(f.frames)
            if i < inputs:
                f.seek(max(0, f.frames - RATE))
                x = f.read(RATE, dtype="float64", always_2d=True)[:, 0]
                spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
                found = (int(np.argmax(spectrum[1:])) + 1) * RATE / len(x)
                if abs(found - generator_hz(i + 1)) > 2.0:
                    off.append(f"{source['file']}: {found:.0f} Hz, not {generator_hz(i + 1):.0f}")
                step, broken = continuity(f, generator_hz(i + 1))
                steps.append(step)
                breaks += broken
    return {"files": len(lengths), "files_as_long_as_the_take": all(n == take["frames"] for n in lengths),
            "distinct_signals_found": inputs - len(off), "signals_off": off,
            "phase_step_max": max(steps, default=0.0), "breaks": breaks}


def print_recorder(r: dict) -> None:
    print(f"recorder: a take of {r['inputs']} inputs (a generator on each, every one its own frequency) and the main, "
          f"{r['tracks']} tracks of 24-bit PCM at {r['rate']} Hz, a whole mixer on its own "
          f"{'realtime' if r['realtime_jackd'] else 'non-realtime'} jackd (dummy, {r['frames']} frames), "
          f"{r['seconds']:g} s recording against {r['seconds']:g} s without")
    w, t = r["without"], r["recording"]
    print(f"  process CPU: {w['cpu_percent']:.1f} % of a core without, {t['cpu_percent']:.1f} % recording "
          f"({r['cpu_over_reference']:.2f}×); the disk thread {t['disk_thread_percent']:.1f} %")
    print(f"  the core's callback: {w['core_percent']:.2f} % without, {t['core_percent']:.2f} % with the taps "
          f"({r['core_over_reference']:.2f}×)")
    print(f"  written: {r['take_bytes'] / 1e6:.0f} MB in {r['take_seconds']:.1f} s of audio = "
          f"{r['bytes_per_s'] / 1e6:.2f} MB/s; the disk at most {100 * r['buffer_max']:.1f} % of the "
          f"{r['buffer_capacity_s']:g} s ring behind; lost {r['lost_s']:.2f} s; xruns {r['xruns']}")
    print(f"  the longest disk stall survived: {r['stall_max_s']:.2f} s (the disk thread stalled "
          f"{r['stall_injected_s']:g} s on purpose half-way; the ring lasts {r['buffer_capacity_s']:g} s)")
    print(f"  files: {r['files']}, all as long as the take: {'yes' if r['files_as_long_as_the_take'] else 'NO'}; "
          f"each channel its own frequency: {r['distinct_signals_found']} of {r['inputs']}"
          + (f" ({'; '.join(r['signals_off'])})" if r["signals_off"] else ""))
    print(f"  every tone unbroken from the first frame to the last (no frame lost, none doubled): "
          f"{'yes' if not r['breaks'] else 'NO'} ({r['breaks']} breaks; the phase moved at most "
          f"{r['phase_step_max']:.1e} rad between two tenths of a second; a lost frame moves it 1.3e-02 at 100 Hz)")
