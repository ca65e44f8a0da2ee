# cython: language_level=3, boundscheck=False, wraparound=False
"""Python handle on the realtime mixing core (ext/mixcore.c).

`Core` owns one C core. The control side posts ready-made numbers (linear gains, oscillator
rotations) with `post()`; the audio side runs either inside JACK (`attach_jack()` installs the C
process callback on a JACK-Client `Client` before it is activated) or offline on numpy arrays
(`process()`), the same C code either way. Meters come back through `read_meters()`.

The numbering contract with the control side comes from mixcore.h, never retyped in Python: the op
codes (``OP_*``), the enums (insert slots ``INS_*``, filter geometry ``CH_FILTERS`` …, graphic EQ bands
``GEQ_BANDS``, insert orders ``ORDER_*``, effects ``FX_*``, generator kinds ``GEN_*`` and targets
``TARGET_*``, bus kinds ``BUS_*``, meter stages ``MS_*``, meter fields ``MF_*``, gain-reduction kinds
``GR_*``; an enum's count is ``N_*``) and the index helpers (``send_index``, ``master_index``,
``bus_filter_slot``, ``geq_slot``, ``out_delay_max``, ``gr_index`` …), which call the same inline C
functions the core uses to build and decode those indices.
``Core.meter_layout()`` describes one meter frame. tests/engine/test_core_contract.py checks both
sides against real audio.

Tap rings carry audio out of the core to a thread on the control side: ``Core.record()`` (a ``Take`` for
the disk thread) and ``Core.analyse()`` (an ``Analysis`` for the RTA and the feedback finder), each with
its own taps (``TAP_*``), both attached at once if need be.
"""

from collections import deque

from libc.stdint cimport int32_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, nanosleep, timespec

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
OP_BIQUAD = MIX_OP_BIQUAD
OP_INSERT = MIX_OP_INSERT
OP_GATE = MIX_OP_GATE
OP_COMP = MIX_OP_COMP
OP_LIMITER = MIX_OP_LIMITER
OP_ORDER = MIX_OP_ORDER
OP_RETURN = MIX_OP_RETURN
OP_FX_KIND = MIX_OP_FX_KIND
OP_REVERB = MIX_OP_REVERB
OP_DELAY = MIX_OP_DELAY
OP_GEN_KIND = MIX_OP_GEN_KIND
OP_SOLO_PFL = MIX_OP_SOLO_PFL
OP_SOLO_AFL_L = MIX_OP_SOLO_AFL_L
OP_SOLO_AFL_R = MIX_OP_SOLO_AFL_R
OP_SOLO_SRC = MIX_OP_SOLO_SRC
OP_GROUP_MAIN = MIX_OP_GROUP_MAIN
OP_PLAY_SOURCE = MIX_OP_PLAY_SOURCE
OP_PLAY_LEVEL = MIX_OP_PLAY_LEVEL
OP_GEQ = MIX_OP_GEQ
OP_OUT_DELAY = MIX_OP_OUT_DELAY
IMMEDIATE = MIX_OP_IMMEDIATE
METER_FIELDS = MIX_MF_FIELDS
TP_TAPS = MIX_TP_PHASES * MIX_TP_TAPS
BUS_AUX = MIX_BUS_AUX
BUS_FX = MIX_BUS_FX
BUS_GROUP = MIX_BUS_GROUP
N_BUS_KINDS = MIX_BUS_KINDS

