/* Biquad filters for channel/bus EQ and the high-pass filter.
 *
 * Transposed direct form II in double precision (low-frequency filters at 48 kHz need it). The
 * coefficients are designed on the control side (mixerd/engine/dsp/filters.py, RBJ cookbook) and
 * handed over ready; changing them never clicks: the filter moves to new coefficients smoothly over
 * `ramp_samples` while staying stable, and once settled its output equals scipy.signal.lfilter with
 * the target coefficients. Realtime-safe: no allocation, no libm calls in mix_biquad_run.
 */
#ifndef MIX_DSP_BIQUAD_H
#define MIX_DSP_BIQUAD_H

#include <stdint.h>

typedef struct {
    double b0, b1, b2, a1, a2; /* a0 normalised to 1: y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2 */
} mix_bq_coefs_t;

typedef struct {
    mix_bq_coefs_t c;      /* coefficients in use now (during a transition: the incoming filter's) */
    mix_bq_coefs_t target; /* where a change is heading */
    mix_bq_coefs_t from;   /* where it started (during a transition: the outgoing filter's) */
    uint32_t ramp_len;     /* samples of the current transition */
    uint32_t remaining;    /* samples left; 0 = settled at target */
    double s1, s2;         /* filter state */
    double q1, q2;         /* incoming filter's state during a transition (crossfade) */
} mix_biquad_t;

/* Identity filter (b0 = 1), zero state. */
void mix_biquad_init(mix_biquad_t *f);

/* Move to coefficients `c` over `ramp_samples` (immediate != 0 or ramp 0: at once, from a cleared
 * state). Coefficients that are not finite or not stable are ignored. */
void mix_biquad_set(mix_biquad_t *f, const mix_bq_coefs_t *c, uint32_t ramp_samples, int immediate);

/* 1 when settled on the identity filter, so callers may skip running it. */
int mix_biquad_is_identity(const mix_biquad_t *f);

/* Filter n samples of x in place. */
void mix_biquad_run(mix_biquad_t *f, float *x, uint32_t n);

/* Run `count` filters in series on x in place (same result as mix_biquad_run on each in turn, but
 * settled sections run together sample by sample, which is much faster). At most 8 sections. */
void mix_biquad_run_chain(mix_biquad_t *f, uint32_t count, float *x, uint32_t n);

/* A bank of up to 32 filters of which only a few are in use (a graphic EQ): run, in series on x in place,
 * the filters f[i] whose bit i is set in `live`, skipping those settled on the identity. Returns `live`
 * without those: the caller keeps it and sets a filter's bit again when it sets the filter, so an unused
 * filter costs nothing, not even a look. Settled filters run together in chains of up to 8 as in
 * mix_biquad_run_chain; a fading one runs alone in its place, so the order and the result are those of
 * mix_biquad_run on each filter in turn. */
uint32_t mix_biquad_run_live(mix_biquad_t *f, uint32_t live, float *x, uint32_t n);

/* Clear the state (not the coefficients), e.g. when an insert is switched back on. */
void mix_biquad_reset(mix_biquad_t *f);

#endif
