"""Ringing out a real acoustic loop in JACK: a wedge mix fed back into its mic's channel through a resonance with
gain above 0 dB (tests/feedback_loop.py, a JACK client of its own) howls; the feedback finder names the frequency
within a sixth of an octave, and in auto mode its notch stops the howl. Every wait is bounded and waits for what
it is about (a problem named, the mix quiet), not for time."""

from __future__ import annotations

import numpy as np
import pytest
from feedback_loop import looping
from support import mixer_config, wait_until

from mixerd.daemon import Mixer

pytestmark = pytest.mark.jack

RESONANCE = 1000.0


def peak_db(mixer, point: str) -> float:
    return max(mixer.control.meters()["points"][point]["peak"])


def test_a_howling_wedge_is_named_and_the_auto_notch_stops_it(jack_server, tmp_path):
    mixer = Mixer(mixer_config(jack_server, tmp_path))
    mixer.start()
    try:
        control = mixer.control
        # Channel 1 is the singer's mic, heard in the wedge (mix 2) at 0 dB, before the fader; nothing else plays.
        control.set_many({"ch/1/send/2/level": 0.0, "ch/1/send/2/on": True, "ch/1/send/2/pre": True,
                          "bus/2/fader": 0.0, "bus/2/ringout": True}, "rest")
        with looping(jack_server, "mixerd:bus_2", "mixerd:in_1", freq=RESONANCE):
            # It howls, and the finder names it near the resonance.
            wait_until(lambda: any(p.code == "feedback" for p in mixer.listener.problems()), timeout=60,
                       what="the howl named")
            # The loop's strongest mode; while it grows, a neighbouring mode of the loop may be named beside it
            # (a real second frequency near the resonance), never anything else.
            found = [p for p in mixer.listener.problems() if p.code == "feedback"]
            assert found and all(p.address == "bus/2" for p in found)
            assert all(abs(np.log2(p.details["freq"] / RESONANCE)) < 1 / 6 for p in found), found
            assert peak_db(mixer, "bus/2") > -20  # it really howls

            # Auto: the notch goes in (one undo step of the finder's) and the howl dies away.
            control.set("feedback/auto", True, "rest")
            wait_until(lambda: any(e.actor == "feedback" for e in control.history(20)), timeout=30,
                       what="the finder's notch")
            wait_until(lambda: peak_db(mixer, "bus/2") < -40, timeout=60, what="the wedge quiet")
            notched = [e for e in control.history(50) if e.actor == "feedback" and e.address.endswith("/freq")]
            assert notched and all(abs(np.log2(e.new / RESONANCE)) < 1 / 6 for e in notched)
    finally:
        mixer.stop()
