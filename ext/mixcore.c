/* mixcore: realtime mixing core. See mixcore.h for the signal flow and the threading contract. */
#include "mixcore.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 64
#define METER_LANES 8

/* ---- denormals: flush to zero while mixing, restore the caller's mode afterwards --------------
 * Restoring matters offline, where the caller is the Python thread that also runs numpy. */
#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>
typedef unsigned int fpmode_t;
static inline fpmode_t fp_flush_begin(void) {
    fpmode_t old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ | DAZ */
    return old;
}
static inline void fp_flush_end(fpmode_t old) { _mm_setcsr(old); }
#elif defined(__aarch64__)
typedef uint64_t fpmode_t;
static inline fpmode_t fp_flush_begin(void) {
    uint64_t old;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(old));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(old | (1ull << 24))); /* FZ */
    return old;
}
static inline void fp_flush_end(fpmode_t old) { __asm__ __volatile__("msr fpcr, %0" : : "r"(old)); }
#else
typedef int fpmode_t;
static inline fpmode_t fp_flush_begin(void) { return 0; }
static inline void fp_flush_end(fpmode_t old) { (void)old; }
#endif

/* ---- ramps ---------------------------------------------------------------------------------- */

static inline void ramp_set(mix_ramp_t *r, float v, uint32_t len, int immediate) {
    if (!isfinite(v)) return;
    if (immediate || len == 0) {
        r->cur = r->target = v;
        r->step = 0.0f;
        r->remaining = 0;
        return;
    }
    /* A new target mid-ramp starts from where the gain is now, so the path stays continuous. */
    r->target = v;
    r->remaining = len;
    r->step = (v - r->cur) / (float)len;
}

/* Advance one block of n samples; g0 is the gain before the block, g1 the gain at its last sample. */
static inline void ramp_block(mix_ramp_t *r, uint32_t n, float *g0, float *g1) {
    *g0 = r->cur;
    if (r->remaining > n) {
        r->cur += r->step * (float)n;
        r->remaining -= n;
    } else if (r->remaining) {
        r->cur = r->target;
        r->remaining = 0;
    }
    *g1 = r->cur;
}

static inline int ramp_is_zero(const mix_ramp_t *r) { return r->remaining == 0 && r->cur == 0.0f; }

/* ---- kernels: simple loops gcc -O3 vectorises ---------------------------------------------- */

static void gain_copy(float *restrict dst, const float *restrict src, float g0, float g1, uint32_t n) {
    if (g0 == g1) {
        for (uint32_t i = 0; i < n; i++) dst[i] = g0 * src[i];
    } else {
        const float d = (g1 - g0) / (float)n;
        for (uint32_t i = 0; i < n; i++) dst[i] = (g0 + d * (float)(i + 1)) * src[i];
    }
}

static void gain_acc(float *restrict dst, const float *restrict src, float g0, float g1, uint32_t n) {
    if (g0 == g1) {
        for (uint32_t i = 0; i < n; i++) dst[i] += g0 * src[i];
    } else {
        const float d = (g1 - g0) / (float)n;
        for (uint32_t i = 0; i < n; i++) dst[i] += (g0 + d * (float)(i + 1)) * src[i];
    }
}

/* Four settled sends at once: one pass over dst instead of four. */
static void acc4(float *restrict dst, const float *const *src, const float *g, uint32_t n) {
    const float *restrict a = src[0], *restrict b = src[1], *restrict c = src[2], *restrict d = src[3];
    const float ga = g[0], gb = g[1], gc = g[2], gd = g[3];
    for (uint32_t i = 0; i < n; i++) dst[i] += ga * a[i] + gb * b[i] + gc * c[i] + gd * d[i];
}

/* Queue a settled send for acc4, flushing every four; a ramping send is mixed at once. */
typedef struct {
    const float *src[4];
    float gain[4];
    uint32_t count;
} send_batch_t;

static inline void batch_send(send_batch_t *batch, float *dst, const float *src, float g0, float g1, uint32_t n) {
    if (g0 != g1) {
        gain_acc(dst, src, g0, g1, n);
        return;
    }
    batch->src[batch->count] = src;
    batch->gain[batch->count] = g0;
    if (++batch->count == 4) {
        acc4(dst, batch->src, batch->gain, n);
        batch->count = 0;
    }
}

