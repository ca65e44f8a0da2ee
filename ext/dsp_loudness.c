/* dsp_loudness: K-weighting and true peak for the loudness meters. See dsp_loudness.h for the contract.
 *
 * Both kernels run once per block on every bus and main channel, so they stay allocation-free and
 * branch-free per sample. The coefficients and taps are designed on the control side
 * (mixerd/engine/dsp/loudness.py); nothing here depends on the sample rate.
 */
#include "dsp_loudness.h"

#include <math.h>
#include <string.h>

/* ---- K-weighting ------------------------------------------------------------------------------
 * Two TDF-II biquads in double: the RLB high-pass has its poles at |z| ~ 0.995, where rounding in the
 * state reaches the output amplified up to 4e4 times (1 / A(1)), too much for float; and a long
 * block's sum of squares needs double anyway.
 *
 * Denormals without relying on FTZ: a tiny DC offset enters stage 1 (gain 1 at DC) and parks both
 * stages' state at about +-1e-20 once the input falls silent, instead of letting it decay through the
 * subnormal range (about 3 s after a signal stops). The high-pass blocks the offset, so silence sums to
 * rounding residue (~1e-60, some 500 dB below the meter's floor); with signal present the offset is far
 * below one ulp of the input and vanishes. */
#define KW_DC 1e-20

void mix_kweight_init(mix_kweight_t *k, const double coefs[10]) {
    memcpy(k->c, coefs, sizeof k->c);
    memset(k->s, 0, sizeof k->s);
}

double mix_kweight_run(mix_kweight_t *k, const float *x, uint32_t n) {
    const double b0 = k->c[0], b1 = k->c[1], b2 = k->c[2], a1 = k->c[3], a2 = k->c[4];
    const double c0 = k->c[5], c1 = k->c[6], c2 = k->c[7], d1 = k->c[8], d2 = k->c[9];
    /* TDF-II, with each stage's first state carried as s = t - a1 * y (y the stage's last output): the
     * next output (b0 u + t) - a1 y then has one multiply and one add on the recursion instead of a
     * multiply and two adds (12% faster on x86-64; same values up to rounding). */
    double t0 = k->s[0], s1 = k->s[1], t2 = k->s[2], s3 = k->s[3];
    double y = 0.0, z = 0.0, acc = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        const double u = (double)x[i] + KW_DC;
        const double yn = (b0 * u + t0) - a1 * y;
        t0 = b1 * u + s1;
        s1 = b2 * u - a2 * yn;
        const double zn = (c0 * yn + t2) - d1 * z;
        t2 = c1 * yn + s3;
        s3 = c2 * yn - d2 * zn;
        y = yn;
        z = zn;
        acc += z * z;
    }
    double s0 = t0 - a1 * y, s2 = t2 - d1 * z;
    /* A NaN or Inf from upstream would otherwise stick in the recursion forever: restart instead, so
     * the meter recovers one block after the fault. */
    if (!isfinite(s0) || !isfinite(s1) || !isfinite(s2) || !isfinite(s3)) s0 = s1 = s2 = s3 = 0.0;
    k->s[0] = s0;
    k->s[1] = s1;
    k->s[2] = s2;
    k->s[3] = s3;
    return acc;
}

/* ---- true peak --------------------------------------------------------------------------------
 * Phase p's value at input index m is sum_k taps[p][k] * x[m - k]. The block is walked in chunks whose
 * window (11 samples of history, then the chunk) is contiguous, so the per-sample loop is a fixed
 * 4 x 12 multiply-add with no reduction across samples: it vectorises across samples. The peaks of a
 * chunk then fold into fixed lanes, which vectorise as well without -ffast-math (as in mixcore.c). */
#define TP_HIST (MIX_TP_TAPS - 1)
#define TP_CHUNK 256
#define TP_LANES 8

void mix_truepeak_init(mix_truepeak_t *t) { memset(t->hist, 0, sizeof t->hist); }

