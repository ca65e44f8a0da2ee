"""Fixtures for the diagnostics tests: the rig (tests/diagnostics_rig.py) per module, reset for each test."""

from __future__ import annotations

import pytest
from diagnostics_rig import PROFILE, Rig
from support import Probe, mixer_config, running_jackd, wait_until

from mixerd.daemon import Mixer
from mixerd.diagnostics import Diagnostics


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    base = tmp_path_factory.mktemp("diagnostics")
    profile = base / "diagnostics-rig.toml"
    profile.write_text(PROFILE)
    with running_jackd(base) as server:
        mixer = Mixer(mixer_config(server, base / "state", profile=str(profile)))
        mixer.start()
        diagnostics = Diagnostics(mixer.control, interval=0.1, raise_after=0.3, clear_after=0.8, xrun_window=2.0)
        diagnostics.start()
        probe = Probe(server, n_out=1, n_in=2)
        try:
            yield Rig(mixer, diagnostics, probe, server)
        finally:
            probe.close()
            diagnostics.stop()
            mixer.stop()


@pytest.fixture
def fresh(rig) -> Rig:
    """The rig back at its starting point, with the tone arriving at channel 1."""
    rig.reset()
    wait_until(lambda: rig.control.meters()["points"]["ch/1/input"]["hold"][0] > -13, what="the tone at channel 1")
    return rig
