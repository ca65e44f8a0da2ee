# Offline entry points to dsp_fx.c for its tests (included by _core.pyx).
