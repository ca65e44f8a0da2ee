"""Listening to the signal: spectra for the RTA and the feedback finder (numpy, no I/O, no threads)."""
