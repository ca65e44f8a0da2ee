/* JACK process callback for mixcore. See jack_process.h. */
#include "jack_process.h"

#include <stdlib.h>
#include <string.h>

int mix_jack_process(jack_nframes_t nframes, void *arg) {
    mix_jack_binding_t *b = (mix_jack_binding_t *)arg;
    mixcore_t *core = b->core;
    /* jack_get_time reads libjack's clock (CLOCK_MONOTONIC through the vDSO): no syscall, no lock. */
    const jack_time_t start = jack_get_time();
    /* jack_port_get_buffer is realtime-safe: it only returns this cycle's buffer pointer. */
    for (uint32_t i = 0; i < core->n_inputs; i++)
        b->in_bufs[i] = (const float *)jack_port_get_buffer(b->in_ports[i], nframes);
    for (uint32_t o = 0; o < core->n_outputs; o++)
        b->out_bufs[o] = (float *)jack_port_get_buffer(b->out_ports[o], nframes);
    mixcore_process(core, b->in_bufs, b->out_bufs, nframes);
    const jack_time_t end = jack_get_time();
    /* Single writer: a relaxed load and store, no read-modify-write needed. */
    atomic_store_explicit(&b->busy_us, atomic_load_explicit(&b->busy_us, memory_order_relaxed) + (end - start),
                          memory_order_relaxed);
    atomic_store_explicit(&b->timed_cycles, atomic_load_explicit(&b->timed_cycles, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return 0;
}

void mix_jack_busy(mix_jack_binding_t *b, uint64_t *busy_us, uint64_t *cycles) {
    *busy_us = atomic_load_explicit(&b->busy_us, memory_order_relaxed);
    *cycles = atomic_load_explicit(&b->timed_cycles, memory_order_relaxed);
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
