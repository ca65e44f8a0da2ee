/* FX bus processors: a reverb (Freeverb: 8 parallel lowpass-feedback combs and 4 series allpasses
 * per side, tunings scaled to the sample rate) and a tempo-free delay (time, feedback, high-cut in
 * the feedback path). Mono in, stereo out, 100 % wet: the dry signal stays on the channels and the
 * return level is applied by the mixer.
 *
 * *_new and *_free allocate and run on the control side; set and run are realtime-safe. A change of
 * delay time never clicks (the read position moves by a crossfade, not a jump); reverb size and
 * damping may change at any time.
 */
#ifndef MIX_DSP_FX_H
#define MIX_DSP_FX_H

#include <stdint.h>

typedef struct {
    float room;       /* comb feedback, 0.7 ... 0.98 (longer tail) */
    float damp;       /* 0 ... 1: high-frequency damping in the combs */
    float width;      /* 0 (mono) ... 1 (full stereo) */
    float predelay;   /* samples, 0 ... max_predelay given to mix_reverb_new */
} mix_reverb_params_t;

typedef struct mix_reverb mix_reverb_t;

mix_reverb_t *mix_reverb_new(uint32_t sample_rate, uint32_t max_predelay);
void mix_reverb_free(mix_reverb_t *r);
void mix_reverb_set(mix_reverb_t *r, const mix_reverb_params_t *p);
void mix_reverb_reset(mix_reverb_t *r); /* silence the tail */
/* Writes (does not add) n samples of reverb of `in` to out_l and out_r. */
void mix_reverb_run(mix_reverb_t *r, const float *in, float *out_l, float *out_r, uint32_t n);

typedef struct {
    float time;        /* delay in samples, 1 ... max_samples given to mix_delay_new */
    float feedback;    /* 0 ... 0.95 */
    float highcut_coef;/* one-pole lowpass coefficient in the feedback path, 0 (off) ... <1 */
    float xfade;       /* samples a time change crossfades over */
} mix_delay_params_t;

typedef struct mix_delay mix_delay_t;

mix_delay_t *mix_delay_new(uint32_t max_samples);
void mix_delay_free(mix_delay_t *d);
void mix_delay_set(mix_delay_t *d, const mix_delay_params_t *p);
void mix_delay_reset(mix_delay_t *d);
/* Writes n samples of the delayed signal (with its repeats) of `in` to out_l and out_r. */
void mix_delay_run(mix_delay_t *d, const float *in, float *out_l, float *out_r, uint32_t n);

#endif
