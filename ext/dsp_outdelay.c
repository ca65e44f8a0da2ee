/* dsp_outdelay: sample-accurate output delay with click-free changes. See dsp_outdelay.h. */
#define _POSIX_C_SOURCE 200112L

#include "dsp_outdelay.h"

#include <stdlib.h>
#include <string.h>

mix_outdelay_t *mix_outdelay_new(uint32_t width, uint32_t max_delay, uint32_t max_frames) {
    if ((width != 1 && width != 2) || max_frames == 0 || max_delay > (1u << 24) || max_frames > (1u << 24))
        return NULL;
    uint32_t cap = 1;
    while (cap < max_delay + max_frames) cap <<= 1;
    mix_outdelay_t *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    void *line = NULL;
    if (posix_memalign(&line, 64, (size_t)width * cap * sizeof(float)) != 0) {
        free(d);
        return NULL;
    }
    memset(line, 0, (size_t)width * cap * sizeof(float));
    d->line = line;
    d->width = width;
    d->cap = cap;
    d->mask = cap - 1;
    d->max_delay = max_delay;
    return d;
}

void mix_outdelay_free(mix_outdelay_t *d) {
    if (!d) return;
    free(d->line);
    free(d);
}

int mix_outdelay_idle(const mix_outdelay_t *d) { return d->remaining == 0 && d->delay == 0 && d->target == 0; }

void mix_outdelay_set(mix_outdelay_t *d, uint32_t samples, uint32_t ramp, int immediate) {
    if (samples > d->max_delay) samples = d->max_delay;
    if (immediate || ramp == 0) {
        if (mix_outdelay_idle(d)) {  /* active again: the line starts afresh (at once: no fade-in) */
            d->valid_from = d->written;
            d->onset = 0;
        }
        d->delay = d->from = d->target = samples;
        d->remaining = 0;
        return;
    }
    d->target = samples;
    d->next_ramp = ramp;  /* starts in mix_outdelay_run, once any crossfade under way has ended */
}

/* Frame i of the block (written at d->written + i) read `delay` frames back into dst; frames from before the
 * line (re)started are silence. */
static void read_at(const mix_outdelay_t *d, const float *line, uint32_t delay, float *restrict dst, uint32_t n) {
    const uint64_t history = d->written - d->valid_from;
    uint32_t zeros = 0;
    if (delay > history) {
        const uint64_t missing = delay - history;
        zeros = missing < n ? (uint32_t)missing : n;
        memset(dst, 0, (size_t)zeros * sizeof(float));
    }
    const uint32_t pos = (uint32_t)((d->written - delay + zeros) & d->mask);
    const uint32_t count = n - zeros;
    const uint32_t first = count < d->cap - pos ? count : d->cap - pos;
    memcpy(dst + zeros, line + pos, (size_t)first * sizeof(float));
    memcpy(dst + zeros + first, line, (size_t)(count - first) * sizeof(float));
}

/* The block into the line. Its first `onset` frames after a (re)start fade in, so the delayed signal begins
 * smoothly after the silence that precedes it. */
static void write_block(const mix_outdelay_t *d, float *line, const float *src, uint32_t n) {
    const uint32_t pos = (uint32_t)(d->written & d->mask);
    const uint32_t first = n < d->cap - pos ? n : d->cap - pos;
    memcpy(line + pos, src, (size_t)first * sizeof(float));
    memcpy(line, src + first, (size_t)(n - first) * sizeof(float));
    const uint64_t fresh = d->written - d->valid_from;
    if (fresh >= d->onset) return;
    const float inv = 1.0f / (float)d->onset;
    const uint32_t m = d->onset - fresh < n ? (uint32_t)(d->onset - fresh) : n;
    for (uint32_t i = 0; i < m; i++) {
        const float t = (float)(fresh + i + 1) * inv;
        line[(d->written + i) & d->mask] *= t * t * (3.0f - 2.0f * t);
    }
}

void mix_outdelay_run(mix_outdelay_t *d, float *const *x, uint32_t n, float *scratch) {
    if (n == 0) return;
    if (d->remaining == 0 && d->target != d->delay) {
        if (d->delay == 0) {
            /* Was idle, nothing was written meanwhile: the line starts afresh, its first frames fading in. */
            d->valid_from = d->written;
            d->onset = d->next_ramp;
        }
        d->from = d->delay;
        d->delay = d->target;
        d->ramp_len = d->remaining = d->next_ramp ? d->next_ramp : 1;
    }
    if (d->remaining == 0 && d->delay == 0) return;  /* settled at 0: the signal passes untouched */
    const uint32_t fade = d->remaining < n ? d->remaining : n;
    const float inv = 1.0f / (float)d->ramp_len;
    const uint32_t k0 = d->ramp_len - d->remaining;
    for (uint32_t side = 0; side < d->width; side++) {
        float *line = d->line + (size_t)side * d->cap;
        float *restrict y = x[side];
        /* Delay 0 is the live signal itself, never the line (whose first frames may be fading in). */
        if (fade && d->from == 0) memcpy(scratch, y, (size_t)fade * sizeof(float));
        write_block(d, line, y, n);
        if (d->delay) read_at(d, line, d->delay, y, n);
        if (!fade) continue;
        if (d->from) read_at(d, line, d->from, scratch, fade);
        for (uint32_t i = 0; i < fade; i++) {
            const float t = (float)(k0 + i + 1) * inv;
            const float w = t * t * (3.0f - 2.0f * t);
            y[i] = scratch[i] + w * (y[i] - scratch[i]);
        }
    }
    d->remaining -= fade;
    d->written += n;
}
