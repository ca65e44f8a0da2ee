# Offline entry points to dsp_loudness.c for its tests (included by _core.pyx).
