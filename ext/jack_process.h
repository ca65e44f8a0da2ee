/* The JACK side of the core: a binding of one mixcore to one JACK client's ports, the process callback that
 * JACK calls in its realtime thread, and the xrun and shutdown callbacks libjack calls in its own threads.
 * Nothing here allocates, locks or touches Python: a libjack thread never takes the GIL, so one that
 * jack_client_close() cancels wherever it is can never leave the interpreter locked. */
#ifndef MIXCORE_JACK_PROCESS_H
#define MIXCORE_JACK_PROCESS_H

#include <stdatomic.h>
#include <stdint.h>

#include <jack/jack.h>

#include "mixcore.h"

typedef struct {
    mixcore_t *core;
    jack_port_t **in_ports;   /* [core->n_inputs] */
    jack_port_t **out_ports;  /* [core->n_outputs] */
    const float **in_bufs;    /* scratch: this cycle's port buffers */
    float **out_bufs;
    /* The callback's own cost, so the daemon's overhead can be judged against it in the same run
     * (mixerd bench --workload daemon, /health core_load). Written only by the audio thread. */
    _Atomic uint64_t busy_us;     /* microseconds spent inside mix_jack_process */
    _Atomic uint64_t timed_cycles;
    /* MIX_JACK_IDLE / MIX_JACK_RUNNING (the callback is inside the core) / MIX_JACK_RETIRED (the callback
     * returns at once, touching neither the core nor the ports). A binding whose client could not be closed
     * is retired and leaked, not freed: libjack's thread may still call the callback with it, while a new
     * binding drives the same core. */
    _Atomic int state;
    /* What libjack's notification thread reported, for the supervisor to poll. */
    _Atomic uint64_t xruns;
    _Atomic int shut_down;        /* 1 once JACK shut the client down; `reason` and `notifier` are set before */
    _Atomic long notifier;        /* the kernel thread id of the thread that reported it */
    char reason[256];             /* JACK's reason, NUL-terminated, cut to fit */
} mix_jack_binding_t;

enum { MIX_JACK_IDLE = 0, MIX_JACK_RUNNING = 1, MIX_JACK_RETIRED = 2 };

/* Control side: allocate a binding for the given ports (arrays are copied). NULL on failure. */
mix_jack_binding_t *mix_jack_binding_new(mixcore_t *core, jack_port_t *const *in_ports,
                                         jack_port_t *const *out_ports);
void mix_jack_binding_free(mix_jack_binding_t *binding);

/* Installs mix_jack_process, the xrun counter and the shutdown flag on the client. Must be called before
 * jack_activate(). */
int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding);

/* Control side: retire the binding so the callback never touches the core again. 0 when done (or already
 * retired); -1 while the callback is inside the core right now: try again. */
int mix_jack_retire(mix_jack_binding_t *binding);

/* Control side, after mix_jack_retire() kept failing: the callback entered the core and never left (its thread
 * was cancelled there, or stopped for good); retire the binding anyway. */
void mix_jack_retire_force(mix_jack_binding_t *binding);

/* Any thread: the callback's accumulated time (microseconds) and the cycles it covers. */
void mix_jack_busy(mix_jack_binding_t *binding, uint64_t *busy_us, uint64_t *cycles);

/* Any thread: xruns so far; whether JACK shut the client down, and if so its reason (copied into
 * `reason`, `reason_size` bytes at most, NUL-terminated) and the id of the thread that said so. */
uint64_t mix_jack_xruns(mix_jack_binding_t *binding);
int mix_jack_shut_down(mix_jack_binding_t *binding, char *reason, size_t reason_size, long *notifier);

/* libjack's messages (jack_set_error_function / jack_set_info_function) as C: printed to stderr as libjack's
 * default does, or dropped (quiet = 1, for a probe whose "cannot connect" is the expected answer). A Python
 * function there would run on whatever libjack thread reports something. */
void mix_jack_messages(int quiet);

/* The process callback itself (exposed for tests and documentation). */
int mix_jack_process(jack_nframes_t nframes, void *arg);

#endif
