"""The parameter tree: every address of the mixer, its type, range, unit and default."""

from mixerd.model.errors import CODES, KINDS, BatchError, MixerError, ParamError
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree
from mixerd.model.spec import ParamSpec

__all__ = ["CODES", "KINDS", "BatchError", "BusLayout", "Layout", "MixerError", "ParamError", "ParamSpec",
           "ParamTree"]
