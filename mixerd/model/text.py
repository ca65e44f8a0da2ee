"""The one rule for text people name things with: channel, bus, DCA and mute group names, scene names, link
labels and template names, whichever front end (REST, WebSocket, MQTT, a hardware profile) they come from.

A name is shown on phones, tablets, Home Assistant and in logs. It may hold any script, spaces, punctuation,
symbols, combining marks and emoji with everything emoji are made of: zero-width joiners (U+200D: woman +
ZWJ + microphone is a singer), zero-width non-joiners (U+200C, needed by Persian and Indic scripts),
variation selectors (U+FE0F), skin-tone modifiers (U+1F3FB–U+1F3FF), keycaps (U+20E3), regional-indicator
flags and the tag characters of a subdivision flag (U+1F3F4, tags U+E0020–U+E007E, U+E007F: only inside such
a flag, where they are not hidden text). It may not hold what breaks a display or makes text lie about itself:

- control characters: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F, e.g. U+0085 NEXT LINE);
- lone UTF-16 surrogates (U+D800–U+DFFF, ``"\\ud800"`` in JSON): half of a pair, no text on its own, and
  impossible to send as UTF-8;
- bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), and the
  marks U+200E, U+200F, U+061C (they make a name display in another order than it is stored);
- other invisible format characters (zero-width space U+200B, word joiner U+2060, soft hyphen U+00AD, byte
  order mark U+FEFF, …), line and paragraph separators (U+2028, U+2029) and noncharacters (U+FDD0–U+FDEF,
  U+FFFE, U+FFFF and their twins in every plane).

Surrounding blanks are stripped; what is left must have at least one visible character. Lengths count code
points and differ per kind (a channel name fits a fader strip: 32; scene names, labels, templates: 64).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from typing import Any

#: Bidirectional formatting characters: embeddings, overrides, isolates and the implicit marks.
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
ZWNJ, ZWJ = 0x200C, 0x200D
BLACK_FLAG = 0x1F3F4  # a subdivision flag: U+1F3F4, tag characters U+E0020–U+E007E, U+E007F CANCEL TAG
TAG_SPECS = range(0xE0020, 0xE007F)
CANCEL_TAG = 0xE007F
#: The short form of the rule, for "allowed" hints.
RULE = "emoji welcome; no control, bidirectional or invisible format characters"


def name_hint(max_length: int, min_length: int = 1) -> str:
    """What a name of up to ``max_length`` characters may be, e.g. for an error's ``allowed``."""
    return f"{min_length}–{max_length} characters of text ({RULE})"


class TextError(ValueError):
    """A refused name: ``message`` says what is wrong with it (without the subject: the caller names it),
    ``allowed`` what a name may be, ``char`` the refused code point (None for empty, too long, not a string)."""

    def __init__(self, message: str, allowed: str, char: int | None = None):
        super().__init__(message)
        self.message = message
        self.allowed = allowed
        self.char = char


@functools.lru_cache(maxsize=4096)
def _refused(char: str) -> str | None:
    """Why ``char`` may not be in a name (a phrase), or None. Tag characters are judged in context."""
    cp = ord(char)
    category = unicodedata.category(char)
    if category == "Cc":
        return "a control character"
    if category == "Cs":
        return "a lone UTF-16 surrogate (half of a pair, no text on its own)"
    if cp in BIDI_CONTROLS:
        return "a bidirectional control (it makes text display in another order than it is stored)"
    if category == "Cf" and cp not in (ZWNJ, ZWJ) and not TAG_SPECS.start <= cp <= CANCEL_TAG:
        return "an invisible format character"
    if category in ("Zl", "Zp"):
        return "a line or paragraph separator"
    if 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE:
        return "a noncharacter"
    return None


def refused_characters(text: str) -> Iterator[tuple[int, str]]:
    """``(index, reason)`` for every character of ``text`` the rule refuses, in order."""
    if text.isascii() and text.isprintable():
        return
    i, n = 0, len(text)
    while i < n:
        cp = ord(text[i])
        if cp == BLACK_FLAG:  # a subdivision flag keeps its tags when they end with CANCEL TAG
            j = i + 1
            while j < n and ord(text[j]) in TAG_SPECS:
                j += 1
            if j > i + 1 and j < n and ord(text[j]) == CANCEL_TAG:
                i = j + 1
                continue
        elif TAG_SPECS.start <= cp <= CANCEL_TAG:
            yield i, "a tag character outside a subdivision flag (invisible)"
        else:
            reason = _refused(text[i])
            if reason is not None:
                yield i, reason
        i += 1


