"""deploy/: the systemd units pass systemd-analyze verify and say what an appliance needs; sysusers makes
the mixerd user in group audio; install.sh installs into a staging root a mixerd that runs and finds its
hardware profiles outside this checkout."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in units
    parser.read(DEPLOY / name)
    return parser


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    # Verified as installed: ExecStart must name an existing program, so the venv's mixerd stands in
    # for /usr/local/bin/mixerd.
    mixerd = Path(sys.executable).with_name("mixerd")
    assert mixerd.exists()
    for name in ("mixerd.service", "mixerd-jackd.service"):
        text = (DEPLOY / name).read_text().replace("/usr/local/bin/mixerd", str(mixerd))
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "mixerd.service"),
                             str(tmp_path / "mixerd-jackd.service")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mixerd" not in result.stderr or "No such file" not in result.stderr, result.stderr


def test_the_service_is_an_appliance():
    service = unit("mixerd.service")["Service"]
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert service["WatchdogSec"] == "10s" and service["Restart"] == "on-failure"
    assert service["LimitRTPRIO"] == "95" and service["LimitMEMLOCK"] == "infinity"
    assert service["User"] == "mixerd" and service["SupplementaryGroups"] == "audio"
    assert service["StateDirectory"] == "mixerd"
    assert service["ExecStart"] == "/usr/local/bin/mixerd run --config /etc/mixerd/mixerd.toml"
    assert unit("mixerd.service")["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up
    assert unit("mixerd.service")["Install"]["WantedBy"] == "multi-user.target"
    jackd = unit("mixerd-jackd.service")["Service"]
    assert jackd["ExecStart"].startswith("/usr/bin/jackd -R") and jackd["User"] == "mixerd"


def test_sysusers_makes_mixerd_a_member_of_audio(tmp_path):
    (tmp_path / "etc").mkdir()
    subprocess.run(["systemd-sysusers", f"--root={tmp_path}", str(DEPLOY / "sysusers.d" / "mixerd.conf")],
                   check=True, capture_output=True, timeout=60)
    passwd = (tmp_path / "etc" / "passwd").read_text()
    group = (tmp_path / "etc" / "group").read_text()
    assert any(line.startswith("mixerd:") and line.endswith(":/var/lib/mixerd:/usr/sbin/nologin")
               for line in passwd.splitlines())
    audio = next(line for line in group.splitlines() if line.startswith("audio:"))
    assert "mixerd" in audio.split(":")[3].split(",")


@pytest.mark.timeout(900)
def test_install_sh_into_a_staging_root(tmp_path):
    root = tmp_path / "root"
    result = subprocess.run(["bash", str(DEPLOY / "install.sh"), "--root", str(root), "--no-apt"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in ("etc/systemd/system/mixerd.service", "etc/systemd/system/mixerd-jackd.service",
                 "etc/udev/rules.d/90-mixerd-usb-audio.rules", "usr/lib/sysusers.d/mixerd.conf",
                 "etc/mixerd/mixerd.toml"):
        assert (root / path).is_file(), path
    assert (root / "usr/local/bin/mixerd").is_symlink()
    assert 'profile = "auto"' in (root / "etc/mixerd/mixerd.toml").read_text()
    assert "mixerd:" in (root / "etc/passwd").read_text()
    # The installed mixerd runs outside this checkout and finds the shipped profiles it installed.
    installed = root / "opt/mixerd/bin/mixerd"
    profiles = subprocess.run([str(installed), "profiles"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert profiles.returncode == 0, profiles.stderr
    assert "focusrite-scarlett-18i20-gen3" in profiles.stdout and "behringer-xr18" in profiles.stdout
    where = subprocess.run([str(root / "opt/mixerd/bin/python"), "-c",
                            "from mixerd.profiles import BUILTIN_DIR; print(BUILTIN_DIR)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.stdout.strip() == str(root / "opt/mixerd/share/mixerd/hw_profiles"), where.stdout + where.stderr
    # Run again: an existing config is kept.
    (root / "etc/mixerd/mixerd.toml").write_text("[mixer]\nprofile = \"motu-m4\"\n")
    again = subprocess.run(["bash", str(DEPLOY / "install.sh"), "--root", str(root), "--no-apt"],
                           capture_output=True, text=True, timeout=900)
    assert again.returncode == 0 and "keeping /etc/mixerd/mixerd.toml" in again.stdout
    assert (root / "etc/mixerd/mixerd.toml").read_text() == "[mixer]\nprofile = \"motu-m4\"\n"
