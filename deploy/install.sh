#!/usr/bin/env bash
# Installs mixerd as a service on Raspberry Pi OS / Debian and enables it:
#   sudo deploy/install.sh
# What it does: the Debian packages (deploy/install-deps.sh); mixerd in its own venv /opt/mixerd with the
# command /usr/local/bin/mixerd; the static user "mixerd" in group audio (sysusers.d); the systemd units
# mixerd.service (and mixerd-jackd.service, not enabled); the udev rule that keeps USB audio awake;
# /etc/mixerd/mixerd.toml from the example (an existing one is kept); then enables and starts mixerd.
#
# Options (for packaging and for the tests): --root DIR installs below DIR and starts nothing;
# --no-apt skips the Debian packages; --no-enable installs without enabling or starting.
set -euo pipefail

root="" apt=1 enable=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --root) root="${2:?--root needs a directory}"; shift 2 ;;
        --no-apt) apt=0; shift ;;
        --no-enable) enable=0; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n "$root" ]] && enable=0
if [[ -z "$root" && $(id -u) -ne 0 ]]; then
    echo "install.sh: run it as root: sudo deploy/install.sh" >&2
    exit 1
fi
src=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "mixerd install: $*"; }

if [[ $apt -eq 1 ]]; then
    "$src/deploy/install-deps.sh"
fi

say "mixerd into $root/opt/mixerd"
python3 -m venv "$root/opt/mixerd"
"$root/opt/mixerd/bin/python" -m pip install -q --upgrade pip
"$root/opt/mixerd/bin/python" -m pip install -q "$src"
install -d "$root/usr/local/bin"
ln -sfn /opt/mixerd/bin/mixerd "$root/usr/local/bin/mixerd"

say "user mixerd (group audio)"
install -D -m 0644 "$src/deploy/sysusers.d/mixerd.conf" "$root/usr/lib/sysusers.d/mixerd.conf"
if [[ -n "$root" ]]; then
    install -d "$root/etc"
    systemd-sysusers --root="$root" "$root/usr/lib/sysusers.d/mixerd.conf"
else
    systemd-sysusers /usr/lib/sysusers.d/mixerd.conf
fi

say "systemd units and the udev rule"
install -D -m 0644 "$src/deploy/mixerd.service" "$root/etc/systemd/system/mixerd.service"
install -D -m 0644 "$src/deploy/mixerd-jackd.service" "$root/etc/systemd/system/mixerd-jackd.service"
install -D -m 0644 "$src/deploy/udev/90-mixerd-usb-audio.rules" "$root/etc/udev/rules.d/90-mixerd-usb-audio.rules"

install -d -m 0750 "$root/etc/mixerd"
if [[ -e "$root/etc/mixerd/mixerd.toml" ]]; then
    say "keeping /etc/mixerd/mixerd.toml"
else
    say "/etc/mixerd/mixerd.toml (profile = \"auto\": the connected interface)"
    sed 's/^profile = "demo"$/profile = "auto"/' "$src/deploy/mixerd.example.toml" > "$root/etc/mixerd/mixerd.toml"
    chmod 0640 "$root/etc/mixerd/mixerd.toml"
fi
if [[ -z "$root" ]]; then
    chgrp -R mixerd /etc/mixerd
    udevadm control --reload || true
    udevadm trigger --subsystem-match=usb --action=add || true
    systemctl daemon-reload
fi

if [[ $enable -eq 1 ]]; then
    systemctl enable --now mixerd.service
    say "mixerd is enabled and started: systemctl status mixerd, journalctl -u mixerd"
else
    say "installed (not enabled): systemctl enable --now mixerd.service"
fi
