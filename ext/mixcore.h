/* mixcore: the realtime mixing core of mixerd.
 *
 * One `mixcore_t` holds everything the audio thread touches: ramped gains, filters, dynamics, FX,
 * scratch buffers, generator state, the command ring (control -> audio) and the meter ring
 * (audio -> control). It is allocated whole by mixcore_new() on the control side; mixcore_process()
 * never allocates, locks, makes a syscall or touches Python, so it runs inside the JACK callback.
 *
 * Signal flow per block:
 *   channel: input + generators -> trim/polarity -> [meter input]
 *            -> HPF -> inserts in the chosen order (EQ, gate, compressor; [meter insert1] between
 *               the EQ and the dynamics) -> [meter inserts]
 *            -> mute -> pre (pre-fader tap) -> fader -> [meter post] -> post
 *   main L/R  += post * pan gains
 *   bus input += pre * send_pre[row][c] + post * send_post[row][c]   (one row per bus input channel)
 *   FX buses (mono in): reverb or delay -> stereo -> EQ -> fader -> returns into main and aux buses
 *   group buses (subgroups, no port): sum -> EQ -> fader/mute/balance -> limiter -> [meter] -> main
 *   aux buses and main: sum (+ FX returns, + generators) -> EQ -> graphic EQ -> fader/mute/balance
 *            -> limiter -> output delay -> output port -> [meter out: peak, RMS, clips, K-weighted power,
 *            true peak]
 *            The output meter (and the solo bus and the tap rings, which take the mix as it leaves) come
 *            after the delay: they measure the very samples the port carries.
 *   solo bus (the engineer's listen output, stereo, last two ports):
 *            sum of PFL taps (after the inserts, before mute and fader), AFL taps (post-fader, panned)
 *            and whole bus or main outputs -> level -> output port -> [meter out]
 *            The control side feeds it the main while nothing is soloed.
 *   tap rings (the recorder's take, the analysis ring): a copy of what a meter point measures (or of a channel's
 *            raw input), a track per tap, written beside the meter (see MIX_TAP_*).
 * Pre/post is not a flag looked up per sample: a send lives in the pre or the post matrix (the other
 * entry is ramped to zero), so switching is a click-free crossfade and the lookup is O(1).
 */
#ifndef MIXCORE_H
#define MIXCORE_H

#include <stdatomic.h>
#include <stdint.h>

#include "dsp_biquad.h"
#include "dsp_dynamics.h"
#include "dsp_fx.h"
#include "dsp_loudness.h"
#include "dsp_outdelay.h"

/* A linear gain that moves to its target over a fixed number of samples. The value is interpolated
 * per sample inside a block but the state advances once per block. */
typedef struct {
    float cur;          /* gain at the start of the next block */
    float target;
    float step;         /* per-sample increment while ramping */
    uint32_t remaining; /* samples left in the ramp; 0 = settled at target */
} mix_ramp_t;