def code_point(cp: int) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``, or ``U+0085`` for a character without a name."""
    name = unicodedata.name(chr(cp), "") if not 0xD800 <= cp <= 0xDFFF else ""
    return f"U+{cp:04X} ({name})" if name else f"U+{cp:04X}"


def escape_refused(text: str) -> str:
    """``text`` with every refused character written as an escape (``\\u202e``), so that quoting a refused
    name can neither reorder the message around it nor fail to encode as UTF-8."""
    spots = {i for i, _ in refused_characters(text)}
    if not spots:
        return text
    return "".join((f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}") if i in spots else c
                   for i, c in enumerate(text))


def quoted(text: str, limit: int = 48) -> str:
    """``text`` in double quotes for a message, cut to ``limit`` characters, refused characters escaped."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + escape_refused(cut) + '"'


def check_name(value: object, max_length: int, min_length: int = 1) -> str:
    """``value`` with surrounding blanks stripped if it is a valid name of at most ``max_length`` characters;
    else TextError saying which character (as U+XXXX) or which length is wrong, and what is allowed. Its
    message starts with the quoted value (``"Vox\u202e" contains U+202E …``): the caller puts the subject
    (``ch/1/name:``, ``the scene name``) in front."""
    allowed = name_hint(max_length, min_length)
    if not isinstance(value, str):
        raise TextError(f"{type(value).__name__} {value!r:.40} is not a string", allowed)
    text = value.strip()
    if len(text) < min_length:
        raise TextError(f"{quoted(value)} is empty" if not text else
                        f"{quoted(text)} is {len(text)} characters long, shorter than {min_length}", allowed)
    if len(text) > max_length:
        raise TextError(f"{quoted(text)} is {len(text)} characters long; at most {max_length} are allowed, "
                        "shorten it", allowed)
    for index, reason in refused_characters(text):
        cp = ord(text[index])
        raise TextError(f"{quoted(text)} contains {code_point(cp)} at character {index + 1}, {reason}", allowed, cp)
    if all(unicodedata.category(c) in ("Mn", "Me", "Zs", "Cf") for c in text):
        raise TextError(f"{quoted(text)} has no visible character", allowed)
    return text


# -- lone surrogates in decoded JSON ---------------------------------------------------------------------

def _has_surrogate(text: str) -> bool:
    return not text.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def lone_surrogate(value: Any) -> tuple[tuple[str, ...], int, bool] | None:
    """Where a decoded JSON ``value`` holds a lone UTF-16 surrogate: ``(path, code point, in_key)`` with the
    path as object keys (escaped, see ``escape_refused``) and list positions, ``in_key`` true when
    an object key itself holds it; None when there is none.

    ``json.loads`` turns ``"\\ud83c\\udfa4"`` into 🎤 but keeps a ``"\\ud800"`` without its partner as a
    lone surrogate, which no UTF-8 text (a REST answer, a log line, SQLite) can carry."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), value)]
    while stack:  # no recursion: the nesting depth is the sender's choice
        path, item = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                return _shown(path), _first_surrogate(item), False
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and _has_surrogate(key):
                    return _shown((*path, key)), _first_surrogate(key), True
                stack.append(((*path, str(key)), sub))
        elif isinstance(item, list):
            stack.extend(((*path, str(i)), sub) for i, sub in enumerate(item))
    return None


def _shown(path: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(escape_refused(part) for part in path)


def _first_surrogate(text: str) -> int:
    return next(ord(c) for c in text if 0xD800 <= ord(c) <= 0xDFFF)


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` (decoded JSON) with every lone surrogate in strings and keys replaced by U+FFFD, the
    replacement character; the same object when there is none."""
    if lone_surrogate(value) is None:
        return value

    def fix(item: Any) -> Any:
        if isinstance(item, str):
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in item) if _has_surrogate(item) \
                else item
        if isinstance(item, dict):
            return {fix(k): fix(v) for k, v in item.items()}
        if isinstance(item, list):
            return [fix(v) for v in item]
        return item

    return fix(value)
