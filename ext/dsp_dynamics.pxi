# Offline entry points to dsp_dynamics.c for its tests (included by _core.pyx).