/* Commands: `op` picks what to change, `index` the element, `v` the ready-made values. */
enum {
    MIX_OP_TRIM = 0,       /* index: channel; v0: linear gain, negative for inverted polarity */
    MIX_OP_FADER = 1,      /* index: channel; v0: linear fader gain */
    MIX_OP_MAIN_L = 2,     /* index: channel; v0: gain into main L (pan law and main assign applied) */
    MIX_OP_MAIN_R = 3,
    MIX_OP_SEND_PRE = 4,   /* index: see mix_send_index (send row, channel); v0: gain */
    MIX_OP_SEND_POST = 5,
    MIX_OP_OUT_GAIN = 6,   /* index: master gain (0,1 main; every bus side in bus order; solo L/R: see
                            * mix_master_index); v0 */
    MIX_OP_GEN_LEVEL = 7,  /* index: generator; v0: linear amplitude (0 = off) */
    MIX_OP_GEN_FREQ = 8,   /* index: generator; v0, v1: cos and sin of the per-sample phase step */
    MIX_OP_GEN_TARGET = 9, /* index: generator; v0: MIX_TARGET_*; v1: channel or bus index */
    MIX_OP_GEN_MOD = 10,   /* index: generator; v0, v1: cos/sin of the modulation step; 1, 0 = off */
    MIX_OP_RAMP = 11,      /* v0: ramp length in samples for every later change */
    MIX_OP_MUTE = 12,      /* index: channel; v0: 1 = on, 0 = muted (cuts pre- and post-fader paths) */
    MIX_OP_METER_INTERVAL = 13, /* v0: samples per published meter frame */
    MIX_OP_BIQUAD = 14,    /* index: filter slot (see mix_*_filter_slot); v0..v4: b0 b1 b2 a1 a2 */
    MIX_OP_INSERT = 15,    /* index: insert slot (see mix_*_insert_slot); v0: 1 in, 0 bypassed */
    MIX_OP_GATE = 16,      /* index: channel; v0..v4: mix_gate_params_t */
    MIX_OP_COMP = 17,      /* index: channel; v0..v5: mix_comp_params_t */
    MIX_OP_LIMITER = 18,   /* index: bus, or mix_main_bus(n_buses); v0, v1: mix_limiter_params_t */
    MIX_OP_ORDER = 19,     /* index: channel; v0: MIX_ORDER_* (the strip ducks, swaps, comes back) */
    MIX_OP_RETURN = 20,    /* index: see mix_return_index (FX bus into the main or a bus); v0: gain */
    MIX_OP_FX_KIND = 21,   /* index: bus (an FX bus); v0: MIX_FX_* */
    MIX_OP_REVERB = 22,    /* index: bus; v0..v3: mix_reverb_params_t */
    MIX_OP_DELAY = 23,     /* index: bus; v0..v3: mix_delay_params_t */
    MIX_OP_GEN_KIND = 24,  /* index: generator; v0: MIX_GEN_* */
    MIX_OP_SOLO_PFL = 25,  /* index: channel; v0: gain of its post-insert, pre-mute signal into both solo sides */
    MIX_OP_SOLO_AFL_L = 26, /* index: channel; v0: gain of its post-fader signal into solo L (pan applied) */
    MIX_OP_SOLO_AFL_R = 27,
    MIX_OP_SOLO_SRC = 28,  /* index: bus, or mix_main_bus(n_buses); v0: gain of its output into the solo bus */
    MIX_OP_GROUP_MAIN = 29, /* index: a group bus; v0: gain of its output into the main (0: not assigned) */
    MIX_OP_PLAY_SOURCE = 30, /* index: channel; v0: 1 = its input is the take played back, 0 = the live input
                              * (crossfaded: virtual soundcheck switched on and off without a click) */
    MIX_OP_PLAY_LEVEL = 31,  /* v0: 0…1, the level of the take played back (ramped: a stop or a locate fades) */
    MIX_OP_GEQ = 32,       /* index: see mix_geq_slot (an aux bus's or the main's graphic EQ band); v0..v4: b0 b1 b2
                            * a1 a2 (both sides; ramped as MIX_OP_BIQUAD) */
    MIX_OP_OUT_DELAY = 33, /* index: an aux bus, or mix_main_bus(n_buses); v0: output delay in whole samples,
                            * 0…mix_out_delay_max(rate) (crossfaded between the old and new read positions) */
    MIX_OP_COUNT
};

/* Set on `op` to jump straight to the value without a ramp (used before the first block). */
#define MIX_OP_IMMEDIATE 0x100u

/* The contract with the control side. Everything below that numbers something (enums, and the index
 * helpers further down) is exported by the Python wrapper (_core) and used there; nothing is retyped
 * in Python, and tests/engine/test_core_contract.py holds the two sides together with real audio. */

/* Every enum ends with its count. */
enum { MIX_ORDER_EQ_DYN = 0, MIX_ORDER_DYN_EQ = 1, MIX_ORDERS = 2 };  /* channel insert order */
enum { MIX_TARGET_NONE = 0, MIX_TARGET_CHANNEL = 1, MIX_TARGET_BUS = 2, MIX_TARGETS = 3 };  /* generator targets */
enum { MIX_GEN_SINE = 0, MIX_GEN_PINK = 1, MIX_GEN_WHITE = 2, MIX_GEN_KINDS = 3 };
enum { MIX_BUS_AUX = 0, MIX_BUS_FX = 1, MIX_BUS_GROUP = 2, MIX_BUS_KINDS = 3 };
enum { MIX_FX_REVERB = 0, MIX_FX_DELAY = 1, MIX_FX_KINDS = 2 };

/* Inserts per channel, per bus and on the main, in slot order. */
enum { MIX_INS_HPF = 0, MIX_INS_EQ = 1, MIX_INS_GATE = 2, MIX_INS_COMP = 3, MIX_CH_INSERTS = 4 };
enum { MIX_INS_BUS_EQ = 0, MIX_INS_GEQ = 1, MIX_INS_LIMITER = 2, MIX_BUS_INSERTS = 3 };  /* graphic EQ: aux and main */
/* Filter sections: a channel has 2 HPF sections then 4 EQ bands; a bus and the main have 4 bands. */
enum {
    MIX_CH_HPF_SECTIONS = 2,  /* channel sections 0, 1 */
    MIX_CH_EQ_FIRST = 2,      /* channel section of EQ band 1 */
    MIX_EQ_BANDS = 4,
    MIX_CH_FILTERS = 6,
    MIX_BUS_FILTERS = 4,      /* bus and main sections: the EQ bands */
};
/* The graphic EQ of every aux bus and the main: 31 third-octave peaking bands, ISO centres 20 Hz…20 kHz
 * (designed on the control side: mixerd/engine/dsp/filters.py geq_band). A flat band is the identity
 * section and costs nothing (mix_biquad_run_live never looks at it). */
