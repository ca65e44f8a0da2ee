/* dsp_fx: the FX bus processors, a Freeverb reverb and a delay. See dsp_fx.h for the contract.
 *
 * Realtime discipline: set, reset and run never allocate, lock or call libm transcendentals; every
 * loop is bounded by the block length or a buffer length fixed at construction. Feedback loops are
 * guarded against denormals on their own (values below FLUSH_BELOW become exactly 0), so they stay
 * fast even when the caller has not set FTZ/DAZ, and a tail ends in exact zeros: no limit cycle, no
 * DC offset, no noise floor.
 */
#include "dsp_fx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_BELOW 1e-20f /* about -400 dBFS */
#define QUIET_BELOW 1e-10f /* -200 dBFS: below this the reverb's input counts as silent */
#define CHUNK 128 /* internal block: scratch buffers are this long, glides are linear within one */

/* Freeverb (Jezar at Dreampoint, public domain): tunings in samples at 44.1 kHz. */
#define RV_COMBS 8
#define RV_ALLPASSES 4
#define RV_TUNING_RATE 44100.0
#define RV_SPREAD 23 /* right side is this much longer: decorrelates the two sides */
#define RV_INPUT_GAIN 0.015f
#define RV_DAMP_SCALE 0.4f /* damp 1 -> comb lowpass pole at 0.4, as Freeverb scales it */
#define RV_ALLPASS_FEEDBACK 0.5f
#define RV_GLIDE_MS 20.0 /* room, damping and width glide over this; a predelay change crossfades */

static const uint32_t rv_comb_tuning[RV_COMBS] = {1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617};
static const uint32_t rv_allpass_tuning[RV_ALLPASSES] = {556, 441, 341, 225};

/* A value a feedback loop writes goes through this (a threshold, not rounding: rounding to a grid
 * would leave a limit cycle at the grid step wherever the loop gain exceeds 1/2). */
static inline float flush_tiny(float v) { return fabsf(v) < FLUSH_BELOW ? 0.0f : v; }

/* The same over a span just written; vectorises, unlike a compare inside a scalar recursion. */
static void flush_span(float *restrict p, uint32_t n) {
    for (uint32_t j = 0; j < n; j++) p[j] = flush_tiny(p[j]);
}

static inline float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Round a finite non-negative sample count to a whole number within [lo, hi]. */
static inline uint32_t round_samples(float v, uint32_t lo, uint32_t hi) {
    if (!(v >= (float)lo)) return lo; /* also NaN */
    if (v >= (float)hi) return hi;
    const uint32_t s = (uint32_t)(v + 0.5f);
    return s > hi ? hi : s;
}

static uint32_t pow2_above(uint32_t n) {
    uint32_t p = 1;
    while (p <= n) p <<= 1;
    return p;
}

/* ---- glides: a parameter moves linearly to its target over `len` samples, per block ----------- */

typedef struct {
    float cur, target, step;
    uint32_t remaining;
} glide_t;

static void glide_set(glide_t *g, float v, uint32_t len, int immediate) {
    if (immediate || len == 0) {
        g->cur = g->target = v;
        g->step = 0.0f;
        g->remaining = 0;
        return;
    }
    /* From wherever it is now, so a change mid-glide stays continuous. */
    g->target = v;
    g->remaining = len;
    g->step = (v - g->cur) / (float)len;
}

static inline void glide_snap(glide_t *g) { glide_set(g, g->target, 0, 1); }

/* Advance n samples: v0 is the value before the block, v1 at its last sample. */
static inline void glide_block(glide_t *g, uint32_t n, float *v0, float *v1) {
    *v0 = g->cur;
    if (g->remaining > n) {
        g->cur += g->step * (float)n;
        g->remaining -= n;
    } else if (g->remaining) {
        g->cur = g->target;
        g->remaining = 0;
    }
    *v1 = g->cur;
}

/* ---- taps: a read distance into a circular buffer that changes by crossfading ----------------
 * Moving a read position in one step would splice two unrelated points of the signal (a click);
 * changing it smoothly would resample (a pitch glide). Instead both positions are read and
 * crossfaded. A change requested during a fade waits for it to finish, so at most two taps are
 * ever read and every transition is a complete, click-free fade. */

typedef struct {
    uint32_t cur;     /* distance in use; during a fade, the one fading out */
    uint32_t next;    /* during a fade, the one fading in */
    uint32_t pending; /* latest request, taken up when no fade is running */
    uint32_t len;     /* length of the next fade, samples (0: jump) */
    uint32_t flen;    /* length of the running fade */
    uint32_t left;    /* samples left in the running fade, 0 = steady on cur */
    float dt;         /* 1 / flen */
} tap_t;

