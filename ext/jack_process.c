/* JACK process callback for mixcore. See jack_process.h. */
#define _GNU_SOURCE /* syscall() */
#include "jack_process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int mix_jack_process(jack_nframes_t nframes, void *arg) {
    mix_jack_binding_t *b = (mix_jack_binding_t *)arg;
    /* One compare-and-swap a cycle (never a wait): a retired binding's core belongs to another binding. */
    int idle = MIX_JACK_IDLE;
    if (!atomic_compare_exchange_strong_explicit(&b->state, &idle, MIX_JACK_RUNNING, memory_order_acquire,
                                                 memory_order_relaxed))
        return 0;
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
    atomic_store_explicit(&b->state, MIX_JACK_IDLE, memory_order_release);
    return 0;
}

int mix_jack_retire(mix_jack_binding_t *b) {
    int idle = MIX_JACK_IDLE;
    /* acq_rel: whatever the last cycle wrote to the core is visible to the next binding's first cycle. */
    if (atomic_compare_exchange_strong_explicit(&b->state, &idle, MIX_JACK_RETIRED, memory_order_acq_rel,
                                                memory_order_acquire))
        return 0;
    return idle == MIX_JACK_RETIRED ? 0 : -1;
}

void mix_jack_retire_force(mix_jack_binding_t *b) {
    atomic_store_explicit(&b->state, MIX_JACK_RETIRED, memory_order_seq_cst);
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
    atomic_init(&b->state, MIX_JACK_IDLE);
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

/* libjack's notification thread (JACK2 may call it from the realtime thread too): one atomic add. */
static int on_xrun(void *arg) {
    mix_jack_binding_t *b = (mix_jack_binding_t *)arg;
    atomic_fetch_add_explicit(&b->xruns, 1, memory_order_relaxed);
    return 0;
}

/* Called like an asynchronous signal handler (JACK's words): only async-signal-safe work — a bounded copy, the
 * gettid system call, atomic stores. The supervisor polls the flag and does the rest in its own thread. */
static void on_shutdown(jack_status_t code, const char *reason, void *arg) {
    (void)code;
    mix_jack_binding_t *b = (mix_jack_binding_t *)arg;
    if (atomic_load_explicit(&b->shut_down, memory_order_acquire)) return; /* said once: the reason stays */
    size_t n = 0;
    if (reason)
        while (n + 1 < sizeof b->reason && reason[n]) {
            b->reason[n] = reason[n];
            n++;
        }
    b->reason[n] = '\0';
    atomic_store_explicit(&b->notifier, (long)syscall(SYS_gettid), memory_order_relaxed);
    atomic_store_explicit(&b->shut_down, 1, memory_order_release);
}

int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding) {
    int rc = jack_set_process_callback(client, mix_jack_process, binding);
    if (rc == 0) rc = jack_set_xrun_callback(client, on_xrun, binding);
    if (rc == 0) jack_on_info_shutdown(client, on_shutdown, binding);
    return rc;
}

uint64_t mix_jack_xruns(mix_jack_binding_t *b) { return atomic_load_explicit(&b->xruns, memory_order_relaxed); }

int mix_jack_shut_down(mix_jack_binding_t *b, char *reason, size_t reason_size, long *notifier) {
    if (!atomic_load_explicit(&b->shut_down, memory_order_acquire)) return 0;
    if (reason_size) {
        size_t n = strnlen(b->reason, sizeof b->reason);
        if (n >= reason_size) n = reason_size - 1;
        memcpy(reason, b->reason, n);
        reason[n] = '\0';
    }
    *notifier = atomic_load_explicit(&b->notifier, memory_order_relaxed);
    return 1;
}

static void print_message(const char *msg) {
    fputs(msg, stderr);
    fputc('\n', stderr);
}

static void drop_message(const char *msg) { (void)msg; }

void mix_jack_messages(int quiet) {
    jack_set_error_function(quiet ? drop_message : print_message);
    jack_set_info_function(quiet ? drop_message : print_message);
}
