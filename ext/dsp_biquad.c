/* dsp_biquad: transposed direct form II biquad with click-free coefficient changes. See dsp_biquad.h.
 *
 * A change crossfades two filters: the outgoing one (`from`, state s1/s2) keeps running on its own
 * coefficients while the incoming one (`c`, state q1/q2) starts from a cleared state; the output
 * moves from the first to the second with a smoothstep weight over `ramp_len` samples, after which
 * the incoming filter simply carries on. Why not interpolate the coefficients instead:
 *  - Each filter is time-invariant and stable, so the output is a weighted mean of two bounded
 *    outputs: it can never blow up, whatever the pair of designs (proved by construction, not by
 *    hoping a time-varying recursion behaves). A per-sample linear coefficient ramp keeps every
 *    frozen intermediate filter stable, but the time-varying TDF-II recursion is not: moving a 20 Hz
 *    low-cut to 2 kHz in 10 ms overshot 11x on a sine and up to 57x on noise in our trials, a
 *    speaker-threatening thump. The crossfade stayed within 1.01x on the same trials.
 *  - The weight t^2 (3 - 2t) has zero slope at both ends, so the output's slope does not kink
 *    where the fade starts and stops, and the incoming filter's start-up (it has no history) is
 *    weighted least while it is largest.
 *  - Once the fade is over the output is exactly the target filter's, so it settles onto
 *    scipy.signal.lfilter with the target coefficients as any filter's start-up decays.
 * Cost: two recursions during a fade (they are independent, so the CPU overlaps them), one when
 * settled. A target that arrives during a fade waits in `target` and starts its own fade when the
 * current one ends (the latest target wins), so filters never stack up.
 *
 * Denormals: the core sets FTZ/DAZ while mixing; independently, a state that has decayed below
 * STATE_FLOOR (-300 dB: 180 dB under a -120 dBFS signal, below float resolution of anything audible)
 * is cleared every FLUSH_EVERY samples, so silence after a signal becomes exact zeros instead of
 * crawling through subnormals. Every 16 samples, because the fastest-decaying design we make (a
 * high shelf near fs/5, pole radius 0.071) shrinks a decaying state by about 0.071^16 = 4e-19 in that span:
 * from 1e-15 that stays far above float's smallest normal (1.2e-38), and double's. A check per
 * block would not do: a 4096-sample block can decay through the whole float range. */
#include "dsp_biquad.h"

#include <math.h>

#define STATE_FLOOR 1e-15
#define FLUSH_EVERY 16u

static const mix_bq_coefs_t identity = {1.0, 0.0, 0.0, 0.0, 0.0};

static inline int coefs_equal(const mix_bq_coefs_t *p, const mix_bq_coefs_t *q) {
    return p->b0 == q->b0 && p->b1 == q->b1 && p->b2 == q->b2 && p->a1 == q->a1 && p->a2 == q->a2;
}

/* Finite and strictly inside the stability triangle; anything else is refused, so a bad value from
 * the control side can never make the audio thread blow up. */
static inline int coefs_valid(const mix_bq_coefs_t *c) {
    if (!(isfinite(c->b0) && isfinite(c->b1) && isfinite(c->b2) && isfinite(c->a1) && isfinite(c->a2)))
        return 0;
    return fabs(c->a2) < 1.0 && fabs(c->a1) < 1.0 + c->a2;
}

void mix_biquad_init(mix_biquad_t *f) {
    f->c = f->target = f->from = identity;
    f->ramp_len = f->remaining = 0;
    f->s1 = f->s2 = f->q1 = f->q2 = 0.0;
}

void mix_biquad_set(mix_biquad_t *f, const mix_bq_coefs_t *c, uint32_t ramp_samples, int immediate) {
    if (!coefs_valid(c)) return;
    if (immediate || ramp_samples == 0) {
        if (f->remaining && coefs_equal(c, &f->c)) {
            /* Cut the fade short onto the incoming filter, whose state is already right for it. */
            f->s1 = f->q1;
            f->s2 = f->q2;
        } else if (f->remaining || !coefs_equal(c, &f->c)) {
            /* Another filter's state can ring far louder than the signal under new coefficients;
             * from a cleared state the output stays within the new filter's own gain. */
            f->s1 = f->s2 = 0.0;
        }
        f->c = f->target = f->from = *c;
        f->ramp_len = f->remaining = 0;
        f->q1 = f->q2 = 0.0;
        return;
    }
    f->target = *c;
    /* A fade is under way: this target waits for it, then fades in over the same length (run_fade). */
    if (f->remaining) return;
    if (coefs_equal(c, &f->c)) return;
    f->from = f->c;
    f->c = *c;
    f->q1 = f->q2 = 0.0;
    f->ramp_len = f->remaining = ramp_samples;
}

