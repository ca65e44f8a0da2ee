"""Addresses and address patterns: the one place an address is taken apart or matched.

An address is segments joined by ``/``: an *owner* (``ch/3``, ``bus/2``, ``dca/1``, ``mutegroup/1``,
``gen/4`` — a kind and its number — or ``main``, ``solo``) and the parameter under it (``eq/2/gain``).

A pattern is an address whose segments may be wildcards:

* ``*`` stands for exactly one segment: ``ch/*/send/3/*`` is every channel's send to bus 3 (level, pan,
  pre, on, …), ``bus/3/*`` is bus 3's own top-level parameters (fader, mute, name, …) but not its EQ
  (``bus/3/eq/1/gain`` has more segments);
* ``**`` stands for one or more segments: ``bus/3/**`` is everything of bus 3, EQ and limiter included;
  ``ch/**/level`` every level of every channel;
* a ``{x}`` placeholder of the parameter table (``ch/{n}/fader``) is a ``*``;
* any other segment must match literally (``*`` inside a segment, as in ``fad*``, is not a wildcard and
  is refused).

Safes and recall scopes, mix-link permissions, templates, MQTT's writable addresses and the parameter tree's
``expand`` all match with ``AddressPattern`` and ``PatternSet``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from mixerd.model.errors import MixerError

#: Owner kinds that are numbered (``ch/3``); every other first segment is an owner by itself (``main``).
NUMBERED = ("ch", "bus", "dca", "mutegroup", "gen")

MAX_PATTERN_LENGTH = 200
PATTERN_HINT = "an address with '*' for one segment or '**' for several, e.g. 'ch/*/send/3/*' or 'bus/3/**'"

_ONE = "[^/]+"
_MANY = "[^/]+(?:/[^/]+)*"
_PLACEHOLDER = re.compile(r"\{\w+\}")


def segments(address: str) -> list[str]:
    """The segments of ``address`` (``ch/3/eq/2/gain`` → ``["ch", "3", "eq", "2", "gain"]``)."""
    return address.split("/")


def owner_of(address: str) -> str:
    """The owner an address (or a meter point) belongs to: ``ch/3/eq/on`` → ``ch/3``, ``main/fader`` → ``main``."""
    parts = segments(address)
    return "/".join(parts[:2]) if parts[0] in NUMBERED else parts[0]


def number_of(owner: str) -> int:
    """The number of a numbered owner or target: ``ch/3`` → 3, ``bus/12`` → 12."""
    return int(segments(owner)[1])


def parameter_of(address: str) -> list[str]:
    """The segments under the owner: ``ch/3/eq/2/gain`` → ``["eq", "2", "gain"]``, ``main/fader`` → ``["fader"]``."""
    parts = segments(address)
    return parts[2:] if parts[0] in NUMBERED else parts[1:]


class PatternError(MixerError):
    """A malformed address pattern (code ``invalid_pattern``)."""

    family = frozenset({"invalid_pattern"})


@dataclass(frozen=True)
class AddressPattern:
    """One compiled pattern; ``matches(address)`` tells whether it covers ``address``."""

    text: str
    regex: re.Pattern = field(compare=False, repr=False)

    @classmethod
    def parse(cls, text: object) -> "AddressPattern":
        """Compile ``text``; raises PatternError ``invalid_pattern`` saying what is wrong."""
        if not isinstance(text, str):
            raise PatternError("invalid_pattern", f"{text!r} is not a pattern; patterns are strings like "
                               "'ch/*/send/3/*'", None, PATTERN_HINT)
        problem = _problem(text)
        if problem:
            raise PatternError("invalid_pattern", f"{text!r} is not a valid address pattern: {problem}",
                               text, PATTERN_HINT)
        parts = [_MANY if s == "**" else _ONE if s == "*" or _PLACEHOLDER.fullmatch(s) else re.escape(s)
                 for s in segments(text)]
        return cls(text, re.compile("/".join(parts)))

    @property
    def is_literal(self) -> bool:
        return "*" not in self.text and "{" not in self.text

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
    for segment in segments(text):
        if not segment:
            return "it has an empty segment ('//')"
        if "*" in segment and segment not in ("*", "**"):
            return f"'*' must be a whole segment ('{segment}' mixes it with other characters)"
    return None


class PatternSet:
    """Several patterns; an address is covered when any of them matches it (one regex for all)."""

    def __init__(self, patterns: Iterable[AddressPattern | str] = ()):
        self.patterns = [p if isinstance(p, AddressPattern) else AddressPattern.parse(p) for p in patterns]
        self._regex = re.compile("|".join(f"(?:{p.regex.pattern})" for p in self.patterns)) if self.patterns else None

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __contains__(self, address: str) -> bool:
        return self._regex is not None and self._regex.fullmatch(address) is not None

    def select(self, addresses: Iterable[str]) -> list[str]:
        """The addresses any pattern covers, in the given order."""
        return [a for a in addresses if a in self]

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.patterns]
