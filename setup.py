"""Builds the realtime core (ext/) into ``mixerd._core``; everything else is declared in pyproject.toml."""

from glob import glob

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# The core's C flags; tests/test_core_portability.py builds ext/*.c with the same ones for x86-64,
# arm64 and 32-bit ARM (plus -Werror).
# -O3 lets gcc vectorise the per-channel and per-bus loops; no -march so one build runs on any machine of
# the same architecture and ABI. -std=c11, not gnu11: ISO mode turns off floating-point contraction
# (-ffp-contract=off), so gcc never fuses a*b+c into one fused multiply-add where the machine has one
# (aarch64, armv7 VFPv4) and the core computes the same numbers on a Pi as on a PC. -fno-math-errno keeps
# libm calls from touching errno. An undeclared function is an error, as gcc 14 makes it anyway.
CFLAGS = ["-O3", "-std=c11", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-function",
          "-Werror=implicit-function-declaration"]

core = Extension(
    "mixerd._core",
    # Every C file in ext/ except Cython's own output: DSP kernels come and go without editing this.
    sources=["ext/_core.pyx", *sorted(c for c in glob("ext/*.c") if not c.endswith("_core.c"))],
    include_dirs=["ext", numpy.get_include()],
    libraries=["jack"],
    extra_compile_args=CFLAGS,
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
)

setup(
    ext_modules=cythonize([core], include_path=["ext"], language_level=3,
                          compiler_directives={"boundscheck": False, "wraparound": False}),
    # The shipped hardware profiles, for installs that are not this checkout: <prefix>/share/mixerd/hw_profiles.
    data_files=[("share/mixerd/hw_profiles", sorted(glob("hw_profiles/*.toml")) + ["hw_profiles/README.md"])],
)
