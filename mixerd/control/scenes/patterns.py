"""Address patterns, as used by recall scopes and safes.

A pattern is an address whose segments may be wildcards:

* ``*`` stands for exactly one segment: ``ch/*/send/3/*`` is every channel's send to bus 3 (level, pan,
  pre, on, …), ``bus/3/*`` is bus 3's own top-level parameters (fader, mute, name, …) but not its EQ
  (``bus/3/eq/1/gain`` has more segments);
* ``**`` stands for one or more segments: ``bus/3/**`` is everything of bus 3, EQ and limiter included;
  ``ch/**/level`` every level of every channel;
* any other segment must match literally (``*`` inside a segment, as in ``fad*``, is not a wildcard and
  is refused).

A pattern is only accepted when it matches at least one address of this mixer, so a typo never turns
into a safe that protects nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from mixerd.control.scenes.errors import SceneError
from mixerd.model.params import ParamTree

MAX_PATTERN_LENGTH = 200
MAX_PATTERNS = 256
PATTERN_HINT = "an address with '*' for one segment or '**' for several, e.g. 'ch/*/send/3/*' or 'bus/3/**'"

_ONE = "[^/]+"
_MANY = "[^/]+(?:/[^/]+)*"


@dataclass(frozen=True)
class AddressPattern:
    """One compiled pattern; ``matches(address)`` tells whether it covers ``address``."""

    text: str
    regex: re.Pattern = field(compare=False, repr=False)

    @classmethod
    def parse(cls, text: object) -> "AddressPattern":
        """Compile ``text``; raises SceneError ``invalid_pattern`` saying what is wrong."""
        if not isinstance(text, str):
            raise SceneError("invalid_pattern", f"{text!r} is not a pattern; patterns are strings like "
                             "'ch/*/send/3/*'", None, PATTERN_HINT)
        problem = _problem(text)
        if problem:
            raise SceneError("invalid_pattern", f"{text!r} is not a valid address pattern: {problem}",
                             text, PATTERN_HINT)
        parts = []
        for segment in text.split("/"):
            parts.append(_MANY if segment == "**" else _ONE if segment == "*" else re.escape(segment))
        return cls(text, re.compile("/".join(parts)))

    @property
    def is_literal(self) -> bool:
        return "*" not in self.text

    def matches(self, address: str) -> bool:
        return self.regex.fullmatch(address) is not None

    def select(self, addresses: Iterable[str]) -> list[str]:
        """The addresses this pattern covers, in the given order."""
        return [a for a in addresses if self.regex.fullmatch(a)]


def _problem(text: str) -> str | None:
    if not text:
        return "it is empty"
    if len(text) > MAX_PATTERN_LENGTH:
        return f"it is longer than {MAX_PATTERN_LENGTH} characters"
    if any(c.isspace() or ord(c) < 32 for c in text):
        return "it contains spaces or control characters"
    if text.startswith("/") or text.endswith("/"):
        return "it starts or ends with '/' (write 'bus/3/*', not '/bus/3/*')"
    for segment in text.split("/"):
        if not segment:
            return "it has an empty segment ('//')"
        if "*" in segment and segment not in ("*", "**"):
            return f"'*' must be a whole segment ('{segment}' mixes it with other characters)"
    return None


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
        except SceneError as e:
            errors.append(e)
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
    segments = pattern.text.split("/")
    if "**" in segments:
        return ""
    probe = "/".join("1" if s == "*" else s for s in segments)
    best = tree.suggest(probe)
    if not best:
        return ""
    found = best.split("/")
    if len(found) != len(segments):
        return ""
    guess = "/".join("*" if s == "*" else f for s, f in zip(segments, found))
    return f"; did you mean '{guess}'?" if guess != pattern.text else ""


class PatternSet:
    """Several patterns; an address is covered when any of them matches it."""

    def __init__(self, patterns: Iterable[AddressPattern] = ()):
        self.patterns = list(patterns)
        self._regex = re.compile("|".join(f"(?:{p.regex.pattern})" for p in self.patterns)) if self.patterns else None

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __contains__(self, address: str) -> bool:
        return self._regex is not None and self._regex.fullmatch(address) is not None

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.patterns]
