"""Errors of scenes, safes, versions and A/B: a code, a teaching message, what it is about, what is allowed.

Front ends map the code to their own status (REST: see ``mixerd.web.errors.SCENE_STATUS``).
"""

from __future__ import annotations

from typing import Any

#: Error codes and what they mean.
SCENE_ERROR_CODES: dict[str, str] = {
    "not_found": "no scene or version with this id",
    "invalid_name": "a scene name must be 1 to 64 characters under the text rule for names (no control, "
                    "bidirectional or invisible format characters)",
    "name_taken": "another scene already has this name",
    "confirm_required": "the operation cannot be undone and must be confirmed",
    "invalid_pattern": "an address pattern is malformed",
    "no_match": "an address pattern matches no address of this mixer",
    "invalid_scope": "a recall scope must list at least one pattern (omit it to recall everything)",
    "out_of_range": "a number (e.g. fade_ms) lies outside its range",
    "invalid_scene": "a scene document is not a mixerd scene this mixer can use",
    "ab_active": "a comparison is already running",
    "ab_not_active": "no comparison is running",
}


class SceneError(ValueError):
    """A refused scene, safes, version or A/B operation; nothing was changed.

    ``address`` is the address or pattern the error is about (if any), ``allowed`` a short hint, and
    ``errors`` the individual problems when several things were wrong at once (e.g. safe patterns).
    """

    def __init__(self, code: str, message: str, address: str | None = None, allowed: str | None = None,
                 errors: list["SceneError"] | None = None):
        if code not in SCENE_ERROR_CODES:
            raise ValueError(f"unknown SceneError code {code!r}; known: {', '.join(SCENE_ERROR_CODES)}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.address = address
        self.allowed = allowed
        self.errors = errors

    @classmethod
    def combine(cls, errors: list["SceneError"]) -> "SceneError":
        """One error standing for several: the first one's code, every message, ``errors`` listing all."""
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        message = f"{len(errors)} problems, nothing was changed: " + "; ".join(e.message for e in errors)
        return cls(first.code, message, first.address, first.allowed, errors=list(errors))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"code", "message", "address", "allowed"}`` (+ ``errors`` when several)."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "address": self.address,
                               "allowed": self.allowed}
        if self.errors:
            out["errors"] = [e.to_dict() for e in self.errors]
        return out

    def __repr__(self) -> str:
        return f"SceneError({self.code!r}, {self.message!r}, address={self.address!r})"
