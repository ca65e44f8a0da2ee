/* mixcore: the realtime mixing core of mixerd.
 *
 * One `mixcore_t` holds everything the audio thread touches: ramped gains, scratch buffers, generator
 * state, the command ring (control -> audio) and the meter ring (audio -> control). It is allocated
 * whole by mixcore_new() on the control side; mixcore_process() never allocates, locks, makes a
 * syscall or touches Python, so it can run inside the JACK process callback.
 *
 * Signal flow per block:
 *   input + generators -> trim -> [meter input] -> * mute -> pre
 *   pre * fader        -> [meter post] -> post
 *   main L/R  += post * pan gains
 *   bus out o += pre * send_pre[o][c] + post * send_post[o][c]
 *   every output channel *= its master gain -> [meter out]
 * Pre/post is not a flag looked up per sample: a send lives in the pre or the post matrix (the other
 * entry is ramped to zero), so switching pre<->post is a click-free crossfade and the lookup is O(1).
 */
#ifndef MIXCORE_H
#define MIXCORE_H

#include <stdatomic.h>
#include <stdint.h>

/* A linear gain that moves to its target over a fixed number of samples. The value is interpolated
 * per sample inside a block but the state advances once per block. */
typedef struct {
    float cur;          /* gain at the start of the next block */
    float target;
    float step;         /* per-sample increment while ramping */
    uint32_t remaining; /* samples left in the ramp; 0 = settled at target */
} mix_ramp_t;

/* Commands: `op` picks the ramp array or setting, `index` the element, `a`/`b` the values. */
enum {
    MIX_OP_TRIM = 0,      /* index: channel; a: linear gain */
    MIX_OP_FADER = 1,     /* index: channel; a: linear fader gain */
    MIX_OP_MAIN_L = 2,    /* index: channel; a: gain into main L (pan law and main assign applied) */
    MIX_OP_MAIN_R = 3,
    MIX_OP_SEND_PRE = 4,  /* index: bus_channel * n_inputs + channel; a: gain */
    MIX_OP_SEND_POST = 5,
    MIX_OP_OUT_GAIN = 6,  /* index: output channel (0,1 main; then bus channels); a: gain */
    MIX_OP_GEN_LEVEL = 7, /* index: generator; a: linear amplitude (0 = off) */
    MIX_OP_GEN_FREQ = 8,  /* index: generator; a, b: cos and sin of the per-sample phase step */
    MIX_OP_GEN_TARGET = 9,/* index: generator; a: channel index, or -1 for none */
    MIX_OP_GEN_MOD = 10,  /* index: generator; a, b: cos and sin of the modulation phase step;
                             a == 1 and b == 0 turns modulation off (ramped) */
    MIX_OP_RAMP = 11,     /* a: ramp length in samples for every later change */
    MIX_OP_MUTE = 12,     /* index: channel; a: 1 = on, 0 = muted (cuts pre- and post-fader paths) */
    MIX_OP_METER_INTERVAL = 13, /* a: samples per published meter frame */
    MIX_OP_COUNT
};

/* Set on `op` to jump straight to the value without a ramp (used before the first block). */
#define MIX_OP_IMMEDIATE 0x100u

typedef struct {
    uint32_t op;
    int32_t index;
    float a;
    float b;
} mix_cmd_t;

typedef struct {
    mix_cmd_t *slots;
    uint32_t mask;            /* capacity - 1; capacity is a power of two */
    _Atomic uint32_t head;    /* written by the producer (control thread) */
    _Atomic uint32_t tail;    /* written by the consumer (audio thread) */
} mix_cmd_ring_t;

/* Meter frames, published every `meter_interval` samples. Per meter channel: peak (max |x|),
 * mean square and the number of samples at or above full scale. */
typedef struct {
    float *data;              /* slots * 3 * n_meters: peak[n], ms[n], clips[n] per slot */
    uint64_t *cycle;          /* cycle count when the slot was published */
    uint32_t *frames;         /* samples the slot covers */
    uint32_t n_slots;
    _Atomic uint32_t head;    /* written by the audio thread */
    _Atomic uint32_t tail;    /* written by the reader */
} mix_meter_ring_t;

