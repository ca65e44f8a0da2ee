#!/usr/bin/env bash
# Installs the Debian / Raspberry Pi OS packages mixerd needs, only those missing.
#   deploy/install-deps.sh          what running mixerd needs (JACK, mosquitto, build tools)
#   deploy/install-deps.sh --test   also what the tests need: Chromium for the browser tests, debootstrap for
#                                   the Debian 13 root, on a PC the cross compilers and qemu-user for the
#                                   core's arm64 and 32-bit ARM builds
# The package names are the same on Debian 12 and 13 and on Raspberry Pi OS bookworm and trixie (but one:
# jack-example-tools, below).
set -euo pipefail

# mosquitto-clients: mosquitto_pub/mosquitto_sub, which the README's MQTT examples use; libsndfile1: the
# recorder's files (python-soundfile's wheel brings its own on x86-64 and arm64, not on a 32-bit Pi OS);
# zita-njbridge: the audio links between boxes ([[link]]), small
packages=(jackd2 libjack-jackd2-dev mosquitto mosquitto-clients libsystemd-dev pkg-config gcc libc6-dev libsndfile1
          zita-njbridge)
# openssl: the TLS tests make self-signed certificates; systemd: systemd-analyze and systemd-sysusers for
# the deploy tests; procps: pgrep; debootstrap: tests/systems/debian-root.sh makes the Debian 13 root;
# pipewire, pipewire-jack, pipewire-bin: a headless PipeWire and its JACK for the PipeWire tests
if [[ "${1:-}" == "--test" ]]; then
    packages+=(chromium openssl systemd procps debootstrap pipewire pipewire-jack pipewire-bin)
    # Debian ships the ARM cross compilers for PCs: tests/test_core_portability.py builds the core for arm64
    # and 32-bit ARM and runs its flush-to-zero check under qemu-user (also make test-arm64's emulator).
    if [[ $(dpkg --print-architecture) == amd64 ]]; then
        packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
                   qemu-user-static)
    fi
fi

# jack_load and jack_unload (a netjack2 [[link]] loads netmanager/netadapter with them) are jackd2's up to
# Debian 12 / Raspberry Pi OS bookworm; from Debian 13 (trixie) on they are in jack-example-tools.
if [[ ! -x /usr/bin/jack_load ]] && (. /etc/os-release && [[ ${VERSION_ID%%.*} -ge 13 ]]) 2>/dev/null; then
    packages+=(jack-example-tools)
fi

# The venv module and Python headers come with the system Python only as separate packages.
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
python3 - <<'PY' 2>/dev/null || packages+=(python3-dev)
import os, sysconfig, sys
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
PY

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
# jackd2 asks (debconf) whether to allow realtime priority; the default answer is fine unattended.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
