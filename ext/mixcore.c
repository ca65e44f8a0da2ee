/* mixcore: realtime mixing core. See mixcore.h for the signal flow and the threading contract. */

/* posix_memalign is POSIX, not C11: under -std=c11 <stdlib.h> declares it only when asked. Without
 * this it arrived on x86 by accident (through <xmmintrin.h>); on ARM it was undeclared, which gcc 14
 * (Debian 13, Raspberry Pi OS trixie) rejects. Must come before any system header. */
#define _POSIX_C_SOURCE 200112L

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
#elif defined(__arm__) && defined(__ARM_FP)
/* 32-bit ARM with a hardware FPU (armhf: Raspberry Pi OS 32-bit, armv6 VFPv2 up to armv7 VFPv3/v4):
 * FPSCR's FZ bit flushes subnormal inputs and results to zero. It matters most here: VFP hands
 * subnormals to slow support code, so a decaying tail could cost the callback its budget. */
typedef uint32_t fpmode_t;
static inline fpmode_t fp_flush_begin(void) {
    uint32_t old;
    __asm__ __volatile__("vmrs %0, fpscr" : "=r"(old));
    __asm__ __volatile__("vmsr fpscr, %0" : : "r"(old | (1u << 24))); /* FZ */
    return old;
}
static inline void fp_flush_end(fpmode_t old) { __asm__ __volatile__("vmsr fpscr, %0" : : "r"(old)); }
#else
/* No known flush control (soft-float ARM, other machines): the kernels keep their own states out
 * of the subnormal range (see dsp_*.c), only the mix itself is unguarded. */
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
    const uint32_t nm = core->n_meters;
    float peak = core->acc[MIX_MF_PEAK * nm + m];
    double sum = 0.0;
    uint32_t clips = 0;
    for (uint32_t j = 0; j < METER_LANES; j++) {
        peak = pk[j] > peak ? pk[j] : peak;
        sum += ss[j];
        clips += cl[j];
    }
    core->acc[MIX_MF_PEAK * nm + m] = peak;
    core->acc_ms[m] += sum;
    core->acc[MIX_MF_CLIPS * nm + m] += (float)clips;
}

/* An output meter also measures loudness (K-weighted power) and true peak. */
static void meter_output(mixcore_t *core, mix_bus_t *bus, uint32_t side, const float *x, uint32_t n) {
    const uint32_t m = bus->first_meter + side, nm = core->n_meters;
    meter_block(core, m, x, n);
    core->acc_kms[m] += mix_kweight_run(&bus->kw[side], x, n);
    const float tp = mix_truepeak_run(&bus->tp[side], core->tp_taps, x, n);
    if (tp > core->acc[MIX_MF_TP * nm + m]) core->acc[MIX_MF_TP * nm + m] = tp;
}

static inline void meter_gr(mixcore_t *core, uint32_t index, float gr_db) {
    if (gr_db > core->acc_gr[index]) core->acc_gr[index] = gr_db;
}

/* ---- rings ---------------------------------------------------------------------------------- */

int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, const double *v, uint32_t n_values) {
    mix_cmd_ring_t *r = &core->cmds;
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    const uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail > r->mask) return 0;
    mix_cmd_t *slot = &r->slots[head & r->mask];
    slot->op = (uint16_t)(op & 0xffu);
    slot->flags = (uint16_t)(op & MIX_OP_IMMEDIATE);
    slot->index = index;
    for (uint32_t i = 0; i < MIX_CMD_VALUES; i++) slot->v[i] = i < n_values ? v[i] : 0.0;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return 1;
}

static mix_ramp_t *ramp_target(mixcore_t *core, uint32_t op, int32_t index) {
    if (index < 0) return NULL;
    const uint32_t i = (uint32_t)index, ni = core->n_inputs;
    switch (op) {
    case MIX_OP_TRIM: return i < ni ? &core->trim[i] : NULL;
    case MIX_OP_FADER: return i < ni ? &core->fader[i] : NULL;
    case MIX_OP_MUTE: return i < ni ? &core->mute[i] : NULL;
    case MIX_OP_MAIN_L: return i < ni ? &core->main_l[i] : NULL;
    case MIX_OP_MAIN_R: return i < ni ? &core->main_r[i] : NULL;
    case MIX_OP_SEND_PRE: return i < core->n_rows * ni ? &core->send_pre[i] : NULL;
    case MIX_OP_SEND_POST: return i < core->n_rows * ni ? &core->send_post[i] : NULL;
    case MIX_OP_OUT_GAIN: return i < core->n_masters ? &core->master[i] : NULL;
    case MIX_OP_RETURN: return i < mix_return_row(core->n_buses, core->n_buses) ? &core->returns[i] : NULL;
    case MIX_OP_GEN_LEVEL: return i < core->n_gens ? &core->gens[i].level : NULL;
    case MIX_OP_SOLO_PFL: return i < ni ? &core->solo_pfl[i] : NULL;
    case MIX_OP_SOLO_AFL_L: return i < ni ? &core->solo_afl_l[i] : NULL;
    case MIX_OP_SOLO_AFL_R: return i < ni ? &core->solo_afl_r[i] : NULL;
    case MIX_OP_SOLO_SRC: return i <= mix_main_bus(core->n_buses) ? &core->solo_src[i] : NULL;
    case MIX_OP_GROUP_MAIN: return i < core->n_buses ? &core->group_main[i] : NULL;
    case MIX_OP_PLAY_SOURCE: return i < ni ? &core->play_source[i] : NULL;
    case MIX_OP_PLAY_LEVEL: return i == 0 ? &core->play_level : NULL;
    case MIX_OP_INSERT: {
        /* The inverse of mix_channel_insert_slot / mix_bus_insert_slot. */
        const uint32_t first_bus = mix_bus_insert_slot(ni, 0, 0);
        const uint32_t main = mix_bus_insert_slot(ni, mix_main_bus(core->n_buses), 0);
        if (i < first_bus) return &core->strips[i / MIX_CH_INSERTS].ins[i % MIX_CH_INSERTS];
        if (i < main) return &core->buses[(i - first_bus) / MIX_BUS_INSERTS].ins[(i - first_bus) % MIX_BUS_INSERTS];
        if (i - main < MIX_BUS_INSERTS) return &core->main.ins[i - main];
        return NULL;
    }
    default: return NULL;
    }
}

/* Filter slots (the inverse of mix_channel_filter_slot / mix_bus_filter_slot). A bus band sets both sides. */
static void set_filter(mixcore_t *core, uint32_t slot, const mix_bq_coefs_t *c, uint32_t len, int immediate) {
    const uint32_t ni = core->n_inputs;
    const uint32_t first_bus = mix_bus_filter_slot(ni, 0, 0);
    const uint32_t main = mix_bus_filter_slot(ni, mix_main_bus(core->n_buses), 0);
    if (slot < first_bus) {
        mix_biquad_set(&core->strips[slot / MIX_CH_FILTERS].filters[slot % MIX_CH_FILTERS], c, len, immediate);
        return;
    }
    mix_bus_t *bus = NULL;
    if (slot < main) bus = &core->buses[(slot - first_bus) / MIX_BUS_FILTERS];
    else if (slot - main < MIX_BUS_FILTERS) bus = &core->main;
    if (!bus) return;
    const uint32_t band = (slot - first_bus) % MIX_BUS_FILTERS;
    for (uint32_t side = 0; side < 2; side++) mix_biquad_set(&bus->filters[side][band], c, len, immediate);
}

/* Bus i, or the main for i == mix_main_bus(n_buses); NULL beyond. */
static mix_bus_t *bus_or_main(mixcore_t *core, uint32_t i) {
    if (i < core->n_buses) return &core->buses[i];
    return i == mix_main_bus(core->n_buses) ? &core->main : NULL;
}

