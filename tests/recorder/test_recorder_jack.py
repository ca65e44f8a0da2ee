"""Recording and virtual soundcheck in a whole mixer running in a real jackd (dummy backend, 64 frames): the audio
thread feeds the take's ring from JACK's realtime callback and the files hold the tone that played; the take then
plays back into its channel through JACK while the tone is off. Nothing here depends on a quiet machine: it waits
for what it is about and measures the tone, not the time."""

from __future__ import annotations

import time

import numpy as np
import pytest
import soundfile as sf
from support import wait_until

pytestmark = pytest.mark.jack

TONE_HZ = 1000.0


def tone_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-30)
    return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / len(x))


def peak_db(mixer, point: str) -> float:
    return mixer.control.meters()["points"][point]["peak"][0]


def test_a_take_recorded_in_jack_holds_the_tone_and_plays_back_through_jack(jack_mixer):
    mixer, control = jack_mixer, jack_mixer.control
    control.set_many({"gen/1/on": True, "gen/1/type": "sine", "gen/1/freq": TONE_HZ, "gen/1/level": -18.0,
                      "gen/1/target": "ch/1", "ch/1/trim": 0.0, "ch/1/mute": False}, "rest")
    wait_until(lambda: peak_db(mixer, "ch/1/input") > -19, what="the tone on channel 1")
    status = mixer.recorder.start(["ch/1", "main"], name="In JACK")
    wait_until(lambda: mixer.recorder.status()["seconds"] >= 1.0, timeout=60, what="a second recorded")
    take = mixer.recorder.stop()
    assert take["complete"] and take["frames"] >= take["rate"] and take["id"] == status["take"]
    folder = mixer.recorder.takes.path(take["id"])
    kick, rate = sf.read(folder / take["sources"][0]["file"], dtype="float32")
    main, _ = sf.read(folder / take["sources"][1]["file"], dtype="float32")
    assert len(kick) == len(main) == take["frames"] and main.shape[1] == 2
    steady = kick[rate // 10:]  # the tone was on before the take began: it fills the file
    assert tone_hz(steady, rate) == pytest.approx(TONE_HZ, abs=0.5)
    assert 20 * np.log10(np.abs(steady).max()) == pytest.approx(-18.0, abs=0.1)

    # Virtual soundcheck: the tone off, the take back into channel 1 through JACK's callback.
    control.set("gen/1/on", False, "rest")
    wait_until(lambda: peak_db(mixer, "ch/1/input") < -80, what="channel 1 silent")
    mixer.player.play(take["id"], loop=[0.1, take["frames"] / rate])
    try:
        wait_until(lambda: peak_db(mixer, "ch/1/input") > -19, what="the take heard on channel 1")
        time.sleep(0.2)  # not a measurement: a few more meter frames while it plays
        assert peak_db(mixer, "ch/1/input") == pytest.approx(-18.0, abs=0.2)
    finally:
        mixer.player.stop()
    wait_until(lambda: peak_db(mixer, "ch/1/input") < -80, what="the band (silent) back on channel 1")
    mixer.recorder.delete(take["id"], confirm=True)