int mix_biquad_is_identity(const mix_biquad_t *f) {
    /* The state must be empty too, so skipping the filter is exactly what running it would do. The
     * identity's own recursion empties it within two samples. */
    return f->remaining == 0 && coefs_equal(&f->c, &identity) && f->s1 == 0.0 && f->s2 == 0.0;
}

void mix_biquad_reset(mix_biquad_t *f) { f->s1 = f->s2 = f->q1 = f->q2 = 0.0; }

static inline void flush_tiny(double *s1, double *s2) {
    if (fabs(*s1) < STATE_FLOOR && fabs(*s2) < STATE_FLOOR) *s1 = *s2 = 0.0;
}

/* The end of the chunk of at most FLUSH_EVERY samples starting at i. */
static inline uint32_t chunk_end(uint32_t i, uint32_t n) { return n - i > FLUSH_EVERY ? i + FLUSH_EVERY : n; }

/* Settled: the plain TDF-II recursion with constant coefficients. */
static void run_fixed(mix_biquad_t *f, float *restrict x, uint32_t n) {
    const double b0 = f->c.b0, b1 = f->c.b1, b2 = f->c.b2, a1 = f->c.a1, a2 = f->c.a2;
    double s1 = f->s1, s2 = f->s2;
    for (uint32_t i = 0; i < n;) {
        for (const uint32_t end = chunk_end(i, n); i < end; i++) {
            const double in = x[i];
            const double y = b0 * in + s1;
            s1 = b1 * in - a1 * y + s2;
            s2 = b2 * in - a2 * y;
            x[i] = (float)y;
        }
        flush_tiny(&s1, &s2);
    }
    f->s1 = s1;
    f->s2 = s2;
}

/* Fading, n <= remaining: both filters run; sample k of the fade (1..ramp_len) is weighted
 * w = t^2 (3 - 2t), t = k / ramp_len, towards the incoming filter. */
static void run_fade(mix_biquad_t *f, float *restrict x, uint32_t n) {
    const double ob0 = f->from.b0, ob1 = f->from.b1, ob2 = f->from.b2, oa1 = f->from.a1, oa2 = f->from.a2;
    const double nb0 = f->c.b0, nb1 = f->c.b1, nb2 = f->c.b2, na1 = f->c.a1, na2 = f->c.a2;
    const double inv = 1.0 / (double)f->ramp_len;
    const uint32_t k0 = f->ramp_len - f->remaining;
    double s1 = f->s1, s2 = f->s2, q1 = f->q1, q2 = f->q2;
    for (uint32_t i = 0; i < n;) {
        for (const uint32_t end = chunk_end(i, n); i < end; i++) {
            const double in = x[i];
            const double yo = ob0 * in + s1;
            s1 = ob1 * in - oa1 * yo + s2;
            s2 = ob2 * in - oa2 * yo;
            const double yn = nb0 * in + q1;
            q1 = nb1 * in - na1 * yn + q2;
            q2 = nb2 * in - na2 * yn;
            const double t = (double)(k0 + i + 1) * inv;
            const double w = t * t * (3.0 - 2.0 * t);
            x[i] = (float)(yo + w * (yn - yo));
        }
        flush_tiny(&s1, &s2);
        flush_tiny(&q1, &q2);
    }
    f->s1 = s1;
    f->s2 = s2;
    f->q1 = q1;
    f->q2 = q2;
    f->remaining -= n;
    if (f->remaining) return;
    /* Fade over: the incoming filter is the filter. */
    f->s1 = f->q1;
    f->s2 = f->q2;
    f->q1 = f->q2 = 0.0;
    f->from = f->c;
    if (!coefs_equal(&f->target, &f->c)) { /* a target arrived meanwhile: fade on to it */
        f->c = f->target;
        f->remaining = f->ramp_len;
    }
}