/* Start a pending fade if idle; return how many of the next n samples run in one mode (steady or
 * fading) and set *fading to that mode. */
static inline uint32_t tap_span(tap_t *t, uint32_t n, int *fading) {
    if (!t->left && t->pending != t->cur) {
        if (t->len == 0) {
            t->cur = t->pending;
        } else {
            t->next = t->pending;
            t->flen = t->left = t->len;
            t->dt = 1.0f / (float)t->len;
        }
    }
    *fading = t->left != 0;
    return (*fading && t->left < n) ? t->left : n;
}

/* Fade position (0 ... 1] reached j + 1 samples into the current span. */
static inline float tap_pos(const tap_t *t, uint32_t j) { return (float)(t->flen - t->left + j + 1) * t->dt; }

static inline void tap_advance(tap_t *t, uint32_t m) {
    if (!t->left) return;
    t->left -= m;
    if (!t->left) t->cur = t->next;
}

static inline void tap_snap(tap_t *t) {
    t->cur = t->pending;
    t->left = 0;
}

/* Smoothstep: zero slope at both ends, so the fade itself puts no corner into the waveform. */
static inline float fade_gain(float x) { return x * x * (3.0f - 2.0f * x); }

/* Input sanitiser for the feedback structures: one NaN or inf would circulate for ever, so a
 * non-finite (or absurdly large) input sample enters as silence instead. */
static inline float sane(float v) { return fabsf(v) <= 1e9f ? v : 0.0f; }

/* ---- reverb --------------------------------------------------------------------------------- */

typedef struct {
    float *buf;
    uint32_t len, idx;
    float lp; /* damping lowpass state ("filterstore") */
} rv_comb_t;

typedef struct {
    float *buf;
    uint32_t len, idx;
} rv_allpass_t;

struct mix_reverb {
    rv_comb_t comb[2][RV_COMBS];
    rv_allpass_t ap[2][RV_ALLPASSES];
    float *pre; /* predelay line, power-of-two length */
    uint32_t pre_mask, pre_w, max_predelay;
    tap_t pre_tap;
    glide_t room, damp, width; /* damp already scaled: the comb lowpass pole */
    uint32_t glide_len;
    int fresh; /* nothing run since new/reset: the next set applies at once, nothing can click */
    float *mem;
    size_t mem_floats;
    float x[CHUNK];          /* predelayed, input-scaled signal feeding the combs */
    float acc[2][CHUNK];     /* per side: comb sum, then the allpass chain in place */
};

/* Predelay `in` into x (scaled by the Freeverb input gain), crossfading on a predelay change. */
static void predelay_run(mix_reverb_t *r, const float *in, float *restrict x, uint32_t n) {
    float *buf = r->pre;
    const uint32_t mask = r->pre_mask;
    uint32_t w = r->pre_w;
    tap_t *t = &r->pre_tap;
    for (uint32_t i = 0; i < n;) {
        int fading;
        const uint32_t m = tap_span(t, n - i, &fading);
        if (!fading) {
            const uint32_t d = t->cur;
            for (uint32_t j = 0; j < m; j++) {
                buf[w] = sane(in[i + j]); /* written first: a predelay of 0 reads this very sample */
                x[i + j] = RV_INPUT_GAIN * buf[(w - d) & mask];
                w = (w + 1) & mask;
            }
        } else {
            const uint32_t da = t->cur, db = t->next;
            for (uint32_t j = 0; j < m; j++) {
                buf[w] = sane(in[i + j]);
                const float a = buf[(w - da) & mask], b = buf[(w - db) & mask];
                x[i + j] = RV_INPUT_GAIN * (a + (b - a) * fade_gain(tap_pos(t, j)));
                w = (w + 1) & mask;
            }
        }
        tap_advance(t, m);
        i += m;
    }
    r->pre_w = w;
}

/* One side's 8 combs over n (<= CHUNK) samples, summed into acc. The combs run interleaved: each
 * one's lowpass is a serial dependency from sample to sample, eight independent chains keep the
 * pipeline busy. The buffer indices wrap only at segment boundaries, so the inner loop has no
 * branch. Feedback and damping move linearly from (fb0, d0) to (fb1, d1) across the block.
 *
 * Denormals: while input flows, every write carries it and nothing decays toward 0, so the
 * per-sample loop does not test for them. Once the input is silent the tail decays freely (and a
 * lowpass fed zeros between sparse echoes sinks fast), so then each span written is flushed in a
 * separate vectorised pass before it can be read again: no denormal circulates, and the tail ends
 * in exact zeros. */