enum { MIX_GEQ_BANDS = 31 };
/* The longest output delay (MIX_OP_OUT_DELAY), in ms; in samples at a rate: mix_out_delay_max. */
enum { MIX_OUT_DELAY_MAX_MS = 100 };

/* Meter stages of a channel, in meter order (see mix_channel_meter). */
enum { MIX_MS_INPUT = 0, MIX_MS_INSERTS = 1, MIX_MS_POST = 2, MIX_MS_INSERT1 = 3, MIX_METER_STAGES = 4 };
/* Gain-reduction points: a gate and a compressor per channel, a limiter per bus then the main. */
enum { MIX_GR_GATE = 0, MIX_GR_COMP = 1, MIX_GR_LIMITER = 2, MIX_GR_KINDS = 3 };
/* Master gains (MIX_OP_OUT_GAIN) and output meters: the main's two sides come first. */
enum { MIX_MASTER_MAIN = 0 };
/* FX returns (MIX_OP_RETURN): the main's place in an FX bus's row of returns (see mix_return_row). */
enum { MIX_RETURN_MAIN = 0 };

#define MIX_CMD_VALUES 6

typedef struct {
    uint16_t op;
    uint16_t flags;
    int32_t index;
    double v[MIX_CMD_VALUES];
} mix_cmd_t;

typedef struct {
    mix_cmd_t *slots;
    uint32_t mask;            /* capacity - 1; capacity is a power of two */
    _Atomic uint32_t head;    /* written by the producer (control thread) */
    _Atomic uint32_t tail;    /* written by the consumer (audio thread) */
} mix_cmd_ring_t;

/* Meter frames, published every `meter_interval` samples. Per meter channel: peak (max |x|), mean
 * square, samples at or above full scale, mean square of the K-weighted signal and true peak; per
 * gain-reduction point: the largest reduction in dB. */
enum { MIX_MF_PEAK = 0, MIX_MF_MS = 1, MIX_MF_CLIPS = 2, MIX_MF_KMS = 3, MIX_MF_TP = 4, MIX_MF_FIELDS = 5 };

typedef struct {
    float *data;              /* slots * (MIX_MF_FIELDS * n_meters + n_gr) */
    uint64_t *cycle;          /* cycle count when the slot was published */
    uint32_t *frames;         /* samples the slot covers */
    uint32_t n_slots;
    _Atomic uint32_t head;    /* written by the audio thread */
    _Atomic uint32_t tail;    /* written by the reader */
} mix_meter_ring_t;

typedef struct {
    uint32_t kind;            /* MIX_GEN_* */
    float c, s;               /* oscillator phasor */
    float rc, rs;             /* rotation per sample */
    float mc, ms;             /* modulation phasor */
    float mrc, mrs;           /* modulation rotation per sample */
    uint32_t noise;           /* xorshift state */
    float pink[7];            /* pink-noise filter state */
    int32_t target;           /* buffer fed now: channel c (>= 0), bus b as -(b + 2), -1 none */
    int32_t next_target;      /* where to go once the route has faded out */
    mix_ramp_t level;
    mix_ramp_t depth;         /* modulation depth, 0 or 1, ramped */
    mix_ramp_t route;         /* fades out/in around a target change */
} mix_gen_t;

/* One channel's inserts and their order. */
typedef struct {
    mix_biquad_t filters[MIX_CH_FILTERS];
    mix_gate_t gate;
    mix_comp_t comp;
    mix_ramp_t ins[MIX_CH_INSERTS];  /* 0 = bypassed, 1 = in: crossfaded */
    uint32_t order, next_order;
    mix_ramp_t order_gain;           /* the strip ducks around an order change */
} mix_strip_t;