void mix_biquad_run(mix_biquad_t *f, float *x, uint32_t n) {
    if (n == 0 || mix_biquad_is_identity(f)) return;
    /* At most a fade, maybe a queued fade, then the settled rest: each pass consumes samples. */
    while (n && f->remaining) {
        const uint32_t m = n < f->remaining ? n : f->remaining;
        run_fade(f, x, m);
        x += m;
        n -= m;
    }
    if (n) run_fixed(f, x, n);
}

/* A settled cascade, sample by sample through every section: the sections' recursions are
 * independent chains the CPU overlaps, instead of each section waiting on its own previous
 * sample alone. K is a constant in each caller, so the state stays in registers. Between sections
 * the signal stays in double. */
#define CHAIN_MAX 8

static inline __attribute__((always_inline)) void run_chain_fixed(mix_biquad_t *const *f, const uint32_t K,
                                                                  float *restrict x, uint32_t n) {
    double b0[CHAIN_MAX], b1[CHAIN_MAX], b2[CHAIN_MAX], a1[CHAIN_MAX], a2[CHAIN_MAX];
    double s1[CHAIN_MAX], s2[CHAIN_MAX];
    for (uint32_t j = 0; j < K; j++) {
        b0[j] = f[j]->c.b0; b1[j] = f[j]->c.b1; b2[j] = f[j]->c.b2; a1[j] = f[j]->c.a1; a2[j] = f[j]->c.a2;
        s1[j] = f[j]->s1; s2[j] = f[j]->s2;
    }
    for (uint32_t i = 0; i < n;) {
        for (const uint32_t end = chunk_end(i, n); i < end; i++) {
            double v = x[i];
            for (uint32_t j = 0; j < K; j++) {
                const double y = b0[j] * v + s1[j];
                s1[j] = b1[j] * v - a1[j] * y + s2[j];
                s2[j] = b2[j] * v - a2[j] * y;
                v = y;
            }
            x[i] = (float)v;
        }
        for (uint32_t j = 0; j < K; j++) flush_tiny(&s1[j], &s2[j]);
    }
    for (uint32_t j = 0; j < K; j++) {
        f[j]->s1 = s1[j];
        f[j]->s2 = s2[j];
    }
}

/* k (0..CHAIN_MAX) settled sections in series. */
static void run_settled(mix_biquad_t *const *active, uint32_t k, float *x, uint32_t n) {
    switch (k) {
    case 0: break;
    case 1: run_fixed(active[0], x, n); break;
    case 2: run_chain_fixed(active, 2, x, n); break;
    case 3: run_chain_fixed(active, 3, x, n); break;
    case 4: run_chain_fixed(active, 4, x, n); break;
    case 5: run_chain_fixed(active, 5, x, n); break;
    case 6: run_chain_fixed(active, 6, x, n); break;
    case 7: run_chain_fixed(active, 7, x, n); break;
    default: run_chain_fixed(active, 8, x, n); break;
    }
}

void mix_biquad_run_chain(mix_biquad_t *f, uint32_t count, float *x, uint32_t n) {
    mix_biquad_t *active[CHAIN_MAX];
    uint32_t k = 0;
    int fading = 0;
    for (uint32_t i = 0; i < count; i++) {
        fading |= f[i].remaining != 0;
        if (!mix_biquad_is_identity(&f[i]) && k < CHAIN_MAX) active[k++] = &f[i];
    }
    if (n == 0 || k == 0) return;
    if (fading || count > CHAIN_MAX) {
        for (uint32_t i = 0; i < count; i++) mix_biquad_run(&f[i], x, n);
        return;
    }
    run_settled(active, k, x, n);
}

uint32_t mix_biquad_run_live(mix_biquad_t *f, uint32_t live, float *x, uint32_t n) {
    mix_biquad_t *batch[CHAIN_MAX];
    uint32_t k = 0;
    for (uint32_t i = 0; i < 32 && (live >> i); i++) {
        if (!((live >> i) & 1u)) continue;
        mix_biquad_t *s = &f[i];
        if (mix_biquad_is_identity(s)) {
            live &= ~(1u << i);
            continue;
        }
        if (n == 0) continue;
        if (s->remaining) {
            /* A fading section runs alone, in its place: the sections before it first. */
            run_settled(batch, k, x, n);
            k = 0;
            mix_biquad_run(s, x, n);
            continue;
        }
        batch[k++] = s;
        if (k == CHAIN_MAX) {
            run_settled(batch, k, x, n);
            k = 0;
        }
    }
    run_settled(batch, k, x, n);
    return live;
}
