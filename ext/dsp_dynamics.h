/* Dynamics: gate/expander and compressor per channel, peak limiter per bus and on the main.
 *
 * All parameters arrive as ready numbers from the control side (mixerd/engine/dsp/dynamics.py turns ms
 * into one-pole coefficients, etc.). Per-sample work avoids powf/log10f/expf: level detection and the
 * gain computer use fast log2/exp2 approximations accurate to well under 0.01 dB, or work in the
 * linear domain. Each run returns the largest gain reduction of the block in dB (>= 0) for the
 * gain-reduction meters. Realtime-safe: no allocation, no locks, bounded loops.
 */
#ifndef MIX_DSP_DYNAMICS_H
#define MIX_DSP_DYNAMICS_H

#include <stdint.h>

typedef struct {
    float threshold_db; /* opens above this level (dBFS, peak detector) */
    float range_db;     /* attenuation when closed, <= 0 (e.g. -80: a gate; -10: an expander) */
    float attack_coef;  /* one-pole coefficient for opening: exp(-1 / (attack_s * fs)) */
    float release_coef; /* one-pole coefficient for closing after the hold */
    float hold_samples; /* stays open this long after the level fell below the threshold */
} mix_gate_params_t;

typedef struct {
    mix_gate_params_t p;
    float env;        /* detector state */
    float gain;       /* current linear gain */
    float hold_left;  /* samples of hold remaining */
} mix_gate_t;

typedef struct {
    float threshold_db; /* dBFS */
    float ratio;        /* >= 1 */
    float knee_db;      /* soft-knee width, >= 0 */
    float attack_coef;  /* one-pole coefficient of the gain-reduction smoother when reducing more */
    float release_coef; /* ... when reducing less */
    float makeup_db;    /* added after compression */
} mix_comp_params_t;

typedef struct {
    mix_comp_params_t p;
    float gr_db;        /* smoothed gain reduction, >= 0 */
    float makeup_db;    /* makeup in use: slews towards p.makeup_db so a change never clicks */
} mix_comp_t;

typedef struct {
    float threshold_lin; /* peak ceiling, linear */
    float release_coef;  /* one-pole coefficient for recovering gain */
} mix_limiter_params_t;

typedef struct {
    mix_limiter_params_t p;
    float gain;          /* current linear gain <= 1 */
} mix_limiter_t;

void mix_gate_init(mix_gate_t *g);
void mix_gate_set(mix_gate_t *g, const mix_gate_params_t *p);
/* In place; returns the largest attenuation of the block in dB (>= 0). */
float mix_gate_run(mix_gate_t *g, float *x, uint32_t n);

void mix_comp_init(mix_comp_t *c);
void mix_comp_set(mix_comp_t *c, const mix_comp_params_t *p);
/* Static curve (dB in -> dB out, before makeup): the definition run() follows in steady state. */
float mix_comp_curve(const mix_comp_params_t *p, float level_db);
/* In place; returns the largest gain reduction of the block in dB (>= 0, makeup not counted). */
float mix_comp_run(mix_comp_t *c, float *x, uint32_t n);

void mix_limiter_init(mix_limiter_t *l);
void mix_limiter_set(mix_limiter_t *l, const mix_limiter_params_t *p);
/* `channels` buffers (1 mono, 2 stereo) limited in place with one linked gain: no sample of any
 * channel leaves above threshold_lin. Returns the largest gain reduction of the block in dB. */
float mix_limiter_run(mix_limiter_t *l, float *const *x, uint32_t channels, uint32_t n);

#endif