typedef struct {
    uint32_t kind;           /* MIX_BUS_* */
    uint32_t in_width;       /* 1 or 2 (an FX bus takes mono in) */
    uint32_t width;          /* output sides: 1 or 2 (an FX bus is stereo) */
    uint32_t first_row;      /* first send-matrix row */
    uint32_t first_master;   /* first MIX_OP_OUT_GAIN index */
    int32_t first_port;      /* first output port, -1 for an FX bus */
    uint32_t first_meter;    /* first output meter channel */
    float *buf[2];           /* working buffers (max_frames each) */
    mix_biquad_t filters[2][MIX_BUS_FILTERS];
    mix_biquad_t *geq;       /* [2][MIX_GEQ_BANDS] graphic EQ per side (aux buses and the main; NULL otherwise) */
    uint32_t geq_live;       /* bit k: graphic EQ band k may be in use (set by MIX_OP_GEQ, cleared once flat) */
    mix_outdelay_t *delay_out; /* output delay (aux buses and the main; NULL otherwise) */
    mix_limiter_t limiter;
    mix_ramp_t ins[MIX_BUS_INSERTS];
    mix_kweight_t kw[2];
    mix_truepeak_t tp[2];
    /* FX buses only */
    uint32_t fx_kind, next_fx_kind;
    mix_ramp_t fx_gain;      /* ducks around an effect change */
    mix_reverb_t *reverb;
    mix_delay_t *delay;
} mix_bus_t;

/* Tap rings (audio -> a reader thread): what some taps carried, copied every block into a ring that a thread on
 * the control side empties. Two rings can be attached at once, each with its own taps and reader (MIX_RING_*):
 * the recorder's take (a disk thread) and the analysis ring (the RTA and the feedback finder). The audio thread
 * treats them alike and never waits for a reader: a block goes into a ring whole, or (the reader behind, the
 * ring full) is dropped and counted. A tap is one mono track:
 *   MIX_TAP_RAW      channel `index`: the port's input as it came
 *   MIX_TAP_TRIM     channel `index` after its trim (polarity and gain: what the strip works on) [meter input]
 *   MIX_TAP_INSERT1  channel `index` between its EQ and its dynamics, in their order [meter insert1]
 *   MIX_TAP_INSERTS  channel `index` after its inserts, before mute and fader [meter inserts]
 *   MIX_TAP_POST     channel `index` after its mute and fader (silence while closed) [meter post]
 *   MIX_TAP_BUS      side `side` of bus `index` (mix_main_bus(n_buses) = the main) as it leaves [meter out]
 *   MIX_TAP_SOLO     side `side` of the solo bus (index 0) as its port carries it [meter out]
 * Each takes exactly the samples its meter measures. A channel tap's side is 0.
 * Ordering, per ring (single producer, single reader): the audio thread writes a block's data, then publishes it
 * with a release store of `head`; the reader loads `head` with acquire, copies, then frees the room with a release
 * store of `tail`, which the audio thread loads with acquire before it writes there again. Attaching and
 * detaching: mixcore_attach_ring / mixcore_detach_ring, rec_busy and mixcore_rec_released below. */
enum {
    MIX_TAP_RAW = 0,
    MIX_TAP_TRIM = 1,
    MIX_TAP_BUS = 2,
    MIX_TAP_INSERT1 = 3,
    MIX_TAP_INSERTS = 4,
    MIX_TAP_POST = 5,
    MIX_TAP_SOLO = 6,
    MIX_TAP_KINDS = 7
};
/* The rings a core feeds (mixcore_attach_ring). */
enum { MIX_RING_REC = 0, MIX_RING_ANA = 1, MIX_RINGS = 2 };

/* Does a tap of this kind take a channel (1) or a side of a bus or the solo (0)? */
static inline int mix_tap_is_channel(uint32_t kind) {
    return kind == MIX_TAP_RAW || kind == MIX_TAP_TRIM || kind == MIX_TAP_INSERT1 || kind == MIX_TAP_INSERTS ||
           kind == MIX_TAP_POST;
}

typedef struct {
    uint32_t kind;   /* MIX_TAP_* */
    uint32_t index;  /* channel, or bus (mix_main_bus(n_buses) = the main); 0 for the solo bus */
    uint32_t side;   /* a bus's side (0, 1); 0 for a channel */
} mix_tap_t;

/* Frames the reader did not take in time: none was written at position `at` of the ring's data; the
 * timeline has `frames` of silence there. */
typedef struct {
    uint64_t at;
    uint64_t frames;
} mix_rec_gap_t;

#define MIX_REC_GAPS 64u

/* One tap ring (the recorder's or the analysis ring: the same type, see MIX_RING_*). */
typedef struct {
    uint32_t n_taps;
    uint32_t capacity;        /* frames per track, a power of two */
    mix_tap_t *taps;          /* [n_taps] */
    int32_t *chan_tap;        /* [MIX_TAP_KINDS][n_inputs] the track taking channel c at a channel kind, -1 none */
    uint32_t n_bus_taps;      /* taps of MIX_TAP_BUS and MIX_TAP_SOLO (written at the block's end) */
    float *data;              /* [n_taps][capacity] */
    _Atomic uint64_t head;    /* frames written (audio thread) */
    _Atomic uint64_t tail;    /* frames taken (reader) */
    mix_rec_gap_t gaps[MIX_REC_GAPS];
    _Atomic uint32_t gap_head, gap_tail;
    _Atomic uint64_t lost;    /* frames the reader did not take in time, in all */
    _Atomic uint64_t drops;   /* blocks dropped (whole: those frames) */
    uint64_t pending;         /* audio thread: lost since the last published gap (read once detached) */
    uint64_t start_frame;     /* core frames before the first block the ring saw (valid once `started`) */
    _Atomic uint32_t started;
    uint32_t writing;         /* audio thread: this block goes into the ring */
} mix_rec_t;

