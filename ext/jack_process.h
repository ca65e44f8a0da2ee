/* The JACK side of the core: a binding of one mixcore to one JACK client's ports, and the process
 * callback that JACK calls in its realtime thread. Nothing here allocates, locks or touches Python. */
#ifndef MIXCORE_JACK_PROCESS_H
#define MIXCORE_JACK_PROCESS_H

#include <jack/jack.h>

#include "mixcore.h"

typedef struct {
    mixcore_t *core;
    jack_port_t **in_ports;   /* [core->n_inputs] */
    jack_port_t **out_ports;  /* [core->n_outputs] */
    const float **in_bufs;    /* scratch: this cycle's port buffers */
    float **out_bufs;
} mix_jack_binding_t;

/* Control side: allocate a binding for the given ports (arrays are copied). NULL on failure. */
mix_jack_binding_t *mix_jack_binding_new(mixcore_t *core, jack_port_t *const *in_ports,
                                         jack_port_t *const *out_ports);
void mix_jack_binding_free(mix_jack_binding_t *binding);

/* Installs mix_jack_process on the client. Must be called before jack_activate(). */
int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding);

/* The process callback itself (exposed for tests and documentation). */
int mix_jack_process(jack_nframes_t nframes, void *arg);

#endif
