# Offline entry points to dsp_fx.c for its tests (included by _core.pyx).

cdef extern from "dsp_fx.h" nogil:
    ctypedef struct mix_reverb_params_t:
        float room
        float damp
        float width
        float predelay

    ctypedef struct mix_reverb_t:
        pass

    mix_reverb_t *mix_reverb_new(uint32_t sample_rate, uint32_t max_predelay)
    void mix_reverb_free(mix_reverb_t *r)
    void mix_reverb_set(mix_reverb_t *r, const mix_reverb_params_t *p)
    void mix_reverb_reset(mix_reverb_t *r)
    void mix_reverb_run(mix_reverb_t *r, const float *inp, float *out_l, float *out_r, uint32_t n)

    ctypedef struct mix_delay_params_t:
        float time
        float feedback
        float highcut_coef
        float xfade

    ctypedef struct mix_delay_t:
        pass

    mix_delay_t *mix_delay_new(uint32_t max_samples)
    void mix_delay_free(mix_delay_t *d)
    void mix_delay_set(mix_delay_t *d, const mix_delay_params_t *p)
    void mix_delay_reset(mix_delay_t *d)
    void mix_delay_run(mix_delay_t *d, const float *inp, float *out_l, float *out_r, uint32_t n)


cdef list _dsp_fx_events(events, Py_ssize_t frames):
    """(position, params or None) sorted by position; a position past the end is an error."""
    out = sorted(((int(pos), params) for pos, params in events), key=lambda e: e[0])
    for pos, params in out:
        if pos < 0 or pos > frames:
            raise ValueError(f"event at sample {pos} is outside 0…{frames}")
        if params is not None and len(params) != 4:
            raise ValueError(f"params must be a 4-tuple in the header's field order, not {params!r}")
    return out


def dsp_fx_reverb(x, uint32_t sample_rate, uint32_t max_predelay, events, uint32_t block=64):
    """Run a fresh mix_reverb over mono ``x`` in blocks of ``block``; returns float32 (left, right).

    ``events`` lists (sample position, params) applied just before that sample: params is
    (room, damp, width, predelay) as in mix_reverb_params_t, or None for mix_reverb_reset.
    Blocks are split at event positions so every event lands on its exact sample.
    """
    cdef float[::1] src = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    cdef Py_ssize_t frames = src.shape[0], pos = 0, stop
    if block == 0:
        raise ValueError("block must be ≥ 1")
    left = np.zeros(frames + 1, dtype=np.float32)  # +1: a valid address even for 0 frames
    right = np.zeros(frames + 1, dtype=np.float32)
    cdef float[::1] ol = left, orr = right
    cdef float[::1] inp = np.concatenate([np.asarray(src), np.zeros(1, np.float32)])
    cdef mix_reverb_params_t p
    cdef uint32_t n
    todo = _dsp_fx_events(events, frames) + [(frames, None)]
    cdef mix_reverb_t *r = mix_reverb_new(sample_rate, max_predelay)
    if r == NULL:
        raise ValueError(f"mix_reverb_new({sample_rate}, {max_predelay}) failed")
    try:
        for i, (at, params) in enumerate(todo):
            stop = at
            with nogil:
                while pos < stop:
                    n = <uint32_t>min(<Py_ssize_t>block, stop - pos)
                    mix_reverb_run(r, &inp[pos], &ol[pos], &orr[pos], n)
                    pos += n
            if i == len(todo) - 1:
                break
            if params is None:
                mix_reverb_reset(r)
            else:
                p.room, p.damp, p.width, p.predelay = params
                mix_reverb_set(r, &p)
    finally:
        mix_reverb_free(r)
    return left[:frames], right[:frames]


def dsp_fx_delay(x, uint32_t max_samples, events, uint32_t block=64):
    """Run a fresh mix_delay over mono ``x`` in blocks of ``block``; returns float32 (left, right).

    ``events`` lists (sample position, params): params is (time, feedback, highcut_coef, xfade) as
    in mix_delay_params_t, or None for mix_delay_reset; applied just before that sample.
    """
    cdef float[::1] src = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    cdef Py_ssize_t frames = src.shape[0], pos = 0, stop
    if block == 0:
        raise ValueError("block must be ≥ 1")
    left = np.zeros(frames + 1, dtype=np.float32)
    right = np.zeros(frames + 1, dtype=np.float32)
    cdef float[::1] ol = left, orr = right
    cdef float[::1] inp = np.concatenate([np.asarray(src), np.zeros(1, np.float32)])
    cdef mix_delay_params_t p
    cdef uint32_t n
    todo = _dsp_fx_events(events, frames) + [(frames, None)]
    cdef mix_delay_t *d = mix_delay_new(max_samples)
    if d == NULL:
        raise ValueError(f"mix_delay_new({max_samples}) failed")
    try:
        for i, (at, params) in enumerate(todo):
            stop = at
            with nogil:
                while pos < stop:
                    n = <uint32_t>min(<Py_ssize_t>block, stop - pos)
                    mix_delay_run(d, &inp[pos], &ol[pos], &orr[pos], n)
                    pos += n
            if i == len(todo) - 1:
                break
            if params is None:
                mix_delay_reset(d)
            else:
                p.time, p.feedback, p.highcut_coef, p.xfade = params
                mix_delay_set(d, &p)
    finally:
        mix_delay_free(d)
    return left[:frames], right[:frames]


def dsp_fx_bench(str kind, params, uint32_t sample_rate=48000, double seconds=10.0, uint32_t block=128,
                 bint silence=False):
    """ns per sample of one FX processor over ``seconds`` of noise, or of silence (a tail's end), timing
    the run loop only with the GIL released.

    ``kind`` is "reverb" (params as for mix_reverb_set; predelay up to 100 ms) or "delay" (params
    as for mix_delay_set; time up to 2 s).
    """
    cdef Py_ssize_t frames = <Py_ssize_t>(seconds * sample_rate), pos = 0
    src = np.random.default_rng(0).uniform(-1, 1, frames + block).astype(np.float32)
    if silence:
        src[:] = 0.0
    cdef float[::1] inp = src
    cdef float[::1] ol = np.zeros(block, np.float32), orr = np.zeros(block, np.float32)
    cdef mix_reverb_t *r = NULL
    cdef mix_delay_t *d = NULL
    cdef mix_reverb_params_t rp
    cdef mix_delay_params_t dp
    cdef double t0, t1
    if kind == "reverb":
        r = mix_reverb_new(sample_rate, sample_rate // 10)
        if r == NULL:
            raise MemoryError()
        rp.room, rp.damp, rp.width, rp.predelay = params
        mix_reverb_set(r, &rp)
    elif kind == "delay":
        d = mix_delay_new(2 * sample_rate)
        if d == NULL:
            raise MemoryError()
        dp.time, dp.feedback, dp.highcut_coef, dp.xfade = params
        mix_delay_set(d, &dp)
    else:
        raise ValueError(f"kind must be 'reverb' or 'delay', not {kind!r}")
    try:
        with nogil:
            t0 = _monotonic()
            while pos < frames:
                if r != NULL:
                    mix_reverb_run(r, &inp[pos], &ol[0], &orr[0], block)
                else:
                    mix_delay_run(d, &inp[pos], &ol[0], &orr[0], block)
                pos += block
            t1 = _monotonic()
    finally:
        mix_reverb_free(r)
        mix_delay_free(d)
    return (t1 - t0) * 1e9 / pos
