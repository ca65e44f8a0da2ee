/* Output delay of an aux bus or the main: time alignment of a wedge or a fill to the PA, up to 100 ms.
 *
 * Sample-accurate: settled at d samples, sample i of the output is sample i - d of the input, exactly (a
 * whole number of samples, no interpolation, so nothing is filtered). The line is allocated when the core is
 * made (and re-made for a new sample rate): max_delay (100 ms at the rate) + max_frames of history per side.
 *
 * A change never clicks: the output crossfades from the old read position to the new one (both are the same
 * signal at two times, each continuous) with a smoothstep weight over the ramp. A change that arrives while a
 * crossfade runs waits for it to end, then crossfades on to the latest value (bounded: one fade at a time).
 *
 * Zero cost at 0 ms: settled at 0 nothing runs, not even the write into the line. So a delay switched in from
 * 0 has no past to read: the line starts afresh (what it held from before reads as silence, so audio from an
 * earlier time never comes back) and its first frames fade in over the ramp. Going from 0 to d, the live
 * signal fades out, d samples of silence follow (less the ramp), and the delayed signal fades in; going from
 * d to 0 is a plain crossfade back to the live signal. Delay 0 is always the live signal itself.
 * Realtime-safe: mix_outdelay_run() neither allocates nor calls libm.
 */
#ifndef MIX_DSP_OUTDELAY_H
#define MIX_DSP_OUTDELAY_H

#include <stdint.h>

typedef struct {
    float *line;          /* [width][cap] */
    uint32_t width;       /* sides: 1 or 2 */
    uint32_t cap, mask;   /* frames per side, a power of two >= max_delay + max_frames */
    uint32_t max_delay;   /* the longest delay in samples */
    uint64_t written;     /* frames written while active */
    uint64_t valid_from;  /* the first frame written since the line (re)started: older ones read as silence */
    uint32_t delay;       /* read delay now (during a crossfade: the incoming one) */
    uint32_t from;        /* the outgoing read delay during a crossfade */
    uint32_t target;      /* the latest delay asked for */
    uint32_t onset;       /* frames written after a (re)start that fade in (0 for a delay set at once) */
    uint32_t next_ramp;   /* crossfade length for the next change */
    uint32_t ramp_len;    /* samples of the current crossfade */
    uint32_t remaining;   /* samples of it left; 0 = settled */
} mix_outdelay_t;

/* Control side. NULL on bad sizes (width 1 or 2, max_frames >= 1) or out of memory. */
mix_outdelay_t *mix_outdelay_new(uint32_t width, uint32_t max_delay, uint32_t max_frames);
void mix_outdelay_free(mix_outdelay_t *d);

/* Audio thread (command): move to `samples` (clamped to max_delay) with a crossfade of `ramp` samples, or at
 * once for immediate != 0 or ramp 0. */
void mix_outdelay_set(mix_outdelay_t *d, uint32_t samples, uint32_t ramp, int immediate);

/* 1 while settled at 0: running it would do nothing. */
int mix_outdelay_idle(const mix_outdelay_t *d);

/* Delay the `width` sides x[side][0..n) in place (n <= max_frames); `scratch` holds n floats. */
void mix_outdelay_run(mix_outdelay_t *d, float *const *x, uint32_t n, float *scratch);

#endif
