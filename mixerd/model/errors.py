"""Structured validation errors: every rejected address or value says what was wrong and what is allowed.

Front ends turn these into their own error shapes (REST error bodies, MQTT error topic) without
re-wording them, so the message written here is the one a user reads.
"""

from __future__ import annotations

from typing import Any

#: Error codes and what they mean. Front ends map codes to their own status (REST: 404 / 422).
ERROR_CODES: dict[str, str] = {
    "unknown_address": "no parameter has this address",
    "wrong_type": "the value has the wrong JSON type (number, bool or string)",
    "out_of_range": "the number lies outside the parameter's range",
    "invalid_value": "the value has the right type but is not allowed (format, length, choice, NaN)",
    "not_found": "no scene, template, mix or other named thing of that name or number",
    "too_many_changes": "a batch names more changes than the mixer has parameters (each address at most once)",
    "nothing_to_undo": "the undo history has no step left to undo",
    "nothing_to_redo": "no undone step to redo (a new change after undo discards the redo steps)",
}


class ParamError(ValueError):
    """A rejected address or value: ``code`` (see ERROR_CODES), a teaching ``message``, the ``address``
    and a short ``allowed`` hint (or None)."""

    def __init__(self, code: str, message: str, address: str | None = None, allowed: str | None = None):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown ParamError code {code!r}; known: {', '.join(ERROR_CODES)}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.address = address
        self.allowed = allowed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"code", "message", "address", "allowed"}``."""
        return {"code": self.code, "message": self.message, "address": self.address, "allowed": self.allowed}

    def __repr__(self) -> str:
        return f"ParamError({self.code!r}, {self.message!r}, address={self.address!r})"


class BatchError(ParamError):
    """A batch of changes was rejected as a whole; ``errors`` names every bad address.

    It is a ParamError whose code, address and allowed hint are those of the first error, so a caller
    that only handles ParamError still reports something precise.
    """

    #: How many errors the message quotes; ``errors`` has every one.
    QUOTED = 10

    def __init__(self, errors: list[ParamError], total: int):
        if not errors:
            raise ValueError("BatchError needs at least one error")
        self.errors = list(errors)
        first = self.errors[0]
        detail = "; ".join(e.message for e in self.errors[: self.QUOTED])
        if len(self.errors) > self.QUOTED:
            detail += f"; and {len(self.errors) - self.QUOTED} more (each is in the list of errors)"
        message = f"{len(self.errors)} of {total} changes rejected, nothing was applied: {detail}"
        super().__init__(first.code, message, first.address, first.allowed)

    def to_dict(self) -> dict[str, Any]:
        """Like ParamError.to_dict, plus ``errors``: one dict per rejected change."""
        return {**super().to_dict(), "errors": [e.to_dict() for e in self.errors]}
