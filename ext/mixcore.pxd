# C declarations of the realtime core (mixcore.h) and its JACK binding (jack_process.h).
from libc.stdint cimport int32_t, uint32_t, uint64_t


cdef extern from "mixcore.h" nogil:
    ctypedef struct mixcore_t:
        uint32_t n_inputs
        uint32_t n_buses
        uint32_t n_bus_channels
        uint32_t n_outputs
        uint32_t n_gens
        uint32_t n_meters
        uint32_t max_frames

    ctypedef struct mix_stats_t:
        uint64_t cycles
        uint64_t frames
        uint64_t overruns
        uint64_t meter_drops
        uint64_t cmds_applied
        uint32_t cmds_pending

    enum:
        MIX_OP_TRIM
        MIX_OP_FADER
        MIX_OP_MAIN_L
        MIX_OP_MAIN_R
        MIX_OP_SEND_PRE
        MIX_OP_SEND_POST
        MIX_OP_OUT_GAIN
        MIX_OP_GEN_LEVEL
        MIX_OP_GEN_FREQ
        MIX_OP_GEN_TARGET
        MIX_OP_GEN_MOD
        MIX_OP_RAMP
        MIX_OP_MUTE
        MIX_OP_METER_INTERVAL
        MIX_OP_IMMEDIATE

    mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const uint32_t *bus_widths,
                           uint32_t n_gens, uint32_t max_frames, uint32_t cmd_capacity,
                           uint32_t meter_slots, uint32_t meter_interval,
                           uint32_t ramp_samples) noexcept
    void mixcore_free(mixcore_t *core) noexcept
    int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, float a, float b) noexcept
    uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *peak, float *ms, float *clips,
                                 uint32_t *frames, uint64_t *cycle) noexcept
    void mixcore_stats(mixcore_t *core, mix_stats_t *out) noexcept
    void mixcore_process(mixcore_t *core, const float *const *inputs, float *const *outputs,
                         uint32_t nframes) noexcept


cdef extern from "jack_process.h" nogil:
    ctypedef struct jack_client_t:
        pass
    ctypedef struct jack_port_t:
        pass
    ctypedef struct mix_jack_binding_t:
        pass
    ctypedef uint32_t jack_nframes_t

    mix_jack_binding_t *mix_jack_binding_new(mixcore_t *core, jack_port_t *const *in_ports,
                                             jack_port_t *const *out_ports) noexcept
    void mix_jack_binding_free(mix_jack_binding_t *binding) noexcept
    int mix_jack_install(jack_client_t *client, mix_jack_binding_t *binding) noexcept
    # The realtime process callback JACK calls; C code, no GIL, never raises.
    int mix_jack_process(jack_nframes_t nframes, void *arg) noexcept nogil
