"""The core on the machines a Raspberry Pi user has: x86-64 (the PC), arm64 (Raspberry Pi OS 64-bit) and 32-bit
ARM (Raspberry Pi OS 32-bit: Debian's armhf is armv7, Raspberry Pi OS's own is armv6 with VFP).

ext/*.c builds without a single warning with the core's own flags (setup.py's CFLAGS, plus -Werror) for each
of them — natively, or with Debian's cross compilers — and tests/native/flush_to_zero.c, linked with the core
and run natively or under qemu-user, shows that the core flushes subnormal numbers to zero there and gives
the caller its floating-point mode back. A target whose compiler or qemu is missing is skipped with the
package to install (deploy/install-deps.sh --test installs them on a PC); tests/systems/debian-root.sh runs
this module again with Debian 13's gcc 14.
"""

from __future__ import annotations

import ast
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[1]
EXT = TOP / "ext"
DRIVER = TOP / "tests" / "native" / "flush_to_zero.c"
JACK_HEADERS = Path("/usr/include/jack")


def core_cflags() -> list[str]:
    """setup.py's CFLAGS: the flags the core is built with."""
    tree = ast.parse((TOP / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CFLAGS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no CFLAGS list")


@dataclass(frozen=True)
class Target:
    name: str
    machine: str          # platform.machine() of a host that builds it natively
    cross: str            # Debian's cross compiler for it
    qemu: str             # qemu-user for it (Debian 12 names it -static; Debian 13 installs both names)
    packages: str         # what to apt install for the cross build
    march: tuple[str, ...] = ()
    runs: bool = True     # armv6 is only built: Debian's armhf C library needs armv7 to run

    def compiler(self) -> str | None:
        if platform.machine() == self.machine:
            return shutil.which("cc") or shutil.which("gcc")
        return shutil.which(self.cross)

    def runner(self) -> list[str] | None:
        if platform.machine() == self.machine:
            return []
        found = shutil.which(self.qemu) or shutil.which(self.qemu.removesuffix("-static"))
        return [found] if found else None


TARGETS = [
    Target("x86-64", "x86_64", "x86_64-linux-gnu-gcc", "qemu-x86_64-static", "gcc-x86-64-linux-gnu"),
    Target("arm64", "aarch64", "aarch64-linux-gnu-gcc", "qemu-aarch64-static",
           "gcc-aarch64-linux-gnu libc6-dev-arm64-cross"),
    Target("armhf", "armv7l", "arm-linux-gnueabihf-gcc", "qemu-arm-static",
           "gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"),
    Target("armv6 (Raspberry Pi OS 32-bit)", "armv6l", "arm-linux-gnueabihf-gcc", "qemu-arm-static",
           "gcc-arm-linux-gnueabihf libc6-dev-armhf-cross", march=("-march=armv6+fp", "-marm"), runs=False),
]


def _compiler(target: Target) -> str:
    cc = target.compiler()
    if cc is None:
        pytest.skip(f"no compiler for {target.name} here (apt install {target.packages})")
    return cc


def _version(cc: str) -> str:
    return subprocess.run([cc, "-dumpfullversion"], capture_output=True, text=True).stdout.strip()


def _build(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, f"{' '.join(cmd)}\n{done.stderr}"


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_every_core_source_builds_without_a_warning(target, tmp_path):
    cc = _compiler(target)
    # The JACK headers are the same on every architecture; a cross compiler does not search /usr/include,
    # so it gets them (and only them) through a directory of their own.
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "jack").symlink_to(JACK_HEADERS)
    sources = sorted(p for p in EXT.glob("*.c") if p.name != "_core.c")  # not Cython's output
    assert any(p.name == "mixcore.c" for p in sources)
    for source in sources:
        _build([cc, *core_cflags(), *target.march, "-Werror", "-I", str(EXT), "-I", str(tmp_path / "inc"),
                "-c", str(source), "-o", str(tmp_path / (source.stem + ".o"))])
    print(f"\n{target.name}: {cc} {_version(cc)}, {len(sources)} files, no warnings")


@pytest.mark.parametrize("target", [t for t in TARGETS if t.runs], ids=[t.name for t in TARGETS if t.runs])
def test_subnormals_are_flushed_to_zero_in_the_core(target, tmp_path):
    cc = _compiler(target)
    runner = target.runner()
    if runner is None:
        pytest.skip(f"no qemu-user for {target.name} here (apt install qemu-user-static)")
    exe = tmp_path / "flush_to_zero"
    static = [] if not runner else ["-static"]  # qemu-user then needs no C library of that architecture
    kernels = sorted(p for p in EXT.glob("*.c") if p.name not in ("_core.c", "jack_process.c"))
    _build([cc, *core_cflags(), *target.march, "-Werror", *static, "-I", str(EXT), str(DRIVER),
            *map(str, kernels), "-lm", "-o", str(exe)])
    done = subprocess.run([*runner, str(exe)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok "), done.stdout
    print(f"\n{target.name}: {done.stdout.strip()} ({'qemu-user' if runner else 'native'}, {_version(cc)})")
