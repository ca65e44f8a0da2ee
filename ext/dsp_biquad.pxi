# Offline entry points to dsp_biquad.c for its tests (included by _core.pyx).

cdef extern from "dsp_biquad.h" nogil:
    ctypedef struct mix_bq_coefs_t:
        double b0, b1, b2, a1, a2

    ctypedef struct mix_biquad_t:
        mix_bq_coefs_t c
        mix_bq_coefs_t target
        mix_bq_coefs_t from_ "from"
        uint32_t ramp_len
        uint32_t remaining
        double s1, s2
        double q1, q2

    void mix_biquad_init(mix_biquad_t *f)
    void mix_biquad_set(mix_biquad_t *f, const mix_bq_coefs_t *c, uint32_t ramp_samples, int immediate)
    int mix_biquad_is_identity(const mix_biquad_t *f)
    void mix_biquad_run(mix_biquad_t *f, float *x, uint32_t n)
    void mix_biquad_reset(mix_biquad_t *f)
    uint32_t mix_biquad_run_live(mix_biquad_t *f, uint32_t live, float *x, uint32_t n)


cdef class dsp_biquad_Cascade:
    """``n`` biquads in series, driven offline the way a strip drives them: each block runs through
    section 0, then section 1, ... in place. For tests and the benchmark."""

    cdef mix_biquad_t *f
    cdef readonly uint32_t n

    def __cinit__(self, uint32_t n=1):
        if n == 0:
            raise ValueError("a cascade needs at least one section")
        self.f = <mix_biquad_t *>malloc(n * sizeof(mix_biquad_t))
        if self.f == NULL:
            raise MemoryError()
        self.n = n
        for i in range(n):
            mix_biquad_init(&self.f[i])

    def __dealloc__(self):
        free(self.f)

    cdef mix_biquad_t *_at(self, Py_ssize_t k) except NULL:
        if k < 0 or k >= self.n:
            raise IndexError(f"section {k} of {self.n}")
        return &self.f[k]

    def set(self, Py_ssize_t k, coefs, uint32_t ramp_samples=480, bint immediate=False):
        """Move section ``k`` to ``coefs`` = (b0, b1, b2, a1, a2) over ``ramp_samples``."""
        cdef mix_bq_coefs_t c
        c.b0, c.b1, c.b2, c.a1, c.a2 = (float(v) for v in coefs)
        mix_biquad_set(self._at(k), &c, ramp_samples, immediate)

    def is_identity(self, Py_ssize_t k):
        return mix_biquad_is_identity(self._at(k)) != 0

    def reset(self, Py_ssize_t k):
        mix_biquad_reset(self._at(k))

    def state(self, Py_ssize_t k):
        """Section ``k`` as a dict: coefficient sets ``c``, ``target``, ``from``, ``remaining`` samples
        of the fade, ``state`` (s1, s2) and the incoming filter's ``incoming`` (q1, q2)."""
        cdef mix_biquad_t *f = self._at(k)
        return {
            "c": (f.c.b0, f.c.b1, f.c.b2, f.c.a1, f.c.a2),
            "target": (f.target.b0, f.target.b1, f.target.b2, f.target.a1, f.target.a2),
            "from": (f.from_.b0, f.from_.b1, f.from_.b2, f.from_.a1, f.from_.a2),
            "remaining": f.remaining,
            "state": (f.s1, f.s2),
            "incoming": (f.q1, f.q2),
        }

    def run(self, x, uint32_t block=64):
        """Filter ``x`` through every section in blocks of ``block``; returns a new float32 array."""
        if block == 0:
            raise ValueError("block must be ≥ 1")
        out = np.array(x, dtype=np.float32, copy=True, order="C").reshape(-1)
        cdef float[::1] buf = out
        cdef Py_ssize_t frames = buf.shape[0], pos = 0
        cdef uint32_t m, k
        with nogil:
            while pos < frames:
                m = <uint32_t>min(<Py_ssize_t>block, frames - pos)
                for k in range(self.n):
                    mix_biquad_run(&self.f[k], &buf[pos], m)
                pos += m
        return out

    def run_live(self, x, uint32_t live, uint32_t block=64):
        """Filter ``x`` in blocks of ``block`` through the sections whose bit is set in ``live`` (at most 32
        sections), as a graphic EQ runs (mix_biquad_run_live); returns a new float32 array and ``live`` as the
        kernel leaves it (without the sections it found flat)."""
        if self.n > 32:
            raise ValueError("run_live takes at most 32 sections")
        if block == 0:
            raise ValueError("block must be ≥ 1")
        out = np.array(x, dtype=np.float32, copy=True, order="C").reshape(-1)
        cdef float[::1] buf = out
        cdef Py_ssize_t frames = buf.shape[0], pos = 0
        cdef uint32_t m
        live = ((1 << int(self.n)) - 1) & live
        with nogil:
            while pos < frames:
                m = <uint32_t>min(<Py_ssize_t>block, frames - pos)
                live = mix_biquad_run_live(self.f, live, &buf[pos], m)
                pos += m
        return out, live

    def bench(self, x, uint32_t block=256):
        """Filter ``x`` (float32, in place) like ``run``; returns the elapsed seconds of the C loop."""
        cdef float[::1] buf = x
        cdef Py_ssize_t frames = buf.shape[0], pos = 0
        cdef uint32_t m, k
        cdef double t0, t1
        if block == 0:
            raise ValueError("block must be ≥ 1")
        with nogil:
            t0 = _monotonic()
            while pos < frames:
                m = <uint32_t>min(<Py_ssize_t>block, frames - pos)
                for k in range(self.n):
                    mix_biquad_run(&self.f[k], &buf[pos], m)
                pos += m
            t1 = _monotonic()
        return t1 - t0
