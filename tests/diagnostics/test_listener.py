"""The listener on the real engine offline: it feeds the analysis ring only what somebody listens to, names a howl
on a mix being rung out as a ``feedback`` problem with its notch, notches it by itself in auto mode (one undo step
each; the tone is lower in the mix's output after it), sends RTA frames to a watcher, and lets go of the ring when
nobody listens. (A howl the mix makes itself, stopped by the notch, is the JACK loop test's.)"""

import numpy as np
import pytest
from support import ManualClock, wait_until

from mixerd.control import Control
from mixerd.diagnostics.listener import Listener
from mixerd.engine import Engine
from mixerd.model.errors import ParamError
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree

RATE = 48000
BLOCK = 1024
LAYOUT = Layout(inputs=("Vox", "Gtr"), buses=(BusLayout("Wedge"), BusLayout("IEM", stereo=True)), generators=0)


@pytest.fixture
def mixer():
    engine = Engine(LAYOUT, sample_rate=RATE)
    control = Control(ParamTree.from_layout(LAYOUT), engine)
    control.set_many({"ch/1/send/1/level": 0.0, "ch/1/send/1/on": True, "ch/1/send/1/pre": True}, "rest")
    return control, engine


def howl(seconds: float, freq: float = 1250.0, start_db: float = -50.0, end_db: float = -12.0) -> np.ndarray:
    """A tone growing out of a little noise, into channel 1 (the wedge hears it): what feedback sounds like."""
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    tone = np.sqrt(2) * 10 ** (np.linspace(start_db, end_db, n) / 20) * np.sin(2 * np.pi * freq * t)
    noise = np.random.default_rng(5).normal(0, 10 ** (-50 / 20), n)
    x = np.zeros((LAYOUT.n_inputs, n), np.float32)
    x[0] = tone + noise
    return x


def play(listener, engine, clock, x, switches) -> np.ndarray:
    """Mix ``x`` block by block, the listener reading after each block (its thread's loop, one turn at a time);
    returns the wedge's output."""
    out = []
    for i in range(0, x.shape[1], BLOCK):
        y = engine.core.process(x[:, i:i + BLOCK])
        out.append(y[2])  # main L, main R, then the wedge
        clock.now += BLOCK / RATE
        listener._listen(switches)
    return np.concatenate(out)


def test_a_howl_on_a_mix_being_rung_out_is_a_feedback_problem_with_its_notch(mixer):
    control, engine = mixer
    clock = ManualClock()
    listener = Listener(control, engine, clock=clock)
    control.set("bus/1/ringout", True, "rest")
    switches = listener._switches()
    listener._retune(switches)
    assert engine.analysing is not None and list(engine.analysing.tracks) == ["bus/1"]
    play(listener, engine, clock, howl(1.5), switches)
    [problem] = listener.problems()
    assert (problem.code, problem.address, problem.severity) == ("feedback", "bus/1", "error")
    assert abs(np.log2(problem.details["freq"] / 1250.0)) < 1 / 6
    assert problem.message.startswith("Wedge: feedback at 1.25 kHz")
    notch = problem.details["notch"]
    assert notch["bus/1/eq/2/gain"] < 0 and abs(notch["bus/1/eq/2/freq"] - 1250.0) < 20
    assert control.get("bus/1/eq/2/gain") == 0.0  # offered, not applied
    # ringing out ends: the ring is let go
    control.set("bus/1/ringout", False, "rest")
    listener._retune(listener._switches())
    assert engine.analysing is None and listener.problems() == []


