/* The realtime core flushes subnormal numbers to zero on the machine it was built for, and gives the
 * caller its floating-point mode back. Built with the core's own flags for each architecture (natively,
 * or with a cross compiler and run under qemu-user) by tests/test_core_portability.py.
 *
 * One channel at unity into the main: an input of 1e-39 (subnormal in float) must leave the core as
 * exact zeros, while 1e-30 (a normal float) passes untouched — so the zeros come from the flush, not
 * from a closed path. Exit status 0 and one line "ok <arch>" when all holds. */
#include <stdio.h>
#include <string.h>

#include "mixcore.h"

#define FRAMES 64

static int post(mixcore_t *core, uint32_t op, double v) {
    return mixcore_post(core, op | MIX_OP_IMMEDIATE, 0, &v, 1);
}

/* One block of `level` on the only input; 1 when every frame of main L and R equals `want`. */
static int main_carries(mixcore_t *core, float level, float want) {
    static float in[FRAMES], out[4][FRAMES];
    for (int i = 0; i < FRAMES; i++) in[i] = level;
    const float *ins[1] = {in};
    float *outs[4] = {out[0], out[1], out[2], out[3]};
    mixcore_process(core, ins, outs, FRAMES);
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < FRAMES; i++)
            if (out[side][i] != want) {
                printf("main %s frame %d: %g, expected %g (input %g)\n", side ? "R" : "L", i,
                       (double)out[side][i], (double)want, (double)level);
                return 0;
            }
    return 1;
}

int main(void) {
    static const double kweight[10];                      /* loudness filters play no part here */
    static const float tp_taps[MIX_TP_PHASES * MIX_TP_TAPS];
    mixcore_t *core = mixcore_new(1, 0, NULL, 0, 48000, FRAMES, 64, 4, 2400, 480, kweight, tp_taps);
    if (!core) {
        puts("mixcore_new failed");
        return 2;
    }
    int ok = post(core, MIX_OP_FADER, 1.0) && post(core, MIX_OP_MAIN_L, 1.0) && post(core, MIX_OP_MAIN_R, 1.0);
    if (!ok) puts("the command ring refused a command");
    ok = ok && main_carries(core, 1e-30f, 1e-30f);  /* the path is open at unity */
    ok = ok && main_carries(core, 1e-39f, 0.0f);    /* a subnormal comes out as exact zeros */
    /* The caller's mode is back: outside the core, subnormals are kept. `volatile` keeps the compiler
     * from folding the product at build time. */
    volatile float tiny = 1e-39f, one = 1.0f;
    if (ok && tiny * one == 0.0f) {
        puts("the caller's floating-point mode was not restored: subnormals are flushed after the block");
        ok = 0;
    }
    mixcore_free(core);
#if defined(__aarch64__)
    const char *arch = "aarch64";
#elif defined(__arm__)
    const char *arch = "arm";
#elif defined(__x86_64__)
    const char *arch = "x86_64";
#else
    const char *arch = "other";
#endif
    if (ok) printf("ok %s\n", arch);
    return ok ? 0 : 1;
}