static inline void batch_flush(send_batch_t *batch, float *dst, uint32_t n) {
    for (uint32_t k = 0; k < batch->count; k++) gain_acc(dst, batch->src[k], batch->gain[k], batch->gain[k], n);
    batch->count = 0;
}

static void gain_inplace(float *restrict buf, float g0, float g1, uint32_t n) {
    if (g0 == g1) {
        if (g0 == 1.0f) return;
        for (uint32_t i = 0; i < n; i++) buf[i] *= g0;
    } else {
        const float d = (g1 - g0) / (float)n;
        for (uint32_t i = 0; i < n; i++) buf[i] *= g0 + d * (float)(i + 1);
    }
}

static void add_into(float *restrict dst, const float *restrict src, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) dst[i] += src[i];
}

static void sum_copy(float *restrict dst, const float *restrict a, const float *restrict b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) dst[i] = a[i] + b[i];
}

/* Peak, sum of squares and clipped samples of one block into meter slot m. The work is split in
 * fixed lanes so the reductions vectorise without -ffast-math. */
static void meter_block(mixcore_t *core, uint32_t m, const float *restrict x, uint32_t n) {
    float pk[METER_LANES] = {0}, ss[METER_LANES] = {0};
    uint32_t cl[METER_LANES] = {0};
    uint32_t i = 0;
    for (; i + METER_LANES <= n; i += METER_LANES) {
        for (uint32_t j = 0; j < METER_LANES; j++) {
            const float v = x[i + j];
            const float a = fabsf(v);
            pk[j] = a > pk[j] ? a : pk[j];
            ss[j] += v * v;
            cl[j] += a >= 1.0f;
        }
    }
    for (; i < n; i++) {
        const float a = fabsf(x[i]);
        pk[0] = a > pk[0] ? a : pk[0];
        ss[0] += x[i] * x[i];
        cl[0] += a >= 1.0f;
    }
    float peak = core->acc_peak[m];
    double sum = 0.0;
    uint32_t clips = 0;
    for (uint32_t j = 0; j < METER_LANES; j++) {
        peak = pk[j] > peak ? pk[j] : peak;
        sum += ss[j];
        clips += cl[j];
    }
    core->acc_peak[m] = peak;
    core->acc_sumsq[m] += sum;
    core->acc_clips[m] += clips;
}

/* ---- rings ---------------------------------------------------------------------------------- */

int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, float a, float b) {
    mix_cmd_ring_t *r = &core->cmds;
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    const uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask) return 0;
    mix_cmd_t *slot = &r->slots[head & r->mask];
    slot->op = op;
    slot->index = index;
    slot->a = a;
    slot->b = b;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return 1;
}

static mix_ramp_t *ramp_target(mixcore_t *core, uint32_t op, int32_t index) {
    if (index < 0) return NULL;
    const uint32_t i = (uint32_t)index;
    switch (op) {
    case MIX_OP_TRIM: return i < core->n_inputs ? &core->trim[i] : NULL;
    case MIX_OP_FADER: return i < core->n_inputs ? &core->fader[i] : NULL;
    case MIX_OP_MUTE: return i < core->n_inputs ? &core->mute[i] : NULL;
    case MIX_OP_MAIN_L: return i < core->n_inputs ? &core->main_l[i] : NULL;
    case MIX_OP_MAIN_R: return i < core->n_inputs ? &core->main_r[i] : NULL;
    case MIX_OP_SEND_PRE: return i < core->n_bus_channels * core->n_inputs ? &core->send_pre[i] : NULL;
    case MIX_OP_SEND_POST: return i < core->n_bus_channels * core->n_inputs ? &core->send_post[i] : NULL;
    case MIX_OP_OUT_GAIN: return i < core->n_outputs ? &core->out_gain[i] : NULL;
    case MIX_OP_GEN_LEVEL: return i < core->n_gens ? &core->gens[i].level : NULL;
    default: return NULL;
    }
}

