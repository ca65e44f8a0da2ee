"""Address patterns of a mixer: compiled (``mixerd.model.address``) and checked against its addresses, so a
typo never turns into a safe, a scope or a writable rule that covers nothing."""

from __future__ import annotations

from typing import Iterable

from mixerd.control.scenes.errors import SceneError
from mixerd.model.address import PATTERN_HINT, AddressPattern, PatternError, segments
from mixerd.model.params import ParamTree

__all__ = ["MAX_PATTERNS", "compile_patterns"]

MAX_PATTERNS = 256


def compile_patterns(patterns: Iterable[object], tree: ParamTree, what: str = "pattern") -> list[AddressPattern]:
    """Compile every pattern and check that each matches at least one address of ``tree``.

    Raises one SceneError listing every bad pattern (``invalid_pattern`` or ``no_match``, the latter
    with a "did you mean" when a near address exists). Duplicates are dropped; order is kept.
    """
    patterns = list(patterns)
    if len(patterns) > MAX_PATTERNS:
        raise SceneError("invalid_pattern", f"{len(patterns)} {what}s are too many; at most {MAX_PATTERNS} (a "
                         "wildcard such as 'ch/*/send/3/*' covers many addresses at once)", None, PATTERN_HINT)
    out: list[AddressPattern] = []
    errors: list[SceneError] = []
    addresses = tree.addresses()
    for text in patterns:
        try:
            pattern = AddressPattern.parse(text)
        except PatternError as e:
            errors.append(SceneError(e.code, e.message, e.address, e.allowed))
            continue
        if not any(pattern.matches(a) for a in addresses):
            errors.append(SceneError("no_match", f"{what} {text!r} matches no address of this mixer"
                                     f"{_did_you_mean(pattern, tree)}", pattern.text, PATTERN_HINT))
            continue
        if pattern not in out:
            out.append(pattern)
    if errors:
        raise SceneError.combine(errors)
    return out


def _did_you_mean(pattern: AddressPattern, tree: ParamTree) -> str:
    """'; did you mean …?' for a near miss: wildcards stand in as '1' to ask the tree for the closest
    address, then go back where they were."""
    parts = segments(pattern.text)
    if "**" in parts:
        return ""
    probe = "/".join("1" if s == "*" else s for s in parts)
    best = tree.suggest(probe)
    if not best:
        return ""
    found = segments(best)
    if len(found) != len(parts):
        return ""
    guess = "/".join("*" if s == "*" else f for s, f in zip(parts, found))
    return f"; did you mean '{guess}'?" if guess != pattern.text else ""