/* sum_k t[k] * v[-k] as a tree of pairs: four phases of a left-to-right sum would be four 12-add
 * dependency chains per sample, the tree is four adds deep. */
static inline float dot12(const float *restrict t, const float *restrict v) {
    const float p0 = t[0] * v[0] + t[1] * v[-1], p1 = t[2] * v[-2] + t[3] * v[-3];
    const float p2 = t[4] * v[-4] + t[5] * v[-5], p3 = t[6] * v[-6] + t[7] * v[-7];
    const float p4 = t[8] * v[-8] + t[9] * v[-9], p5 = t[10] * v[-10] + t[11] * v[-11];
    return ((p0 + p1) + (p2 + p3)) + (p4 + p5);
}

/* Largest of |x[m]| and the four interpolated magnitudes for each of the n samples after the TP_HIST
 * samples of history at the start of w. */
static void tp_chunk(const float *restrict w, const float *restrict taps, float *restrict pk, uint32_t n) {
    _Static_assert(MIX_TP_TAPS == 12 && MIX_TP_PHASES == 4, "dot12 and tp_chunk unroll 4 x 12 taps");
    for (uint32_t i = 0; i < n; i++) {
        const float *v = w + i + TP_HIST; /* v[0] is x[m], v[-k] is x[m - k] */
        const float a0 = fabsf(dot12(taps, v));
        const float a1 = fabsf(dot12(taps + MIX_TP_TAPS, v));
        const float a2 = fabsf(dot12(taps + 2 * MIX_TP_TAPS, v));
        const float a3 = fabsf(dot12(taps + 3 * MIX_TP_TAPS, v));
        float a = fabsf(v[0]);
        a = a0 > a ? a0 : a;
        a = a1 > a ? a1 : a;
        a = a2 > a ? a2 : a;
        a = a3 > a ? a3 : a;
        pk[i] = a;
    }
}

static float lane_max(const float *restrict pk, uint32_t n, float m) {
    float lane[TP_LANES] = {0};
    uint32_t i = 0;
    for (; i + TP_LANES <= n; i += TP_LANES)
        for (uint32_t j = 0; j < TP_LANES; j++) lane[j] = pk[i + j] > lane[j] ? pk[i + j] : lane[j];
    for (; i < n; i++) m = pk[i] > m ? pk[i] : m;
    for (uint32_t j = 0; j < TP_LANES; j++) m = lane[j] > m ? lane[j] : m;
    return m;
}

float mix_truepeak_run(mix_truepeak_t *t, const float *taps, const float *x, uint32_t n) {
    /* Taps on the stack: the compiler then knows they do not alias the window, and they sit in L1. */
    float h[MIX_TP_PHASES * MIX_TP_TAPS];
    memcpy(h, taps, sizeof h);
    float w[TP_HIST + TP_CHUNK];
    float pk[TP_CHUNK];
    float peak = 0.0f;
    /* hist holds MIX_TP_TAPS samples, newest last; the filters reach back TP_HIST of them. */
    memcpy(w, t->hist + (MIX_TP_TAPS - TP_HIST), TP_HIST * sizeof(float));
    for (uint32_t done = 0; done < n;) {
        const uint32_t len = n - done < TP_CHUNK ? n - done : TP_CHUNK;
        memcpy(w + TP_HIST, x + done, len * sizeof(float));
        tp_chunk(w, h, pk, len);
        peak = lane_max(pk, len, peak);
        /* The last TP_HIST samples of this window start the next one. */
        memmove(w, w + len, TP_HIST * sizeof(float));
        done += len;
    }
    /* The newest MIX_TP_TAPS samples of (hist, x) become the history. */
    if (n >= MIX_TP_TAPS) {
        memcpy(t->hist, x + n - MIX_TP_TAPS, sizeof t->hist);
    } else {
        memmove(t->hist, t->hist + n, (MIX_TP_TAPS - n) * sizeof(float));
        memcpy(t->hist + MIX_TP_TAPS - n, x, n * sizeof(float));
    }
    return peak;
}