static void apply_cmd(mixcore_t *core, const mix_cmd_t *cmd) {
    const uint32_t op = cmd->op & 0xffu;
    const int immediate = (cmd->op & MIX_OP_IMMEDIATE) != 0;
    mix_ramp_t *r = ramp_target(core, op, cmd->index);
    if (r) {
        ramp_set(r, cmd->a, core->ramp_samples, immediate);
        return;
    }
    if (op == MIX_OP_RAMP) {
        if (cmd->a >= 0.0f && cmd->a < 1e7f) core->ramp_samples = (uint32_t)cmd->a;
        return;
    }
    if (op == MIX_OP_METER_INTERVAL) {
        if (cmd->a >= 1.0f && cmd->a < 1e7f) core->meter_interval = (uint32_t)cmd->a;
        return;
    }
    if (cmd->index < 0 || (uint32_t)cmd->index >= core->n_gens) return;
    mix_gen_t *g = &core->gens[cmd->index];
    switch (op) {
    case MIX_OP_GEN_FREQ:
        /* Only the rotation changes: the phase runs on, so a new frequency never clicks. */
        g->rc = cmd->a;
        g->rs = cmd->b;
        break;
    case MIX_OP_GEN_MOD:
        if (cmd->a == 1.0f && cmd->b == 0.0f) {
            ramp_set(&g->depth, 0.0f, core->ramp_samples, immediate);
        } else {
            g->mrc = cmd->a;
            g->mrs = cmd->b;
            ramp_set(&g->depth, 1.0f, core->ramp_samples, immediate);
        }
        break;
    case MIX_OP_GEN_TARGET: {
        int32_t t = (int32_t)cmd->a;
        if (t < -1 || t >= (int32_t)core->n_inputs) t = -1;
        g->next_target = t;
        if (immediate) {
            g->target = t;
            ramp_set(&g->route, 1.0f, 0, 1);
        }
        break;
    }
    default:
        break;
    }
}

static void drain_commands(mixcore_t *core) {
    mix_cmd_ring_t *r = &core->cmds;
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    /* head - tail never exceeds the capacity, so this loop is bounded. */
    uint32_t applied = 0;
    while (tail != head) {
        apply_cmd(core, &r->slots[tail & r->mask]);
        tail++;
        applied++;
    }
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    if (applied) atomic_fetch_add_explicit(&core->cmds_applied, applied, memory_order_relaxed);
}

static void publish_meters(mixcore_t *core, uint64_t cycle) {
    mix_meter_ring_t *r = &core->meters;
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    const uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail >= r->n_slots) {
        /* Reader behind: keep accumulating so the next published frame still holds every peak. */
        atomic_fetch_add_explicit(&core->meter_drops, 1, memory_order_relaxed);
        return;
    }
    const uint32_t n = core->n_meters;
    const uint32_t slot = head % r->n_slots;
    float *peak = r->data + (size_t)slot * 3 * n;
    float *ms = peak + n;
    float *clips = ms + n;
    const double inv = 1.0 / (double)core->acc_frames;
    for (uint32_t m = 0; m < n; m++) {
        peak[m] = core->acc_peak[m];
        ms[m] = (float)(core->acc_sumsq[m] * inv);
        clips[m] = (float)core->acc_clips[m];
        core->acc_peak[m] = 0.0f;
        core->acc_sumsq[m] = 0.0;
        core->acc_clips[m] = 0;
    }
    r->frames[slot] = core->acc_frames;
    r->cycle[slot] = cycle;
    core->acc_frames = 0;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *peak, float *ms, float *clips,
                             uint32_t *frames, uint64_t *cycle) {
    mix_meter_ring_t *r = &core->meters;
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    const uint32_t n = core->n_meters;
    uint32_t got = 0;
    while (tail != head && got < max) {
        const uint32_t slot = tail % r->n_slots;
        const float *src = r->data + (size_t)slot * 3 * n;
        memcpy(peak + (size_t)got * n, src, n * sizeof(float));
        memcpy(ms + (size_t)got * n, src + n, n * sizeof(float));
        memcpy(clips + (size_t)got * n, src + 2 * n, n * sizeof(float));
        frames[got] = r->frames[slot];
        cycle[got] = r->cycle[slot];
        tail++;
        got++;
    }
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    return got;
}

void mixcore_stats(mixcore_t *core, mix_stats_t *out) {
    out->cycles = atomic_load_explicit(&core->cycles, memory_order_acquire);
    out->frames = atomic_load_explicit(&core->frames, memory_order_relaxed);
    out->overruns = atomic_load_explicit(&core->overruns, memory_order_relaxed);
    out->meter_drops = atomic_load_explicit(&core->meter_drops, memory_order_relaxed);
    out->cmds_applied = atomic_load_explicit(&core->cmds_applied, memory_order_relaxed);
    out->cmds_pending = atomic_load_explicit(&core->cmds.head, memory_order_relaxed) -
                        atomic_load_explicit(&core->cmds.tail, memory_order_relaxed);
}