/* The player's ring (disk -> audio): a take played back into channels (virtual soundcheck). The disk thread
 * writes every track ahead of the audio; each block the audio thread takes a block of it whole, or (the disk
 * late) plays silence and counts it. Once the disk thread says the take is over, the last frames play even when
 * they are less than a block (the rest of it silent), and the silence after them is not counted. */
typedef struct {
    uint32_t n_tracks;
    uint32_t capacity;        /* frames per track, a power of two */
    int32_t *track_of;        /* [n_inputs] the track that plays into channel c, -1 none */
    float *data;              /* [n_tracks][capacity] */
    _Atomic uint64_t head;    /* frames written (disk thread) */
    _Atomic uint64_t tail;    /* frames played (audio thread) */
    _Atomic uint64_t starved; /* frames played as silence while more was due: the disk was late */
    _Atomic uint32_t ended;   /* disk thread: the take's last frame is written (mixplay_end) */
    uint32_t playing;         /* audio thread: the frames this block takes from the ring (0: silence) */
} mix_play_t;

typedef struct {
    uint32_t n_inputs;
    uint32_t n_buses;        /* aux and FX buses */
    uint32_t n_rows;         /* send-matrix rows: sum of bus input widths */
    uint32_t n_outputs;      /* JACK outputs: 2 (main) + sides of every aux bus + 2 (solo) */
    uint32_t n_masters;      /* 2 (main) + sides of every bus + 2 (solo) */
    uint32_t n_gens;
    uint32_t n_meters;       /* MIX_METER_STAGES * n_inputs + n_masters (see mix_channel_meter) */
    uint32_t n_gr;           /* 2 * n_inputs (gate, comp) + n_buses + 1 (limiters; see mix_gr_index) */
    uint32_t max_frames;
    uint32_t sample_rate;
    uint32_t ramp_samples;
    uint32_t meter_interval;

    mix_ramp_t *trim;         /* [n_inputs] */
    mix_ramp_t *mute;         /* [n_inputs] 1 = on, 0 = muted */
    mix_ramp_t *fader;        /* [n_inputs] */
    mix_ramp_t *main_l;       /* [n_inputs] */
    mix_ramp_t *main_r;       /* [n_inputs] */
    mix_ramp_t *send_pre;     /* [n_rows][n_inputs] */
    mix_ramp_t *send_post;    /* [n_rows][n_inputs] */
    mix_ramp_t *master;       /* [n_masters] fader * mute * balance per side */
    mix_ramp_t *returns;      /* [n_buses][n_buses + 1]: FX bus -> main (0) and buses */
    mix_ramp_t *solo_pfl;     /* [n_inputs] pre-fader listen, into both solo sides */
    mix_ramp_t *solo_afl_l;   /* [n_inputs] after-fader listen, panned */
    mix_ramp_t *solo_afl_r;   /* [n_inputs] */
    mix_ramp_t *solo_src;     /* [n_buses + 1] bus outputs and the main into the solo bus */
    mix_ramp_t *group_main;   /* [n_buses] group bus outputs into the main */
    mix_ramp_t *play_source;  /* [n_inputs] 0 = the live input, 1 = the take played back (MIX_OP_PLAY_SOURCE) */
    mix_ramp_t play_level;    /* the take played back, 0…1 (MIX_OP_PLAY_LEVEL) */
    float *play_buf;          /* [max_frames] a track's block that wraps around the ring's end */
    mix_strip_t *strips;      /* [n_inputs] */
    mix_bus_t *buses;         /* [n_buses] */
    mix_bus_t main;           /* the main mix, processed like a stereo bus */
    mix_bus_t solo;           /* the solo bus: a stereo sum, its level, its ports and meters */
    mix_gen_t *gens;          /* [n_gens] */
    float tp_taps[MIX_TP_PHASES * MIX_TP_TAPS];

    float *pre;               /* [n_inputs][max_frames] post-inserts, post-mute signal */
    float *post;              /* [n_inputs][max_frames] post-fader signal */
    float *gen_buf;           /* [n_gens][max_frames] */
    float *scratch;           /* [max_frames] dry copy for insert crossfades */
    uint8_t *pre_silent;      /* [n_inputs] pre is all zeros this block (muted) */
    uint8_t *post_silent;     /* [n_inputs] post is all zeros this block */
    const float **in_slice;   /* [n_inputs] the port buffers from one slice of a long period on */
    float **out_slice;        /* [n_outputs] */

    /* meter accumulators since the last published frame (audio thread only) */
    float *acc;               /* [MIX_MF_FIELDS][n_meters] (MS fields hold sums until published) */
    double *acc_ms;           /* [n_meters] */
    double *acc_kms;          /* [n_meters] */
    float *acc_gr;            /* [n_gr] */
    uint32_t acc_frames;

    mix_cmd_ring_t cmds;
    mix_meter_ring_t meters;

    /* The tap rings (the take being recorded, the analysis ring: MIX_RING_*) and the take played back (NULL:
     * none). The audio thread sets rec_busy before it looks at any of them and clears it after the period (then
     * counts the period in `cycles`), so the control side frees a detached ring only once rec_busy is 0 (both
     * seq_cst) or `cycles` has moved since it saw rec_busy 1 (see mixcore_rec_released). */
    _Atomic(mix_rec_t *) rings[MIX_RINGS];
    _Atomic(mix_play_t *) play;
    _Atomic uint32_t rec_busy;
    mix_rec_t *rings_now[MIX_RINGS]; /* audio thread: the rings this period writes to */
    mix_rec_t *taking[MIX_RINGS];    /* audio thread: those taking the block being mixed (NULL: none, or full) */
    uint32_t n_taking;               /* audio thread: how many rings take it */
    mix_play_t *play_now;     /* audio thread: the take this period plays */
    uint64_t block_frame;     /* audio thread: core frames before the block being mixed */

    _Atomic uint64_t cycles;        /* blocks processed */
    _Atomic uint64_t frames;        /* samples processed */
    _Atomic uint64_t overruns;      /* blocks of 0 frames (none: a period longer than max_frames is sliced) */
    _Atomic uint64_t meter_drops;   /* meter frames not published because the reader lagged */
    _Atomic uint64_t cmds_applied;
} mixcore_t;

