# C declarations of the realtime core (mixcore.h) and its JACK binding (jack_process.h).
from libc.stdint cimport int32_t, uint32_t, uint64_t


cdef extern from "mixcore.h" nogil:
    ctypedef struct mixcore_t:
        uint32_t n_inputs
        uint32_t n_buses
        uint32_t n_outputs
        uint32_t n_masters
        uint32_t n_gens
        uint32_t n_meters
        uint32_t n_gr
        uint32_t max_frames

    ctypedef struct mix_stats_t:
        uint64_t cycles
        uint64_t frames
        uint64_t overruns
        uint64_t meter_drops
        uint64_t cmds_applied
        uint32_t cmds_pending

    ctypedef struct mix_bus_shape_t:
        uint32_t kind
        uint32_t width

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
        MIX_OP_BIQUAD
        MIX_OP_INSERT
        MIX_OP_GATE
        MIX_OP_COMP
        MIX_OP_LIMITER
        MIX_OP_ORDER
        MIX_OP_RETURN
        MIX_OP_FX_KIND
        MIX_OP_REVERB
        MIX_OP_DELAY
        MIX_OP_GEN_KIND
        MIX_OP_SOLO_PFL
        MIX_OP_SOLO_AFL_L
        MIX_OP_SOLO_AFL_R
        MIX_OP_SOLO_SRC
        MIX_OP_GROUP_MAIN
        MIX_OP_IMMEDIATE
        MIX_CMD_VALUES
        MIX_MF_FIELDS
        MIX_TP_PHASES
        MIX_TP_TAPS
        MIX_BUS_AUX
        MIX_BUS_FX
        MIX_BUS_GROUP

    mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const mix_bus_shape_t *buses,
                           uint32_t n_gens, uint32_t sample_rate, uint32_t max_frames,
                           uint32_t cmd_capacity, uint32_t meter_slots, uint32_t meter_interval,
                           uint32_t ramp_samples, const double *kweight, const float *tp_taps) noexcept
    void mixcore_free(mixcore_t *core) noexcept
    void mixcore_set_loudness(mixcore_t *core, const double *kweight, const float *tp_taps) noexcept
    int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, const double *v, uint32_t n_values) noexcept
    uint32_t mixcore_frame_floats(const mixcore_t *core) noexcept
    uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *data, uint32_t *frames,
                                 uint64_t *cycle) noexcept
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
    void mix_jack_busy(mix_jack_binding_t *binding, uint64_t *busy_us, uint64_t *cycles) noexcept
    # The realtime process callback JACK calls; C code, no GIL, never raises.
    int mix_jack_process(jack_nframes_t nframes, void *arg) noexcept nogil
