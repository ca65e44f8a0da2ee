/* mixrec: the tap rings (audio -> a reader: the recorder's take, the analysis ring) and the player's ring (disk ->
 * audio), their control and reader side. The audio thread's part (copying the taps into a ring every block, taking
 * a block of the take played back) is in mixcore.c, beside the signal it taps. See mixcore.h. */

#define _POSIX_C_SOURCE 200112L  /* posix_memalign (see mixcore.c) */

#include "mixcore.h"

#include <stdlib.h>
#include <string.h>

void mixrec_free(mix_rec_t *rec) {
    if (!rec) return;
    free(rec->taps);
    free(rec->chan_tap);
    free(rec->data);
    free(rec);
}

/* The sides of bus `b` (b == n_buses: the main), 0 for none. */
static uint32_t bus_sides(const mixcore_t *core, uint32_t b) {
    if (b == mix_main_bus(core->n_buses)) return 2;
    return b < core->n_buses ? core->buses[b].width : 0;
}

mix_rec_t *mixrec_new(const mixcore_t *core, const mix_tap_t *taps, uint32_t n_taps, uint32_t capacity) {
    /* a whole block must fit: the audio thread writes a block or none of it */
    if (n_taps == 0 || capacity < core->max_frames || (capacity & (capacity - 1)) != 0) return NULL;
    mix_rec_t *rec = calloc(1, sizeof *rec);
    if (!rec) return NULL;
    rec->n_taps = n_taps;
    rec->capacity = capacity;
    rec->taps = malloc(n_taps * sizeof *rec->taps);
    const size_t n_chan = (size_t)MIX_TAP_KINDS * (core->n_inputs ? core->n_inputs : 1);
    rec->chan_tap = malloc(n_chan * sizeof *rec->chan_tap);
    void *data = NULL;
    /* 64-byte aligned like every buffer of the core; the reader reads it while the audio thread writes */
    if (posix_memalign(&data, 64, (size_t)n_taps * capacity * sizeof(float)) == 0) rec->data = data;
    if (!rec->taps || !rec->chan_tap || !rec->data) {
        mixrec_free(rec);
        return NULL;
    }
    memset(rec->data, 0, (size_t)n_taps * capacity * sizeof(float));  /* resident before the audio thread writes */
    for (size_t i = 0; i < n_chan; i++) rec->chan_tap[i] = -1;
    for (uint32_t t = 0; t < n_taps; t++) {
        const mix_tap_t *tap = &taps[t];
        int ok;
        if (mix_tap_is_channel(tap->kind)) {
            ok = tap->index < core->n_inputs && tap->side == 0;
            int32_t *slot = ok ? rec->chan_tap + (size_t)tap->kind * core->n_inputs + tap->index : NULL;
            ok = ok && *slot < 0;  /* one track per channel and point */
            if (ok) *slot = (int32_t)t;
        } else if (tap->kind == MIX_TAP_BUS) {
            ok = tap->side < bus_sides(core, tap->index);
        } else {
            ok = tap->kind == MIX_TAP_SOLO && tap->index == 0 && tap->side < 2;
        }
        if (!ok) {
            mixrec_free(rec);
            return NULL;
        }
        rec->taps[t] = *tap;
        rec->n_bus_taps += !mix_tap_is_channel(tap->kind);
    }
    return rec;
}

int mixcore_attach_ring(mixcore_t *core, uint32_t which, mix_rec_t *rec) {
    mix_rec_t *none = NULL;
    if (which >= MIX_RINGS) return -1;
    return atomic_compare_exchange_strong(&core->rings[which], &none, rec) ? 0 : -1;
}

mix_rec_t *mixcore_detach_ring(mixcore_t *core, uint32_t which) {
    if (which >= MIX_RINGS) return NULL;
    return atomic_exchange(&core->rings[which], NULL);  /* seq_cst: see rec_busy in mixcore.h */
}

int mixcore_rec_busy(mixcore_t *core) { return (int)atomic_load(&core->rec_busy); }

int mixcore_rec_released(mixcore_t *core, uint64_t *mark) {
    if (!atomic_load(&core->rec_busy)) return 1;  /* seq_cst: see rec_busy in mixcore.h */
    /* After seeing rec_busy 1 (an acquire: `cycles` is at least the count before the period running), a new count
     * is that period's own, stored after it cleared rec_busy (release: its writes to the ring come before). */
    const uint64_t now = atomic_load_explicit(&core->cycles, memory_order_acquire) + 1;  /* + 1: 0 is "no mark" */
    if (*mark == 0) {
        *mark = now;
        return 0;
    }
    return now != *mark;
}