# Channel insert order (OP_ORDER).
ORDER_EQ_DYN = MIX_ORDER_EQ_DYN
ORDER_DYN_EQ = MIX_ORDER_DYN_EQ
N_ORDERS = MIX_ORDERS
# Generator targets (OP_GEN_TARGET v0) and kinds (OP_GEN_KIND).
TARGET_NONE = MIX_TARGET_NONE
TARGET_CHANNEL = MIX_TARGET_CHANNEL
TARGET_BUS = MIX_TARGET_BUS
N_TARGETS = MIX_TARGETS
GEN_SINE = MIX_GEN_SINE
GEN_PINK = MIX_GEN_PINK
GEN_WHITE = MIX_GEN_WHITE
N_GEN_KINDS = MIX_GEN_KINDS
# Effects of an FX bus (OP_FX_KIND).
FX_REVERB = MIX_FX_REVERB
FX_DELAY = MIX_FX_DELAY
N_FX_KINDS = MIX_FX_KINDS
# Inserts (OP_INSERT, see channel_insert_slot / bus_insert_slot): per channel, per bus and the main.
INS_HPF = MIX_INS_HPF
INS_EQ = MIX_INS_EQ
INS_GATE = MIX_INS_GATE
INS_COMP = MIX_INS_COMP
N_CH_INSERTS = MIX_CH_INSERTS
INS_BUS_EQ = MIX_INS_BUS_EQ
INS_GEQ = MIX_INS_GEQ
INS_LIMITER = MIX_INS_LIMITER
N_BUS_INSERTS = MIX_BUS_INSERTS
# Filter sections (OP_BIQUAD, see channel_filter_slot / bus_filter_slot): a channel's HPF sections, then
# its EQ bands from CH_EQ_FIRST; a bus's and the main's EQ bands.
CH_HPF_SECTIONS = MIX_CH_HPF_SECTIONS
CH_EQ_FIRST = MIX_CH_EQ_FIRST
EQ_BANDS = MIX_EQ_BANDS
CH_FILTERS = MIX_CH_FILTERS
BUS_FILTERS = MIX_BUS_FILTERS
# The graphic EQ of every aux bus and the main (OP_GEQ, see geq_slot) and the longest output delay
# (OP_OUT_DELAY, see out_delay_max).
GEQ_BANDS = MIX_GEQ_BANDS
OUT_DELAY_MAX_MS = MIX_OUT_DELAY_MAX_MS
# Meter stages of a channel (see channel_meter), meter fields of a frame, gain-reduction kinds.
MS_INPUT = MIX_MS_INPUT
MS_INSERTS = MIX_MS_INSERTS
MS_POST = MIX_MS_POST
MS_INSERT1 = MIX_MS_INSERT1
N_METER_STAGES = MIX_METER_STAGES
MF_PEAK = MIX_MF_PEAK
MF_MS = MIX_MF_MS
MF_CLIPS = MIX_MF_CLIPS
MF_KMS = MIX_MF_KMS
MF_TP = MIX_MF_TP
# The taps of the tap rings (Core.record, Core.analyse): a channel raw, after its trim, between its EQ and its
# dynamics, after its inserts (before mute and fader), after its fader; a side of a bus or the main as it leaves;
# a side of the solo bus.
TAP_RAW = MIX_TAP_RAW
TAP_TRIM = MIX_TAP_TRIM
TAP_INSERT1 = MIX_TAP_INSERT1
TAP_INSERTS = MIX_TAP_INSERTS
TAP_POST = MIX_TAP_POST
TAP_BUS = MIX_TAP_BUS
TAP_SOLO = MIX_TAP_SOLO
N_TAP_KINDS = MIX_TAP_KINDS
GR_GATE = MIX_GR_GATE
GR_COMP = MIX_GR_COMP
GR_LIMITER = MIX_GR_LIMITER
N_GR_KINDS = MIX_GR_KINDS
MASTER_MAIN = MIX_MASTER_MAIN

# The names meter_layout() uses, by enum value.
METER_STAGE_NAMES = tuple(name for _, name in sorted(
    ((MIX_MS_INPUT, "input"), (MIX_MS_INSERTS, "inserts"), (MIX_MS_POST, "post"), (MIX_MS_INSERT1, "insert1"))))
METER_FIELD_NAMES = tuple(name for _, name in sorted(
    ((MIX_MF_PEAK, "peak"), (MIX_MF_MS, "ms"), (MIX_MF_CLIPS, "clips"), (MIX_MF_KMS, "kms"), (MIX_MF_TP, "tp"))))
# The tap that carries what a channel meter stage measures, by stage name.
METER_STAGE_TAPS = {"input": MIX_TAP_TRIM, "inserts": MIX_TAP_INSERTS, "post": MIX_TAP_POST,
                    "insert1": MIX_TAP_INSERT1}
GR_KIND_NAMES = tuple(name for _, name in sorted(
    ((MIX_GR_GATE, "gate"), (MIX_GR_COMP, "comp"), (MIX_GR_LIMITER, "limiter"))))


# ---- index helpers: thin wrappers of mixcore.h's inline functions (the core's own definitions) ----
# Buses count from 0; ``main_bus(n_buses)`` (the main after the buses) wherever an index covers every bus
# then the main. ``buses`` is a sequence of ``(kind, width)`` shapes as Core takes them.

cdef mix_bus_shape_t *_shapes(buses) except NULL:
    """A malloc'd C copy of ``buses``; the caller frees it."""
    shapes = tuple(buses)
    cdef mix_bus_shape_t *sh = <mix_bus_shape_t *>malloc(max(1, len(shapes)) * sizeof(mix_bus_shape_t))
    if sh == NULL:
        raise MemoryError()
    for i, (kind, width) in enumerate(shapes):
        sh[i].kind = kind
        sh[i].width = width
    return sh


cdef inline _check(uint32_t value, uint32_t limit, str what):
    if value >= limit:
        raise ValueError(f"{what} {value} out of range (0…{limit - 1})")


def main_bus(uint32_t n_buses):
    """The main's index among the buses (OP_LIMITER, OP_SOLO_SRC, bus filter/insert slots, limiter GR)."""
    return mix_main_bus(n_buses)


def bus_width(uint32_t kind, uint32_t width):
    """Output sides of a bus of this shape (an FX bus is stereo out)."""
    cdef mix_bus_shape_t sh
    sh.kind, sh.width = kind, width
    return mix_bus_width(&sh)


def bus_in_width(uint32_t kind, uint32_t width):
    """Send-matrix rows feeding a bus of this shape (an FX bus takes mono in)."""
    cdef mix_bus_shape_t sh
    sh.kind, sh.width = kind, width
    return mix_bus_in_width(&sh)


def send_row(buses, uint32_t bus):
    """First send-matrix row of bus ``bus``; ``bus == len(buses)`` gives the number of rows."""
    _check(bus, len(buses) + 1, "bus")
    cdef mix_bus_shape_t *sh = _shapes(buses)
    try:
        return mix_send_row(sh, bus)
    finally:
        free(sh)