typedef struct {
    uint64_t cycles, frames, overruns, meter_drops, cmds_applied;
    uint32_t cmds_pending;
} mix_stats_t;

/* The shape of one bus for mixcore_new. */
typedef struct {
    uint32_t kind;   /* MIX_BUS_AUX, MIX_BUS_FX or MIX_BUS_GROUP */
    uint32_t width;  /* aux and group: 1 or 2; FX: ignored (mono in, stereo out) */
} mix_bus_shape_t;

/* ---- index helpers: the one definition of how commands, meters and gain reductions are numbered.
 * Pure arithmetic on the sizes; the core uses them where it builds and decodes those indices, the control
 * side (through _core) where it encodes them. Buses count from 0; bus n_buses is the main wherever
 * an index covers "every bus, then the main" (MIX_OP_LIMITER, MIX_OP_SOLO_SRC, bus filter and insert
 * slots, limiter gain reductions). */

/* The main's place after the buses. */
static inline uint32_t mix_main_bus(uint32_t n_buses) { return n_buses; }

/* Output sides of a bus (an FX bus is stereo out) and its send-matrix rows (an FX bus takes mono in). */
static inline uint32_t mix_bus_width(const mix_bus_shape_t *shape) {
    return shape->kind == MIX_BUS_FX ? 2u : shape->width;
}
static inline uint32_t mix_bus_in_width(const mix_bus_shape_t *shape) {
    return shape->kind == MIX_BUS_FX ? 1u : shape->width;
}

/* First send-matrix row of bus `bus`; bus == n_buses gives the number of rows. */
static inline uint32_t mix_send_row(const mix_bus_shape_t *shapes, uint32_t bus) {
    uint32_t row = 0;
    for (uint32_t b = 0; b < bus; b++) row += mix_bus_in_width(&shapes[b]);
    return row;
}

/* MIX_OP_SEND_PRE/POST index of `channel` into send-matrix row `row`. */
static inline uint32_t mix_send_index(uint32_t n_inputs, uint32_t row, uint32_t channel) {
    return row * n_inputs + channel;
}

/* First MIX_OP_OUT_GAIN index of bus `bus` (main: MIX_MASTER_MAIN, sides 0 and 1); bus == n_buses gives
 * the solo bus's (its L, then R). */
static inline uint32_t mix_master_index(const mix_bus_shape_t *shapes, uint32_t bus) {
    uint32_t master = MIX_MASTER_MAIN + 2;
    for (uint32_t b = 0; b < bus; b++) master += mix_bus_width(&shapes[b]);
    return master;
}

