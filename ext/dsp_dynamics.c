/* dsp_dynamics: gate/expander, compressor, limiter. See dsp_dynamics.h for the contract.
 *
 * The run functions are realtime-safe: no allocation, locks or libm calls, loops bounded by n.
 * Level maths uses fast_log2/fast_exp2 below (bits + polynomial). Every recursive state lands exactly
 * on its resting value (gain 1, the gate's floor, zero reduction) instead of decaying geometrically
 * towards 0, so no state ever turns denormal, with or without FTZ/DAZ.
 *
 * The one-pole smoothers run in double inside a block and are stored as float between blocks. In
 * float, y = t + c (y - t) stalls once (1 - c)|y - t| drops under half an ulp of y: with a 2 s
 * release at 48 kHz a gain reduction would freeze up to 0.1 dB short of its target. In double the
 * stall moves to the block boundary, n times smaller (< 0.002 dB for 64 frames at 48 kHz); linear
 * gains within SNAP of their target snap onto it, so a settled gain is exactly 1 or the floor. */
#include "dsp_dynamics.h"

#include <math.h>
#include <string.h>

#define DB_PER_LOG2 6.02059991327962390f /* 20 * log10(2) */
#define LOG2_PER_DB 0.166096404744368118f
#define CHUNK 64            /* the compressor works in chunks so its two stateless passes vectorise */
#define LEVEL_MIN 0x2edbe6ff /* bits of 1e-10f, -200 dB: the compressor's level floor (silence, denormals) */
#define LEVEL_MAX 0x501502f9 /* bits of 1e10f, +200 dB: keeps an inf sample from winding GR up forever */
#define NAN_BITS 0x7f800000 /* |x| bits above this are NaN */
#define SNAP 1e-7           /* a gain this close (relative) to its target is the target (1e-6 dB) */

/* ---- fast log2 / exp2 ------------------------------------------------------------------------ */

