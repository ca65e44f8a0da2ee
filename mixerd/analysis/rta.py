"""The RTA's spectrum: a signal's level in 1/3- or 1/6-octave bands (20 Hz–20 kHz), with peak hold.

An FFT analyser: blocks of ``N`` samples (Hann window, a new one every ``N/4``: about 23 a second at 48 kHz
with N = 8192) give a power spectrum (``Spectra``); the bins are summed into bands by one matrix product.
Levels are dBFS as a meter reads them: a full-scale sine reads 0 dB in its band, noise its power in the band.
A band narrower than the FFT's bin spacing (the 1/6-octave bands below about 100 Hz at N = 8192) takes the
nearest bin's power in proportion to its width, so low bands read a smooth spectrum right and a low tone
shows in the bands around it (the resolution an FFT of that length has).

Peak hold: each band's highest level stays for ``hold_s`` (2 s), then falls at ``fall_db_s`` (20 dB/s)
toward the level now, as the RTAs of consoles do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Resolutions served: bands per octave.
RESOLUTIONS = (3, 6)
FLOOR_DB = -120.0
LOW_HZ, HIGH_HZ = 20.0, 20000.0
N_FFT = 8192


def band_centres(per_octave: int) -> np.ndarray:
    """Exact band centres (base 2, 1 kHz reference) from 20 Hz to 20 kHz: 31 bands at 1/3 octave, 61 at 1/6."""
    if per_octave not in RESOLUTIONS:
        raise ValueError(f"an RTA resolution is 1/3 or 1/6 octave (3 or 6 bands per octave), not {per_octave}")
    k = np.arange(np.ceil(per_octave * np.log2(LOW_HZ / 1000.0) - 0.5),
                  np.floor(per_octave * np.log2(HIGH_HZ / 1000.0) + 0.5) + 1)
    return 1000.0 * 2.0 ** (k / per_octave)


def band_weights(centres: np.ndarray, per_octave: int, n_fft: int, rate: float) -> np.ndarray:
    """The (bands × bins) matrix that sums a power spectrum's bins into bands."""
    bins = np.arange(n_fft // 2 + 1) * rate / n_fft
    spacing = rate / n_fft
    lo, hi = centres * 2.0 ** (-0.5 / per_octave), centres * 2.0 ** (0.5 / per_octave)
    weights = ((bins >= lo[:, None]) & (bins < hi[:, None])).astype(np.float64)
    for i in np.flatnonzero(weights.sum(axis=1) == 0):  # narrower than a bin: the nearest bin, by width
        weights[i, int(np.argmin(np.abs(bins - centres[i])))] = (hi[i] - lo[i]) / spacing
    return weights


class Spectra:
    """Power spectra of a signal fed in blocks of any size: one per ``hop`` samples once ``n_fft`` are in.
    Each spectrum's bins sum to the mean square of the windowed stretch (a sine of amplitude A: A²/2)."""

    def __init__(self, rate: float, n_fft: int = N_FFT, hop: int | None = None):
        self.rate, self.n_fft, self.hop = rate, n_fft, hop or n_fft // 4
        self.window = np.hanning(n_fft).astype(np.float64)
        # one-sided, so the bins of a real signal's power add up to its mean square (Parseval)
        scale = np.full(n_fft // 2 + 1, 2.0 / (n_fft * np.sum(self.window ** 2)))
        scale[0] /= 2.0
        scale[-1] /= 2.0
        self._scale = scale
        self._tail = np.zeros(0, np.float64)  # the samples the next window still needs from the past
        self._end = n_fft                       # where in tail + the next block that window ends

    @property
    def freqs(self) -> np.ndarray:
        return np.arange(self.n_fft // 2 + 1) * self.rate / self.n_fft

    def feed(self, block: np.ndarray) -> list[np.ndarray]:
        """The spectra completed by ``block`` (mono float samples), oldest first."""
        data = np.concatenate((self._tail, np.asarray(block, np.float64)))
        out, end = [], self._end
        while end <= data.size:
            out.append(np.abs(np.fft.rfft(data[end - self.n_fft:end] * self.window)) ** 2 * self._scale)
            end += self.hop
        start = max(0, end - self.n_fft)
        self._tail, self._end = data[start:], end - start
        return out


@dataclass
class RtaFrame:
    """Band levels (dBFS) now and held, for ``centres``."""

    levels: np.ndarray
    peaks: np.ndarray


class Rta:
    """Band levels of power spectra (``Spectra``) at ``per_octave`` bands, with peak hold on a clock of spectra
    (each spectrum is ``hop / rate`` seconds on)."""

    def __init__(self, rate: float, per_octave: int = 3, n_fft: int = N_FFT, hop: int | None = None,
                 hold_s: float = 2.0, fall_db_s: float = 20.0):
        self.per_octave = per_octave
        self.centres = band_centres(per_octave)
        self.spectra = Spectra(rate, n_fft, hop)
        self._weights = band_weights(self.centres, per_octave, n_fft, rate)
        self._dt = self.spectra.hop / rate
        self._hold_frames = int(round(hold_s / self._dt))
        self._fall = fall_db_s * self._dt
        self._peaks = np.full(self.centres.size, FLOOR_DB)
        self._held = np.zeros(self.centres.size, np.int64)

    def feed(self, block: np.ndarray) -> list[RtaFrame]:
        return [self.bands(p) for p in self.spectra.feed(block)]

    def bands(self, power: np.ndarray) -> RtaFrame:
        """One power spectrum as band levels, and the peaks held so far."""
        levels = np.maximum(10.0 * np.log10(np.maximum(self._weights @ power, 1e-30) / 0.5), FLOOR_DB)
        higher = levels >= self._peaks
        self._held = np.where(higher, 0, self._held + 1)
        falling = ~higher & (self._held > self._hold_frames)
        self._peaks = np.where(higher, levels, np.where(falling, np.maximum(self._peaks - self._fall, levels),
                                                       self._peaks))
        return RtaFrame(levels, self._peaks.copy())
