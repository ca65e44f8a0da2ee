# Offline entry points to dsp_loudness.c for its tests (included by _core.pyx).

# MIX_TP_PHASES and MIX_TP_TAPS come with mixcore.pxd.
cdef extern from "dsp_loudness.h" nogil:
    ctypedef struct mix_kweight_t:
        double c[10]
        double s[4]

    ctypedef struct mix_truepeak_t:
        float hist[MIX_TP_TAPS]

    void mix_kweight_init(mix_kweight_t *k, const double *coefs)
    double mix_kweight_run(mix_kweight_t *k, const float *x, uint32_t n)
    void mix_truepeak_init(mix_truepeak_t *t)
    float mix_truepeak_run(mix_truepeak_t *t, const float *taps, const float *x, uint32_t n)


DSP_LOUDNESS_TP_PHASES = MIX_TP_PHASES
DSP_LOUDNESS_TP_TAPS = MIX_TP_TAPS


def _dsp_loudness_blocks(blocks, Py_ssize_t frames):
    """Block lengths covering ``frames``: ``blocks`` is one length or a sequence used cyclically."""
    sizes = [int(blocks)] if np.ndim(blocks) == 0 else [int(b) for b in blocks]
    if not sizes or min(sizes) < 1:
        raise ValueError("block lengths must be ≥ 1")
    out = []
    cdef Py_ssize_t pos = 0
    cdef Py_ssize_t i = 0
    while pos < frames:
        n = min(sizes[i % len(sizes)], frames - pos)
        out.append(n)
        pos += n
        i += 1
    return np.asarray(out, dtype=np.uint32)


def _dsp_loudness_coefs(coefs):
    c = np.ascontiguousarray(coefs, dtype=np.float64).ravel()
    if c.shape[0] != 10:
        raise ValueError("K-weighting takes 10 coefficients (b0 b1 b2 a1 a2 per stage)")
    return c


def _dsp_loudness_taps(taps):
    t = np.ascontiguousarray(taps, dtype=np.float32).ravel()
    if t.shape[0] != MIX_TP_PHASES * MIX_TP_TAPS:
        raise ValueError(f"true peak takes {MIX_TP_PHASES * MIX_TP_TAPS} taps (phase-major)")
    return t


def dsp_loudness_kweight(coefs, x, blocks=64, bint return_state=False):
    """K-weighted sum of squares of each block of ``x`` (float32), one filter state across blocks.

    ``blocks`` is a block length or a sequence of lengths used in turn. Returns float64, one per block
    (and the final filter state, 4 doubles, with ``return_state``).
    """
    cdef double[::1] c = _dsp_loudness_coefs(coefs)
    cdef const float[::1] src = np.ascontiguousarray(x, dtype=np.float32).ravel()
    cdef uint32_t[::1] sizes = _dsp_loudness_blocks(blocks, src.shape[0])
    out = np.zeros(sizes.shape[0], dtype=np.float64)
    cdef double[::1] dst = out
    cdef mix_kweight_t k
    cdef Py_ssize_t pos = 0, b
    mix_kweight_init(&k, &c[0])
    with nogil:
        for b in range(sizes.shape[0]):
            dst[b] = mix_kweight_run(&k, &src[pos], sizes[b])
            pos += sizes[b]
    if return_state:
        return out, np.array([k.s[0], k.s[1], k.s[2], k.s[3]])
    return out


def dsp_loudness_truepeak(taps, x, blocks=64):
    """True peak (linear) of each block of ``x`` (float32), one interpolator state across blocks.

    ``taps`` are the 48 phase-major interpolation taps. Returns float32, one per block.
    """
    cdef const float[::1] h = _dsp_loudness_taps(taps)
    cdef const float[::1] src = np.ascontiguousarray(x, dtype=np.float32).ravel()
    cdef uint32_t[::1] sizes = _dsp_loudness_blocks(blocks, src.shape[0])
    out = np.zeros(sizes.shape[0], dtype=np.float32)
    cdef float[::1] dst = out
    cdef mix_truepeak_t t
    cdef Py_ssize_t pos = 0, b
    mix_truepeak_init(&t)
    with nogil:
        for b in range(sizes.shape[0]):
            dst[b] = mix_truepeak_run(&t, &h[0], &src[pos], sizes[b])
            pos += sizes[b]
    return out


def dsp_loudness_bench(coefs, taps, uint32_t block=256, uint32_t repeats=20000):
    """Nanoseconds per sample of each kernel on one channel: (kweight, truepeak).

    Runs ``repeats`` blocks of ``block`` frames of noise through each kernel in C, without the GIL.
    """
    if block == 0:
        raise ValueError("block must be ≥ 1")
    cdef double[::1] c = _dsp_loudness_coefs(coefs)
    cdef const float[::1] h = _dsp_loudness_taps(taps)
    cdef const float[::1] src = np.random.default_rng(1).uniform(-0.5, 0.5, block).astype(np.float32)
    cdef mix_kweight_t k
    cdef mix_truepeak_t t
    cdef uint32_t r
    cdef double t0, t1, t2, sink = 0.0
    mix_kweight_init(&k, &c[0])
    mix_truepeak_init(&t)
    with nogil:
        t0 = _monotonic()
        for r in range(repeats):
            sink += mix_kweight_run(&k, &src[0], block)
        t1 = _monotonic()
        for r in range(repeats):
            sink += mix_truepeak_run(&t, &h[0], &src[0], block)
        t2 = _monotonic()
    if sink != sink:  # keeps the loops' results live
        raise RuntimeError("non-finite result")
    cdef double scale = 1e9 / (<double>block * repeats)
    return (t1 - t0) * scale, (t2 - t1) * scale