/* MIX_OP_RETURN indices: one row of n_buses + 1 return gains per bus (used by FX buses), the main's first
 * (MIX_RETURN_MAIN), then bus b's at 1 + b. mix_return_row(n_buses, n_buses) is the number of returns. */
static inline uint32_t mix_return_row(uint32_t n_buses, uint32_t fx_bus) { return fx_bus * (n_buses + 1); }
/* FX bus `fx_bus` into bus `to`, or into the main for to == mix_main_bus(n_buses). */
static inline uint32_t mix_return_index(uint32_t n_buses, uint32_t fx_bus, uint32_t to) {
    return mix_return_row(n_buses, fx_bus) + (to == mix_main_bus(n_buses) ? (uint32_t)MIX_RETURN_MAIN : 1 + to);
}

/* MIX_OP_BIQUAD slots: channel `channel`'s section (0, 1 HPF, then MIX_CH_EQ_FIRST + band); then
 * MIX_BUS_FILTERS bands per bus, the main's last (bus == n_buses). */
static inline uint32_t mix_channel_filter_slot(uint32_t channel, uint32_t section) {
    return channel * MIX_CH_FILTERS + section;
}
static inline uint32_t mix_bus_filter_slot(uint32_t n_inputs, uint32_t bus, uint32_t band) {
    return n_inputs * MIX_CH_FILTERS + bus * MIX_BUS_FILTERS + band;
}

/* MIX_OP_INSERT slots: MIX_CH_INSERTS per channel (MIX_INS_HPF...MIX_INS_COMP); then MIX_BUS_INSERTS per
 * bus (MIX_INS_BUS_EQ, MIX_INS_GEQ, MIX_INS_LIMITER), the main's last (bus == n_buses). An FX or group bus
 * has no graphic EQ: its MIX_INS_GEQ slot does nothing. */
static inline uint32_t mix_channel_insert_slot(uint32_t channel, uint32_t insert) {
    return channel * MIX_CH_INSERTS + insert;
}
static inline uint32_t mix_bus_insert_slot(uint32_t n_inputs, uint32_t bus, uint32_t insert) {
    return n_inputs * MIX_CH_INSERTS + bus * MIX_BUS_INSERTS + insert;
}

/* MIX_OP_GEQ slots: MIX_GEQ_BANDS per bus, the main's last (bus == n_buses); band 0 is 20 Hz. Slots of FX and
 * group buses exist but do nothing (they have no graphic EQ). */
static inline uint32_t mix_geq_slot(uint32_t bus, uint32_t band) { return bus * MIX_GEQ_BANDS + band; }

/* The longest output delay in samples at `sample_rate`: MIX_OUT_DELAY_MAX_MS, rounded up. The core clamps
 * MIX_OP_OUT_DELAY to it; its delay lines hold that much (plus a block) from mixcore_new and
 * mixcore_set_sample_rate on. */
static inline uint32_t mix_out_delay_max(uint32_t sample_rate) {
    return (uint32_t)(((uint64_t)sample_rate * MIX_OUT_DELAY_MAX_MS + 999u) / 1000u);
}

/* Meter channels: MIX_METER_STAGES blocks of n_inputs (stage s of channel c), then one meter per master
 * gain in master order: main L/R, every side of every bus, solo L/R. */
static inline uint32_t mix_channel_meter(uint32_t n_inputs, uint32_t stage, uint32_t channel) {
    return stage * n_inputs + channel;
}
static inline uint32_t mix_master_meter(uint32_t n_inputs, uint32_t master) {
    return MIX_METER_STAGES * n_inputs + master;
}

/* Gain-reduction points: gate per channel, compressor per channel, limiter per bus then the main
 * (`i`: channel, or bus with the main at n_buses). */
static inline uint32_t mix_gr_index(uint32_t n_inputs, uint32_t kind, uint32_t i) {
    return kind * n_inputs + i;
}

/* Control side (may allocate). Returns NULL on bad arguments or out of memory. `kweight` (10
 * coefficients) and `tp_taps` (MIX_TP_PHASES * MIX_TP_TAPS) are the loudness filters for the rate. */
mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const mix_bus_shape_t *buses, uint32_t n_gens,
                       uint32_t sample_rate, uint32_t max_frames, uint32_t cmd_capacity,
                       uint32_t meter_slots, uint32_t meter_interval, uint32_t ramp_samples,
                       const double *kweight, const float *tp_taps);
void mixcore_free(mixcore_t *core);

/* Control side, only while no audio thread runs the core (e.g. detached from JACK for a rate
 * change): new loudness filters. */
void mixcore_set_loudness(mixcore_t *core, const double *kweight, const float *tp_taps);

