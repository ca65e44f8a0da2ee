"""DSP design on the control side: filter coefficients, dynamics and FX parameters, loudness constants."""