static void comb_bank(rv_comb_t *c, const float *restrict x, float *restrict acc, uint32_t n, float fb0,
                      float fb1, float d0, float d1, int flush) {
    const float dfb = (fb1 - fb0) / (float)n, dd = (d1 - d0) / (float)n;
    float lp[RV_COMBS];
    float *p[RV_COMBS];
    for (int k = 0; k < RV_COMBS; k++) lp[k] = c[k].lp;
    for (uint32_t i = 0; i < n;) {
        uint32_t m = n - i;
        for (int k = 0; k < RV_COMBS; k++) {
            const uint32_t room = c[k].len - c[k].idx;
            if (room < m) m = room;
            p[k] = c[k].buf + c[k].idx;
        }
        float fb = fb0 + dfb * (float)i, damp = d0 + dd * (float)i;
        for (uint32_t j = 0; j < m; j++) {
            fb += dfb; /* accumulated: over <= CHUNK samples the rounding drift is negligible */
            damp += dd;
            const float keep = 1.0f - damp;
            const float in = x[i + j];
            float sum = 0.0f;
            for (int k = 0; k < RV_COMBS; k++) {
                const float o = p[k][j];
                lp[k] = o * keep + lp[k] * damp;
                p[k][j] = in + lp[k] * fb;
                sum += o;
            }
            acc[i + j] = sum;
        }
        if (flush) {
            for (int k = 0; k < RV_COMBS; k++) flush_span(p[k], m);
        }
        for (int k = 0; k < RV_COMBS; k++) {
            c[k].idx += m;
            if (c[k].idx == c[k].len) c[k].idx = 0;
        }
        i += m;
    }
    /* The lowpass state alone can still sink into denormals after its input went to 0. */
    for (int k = 0; k < RV_COMBS; k++) c[k].lp = flush_tiny(lp[k]);
}

/* Freeverb's allpass (feedback 0.5) in place over x. Within a segment the buffer slots read and
 * written are distinct from x and from each other, so the loop vectorises. Denormals as in the combs. */
static void allpass_run(rv_allpass_t *a, float *restrict x, uint32_t n, int flush) {
    for (uint32_t i = 0; i < n;) {
        const uint32_t room = a->len - a->idx;
        const uint32_t m = n - i < room ? n - i : room;
        float *restrict b = a->buf + a->idx;
        float *restrict y = x + i;
        for (uint32_t j = 0; j < m; j++) {
            const float bo = b[j], in = y[j];
            b[j] = in + bo * RV_ALLPASS_FEEDBACK;
            y[j] = bo - in;
        }
        if (flush) flush_span(b, m);
        a->idx += m;
        if (a->idx == a->len) a->idx = 0;
        i += m;
    }
}

/* Largest magnitude in x, in fixed lanes so the reduction vectorises without -ffast-math. */
static float peak(const float *restrict x, uint32_t n) {
    float pk[8] = {0};
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (uint32_t j = 0; j < 8; j++) {
            const float a = fabsf(x[i + j]);
            pk[j] = a > pk[j] ? a : pk[j];
        }
    }
    for (; i < n; i++) {
        const float a = fabsf(x[i]);
        pk[0] = a > pk[0] ? a : pk[0];
    }
    float p = 0.0f;
    for (uint32_t j = 0; j < 8; j++) p = pk[j] > p ? pk[j] : p;
    return p;
}

