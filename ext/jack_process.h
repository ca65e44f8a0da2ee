/* The JACK side of the core: a binding of one mixcore to one JACK client's ports, and the process
 * callback that JACK calls in its realtime thread. Nothing here allocates, locks or touches Python. */
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
} mix_jack_binding_t;

/* Control side: allocate a binding for the given ports (arrays are copied). NULL on failure. */
mix_jack_binding_t *mix_jack_binding_new(mixcore_t *core, jack_port_t *const *in_ports,
                                         jack_port_t *const *out_ports);
void mix_jack_binding_free(mix_jack_binding_t *binding);

/* Installs mix_jack_process on the client. Must be called before jack_activate(). */
int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding);

/* Any thread: the callback's accumulated time (microseconds) and the cycles it covers. */
void mix_jack_busy(mix_jack_binding_t *binding, uint64_t *busy_us, uint64_t *cycles);

/* The process callback itself (exposed for tests and documentation). */
int mix_jack_process(jack_nframes_t nframes, void *arg);

#endif
