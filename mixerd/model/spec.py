"""One parameter's contract (ParamSpec) and the checks that turn a JSON value into its stored form."""

from __future__ import annotations

import json
import math
import numbers
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mixerd.model.errors import ParamError
from mixerd.model.text import TextError, check_name, escape_refused, name_hint

Kind = Literal["number", "bool", "string"]
KINDS: tuple[str, ...] = ("number", "bool", "string")


def format_number(x: float, signed: bool = False) -> str:
    """``-90``, ``+10``, ``0.5``: whole numbers without decimals, a ``+`` on positives when ``signed``."""
    text = str(int(x)) if float(x).is_integer() else f"{x:g}"
    return f"+{text}" if signed and x > 0 else text


def show_value(value: Any, limit: int = 48) -> str:
    """The value as the client sent it, in JSON spelling (``"loud"``, ``true``, ``null``, ``20``),
    cut to ``limit`` characters so a huge value cannot flood a message; characters no name may hold (a lone
    surrogate, a right-to-left override) are escaped, so quoting them can neither fail nor garble the message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return escape_refused(text if len(text) <= limit else text[: limit - 1] + "…")


def type_phrase(value: Any) -> str:
    """``a number``, ``a string``, ``null``… — the JSON type of ``value`` in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, numbers.Real):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


class ParamSpec(BaseModel):
    """Everything known about one concrete address: type, range, unit, default and what it means.

    A frozen pydantic model: the parameter tree is typed data that front ends can also publish as
    JSON Schema. Values themselves are checked by ``validate`` (with errors that teach), not by pydantic.

    ``note`` explains special values (``-90 = closed``); ``hint`` overrides the generated short
    description of what is allowed; ``pattern`` is a regex a string must fully match; ``template`` is
    the table row this spec was expanded from (``ch/{n}/fader``); ``scene`` is false for monitoring
    state (solo) that scenes neither store nor recall; ``momentary`` marks a button held or latched for the
    moment (talk): its changes are no undo step and it starts at its default after a restart; ``drives`` the engine unit the value feeds, e.g.
    ``("eq", "ch/3", 2)`` (None: no audio; see ``mixerd.model.table.DRIVES``; not published).
    """

    model_config = ConfigDict(frozen=True)

    address: str
    kind: Kind
    unit: str
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    note: str | None = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    hint: str | None = None
    lowercase: bool = False
    template: str | None = None
    scene: bool = True
    momentary: bool = False
    drives: tuple[Any, ...] | None = None

    @property
    def allowed(self) -> str:
        """A short human hint of the allowed values, e.g. ``-90…+10 dB (-90 = closed)``."""
        if self.hint:
            return self.hint
        if self.kind == "bool":
            return "true or false"
        if self.kind == "number":
            signed = self.min is not None and self.min < 0
            text = f"{format_number(self.min, signed)}…{format_number(self.max, signed)} {self.unit}"
            return f"{text} ({self.note})" if self.note else text
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.max_length is not None:
            return name_hint(self.max_length, self.min_length or 1)
        return "a string"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description for the API; fields that do not apply are left out."""
        out: dict[str, Any] = {
            "address": self.address,
            "kind": self.kind,
            "unit": self.unit,
            "default": self.default,
            "description": self.description,
            "allowed": self.allowed,
        }
        for key in ("min", "max", "note", "min_length", "max_length", "pattern", "template"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if not self.scene:
            out["scene"] = False
        if self.momentary:
            out["momentary"] = True
        return out

    def validate(self, value: Any) -> Any:
        """Return ``value`` in stored form (float, bool or stripped str) or raise ParamError."""
        if self.kind == "number":
            return self._number(value)
        if self.kind == "bool":
            return self._bool(value)
        return self._string(value)

    # -- per kind -------------------------------------------------------------------------------

    def _error(self, code: str, message: str) -> ParamError:
        return ParamError(code, f"{self.address}: {message}", self.address, self.allowed)

    def _wrong_type(self, value: Any, expected: str) -> ParamError:
        got = "null is not a value" if value is None else f"{show_value(value)} is {type_phrase(value)}"
        return self._error("wrong_type", f"{got}; expected {expected}")

    def _number(self, value: Any) -> float:
        # bool is an int subclass in Python, but `true` is never a level.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self._wrong_type(value, f"a number, {self.allowed}")
        # Compare ints exactly before converting: float(10**400) would overflow.
        if not isinstance(value, numbers.Integral) and not math.isfinite(float(value)):
            raise self._error("invalid_value", f"{show_value(value)} is not a finite number; allowed {self.allowed}")
        lo, hi = self.min, self.max
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            nearest = lo if lo is not None and value < lo else hi
            signed = lo is not None and lo < 0
            raise self._error(
                "out_of_range",
                f"{show_value(value)} is out of range; allowed {self.allowed}; "
                f"the nearest allowed value is {format_number(nearest, signed)}",
            )
        if self.choices is not None and float(value) not in self.choices:
            raise self._error("invalid_value", f"{show_value(value)} is not an allowed value; allowed {self.allowed}")
        return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0

    def _bool(self, value: Any) -> bool:
        # Only real JSON booleans: 0/1 or "on" would hide client bugs.
        if not isinstance(value, bool):
            raise self._wrong_type(value, "true or false")
        return value

    def _string(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong_type(value, f"a string, {self.allowed}")
        text = value.strip()
        shown = show_value(text)
        if self.choices is not None:
            if text not in self.choices:
                raise self._error("invalid_value", f"{shown} is not an allowed value; allowed {self.allowed}")
            return text
        if self.max_length is not None:  # a name: the one text rule for every name and label
            try:
                text = check_name(value, self.max_length, self.min_length or 1)
            except TextError as e:
                raise self._error("invalid_value", f"{e.message}; allowed {self.allowed}") from None
        elif not text.isprintable():
            raise self._error("invalid_value", f"{shown} contains control characters; allowed {self.allowed}")
        if self.pattern is not None:
            if not re.fullmatch(self.pattern, text):
                raise self._error("invalid_value", f"{shown} does not have the form {self.allowed}")
        return text.lower() if self.lowercase else text
