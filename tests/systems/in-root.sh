#!/usr/bin/env bash
# Runs inside a Debian root made by tests/systems/debian-root.sh, on the copy of the checkout in /src: what a
# user of that release does (deploy/install-deps.sh, a venv, mixerd built with the release's compiler), then
# the offline tests — the realtime core, its DSP kernels and its portability, the model, the engine's
# references (no jackd, no browser) — and the core's accuracy on the bench's reference workload.
set -euo pipefail
cd /src
echo "Debian $(cat /etc/debian_version) $(dpkg --print-architecture): $(gcc --version | head -n 1), $(python3 --version)"
deploy/install-deps.sh
[[ -x /opt/venv/bin/python ]] || python3 -m venv /opt/venv
/opt/venv/bin/python -m pip install -q --upgrade pip
/opt/venv/bin/python -m pip install -q -e '.[test]'
/opt/venv/bin/python -c 'import numpy, scipy; print("numpy", numpy.__version__, "· scipy", scipy.__version__)'
/opt/venv/bin/python -m pytest -p no:cacheprovider -m 'not jack and not browser' \
    tests/test_core.py tests/test_core_groups.py tests/test_core_solo.py tests/test_core_strip.py \
    tests/test_core_portability.py tests/model tests/engine tests/bench/test_reference_full.py
# The reference workload (32 inputs × 16 mixes, full strips, two FX) against numpy/scipy: how far the core's
# numbers are from the reference on this system. Only the accuracy: times under emulation mean nothing.
/opt/venv/bin/mixerd bench --workload full --no-scaling --seconds 0.2 --json | /opt/venv/bin/python -c '
import json, platform, sys
full = json.load(sys.stdin)["full"]
inputs, buses, diff, blocks = full["inputs"], full["buses"], full["max_abs_diff"], full["compared_blocks"]
print(f"reference workload ({inputs} inputs × {buses} mixes, full strips, FX) on {platform.machine()}:",
      f"max |core − numpy| = {diff:.2e} over {blocks} blocks")'
