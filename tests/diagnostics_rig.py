"""The diagnostics tests' rig: a small profile with every kind of bus, and the Rig (a whole mixer in a real
jackd, its own problem finder with short but real hysteresis, a probe that plays a sine into channel 1 and
records the main and the wedge). The fixtures are in tests/diagnostics/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass

from support import Probe, wait_until

from mixerd.daemon import Mixer
from mixerd.diagnostics import Diagnostics

# Four inputs, main, a wedge (aux) on playback 3, a stereo group; the config adds the reverb and delay FX
# buses (buses 3 and 4).
PROFILE = """
[profile]
id = "diagnostics-rig"
name = "Diagnostics test rig"

[jack]
driver = "dummy"
rate = 48000
period = 64
capture = 8
playback = 10

[[input]]
port = "system:capture_1"
label = "Vocal"

[[input]]
port = "system:capture_2"
label = "Guitar"

[[input]]
port = "system:capture_3"
label = "Snare"

[[input]]
port = "system:capture_4"
label = "Kick"

[[output]]
port = "system:playback_1"
label = "Main L"

[[output]]
port = "system:playback_2"
label = "Main R"

[[output]]
port = "system:playback_3"
label = "Wedge"

[main]
outputs = ["system:playback_1", "system:playback_2"]

[[bus]]
name = "Wedge"
kind = "aux"
outputs = ["system:playback_3"]

[[bus]]
name = "Drums"
kind = "group"
stereo = true
outputs = []
"""
WEDGE, GROUP, REVERB = 1, 2, 3
TONE = 0.25  # -12 dBFS, 1 kHz


@dataclass
class Rig:
    mixer: Mixer
    diagnostics: Diagnostics
    probe: Probe
    server: str

    @property
    def control(self):
        return self.mixer.control

    def problems(self) -> list[dict]:
        return self.diagnostics.problems()["problems"]

    def find(self, code: str, address: str) -> dict | None:
        return next((p for p in self.problems() if p["code"] == code and p["address"] == address), None)

    def wait_raised(self, code: str, address: str, timeout: float = 15.0) -> dict:
        wait_until(lambda: self.find(code, address) is not None, timeout, f"{code} at {address}")
        return self.find(code, address)

    def wait_cleared(self, code: str, address: str, timeout: float = 15.0) -> None:
        wait_until(lambda: self.find(code, address) is None, timeout, f"{code} at {address} to clear")

    def set(self, **changes) -> None:
        """Changes by address with ``__`` for ``/`` (``ch__1__mute=True``), as one batch."""
        self.control.set_many({k.replace("__", "/"): v for k, v in changes.items()}, "rest")

    def reset(self) -> None:
        """Defaults everywhere (limiters out, so levels are what the stages make them), the probe's
        sine into channel 1 and the standard wiring."""
        tree = self.control.tree
        _, values = self.control.state()
        target = {a: v for a, v in tree.defaults().items() if not a.endswith("/name")}
        target.update({a: False for a in target if a.endswith("limiter/on")})
        changes = {a: v for a, v in target.items() if values[a] != v}
        if changes:
            self.control.set_many(changes, "rest")
        client = self.probe.client
        for src, dst in (("system:capture_1", "mixerd:in_1"), ("probe:out_1", "mixerd:in_1"),
                         ("mixerd:main_L", "system:playback_1"), ("mixerd:main_L", "probe:in_1"),
                         ("mixerd:bus_1", "probe:in_2")):
            if dst not in [p.name for p in client.get_all_connections(src)]:
                client.connect(src, dst)
        self.probe.play(0, 1000.0, TONE)


