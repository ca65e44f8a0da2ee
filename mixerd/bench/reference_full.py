"""The core's whole processing in numpy/scipy and plain Python, straight from the values of a state.

``ReferenceChain`` does, per sample, what ext/mixcore.c and its DSP kernels do once every parameter has
settled: channel strips with their inserts, the send matrix, FX buses and their returns, bus and main
processing, and the meters. It is written from the user-facing values (dB, Hz, ms, %, bool) and shares
no code with the core or with its command mapping (mixerd/engine/mapping.py); only the control-side
*designs* are reused, as any implementation of the same mixer would: biquad coefficients
(mixerd.engine.dsp.filters), the reverb's room and the delay's high-cut coefficient
(mixerd.engine.dsp.fx) and the loudness filters (mixerd.engine.dsp.loudness).

It is meant to be read: the C code is fast, this is what it computes. It is slow (the dynamics and the
limiters are per-sample Python loops) and exact where the core approximates (log/exp instead of the
core's polynomial log2/exp2, float64 throughout instead of float32 buffers). Tests hold the core to it;
``mixerd bench`` times the core against it.

Signal flow (mixcore.h), per channel, bus and the main:

    channel  input → trim · polarity → [meter input] → HPF → inserts in the channel's order
             ("eq>dyn": EQ, gate, compressor; "dyn>eq": gate, compressor, EQ; [meter insert1]
             between the EQ and the dynamics) → [meter inserts]
             → mute → pre-fader tap → fader → [meter post] → post-fader tap
    main     Σ post · pan gains (constant power) of the channels assigned to it
    aux bus  Σ pre or post · send level (· send pan gains on a stereo bus)
    FX bus   mono Σ of its sends → reverb or delay → stereo → EQ → fader/mute/balance → limiter
             → returns into the main and every aux bus (a mono aux gets ½ (L + R) · return level)
    aux bus, main: sum (+ FX returns) → EQ → graphic EQ → fader/mute/balance → limiter → output delay
             → output → [meter out: peak, mean square, K-weighted mean square, true peak]

Not modelled: ramps and crossfades (compare once gains, filters and insert switches have settled; the
compressor's makeup slew *is* modelled, it is part of the compressor) and signal generators (a state
with a generator switched on is refused).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from mixerd.engine.dsp import filters, fx, loudness
from mixerd.model.layout import Layout

CLOSED_DB = -90.0  # a fader, send or return at or below this is fully closed


def db_to_gain(db: float) -> float:
    return 0.0 if db <= CLOSED_DB else 10.0 ** (db / 20.0)


def gain_to_db(gain: float) -> float:
    return 20.0 * math.log10(gain)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan: −100 left, 0 centre (−3 dB each side), +100 right."""
    theta = (pan / 100.0 + 1.0) * math.pi / 4.0
    return math.cos(theta), math.sin(theta)


def balance_gains(balance: float) -> tuple[float, float]:
    """Stereo balance: the side it moves away from goes down, the other stays at unity."""
    b = balance / 100.0
    return min(1.0, 1.0 - b), min(1.0, 1.0 + b)


def one_pole(time_ms: float, fs: float) -> float:
    """Coefficient c of y = target + c (y − target): a step covers 1 − 1/e of its way in ``time_ms``."""
    return math.exp(-1.0 / (time_ms * 1e-3 * fs))


def ms_to_samples(ms: float, fs: float) -> int:
    return round(ms * fs / 1000.0)


# ---- filters --------------------------------------------------------------------------------------

class Cascade:
    """Biquad sections in series (b0 b1 b2 a1 a2 each, a0 = 1), each run by scipy's lfilter (transposed
    direct form II) with its state carried from call to call."""

    def __init__(self, sections: Sequence[Sequence[float]]):
        self.sections = [(np.array(c[:3]), np.array([1.0, c[3], c[4]])) for c in sections]
        self.state = [np.zeros(2) for _ in self.sections]

    def run(self, x: np.ndarray) -> np.ndarray:
        for k, (b, a) in enumerate(self.sections):
            x, self.state[k] = signal.lfilter(b, a, x, zi=self.state[k])
        return x