void mix_reverb_run(mix_reverb_t *r, const float *in, float *out_l, float *out_r, uint32_t n) {
    if (n) r->fresh = 0;
    for (uint32_t i = 0; i < n;) {
        const uint32_t m = n - i < CHUNK ? n - i : CHUNK;
        predelay_run(r, in + i, r->x, m);
        float fb0, fb1, d0, d1, w0, w1;
        glide_block(&r->room, m, &fb0, &fb1);
        glide_block(&r->damp, m, &d0, &d1);
        glide_block(&r->width, m, &w0, &w1);
        const int flush = peak(r->x, m) < QUIET_BELOW * RV_INPUT_GAIN;
        for (int s = 0; s < 2; s++) {
            comb_bank(r->comb[s], r->x, r->acc[s], m, fb0, fb1, d0, d1, flush);
            for (int k = 0; k < RV_ALLPASSES; k++) allpass_run(&r->ap[s][k], r->acc[s], m, flush);
        }
        /* Freeverb's wet1/wet2 at wet = 1 (its default level): width 1 keeps the sides apart,
         * width 0 gives both outputs the same half-and-half sum. */
        const float *al = r->acc[0], *ar = r->acc[1];
        const float dw = (w1 - w0) / (float)m;
        for (uint32_t j = 0; j < m; j++) {
            const float wd = w0 + dw * (float)(j + 1);
            const float wet1 = 0.5f + 0.5f * wd, wet2 = 0.5f - 0.5f * wd;
            out_l[i + j] = al[j] * wet1 + ar[j] * wet2;
            out_r[i + j] = ar[j] * wet1 + al[j] * wet2;
        }
        i += m;
    }
}

void mix_reverb_set(mix_reverb_t *r, const mix_reverb_params_t *p) {
    if (!isfinite(p->room) || !isfinite(p->damp) || !isfinite(p->width) || !isfinite(p->predelay)) return;
    const int now = r->fresh;
    glide_set(&r->room, clampf(p->room, 0.0f, 0.98f), r->glide_len, now);
    glide_set(&r->damp, clampf(p->damp, 0.0f, 1.0f) * RV_DAMP_SCALE, r->glide_len, now);
    glide_set(&r->width, clampf(p->width, 0.0f, 1.0f), r->glide_len, now);
    r->pre_tap.pending = round_samples(p->predelay, 0, r->max_predelay);
    if (now) tap_snap(&r->pre_tap);
}

void mix_reverb_reset(mix_reverb_t *r) {
    memset(r->mem, 0, r->mem_floats * sizeof(float));
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < RV_COMBS; k++) r->comb[s][k].lp = 0.0f;
    }
    glide_snap(&r->room);
    glide_snap(&r->damp);
    glide_snap(&r->width);
    tap_snap(&r->pre_tap);
    r->fresh = 1;
}

/* ---- reverb construction (control side) ----------------------------------------------------- */

void mix_reverb_free(mix_reverb_t *r) {
    if (!r) return;
    free(r->mem);
    free(r);
}

static uint32_t scaled_len(uint32_t tuning, double scale) {
    const long len = lround((double)tuning * scale);
    return len < 1 ? 1u : (uint32_t)len;
}

mix_reverb_t *mix_reverb_new(uint32_t sample_rate, uint32_t max_predelay) {
    if (sample_rate == 0 || sample_rate > 1536000u || max_predelay > (1u << 26)) return NULL;
    mix_reverb_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    const double scale = (double)sample_rate / RV_TUNING_RATE;
    size_t total = 0;
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < RV_COMBS; k++) {
            r->comb[s][k].len = scaled_len(rv_comb_tuning[k] + (uint32_t)s * RV_SPREAD, scale);
            total += r->comb[s][k].len;
        }
        for (int k = 0; k < RV_ALLPASSES; k++) {
            r->ap[s][k].len = scaled_len(rv_allpass_tuning[k] + (uint32_t)s * RV_SPREAD, scale);
            total += r->ap[s][k].len;
        }
    }
    const uint32_t pre_len = pow2_above(max_predelay);
    total += pre_len;
    r->mem = calloc(total, sizeof(float));
    if (!r->mem) {
        free(r);
        return NULL;
    }
    r->mem_floats = total;
    float *p = r->mem;
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < RV_COMBS; k++) {
            r->comb[s][k].buf = p;
            p += r->comb[s][k].len;
        }
        for (int k = 0; k < RV_ALLPASSES; k++) {
            r->ap[s][k].buf = p;
            p += r->ap[s][k].len;
        }
    }
    r->pre = p;
    r->pre_mask = pre_len - 1;
    r->max_predelay = max_predelay;
    r->glide_len = (uint32_t)lround(RV_GLIDE_MS * 1e-3 * sample_rate);
    r->pre_tap.len = r->glide_len;
    /* Until the first set: Freeverb's defaults (room 0.84, damp 0.5, full width), no predelay. */
    glide_set(&r->room, 0.84f, 0, 1);
    glide_set(&r->damp, 0.5f * RV_DAMP_SCALE, 0, 1);
    glide_set(&r->width, 1.0f, 0, 1);
    r->fresh = 1;
    return r;
}

/* ---- delay ---------------------------------------------------------------------------------- */