def test_auto_mode_notches_the_howl_as_one_undo_step_and_the_mix_quietens(mixer):
    control, engine = mixer
    clock = ManualClock()
    listener = Listener(control, engine, clock=clock)
    control.set_many({"bus/1/ringout": True, "feedback/auto": True}, "rest")
    switches = listener._switches()
    listener._retune(switches)
    steady = howl(3.0, start_db=-40.0, end_db=-12.0)
    out = play(listener, engine, clock, steady, switches)
    entry = control.history(1)[0]
    assert (entry.origin, entry.actor) == ("system", "feedback")
    assert control.get("bus/1/eq/2/gain") < 0 and control.get("bus/1/eq/on") is True
    # the notch took the howl down: the tone's level at the wedge after the notch, against the same tone before
    tail, head = out[-RATE // 4:], out[RATE:RATE + RATE // 4]
    assert 20 * np.log10(np.abs(tail).max() / np.abs(steady[0, -RATE // 4:]).max()) < -5.0
    assert np.abs(head).max() > 0
    # each notch its own undo step (the howl here comes from outside and stays: deepened once a second)
    steps = {e.step for e in control.history() if e.actor == "feedback"}
    assert 1 <= len(steps) <= 3
    for _ in steps:
        control.undo(actor="feedback")
    assert control.get("bus/1/eq/2/gain") == 0.0


def looking_at_a_tone(mixer):
    """A listener with an RTA watch on ch/1/inserts that has heard half a second of a −20 dB RMS 1 kHz tone:
    (listener, engine, clock, the frames sent, the watch, the switches)."""
    control, engine = mixer
    clock = ManualClock()
    listener = Listener(control, engine, clock=clock)
    frames = []
    watch = listener.watch("ch/1/inserts", 3, frames.append)
    switches = listener._switches()
    listener._retune(switches)
    play(listener, engine, clock, howl(0.5, freq=1000.0, start_db=-20.0, end_db=-20.0), switches)
    return listener, engine, clock, frames, watch, switches


def test_an_rta_watcher_gets_frames_of_its_point_and_a_bad_point_is_refused(mixer):
    listener, engine, clock, frames, watch, switches = looking_at_a_tone(mixer)
    assert list(engine.analysing.tracks) == ["ch/1/inserts"]
    assert frames and frames[-1]["point"] == "ch/1/inserts" and len(frames[-1]["levels"]) == 31
    band = frames[-1]["centres"].index(1000.0)
    assert frames[-1]["levels"][band] == pytest.approx(-17.0, abs=1.0)  # RMS −20 dB: a sine peaking at −17 dBFS
    listener.unwatch(watch)
    listener._retune(switches)
    assert engine.analysing is None
    with pytest.raises(ParamError, match="not a meter point"):
        listener.watch("ch/9/inserts", 3, frames.append)
    with pytest.raises(ParamError, match="3 or 6 bands"):
        listener.watch("main", 12, frames.append)


def test_a_new_look_at_a_point_starts_its_peak_hold_afresh(mixer):
    """The web app's Reset peaks asks for the RTA again: the held peak of a tone gone quiet goes with it."""
    listener, engine, clock, frames, watch, switches = looking_at_a_tone(mixer)
    silence = np.zeros((LAYOUT.n_inputs, RATE // 2), np.float32)
    play(listener, engine, clock, silence, switches)  # shorter than the hold (2 s): the tone's peak stays
    band = frames[-1]["centres"].index(1000.0)
    assert frames[-1]["levels"][band] < -100 and frames[-1]["peaks"][band] == pytest.approx(-17.0, abs=1.0)
    listener.unwatch(watch)
    listener.watch("ch/1/inserts", 3, frames.append)
    play(listener, engine, clock, silence, switches)
    assert frames[-1]["peaks"][band] < -100


def test_the_thread_follows_the_ring_out_switch(mixer):
    control, engine = mixer
    listener = Listener(control, engine)
    listener.start()
    try:
        assert engine.analysing is None
        control.set("main/ringout", True, "rest")
        wait_until(lambda: engine.analysing is not None and list(engine.analysing.tracks) == ["main"],
                   what="the main listened to")
        control.set("feedback/watch", True, "rest")
        wait_until(lambda: engine.analysing is not None and set(engine.analysing.tracks) == {"bus/1", "bus/2", "main"},
                   what="every mix listened to")
        control.set_many({"main/ringout": False, "feedback/watch": False}, "rest")
        wait_until(lambda: engine.analysing is None, what="nothing listened to")
    finally:
        listener.stop()


def test_ringing_out_a_mix_whose_rta_is_already_shown_finds_its_howl(mixer):
    control, engine = mixer
    clock = ManualClock()
    listener = Listener(control, engine, clock=clock)
    listener.watch("bus/1", 3, lambda frame: None)  # the mix's RTA on a page already
    listener._retune(listener._switches())
    control.set("bus/1/ringout", True, "rest")  # the same point: the ring is not fed anew, the finder starts
    switches = listener._switches()
    listener._retune(switches)
    play(listener, engine, clock, howl(1.5), switches)
    assert [p.code for p in listener.problems()] == ["feedback"]