static inline uint32_t f2u(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float u2f(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* log2 of a normal, finite x > 0 given by its bits: the exponent plus log2(1 + f) for the mantissa, f
 * in [0, 1), by a degree-6 near-minimax polynomial (abs. error 2.1e-6, i.e. 1.2e-5 dB). log2(1) = 0. */
static inline float log2_bits(int32_t u) {
    const float e = (float)((u >> 23) - 127);
    const float f = u2f(((uint32_t)u & 0x007fffffu) | 0x3f800000u) - 1.0f;
    const float p = 1.442553144e+00f +
                    f * (-7.182818984e-01f +
                         f * (4.582707065e-01f +
                              f * (-2.795379275e-01f + f * (1.234512844e-01f + f * -2.645737718e-02f))));
    return e + f * p;
}

static inline float fast_log2(float x) { return log2_bits((int32_t)f2u(x)); }

/* 2^y for y in [-126, 126] (callers guarantee it): floor(y) + 127 is the biased exponent (y + 127 > 0,
 * so truncation is floor), 2^frac by a degree-5 polynomial (rel. error 1.2e-7, i.e. 1e-6 dB); 2^0 is
 * exactly 1. No clamp inside: gcc does not vectorise a clamp feeding the float->int conversion. */
static inline float fast_exp2_in_range(float y) {
    const int32_t e = (int32_t)(y + 127.0f);
    const float f = y - (float)(e - 127); /* exact; may be a hair below 0 where y + 127 rounded up */
    const float p = 1.0f + f * (6.931524715e-01f +
                                f * (2.401528073e-01f +
                                     f * (5.583592797e-02f + f * (8.973377220e-03f + f * 1.885298057e-03f))));
    return p * u2f((uint32_t)e << 23);
}

static inline float fast_exp2(float y) {
    y = y > -126.0f ? y : -126.0f; /* also NaN -> -126 */
    return fast_exp2_in_range(y < 126.0f ? y : 126.0f);
}

static inline float db_to_lin(float db) { return fast_exp2(db * LOG2_PER_DB); }

/* Test hooks for the offline accuracy tests (declared in dsp_dynamics.pxi, not part of the contract). */
float mix_dynamics_fast_log2(float x) { return fast_log2(x); }
float mix_dynamics_fast_exp2(float y) { return fast_exp2(y); }

/* Parameters come from a ring: clamp them so a bad value cannot produce NaN or runaway state.
 * NaN maps to lo. */
static inline float clampf(float v, float lo, float hi) { return v >= lo ? (v <= hi ? v : hi) : lo; }

/* ---- gate / expander ------------------------------------------------------------------------- */

void mix_gate_init(mix_gate_t *g) {
    memset(g, 0, sizeof *g);
    g->p.range_db = 0.0f; /* until set: no attenuation at all */
    g->gain = 1.0f;
}

void mix_gate_set(mix_gate_t *g, const mix_gate_params_t *p) {
    g->p.threshold_db = clampf(p->threshold_db, -200.0f, 200.0f);
    g->p.range_db = clampf(p->range_db, -200.0f, 0.0f);
    g->p.attack_coef = clampf(p->attack_coef, 0.0f, 1.0f);
    g->p.release_coef = clampf(p->release_coef, 0.0f, 1.0f);
    g->p.hold_samples = clampf(p->hold_samples, 0.0f, 16777216.0f); /* integers stay exact in a float */
    if (g->hold_left > g->p.hold_samples) g->hold_left = g->p.hold_samples;
}

/* The key is the sample peak |x|: the gate is open on a sample above the threshold and for
 * hold_samples samples after the last one (that also bridges the zero crossings of a tone), closed
 * otherwise. Gain moves towards 1 (open, attack) or the range floor (closed, release) as a one-pole
 * in the linear domain, written as target + c * (gain - target) so it lands exactly on the target. */
float mix_gate_run(mix_gate_t *g, float *x, uint32_t n) {
    const float thr = db_to_lin(g->p.threshold_db);
    const float floor_gain = db_to_lin(g->p.range_db);
    const float ac = g->p.attack_coef, rc = g->p.release_coef, hold = g->p.hold_samples;
    double gain = g->gain;
    float left = g->hold_left, peak = 0.0f, gmin = 1.0f;
    for (uint32_t i = 0; i < n; i++) {
        const float a = fabsf(x[i]);
        peak = a > peak ? a : peak;
        const int above = a > thr;
        const int open = above || left > 0.0f;
        left = above ? hold : (left > 0.0f ? left - 1.0f : 0.0f);
        const double target = open ? 1.0f : floor_gain;
        const double c = open ? ac : rc;
        gain = target + c * (gain - target);
        gain = fabs(gain - target) > SNAP * target ? gain : target;
        const float gf = (float)gain;
        gmin = gf < gmin ? gf : gmin;
        x[i] *= gf;
    }
    g->gain = (float)gain;
    g->hold_left = left;
    g->env = peak; /* the key level of the last block, for a meter */
    return gmin < 1.0f ? -DB_PER_LOG2 * fast_log2(gmin) : 0.0f;
}

/* ---- compressor (Giannoulis, Massberg & Reiss 2012) ------------------------------------------ */

void mix_comp_init(mix_comp_t *c) {
    memset(c, 0, sizeof *c);
    c->p.ratio = 1.0f; /* until set: unity */
}

/* Makeup moves towards a new value at MAKEUP_SLEW_DB per sample (24 dB in 100 ms at 48 kHz), linearly
 * within each block: a makeup change is a short ramp, never a step. */
#define MAKEUP_SLEW_DB 0.005f

void mix_comp_set(mix_comp_t *c, const mix_comp_params_t *p) {
    c->p.threshold_db = clampf(p->threshold_db, -200.0f, 200.0f);
    c->p.ratio = clampf(p->ratio, 1.0f, 1e6f);
    c->p.knee_db = clampf(p->knee_db, 0.0f, 200.0f);
    c->p.attack_coef = clampf(p->attack_coef, 0.0f, 1.0f);
    c->p.release_coef = clampf(p->release_coef, 0.0f, 1.0f);
    c->p.makeup_db = clampf(p->makeup_db, -200.0f, 200.0f);
}

typedef struct {
    float threshold, knee, half_knee, slope, inv_2knee;
} comp_curve_t;

static inline comp_curve_t curve_of(const mix_comp_params_t *p) {
    comp_curve_t k;
    k.threshold = p->threshold_db;
    k.knee = p->knee_db;
    k.half_knee = 0.5f * p->knee_db;
    k.slope = 1.0f - 1.0f / p->ratio;
    k.inv_2knee = p->knee_db > 0.0f ? 0.5f / p->knee_db : 0.0f;
    return k;
}

/* Static gain reduction x - y_G(x) (dB, >= 0) of the paper's soft-knee gain computer, d = x - T, knee W,
 * slope s = 1 - 1/R: 0 below the knee, s (d + W/2)^2 / (2W) inside it, s d above. Written as
 *   s * (e^2 / (2W) + max(d - W/2, 0)),  e = clamp(d + W/2, 0, W)
 * which is the same piecewise function (above the knee: s (W/2 + d - W/2) = s d) built from min/max
 * only, the one kind of select gcc vectorises without -ffast-math. W = 0: the hard knee s max(d, 0). */
static inline float gain_reduction(const comp_curve_t *k, float level_db) {
    const float d = level_db - k->threshold;
    float e = d + k->half_knee;
    e = e > 0.0f ? e : 0.0f;
    e = e < k->knee ? e : k->knee;
    float over = d - k->half_knee;
    over = over > 0.0f ? over : 0.0f;
    return k->slope * (e * e * k->inv_2knee + over);
}

float mix_comp_curve(const mix_comp_params_t *p, float level_db) {
    const comp_curve_t k = curve_of(p);
    return level_db - gain_reduction(&k, level_db);
}

/* Smooth-branching one-pole over one chunk, on s = GR + 1 dB (see mix_comp_run). The branch is
 * taken without a compare: with d = s - target the two candidates are target + c d for c = attack
 * and release; when the reduction grows (d < 0) the smaller coefficient gives the larger value, when
 * it shrinks (d > 0) the larger one does. So with attack <= release (the usual case) the smooth-
 * branching result is always the larger candidate, otherwise always the smaller: a max/min instead
 * of a compare and a select shortens the loop-carried chain (7.6 -> 5.4 ns/sample here). */
static inline double smooth_chunk(float *restrict t, uint32_t m, double s, double ac, double rc, int use_max,
                                  float *grmax) {
    const double oa = 1.0 - ac, orl = 1.0 - rc;
    float peak = *grmax;
    for (uint32_t i = 0; i < m; i++) {
        const double tb = (double)t[i] + 1.0;
        const double va = ac * s + oa * tb, vr = rc * s + orl * tb;
        s = use_max ? (va > vr ? va : vr) : (va < vr ? va : vr);
        float gr = (float)(s - 1.0);
        gr = gr > 0.0f ? gr : 0.0f; /* rounding may leave s an ulp under the 1 dB bias */
        peak = gr > peak ? gr : peak;
        t[i] = gr;
    }
    *grmax = peak;
    return s;
}

/* Per sample: level of the instantaneous sample in dB -> static reduction -> smooth-branching one-pole
 * in the dB domain (attack coefficient while the reduction grows, release while it shrinks) -> gain
 * 2^((makeup - GR) / 6.02). Done per chunk in three passes: only the middle one is recursive.
 * The smoother runs on GR + 1 dB: a state that releases towards the bias never nears zero, so it needs
 * no denormal flush inside the loop; once per chunk a remainder under 1e-12 dB is snapped to 0. */
float mix_comp_run(mix_comp_t *c, float *x, uint32_t n) {
    const comp_curve_t k = curve_of(&c->p);
    const double ac = c->p.attack_coef, rc = c->p.release_coef;
    const int use_max = ac <= rc;
    /* Makeup of sample i: the target, at most MAKEUP_SLEW_DB * (i + 1) away from where the block began
     * (the same path whatever the block size). */
    const float m0 = c->makeup_db, dmk = c->p.makeup_db - m0;
    double s = (double)c->gr_db + 1.0;
    float grmax = 0.0f;
    float t[CHUNK];
    for (uint32_t off = 0; off < n; off += CHUNK) {
        float *restrict xs = x + off;
        const uint32_t m = n - off < CHUNK ? n - off : CHUNK;
        for (uint32_t i = 0; i < m; i++) {
            /* Clamp |x| on its bits (positive floats order like integers): gcc vectorises min/max
             * of integers but not a float clamp feeding integer maths. A NaN is masked to 0 first,
             * so it reads as silence. */
            int32_t a = (int32_t)(f2u(xs[i]) & 0x7fffffffu);
            a &= -(int32_t)(a <= NAN_BITS);
            a = a > LEVEL_MIN ? a : LEVEL_MIN;
            a = a < LEVEL_MAX ? a : LEVEL_MAX;
            t[i] = gain_reduction(&k, log2_bits(a) * DB_PER_LOG2);
        }
        /* Two instances so the max/min choice is not made per sample. */
        if (use_max) s = smooth_chunk(t, m, s, ac, rc, 1, &grmax);
        else s = smooth_chunk(t, m, s, ac, rc, 0, &grmax);
        s = s - 1.0 > 1e-12 ? s : 1.0;
        /* |makeup| <= 200 dB and GR <= 400 dB (levels clamped to +-200 dB, threshold to +-200 dB): the
         * exponent stays within [-100, 34]. */
        for (uint32_t i = 0; i < m; i++) {
            const float reach = MAKEUP_SLEW_DB * (float)(off + i + 1);
            const float mk = m0 + (dmk > reach ? reach : (dmk < -reach ? -reach : dmk));
            xs[i] *= fast_exp2_in_range((mk - t[i]) * LOG2_PER_DB);
        }
    }
    {
        const float reach = MAKEUP_SLEW_DB * (float)n;
        c->makeup_db = m0 + (dmk > reach ? reach : (dmk < -reach ? -reach : dmk));
    }
    c->gr_db = (float)(s - 1.0);
    return grmax;
}

/* ---- limiter --------------------------------------------------------------------------------- */

void mix_limiter_init(mix_limiter_t *l) {
    memset(l, 0, sizeof *l);
    l->p.threshold_lin = 1.0f;
    l->gain = 1.0f;
}

void mix_limiter_set(mix_limiter_t *l, const mix_limiter_params_t *p) {
    l->p.threshold_lin = clampf(p->threshold_lin, 1e-6f, 1e6f);
    l->p.release_coef = clampf(p->release_coef, 0.0f, 1.0f);
}

/* One linked gain: recover towards 1, then if the loudest channel times the gain would pass the
 * ceiling, gain = ceiling / peak at once. The ceiling is lowered by 2^-21 (1.8e-5 dB) to absorb the
 * two roundings of the division and the product, so |x * gain| <= threshold_lin holds exactly in
 * float. A NaN sample fails the comparison and leaves the gain alone. */
static inline float limiter_loop(mix_limiter_t *l, float *const *x, uint32_t channels, uint32_t n) {
    const float ceiling = l->p.threshold_lin * (1.0f - 0x1p-21f);
    const float rc = l->p.release_coef;
    double gain = l->gain;
    float gmin = 1.0f;
    for (uint32_t i = 0; i < n; i++) {
        float peak = fabsf(x[0][i]);
        for (uint32_t ch = 1; ch < channels; ch++) {
            const float a = fabsf(x[ch][i]);
            peak = a > peak ? a : peak;
        }
        gain = 1.0 - rc * (1.0 - gain);
        gain = gain < 1.0 - SNAP ? gain : 1.0;
        float gf = (float)gain;
        if (peak * gf > ceiling) { /* the bound is proven on the float gain actually applied */
            gf = ceiling / peak;
            gain = gf;
        }
        gmin = gf < gmin ? gf : gmin;
        for (uint32_t ch = 0; ch < channels; ch++) x[ch][i] *= gf;
    }
    l->gain = (float)gain;
    return gmin;
}

float mix_limiter_run(mix_limiter_t *l, float *const *x, uint32_t channels, uint32_t n) {
    if (channels == 0 || n == 0) return 0.0f;
    /* Constant channel counts let the compiler unroll the per-channel loops for mono and stereo. */
    float gmin;
    if (channels == 1) gmin = limiter_loop(l, x, 1, n);
    else if (channels == 2) gmin = limiter_loop(l, x, 2, n);
    else gmin = limiter_loop(l, x, channels, n);
    /* gain == 0 only after an infinite sample; report it as a finite, very large reduction. */
    return gmin < 1.0f ? -DB_PER_LOG2 * fast_log2(gmin > 1e-30f ? gmin : 1e-30f) : 0.0f;
}