def master_index(buses, uint32_t bus):
    """First OP_OUT_GAIN index (and, through master_meter, output meter) of bus ``bus``; the main's is
    MASTER_MAIN; ``bus == len(buses)`` gives the solo bus's (L, then R)."""
    _check(bus, len(buses) + 1, "bus")
    cdef mix_bus_shape_t *sh = _shapes(buses)
    try:
        return mix_master_index(sh, bus)
    finally:
        free(sh)


def send_index(uint32_t n_inputs, uint32_t row, uint32_t channel):
    """OP_SEND_PRE / OP_SEND_POST index of ``channel`` into send-matrix row ``row``."""
    _check(channel, n_inputs, "channel")
    return mix_send_index(n_inputs, row, channel)


def return_index(uint32_t n_buses, uint32_t fx_bus, uint32_t to):
    """OP_RETURN index of FX bus ``fx_bus`` into bus ``to``, or into the main for ``to == main_bus(n_buses)``."""
    _check(fx_bus, n_buses, "fx bus")
    _check(to, n_buses + 1, "return target")
    return mix_return_index(n_buses, fx_bus, to)


def channel_filter_slot(uint32_t channel, uint32_t section):
    """OP_BIQUAD slot of a channel's section: 0…CH_HPF_SECTIONS-1 the HPF, CH_EQ_FIRST + band the EQ."""
    _check(section, MIX_CH_FILTERS, "channel filter section")
    return mix_channel_filter_slot(channel, section)


def bus_filter_slot(uint32_t n_inputs, uint32_t bus, uint32_t band):
    """OP_BIQUAD slot of EQ band ``band`` (from 0) of bus ``bus`` (the main: main_bus(n_buses))."""
    _check(band, MIX_BUS_FILTERS, "bus EQ band")
    return mix_bus_filter_slot(n_inputs, bus, band)


def channel_insert_slot(uint32_t channel, uint32_t insert):
    """OP_INSERT slot of a channel's insert (INS_HPF, INS_EQ, INS_GATE, INS_COMP)."""
    _check(insert, MIX_CH_INSERTS, "channel insert")
    return mix_channel_insert_slot(channel, insert)


def bus_insert_slot(uint32_t n_inputs, uint32_t bus, uint32_t insert):
    """OP_INSERT slot of a bus's insert (INS_BUS_EQ, INS_GEQ, INS_LIMITER); the main: bus main_bus(n_buses).
    FX and group buses have no graphic EQ: their INS_GEQ slot does nothing."""
    _check(insert, MIX_BUS_INSERTS, "bus insert")
    return mix_bus_insert_slot(n_inputs, bus, insert)


def geq_slot(uint32_t n_buses, uint32_t bus, uint32_t band):
    """OP_GEQ slot of graphic EQ band ``band`` (from 0: 20 Hz … GEQ_BANDS - 1: 20 kHz) of bus ``bus`` (the main:
    main_bus(n_buses)). Only aux buses and the main have a graphic EQ; an FX or group bus's slots do nothing."""
    _check(bus, mix_main_bus(n_buses) + 1, "bus")
    _check(band, MIX_GEQ_BANDS, "graphic EQ band")
    return mix_geq_slot(bus, band)


def out_delay_max(uint32_t sample_rate):
    """The longest output delay (OP_OUT_DELAY) in samples at ``sample_rate``: OUT_DELAY_MAX_MS, rounded up."""
    return mix_out_delay_max(sample_rate)


def channel_meter(uint32_t n_inputs, uint32_t stage, uint32_t channel):
    """Meter channel of ``channel`` at meter stage ``stage`` (MS_*)."""
    _check(stage, MIX_METER_STAGES, "meter stage")
    _check(channel, n_inputs, "channel")
    return mix_channel_meter(n_inputs, stage, channel)


def master_meter(uint32_t n_inputs, uint32_t master):
    """Meter channel of master gain ``master`` (main L/R, bus sides, solo L/R: see master_index)."""
    return mix_master_meter(n_inputs, master)


def gr_index(uint32_t n_inputs, uint32_t kind, uint32_t i):
    """Gain-reduction point of kind GR_GATE / GR_COMP (``i``: channel) or GR_LIMITER (``i``: bus, the main
    at main_bus(n_buses))."""
    _check(kind, MIX_GR_KINDS, "gain-reduction kind")
    return mix_gr_index(n_inputs, kind, i)

# Without loudness filters from the control side: K-weighting is the identity and the true-peak
# interpolator repeats each sample (true peak = sample peak).
_IDENTITY_KWEIGHT = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
_HOLD_TAPS = tuple(1.0 if i % MIX_TP_TAPS == MIX_TP_TAPS - 1 else 0.0 for i in range(MIX_TP_PHASES * MIX_TP_TAPS))


cdef double _monotonic() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


