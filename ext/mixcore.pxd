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

    ctypedef struct mix_tap_t:
        uint32_t kind
        uint32_t index
        uint32_t side

    ctypedef struct mix_play_t:
        uint32_t n_tracks
        uint32_t capacity
        uint64_t head
        uint64_t tail
        uint64_t starved

    ctypedef struct mix_rec_gap_t:
        uint64_t at
        uint64_t frames

    ctypedef struct mix_rec_t:
        uint32_t n_taps
        uint32_t capacity
        uint64_t head
        uint64_t tail
        uint64_t lost
        uint64_t drops
        uint64_t pending
        uint64_t start_frame
        uint32_t started

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
        MIX_OP_PLAY_SOURCE
        MIX_OP_PLAY_LEVEL
        MIX_OP_GEQ
        MIX_OP_OUT_DELAY
        MIX_OP_IMMEDIATE
        MIX_CMD_VALUES
        MIX_MF_FIELDS
        MIX_TP_PHASES
        MIX_TP_TAPS
        MIX_BUS_AUX
        MIX_BUS_FX
        MIX_BUS_GROUP
        MIX_BUS_KINDS
        MIX_ORDER_EQ_DYN
        MIX_ORDER_DYN_EQ
        MIX_ORDERS
        MIX_TARGET_NONE
        MIX_TARGET_CHANNEL
        MIX_TARGET_BUS
        MIX_TARGETS
        MIX_GEN_SINE
        MIX_GEN_PINK
        MIX_GEN_WHITE
        MIX_GEN_KINDS
        MIX_FX_REVERB
        MIX_FX_DELAY
        MIX_FX_KINDS
        MIX_INS_HPF
        MIX_INS_EQ
        MIX_INS_GATE
        MIX_INS_COMP
        MIX_CH_INSERTS
        MIX_INS_BUS_EQ
        MIX_INS_GEQ
        MIX_INS_LIMITER
        MIX_BUS_INSERTS
        MIX_CH_HPF_SECTIONS
        MIX_CH_EQ_FIRST
        MIX_EQ_BANDS
        MIX_CH_FILTERS
        MIX_BUS_FILTERS
        MIX_GEQ_BANDS
        MIX_OUT_DELAY_MAX_MS
        MIX_MS_INPUT
        MIX_MS_INSERTS
        MIX_MS_POST
        MIX_MS_INSERT1
        MIX_METER_STAGES
        MIX_GR_GATE
        MIX_GR_COMP
        MIX_GR_LIMITER
        MIX_GR_KINDS
        MIX_MASTER_MAIN
        MIX_RETURN_MAIN
        MIX_MF_PEAK
        MIX_MF_MS
        MIX_MF_CLIPS
        MIX_MF_KMS
        MIX_MF_TP
        MIX_TAP_RAW
        MIX_TAP_TRIM
        MIX_TAP_BUS
        MIX_TAP_INSERT1
        MIX_TAP_INSERTS
        MIX_TAP_POST
        MIX_TAP_SOLO
        MIX_TAP_KINDS
        MIX_RING_REC
        MIX_RING_ANA
        MIX_RINGS
        MIX_REC_GAPS

    # Index helpers (static inline in mixcore.h): the one definition of every index the control side encodes.
    uint32_t mix_main_bus(uint32_t n_buses) noexcept
    uint32_t mix_bus_width(const mix_bus_shape_t *shape) noexcept
    uint32_t mix_bus_in_width(const mix_bus_shape_t *shape) noexcept
    uint32_t mix_send_row(const mix_bus_shape_t *shapes, uint32_t bus) noexcept
    uint32_t mix_send_index(uint32_t n_inputs, uint32_t row, uint32_t channel) noexcept
    uint32_t mix_master_index(const mix_bus_shape_t *shapes, uint32_t bus) noexcept
    uint32_t mix_return_row(uint32_t n_buses, uint32_t fx_bus) noexcept
    uint32_t mix_return_index(uint32_t n_buses, uint32_t fx_bus, uint32_t to) noexcept
    uint32_t mix_channel_filter_slot(uint32_t channel, uint32_t section) noexcept
    uint32_t mix_bus_filter_slot(uint32_t n_inputs, uint32_t bus, uint32_t band) noexcept
    uint32_t mix_channel_insert_slot(uint32_t channel, uint32_t insert) noexcept
    uint32_t mix_bus_insert_slot(uint32_t n_inputs, uint32_t bus, uint32_t insert) noexcept
    uint32_t mix_geq_slot(uint32_t bus, uint32_t band) noexcept
    uint32_t mix_out_delay_max(uint32_t sample_rate) noexcept
    uint32_t mix_channel_meter(uint32_t n_inputs, uint32_t stage, uint32_t channel) noexcept
    uint32_t mix_master_meter(uint32_t n_inputs, uint32_t master) noexcept
    uint32_t mix_gr_index(uint32_t n_inputs, uint32_t kind, uint32_t i) noexcept
    int mix_tap_is_channel(uint32_t kind) noexcept

    mixcore_t *mixcore_new(uint32_t n_inputs, uint32_t n_buses, const mix_bus_shape_t *buses,
                           uint32_t n_gens, uint32_t sample_rate, uint32_t max_frames,
                           uint32_t cmd_capacity, uint32_t meter_slots, uint32_t meter_interval,
                           uint32_t ramp_samples, const double *kweight, const float *tp_taps) noexcept
    void mixcore_free(mixcore_t *core) noexcept
    void mixcore_set_loudness(mixcore_t *core, const double *kweight, const float *tp_taps) noexcept
    int mixcore_set_sample_rate(mixcore_t *core, uint32_t sample_rate) noexcept
    int mixcore_post(mixcore_t *core, uint32_t op, int32_t index, const double *v, uint32_t n_values) noexcept
    uint32_t mixcore_frame_floats(const mixcore_t *core) noexcept
    uint32_t mixcore_read_meters(mixcore_t *core, uint32_t max, float *data, uint32_t *frames,
                                 uint64_t *cycle) noexcept
    void mixcore_stats(mixcore_t *core, mix_stats_t *out) noexcept
    mix_rec_t *mixrec_new(const mixcore_t *core, const mix_tap_t *taps, uint32_t n_taps, uint32_t capacity) noexcept
    void mixrec_free(mix_rec_t *rec) noexcept
    int mixcore_attach_ring(mixcore_t *core, uint32_t which, mix_rec_t *rec) noexcept
    mix_rec_t *mixcore_detach_ring(mixcore_t *core, uint32_t which) noexcept
    int mixcore_rec_busy(mixcore_t *core) noexcept
    int mixcore_rec_released(mixcore_t *core, uint64_t *mark) noexcept
    uint32_t mixrec_read(mix_rec_t *rec, float *out, uint32_t stride, uint32_t max, uint64_t *at) noexcept
    int mixrec_take_gap(mix_rec_t *rec, mix_rec_gap_t *gap) noexcept
    mix_play_t *mixplay_new(const mixcore_t *core, const uint32_t *channels, uint32_t n_tracks,
                            uint32_t capacity) noexcept
    void mixplay_free(mix_play_t *play) noexcept
    int mixcore_attach_play(mixcore_t *core, mix_play_t *play) noexcept
    mix_play_t *mixcore_detach_play(mixcore_t *core) noexcept
    uint32_t mixplay_room(mix_play_t *play) noexcept
    void mixplay_write(mix_play_t *play, const float *src, uint32_t stride, uint32_t frames) noexcept
    void mixplay_end(mix_play_t *play) noexcept
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
    int mix_jack_retire(mix_jack_binding_t *binding) noexcept
    void mix_jack_retire_force(mix_jack_binding_t *binding) noexcept
    uint64_t mix_jack_xruns(mix_jack_binding_t *binding) noexcept
    int mix_jack_shut_down(mix_jack_binding_t *binding, char *reason, size_t reason_size, long *notifier) noexcept
    void mix_jack_messages(int quiet) noexcept
    # The realtime process callback JACK calls; C code, no GIL, never raises.
    int mix_jack_process(jack_nframes_t nframes, void *arg) noexcept nogil
