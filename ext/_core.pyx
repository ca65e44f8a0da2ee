# cython: language_level=3, boundscheck=False, wraparound=False
"""Python handle on the realtime mixing core (ext/mixcore.c).

`Core` owns one C core. The control side posts ready-made numbers (linear gains, oscillator
rotations) with `post()`; the audio side runs either inside JACK (`attach_jack()` installs the C
process callback on a JACK-Client `Client` before it is activated) or offline on numpy arrays
(`process()`), the same C code either way. Meters come back through `read_meters()`.
"""

from libc.stdint cimport int32_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

import numpy as np

from mixcore cimport *

OP_TRIM = MIX_OP_TRIM
OP_FADER = MIX_OP_FADER
OP_MAIN_L = MIX_OP_MAIN_L
OP_MAIN_R = MIX_OP_MAIN_R
OP_SEND_PRE = MIX_OP_SEND_PRE
OP_SEND_POST = MIX_OP_SEND_POST
OP_OUT_GAIN = MIX_OP_OUT_GAIN
OP_GEN_LEVEL = MIX_OP_GEN_LEVEL
OP_GEN_FREQ = MIX_OP_GEN_FREQ
OP_GEN_TARGET = MIX_OP_GEN_TARGET
OP_GEN_MOD = MIX_OP_GEN_MOD
OP_RAMP = MIX_OP_RAMP
OP_MUTE = MIX_OP_MUTE
OP_METER_INTERVAL = MIX_OP_METER_INTERVAL
IMMEDIATE = MIX_OP_IMMEDIATE


cdef double _monotonic() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