/* Single producer: post one command with up to MIX_CMD_VALUES values. 0 when the ring is full. */
int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, const double *v, uint32_t n_values);

/* Single reader: copy up to `max` published meter frames into `data` (max * frame_floats floats),
 * `frames` and `cycle`. Returns the number copied. */
uint32_t mixcore_frame_floats(const mixcore_t *core);
uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *data, uint32_t *frames, uint64_t *cycle);

/* Any thread: a consistent-enough copy of the counters (each read atomically). */
void mixcore_stats(mixcore_t *core, mix_stats_t *out);

/* Control side, while no audio thread runs the core: re-make what is sized or tuned by the sample rate at
 * construction (the FX buses' reverb and delay, the output delay lines, which start again at 0; their
 * settings come back with the next commands). 0, or -1
 * for a rate outside 8 kHz…384 kHz or out of memory (the core is then unchanged). Filters, ramps, meters and
 * generators take the rate from the commands the control side posts. */
int mixcore_set_sample_rate(mixcore_t *core, uint32_t sample_rate);

/* Control side: a tap ring for `n_taps` tracks of `capacity` frames (a power of two, at least max_frames); NULL
 * for a tap this core has not (a channel, bus or side out of range, a kind unknown, a channel taken twice at one
 * point) or out of memory. The recorder's and the analysis ring take every kind. */
mix_rec_t *mixrec_new(const mixcore_t *core, const mix_tap_t *taps, uint32_t n_taps, uint32_t capacity);
void mixrec_free(mix_rec_t *rec);
/* Control side: start feeding `rec` as ring `which` (MIX_RING_*) from the next period on (0), or -1 while
 * another ring is attached there (or `which` is out of range). */
int mixcore_attach_ring(mixcore_t *core, uint32_t which, mix_rec_t *rec);
/* Control side: stop feeding ring `which` and return it (NULL: none). Free it only once mixcore_rec_released()
 * says so: the audio thread may be finishing a block into it. */
mix_rec_t *mixcore_detach_ring(mixcore_t *core, uint32_t which);
int mixcore_rec_busy(mixcore_t *core);
/* Control side, after detaching a ring or a player: is the audio thread out of every period that may still use
 * it? Ask until 1, `*mark` 0 before the first time and kept between: 1 once rec_busy is 0, or once `cycles` has
 * moved since the first answer saw rec_busy 1 (the period running then has ended). Under a loaded or back-to-back
 * audio thread rec_busy is seldom 0 when looked at; `cycles` moves every period. */
int mixcore_rec_released(mixcore_t *core, uint64_t *mark);
/* Reader: take up to `max` frames of every track into `out` (track t at out + t * stride), the position of the
 * first in the ring's data in `*at`; returns how many. */
uint32_t mixrec_read(mix_rec_t *rec, float *out, uint32_t stride, uint32_t max, uint64_t *at);
/* Reader: the oldest gap not taken yet (1) or none (0). Read gaps after the data: a gap comes before the
 * frames written at its position, and is published before them. While MIX_REC_GAPS gaps wait untaken the ring
 * takes nothing (it could not say where the next gap is): a reader that does not care still takes them. */
int mixrec_take_gap(mix_rec_t *rec, mix_rec_gap_t *gap);

/* Control side: a player's ring of `n_tracks` tracks of `capacity` frames (a power of two, at least max_frames),
 * `channels[t]` the channel track t plays into (each channel at most once); NULL when they do not fit. */
mix_play_t *mixplay_new(const mixcore_t *core, const uint32_t *channels, uint32_t n_tracks, uint32_t capacity);
void mixplay_free(mix_play_t *play);
/* Control side: start playing `play` (0), or -1 while another is attached; detach returns it (free it once
 * mixcore_rec_released() says so). */
int mixcore_attach_play(mixcore_t *core, mix_play_t *play);
mix_play_t *mixcore_detach_play(mixcore_t *core);
/* Disk thread: room for how many frames of every track (write them with mixplay_write). */
uint32_t mixplay_room(mix_play_t *play);
/* Disk thread: `frames` frames of every track from `src` (track t at src + t * stride), after what was written. */
void mixplay_write(mix_play_t *play, const float *src, uint32_t stride, uint32_t frames);
/* Disk thread: the take's last frame is written (nothing follows: see mix_play_t). */
void mixplay_end(mix_play_t *play);

/* Audio thread: drain commands, mix one block. `in` has n_inputs buffers, `out` n_outputs. A block longer
 * than max_frames (a period JACK or PipeWire changed at run time) is mixed in slices of max_frames. */
void mixcore_process(mixcore_t *core, const float *const *in, float *const *out, uint32_t nframes);

#endif
