"""Errors of scenes, safes, versions and A/B: a ``MixerError`` of the scenes' family."""

from __future__ import annotations

from mixerd.model.errors import MixerError


class SceneError(MixerError):
    """A refused scene, safes, version or A/B operation; nothing was changed."""

    family = frozenset({"not_found", "invalid_name", "name_taken", "confirm_required", "invalid_pattern",
                        "no_match", "invalid_scope", "out_of_range", "invalid_scene", "ab_active", "ab_not_active"})

    @classmethod
    def combine(cls, errors: list["SceneError"]) -> "SceneError":
        """One error standing for several: the first one's code, every message, ``errors`` listing all."""
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        message = f"{len(errors)} problems, nothing was changed: " + "; ".join(e.message for e in errors)
        return cls(first.code, message, first.address, first.allowed, errors=errors)
