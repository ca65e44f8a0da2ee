/* JACK process callback for mixcore. See jack_process.h. */
#include "jack_process.h"

#include <stdlib.h>
#include <string.h>

int mix_jack_process(jack_nframes_t nframes, void *arg) {
    mix_jack_binding_t *b = (mix_jack_binding_t *)arg;
    mixcore_t *core = b->core;
    /* jack_port_get_buffer is realtime-safe: it only returns this cycle's buffer pointer. */
    for (uint32_t i = 0; i < core->n_inputs; i++)
        b->in_bufs[i] = (const float *)jack_port_get_buffer(b->in_ports[i], nframes);
    for (uint32_t o = 0; o < core->n_outputs; o++)
        b->out_bufs[o] = (float *)jack_port_get_buffer(b->out_ports[o], nframes);
    mixcore_process(core, b->in_bufs, b->out_bufs, nframes);
    return 0;
}

mix_jack_binding_t *mix_jack_binding_new(mixcore_t *core, jack_port_t *const *in_ports,
                                         jack_port_t *const *out_ports) {
    mix_jack_binding_t *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->core = core;
    const size_t ni = core->n_inputs ? core->n_inputs : 1, no = core->n_outputs;
    b->in_ports = calloc(ni, sizeof *b->in_ports);
    b->out_ports = calloc(no, sizeof *b->out_ports);
    b->in_bufs = calloc(ni, sizeof *b->in_bufs);
    b->out_bufs = calloc(no, sizeof *b->out_bufs);
    if (!b->in_ports || !b->out_ports || !b->in_bufs || !b->out_bufs) {
        mix_jack_binding_free(b);
        return NULL;
    }
    memcpy(b->in_ports, in_ports, core->n_inputs * sizeof *b->in_ports);
    memcpy(b->out_ports, out_ports, no * sizeof *b->out_ports);
    return b;
}

void mix_jack_binding_free(mix_jack_binding_t *b) {
    if (!b) return;
    free(b->in_ports);
    free(b->out_ports);
    free((void *)b->in_bufs);
    free(b->out_bufs);
    free(b);
}

int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding) {
    return jack_set_process_callback(client, mix_jack_process, binding);
}