typedef struct {
    float c, s;               /* oscillator phasor */
    float rc, rs;             /* rotation per sample */
    float mc, ms;             /* modulation phasor */
    float mrc, mrs;           /* modulation rotation per sample */
    int32_t target;           /* channel fed now, -1 none */
    int32_t next_target;      /* channel to feed once the route has faded out */
    mix_ramp_t level;
    mix_ramp_t depth;         /* modulation depth, 0 or 1, ramped */
    mix_ramp_t route;         /* fades out/in around a target change */
} mix_gen_t;

typedef struct {
    uint32_t n_inputs;
    uint32_t n_buses;
    uint32_t n_bus_channels;  /* sum of bus widths */
    uint32_t n_outputs;       /* 2 (main) + n_bus_channels */
    uint32_t n_gens;
    uint32_t n_meters;        /* 2 * n_inputs (input, post) + n_outputs */
    uint32_t max_frames;
    uint32_t ramp_samples;
    uint32_t meter_interval;

    mix_ramp_t *trim;         /* [n_inputs] */
    mix_ramp_t *mute;         /* [n_inputs] 1 = on, 0 = muted */
    mix_ramp_t *fader;        /* [n_inputs] */
    mix_ramp_t *main_l;       /* [n_inputs] */
    mix_ramp_t *main_r;       /* [n_inputs] */
    mix_ramp_t *send_pre;     /* [n_bus_channels][n_inputs] */
    mix_ramp_t *send_post;    /* [n_bus_channels][n_inputs] */
    mix_ramp_t *out_gain;     /* [n_outputs] */
    mix_gen_t *gens;          /* [n_gens] */

    float *pre;               /* [n_inputs][max_frames] post-trim, post-mute signal */
    float *post;              /* [n_inputs][max_frames] post-fader signal */
    float *gen_buf;           /* [n_gens][max_frames] */
    uint8_t *pre_silent;      /* [n_inputs] pre is all zeros this block (muted) */
    uint8_t *post_silent;     /* [n_inputs] post is all zeros this block */

    /* meter accumulators since the last published frame (audio thread only) */
    float *acc_peak;          /* [n_meters] */
    double *acc_sumsq;        /* [n_meters] */
    uint32_t *acc_clips;      /* [n_meters] */
    uint32_t acc_frames;

    mix_cmd_ring_t cmds;
    mix_meter_ring_t meters;

    _Atomic uint64_t cycles;        /* blocks processed */
    _Atomic uint64_t frames;        /* samples processed */
    _Atomic uint64_t overruns;      /* blocks larger than max_frames (output silenced) */
    _Atomic uint64_t meter_drops;   /* meter frames not published because the reader lagged */
    _Atomic uint64_t cmds_applied;
} mixcore_t;

/* Control side (may allocate). Returns NULL on bad arguments or out of memory. */
mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const uint32_t *bus_widths, uint32_t n_gens,
                       uint32_t max_frames, uint32_t cmd_capacity, uint32_t meter_slots,
                       uint32_t meter_interval, uint32_t ramp_samples);
void mixcore_free(mixcore_t *core);

/* Single producer: post one command. Returns 0 when the ring is full (nothing posted). */
int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, float a, float b);

/* Single reader: copy up to `max` published meter frames into the arrays (each max * n_meters
 * floats for peak/ms/clips, max entries for frames and cycle). Returns the number copied. */
uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *peak, float *ms, float *clips,
                             uint32_t *frames, uint64_t *cycle);

typedef struct {
    uint64_t cycles, frames, overruns, meter_drops, cmds_applied;
    uint32_t cmds_pending;
} mix_stats_t;

/* Any thread: a consistent-enough copy of the counters (each read atomically). */
void mixcore_stats(mixcore_t *core, mix_stats_t *out);

/* Audio thread: drain commands, mix one block. `in` has n_inputs buffers, `out` n_outputs. */
void mixcore_process(mixcore_t *core, const float *const *in, float *const *out, uint32_t nframes);

#endif
