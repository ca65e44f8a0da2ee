# Offline entry points to dsp_dynamics.c for its tests (included by _core.pyx).
# Each runs a kernel over a whole numpy signal in blocks, the way the callback would, and returns the
# output, the per-block gain reduction the kernel reported, its final state and the time spent in C.
# They do not set FTZ/DAZ, so the tests see any denormal slowdown the kernels would have.

cdef extern from "dsp_dynamics.h" nogil:
    ctypedef struct mix_gate_params_t:
        float threshold_db
        float range_db
        float attack_coef
        float release_coef
        float hold_samples

    ctypedef struct mix_gate_t:
        mix_gate_params_t p
        float env
        float gain
        float hold_left

    ctypedef struct mix_comp_params_t:
        float threshold_db
        float ratio
        float knee_db
        float attack_coef
        float release_coef
        float makeup_db

    ctypedef struct mix_comp_t:
        mix_comp_params_t p
        float gr_db

    ctypedef struct mix_limiter_params_t:
        float threshold_lin
        float release_coef

    ctypedef struct mix_limiter_t:
        mix_limiter_params_t p
        float gain

    void mix_gate_init(mix_gate_t *g)
    void mix_gate_set(mix_gate_t *g, const mix_gate_params_t *p)
    float mix_gate_run(mix_gate_t *g, float *x, uint32_t n)
    void mix_comp_init(mix_comp_t *c)
    void mix_comp_set(mix_comp_t *c, const mix_comp_params_t *p)
    float mix_comp_curve(const mix_comp_params_t *p, float level_db)
    float mix_comp_run(mix_comp_t *c, float *x, uint32_t n)
    void mix_limiter_init(mix_limiter_t *l)
    void mix_limiter_set(mix_limiter_t *l, const mix_limiter_params_t *p)
    float mix_limiter_run(mix_limiter_t *l, float *const *x, uint32_t channels, uint32_t n)

# Test hooks in dsp_dynamics.c, outside the header's contract.
cdef extern from * nogil:
    """
    float mix_dynamics_fast_log2(float x);
    float mix_dynamics_fast_exp2(float y);
    """
    float mix_dynamics_fast_log2(float x)
    float mix_dynamics_fast_exp2(float y)


def _dsp_dynamics_signal(x, int rows):
    a = np.array(x, dtype=np.float32, order="C", copy=True)
    if a.ndim != rows:
        raise ValueError(f"expected a {rows}-D signal, got {a.ndim}-D")
    return a


def _dsp_dynamics_blocks(uint32_t n, uint32_t block):
    if block == 0:
        raise ValueError("block must be >= 1")
    return np.zeros((n + block - 1) // block, dtype=np.float32)


def dsp_dynamics_gate(x, params, uint32_t block=64):
    """Gate ``x`` (1-D) in blocks; ``params`` in mix_gate_params_t order.

    Returns (y, gr_db per block, (env, gain, hold_left), seconds in C)."""
    cdef float[::1] y = _dsp_dynamics_signal(x, 1)
    cdef uint32_t n = y.shape[0]
    out_gr = _dsp_dynamics_blocks(n, block)
    cdef float[::1] gr = out_gr
    cdef mix_gate_t g
    cdef mix_gate_params_t p
    p.threshold_db, p.range_db, p.attack_coef, p.release_coef, p.hold_samples = params
    mix_gate_init(&g)
    mix_gate_set(&g, &p)
    cdef uint32_t off = 0, k = 0
    cdef double t0, t1
    with nogil:
        t0 = _monotonic()
        while off < n:
            gr[k] = mix_gate_run(&g, &y[off], min(block, n - off))
            off += block
            k += 1
        t1 = _monotonic()
    return np.asarray(y), out_gr, (g.env, g.gain, g.hold_left), t1 - t0


def dsp_dynamics_comp(x, params, uint32_t block=64):
    """Compress ``x`` (1-D) in blocks; ``params`` in mix_comp_params_t order.

    Returns (y, gr_db per block, gr_db state, seconds in C)."""
    cdef float[::1] y = _dsp_dynamics_signal(x, 1)
    cdef uint32_t n = y.shape[0]
    out_gr = _dsp_dynamics_blocks(n, block)
    cdef float[::1] gr = out_gr
    cdef mix_comp_t c
    cdef mix_comp_params_t p
    p.threshold_db, p.ratio, p.knee_db, p.attack_coef, p.release_coef, p.makeup_db = params
    mix_comp_init(&c)
    mix_comp_set(&c, &p)
    cdef uint32_t off = 0, k = 0
    cdef double t0, t1
    with nogil:
        t0 = _monotonic()
        while off < n:
            gr[k] = mix_comp_run(&c, &y[off], min(block, n - off))
            off += block
            k += 1
        t1 = _monotonic()
    return np.asarray(y), out_gr, c.gr_db, t1 - t0


def dsp_dynamics_comp_curve(levels_db, params):
    """mix_comp_curve over an array of input levels (dB); ``params`` in mix_comp_params_t order."""
    cdef mix_comp_params_t p
    p.threshold_db, p.ratio, p.knee_db, p.attack_coef, p.release_coef, p.makeup_db = params
    cdef float[::1] lv = np.ascontiguousarray(levels_db, dtype=np.float32)
    out = np.empty(lv.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    cdef Py_ssize_t i
    for i in range(lv.shape[0]):
        o[i] = mix_comp_curve(&p, lv[i])
    return out


def dsp_dynamics_limiter(x, params, uint32_t block=64):
    """Limit ``x`` (channels x frames, linked) in blocks; ``params`` in mix_limiter_params_t order.

    Returns (y, gr_db per block, gain state, seconds in C)."""
    a = _dsp_dynamics_signal(x, 2)
    cdef float[:, ::1] y = a
    cdef uint32_t ch = y.shape[0], n = y.shape[1], c
    if ch == 0 or ch > 8:
        raise ValueError("1 to 8 channels")
    out_gr = _dsp_dynamics_blocks(n, block)
    cdef float[::1] gr = out_gr
    cdef mix_limiter_t l
    cdef mix_limiter_params_t p
    p.threshold_lin, p.release_coef = params
    mix_limiter_init(&l)
    mix_limiter_set(&l, &p)
    cdef float *ptrs[8]
    cdef uint32_t off = 0, k = 0
    cdef double t0, t1
    with nogil:
        t0 = _monotonic()
        while off < n:
            for c in range(ch):
                ptrs[c] = &y[c, off]
            gr[k] = mix_limiter_run(&l, ptrs, ch, min(block, n - off))
            off += block
            k += 1
        t1 = _monotonic()
    return a, out_gr, l.gain, t1 - t0


def dsp_dynamics_fast_log2(x):
    """The kernels' fast log2 over an array of positive, normal float32 values."""
    cdef float[::1] v = np.ascontiguousarray(x, dtype=np.float32)
    out = np.empty(v.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    cdef Py_ssize_t i
    for i in range(v.shape[0]):
        o[i] = mix_dynamics_fast_log2(v[i])
    return out


def dsp_dynamics_fast_exp2(y):
    """The kernels' fast 2**y over an array of float32 exponents."""
    cdef float[::1] v = np.ascontiguousarray(y, dtype=np.float32)
    out = np.empty(v.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    cdef Py_ssize_t i
    for i in range(v.shape[0]):
        o[i] = mix_dynamics_fast_exp2(v[i])
    return out