/* ---- generators ----------------------------------------------------------------------------- */

/* Render generator g into buf; returns 1 if it produced signal for a channel this block. */
static int render_gen(mixcore_t *core, mix_gen_t *g, float *restrict buf, uint32_t n) {
    if (g->next_target != g->target) {
        /* Re-routing: fade out on the old channel, switch, fade in on the new one. */
        if (g->route.target != 0.0f) {
            ramp_set(&g->route, 0.0f, core->ramp_samples, 0);
        } else if (g->route.remaining == 0) {
            g->target = g->next_target;
            ramp_set(&g->route, 1.0f, core->ramp_samples, 0);
        }
    }
    float l0, l1, r0, r1, d0, d1;
    ramp_block(&g->level, n, &l0, &l1);
    ramp_block(&g->route, n, &r0, &r1);
    ramp_block(&g->depth, n, &d0, &d1);
    if (g->target < 0 || (l0 == 0.0f && l1 == 0.0f) || (r0 == 0.0f && r1 == 0.0f)) return 0;

    const float inv = 1.0f / (float)n;
    float c = g->c, s = g->s, mc = g->mc, msn = g->ms;
    for (uint32_t i = 0; i < n; i++) {
        const float t = (float)(i + 1) * inv;
        const float level = (l0 + (l1 - l0) * t) * (r0 + (r1 - r0) * t);
        const float depth = d0 + (d1 - d0) * t;
        /* Modulation envelope runs 1 -> 0 -> 1 (a pulsing tone); depth 0 leaves a steady tone. */
        const float env = 1.0f - depth * 0.5f * (1.0f - mc);
        buf[i] = s * level * env;
        const float c2 = c * g->rc - s * g->rs;
        s = c * g->rs + s * g->rc;
        c = c2;
        const float mc2 = mc * g->mrc - msn * g->mrs;
        msn = mc * g->mrs + msn * g->mrc;
        mc = mc2;
    }
    /* Renormalise the phasors once a block (first-order, no sqrt) so rounding never grows them. */
    float k = 1.5f - 0.5f * (c * c + s * s);
    g->c = c * k;
    g->s = s * k;
    k = 1.5f - 0.5f * (mc * mc + msn * msn);
    g->mc = mc * k;
    g->ms = msn * k;
    return 1;
}

/* ---- the block ------------------------------------------------------------------------------ */