cdef class Take:
    """The ring of a take being recorded (``Core.record``): ``read()`` takes what the audio thread wrote,
    ``gaps()`` where frames were lost because nobody read in time. For one disk thread."""

    cdef mix_rec_t *r
    cdef bint _leaked  # detached while the audio thread never left it: not freed (see Core.stop_recording)
    cdef readonly uint32_t n_tracks, capacity
    cdef readonly tuple taps  # ((kind, index, side), ...): track t carries taps[t]

    def __dealloc__(self):
        if self.r != NULL and not self._leaked:
            mixrec_free(self.r)

    def read(self, uint32_t max_frames=65536):
        """``(data, at)``: up to ``max_frames`` frames of every track (float32, shape (n_tracks, k)) from position
        ``at`` of the ring's data (frames the audio thread wrote before them)."""
        cdef uint64_t tail = self.r.tail
        cdef uint64_t queued = self.r.head - tail
        if queued < max_frames:
            max_frames = <uint32_t>queued  # polled often, mostly with little in the ring: no big empty array
        data = np.empty((self.n_tracks, max_frames), dtype=np.float32)
        cdef float[:, ::1] d = data
        cdef uint64_t at = tail
        cdef uint32_t got = 0
        if max_frames:
            with nogil:
                got = mixrec_read(self.r, &d[0, 0], max_frames, max_frames, &at)
        return data[:, :got], at

    def gaps(self):
        """``[(at, frames), ...]``: frames lost (the ring was full) before the data written at position ``at``,
        oldest first, each once. Ask after ``read()``: a gap is published before the frames that follow it."""
        cdef mix_rec_gap_t gap
        out = []
        while mixrec_take_gap(self.r, &gap):
            out.append((gap.at, gap.frames))
        return out

    @property
    def lost(self):
        """Frames lost so far, in all (the disk did not keep up)."""
        return self.r.lost

    @property
    def drops(self):
        """Blocks lost so far (each whole: ``lost`` frames in all)."""
        return self.r.drops

    @property
    def leaked(self):
        """Detached while the audio thread never left the period it was mixing into it: never freed."""
        return self._leaked

    @property
    def queued(self):
        """Frames in the ring not read yet (of ``capacity``): how far behind the disk is."""
        cdef uint64_t tail = self.r.tail
        return self.r.head - tail

    @property
    def start_frame(self):
        """The core's frame count when the take began (None until the audio thread has seen it)."""
        return self.r.start_frame if self.r.started else None

    @property
    def lost_at_end(self):
        """Frames lost after the last gap published: silence the take ends with (read it once stopped)."""
        return self.r.pending


cdef class Analysis(Take):
    """The analysis ring (``Core.analyse``): what its taps carry, for the RTA and the feedback finder, read by one
    thread. Lossy by design: a block the reader has no room for is dropped whole and counted (``lost`` frames,
    ``drops`` blocks), never waited for. ``read()`` takes the gaps with the data, so a reader that never asks for
    them never stalls the ring; ``gaps()`` gives those taken since it last asked (the newest 64), each before the
    data written at its position."""

    cdef object _gaps

    def __cinit__(self):
        self._gaps = deque(maxlen=MIX_REC_GAPS)

    def read(self, uint32_t max_frames=65536):
        """``(data, at)`` as ``Take.read``; the gaps up to the end of it wait in ``gaps()``."""
        out = Take.read(self, max_frames)
        self._gaps.extend(Take.gaps(self))
        return out

    def gaps(self):
        """``[(at, frames), ...]``: the gaps ``read()`` came across since the last call, oldest first."""
        out = list(self._gaps)
        self._gaps.clear()
        return out


cdef class Playback:
    """The ring of a take played back into channels (``Core.play``): ``write()`` what comes next of every track,
    as far as ``room`` allows. For one disk thread."""

    cdef mix_play_t *p
    cdef bint _leaked  # detached while the audio thread never left it: not freed
    cdef readonly uint32_t n_tracks, capacity

    def __dealloc__(self):
        if self.p != NULL and not self._leaked:
            mixplay_free(self.p)

    @property
    def room(self):
        """Frames of every track that fit in the ring now."""
        return mixplay_room(self.p)

    def write(self, frames):
        """Append ``frames`` (float32, shape (n_tracks, k), k ≤ ``room``) after what was written."""
        cdef float[:, ::1] src = np.ascontiguousarray(frames, dtype=np.float32).reshape(self.n_tracks, -1)
        cdef uint32_t k = src.shape[1]
        if k > mixplay_room(self.p):
            raise ValueError(f"{k} frames do not fit: the ring has room for {mixplay_room(self.p)}")
        if k:
            with nogil:
                mixplay_write(self.p, &src[0, 0], <uint32_t>src.shape[1], k)

    def end(self):
        """The take's last frame is written: the audio thread plays it out (the last block padded with silence)
        and counts nothing as starved after it."""
        mixplay_end(self.p)

    @property
    def played(self):
        """Frames the audio thread has played from the ring."""
        return self.p.tail

    @property
    def queued(self):
        """Frames written and not played yet."""
        cdef uint64_t tail = self.p.tail
        return self.p.head - tail

    @property
    def starved(self):
        """Frames played as silence because too little was written while more was due (the disk late)."""
        return self.p.starved


