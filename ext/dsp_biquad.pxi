# Offline entry points to dsp_biquad.c for its tests (included by _core.pyx).
