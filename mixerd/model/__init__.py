"""The parameter tree: every address of the mixer, its type, range, unit and default."""

from mixerd.model.errors import ERROR_CODES, BatchError, ParamError
from mixerd.model.layout import BusLayout, Layout
from mixerd.model.params import ParamTree
from mixerd.model.spec import ParamSpec

__all__ = ["ERROR_CODES", "BatchError", "BusLayout", "Layout", "ParamError", "ParamSpec", "ParamTree"]