static void apply_cmd(mixcore_t *core, const mix_cmd_t *cmd) {
    const uint32_t op = cmd->op;
    const int immediate = (cmd->flags & MIX_OP_IMMEDIATE) != 0;
    const double *v = cmd->v;
    mix_ramp_t *r = ramp_target(core, op, cmd->index);
    if (r) {
        ramp_set(r, (float)v[0], core->ramp_samples, immediate);
        return;
    }
    if (op == MIX_OP_RAMP) {
        if (v[0] >= 0.0 && v[0] < 1e7) core->ramp_samples = (uint32_t)v[0];
        return;
    }
    if (op == MIX_OP_METER_INTERVAL) {
        if (v[0] >= 1.0 && v[0] < 1e7) core->meter_interval = (uint32_t)v[0];
        return;
    }
    if (cmd->index < 0) return;
    const uint32_t i = (uint32_t)cmd->index;
    switch (op) {
    case MIX_OP_BIQUAD: {
        const mix_bq_coefs_t c = {v[0], v[1], v[2], v[3], v[4]};
        set_filter(core, i, &c, core->ramp_samples, immediate);
        return;
    }
    case MIX_OP_GEQ: {
        /* The inverse of mix_geq_slot; a band sets both sides. */
        mix_bus_t *bus = bus_or_main(core, i / MIX_GEQ_BANDS);
        if (!bus || !bus->geq) return;
        const mix_bq_coefs_t c = {v[0], v[1], v[2], v[3], v[4]};
        for (uint32_t side = 0; side < 2; side++)
            mix_biquad_set(&bus->geq[side * MIX_GEQ_BANDS + i % MIX_GEQ_BANDS], &c, core->ramp_samples, immediate);
        bus->geq_live |= 1u << (i % MIX_GEQ_BANDS);
        return;
    }
    case MIX_OP_OUT_DELAY: {
        mix_bus_t *bus = bus_or_main(core, i);
        if (!bus || !bus->delay_out || !(v[0] >= 0.0 && v[0] < 1e7)) return;  /* also refuses NaN */
        mix_outdelay_set(bus->delay_out, (uint32_t)(v[0] + 0.5), core->ramp_samples, immediate);
        return;
    }
    case MIX_OP_GATE:
        if (i < core->n_inputs) {
            const mix_gate_params_t p = {(float)v[0], (float)v[1], (float)v[2], (float)v[3], (float)v[4]};
            mix_gate_set(&core->strips[i].gate, &p);
        }
        return;
    case MIX_OP_COMP:
        if (i < core->n_inputs) {
            const mix_comp_params_t p = {(float)v[0], (float)v[1], (float)v[2], (float)v[3], (float)v[4], (float)v[5]};
            mix_comp_set(&core->strips[i].comp, &p);
        }
        return;
    case MIX_OP_LIMITER:
        if (i <= mix_main_bus(core->n_buses)) {
            const mix_limiter_params_t p = {(float)v[0], (float)v[1]};
            mix_limiter_set(i == mix_main_bus(core->n_buses) ? &core->main.limiter : &core->buses[i].limiter, &p);
        }
        return;
    case MIX_OP_ORDER:
        if (i < core->n_inputs && (v[0] == MIX_ORDER_EQ_DYN || v[0] == MIX_ORDER_DYN_EQ)) {
            mix_strip_t *s = &core->strips[i];
            s->next_order = (uint32_t)v[0];
            if (immediate) s->order = s->next_order;
        }
        return;
    case MIX_OP_FX_KIND:
        if (i < core->n_buses && core->buses[i].kind == MIX_BUS_FX && (v[0] == MIX_FX_REVERB || v[0] == MIX_FX_DELAY)) {
            mix_bus_t *b = &core->buses[i];
            b->next_fx_kind = (uint32_t)v[0];
            if (immediate) b->fx_kind = b->next_fx_kind;
        }
        return;
    case MIX_OP_REVERB:
        if (i < core->n_buses && core->buses[i].reverb) {
            const mix_reverb_params_t p = {(float)v[0], (float)v[1], (float)v[2], (float)v[3]};
            mix_reverb_set(core->buses[i].reverb, &p);
        }
        return;
    case MIX_OP_DELAY:
        if (i < core->n_buses && core->buses[i].delay) {
            const mix_delay_params_t p = {(float)v[0], (float)v[1], (float)v[2], (float)v[3]};
            mix_delay_set(core->buses[i].delay, &p);
        }
        return;
    default:
        break;
    }
    if (i >= core->n_gens) return;
    mix_gen_t *g = &core->gens[i];
    switch (op) {
    case MIX_OP_GEN_FREQ:
        /* Only the rotation changes: the phase runs on, so a new frequency never clicks. */
        g->rc = (float)v[0];
        g->rs = (float)v[1];
        break;
    case MIX_OP_GEN_MOD:
        if (v[0] == 1.0 && v[1] == 0.0) {
            ramp_set(&g->depth, 0.0f, core->ramp_samples, immediate);
        } else {
            g->mrc = (float)v[0];
            g->mrs = (float)v[1];
            ramp_set(&g->depth, 1.0f, core->ramp_samples, immediate);
        }
        break;
    case MIX_OP_GEN_KIND:
        if (v[0] == MIX_GEN_SINE || v[0] == MIX_GEN_PINK || v[0] == MIX_GEN_WHITE) g->kind = (uint32_t)v[0];
        break;
    case MIX_OP_GEN_TARGET: {
        int32_t t = -1;
        const int32_t k = (int32_t)v[1];
        if (v[0] == MIX_TARGET_CHANNEL && k >= 0 && k < (int32_t)core->n_inputs) t = k;
        else if (v[0] == MIX_TARGET_BUS && k >= 0 && k < (int32_t)core->n_buses) t = -(k + 2);
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

uint32_t mixcore_frame_floats(const mixcore_t *core) { return MIX_MF_FIELDS * core->n_meters + core->n_gr; }

static void publish_meters(mixcore_t *core, uint64_t cycle) {
    mix_meter_ring_t *r = &core->meters;
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    const uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head - tail >= r->n_slots) {
        /* Reader behind: keep accumulating so the next published frame still holds every peak. */
        atomic_fetch_add_explicit(&core->meter_drops, 1, memory_order_relaxed);
        return;
    }
    const uint32_t nm = core->n_meters, stride = mixcore_frame_floats(core);
    const uint32_t slot = head % r->n_slots;
    float *dst = r->data + (size_t)slot * stride;
    const double inv = 1.0 / (double)core->acc_frames;
    for (uint32_t m = 0; m < nm; m++) {
        core->acc[MIX_MF_MS * nm + m] = (float)(core->acc_ms[m] * inv);
        core->acc[MIX_MF_KMS * nm + m] = (float)(core->acc_kms[m] * inv);
        core->acc_ms[m] = core->acc_kms[m] = 0.0;
    }
    memcpy(dst, core->acc, (size_t)MIX_MF_FIELDS * nm * sizeof(float));
    memcpy(dst + MIX_MF_FIELDS * nm, core->acc_gr, core->n_gr * sizeof(float));
    memset(core->acc, 0, (size_t)MIX_MF_FIELDS * nm * sizeof(float));
    memset(core->acc_gr, 0, core->n_gr * sizeof(float));
    r->frames[slot] = core->acc_frames;
    r->cycle[slot] = cycle;
    core->acc_frames = 0;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *data, uint32_t *frames, uint64_t *cycle) {
    mix_meter_ring_t *r = &core->meters;
    uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    const uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    const uint32_t stride = mixcore_frame_floats(core);
    uint32_t got = 0;
    while (tail != head && got < max) {
        const uint32_t slot = tail % r->n_slots;
        memcpy(data + (size_t)got * stride, r->data + (size_t)slot * stride, stride * sizeof(float));
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

static inline uint32_t xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Uniform in [-1, 1). */
static inline float white_sample(uint32_t *state) { return (float)(int32_t)xorshift32(state) * (1.0f / 2147483648.0f); }

/* Noise levels are RMS: uniform white noise has an RMS of 1/sqrt(3); the pink filter's output RMS
 * for that input was measured once (see tests) and is divided out the same way. */
#define WHITE_RMS_SCALE 1.7320508f
#define PINK_RMS_SCALE 0.56702f

/* Render generator g into buf; returns 1 if it produced signal for a target this block. */
static int render_gen(mixcore_t *core, mix_gen_t *g, float *restrict buf, uint32_t n) {
    if (g->next_target != g->target) {
        /* Re-routing: fade out on the old target, switch, fade in on the new one. */
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
    if (g->target == -1 || (l0 == 0.0f && l1 == 0.0f) || (r0 == 0.0f && r1 == 0.0f)) return 0;

    const float inv = 1.0f / (float)n;
    float c = g->c, s = g->s, mc = g->mc, msn = g->ms;
    float *p = g->pink;
    for (uint32_t i = 0; i < n; i++) {
        const float t = (float)(i + 1) * inv;
        const float level = (l0 + (l1 - l0) * t) * (r0 + (r1 - r0) * t);
        const float depth = d0 + (d1 - d0) * t;
        /* Modulation envelope runs 1 -> 0 -> 1 (a pulsing tone); depth 0 leaves a steady one. */
        const float env = 1.0f - depth * 0.5f * (1.0f - mc);
        float x;
        if (g->kind == MIX_GEN_SINE) {
            x = s;
            const float c2 = c * g->rc - s * g->rs;
            s = c * g->rs + s * g->rc;
            c = c2;
        } else {
            const float w = white_sample(&g->noise);
            if (g->kind == MIX_GEN_WHITE) {
                x = w * WHITE_RMS_SCALE;
            } else {
                /* Paul Kellet's refined pink filter: -3 dB/octave within 0.05 dB above 9 Hz. */
                p[0] = 0.99886f * p[0] + w * 0.0555179f;
                p[1] = 0.99332f * p[1] + w * 0.0750759f;
                p[2] = 0.96900f * p[2] + w * 0.1538520f;
                p[3] = 0.86650f * p[3] + w * 0.3104856f;
                p[4] = 0.55000f * p[4] + w * 0.5329522f;
                p[5] = -0.7616f * p[5] - w * 0.0168980f;
                x = (p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + w * 0.5362f) * PINK_RMS_SCALE;
                p[6] = w * 0.115926f;
            }
        }
        buf[i] = x * level * env;
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

/* ---- inserts -------------------------------------------------------------------------------- */

/* Crossfade bookkeeping around one insert: 0 skip (bypassed), 1 run fully, 2 run and crossfade with
 * the dry signal kept in scratch. An insert coming back from bypass starts from a clean state
 * (`*restart` set) so no stale filter or envelope state is heard. */
static int insert_begin(mix_ramp_t *r, uint32_t n, float *g0, float *g1, int *restart) {
    *restart = r->cur == 0.0f && r->remaining > 0;
    ramp_block(r, n, g0, g1);
    if (*g0 == 0.0f && *g1 == 0.0f) return 0;
    return (*g0 == 1.0f && *g1 == 1.0f) ? 1 : 2;
}

static void insert_blend(float *restrict x, const float *restrict dry, float g0, float g1, uint32_t n) {
    const float d = (g1 - g0) / (float)n;
    for (uint32_t i = 0; i < n; i++) {
        const float g = g0 + d * (float)(i + 1);
        x[i] = dry[i] + g * (x[i] - dry[i]);
    }
}

static void run_filters(mix_biquad_t *f, uint32_t count, float *x, uint32_t n, int restart) {
    for (uint32_t k = 0; restart && k < count; k++) mix_biquad_reset(&f[k]);
    mix_biquad_run_chain(f, count, x, n);
}

enum { UNIT_FILTERS, UNIT_GATE, UNIT_COMP };

/* ---- the tap rings (audio thread; their other side is in mixrec.c) --------------------------------
 * The recorder's take and the analysis ring, alike: at the start of a block each attached ring either takes the
 * block whole or drops it; the channel taps are copied where the channel's meters read (tap_channel), the bus
 * and solo taps at the block's end (taps_end), then the block is published to the ring's reader. */

/* Does this block go into `rec`? Only whole: when the reader has not made room, the block is dropped (counted;
 * a gap published before the next block written, so a reader keeps its timeline). */
static void ring_begin(mixcore_t *core, mix_rec_t *rec, uint32_t n) {
    if (!atomic_load_explicit(&rec->started, memory_order_relaxed)) {
        rec->start_frame = core->block_frame;
        atomic_store_explicit(&rec->started, 1, memory_order_release);
    }
    const uint64_t head = atomic_load_explicit(&rec->head, memory_order_relaxed);
    const uint64_t tail = atomic_load_explicit(&rec->tail, memory_order_acquire);  /* the reader is done there */
    int room = rec->capacity - (head - tail) >= n;
    if (room && rec->pending) {
        const uint32_t gap = atomic_load_explicit(&rec->gap_head, memory_order_relaxed);
        if (gap - atomic_load_explicit(&rec->gap_tail, memory_order_acquire) < MIX_REC_GAPS) {
            rec->gaps[gap % MIX_REC_GAPS] = (mix_rec_gap_t){.at = head, .frames = rec->pending};
            atomic_store_explicit(&rec->gap_head, gap + 1, memory_order_release);
            rec->pending = 0;
        } else {
            room = 0;  /* no room to say where the gap is: keep dropping until there is */
        }
    }
    rec->writing = (uint32_t)room;
    if (!room) {
        rec->pending += n;
        atomic_fetch_add_explicit(&rec->lost, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&rec->drops, 1, memory_order_relaxed);
    }
}

/* Which rings take this block (core->taking; at most MIX_RINGS). */
static void taps_begin(mixcore_t *core, uint32_t n) {
    core->n_taking = 0;
    for (uint32_t r = 0; r < MIX_RINGS; r++) {
        mix_rec_t *rec = core->rings_now[r];
        core->taking[r] = NULL;
        if (!rec) continue;
        ring_begin(core, rec, n);
        if (rec->writing) {
            core->taking[r] = rec;
            core->n_taking++;
        }
    }
}

/* Track `track`'s frames of this block (at the ring's head, wrapping at its end); x NULL: silence. */
static inline void rec_put(mix_rec_t *rec, int32_t track, const float *x, uint32_t n) {
    const uint32_t at = (uint32_t)(atomic_load_explicit(&rec->head, memory_order_relaxed) & (rec->capacity - 1));
    const uint32_t first = n < rec->capacity - at ? n : rec->capacity - at;
    float *dst = rec->data + (size_t)track * rec->capacity;
    if (x) {
        memcpy(dst + at, x, first * sizeof(float));
        memcpy(dst, x + first, (n - first) * sizeof(float));
    } else {
        memset(dst + at, 0, first * sizeof(float));
        memset(dst, 0, (n - first) * sizeof(float));
    }
}

/* Channel c's block at channel tap point `kind` (x NULL: silence), into every ring taking the block that taps
 * it there. Nothing attached: one test. */
static inline void tap_channel(mixcore_t *core, uint32_t kind, uint32_t c, const float *x, uint32_t n) {
    if (!core->n_taking) return;
    for (uint32_t r = 0; r < MIX_RINGS; r++) {
        mix_rec_t *rec = core->taking[r];
        if (!rec) continue;
        const int32_t track = rec->chan_tap[(size_t)kind * core->n_inputs + c];
        if (track >= 0) rec_put(rec, track, x, n);
    }
}

/* The buses', the main's and the solo's taps, as they leave; then the block is the reader's (release: the
 * data before the head that says it is there). */
static void taps_end(mixcore_t *core, float *const *out, uint32_t n) {
    for (uint32_t r = 0; core->n_taking && r < MIX_RINGS; r++) {
        mix_rec_t *rec = core->taking[r];
        if (!rec) continue;
        for (uint32_t t = 0; rec->n_bus_taps && t < rec->n_taps; t++) {
            const mix_tap_t *tap = &rec->taps[t];
            if (tap->kind == MIX_TAP_BUS) {
                const mix_bus_t *bus =
                    tap->index == mix_main_bus(core->n_buses) ? &core->main : &core->buses[tap->index];
                rec_put(rec, (int32_t)t, bus->buf[tap->side], n);
            } else if (tap->kind == MIX_TAP_SOLO) {
                rec_put(rec, (int32_t)t, out[core->solo.first_port + tap->side], n);  /* after the solo level */
            }
        }
        const uint64_t head = atomic_load_explicit(&rec->head, memory_order_relaxed);
        atomic_store_explicit(&rec->head, head + n, memory_order_release);
    }
}

/* One channel insert (HPF or EQ: a run of filters; or the gate or the compressor) with its bypass. */
static void channel_insert(mixcore_t *core, uint32_t c, uint32_t which, float *x, uint32_t n) {
    mix_strip_t *s = &core->strips[c];
    float g0, g1;
    int restart;
    const int mode = insert_begin(&s->ins[which], n, &g0, &g1, &restart);
    if (mode == 0) return;
    if (mode == 2) memcpy(core->scratch, x, n * sizeof(float));
    switch (which) {
    case MIX_INS_HPF: run_filters(&s->filters[0], MIX_CH_HPF_SECTIONS, x, n, restart); break;
    case MIX_INS_EQ: run_filters(&s->filters[MIX_CH_EQ_FIRST], MIX_EQ_BANDS, x, n, restart); break;
    case MIX_INS_GATE:
        if (restart) mix_gate_init(&s->gate);  /* keeps nothing but state; params are re-set below */
        meter_gr(core, mix_gr_index(core->n_inputs, MIX_GR_GATE, c), mix_gate_run(&s->gate, x, n));
        break;
    case MIX_INS_COMP:
        if (restart) s->comp.gr_db = 0.0f;
        meter_gr(core, mix_gr_index(core->n_inputs, MIX_GR_COMP, c), mix_comp_run(&s->comp, x, n));
        break;
    default: break;
    }
    if (mode == 2) insert_blend(x, core->scratch, g0, g1, n);
}

static void run_strip_inserts(mixcore_t *core, uint32_t c, float *x, uint32_t n) {
    mix_strip_t *s = &core->strips[c];
    if (s->next_order != s->order) {
        /* A new insert order: duck the strip, swap while silent, come back. */
        if (s->order_gain.target != 0.0f) ramp_set(&s->order_gain, 0.0f, core->ramp_samples, 0);
        else if (s->order_gain.remaining == 0) {
            s->order = s->next_order;
            ramp_set(&s->order_gain, 1.0f, core->ramp_samples, 0);
        }
    }
    const mix_ramp_t *hpf = &s->ins[MIX_INS_HPF], *eq = &s->ins[MIX_INS_EQ];
    if (s->order == MIX_ORDER_EQ_DYN && hpf->remaining == 0 && hpf->cur == 1.0f && eq->remaining == 0 &&
        eq->cur == 1.0f) {
        /* HPF and EQ both fully in and adjacent: one six-section cascade runs faster than two. */
        mix_biquad_run_chain(s->filters, MIX_CH_FILTERS, x, n);
    } else {
        channel_insert(core, c, MIX_INS_HPF, x, n);
        if (s->order == MIX_ORDER_EQ_DYN) channel_insert(core, c, MIX_INS_EQ, x, n);
    }
    /* [meter insert1]: between the two insert blocks, so the trace can tell which one clips. */
    const uint32_t between = mix_channel_meter(core->n_inputs, MIX_MS_INSERT1, c);
    if (s->order == MIX_ORDER_EQ_DYN) {
        meter_block(core, between, x, n);
        tap_channel(core, MIX_TAP_INSERT1, c, x, n);
    }
    channel_insert(core, c, MIX_INS_GATE, x, n);
    channel_insert(core, c, MIX_INS_COMP, x, n);
    if (s->order == MIX_ORDER_DYN_EQ) {
        meter_block(core, between, x, n);
        tap_channel(core, MIX_TAP_INSERT1, c, x, n);
        channel_insert(core, c, MIX_INS_EQ, x, n);
    }
    float g0, g1;
    ramp_block(&s->order_gain, n, &g0, &g1);
    gain_inplace(x, g0, g1, n);
}

/* A bus or the main after its sum: EQ, graphic EQ (aux buses and the main), master gain per side (fader,
 * mute, balance), limiter. */
static void run_bus_chain(mixcore_t *core, mix_bus_t *bus, uint32_t gr_index, uint32_t n) {
    float g0, g1;
    int restart;
    int mode = insert_begin(&bus->ins[MIX_INS_BUS_EQ], n, &g0, &g1, &restart);
    for (uint32_t side = 0; mode && side < bus->width; side++) {
        float *dry = core->scratch + (size_t)side * core->max_frames;
        if (mode == 2) memcpy(dry, bus->buf[side], n * sizeof(float));
        run_filters(bus->filters[side], MIX_BUS_FILTERS, bus->buf[side], n, restart);
        if (mode == 2) insert_blend(bus->buf[side], dry, g0, g1, n);
    }
    mode = bus->geq ? insert_begin(&bus->ins[MIX_INS_GEQ], n, &g0, &g1, &restart) : 0;
    uint32_t live = 0;
    for (uint32_t side = 0; mode && side < bus->width; side++) {
        float *dry = core->scratch + (size_t)side * core->max_frames;
        mix_biquad_t *bands = bus->geq + (size_t)side * MIX_GEQ_BANDS;
        if (mode == 2) memcpy(dry, bus->buf[side], n * sizeof(float));
        for (uint32_t k = 0; restart && k < MIX_GEQ_BANDS; k++) mix_biquad_reset(&bands[k]);
        /* Only the bands in use run (a flat band is the identity section, not even looked at): ringing out a
         * wedge with a few cuts costs those few. */
        live |= mix_biquad_run_live(bands, bus->geq_live, bus->buf[side], n);
        if (mode == 2) insert_blend(bus->buf[side], dry, g0, g1, n);
    }
    if (mode) bus->geq_live = live;
    for (uint32_t side = 0; side < bus->width; side++) {
        ramp_block(&core->master[bus->first_master + side], n, &g0, &g1);
        gain_inplace(bus->buf[side], g0, g1, n);
    }
    mode = insert_begin(&bus->ins[MIX_INS_LIMITER], n, &g0, &g1, &restart);
    if (mode) {
        if (restart) bus->limiter.gain = 1.0f;
        for (uint32_t side = 0; mode == 2 && side < bus->width; side++)
            memcpy(core->scratch + (size_t)side * core->max_frames, bus->buf[side], n * sizeof(float));
        meter_gr(core, gr_index, mix_limiter_run(&bus->limiter, bus->buf, bus->width, n));
        for (uint32_t side = 0; mode == 2 && side < bus->width; side++)
            insert_blend(bus->buf[side], core->scratch + (size_t)side * core->max_frames, g0, g1, n);
    }
}

/* An FX bus: its mono input through the reverb or the delay into its stereo buffers. */
static void run_fx(mixcore_t *core, mix_bus_t *bus, uint32_t n) {
    if (bus->next_fx_kind != bus->fx_kind) {
        if (bus->fx_gain.target != 0.0f) ramp_set(&bus->fx_gain, 0.0f, core->ramp_samples, 0);
        else if (bus->fx_gain.remaining == 0) {
            bus->fx_kind = bus->next_fx_kind;
            if (bus->fx_kind == MIX_FX_REVERB) mix_reverb_reset(bus->reverb);
            else mix_delay_reset(bus->delay);
            ramp_set(&bus->fx_gain, 1.0f, core->ramp_samples, 0);
        }
    }
    memcpy(core->scratch, bus->buf[0], n * sizeof(float));
    if (bus->fx_kind == MIX_FX_REVERB) mix_reverb_run(bus->reverb, core->scratch, bus->buf[0], bus->buf[1], n);
    else mix_delay_run(bus->delay, core->scratch, bus->buf[0], bus->buf[1], n);
    float g0, g1;
    ramp_block(&bus->fx_gain, n, &g0, &g1);
    gain_inplace(bus->buf[0], g0, g1, n);
    gain_inplace(bus->buf[1], g0, g1, n);
}

/* FX bus f's stereo output into the main and every aux bus at their return levels. */
static void run_returns(mixcore_t *core, uint32_t f, uint32_t n) {
    const mix_bus_t *fx = &core->buses[f];
    const uint32_t main = mix_main_bus(core->n_buses);
    float g0, g1;
    for (uint32_t to = 0; to <= main; to++) {
        mix_ramp_t *r = &core->returns[mix_return_index(core->n_buses, f, to)];
        if (ramp_is_zero(r)) continue;
        ramp_block(r, n, &g0, &g1);
        mix_bus_t *dst = to == main ? &core->main : &core->buses[to];
        if (to != main && dst->kind == MIX_BUS_FX) continue;
        if (dst->in_width == 2) {
            gain_acc(dst->buf[0], fx->buf[0], g0, g1, n);
            gain_acc(dst->buf[1], fx->buf[1], g0, g1, n);
        } else {
            /* A mono mix gets the middle of the stereo return. */
            gain_acc(dst->buf[0], fx->buf[0], 0.5f * g0, 0.5f * g1, n);
            gain_acc(dst->buf[0], fx->buf[1], 0.5f * g0, 0.5f * g1, n);
        }
    }
}

/* One source into both sides of the solo bus (mono) or side by side (stereo); skipped while closed. */
static void solo_tap(mixcore_t *core, mix_ramp_t *r, const float *l, const float *rt, uint32_t n) {
    if (ramp_is_zero(r)) return;
    float g0, g1;
    ramp_block(r, n, &g0, &g1);
    gain_acc(core->solo.buf[0], l, g0, g1, n);
    gain_acc(core->solo.buf[1], rt, g0, g1, n);
}

/* ---- the block ------------------------------------------------------------------------------ */

/* ---- the player (audio thread; its ring's other side is in mixrec.c) ------------------------------ */

/* How much of the take played back this block takes: a whole block; after the take's end what is left of it (the
 * rest silent); otherwise nothing — silence, counted as starved once the disk thread has begun writing (before its
 * first frames, and after the end, nothing was due). */
static void play_begin(mixcore_t *core, uint32_t n) {
    mix_play_t *play = core->play_now;
    if (!play) return;
    const uint32_t ended = atomic_load_explicit(&play->ended, memory_order_acquire);  /* before head: all written */
    const uint64_t tail = atomic_load_explicit(&play->tail, memory_order_relaxed);
    const uint64_t head = atomic_load_explicit(&play->head, memory_order_acquire);
    const uint64_t have = head - tail;
    play->playing = have >= n ? n : (ended ? (uint32_t)have : 0);
    if (!play->playing && head > 0 && !ended) atomic_fetch_add_explicit(&play->starved, n, memory_order_relaxed);
}

/* Channel c's block of the take played back, or NULL for silence (no take, no track for it, nothing written). */
static const float *play_track(mixcore_t *core, uint32_t c, uint32_t n) {
    mix_play_t *play = core->play_now;
    if (!play || !play->playing || play->track_of[c] < 0) return NULL;
    const uint32_t at = (uint32_t)(atomic_load_explicit(&play->tail, memory_order_relaxed) & (play->capacity - 1));
    const float *track = play->data + (size_t)play->track_of[c] * play->capacity;
    const uint32_t k = play->playing;  /* n, or the take's last frames */
    if (k == n && n <= play->capacity - at) return track + at;
    /* Made whole in play_buf: it wraps around the ring's end, or the take ends within the block. */
    const uint32_t first = k < play->capacity - at ? k : play->capacity - at;
    memcpy(core->play_buf, track + at, first * sizeof(float));
    memcpy(core->play_buf + first, track, (k - first) * sizeof(float));
    memset(core->play_buf + k, 0, (n - k) * sizeof(float));
    return core->play_buf;
}

static void play_end(mixcore_t *core, uint32_t n) {
    (void)n;
    mix_play_t *play = core->play_now;
    if (!play || !play->playing) return;
    const uint64_t tail = atomic_load_explicit(&play->tail, memory_order_relaxed);
    atomic_store_explicit(&play->tail, tail + play->playing, memory_order_release);
}

/* dst = live * (1 - g) + played * g * level, g and level ramped over the block (played NULL: silence). */
static void play_mix(float *restrict dst, const float *live, const float *played, float g0, float g1, float l0,
                     float l1, uint32_t n) {
    const float inv = 1.0f / (float)n;
    for (uint32_t i = 0; i < n; i++) {
        const float t = (float)i * inv;
        const float g = g0 + (g1 - g0) * t;
        const float l = l0 + (l1 - l0) * t;
        dst[i] = live[i] * (1.0f - g) + (played ? played[i] * g * l : 0.0f);
    }
}

static void process_block(mixcore_t *core, const float *const *in, float *const *out, uint32_t n, uint64_t cycle);

void mixcore_process(mixcore_t *core, const float *const *in, float *const *out, uint32_t n) {
    const fpmode_t fpmode = fp_flush_begin();
    drain_commands(core);
    const uint64_t cycle = atomic_load_explicit(&core->cycles, memory_order_relaxed) + 1;
    /* Busy before looking (seq_cst both): a control side that detached the take and then sees 0 knows this
     * thread either did not get it or is done with it. */
    atomic_store(&core->rec_busy, 1u);
    for (uint32_t r = 0; r < MIX_RINGS; r++) core->rings_now[r] = atomic_load(&core->rings[r]);
    core->play_now = atomic_load(&core->play);
    core->block_frame = atomic_load_explicit(&core->frames, memory_order_relaxed);

    if (n == 0) {
        atomic_fetch_add_explicit(&core->overruns, 1, memory_order_relaxed);
    } else if (n <= core->max_frames) {
        process_block(core, in, out, n, cycle);
    } else {
        /* A period longer than the buffers (PipeWire's quantum goes to 8192 frames, jack_bufsize too): mixed
         * as consecutive shorter blocks, which is what ramps, filters and meters see anyway. At most
         * n / max_frames slices: bounded by the period. */
        const uint32_t n_in = core->n_inputs ? core->n_inputs : 1;
        for (uint32_t done = 0; done < n; done += core->max_frames) {
            const uint32_t slice = n - done < core->max_frames ? n - done : core->max_frames;
            for (uint32_t i = 0; i < n_in; i++) core->in_slice[i] = in[i] + done;
            for (uint32_t o = 0; o < core->n_outputs; o++) core->out_slice[o] = out[o] + done;
            process_block(core, core->in_slice, core->out_slice, slice, cycle);
            core->block_frame += slice;
        }
    }
    for (uint32_t r = 0; r < MIX_RINGS; r++) core->rings_now[r] = core->taking[r] = NULL;
    core->n_taking = 0;
    core->play_now = NULL;
    atomic_store_explicit(&core->rec_busy, 0u, memory_order_release);
    atomic_fetch_add_explicit(&core->frames, n, memory_order_relaxed);
    atomic_store_explicit(&core->cycles, cycle, memory_order_release);
    fp_flush_end(fpmode);
}

/* One block of at most max_frames. */
static void process_block(mixcore_t *core, const float *const *in, float *const *out, uint32_t n, uint64_t cycle) {
    const uint32_t stride = core->max_frames;
    const uint32_t n_in = core->n_inputs;
    float g0, g1;

    /* 1. generators */
    uint32_t live_mask = 0; /* at most 32 generators */
    for (uint32_t k = 0; k < core->n_gens; k++) {
        if (render_gen(core, &core->gens[k], core->gen_buf + (size_t)k * stride, n)) live_mask |= 1u << k;
    }

    mix_bus_t *solo = &core->solo;
    memset(solo->buf[0], 0, (size_t)n * sizeof(float));
    memset(solo->buf[1], 0, (size_t)n * sizeof(float));

    taps_begin(core, n);
    play_begin(core, n);
    float l0, l1;
    ramp_block(&core->play_level, n, &l0, &l1);

    /* 2. channel strips: input (+ generators) -> trim -> inserts -> mute -> pre; pre -> fader -> post */
    for (uint32_t c = 0; c < n_in; c++) {
        float *pre = core->pre + (size_t)c * stride;
        const float *src = in[c];
        tap_channel(core, MIX_TAP_RAW, c, src, n);
        /* Virtual soundcheck: the take played back replaces the input here, before the trim, so the strip and
         * every mix hear it as they would the band. */
        if (!ramp_is_zero(&core->play_source[c])) {
            ramp_block(&core->play_source[c], n, &g0, &g1);
            play_mix(pre, src, play_track(core, c, n), g0, g1, l0, l1, n);
            src = pre;
        }
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
        meter_block(core, mix_channel_meter(n_in, MIX_MS_INPUT, c), pre, n);
        tap_channel(core, MIX_TAP_TRIM, c, pre, n);

        run_strip_inserts(core, c, pre, n);
        meter_block(core, mix_channel_meter(n_in, MIX_MS_INSERTS, c), pre, n);
        tap_channel(core, MIX_TAP_INSERTS, c, pre, n);
        /* PFL listens here, before the mute: the engineer can check a muted mic before opening it. */
        solo_tap(core, &core->solo_pfl[c], pre, pre, n);

        /* Mute comes after the meters (a muted mic still shows it is live) and before every send,
         * so a muted channel feeds no wedge, pre-fader or not. */
        ramp_block(&core->mute[c], n, &g0, &g1);
        const int muted = g0 == 0.0f && g1 == 0.0f;
        core->pre_silent[c] = (uint8_t)muted;
        if (!muted) gain_inplace(pre, g0, g1, n);

        ramp_block(&core->fader[c], n, &g0, &g1);
        if (muted || (g0 == 0.0f && g1 == 0.0f)) {
            core->post_silent[c] = 1;
            tap_channel(core, MIX_TAP_POST, c, NULL, n);  /* the post buffer is stale: the meter saw silence */
        } else {
            float *post = core->post + (size_t)c * stride;
            gain_copy(post, pre, g0, g1, n);
            core->post_silent[c] = 0;
            meter_block(core, mix_channel_meter(n_in, MIX_MS_POST, c), post, n);
            tap_channel(core, MIX_TAP_POST, c, post, n);
        }
    }

    /* 3. main L/R from post-fader signals */
    mix_bus_t *main = &core->main;
    memset(main->buf[0], 0, (size_t)n * sizeof(float));
    memset(main->buf[1], 0, (size_t)n * sizeof(float));
    send_batch_t left = {.count = 0}, right = {.count = 0};
    for (uint32_t c = 0; c < n_in; c++) {
        const float *post = core->post + (size_t)c * stride;
        ramp_block(&core->main_l[c], n, &g0, &g1);
        if (!core->post_silent[c] && (g0 != 0.0f || g1 != 0.0f)) batch_send(&left, main->buf[0], post, g0, g1, n);
        ramp_block(&core->main_r[c], n, &g0, &g1);
        if (!core->post_silent[c] && (g0 != 0.0f || g1 != 0.0f)) batch_send(&right, main->buf[1], post, g0, g1, n);
        /* AFL: what the channel sends to the main, panned (a silent post still advances the ramps). */
        if (!ramp_is_zero(&core->solo_afl_l[c])) {
            ramp_block(&core->solo_afl_l[c], n, &g0, &g1);
            if (!core->post_silent[c]) gain_acc(solo->buf[0], post, g0, g1, n);
        }
        if (!ramp_is_zero(&core->solo_afl_r[c])) {
            ramp_block(&core->solo_afl_r[c], n, &g0, &g1);
            if (!core->post_silent[c]) gain_acc(solo->buf[1], post, g0, g1, n);
        }
    }
    batch_flush(&left, main->buf[0], n);
    batch_flush(&right, main->buf[1], n);

    /* 4. bus inputs: the send matrix, one row per bus input channel; then generators on buses */
    for (uint32_t b = 0; b < core->n_buses; b++) {
        mix_bus_t *bus = &core->buses[b];
        for (uint32_t side = 0; side < bus->in_width; side++) {
            float *dst = bus->buf[side];
            const uint32_t row = bus->first_row + side;
            memset(dst, 0, (size_t)n * sizeof(float));
            mix_ramp_t *row_pre = core->send_pre + mix_send_index(n_in, row, 0);
            mix_ramp_t *row_post = core->send_post + mix_send_index(n_in, row, 0);
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
    }
    for (uint32_t k = 0; k < core->n_gens; k++) {
        const int32_t t = core->gens[k].target;
        if (!(live_mask & (1u << k)) || t > -2) continue;
        mix_bus_t *bus = &core->buses[-t - 2];
        for (uint32_t side = 0; side < bus->in_width; side++) add_into(bus->buf[side], core->gen_buf + (size_t)k * stride, n);
    }

    /* 5. FX buses, then their returns into the main and the aux buses */
    for (uint32_t b = 0; b < core->n_buses; b++) {
        mix_bus_t *bus = &core->buses[b];
        if (bus->kind != MIX_BUS_FX) continue;
        run_fx(core, bus, n);
        run_bus_chain(core, bus, mix_gr_index(n_in, MIX_GR_LIMITER, b), n);
        for (uint32_t side = 0; side < 2; side++) meter_output(core, bus, side, bus->buf[side], n);
    }
    for (uint32_t b = 0; b < core->n_buses; b++) {
        if (core->buses[b].kind == MIX_BUS_FX) run_returns(core, b, n);
    }

    /* 6. group buses: processing, meters, then into the main (before the main is processed) */
    for (uint32_t b = 0; b < core->n_buses; b++) {
        mix_bus_t *bus = &core->buses[b];
        if (bus->kind != MIX_BUS_GROUP) continue;
        run_bus_chain(core, bus, mix_gr_index(n_in, MIX_GR_LIMITER, b), n);
        for (uint32_t side = 0; side < bus->width; side++) meter_output(core, bus, side, bus->buf[side], n);
        mix_ramp_t *to_main = &core->group_main[b];
        if (ramp_is_zero(to_main)) continue;
        ramp_block(to_main, n, &g0, &g1);
        gain_acc(main->buf[0], bus->buf[0], g0, g1, n);
        gain_acc(main->buf[1], bus->buf[bus->width - 1], g0, g1, n);  /* a mono group into both sides */
    }

    /* 7. aux buses and the main: processing, output ports, output meters */
    for (uint32_t b = 0; b <= mix_main_bus(core->n_buses); b++) {
        mix_bus_t *bus = b == mix_main_bus(core->n_buses) ? main : &core->buses[b];
        if (bus->kind != MIX_BUS_AUX) continue;
        run_bus_chain(core, bus, mix_gr_index(n_in, MIX_GR_LIMITER, b), n);
        /* The output delay is the last thing before the port; the output meter, the solo bus and the recorder
         * take the mix after it, as it leaves. Settled at 0 it costs nothing. */
        if (!mix_outdelay_idle(bus->delay_out)) mix_outdelay_run(bus->delay_out, bus->buf, n, core->scratch);
        for (uint32_t side = 0; side < bus->width; side++) {
            float *port = out[bus->first_port + side];
            memcpy(port, bus->buf[side], (size_t)n * sizeof(float));
            meter_output(core, bus, side, port, n);
        }
    }

    /* 8. the solo bus: whole buses (FX ones too) and the main as they leave, then its level */
    for (uint32_t b = 0; b <= mix_main_bus(core->n_buses); b++) {
        const mix_bus_t *bus = b == mix_main_bus(core->n_buses) ? main : &core->buses[b];
        solo_tap(core, &core->solo_src[b], bus->buf[0], bus->buf[bus->width - 1], n);
    }
    for (uint32_t side = 0; side < 2; side++) {
        ramp_block(&core->master[solo->first_master + side], n, &g0, &g1);
        float *port = out[solo->first_port + side];
        gain_copy(port, solo->buf[side], g0, g1, n);
        /* Peak and RMS only: a listen output needs no loudness meter, and true peak is costly. */
        meter_block(core, solo->first_meter + side, port, n);
    }

    taps_end(core, out, n);
    play_end(core, n);
    core->acc_frames += n;
    if (core->acc_frames >= core->meter_interval) publish_meters(core, cycle);
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

static void bus_free(mix_bus_t *bus) {
    free(bus->buf[0]);
    free(bus->buf[1]);
    free(bus->geq);
    mix_outdelay_free(bus->delay_out);
    if (bus->reverb) mix_reverb_free(bus->reverb);
    if (bus->delay) mix_delay_free(bus->delay);
}

void mixcore_free(mixcore_t *core) {
    if (!core) return;
    for (uint32_t r = 0; r < MIX_RINGS; r++) mixrec_free(atomic_load(&core->rings[r]));  /* no audio thread now */
    mixplay_free(atomic_load(&core->play));
    for (uint32_t b = 0; core->buses && b < core->n_buses; b++) bus_free(&core->buses[b]);
    bus_free(&core->main);
    bus_free(&core->solo);
    void *blocks[] = {core->trim, core->mute, core->fader, core->main_l, core->main_r, core->send_pre,
                      core->send_post, core->master, core->returns, core->solo_pfl, core->solo_afl_l,
                      core->solo_afl_r, core->solo_src, core->group_main, core->play_source, core->play_buf,
                      core->strips, core->buses, core->gens,
                      core->pre, core->post, core->gen_buf, core->scratch, core->pre_silent, core->post_silent,
                      (void *)core->in_slice, core->out_slice, core->acc, core->acc_ms, core->acc_kms, core->acc_gr, core->cmds.slots, core->meters.data,
                      core->meters.cycle, core->meters.frames};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) free(blocks[i]);
    free(core);
}

void mixcore_set_loudness(mixcore_t *core, const double *kweight, const float *tp_taps) {
    memcpy(core->tp_taps, tp_taps, sizeof core->tp_taps);
    for (uint32_t b = 0; b <= core->n_buses + 1; b++) {
        mix_bus_t *bus = b < core->n_buses ? &core->buses[b] : b == core->n_buses ? &core->main : &core->solo;
        for (uint32_t side = 0; side < 2; side++) {
            mix_kweight_init(&bus->kw[side], kweight);
            mix_truepeak_init(&bus->tp[side]);
        }
    }
}

int mixcore_set_sample_rate(mixcore_t *core, uint32_t sample_rate) {
    if (sample_rate < 8000 || sample_rate > 384000) return -1;
    const uint32_t n = core->n_buses ? core->n_buses : 1;
    mix_reverb_t **reverbs = calloc(n, sizeof *reverbs);
    mix_delay_t **delays = calloc(n, sizeof *delays);
    mix_outdelay_t **lines = calloc((size_t)core->n_buses + 1, sizeof *lines);  /* output delays, the main's last */
    int ok = reverbs && delays && lines;
    /* The new effects and delay lines are made first: out of memory, the core keeps its old ones whole. */
    for (uint32_t b = 0; ok && b < core->n_buses; b++) {
        if (core->buses[b].kind != MIX_BUS_FX) continue;
        reverbs[b] = mix_reverb_new(sample_rate, sample_rate / 10);
        delays[b] = mix_delay_new(sample_rate * 2);
        ok = reverbs[b] && delays[b];
    }
    for (uint32_t b = 0; ok && b <= mix_main_bus(core->n_buses); b++) {
        const mix_bus_t *bus = bus_or_main(core, b);
        if (!bus->delay_out) continue;
        lines[b] = mix_outdelay_new(bus->width, mix_out_delay_max(sample_rate), core->max_frames);
        ok = lines[b] != NULL;
    }
    for (uint32_t b = 0; lines && b <= mix_main_bus(core->n_buses); b++) {
        mix_bus_t *bus = bus_or_main(core, b);
        if (!lines[b]) continue;
        if (ok) {
            mix_outdelay_free(bus->delay_out);
            bus->delay_out = lines[b];
        } else {
            mix_outdelay_free(lines[b]);
        }
    }
    free(lines);
    for (uint32_t b = 0; b < core->n_buses; b++) {
        mix_bus_t *bus = &core->buses[b];
        if (bus->kind != MIX_BUS_FX || !reverbs || !delays) continue;
        if (ok) {
            mix_reverb_free(bus->reverb);
            mix_delay_free(bus->delay);
            bus->reverb = reverbs[b];
            bus->delay = delays[b];
        } else {
            if (reverbs[b]) mix_reverb_free(reverbs[b]);
            if (delays[b]) mix_delay_free(delays[b]);
        }
    }
    free(reverbs);
    free(delays);
    if (!ok) return -1;
    core->sample_rate = sample_rate;
    return 0;
}

/* Working buffers and processors of one bus. 0 on out of memory. */
static int bus_init(mix_bus_t *bus, uint32_t max_frames, uint32_t sample_rate) {
    bus->buf[0] = alloc_zeroed(max_frames * sizeof(float));
    bus->buf[1] = alloc_zeroed(max_frames * sizeof(float));
    if (!bus->buf[0] || !bus->buf[1]) return 0;
    for (uint32_t side = 0; side < 2; side++)
        for (uint32_t k = 0; k < MIX_BUS_FILTERS; k++) mix_biquad_init(&bus->filters[side][k]);
    mix_limiter_init(&bus->limiter);
    ramps_init(bus->ins, MIX_BUS_INSERTS, 0.0f);
    if (bus->kind == MIX_BUS_FX) {
        /* Both effects exist so the kind can change live; 100 ms of predelay, 2 s of delay. */
        bus->reverb = mix_reverb_new(sample_rate, sample_rate / 10);
        bus->delay = mix_delay_new(sample_rate * 2);
        if (!bus->reverb || !bus->delay) return 0;
        bus->fx_gain.cur = bus->fx_gain.target = 1.0f;
    }
    return 1;
}

mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const mix_bus_shape_t *shapes, uint32_t n_gens,
                       uint32_t sample_rate, uint32_t max_frames, uint32_t cmd_capacity,
                       uint32_t meter_slots, uint32_t meter_interval, uint32_t ramp_samples,
                       const double *kweight, const float *tp_taps) {
    if (n_gens > 32 || max_frames == 0 || max_frames > 65536 || meter_slots == 0 || meter_interval == 0 ||
        sample_rate < 8000 || sample_rate > 384000)
        return NULL;
    if (cmd_capacity < 2 || (cmd_capacity & (cmd_capacity - 1)) != 0) return NULL;
    for (uint32_t b = 0; b < n_buses; b++) {
        if (shapes[b].kind != MIX_BUS_AUX && shapes[b].kind != MIX_BUS_FX && shapes[b].kind != MIX_BUS_GROUP) return NULL;
        if (shapes[b].kind != MIX_BUS_FX && shapes[b].width != 1 && shapes[b].width != 2) return NULL;
    }
    mixcore_t *core = alloc_zeroed(sizeof *core);
    if (!core) return NULL;
    core->n_inputs = n_inputs;
    core->n_buses = n_buses;
    core->n_gens = n_gens;
    core->sample_rate = sample_rate;
    core->max_frames = (max_frames + 15u) & ~15u;
    core->ramp_samples = ramp_samples;
    core->meter_interval = meter_interval;
    core->buses = alloc_zeroed((n_buses ? n_buses : 1) * sizeof(mix_bus_t));
    if (!core->buses) {
        free(core);
        return NULL;
    }

    /* Bus shapes: send rows, master gains, output ports and meters are numbered in bus order, the
     * main first where it takes part. */
    uint32_t ports = 2;
    core->main.kind = MIX_BUS_AUX;
    core->main.in_width = core->main.width = 2;
    core->main.first_master = MIX_MASTER_MAIN;
    core->main.first_port = 0;
    core->main.first_meter = mix_master_meter(n_inputs, MIX_MASTER_MAIN);
    int ok = bus_init(&core->main, core->max_frames, sample_rate);
    for (uint32_t b = 0; b < n_buses; b++) {
        mix_bus_t *bus = &core->buses[b];
        bus->kind = shapes[b].kind;
        bus->in_width = mix_bus_in_width(&shapes[b]);
        bus->width = mix_bus_width(&shapes[b]);
        bus->first_row = mix_send_row(shapes, b);
        bus->first_master = mix_master_index(shapes, b);
        bus->first_meter = mix_master_meter(n_inputs, bus->first_master);
        bus->first_port = bus->kind == MIX_BUS_AUX ? (int32_t)ports : -1;  /* FX and group buses: no port */
        if (bus->kind == MIX_BUS_AUX) ports += bus->width;
        ok = ok && bus_init(bus, core->max_frames, sample_rate);
    }
    /* The solo bus comes last: its master gains, ports and meters follow every bus's. */
    core->solo.kind = MIX_BUS_AUX;
    core->solo.in_width = core->solo.width = 2;
    core->solo.first_master = mix_master_index(shapes, n_buses);
    core->solo.first_port = (int32_t)ports;
    core->solo.first_meter = mix_master_meter(n_inputs, core->solo.first_master);
    ports += 2;
    ok = ok && bus_init(&core->solo, core->max_frames, sample_rate);
    /* The graphic EQ and the output delay of every aux bus and the main (the buses that leave by a port). */
    for (uint32_t b = 0; ok && b <= mix_main_bus(n_buses); b++) {
        mix_bus_t *bus = b == mix_main_bus(n_buses) ? &core->main : &core->buses[b];
        if (bus->kind != MIX_BUS_AUX) continue;
        bus->geq = alloc_zeroed(2 * MIX_GEQ_BANDS * sizeof(mix_biquad_t));
        bus->delay_out = mix_outdelay_new(bus->width, mix_out_delay_max(sample_rate), core->max_frames);
        ok = bus->geq && bus->delay_out;
        for (uint32_t k = 0; ok && k < 2 * MIX_GEQ_BANDS; k++) mix_biquad_init(&bus->geq[k]);
    }
    const uint32_t rows = mix_send_row(shapes, n_buses), masters = core->solo.first_master + 2;
    core->n_rows = rows;
    core->n_masters = masters;
    core->n_outputs = ports;
    core->n_meters = mix_master_meter(n_inputs, masters);
    core->n_gr = mix_gr_index(n_inputs, MIX_GR_LIMITER, mix_main_bus(n_buses)) + 1;

    const size_t ni = n_inputs, nm = core->n_meters, sends = mix_send_index(n_inputs, rows, 0);
    core->trim = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->mute = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->fader = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->main_l = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->main_r = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->send_pre = alloc_zeroed(sends * sizeof(mix_ramp_t));
    core->send_post = alloc_zeroed(sends * sizeof(mix_ramp_t));
    core->master = alloc_zeroed(masters * sizeof(mix_ramp_t));
    core->returns = alloc_zeroed((size_t)mix_return_row(n_buses, n_buses) * sizeof(mix_ramp_t));
    core->solo_pfl = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->solo_afl_l = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->solo_afl_r = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->solo_src = alloc_zeroed(((size_t)mix_main_bus(n_buses) + 1) * sizeof(mix_ramp_t));
    core->group_main = alloc_zeroed((n_buses ? n_buses : 1) * sizeof(mix_ramp_t));
    core->play_source = alloc_zeroed(ni * sizeof(mix_ramp_t));
    core->play_buf = alloc_zeroed(core->max_frames * sizeof(float));
    core->strips = alloc_zeroed(ni * sizeof(mix_strip_t));
    core->gens = alloc_zeroed(n_gens * sizeof(mix_gen_t));
    core->pre = alloc_zeroed(ni * core->max_frames * sizeof(float));
    core->post = alloc_zeroed(ni * core->max_frames * sizeof(float));
    core->gen_buf = alloc_zeroed((size_t)n_gens * core->max_frames * sizeof(float));
    core->scratch = alloc_zeroed(2 * (size_t)core->max_frames * sizeof(float));
    core->pre_silent = alloc_zeroed(ni);
    core->post_silent = alloc_zeroed(ni);
    core->in_slice = alloc_zeroed(ni * sizeof(float *));
    core->out_slice = alloc_zeroed((core->n_outputs ? core->n_outputs : 1) * sizeof(float *));
    core->acc = alloc_zeroed((size_t)MIX_MF_FIELDS * nm * sizeof(float));
    core->acc_ms = alloc_zeroed(nm * sizeof(double));
    core->acc_kms = alloc_zeroed(nm * sizeof(double));
    core->acc_gr = alloc_zeroed(core->n_gr * sizeof(float));
    core->cmds.slots = alloc_zeroed(cmd_capacity * sizeof(mix_cmd_t));
    core->cmds.mask = cmd_capacity - 1;
    core->meters.n_slots = meter_slots;
    core->meters.data = alloc_zeroed((size_t)meter_slots * mixcore_frame_floats(core) * sizeof(float));
    core->meters.cycle = alloc_zeroed(meter_slots * sizeof(uint64_t));
    core->meters.frames = alloc_zeroed(meter_slots * sizeof(uint32_t));
    if (!ok || !core->trim || !core->mute || !core->fader || !core->main_l || !core->main_r || !core->send_pre ||
        !core->send_post || !core->master || !core->returns || !core->solo_pfl || !core->solo_afl_l ||
        !core->solo_afl_r || !core->solo_src || !core->group_main || !core->play_source || !core->play_buf ||
        !core->strips || !core->gens || !core->pre ||
        !core->post || !core->gen_buf || !core->scratch || !core->pre_silent || !core->post_silent || !core->acc ||
        !core->in_slice || !core->out_slice ||
        !core->acc_ms || !core->acc_kms || !core->acc_gr || !core->cmds.slots || !core->meters.data ||
        !core->meters.cycle || !core->meters.frames) {
        mixcore_free(core);
        return NULL;
    }
    /* Until the control side loads a state: unity trim and masters, inserts bypassed, everything
     * else closed. */
    ramps_init(core->trim, ni, 1.0f);
    ramps_init(core->mute, ni, 1.0f);
    ramps_init(core->master, masters, 1.0f);
    core->play_level.cur = core->play_level.target = 1.0f;
    for (uint32_t c = 0; c < n_inputs; c++) {
        mix_strip_t *s = &core->strips[c];
        for (uint32_t k = 0; k < MIX_CH_FILTERS; k++) mix_biquad_init(&s->filters[k]);
        mix_gate_init(&s->gate);
        mix_comp_init(&s->comp);
        s->order_gain.cur = s->order_gain.target = 1.0f;
    }
    for (uint32_t k = 0; k < n_gens; k++) {
        mix_gen_t *g = &core->gens[k];
        g->c = 1.0f; /* phasor starts at phase 0: s = sin(0) */
        g->rc = 1.0f;
        g->mc = 1.0f;
        g->mrc = 1.0f;
        g->noise = 0x9E3779B9u ^ (k * 0x85EBCA6Bu); /* distinct, never zero */
        g->target = g->next_target = -1;
        g->route.cur = g->route.target = 1.0f;
    }
    mixcore_set_loudness(core, kweight, tp_taps);
    atomic_init(&core->cmds.head, 0);
    atomic_init(&core->cmds.tail, 0);
    atomic_init(&core->meters.head, 0);
    atomic_init(&core->meters.tail, 0);
    return core;
}