cdef class Core:
    """One mixing core: ``n_inputs`` mono channels, the given buses, a stereo main.

    ``buses`` lists ``(kind, width)`` per bus: kind BUS_AUX (width 1 or 2), BUS_FX (mono in,
    stereo out, no output port) or BUS_GROUP (width 1 or 2, no output port: it feeds the main).
    Output ports: main L, main R, every side of every aux bus, then solo L/R. Meter channels and
    gain-reduction points: see ``meter_layout()``.
    """

    cdef mixcore_t *c
    cdef mix_jack_binding_t *binding
    cdef readonly uint32_t n_inputs, n_outputs, n_buses, n_generators, n_meters, n_gr, max_frames
    cdef readonly uint32_t frame_floats
    cdef readonly tuple buses
    cdef uint64_t _busy_us_before, _timed_before  # the callback time of earlier JACK bindings
    cdef uint64_t _xruns_before  # the xruns earlier JACK bindings counted
    cdef Take _take  # the take being recorded
    cdef Analysis _analysis  # the analysis ring fed
    cdef Playback _playback  # the take being played back

    def __cinit__(self, uint32_t n_inputs, buses, uint32_t n_generators=4, *, uint32_t sample_rate=48000,
                  uint32_t max_frames=4096, uint32_t cmd_capacity=8192, uint32_t meter_slots=64,
                  uint32_t meter_interval=960, uint32_t ramp_samples=480, kweight=None, tp_taps=None):
        shapes = tuple((int(k), int(w)) for k, w in buses)
        kw = tuple(float(x) for x in (kweight if kweight is not None else _IDENTITY_KWEIGHT))
        taps = tuple(float(x) for x in (tp_taps if tp_taps is not None else _HOLD_TAPS))
        if len(kw) != 10 or len(taps) != MIX_TP_PHASES * MIX_TP_TAPS:
            raise ValueError(f"kweight takes 10 coefficients and tp_taps {MIX_TP_PHASES * MIX_TP_TAPS}")
        cdef mix_bus_shape_t *sh = <mix_bus_shape_t *>malloc(max(1, len(shapes)) * sizeof(mix_bus_shape_t))
        cdef double ckw[10]
        cdef float ctaps[MIX_TP_PHASES * MIX_TP_TAPS]
        if sh == NULL:
            raise MemoryError()
        try:
            for i, (kind, width) in enumerate(shapes):
                if kind not in (MIX_BUS_AUX, MIX_BUS_FX, MIX_BUS_GROUP) or (kind != MIX_BUS_FX and width not in (1, 2)):
                    raise ValueError(f"bus {i + 1}: an aux or group bus is mono (1) or stereo (2), an FX bus is "
                                     "(BUS_FX, 2)")
                sh[i].kind = kind
                sh[i].width = width
            for i in range(10):
                ckw[i] = kw[i]
            for i in range(MIX_TP_PHASES * MIX_TP_TAPS):
                ctaps[i] = taps[i]
            self.c = mixcore_new(n_inputs, len(shapes), sh, n_generators, sample_rate, max_frames, cmd_capacity,
                                 meter_slots, meter_interval, ramp_samples, ckw, ctaps)
        finally:
            free(sh)
        if self.c == NULL:
            raise ValueError("cannot build the core with these sizes: generators ≤ 32, "
                             "1 ≤ max_frames ≤ 65536, cmd_capacity a power of two ≥ 2, "
                             "meter_slots and meter_interval ≥ 1, 8 kHz ≤ sample_rate ≤ 384 kHz")
        self.binding = NULL
        self.n_inputs = self.c.n_inputs
        self.n_outputs = self.c.n_outputs
        self.n_buses = self.c.n_buses
        self.n_generators = self.c.n_gens
        self.n_meters = self.c.n_meters
        self.n_gr = self.c.n_gr
        self.max_frames = self.c.max_frames
        self.frame_floats = mixcore_frame_floats(self.c)
        self.buses = shapes

    def set_loudness(self, kweight, tp_taps):
        """New loudness filters (for a new sample rate). Only while no audio thread runs the core."""
        if self.binding != NULL:
            raise RuntimeError("detach from JACK before changing the loudness filters")
        cdef double ckw[10]
        cdef float ctaps[MIX_TP_PHASES * MIX_TP_TAPS]
        for i in range(10):
            ckw[i] = kweight[i]
        for i in range(MIX_TP_PHASES * MIX_TP_TAPS):
            ctaps[i] = tp_taps[i]
        mixcore_set_loudness(self.c, ckw, ctaps)

    def set_sample_rate(self, uint32_t sample_rate):
        """Re-make what the core sized or tuned for its sample rate (the FX buses' reverb and delay; their
        settings come back with the next commands). Only while no audio thread runs the core."""
        if self.binding != NULL:
            raise RuntimeError("detach from JACK before changing the sample rate")
        if mixcore_set_sample_rate(self.c, sample_rate) != 0:
            raise ValueError(f"cannot run the core at {sample_rate} Hz (8 kHz…384 kHz, or out of memory)")

    def __dealloc__(self):
        # The owner detaches from JACK (client closed) before dropping the core; see detach_jack().
        if self.binding != NULL:
            mix_jack_binding_free(self.binding)
        if self.c != NULL:
            mixcore_detach_ring(self.c, MIX_RING_REC)  # a take's ring is its Take's to free
            mixcore_detach_ring(self.c, MIX_RING_ANA)  # and the analysis ring its Analysis's
            mixcore_detach_play(self.c)  # and a playback's its Playback's
            mixcore_free(self.c)

    def record(self, taps, uint32_t capacity):
        """Start recording ``taps`` — ``(TAP_RAW | TAP_TRIM | TAP_INSERT1 | TAP_INSERTS | TAP_POST, channel, 0)``,
        ``(TAP_BUS, bus, side)`` (bus ``n_buses``: the main) or ``(TAP_SOLO, 0, side)`` — into a ring of
        ``capacity`` frames a track (a power of two, at least ``max_frames``); from the next block on, every block
        goes in whole or (ring full) is lost and counted. Returns the ``Take`` to read it from. ValueError for a tap
        this core has not, a channel taken twice at one point, a bad capacity, or a take already running."""
        if self._take is not None:
            raise ValueError("a take is being recorded already: stop it first")
        take = Take.__new__(Take)
        self._attach(take, MIX_RING_REC, taps, capacity, "a take records", "record")
        self._take = take
        return take

    def stop_recording(self, double wait=1.0):
        """Stop feeding the take (what is in its ring stays readable); returns it, or None if none runs. A block
        the audio thread is mixing into it is waited for up to ``wait`` seconds; one that never ends (the
        thread stopped for good) leaves the ring to it, never freed."""
        take, self._take = self._take, None
        if take is None:
            return None
        mixcore_detach_ring(self.c, MIX_RING_REC)
        take._leaked = not self._period_over(wait)
        return take

    @property
    def recording(self):
        """The take being recorded, or None."""
        return self._take

    def analyse(self, taps, uint32_t capacity):
        """Start feeding ``taps`` (as ``record()`` takes them) into the analysis ring, beside any take being
        recorded: a ring of ``capacity`` frames a track (a power of two, at least ``max_frames``) that the audio
        thread fills from the next block on, dropping (and counting) a block its reader has no room for. Returns the
        ``Analysis`` to read. ValueError for a tap this core has not, a channel taken twice at one point, a bad
        capacity, or an analysis already fed (``stop_analysing()`` first: then attach the new one)."""
        if self._analysis is not None:
            raise ValueError("an analysis ring is fed already: stop it first")
        ring = Analysis.__new__(Analysis)
        self._attach(ring, MIX_RING_ANA, taps, capacity, "an analysis takes", "analyse")
        self._analysis = ring
        return ring

    def stop_analysing(self, double wait=1.0):
        """Stop feeding the analysis ring (what is in it stays readable); returns it, or None if none is fed. A
        block the audio thread is mixing into it is waited for up to ``wait`` seconds; one that never ends (the
        thread stopped for good) leaves the ring to it, never freed (``leaked``)."""
        ring, self._analysis = self._analysis, None
        if ring is None:
            return None
        mixcore_detach_ring(self.c, MIX_RING_ANA)
        ring._leaked = not self._period_over(wait)
        return ring

    @property
    def analysing(self):
        """The analysis ring fed, or None."""
        return self._analysis

    cdef _attach(self, Take ring, uint32_t which, taps, uint32_t capacity, str takes, str verb):
        """Make ``ring``'s C ring for ``taps`` and attach it as ring ``which`` (none is attached there)."""
        taps = tuple(tuple(int(v) for v in tap) for tap in taps)
        if not taps:
            raise ValueError(f"{takes} at least one tap")
        if any(len(tap) != 3 for tap in taps):
            raise ValueError("a tap is (kind, index, side)")
        cdef mix_tap_t *ct = <mix_tap_t *>malloc(len(taps) * sizeof(mix_tap_t))
        if ct == NULL:
            raise MemoryError()
        cdef mix_rec_t *r = NULL
        try:
            for i, (kind, index, side) in enumerate(taps):
                if min(kind, index, side) < 0:
                    raise ValueError(f"tap {i + 1} {taps[i]}: negative")
                ct[i].kind, ct[i].index, ct[i].side = kind, index, side
            r = mixrec_new(self.c, ct, len(taps), capacity)
        finally:
            free(ct)
        if r == NULL:
            raise ValueError(f"cannot {verb} these taps into {capacity} frames: every tap a channel of "
                             f"{self.n_inputs} (each at most once at each point), a side of a bus or the main, or "
                             f"a side of the solo bus (index 0); the capacity a power of two ≥ {self.max_frames}")
        ring.r = r
        ring.n_tracks = len(taps)
        ring.capacity = capacity
        ring.taps = taps
        mixcore_attach_ring(self.c, which, r)  # none is attached there: the caller checked

    def play(self, channels, uint32_t capacity):
        """Play a take into ``channels`` (0-based, track t into channels[t]) from a ring of ``capacity`` frames a
        track; the channels hear it where OP_PLAY_SOURCE switched them to it. Returns the ``Playback`` to fill;
        write some before the audio thread needs it. ValueError for a channel this core has not or named twice,
        a bad capacity, or a take already playing."""
        if self._playback is not None:
            raise ValueError("a take is being played already: stop it first")
        channels = [int(c) for c in channels]
        if not channels or min(channels) < 0:
            raise ValueError("a playback plays at least one track, into channels numbered from 0")
        cdef uint32_t *cc = <uint32_t *>malloc(len(channels) * sizeof(uint32_t))
        if cc == NULL:
            raise MemoryError()
        cdef mix_play_t *p = NULL
        try:
            for i, c in enumerate(channels):
                cc[i] = c
            p = mixplay_new(self.c, cc, len(channels), capacity)
        finally:
            free(cc)
        if p == NULL:
            raise ValueError(f"cannot play into channels {channels} from {capacity} frames: each a channel of "
                             f"{self.n_inputs} at most once, the capacity a power of two ≥ {self.max_frames}")
        cdef Playback playback = Playback.__new__(Playback)
        playback.p = p
        playback.n_tracks = len(channels)
        playback.capacity = capacity
        mixcore_attach_play(self.c, p)
        self._playback = playback
        return playback

    def stop_playing(self, double wait=1.0):
        """Stop taking from the playback's ring; returns it, or None. A period the audio thread is playing from
        it is waited for up to ``wait`` seconds (one that never ends leaves the ring to it, never freed)."""
        playback, self._playback = self._playback, None
        if playback is None:
            return None
        mixcore_detach_play(self.c)
        playback._leaked = not self._period_over(wait)
        return playback

    cdef bint _period_over(self, double wait):
        """Wait (without the GIL, up to ``wait`` seconds) until the audio thread is out of the period it may be
        mixing with a ring just detached; False if it never left (then the ring is never freed)."""
        cdef double deadline = _monotonic() + wait
        cdef timespec pause
        cdef bint over = True
        cdef uint64_t mark = 0
        pause.tv_sec, pause.tv_nsec = 0, 200000
        with nogil:
            while not mixcore_rec_released(self.c, &mark):
                if _monotonic() > deadline:
                    over = False
                    break
                nanosleep(&pause, NULL)
        return over

    @property
    def playing(self):
        """The take being played back, or None."""
        return self._playback

    def post(self, uint32_t op, int32_t index, *values):
        """Queue one command with up to 6 values for the audio thread; False if the ring is full.

        Single producer: callers serialise posts (the engine holds a lock).
        """
        cdef double v[MIX_CMD_VALUES]
        cdef uint32_t n = len(values)
        if n > MIX_CMD_VALUES:
            raise ValueError(f"a command carries at most {MIX_CMD_VALUES} values")
        for i in range(n):
            v[i] = values[i]
        return mixcore_post(self.c, op, index, v, n) != 0

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
        if block == 0:
            raise ValueError("block must be ≥ 1 frames (longer than max_frames is mixed in slices, as JACK's would)")
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

        Returns ``(data, frames, cycles)``: ``data`` float32 of shape (k, frame_floats) laid out as
        METER_FIELDS rows of n_meters (peak, mean square, clips, K-weighted mean square, true peak)
        followed by n_gr gain reductions in dB; ``frames`` the samples each frame covers, ``cycles``
        the block counter when it was published.
        """
        data = np.empty((max_frames, self.frame_floats), dtype=np.float32)
        frames = np.empty(max_frames, dtype=np.uint32)
        cycles = np.empty(max_frames, dtype=np.uint64)
        cdef float[:, ::1] d = data
        cdef uint32_t[::1] f = frames
        cdef uint64_t[::1] cy = cycles
        cdef uint32_t got = 0
        if max_frames:
            got = mixcore_read_meters(self.c, max_frames, &d[0, 0], &f[0], &cy[0])
        return data[:got], frames[:got], cycles[:got]

    def meter_layout(self):
        """Where everything sits in a meter frame (a row of ``read_meters()``), from the core's own helpers.

        Returns a plain dict::

            {"n_inputs": n,
             "channel_stages": {"input": i, "inserts": i, "post": i, "insert1": i},
                 # first meter channel of each stage; channel c (from 0) of that stage is first + c
             "main": (first, 2),                    # main L, R
             "buses": [(first, width), ...],        # every bus in order (FX buses: 2, no port)
             "solo": (first, 2),                    # solo L, R
             "gr": {"gate": g, "comp": g, "limiter": g},
                 # first gain-reduction point of each kind: gate and comp + channel,
                 # limiter + bus, the main's at limiter + n_buses
             "fields": ("peak", "ms", "clips", "kms", "tp"),
             "n_meters": ..., "n_gr": ..., "gr_offset": ..., "frame_floats": ...}

        A frame holds ``len(fields)`` rows of ``n_meters`` floats (field f of meter m at
        ``f * n_meters + m``: peak |x|, mean square, clipped samples, K-weighted mean square, true peak;
        the last two only on bus, main and solo meters), then ``n_gr`` gain reductions in dB from
        ``gr_offset`` (= ``len(fields) * n_meters``); ``frame_floats`` floats in all.
        """
        cdef uint32_t n = self.n_inputs, nb = self.n_buses
        cdef mix_bus_shape_t *sh = _shapes(self.buses)
        try:
            buses = [(mix_master_meter(n, mix_master_index(sh, b)), mix_bus_width(&sh[b])) for b in range(nb)]
            solo = mix_master_meter(n, mix_master_index(sh, nb))
        finally:
            free(sh)
        return {
            "n_inputs": n,
            "channel_stages": {name: mix_channel_meter(n, stage, 0) for stage, name in enumerate(METER_STAGE_NAMES)},
            "main": (mix_master_meter(n, MIX_MASTER_MAIN), 2),
            "buses": buses,
            "solo": (solo, 2),
            "gr": {name: mix_gr_index(n, kind, 0) for kind, name in enumerate(GR_KIND_NAMES)},
            "fields": METER_FIELD_NAMES,
            "n_meters": self.n_meters,
            "n_gr": self.n_gr,
            "gr_offset": MIX_MF_FIELDS * self.n_meters,
            "frame_floats": self.frame_floats,
        }

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
        """Free the JACK binding. Call only after the client is deactivated or closed (when it cannot be:
        ``abandon_jack()``)."""
        if self.binding != NULL:
            self._keep_counts(self.binding)
            mix_jack_binding_free(self.binding)
            self.binding = NULL

    cdef void _keep_counts(self, mix_jack_binding_t *binding) noexcept:
        # A binding's counters outlive it: callback_time() and jack_xruns() cover every client so far.
        cdef uint64_t busy, cycles
        mix_jack_busy(binding, &busy, &cycles)
        self._busy_us_before += busy
        self._timed_before += cycles
        self._xruns_before += mix_jack_xruns(binding)

    def abandon_jack(self, double wait=1.0):
        """Let go of the JACK binding without freeing it: for a client whose close never returned.

        libjack's thread of that client may still hold the binding (and, however unlikely once its server is
        gone, call the callback with it), so the binding is retired (the callback returns at once, touching
        neither the core nor the ports) and deliberately leaked: a few hundred bytes per abandoned client, and
        a client is abandoned only when a server died and libjack hung closing it. ``attach_jack()`` works
        again at once. A callback inside the core is waited for up to ``wait`` seconds (a cycle takes
        microseconds); one that never leaves was cancelled there or stopped for good, and is retired anyway.
        Returns False then.
        """
        cdef mix_jack_binding_t *binding = self.binding
        cdef double until = _monotonic() + wait
        cdef timespec pause
        if binding == NULL:
            return True
        pause.tv_sec = 0
        pause.tv_nsec = 1000000
        left_in_time = True
        with nogil:
            while mix_jack_retire(binding) != 0:
                if _monotonic() > until:
                    mix_jack_retire_force(binding)
                    left_in_time = False
                    break
                nanosleep(&pause, NULL)
        self._keep_counts(binding)
        self.binding = NULL  # leaked on purpose, see above
        return left_in_time

    def callback_time(self):
        """``(seconds, cycles)``: the time JACK's callback has spent running this core (the core plus
        fetching port buffers), over every JACK client it was attached to, and the cycles that covers."""
        cdef uint64_t busy = 0, cycles = 0
        if self.binding != NULL:
            mix_jack_busy(self.binding, &busy, &cycles)
        return (self._busy_us_before + busy) * 1e-6, self._timed_before + cycles

    def jack_xruns(self):
        """The xruns JACK reported to every client this core was attached to (counted in C on libjack's
        thread: no Python runs there)."""
        return self._xruns_before + (mix_jack_xruns(self.binding) if self.binding != NULL else 0)

    def jack_shutdown(self):
        """``None`` while the attached client runs (or none is attached); once JACK shut it down,
        ``(reason, thread id)``: JACK's reason and the kernel id of libjack's thread that reported it."""
        cdef char reason[256]
        cdef long notifier = 0
        if self.binding == NULL or not mix_jack_shut_down(self.binding, reason, sizeof(reason), &notifier):
            return None
        return reason.decode("utf-8", "replace"), notifier

    def cycles_while_holding_gil(self, double seconds, bint until_shutdown=False):
        """Hold the GIL for ``seconds`` without releasing it and count the audio blocks done meanwhile.

        A diagnostic for the realtime rule: if the JACK callback needed the GIL, no block could
        complete while this runs. With ``until_shutdown`` the hold ends early once the attached client's
        shutdown is flagged, which only C on libjack's thread can do meanwhile. Returns (cycles at start,
        cycles at end, whether the shutdown was flagged by the end).
        """
        cdef mix_stats_t s
        cdef char reason[1]
        cdef long notifier
        mixcore_stats(self.c, &s)
        cdef uint64_t start = s.cycles
        cdef double until = _monotonic() + seconds
        cdef bint shut_down = False
        # Deliberately not `with nogil`: this loop keeps the GIL the whole time.
        while _monotonic() < until:
            shut_down = self.binding != NULL and mix_jack_shut_down(self.binding, reason, 1, &notifier)
            if shut_down and until_shutdown:
                break
        mixcore_stats(self.c, &s)
        return start, s.cycles, shut_down


def jack_messages(bint quiet):
    """Route libjack's error and info messages to C functions: stderr as libjack's default does, or nowhere
    while ``quiet``. (JACK-Client's ``set_error_function`` would run Python on whatever libjack thread reports
    something.)"""
    mix_jack_messages(quiet)


# DSP kernels' test entry points: each kernel exposes small offline functions for its own tests.
include "dsp_biquad.pxi"
include "dsp_dynamics.pxi"
include "dsp_fx.pxi"
include "dsp_loudness.pxi"
