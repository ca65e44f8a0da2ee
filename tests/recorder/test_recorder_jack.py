"""Recording and virtual soundcheck in a whole mixer running in a real jackd (dummy backend, 64 frames): the audio
thread feeds the take's ring from JACK's realtime callback and the files hold the tone that played; the take then
plays back into its channel through JACK while the tone is off, is heard at a mix output (measured by a probe client)
sample for sample as the live input was, and loops A–B without a gap or a click. Nothing here depends on a quiet
machine: it waits for what it is about and measures the audio, not the time."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import soundfile as sf
from support import RATE, Probe, wait_until

from mixerd.recorder.player import SEAM

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


# -- virtual soundcheck heard at a mix output, sample for sample ---------------------------------------------------
#
# The probe plays into mixerd:in_1 (channel 1; the dummy backend's capture_1, also wired there, is silent) and records
# mixerd:bus_1 (the "Drummer" wedge, a mono aux). jackd runs in synchronous mode (-S): a late client delays the cycle,
# it does not tear it, so an xrun (a late cycle on a busy machine) changes no sample. What would change samples is a
# cycle that ran without the probe or without mixerd; the probe counts those (``tears``) and a capture they touched is
# made again (ATTEMPTS) instead of being compared.

#: One LSB of a 24-bit PCM take (the recorder's default ``format``).
LSB = 2.0 ** -23
#: A take's quantisation step by its sample format: a float32 take holds the input unchanged.
QUANTUM = {"pcm24": LSB, "float32": 0.0}
#: Captures spoiled by a torn stream (or a disk that fell seconds behind) are made again at most this often.
ATTEMPTS = 3
PAD = RATE // 10  # frames of silence captured around a burst: the comparison covers them too


class SoundcheckProbe(Probe):
    """The probe with two additions: ``play_signal(x)`` plays the array ``x`` once on out_1 (after it, out_1 plays
    the tones again, silence unless ``play()``), and ``tears`` counts the cycles that were not one period after the
    probe's previous one (JACK's frame time), or in which mixerd's core did not run exactly once (its cycle count):
    a stream that skipped a period there."""

    def __init__(self, server: str, mixer_cycles):
        self._mixer_cycles = mixer_cycles
        self._signal: np.ndarray | None = None
        self._at = 0
        self._last: tuple[int, int, int] | None = None
        self.tears = 0
        super().__init__(server, n_out=1, n_in=1, seconds=16.0)

    def process(self, frames: int) -> None:
        now, cycles = self.client.last_frame_time, self._mixer_cycles()
        if self._last is not None:
            then, cycles_then, period = self._last
            if (now - then) % 2**32 != period or cycles - cycles_then != 1:  # frame times wrap at 2^32
                self.tears += 1
        self._last = (now, cycles, frames)
        super().process(frames)  # the tones, and the recording
        signal = self._signal
        if signal is not None:
            chunk = signal[self._at:self._at + frames]
            self.outs[0].get_array()[:len(chunk)] = chunk
            self._at += len(chunk)
            if self._at >= len(signal):
                self._signal = None

    def play_signal(self, x: np.ndarray) -> None:
        self._at = 0
        self._signal = np.asarray(x, np.float32)


@pytest.fixture(scope="module")
def probe(jack_server, jack_mixer):
    core = jack_mixer.engine.core
    p = SoundcheckProbe(jack_server, lambda: core.cycles)
    try:
        p.connect("probe:out_1", "mixerd:in_1")
        p.connect("mixerd:bus_1", "probe:in_1")
        p.record(0.05)  # a few cycles in the graph's final order (connecting changes who runs first, once)
        yield p
    finally:
        p.close()


def route_channel_1_to_the_drummer(control, trim_db: float) -> None:
    """Channel 1 alone on bus 1, a linear path at a known gain (the trim's): no EQ, filter, gate or dynamics on the
    channel, no EQ or limiter on the bus, every fader and the send at 0 dB, no other channel, generator or FX return
    on the bus."""
    changes = {"ch/1/trim": trim_db, "ch/1/polarity": False, "ch/1/hpf/on": False, "ch/1/eq/on": False,
               "ch/1/gate/on": False, "ch/1/dyn/on": False, "ch/1/mute": False, "ch/1/fader": 0.0,
               "ch/1/send/1/on": True, "ch/1/send/1/pre": True, "ch/1/send/1/level": 0.0,
               "bus/1/fader": 0.0, "bus/1/mute": False, "bus/1/eq/on": False, "bus/1/limiter/on": False}
    _, values = control.state()
    changes.update({address: False for address in values if re.fullmatch(r"gen/\d+/on", address)})
    changes.update({address: -90.0 for address in values if address != "ch/1/send/1/level"
                    and re.fullmatch(r"ch/\d+/send/1/level|bus/\d+/return/1/level", address)})
    control.set_many(changes, "rest")


def capture(probe: SoundcheckProbe, action, after: int, before: int = 0) -> tuple[np.ndarray, bool]:
    """mixerd:bus_1 from ``before`` frames before ``action()`` until ``after`` frames after it returned, and whether
    the stream tore meanwhile. Both ends count audio frames (the waits are bounded), never wall time: a slow
    ``action()`` makes the capture longer, it cuts nothing off."""
    mark, tears = probe.written, probe.tears
    wait_until(lambda: probe.written - mark >= before, timeout=30, what="the probe's recording")
    action()
    end = probe.written + after
    wait_until(lambda: probe.written >= end, timeout=30 + 3 * after / RATE, what="the probe's recording")
    assert end - mark <= probe.size, "the capture outgrew the probe's ring"
    return probe.rec[0, np.arange(mark, end) % probe.size].copy(), probe.tears != tears


def first_clean(attempt, what: str):
    """``attempt()`` returns (result, why it is spoiled or None); the first unspoiled result, made at most ATTEMPTS
    times. Fails (it never skips) when every attempt was spoiled, saying why."""
    reasons = []
    for _ in range(ATTEMPTS):
        result, spoiled = attempt()
        if spoiled is None:
            return result
        reasons.append(spoiled)
    pytest.fail(f"{what}: all {ATTEMPTS} attempts were spoiled: {reasons}")


def align(y: np.ndarray, ref: np.ndarray) -> int:
    """The integer lag at which ``y[lag:lag + len(ref)]`` is closest to ``ref`` (least squares: the cross-correlation
    minus the window's energy, so a sine's near-matches one period off lose to the exact one)."""
    y64, ref64 = np.asarray(y, np.float64), np.asarray(ref, np.float64)
    n, m = len(y64), len(ref64)
    size = 1 << (n + m).bit_length()
    xcorr = np.fft.irfft(np.fft.rfft(y64, size) * np.conj(np.fft.rfft(ref64, size)), size)[:n - m + 1]
    energy = np.concatenate(([0.0], np.cumsum(y64 ** 2)))
    return int(np.argmin(energy[m:] - energy[:n - m + 1] - 2 * xcorr))


def take_track(mixer, take) -> np.ndarray:
    track, rate = sf.read(mixer.recorder.takes.path(take["id"]) / take["sources"][0]["file"], dtype="float32")
    assert rate == RATE
    return track


def record_take(mixer, probe, during, what: str):
    """A take of channel 1 as it came in (raw: before the trim, where the playback enters), made while ``during()``
    runs (it returns what it measured, and why it is spoiled or None); the take (deleted again if spoiled) and what
    ``during`` returned."""
    mark = probe.tears
    mixer.recorder.start(["ch/1"], name=what, tap="raw")
    try:
        # The take's ring is in the audio thread once frames arrive: from here on the take holds the input.
        wait_until(lambda: mixer.recorder.status()["seconds"] > 0.1, timeout=30, what="the take under way")
        measured, spoiled = during()
        lost = mixer.recorder.status()["lost_seconds"]
    finally:
        take = mixer.recorder.stop()
    assert take["complete"] and take["sources"][0]["tap"] == "raw"
    spoiled = spoiled or (f"the take lost {lost} s (its disk fell behind)" if lost else None) or (
        "the stream tore while the take ran" if probe.tears != mark else None)
    if spoiled:
        mixer.recorder.delete(take["id"], confirm=True)
    return (take, measured), spoiled


def test_a_take_played_back_through_channel_1_is_heard_at_a_mix_exactly_as_the_live_input_was(jack_mixer, probe):
    """Virtual soundcheck, sample for sample: a noise burst played live into channel 1 and recorded (raw), then the
    take played back into channel 1, give the same samples at the Drummer's wedge (bus 1) within the take's 24-bit
    quantisation. The trim is −6 dB on purpose: the take enters before it, so it is applied once, as to the band."""
    mixer = jack_mixer
    trim_db = -6.0
    gain = np.float32(10 ** (trim_db / 20))
    route_channel_1_to_the_drummer(mixer.control, trim_db)
    probe.record(0.1)  # past the parameters' ramps (≤ 20 ms): counted in audio frames
    # A deterministic noise burst at −18 dBFS RMS: not periodic over any span, so the alignment is unambiguous.
    burst = (np.random.default_rng(19).standard_normal(RATE) * 10 ** (-18 / 20)).astype(np.float32)

    def live() -> tuple[np.ndarray, str | None]:
        heard, torn = capture(probe, lambda: probe.play_signal(burst), after=len(burst) + PAD, before=PAD)
        return heard, "the stream tore during the live capture" if torn else None

    take, heard_live = first_clean(lambda: record_take(mixer, probe, live, "Soundcheck"), "the live pass")
    try:
        quantum = QUANTUM[take["sample_format"]]  # pcm24, the default, here

        # The take holds the input quantised once, to the nearest 24-bit step: the comparison's bound rests on it.
        track = take_track(mixer, take)
        at = align(track, burst)
        assert np.abs(track[at:at + len(burst)] - burst).max() <= quantum / 2
        # The live path is the known linear gain: the wedge carried the burst times the trim, to float32 rounding.
        at = align(heard_live, burst)
        assert PAD // 2 <= at and at + len(burst) + PAD // 2 <= len(heard_live)  # the burst and silence around it
        ulp = np.spacing(np.float32(np.abs(heard_live).max()))  # float32's step at the loudest sample
        np.testing.assert_allclose(heard_live[at:at + len(burst)], burst * gain, rtol=0, atol=ulp)
        reference = heard_live[at - PAD // 2:at + len(burst) + PAD // 2]

        def played() -> tuple[np.ndarray, str | None]:
            # Played from its start: the take's silence, the burst, silence; the band (the probe) is silent now.
            heard, torn = capture(probe, lambda: mixer.player.play(take["id"]), after=take["frames"] + PAD)
            mixer.player.stop()
            return heard, "the stream tore during the playback" if torn else None

        heard_played = first_clean(played, "the playback pass")
    finally:
        mixer.recorder.delete(take["id"], confirm=True)

    lag = align(heard_played, reference)
    assert lag + len(reference) <= len(heard_played)
    difference = np.abs(heard_played[lag:lag + len(reference)] - reference)
    # The two differ by the take's rounding (at most ½ LSB of 2^-23 per sample) times the path's gain, plus the
    # float32 rounding of each output (½ ulp each, doubled for margin): ¾ LSB here. A trim applied twice would be off
    # by 6 dB, a sample dropped, repeated or scaled by a few millionths by many LSBs.
    bound = gain * quantum / 2 + 2 * ulp
    assert difference.max() <= bound, f"{difference.max() / LSB} LSB apart, {bound / LSB} allowed"
    assert np.abs(reference).max() > 0.1  # the comparison covered the burst, not silence


def test_a_loop_a_to_b_played_through_jack_repeats_without_a_gap_or_a_click(jack_mixer, probe):
    """A take of a 997 Hz sine looped from A to B (0.75 s: 747.75 of the sine's periods, so going on from A at B
    without the blend would jump the phase by 270°) and heard at the wedge over four passes: the output repeats exactly every B − A frames,
    each pass is the take from A, and across the loop points it never falls silent and never steps further from one
    sample to the next than the sine and the loop's blend allow."""
    mixer = jack_mixer
    freq, amplitude = 997.0, 10 ** (-18 / 20)
    a, b = 0.25, 1.0
    loop = round(b * RATE) - round(a * RATE)
    assert abs((loop * freq / RATE) % 1 - 0.5) < 0.4  # the loop cuts the sine far from a whole period (0.75 here)
    route_channel_1_to_the_drummer(mixer.control, 0.0)  # unity: the wedge carries the take
    probe.play(0, freq, amplitude)
    probe.record(0.1)

    def holding_b() -> tuple[None, str | None]:
        wait_until(lambda: mixer.recorder.status()["seconds"] > b + 0.1, timeout=60, what="the take past B")
        return None, None

    try:
        take, _ = first_clean(lambda: record_take(mixer, probe, holding_b, "Loop"), "recording the sine")
    finally:
        probe.play(0, freq, 0.0)  # the band silent: what the wedge carries next is the take ...
    probe.record(0.05)  # ... once the tone's last period has left the wedge (its cut is the probe's, not a click)
    try:
        track = take_track(mixer, take)
        passes = 4

        def looped() -> tuple[np.ndarray, str | None]:
            started = []
            heard, torn = capture(probe, lambda: started.append(mixer.player.play(take["id"], start=a, loop=[a, b])),
                                  after=passes * loop + PAD)
            # A loop never ends: a frame starved since play() returned (the ring filled) was the disk late. (Not
            # the whole count: the periods between the ring's attaching and its first fill count too, unheard.)
            starved = mixer.player.status()["starved"] - started[0]["starved"]
            mixer.player.stop()
            spoiled = ("the stream tore during the loop" if torn else None) or (
                f"the player starved for {starved} s (its disk fell behind)" if starved else None)
            return heard, spoiled

        heard = first_clean(looped, "the loop")
    finally:
        mixer.recorder.delete(take["id"], confirm=True)

    onset = int(np.argmax(np.abs(heard) > 1e-3))
    steady = heard[onset + PAD // 2:]  # past the crossfade from the band to the take (≤ 20 ms)
    assert len(steady) > 3 * loop
    # It repeats: every B − A frames the same samples (the same take frames and the same blend, through unity).
    assert np.abs(steady[loop:] - steady[:-loop]).max() <= LSB
    # Each pass is the take from A up to the blend before B (found where a whole stretch of it matches exactly).
    body = track[round(a * RATE):round(b * RATE) - SEAM]
    at = align(steady[:2 * loop], body)
    assert np.abs(steady[at:at + len(body)] - body).max() <= LSB
    # No gap: the sine is under −80 dBFS for at most a sample at each zero crossing; a block the loop dropped or
    # starved would be 64 samples of silence.
    quiet = np.concatenate(([0], (np.abs(steady) < 1e-4).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(quiet))
    assert (edges[1::2] - edges[::2]).max(initial=0) <= 2
    # No click: a sine of amplitude A steps at most 2·A·sin(πf/rate) per sample; the seam's crossfade of two such
    # sines adds at most 2·A/(SEAM + 1) (its weight's step times their largest difference); 5 % margin for the
    # take's rounding. A jump at B (the phase off by 270°) or a dropped block would step 5-10 times that.
    allowed = 1.05 * (2 * amplitude * np.sin(np.pi * freq / RATE) + 2 * amplitude / (SEAM + 1))
    assert np.abs(np.diff(heard)).max() <= allowed