def geq_cascade(state: Mapping[str, Any], owner: str, fs: float) -> Cascade:
    """The graphic EQ of ``owner`` ("bus/2", "main"): its bands that are not flat (a flat band is the identity)."""
    bands = [filters.geq_band(k, state[f"{owner}/geq/{k}/gain"], fs) for k in range(1, filters.GEQ_BANDS + 1)]
    return Cascade([c for c in bands if c != filters.IDENTITY])


def eq_cascade(state: Mapping[str, Any], owner: str, fs: float) -> Cascade:
    """The four EQ bands of ``owner`` ("ch/3", "bus/2", "main")."""
    bands = []
    for i in range(1, 5):
        p = f"{owner}/eq/{i}/"
        bands.append(filters.design(state[p + "type"], state[p + "freq"], state[p + "gain"], state[p + "q"], fs))
    return Cascade(bands)


# ---- dynamics (ext/dsp_dynamics.c) ----------------------------------------------------------------

class Gate:
    """Gate/expander keyed on the sample peak.

    Open on every sample whose magnitude is above the threshold and for ``hold`` samples after the last
    such sample; closed otherwise. The linear gain follows a one-pole towards 1 while open (attack) and
    towards the range floor while closed (release).
    """

    def __init__(self, state: Mapping[str, Any], owner: str, fs: float):
        p = f"{owner}/gate/"
        self.threshold = 10.0 ** (state[p + "threshold"] / 20.0)
        self.floor = 10.0 ** (state[p + "range"] / 20.0)
        self.attack = one_pole(state[p + "attack"], fs)
        self.release = one_pole(state[p + "release"], fs)
        self.hold = ms_to_samples(state[p + "hold"], fs)
        self.gain = 1.0  # a fresh gate is open
        self.hold_left = 0

    def run(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """Gated signal and the largest attenuation of the span in dB (≥ 0)."""
        y = np.empty_like(x)
        gain, left, lowest = self.gain, self.hold_left, 1.0
        for i, v in enumerate(x.tolist()):
            above = abs(v) > self.threshold
            is_open = above or left > 0
            left = self.hold if above else max(left - 1, 0)
            target, coef = (1.0, self.attack) if is_open else (self.floor, self.release)
            gain = target + coef * (gain - target)
            lowest = min(lowest, gain)
            y[i] = v * gain
        self.gain, self.hold_left = gain, left
        return y, max(0.0, -gain_to_db(lowest))


class Compressor:
    """Feed-forward compressor (Giannoulis, Massberg & Reiss 2012) on the instantaneous sample.

    Per sample: level in dB → static gain reduction of the soft-knee curve → smooth-branching one-pole
    in dB (attack coefficient while the reduction grows, release while it shrinks) → gain
    10^((makeup − GR) / 20). The core runs the smoother on GR + 1 dB so its state never nears zero
    (no denormals); that is the same recursion. Makeup moves towards its setting by at most 0.005 dB per
    sample (a fresh compressor starts from 0 dB), so a makeup change is a short ramp.
    """

    MAKEUP_SLEW_DB = 0.005
    LEVEL_FLOOR = 1e-10  # −200 dBFS: silence

    def __init__(self, state: Mapping[str, Any], owner: str, fs: float):
        p = f"{owner}/dyn/"
        self.threshold = state[p + "threshold"]
        self.slope = 1.0 - 1.0 / state[p + "ratio"]
        self.knee = state[p + "knee"]
        self.attack = one_pole(state[p + "attack"], fs)
        self.release = one_pole(state[p + "release"], fs)
        self.makeup_target = state[p + "makeup"]
        self.gr = 0.0
        self.makeup = 0.0

    def static_reduction(self, level_db: float) -> float:
        """x − y_G(x) of the paper's soft-knee gain computer: 0 below the knee, s (d + W/2)² / (2W) in it,
        s d above it (d = level − threshold, W the knee width, s = 1 − 1/ratio)."""
        d, w = level_db - self.threshold, self.knee
        if 2.0 * d < -w:
            return 0.0
        if 2.0 * abs(d) <= w and w > 0.0:
            return self.slope * (d + w / 2.0) ** 2 / (2.0 * w)
        return self.slope * d

    def run(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """Compressed signal and the largest gain reduction of the span in dB (makeup not counted)."""
        y = np.empty_like(x)
        gr, makeup, largest = self.gr, self.makeup, 0.0
        for i, v in enumerate(x.tolist()):
            target = self.static_reduction(20.0 * math.log10(max(abs(v), self.LEVEL_FLOOR)))
            coef = self.attack if target > gr else self.release
            gr = target + coef * (gr - target)
            step = self.makeup_target - makeup
            makeup += max(-self.MAKEUP_SLEW_DB, min(self.MAKEUP_SLEW_DB, step))
            largest = max(largest, gr)
            y[i] = v * 10.0 ** ((makeup - gr) / 20.0)
        self.gr, self.makeup = gr, makeup
        return y, largest


class Limiter:
    """Peak limiter with one gain for all of a bus's sides; no attack: no sample leaves above the
    threshold. The gain recovers towards 1 as a one-pole (release), and drops on the sample to
    threshold / peak whenever the loudest side times the recovered gain would pass the threshold."""

    def __init__(self, state: Mapping[str, Any], owner: str, fs: float):
        p = f"{owner}/limiter/"
        self.threshold = 10.0 ** (state[p + "threshold"] / 20.0)
        self.release = one_pole(state[p + "release"], fs)
        self.gain = 1.0

    def run(self, sides: np.ndarray) -> tuple[np.ndarray, float]:
        """``sides`` (channels, frames) limited; the largest gain reduction in dB."""
        peaks = np.abs(sides).max(axis=0)
        gains = np.empty(peaks.shape)
        gain, lowest = self.gain, 1.0
        for i, peak in enumerate(peaks.tolist()):
            gain = 1.0 - self.release * (1.0 - gain)
            if peak * gain > self.threshold:
                gain = self.threshold / peak
            gains[i] = gain
            lowest = min(lowest, gain)
        self.gain = gain
        return sides * gains, max(0.0, -gain_to_db(lowest))


# ---- FX (ext/dsp_fx.c) ----------------------------------------------------------------------------

class FeedbackLine:
    """A delay line of ``length`` samples for feedback structures: ``read(n)`` gives the n samples
    written ``length`` samples before the next n, so a span of n ≤ length can be read in one go and then
    written (the recursion only reaches back ``length`` samples)."""

    def __init__(self, length: int):
        self.length = length
        self.buf = np.zeros(length)

    def read(self, n: int) -> np.ndarray:
        assert n <= self.length
        return self.buf[:n].copy()

    def write(self, x: np.ndarray) -> None:
        self.buf = np.concatenate([self.buf[len(x):], x])


def delayed(history: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A plain (feed-forward) delay by len(history) samples: the output and the new history."""
    line = np.concatenate([history, x])
    return line[:len(x)], line[len(x):]


class Comb:
    """Freeverb's comb: a delay line whose output, low-passed (damping), is fed back into it.

        out[n] = line[n − N],  lp[n] = (1 − d) out[n] + d lp[n − 1],  line[n] = in[n] + room · lp[n]
    """

    def __init__(self, length: int, room: float, damp: float):
        self.line = FeedbackLine(length)
        self.room, self.damp = room, damp
        self.lp_state = np.zeros(1)

    def run(self, x: np.ndarray) -> np.ndarray:
        out = self.line.read(len(x))
        lp, self.lp_state = signal.lfilter([1.0 - self.damp], [1.0, -self.damp], out, zi=self.lp_state)
        self.line.write(x + self.room * lp)
        return out


class Allpass:
    """Freeverb's allpass (feedback ½): out[n] = line[n − N] − in[n], line[n] = in[n] + ½ line[n − N]."""

    def __init__(self, length: int):
        self.line = FeedbackLine(length)

    def run(self, x: np.ndarray) -> np.ndarray:
        held = self.line.read(len(x))
        self.line.write(x + 0.5 * held)
        return held - x


class Reverb:
    """Freeverb (Jezar at Dreampoint): per side 8 parallel combs summed, then 4 allpasses in series; the
    right side's delays are 23 samples (at 44.1 kHz) longer. Every delay length is Freeverb's tuning
    scaled to the sample rate and rounded. The input is predelayed and scaled by 0.015; the output is
    100 % wet with Freeverb's width mix (width 1: sides apart, 0: both the same)."""

    COMBS = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
    ALLPASSES = (556, 441, 341, 225)
    SPREAD = 23
    TUNING_RATE = 44100.0
    INPUT_GAIN = 0.015
    DAMP_SCALE = 0.4  # damping 100 % puts the comb low-pass pole at 0.4

    def __init__(self, state: Mapping[str, Any], owner: str, fs: float):
        p = f"{owner}/fx/"
        room = fx.room_for_size(state[p + "size"] / 100.0)
        damp = state[p + "damping"] / 100.0 * self.DAMP_SCALE
        self.width = state[p + "width"] / 100.0
        self.predelay = np.zeros(ms_to_samples(state[p + "predelay"], fs))
        scale = fs / self.TUNING_RATE

        def samples(tuning: int) -> int:
            return max(1, math.floor(tuning * scale + 0.5))

        self.combs = [[Comb(samples(t + side * self.SPREAD), room, damp) for t in self.COMBS] for side in (0, 1)]
        self.allpasses = [[Allpass(samples(t + side * self.SPREAD)) for t in self.ALLPASSES] for side in (0, 1)]
        self.chunk = min(line.line.length for bank in self.combs + self.allpasses for line in bank)

    def run(self, x: np.ndarray) -> np.ndarray:
        """Mono in, (2, frames) out."""
        x, self.predelay = delayed(self.predelay, x)
        x = self.INPUT_GAIN * x
        sides = np.empty((2, len(x)))
        for start in range(0, len(x), self.chunk):
            part = x[start:start + self.chunk]
            for side in (0, 1):
                acc = sum(comb.run(part) for comb in self.combs[side])
                for allpass in self.allpasses[side]:
                    acc = allpass.run(acc)
                sides[side, start:start + len(part)] = acc
        wet1, wet2 = 0.5 + 0.5 * self.width, 0.5 - 0.5 * self.width
        return np.stack([sides[0] * wet1 + sides[1] * wet2, sides[1] * wet1 + sides[0] * wet2])


class Delay:
    """Mono delay with feedback; the repeats pass a one-pole high-cut in the feedback path (the first
    echo is not filtered, each repeat once more):

        out[n] = line[n − T],  lp[n] = (1 − a) out[n] + a lp[n − 1],  line[n] = in[n] + feedback · lp[n]

    Both output sides carry the same signal."""

    def __init__(self, state: Mapping[str, Any], owner: str, fs: float):
        p = f"{owner}/fx/"
        self.feedback = state[p + "feedback"] / 100.0
        self.a = fx.highcut_coef(state[p + "highcut"], fs)
        self.line = FeedbackLine(max(1, ms_to_samples(state[p + "time"], fs)))
        self.lp_state = np.zeros(1)

    def run(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        for start in range(0, len(x), self.line.length):
            part = x[start:start + self.line.length]
            echo = self.line.read(len(part))
            lp, self.lp_state = signal.lfilter([1.0 - self.a], [1.0, -self.a], echo, zi=self.lp_state)
            self.line.write(part + self.feedback * lp)
            out[start:start + len(part)] = echo
        return np.stack([out, out])


# ---- meters (ext/dsp_loudness.c, mixcore.c) -------------------------------------------------------

class LoudnessMeter:
    """K-weighting (BS.1770 pre-filter and RLB high-pass) and the 4x true-peak interpolator of one
    output side, states carried from call to call."""

    def __init__(self, fs: float):
        c = loudness.kweight_coefs(fs)
        self.kweight = Cascade([c[0:5], c[5:10]])
        taps = np.array(loudness.truepeak_taps()).reshape(loudness.TP_PHASES, loudness.TP_TAPS)
        self.phases = [(t, np.zeros(loudness.TP_TAPS - 1)) for t in taps]

    def run(self, x: np.ndarray) -> tuple[float, float]:
        """Sum of squares of the K-weighted span, and its true peak (the original samples count too)."""
        kms = float(np.sum(self.kweight.run(x) ** 2))
        peak = float(np.max(np.abs(x), initial=0.0))
        for k, (taps, zi) in enumerate(self.phases):
            y, zi = signal.lfilter(taps, [1.0], x, zi=zi)
            self.phases[k] = (taps, zi)
            peak = max(peak, float(np.max(np.abs(y), initial=0.0)))
        return kms, peak


@dataclass
class Meters:
    """What the core publishes for a span, in its meter-channel order: 4 stages per channel (input,
    inserts, post, insert1), then every output side (main L/R, then each bus's sides in bus order, FX buses
    included). ``kms`` and ``tp`` are zero for channel stages. ``gr``: gate per channel, compressor per
    channel, limiter per bus, then the main's limiter (dB, the largest of the span)."""

    peak: np.ndarray
    ms: np.ndarray
    kms: np.ndarray
    tp: np.ndarray
    gr: np.ndarray


# ---- the mixer ------------------------------------------------------------------------------------

class Strip:
    """One channel: trim, polarity, HPF, EQ, gate, compressor in its insert order, mute, fader."""

    def __init__(self, state: Mapping[str, Any], c: int, fs: float):
        p = f"ch/{c}/"
        self.trim = db_to_gain(state[p + "trim"]) * (-1.0 if state[p + "polarity"] else 1.0)
        self.on = 0.0 if state[p + "mute"] else 1.0
        self.fader = db_to_gain(state[p + "fader"])
        self.order = state[p + "order"]
        if self.order not in ("eq>dyn", "dyn>eq"):
            raise ValueError(f"{p}order: unknown insert order {self.order!r}")
        self.hpf = Cascade(filters.hpf(state[p + "hpf/freq"], int(state[p + "hpf/slope"]), fs)) \
            if state[p + "hpf/on"] else None
        self.eq = eq_cascade(state, f"ch/{c}", fs) if state[p + "eq/on"] else None
        self.gate = Gate(state, f"ch/{c}", fs) if state[p + "gate/on"] else None
        self.comp = Compressor(state, f"ch/{c}", fs) if state[p + "dyn/on"] else None

    def inserts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
        """The trimmed signal through the inserts, the signal between the EQ and the dynamics (the
        insert1 meter), and the gate's and compressor's gain reduction (dB)."""
        gate_gr = comp_gr = 0.0
        if self.hpf:
            x = self.hpf.run(x)
        if self.eq and self.order == "eq>dyn":
            x = self.eq.run(x)
        between = x
        if self.gate:
            x, gate_gr = self.gate.run(x)
        if self.comp:
            x, comp_gr = self.comp.run(x)
        if self.order == "dyn>eq":
            between = x
            if self.eq:
                x = self.eq.run(x)
        return x, between, gate_gr, comp_gr


class Bus:
    """An aux bus, an FX bus or the main after its sum: (effect →) EQ → graphic EQ (aux buses and the main)
    → fader/mute/balance → limiter → output delay (aux buses and the main: a whole number of samples,
    round(ms · rate / 1000))."""

    def __init__(self, state: Mapping[str, Any], owner: str, width: int, fs: float, effect: str | None = None):
        self.owner, self.width = owner, width
        self.effect = None
        if effect == "reverb":
            self.effect = Reverb(state, owner, fs)
        elif effect == "delay":
            self.effect = Delay(state, owner, fs)
        elif effect is not None:
            raise ValueError(f"{owner}/fx/type: unknown effect {effect!r}")
        self.eq = [eq_cascade(state, owner, fs) for _ in range(width)] if state[f"{owner}/eq/on"] else None
        self.geq = [geq_cascade(state, owner, fs) for _ in range(width)] if state.get(f"{owner}/geq/on") else None
        delay = ms_to_samples(state.get(f"{owner}/delay", 0.0), fs)
        self.delay = np.zeros((width, delay)) if delay else None  # the last `delay` samples, not out yet
        gain = 0.0 if state[f"{owner}/mute"] else db_to_gain(state[f"{owner}/fader"])
        sides = balance_gains(state[f"{owner}/balance"]) if width == 2 else (1.0,)
        self.master = np.array([gain * s for s in sides])
        self.limiter = Limiter(state, owner, fs) if state[f"{owner}/limiter/on"] else None
        self.loudness = [LoudnessMeter(fs) for _ in range(width)]

    def run(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """``x`` (input sides, frames) → (width, frames), and the limiter's gain reduction."""
        if self.effect:
            x = self.effect.run(x[0])
        if self.eq:
            x = np.stack([eq.run(side) for eq, side in zip(self.eq, x)])
        if self.geq:
            x = np.stack([geq.run(side) for geq, side in zip(self.geq, x)])
        x = x * self.master[:, None]
        gr = 0.0
        if self.limiter:
            x, gr = self.limiter.run(x)
        if self.delay is not None:
            line = np.concatenate([self.delay, x], axis=1)
            x, self.delay = line[:, :x.shape[1]], line[:, x.shape[1]:]
        return x, gr


class ReferenceChain:
    """The full processing of ``state`` on ``layout``: ``process(inputs)`` gives (n_outputs, frames) like
    the core (main L/R, every side of every non-FX bus, solo L/R), float64; state carries over between
    calls, so a signal may be fed in pieces. ``meters`` holds the meter figures of the last call."""

    def __init__(self, layout: Layout, state: Mapping[str, Any], sample_rate: int = 48000):
        for k in range(1, layout.generators + 1):
            if state.get(f"gen/{k}/on"):
                raise ValueError(f"gen/{k} is on: the reference models no signal generators")
        if any(bus.is_group for bus in layout.buses):
            raise ValueError("the full reference models aux and FX buses, not group buses")
        fs = float(sample_rate)
        self.layout = layout
        n = layout.n_inputs
        self.strips = [Strip(state, c, fs) for c in range(1, n + 1)]

        # Main assign: post-fader signal into main L/R with the channel's pan.
        self.to_main = np.zeros((2, n))
        for c in range(1, n + 1):
            if state[f"ch/{c}/main"]:
                self.to_main[:, c - 1] = pan_gains(state[f"ch/{c}/pan"])

        # Send matrices: one row per bus input side (an FX bus takes a mono sum), pre- or post-fader.
        self.rows = [(b, side) for b, bus in enumerate(layout.buses, start=1) for side in range(bus.in_width)]
        self.send_pre = np.zeros((len(self.rows), n))
        self.send_post = np.zeros((len(self.rows), n))
        for r, (b, side) in enumerate(self.rows):
            for c in range(1, n + 1):
                p = f"ch/{c}/send/{b}/"
                level = db_to_gain(state[p + "level"]) if state[p + "on"] else 0.0
                if layout.buses[b - 1].in_width == 2:
                    level *= pan_gains(state[p + "pan"])[side]
                (self.send_pre if state[p + "pre"] else self.send_post)[r, c - 1] = level

        self.buses = [Bus(state, f"bus/{b}", bus.width, fs, state[f"bus/{b}/fx/type"] if bus.is_fx else None)
                      for b, bus in enumerate(layout.buses, start=1)]
        self.main = Bus(state, "main", 2, fs)

        # Returns: FX bus → main (target 0) and aux buses (1 + bus index).
        self.returns: dict[tuple[int, int], float] = {}
        for b, bus in enumerate(layout.buses, start=1):
            if not bus.is_fx:
                continue
            self.returns[(b, 0)] = db_to_gain(state[f"bus/{b}/return/main/level"])
            for t, target in enumerate(layout.buses, start=1):
                if not target.is_fx:
                    self.returns[(b, t)] = db_to_gain(state[f"bus/{b}/return/{t}/level"])
        self.meters: Meters | None = None

        # The solo bus: PFL after the inserts and before mute, AFL post-fader with the pan, soloed bus
        # outputs, or the main while nothing is soloed; then its level.
        afl = state["solo/mode"] == "afl"
        self.solo_pfl = np.zeros((2, n))
        self.solo_afl = np.zeros((2, n))
        for c in range(1, n + 1):
            if state[f"ch/{c}/solo"]:
                if afl:
                    self.solo_afl[:, c - 1] = pan_gains(state[f"ch/{c}/pan"])
                else:
                    self.solo_pfl[:, c - 1] = 1.0
        self.solo_buses = [b for b in range(1, layout.n_buses + 1) if state[f"bus/{b}/solo"]]
        self.solo_main = not self.solo_buses and not any(state[f"ch/{c}/solo"] for c in range(1, n + 1))
        self.solo_level = db_to_gain(state["solo/level"])

    def process(self, inputs: np.ndarray) -> np.ndarray:
        """Outputs for ``inputs`` (n_inputs, frames); sets ``meters`` for this span."""
        lay, n = self.layout, self.layout.n_inputs
        x = np.asarray(inputs, dtype=np.float64).reshape(n, -1)
        gr = np.zeros(2 * n + lay.n_buses + 1)

        # 1. channel strips
        trimmed = np.empty_like(x)
        inserted = np.empty_like(x)
        between = np.empty_like(x)
        for c, strip in enumerate(self.strips):
            trimmed[c] = strip.trim * x[c]
            inserted[c], between[c], gr[c], gr[n + c] = strip.inserts(trimmed[c])
        on = np.array([s.on for s in self.strips])
        fader = np.array([s.fader for s in self.strips])
        pre = inserted * on[:, None]
        post = pre * fader[:, None]

        # 2. sums: main from post-fader, every bus input side from the send matrices
        main_in = self.to_main @ post
        rows = self.send_pre @ pre + self.send_post @ post
        bus_in = []
        for b, bus in enumerate(lay.buses, start=1):
            first = lay.send_row(b)
            bus_in.append(rows[first:first + bus.in_width].copy())

        # 3. FX buses, then their returns into the main and the aux buses
        out_of: dict[int, np.ndarray] = {}
        for b, bus in enumerate(lay.buses, start=1):
            if bus.is_fx:
                out_of[b], gr[2 * n + b - 1] = self.buses[b - 1].run(bus_in[b - 1])
        for (f, t), g in self.returns.items():
            ret = out_of[f]
            if t == 0:
                main_in += g * ret
            elif lay.buses[t - 1].in_width == 2:
                bus_in[t - 1] += g * ret
            else:
                bus_in[t - 1] += g * 0.5 * (ret[0] + ret[1])

        # 4. aux buses and the main
        for b, bus in enumerate(lay.buses, start=1):
            if not bus.is_fx:
                out_of[b], gr[2 * n + b - 1] = self.buses[b - 1].run(bus_in[b - 1])
        main_out, gr[2 * n + lay.n_buses] = self.main.run(main_in)

        # 5. the solo bus
        solo = self.solo_pfl @ inserted + self.solo_afl @ post
        for b in self.solo_buses:
            solo += out_of[b][[0, -1]]  # a mono mix into both sides
        if self.solo_main:
            solo += main_out
        solo *= self.solo_level

        # 6. meters: channel stages, then every output side in the core's meter order (FX buses too),
        # then solo (peak and RMS only: it has no loudness meter)
        metered = [main_out] + [out_of[b] for b in range(1, lay.n_buses + 1)] + [solo]
        loudness_meters = [m for bus in [self.main, *self.buses] for m in bus.loudness]
        self._meter(np.concatenate([trimmed, inserted, post, between]), np.concatenate(metered), loudness_meters, gr)
        return np.concatenate([main_out] + [out_of[b] for b, bus in enumerate(lay.buses, start=1) if not bus.is_fx]
                              + [solo])

    def _meter(self, channel_stages: np.ndarray, sides: np.ndarray, loudness_meters: list[LoudnessMeter],
               gr: np.ndarray) -> None:
        stages = np.concatenate([channel_stages, sides])
        kms, tp = np.zeros(len(stages)), np.zeros(len(stages))
        first = len(channel_stages)
        for i, (side, meter) in enumerate(zip(sides, loudness_meters)):
            sumsq, tp[first + i] = meter.run(side)
            kms[first + i] = sumsq / sides.shape[1]
        self.meters = Meters(peak=np.abs(stages).max(axis=1), ms=(stages ** 2).mean(axis=1), kms=kms, tp=tp, gr=gr)
