"""Follow the signal: the signal-flow trace, the live problem finder and the gain-staging assistant.

Everything here reads the mixer through the control core (values, meters, ports, health) and changes it
only through it; front ends (REST, WebSocket, MQTT) serve what it finds.
"""

from mixerd.diagnostics.monitor import Diagnostics, Hysteresis
from mixerd.diagnostics.problems import CODES, Problem, find
from mixerd.diagnostics.snapshot import Snapshot, take
from mixerd.diagnostics.trace import trace

__all__ = ["CODES", "Diagnostics", "Hysteresis", "Problem", "Snapshot", "find", "take", "trace"]
