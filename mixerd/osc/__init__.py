"""The OSC front end: mixerd in the Behringer X AIR dialect on UDP, for the apps made for X AIR mixers (X AIR
Edit, Mixing Station, TouchOSC, Companion, Python clients). ``server`` serves; ``xair`` maps X AIR paths and
values onto mixerd's addresses; ``frontend`` runs it as one of the mixer's front ends."""

from mixerd.osc.server import FIRMWARE, MODEL, OscServer
from mixerd.osc.xair import Binding, OscArgError, XAirMap

__all__ = ["FIRMWARE", "MODEL", "Binding", "OscArgError", "OscServer", "XAirMap"]