struct mix_delay {
    float *buf; /* power-of-two length > max_samples */
    uint32_t mask, w, max;
    tap_t tap;   /* delay time */
    glide_t fb;  /* feedback gain */
    glide_t hc;  /* high-cut pole */
    uint32_t glide_len;
    float lp;    /* high-cut state */
    int fresh;
};

void mix_delay_run(mix_delay_t *d, const float *in, float *out_l, float *out_r, uint32_t n) {
    if (n) d->fresh = 0;
    float *buf = d->buf;
    const uint32_t mask = d->mask;
    uint32_t w = d->w;
    float lp = d->lp;
    tap_t *t = &d->tap;
    for (uint32_t i = 0; i < n;) {
        int fading;
        uint32_t m = tap_span(t, n - i, &fading);
        if (m > CHUNK) m = CHUNK;
        float fb0, fb1, a0, a1;
        glide_block(&d->fb, m, &fb0, &fb1);
        glide_block(&d->hc, m, &a0, &a1);
        const float dfb = (fb1 - fb0) / (float)m, da = (a1 - a0) / (float)m;
        const float *x = in + i;
        float *y = out_l + i;
        /* Read before write: the sample written `time` samples ago comes out now, so time >= 1. The
         * repeats pass the high-cut (one pole, lp += (1 - a) (v - lp)) and the feedback gain. */
        if (!fading) {
            const uint32_t dt = t->cur;
            for (uint32_t j = 0; j < m; j++) {
                const float s = (float)(j + 1);
                const float fb = fb0 + dfb * s, a = a0 + da * s;
                const float v = buf[(w - dt) & mask];
                lp = (1.0f - a) * v + a * lp;
                buf[w] = flush_tiny(sane(x[j]) + fb * lp);
                y[j] = v;
                w = (w + 1) & mask;
            }
        } else {
            const uint32_t ta = t->cur, tb = t->next;
            for (uint32_t j = 0; j < m; j++) {
                const float s = (float)(j + 1);
                const float fb = fb0 + dfb * s, a = a0 + da * s;
                const float va = buf[(w - ta) & mask], vb = buf[(w - tb) & mask];
                const float v = va + (vb - va) * fade_gain(tap_pos(t, j));
                lp = (1.0f - a) * v + a * lp;
                buf[w] = flush_tiny(sane(x[j]) + fb * lp);
                y[j] = v;
                w = (w + 1) & mask;
            }
        }
        tap_advance(t, m);
        i += m;
    }
    d->w = w;
    d->lp = flush_tiny(lp);
    /* The delay is mono; both sides carry it (in is fully read by now, so any aliasing is fine). */
    if (out_r != out_l) memcpy(out_r, out_l, (size_t)n * sizeof(float));
}

void mix_delay_set(mix_delay_t *d, const mix_delay_params_t *p) {
    if (!isfinite(p->time) || !isfinite(p->feedback) || !isfinite(p->highcut_coef) || !isfinite(p->xfade)) return;
    const int now = d->fresh;
    /* xfade paces every change: the time crossfade and the feedback and high-cut glides. */
    d->glide_len = round_samples(p->xfade, 0, 1u << 24);
    d->tap.len = d->glide_len;
    d->tap.pending = round_samples(p->time, 1, d->max);
    if (now) tap_snap(&d->tap);
    glide_set(&d->fb, clampf(p->feedback, 0.0f, 0.95f), d->glide_len, now);
    glide_set(&d->hc, clampf(p->highcut_coef, 0.0f, 0.999f), d->glide_len, now);
}

void mix_delay_reset(mix_delay_t *d) {
    memset(d->buf, 0, ((size_t)d->mask + 1) * sizeof(float));
    d->lp = 0.0f;
    tap_snap(&d->tap);
    glide_snap(&d->fb);
    glide_snap(&d->hc);
    d->fresh = 1;
}

void mix_delay_free(mix_delay_t *d) {
    if (!d) return;
    free(d->buf);
    free(d);
}

mix_delay_t *mix_delay_new(uint32_t max_samples) {
    if (max_samples == 0 || max_samples > (1u << 26)) return NULL;
    mix_delay_t *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    const uint32_t len = pow2_above(max_samples);
    d->buf = calloc(len, sizeof(float));
    if (!d->buf) {
        free(d);
        return NULL;
    }
    d->mask = len - 1;
    d->max = max_samples;
    /* Until the first set: one sample, no feedback, no high-cut. */
    d->tap.cur = d->tap.pending = 1;
    d->fresh = 1;
    return d;
}