void mixcore_process(mixcore_t *core, const float *const *in, float *const *out, uint32_t n) {
    const fpmode_t fpmode = fp_flush_begin();
    drain_commands(core);
    const uint64_t cycle = atomic_load_explicit(&core->cycles, memory_order_relaxed) + 1;

    if (n == 0 || n > core->max_frames) {
        for (uint32_t o = 0; o < core->n_outputs; o++) memset(out[o], 0, (size_t)n * sizeof(float));
        atomic_fetch_add_explicit(&core->overruns, 1, memory_order_relaxed);
        atomic_store_explicit(&core->cycles, cycle, memory_order_release);
        fp_flush_end(fpmode);
        return;
    }

    const uint32_t stride = core->max_frames;
    const uint32_t n_in = core->n_inputs;
    float g0, g1;

    /* 1. generators */
    uint32_t live_mask = 0; /* at most 32 generators */
    for (uint32_t k = 0; k < core->n_gens; k++) {
        if (render_gen(core, &core->gens[k], core->gen_buf + (size_t)k * stride, n)) live_mask |= 1u << k;
    }

    /* 2. channel strips: input (+ generators) -> trim -> mute -> pre; pre -> fader -> post */
    for (uint32_t c = 0; c < n_in; c++) {
        float *pre = core->pre + (size_t)c * stride;
        const float *src = in[c];
        for (uint32_t k = 0; k < core->n_gens; k++) {
            if (!(live_mask & (1u << k)) || core->gens[k].target != (int32_t)c) continue;
            const float *gb = core->gen_buf + (size_t)k * stride;
            if (src != pre) {
                sum_copy(pre, src, gb, n);
                src = pre;
            } else {
                add_into(pre, gb, n);
            }
        }
        ramp_block(&core->trim[c], n, &g0, &g1);
        if (src == pre) gain_inplace(pre, g0, g1, n);
        else gain_copy(pre, src, g0, g1, n);
        meter_block(core, c, pre, n);

        /* Mute comes after the input meter (a muted mic still shows it is live) and before every
         * send, so a muted channel feeds no wedge, pre-fader or not. */
        ramp_block(&core->mute[c], n, &g0, &g1);
        const int muted = g0 == 0.0f && g1 == 0.0f;
        core->pre_silent[c] = (uint8_t)muted;
        if (!muted) gain_inplace(pre, g0, g1, n);

        ramp_block(&core->fader[c], n, &g0, &g1);
        if (muted || (g0 == 0.0f && g1 == 0.0f)) {
            core->post_silent[c] = 1;
        } else {
            float *post = core->post + (size_t)c * stride;
            gain_copy(post, pre, g0, g1, n);
            core->post_silent[c] = 0;
            meter_block(core, n_in + c, post, n);
        }
    }

    /* 3. main L/R from post-fader signals */
    float *main_l = out[0], *main_r = out[1];
    memset(main_l, 0, (size_t)n * sizeof(float));
    memset(main_r, 0, (size_t)n * sizeof(float));
    send_batch_t left = {.count = 0}, right = {.count = 0};
    for (uint32_t c = 0; c < n_in; c++) {
        const float *post = core->post + (size_t)c * stride;
        ramp_block(&core->main_l[c], n, &g0, &g1);
        if (!core->post_silent[c] && (g0 != 0.0f || g1 != 0.0f)) batch_send(&left, main_l, post, g0, g1, n);
        ramp_block(&core->main_r[c], n, &g0, &g1);
        if (!core->post_silent[c] && (g0 != 0.0f || g1 != 0.0f)) batch_send(&right, main_r, post, g0, g1, n);
    }
    batch_flush(&left, main_l, n);
    batch_flush(&right, main_r, n);

    /* 4. bus channels: the send matrix, one row per bus channel */
    for (uint32_t o = 0; o < core->n_bus_channels; o++) {
        float *dst = out[2 + o];
        memset(dst, 0, (size_t)n * sizeof(float));
        mix_ramp_t *row_pre = core->send_pre + (size_t)o * n_in;
        mix_ramp_t *row_post = core->send_post + (size_t)o * n_in;
        send_batch_t batch = {.count = 0};
        for (uint32_t c = 0; c < n_in; c++) {
            if (!ramp_is_zero(&row_pre[c])) {
                ramp_block(&row_pre[c], n, &g0, &g1);
                if (!core->pre_silent[c]) batch_send(&batch, dst, core->pre + (size_t)c * stride, g0, g1, n);
            }
            if (!ramp_is_zero(&row_post[c])) {
                ramp_block(&row_post[c], n, &g0, &g1);
                if (!core->post_silent[c]) batch_send(&batch, dst, core->post + (size_t)c * stride, g0, g1, n);
            }
        }
        batch_flush(&batch, dst, n);
    }

    /* 5. output masters and output meters */
    for (uint32_t o = 0; o < core->n_outputs; o++) {
        ramp_block(&core->out_gain[o], n, &g0, &g1);
        gain_inplace(out[o], g0, g1, n);
        meter_block(core, 2 * n_in + o, out[o], n);
    }

    core->acc_frames += n;
    if (core->acc_frames >= core->meter_interval) publish_meters(core, cycle);
    atomic_fetch_add_explicit(&core->frames, n, memory_order_relaxed);
    atomic_store_explicit(&core->cycles, cycle, memory_order_release);
    fp_flush_end(fpmode);
}

/* ---- construction (control side) ------------------------------------------------------------ */

static void *alloc_zeroed(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) bytes = ALIGN;
    bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    if (posix_memalign(&p, ALIGN, bytes) != 0) return NULL;
    memset(p, 0, bytes);
    return p;
}

static void ramps_init(mix_ramp_t *r, size_t count, float value) {
    for (size_t i = 0; i < count; i++) r[i].cur = r[i].target = value;
}

void mixcore_free(mixcore_t *core) {
    if (!core) return;
    void *blocks[] = {core->trim, core->mute, core->fader, core->main_l, core->main_r, core->send_pre,
                      core->send_post, core->out_gain, core->gens, core->pre, core->post,
                      core->gen_buf, core->pre_silent, core->post_silent, core->acc_peak, core->acc_sumsq,
                      core->acc_clips, core->cmds.slots, core->meters.data, core->meters.cycle,
                      core->meters.frames};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) free(blocks[i]);
    free(core);
}

mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const uint32_t *bus_widths, uint32_t n_gens,
                       uint32_t max_frames, uint32_t cmd_capacity, uint32_t meter_slots,
                       uint32_t meter_interval, uint32_t ramp_samples) {
    if (n_gens > 32 || max_frames == 0 || max_frames > 65536 || meter_slots == 0 || meter_interval == 0)
        return NULL;
    if (cmd_capacity < 2 || (cmd_capacity & (cmd_capacity - 1)) != 0) return NULL;
    uint32_t n_bus_ch = 0;
    for (uint32_t b = 0; b < n_buses; b++) {
        if (bus_widths[b] != 1 && bus_widths[b] != 2) return NULL;
        n_bus_ch += bus_widths[b];
    }
    mixcore_t *core = alloc_zeroed(sizeof *core);
    if (!core) return NULL;
    core->n_inputs = n_inputs;
    core->n_buses = n_buses;
    core->n_bus_channels = n_bus_ch;
    core->n_outputs = 2 + n_bus_ch;
    core->n_gens = n_gens;
    core->n_meters = 2 * n_inputs + core->n_outputs;
    core->max_frames = (max_frames + 15u) & ~15u;
    core->ramp_samples = ramp_samples;
    core->meter_interval = meter_interval;

    const size_t ni = n_inputs, nm = core->n_meters, sends = (size_t)n_bus_ch * n_inputs;
    core->trim = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->mute = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->fader = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->main_l = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->main_r = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->send_pre = alloc_zeroed(sends * sizeof(mix_ramp_t));
    core->send_post = alloc_zeroed(sends * sizeof(mix_ramp_t));
    core->out_gain = alloc_zeroed(core->n_outputs * sizeof(mix_ramp_t));
    core->gens = alloc_zeroed(n_gens * sizeof(mix_gen_t));
    core->pre = alloc_zeroed(ni * core->max_frames * sizeof(float));
    core->post = alloc_zeroed(ni * core->max_frames * sizeof(float));
    core->gen_buf = alloc_zeroed((size_t)n_gens * core->max_frames * sizeof(float));
    core->pre_silent = alloc_zeroed(ni);
    core->post_silent = alloc_zeroed(ni);
    core->acc_peak = alloc_zeroed(nm * sizeof(float));
    core->acc_sumsq = alloc_zeroed(nm * sizeof(double));
    core->acc_clips = alloc_zeroed(nm * sizeof(uint32_t));
    core->cmds.slots = alloc_zeroed(cmd_capacity * sizeof(mix_cmd_t));
    core->cmds.mask = cmd_capacity - 1;
    core->meters.n_slots = meter_slots;
    core->meters.data = alloc_zeroed((size_t)meter_slots * 3 * nm * sizeof(float));
    core->meters.cycle = alloc_zeroed(meter_slots * sizeof(uint64_t));
    core->meters.frames = alloc_zeroed(meter_slots * sizeof(uint32_t));
    if (!core->trim || !core->mute || !core->fader || !core->main_l || !core->main_r || !core->send_pre ||
        !core->send_post || !core->out_gain || !core->gens || !core->pre || !core->post ||
        !core->gen_buf || !core->pre_silent || !core->post_silent || !core->acc_peak || !core->acc_sumsq ||
        !core->acc_clips || !core->cmds.slots || !core->meters.data || !core->meters.cycle ||
        !core->meters.frames) {
        mixcore_free(core);
        return NULL;
    }
    /* Until the control side loads a state: unity trim and masters, everything else closed. */
    ramps_init(core->trim, ni, 1.0f);
    ramps_init(core->mute, ni, 1.0f);
    ramps_init(core->out_gain, core->n_outputs, 1.0f);
    for (uint32_t k = 0; k < n_gens; k++) {
        mix_gen_t *g = &core->gens[k];
        g->c = 1.0f;  /* phasor starts at phase 0: s = sin(0) */
        g->rc = 1.0f;
        g->mc = 1.0f;
        g->mrc = 1.0f;
        g->target = g->next_target = -1;
        g->route.cur = g->route.target = 1.0f;
    }
    atomic_init(&core->cmds.head, 0);
    atomic_init(&core->cmds.tail, 0);
    atomic_init(&core->meters.head, 0);
    atomic_init(&core->meters.tail, 0);
    return core;
}