uint32_t mixrec_read(mix_rec_t *rec, float *out, uint32_t stride, uint32_t max, uint64_t *at) {
    const uint64_t tail = atomic_load_explicit(&rec->tail, memory_order_relaxed);
    const uint64_t head = atomic_load_explicit(&rec->head, memory_order_acquire);
    const uint64_t ready = head - tail;
    const uint32_t n = ready < max ? (uint32_t)ready : max;
    const uint32_t mask = rec->capacity - 1;
    const uint32_t from = (uint32_t)(tail & mask);
    const uint32_t first = n < rec->capacity - from ? n : rec->capacity - from;  /* up to the ring's end */
    for (uint32_t t = 0; t < rec->n_taps; t++) {
        const float *track = rec->data + (size_t)t * rec->capacity;
        memcpy(out + (size_t)t * stride, track + from, first * sizeof(float));
        memcpy(out + (size_t)t * stride + first, track, (n - first) * sizeof(float));
    }
    *at = tail;
    atomic_store_explicit(&rec->tail, tail + n, memory_order_release);
    return n;
}

/* ---- the player's ring: control and disk side ----------------------------------------------------- */

void mixplay_free(mix_play_t *play) {
    if (!play) return;
    free(play->track_of);
    free(play->data);
    free(play);
}

mix_play_t *mixplay_new(const mixcore_t *core, const uint32_t *channels, uint32_t n_tracks, uint32_t capacity) {
    if (n_tracks == 0 || capacity < core->max_frames || (capacity & (capacity - 1)) != 0) return NULL;
    mix_play_t *play = calloc(1, sizeof *play);
    if (!play) return NULL;
    play->n_tracks = n_tracks;
    play->capacity = capacity;
    const size_t n_in = core->n_inputs ? core->n_inputs : 1;
    play->track_of = malloc(n_in * sizeof *play->track_of);
    void *data = NULL;
    if (posix_memalign(&data, 64, (size_t)n_tracks * capacity * sizeof(float)) == 0) play->data = data;
    if (!play->track_of || !play->data) {
        mixplay_free(play);
        return NULL;
    }
    memset(play->data, 0, (size_t)n_tracks * capacity * sizeof(float));
    for (size_t c = 0; c < n_in; c++) play->track_of[c] = -1;
    for (uint32_t t = 0; t < n_tracks; t++) {
        if (channels[t] >= core->n_inputs || play->track_of[channels[t]] >= 0) {
            mixplay_free(play);
            return NULL;
        }
        play->track_of[channels[t]] = (int32_t)t;
    }
    return play;
}

int mixcore_attach_play(mixcore_t *core, mix_play_t *play) {
    mix_play_t *none = NULL;
    return atomic_compare_exchange_strong(&core->play, &none, play) ? 0 : -1;
}

mix_play_t *mixcore_detach_play(mixcore_t *core) { return atomic_exchange(&core->play, NULL); }

uint32_t mixplay_room(mix_play_t *play) {
    const uint64_t head = atomic_load_explicit(&play->head, memory_order_relaxed);
    const uint64_t tail = atomic_load_explicit(&play->tail, memory_order_acquire);
    return (uint32_t)(play->capacity - (head - tail));
}

void mixplay_write(mix_play_t *play, const float *src, uint32_t stride, uint32_t frames) {
    const uint64_t head = atomic_load_explicit(&play->head, memory_order_relaxed);
    const uint32_t at = (uint32_t)(head & (play->capacity - 1));
    const uint32_t first = frames < play->capacity - at ? frames : play->capacity - at;
    for (uint32_t t = 0; t < play->n_tracks; t++) {
        float *track = play->data + (size_t)t * play->capacity;
        memcpy(track + at, src + (size_t)t * stride, first * sizeof(float));
        memcpy(track, src + (size_t)t * stride + first, (frames - first) * sizeof(float));
    }
    atomic_store_explicit(&play->head, head + frames, memory_order_release);
}

void mixplay_end(mix_play_t *play) {
    atomic_store_explicit(&play->ended, 1, memory_order_release);
}

int mixrec_take_gap(mix_rec_t *rec, mix_rec_gap_t *gap) {
    const uint32_t tail = atomic_load_explicit(&rec->gap_tail, memory_order_relaxed);
    if (tail == atomic_load_explicit(&rec->gap_head, memory_order_acquire)) return 0;
    *gap = rec->gaps[tail % MIX_REC_GAPS];
    atomic_store_explicit(&rec->gap_tail, tail + 1, memory_order_release);
    return 1;
}
