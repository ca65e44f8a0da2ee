#!/usr/bin/env bash
# Makes a Debian root of another release or architecture and runs tests/systems/in-root.sh in it: mixerd
# installed as a user of that release would, its offline tests (the realtime core, its DSP kernels, the
# model, the engine's references: no jackd, no browser) and the core's accuracy on the bench's reference
# workload. This is how the suite sees the systems a Raspberry Pi runs without owning one.
#
#   tests/systems/debian-root.sh trixie          Debian 13 (gcc 14, Python 3.13) on this machine's
#                                                architecture, natively: part of `make test`
#   tests/systems/debian-root.sh trixie arm64    the same for arm64 under qemu-user: `make test-arm64`
#
# The root is made once with debootstrap and kept in $MIXERD_ROOTS (default /var/cache/mixerd/roots); it is
# made again when its package list changes. Every run copies this checkout (tracked and untracked files,
# not what git ignores) into the root's /src. Mounts live in a private mount namespace, so nothing stays
# mounted.
# Needs root (sudo is used when not root), debootstrap, and for a foreign architecture qemu-user-static.
# MIXERD_DEBIAN_MIRROR picks the mirror (default http://deb.debian.org/debian).
set -euo pipefail

suite=${1:?usage: tests/systems/debian-root.sh SUITE [ARCH]}
native=$(dpkg --print-architecture)
arch=${2:-$native}
roots=${MIXERD_ROOTS:-/var/cache/mixerd/roots}
mirror=${MIXERD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
src=$(cd "$(dirname "$0")/../.." && pwd)
root=$roots/$suite-$arch

if [[ $(id -u) -ne 0 ]]; then
    exec sudo --preserve-env=MIXERD_ROOTS,MIXERD_DEBIAN_MIRROR,PIP_INDEX_URL,PIP_EXTRA_INDEX_URL,PIP_TRUSTED_HOST,http_proxy,https_proxy,no_proxy "$0" "$@"
fi

# What the tests need to build mixerd and its dependencies (systemd-python compiles against libsystemd);
# each run then adds what deploy/install-deps.sh installs for a user (JACK, mosquitto), as a user would.
packages=(python3 python3-dev python3-venv gcc libc6-dev libjack-jackd2-dev libsystemd-dev pkg-config ca-certificates)
# On a PC the root also gets that release's cross compilers and qemu-user, so the core's portability test
# builds it with gcc 14 for arm64 and 32-bit ARM too (Debian ships these cross compilers for amd64 hosts).
if [[ $arch == amd64 ]]; then
    packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
               qemu-user-static)
fi

qemu_arch() {
    case $1 in
        arm64) echo aarch64 ;;
        armhf | armel) echo arm ;;
        *) echo "tests/systems/debian-root.sh: no qemu-user mapping for $1" >&2; return 1 ;;
    esac
}

# A foreign architecture runs through qemu-user: the kernel hands its binaries to qemu by binfmt_misc. The
# F flag of Debian's registration opens the interpreter now, so the root needs no copy of qemu.
register_binfmt() {
    local q conf
    q=$(qemu_arch "$arch")
    conf=/usr/lib/binfmt.d/qemu-$q.conf
    [[ -f $conf ]] || { echo "qemu-user-static is not installed (apt install qemu-user-static)" >&2; exit 1; }
    [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    [[ -e /proc/sys/fs/binfmt_misc/qemu-$q ]] || cat "$conf" >/proc/sys/fs/binfmt_misc/register
}

failed() {
    tail -n 20 "$1" >&2
    echo "tests/systems/debian-root.sh: debootstrap failed (the whole log: $1)" >&2
    exit 1
}

make_root() {
    local new=$root.new include
    include=$(IFS=,; echo "${packages[*]}")
    rm -rf "$new"
    mkdir -p "$roots"
    echo "Making a Debian $suite root for $arch in $root (once; debootstrap from $mirror)"
    local log=$roots/$suite-$arch.log
    if [[ $arch == "$native" ]]; then
        debootstrap --variant=minbase --include="$include" "$suite" "$new" "$mirror" >"$log" 2>&1 || failed "$log"
    else
        debootstrap --variant=minbase --foreign --arch="$arch" --include="$include" "$suite" "$new" "$mirror" \
            >"$log" 2>&1 || failed "$log"
        chroot "$new" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 || failed "$log"
    fi
    echo "$want" >"$new/.mixerd-root"
    rm -rf "$root"
    mv "$new" "$root"
}

[[ $arch == "$native" ]] || register_binfmt
want="$suite $arch ${packages[*]}"
if [[ ! -f $root/.mixerd-root || $(cat "$root/.mixerd-root") != "$want" ]]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt install debootstrap)" >&2; exit 1; }
    make_root
fi

# This checkout, as git sees it (ignored files such as .venv and build output stay out).
rm -rf "$root/src"
mkdir -p "$root/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read --warning=no-failed-read -cf -) | tar -C "$root/src" -xf -
# pip trusts the host's certificate store: a network that inspects TLS has its authority there, not in a
# fresh root (a file of its own, which the root's ca-certificates never rewrites).
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/host-ca-certificates.crt"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Packages that deploy/install-deps.sh installs must not start their services in the root.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"


env_pass=(HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 PIP_CERT=/etc/ssl/host-ca-certificates.crt
          PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore)
# qemu's default CPU has every extension, SVE among them, which no Raspberry Pi has; numpy's OpenBLAS then
# picks its SVE kernels, which returned NaN for complex products under emulation (seen with numpy 2.5).
# Emulate the core of a Raspberry Pi 4 (arm64) or 2 (armhf) instead.
case $arch in
    "$native") ;;
    arm64) env_pass+=(QEMU_CPU=cortex-a72) ;;
    armhf) env_pass+=(QEMU_CPU=cortex-a7) ;;
esac
for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT http_proxy https_proxy no_proxy; do
    if [[ -n ${!v:-} ]]; then env_pass+=("$v=${!v}"); fi
done

unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1; shift
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount -t tmpfs tmpfs "$root/tmp"
    exec chroot "$root" /usr/bin/env -i "$@"
' unshare-root "$root" "${env_pass[@]}" /src/tests/systems/in-root.sh