cdef class Core:
    """One mixing core: ``n_inputs`` mono channels, buses of the given widths, a stereo main.

    Output channel order: main L, main R, then every bus channel in bus order.
    Meter channel order: input (post-trim) per channel, post-fader per channel, then every output.
    """

    cdef mixcore_t *c
    cdef mix_jack_binding_t *binding
    cdef readonly uint32_t n_inputs, n_outputs, n_buses, n_generators, n_meters, max_frames
    cdef readonly tuple bus_widths

    def __cinit__(self, uint32_t n_inputs, bus_widths, uint32_t n_generators=4, *,
                  uint32_t max_frames=4096, uint32_t cmd_capacity=8192, uint32_t meter_slots=64,
                  uint32_t meter_interval=960, uint32_t ramp_samples=480):
        widths = tuple(int(w) for w in bus_widths)
        cdef uint32_t *w = <uint32_t *>malloc(max(1, len(widths)) * sizeof(uint32_t))
        if w == NULL:
            raise MemoryError()
        try:
            for i, width in enumerate(widths):
                if width not in (1, 2):
                    raise ValueError(f"bus {i + 1} has width {width}; a bus is mono (1) or stereo (2)")
                w[i] = width
            self.c = mixcore_new(n_inputs, len(widths), w, n_generators, max_frames, cmd_capacity,
                                 meter_slots, meter_interval, ramp_samples)
        finally:
            free(w)
        if self.c == NULL:
            raise ValueError("cannot build the core with these sizes: generators ≤ 32, "
                             "1 ≤ max_frames ≤ 65536, cmd_capacity a power of two ≥ 2, "
                             "meter_slots and meter_interval ≥ 1")
        self.binding = NULL
        self.n_inputs = self.c.n_inputs
        self.n_outputs = self.c.n_outputs
        self.n_buses = self.c.n_buses
        self.n_generators = self.c.n_gens
        self.n_meters = self.c.n_meters
        self.max_frames = self.c.max_frames
        self.bus_widths = widths

    def __dealloc__(self):
        # The owner detaches from JACK (client closed) before dropping the core; see detach_jack().
        if self.binding != NULL:
            mix_jack_binding_free(self.binding)
        if self.c != NULL:
            mixcore_free(self.c)

    def post(self, uint32_t op, int32_t index, float a, float b=0.0):
        """Queue one command for the audio thread; False if the ring is full (nothing queued).

        Single producer: callers serialise posts (the engine holds a lock).
        """
        return mixcore_post(self.c, op, index, a, b) != 0

    def process(self, inputs, uint32_t block=64, out=None):
        """Run the core offline over ``inputs`` (float32, shape (n_inputs, frames)) in blocks of ``block``.

        Returns (or fills ``out``) float32 outputs of shape (n_outputs, frames). The same C code
        as the JACK callback runs here, so offline results are what JACK would play.
        """
        cdef float[:, ::1] src = np.ascontiguousarray(inputs, dtype=np.float32).reshape(self.n_inputs, -1)
        cdef Py_ssize_t frames = src.shape[1]
        if out is None:
            out = np.zeros((self.n_outputs, frames), dtype=np.float32)
        cdef float[:, ::1] dst = out
        if dst.shape[0] != self.n_outputs or dst.shape[1] != frames:
            raise ValueError(f"out must have shape ({self.n_outputs}, {frames})")
        if block == 0 or block > self.max_frames:
            raise ValueError(f"block must be 1…{self.max_frames} frames")
        cdef const float **ins = <const float **>malloc(max(1, self.n_inputs) * sizeof(float *))
        cdef float **outs = <float **>malloc(self.n_outputs * sizeof(float *))
        cdef Py_ssize_t pos = 0
        cdef uint32_t n, i
        try:
            with nogil:
                while pos < frames:
                    n = <uint32_t>min(<Py_ssize_t>block, frames - pos)
                    for i in range(self.n_inputs):
                        ins[i] = &src[i, pos]
                    for i in range(self.n_outputs):
                        outs[i] = &dst[i, pos]
                    mixcore_process(self.c, ins, outs, n)
                    pos += n
        finally:
            free(ins)
            free(outs)
        return out

    def run_blocks(self, inputs, out, uint64_t count):
        """Process the same block (``inputs`` (n_inputs, n), ``out`` (n_outputs, n)) ``count`` times.

        For benchmarks: the loop runs in C without the GIL. Returns the elapsed seconds.
        """
        cdef float[:, ::1] src = inputs
        cdef float[:, ::1] dst = out
        cdef uint32_t n = <uint32_t>src.shape[1]
        if src.shape[0] != self.n_inputs or dst.shape[0] != self.n_outputs or dst.shape[1] != n:
            raise ValueError("inputs/out shapes do not match the core")
        if n == 0 or n > self.max_frames:
            raise ValueError(f"block must be 1…{self.max_frames} frames")
        cdef const float **ins = <const float **>malloc(max(1, self.n_inputs) * sizeof(float *))
        cdef float **outs = <float **>malloc(self.n_outputs * sizeof(float *))
        cdef uint32_t i
        cdef uint64_t k
        cdef double t0, t1
        try:
            for i in range(self.n_inputs):
                ins[i] = &src[i, 0]
            for i in range(self.n_outputs):
                outs[i] = &dst[i, 0]
            with nogil:
                t0 = _monotonic()
                for k in range(count):
                    mixcore_process(self.c, ins, outs, n)
                t1 = _monotonic()
        finally:
            free(ins)
            free(outs)
        return t1 - t0

    def read_meters(self, uint32_t max_frames=64):
        """Take the meter frames published since the last call (oldest first).

        Returns ``(peak, mean_square, clips, frames, cycles)``: three float32 arrays of shape
        (k, n_meters) and two arrays of length k (samples covered, block counter at publish).
        """
        peak = np.empty((max_frames, self.n_meters), dtype=np.float32)
        ms = np.empty((max_frames, self.n_meters), dtype=np.float32)
        clips = np.empty((max_frames, self.n_meters), dtype=np.float32)
        frames = np.empty(max_frames, dtype=np.uint32)
        cycles = np.empty(max_frames, dtype=np.uint64)
        cdef float[:, ::1] p = peak
        cdef float[:, ::1] m = ms
        cdef float[:, ::1] c = clips
        cdef uint32_t[::1] f = frames
        cdef uint64_t[::1] cy = cycles
        cdef uint32_t got = 0
        if max_frames:
            got = mixcore_read_meters(self.c, max_frames, &p[0, 0], &m[0, 0], &c[0, 0], &f[0], &cy[0])
        return peak[:got], ms[:got], clips[:got], frames[:got], cycles[:got]

    def stats(self):
        """Counters of the audio side: blocks (cycles), samples, overruns, meter drops, commands."""
        cdef mix_stats_t s
        mixcore_stats(self.c, &s)
        return {
            "cycles": s.cycles,
            "frames": s.frames,
            "overruns": s.overruns,
            "meter_drops": s.meter_drops,
            "commands_applied": s.cmds_applied,
            "commands_pending": s.cmds_pending,
        }

    @property
    def cycles(self):
        """Blocks processed so far (read atomically)."""
        cdef mix_stats_t s
        mixcore_stats(self.c, &s)
        return s.cycles

    @property
    def attached(self):
        return self.binding != NULL

    def attach_jack(self, uintptr_t client_ptr, in_ports, out_ports):
        """Install the C process callback on a JACK client (before ``activate()``).

        ``client_ptr`` and the port entries are ``jack_client_t *`` / ``jack_port_t *`` addresses
        (from JACK-Client's private ``_ptr``). No Python callback is involved: JACK calls
        ``mix_jack_process`` directly in its realtime thread.
        """
        if self.binding != NULL:
            raise RuntimeError("core is already attached to a JACK client; detach_jack() first")
        if len(in_ports) != self.n_inputs or len(out_ports) != self.n_outputs:
            raise ValueError(f"need {self.n_inputs} input and {self.n_outputs} output ports")
        cdef jack_port_t **ins = <jack_port_t **>malloc(max(1, self.n_inputs) * sizeof(void *))
        cdef jack_port_t **outs = <jack_port_t **>malloc(self.n_outputs * sizeof(void *))
        cdef mix_jack_binding_t *binding
        try:
            for i, ptr in enumerate(in_ports):
                ins[i] = <jack_port_t *><uintptr_t>ptr
            for i, ptr in enumerate(out_ports):
                outs[i] = <jack_port_t *><uintptr_t>ptr
            binding = mix_jack_binding_new(self.c, ins, outs)
        finally:
            free(ins)
            free(outs)
        if binding == NULL:
            raise MemoryError()
        rc = mix_jack_install(<jack_client_t *>client_ptr, binding)
        if rc != 0:
            mix_jack_binding_free(binding)
            raise RuntimeError(f"jack_set_process_callback failed ({rc}); was the client already active?")
        self.binding = binding

    def detach_jack(self):
        """Free the JACK binding. Call only after the client is deactivated or closed."""
        if self.binding != NULL:
            mix_jack_binding_free(self.binding)
            self.binding = NULL

    def cycles_while_holding_gil(self, double seconds):
        """Hold the GIL for ``seconds`` without releasing it and count the audio blocks done meanwhile.

        A diagnostic for the realtime rule: if the JACK callback needed the GIL, no block could
        complete while this runs. Returns (cycles at start, cycles at end).
        """
        cdef mix_stats_t s
        mixcore_stats(self.c, &s)
        cdef uint64_t start = s.cycles
        cdef double until = _monotonic() + seconds
        # Deliberately not `with nogil`: this loop keeps the GIL the whole time.
        while _monotonic() < until:
            pass
        mixcore_stats(self.c, &s)
        return start, s.cycles


# DSP kernels' test entry points: each kernel exposes small offline functions for its own tests.
include "dsp_biquad.pxi"
include "dsp_dynamics.pxi"
include "dsp_fx.pxi"
include "dsp_loudness.pxi"
