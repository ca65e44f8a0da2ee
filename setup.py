"""Builds the realtime core (ext/) into ``mixerd._core``; everything else is declared in pyproject.toml."""

from glob import glob

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

core = Extension(
    "mixerd._core",
    # Every C file in ext/ except Cython's own output: DSP kernels come and go without editing this.
    sources=["ext/_core.pyx", *sorted(c for c in glob("ext/*.c") if not c.endswith("_core.c"))],
    include_dirs=["ext", numpy.get_include()],
    libraries=["jack"],
    # -O3 lets gcc vectorise the per-channel and per-bus loops; no -march so one build runs on any
    # x86-64 or aarch64 machine of the same ABI. -fno-math-errno keeps libm calls from touching errno.
    extra_compile_args=["-O3", "-std=c11", "-fno-math-errno", "-Wall", "-Wno-unused-function"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
)

setup(
    ext_modules=cythonize([core], include_path=["ext"], language_level=3,
                          compiler_directives={"boundscheck": False, "wraparound": False}),
    # The shipped hardware profiles, for installs that are not this checkout: <prefix>/share/mixerd/hw_profiles.
    data_files=[("share/mixerd/hw_profiles", sorted(glob("hw_profiles/*.toml")) + ["hw_profiles/README.md"])],
)
