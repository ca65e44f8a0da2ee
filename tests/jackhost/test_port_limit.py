"""The jackd mixerd starts gets a port limit sized for the mixer, not JACK's default of 2048: libjack maps and
locks JACK's whole port table into every client (about 37 MB plus 32 KB a port), so the default costs mixerd,
jackd and every other client about 100 MB of RAM each — a tenth of a 1 GB Raspberry Pi."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support import unique_server_name

from mixerd.config import Config
from mixerd.daemon import Mixer
from mixerd.jackhost import port_limit, server_running

pytestmark = pytest.mark.jack

MB = 1024 * 1024


def test_the_configured_limit_is_kept_while_everything_fits():
    assert port_limit(256, own_ports=70, capture=32, playback=18) == 256


def test_a_mixer_that_does_not_fit_raises_the_limit_to_what_it_needs():
    # 64 inputs + 36 outputs of mixerd, an interface with 64 in / 34 out, and 64 to spare: 262 → 320
    assert port_limit(256, own_ports=100, capture=64, playback=34) == 320


def test_an_interface_whose_channel_count_is_unknown_is_given_room():
    # ALSA with capture = playback = 0 ("all the device has"): 64 each are assumed
    assert port_limit(128, own_ports=40, capture=0, playback=0) == 256


def _port_table_bytes(pid: int) -> int:
    """The largest JACK shared-memory segment resident in process ``pid``: the server's port table."""
    sizes: dict[str, int] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and ":" not in head[0]:  # a mapping's first line: range perms ... [path]
            name = head[5] if len(head) > 5 else ""
        elif head and head[0] == "Rss:" and name.startswith("/dev/shm/jack-"):
            sizes[name] = sizes.get(name, 0) + int(head[1]) * 1024
    return max(sizes.values(), default=0)


def test_the_jackd_mixerd_starts_has_the_configured_port_limit(tmp_path):
    cfg = Config()
    name = unique_server_name()
    cfg = dataclasses.replace(
        cfg, jack=dataclasses.replace(cfg.jack, server=name, start_server="always", autostart="dummy",
                                      realtime=False, client_name="mixerd-ports"),
        state=dataclasses.replace(cfg.state, dir=tmp_path), mqtt=dataclasses.replace(cfg.mqtt, enabled=False))
    m = Mixer(cfg)
    m.start()
    try:
        jackd = m.host.own_server.proc
        argv = Path(f"/proc/{jackd.pid}/cmdline").read_bytes().split(b"\0")
        assert argv[argv.index(b"-p") + 1] == b"256", argv  # the first -p is jackd's own, before -d
        assert argv.index(b"-p") < argv.index(b"-d")
        # JACK's default (2048 ports) would be about 100 MB resident in jackd; 256 ports about 45 MB
        assert 0 < _port_table_bytes(jackd.pid) < 64 * MB
        assert m.host.info()["running"]
    finally:
        m.stop()
    assert not server_running(name)
