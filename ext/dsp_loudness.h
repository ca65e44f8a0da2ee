/* Loudness and true-peak measurement for buses and the main (ITU-R BS.1770-4).
 *
 * The audio thread only filters and accumulates: K-weighted sum of squares per block (the control side
 * turns 400 ms / 3 s windows of it into momentary and short-term LUFS) and the largest magnitude of the
 * 4x oversampled signal (true peak, dBTP). Filter coefficients and interpolation taps come from the
 * control side (mixerd/engine/dsp/loudness.py) for the running sample rate. Realtime-safe.
 */
#ifndef MIX_DSP_LOUDNESS_H
#define MIX_DSP_LOUDNESS_H

#include <stdint.h>

#define MIX_TP_PHASES 4
#define MIX_TP_TAPS 12 /* per phase */

typedef struct {
    double c[10];   /* stage 1 (shelf) b0 b1 b2 a1 a2, stage 2 (RLB high-pass) b0 b1 b2 a1 a2 */
    double s[4];    /* state */
} mix_kweight_t;

/* Zero state with the given coefficients. */
void mix_kweight_init(mix_kweight_t *k, const double coefs[10]);
/* Sum of squares of the K-weighted block. */
double mix_kweight_run(mix_kweight_t *k, const float *x, uint32_t n);

typedef struct {
    float hist[MIX_TP_TAPS]; /* last input samples, newest last */
} mix_truepeak_t;

void mix_truepeak_init(mix_truepeak_t *t);
/* Largest |sample| of the block upsampled 4x with `taps` (MIX_TP_PHASES * MIX_TP_TAPS, phase-major);
 * the original samples count as well. */
float mix_truepeak_run(mix_truepeak_t *t, const float *taps, const float *x, uint32_t n);

#endif
