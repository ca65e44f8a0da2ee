"""Small helpers shared by the TOML readers (daemon config, hardware profiles): errors that teach.

Every message names where the value lives (``engine.ramp_ms``, ``[[bus]] 2 "Keys"``), what was found and
what is allowed, and answers a near-miss key with "did you mean …?".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def did_you_mean(word: str, candidates: Iterable[str], fmt: str = "{}") -> str:
    """``"; did you mean X?"`` for the closest candidate (ignoring case), or "" when nothing is close."""
    # Compared without case: "INFO" should still find "info".
    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean {fmt.format(by_lower[close[0]])}?" if close else ""


def type_name(value: Any) -> str:
    """The TOML name of a value's type, as a user reads it in the file."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def show(value: Any) -> str:
    """A value written the way it would appear in a TOML file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, Path)):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return repr(value)


def unknown_keys(table: dict[str, Any], allowed: Iterable[str], where: str, fmt: str = "{}") -> str | None:
    """A message for the first key of ``table`` not in ``allowed``, or None when all are known.

    ``where`` names the table in the message; ``fmt`` formats a key as the user would write it.
    """
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            return (
                f"unknown key {fmt.format(key)} in {where}{did_you_mean(key, allowed, fmt)} "
                f"(known keys: {', '.join(allowed)})"
            )
    return None


def check_type(value: Any, kind: type, key: str) -> str | None:
    """A message when ``value`` is not of TOML type ``kind`` (bool is never an int; an int is a float)."""
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
        list: isinstance(value, list),
        dict: isinstance(value, dict),
    }[kind]
    if ok:
        return None
    expected = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string",
                list: "an array", dict: "a table"}[kind]
    name = type_name(value)
    return f"{key} = {show(value)} is {'an' if name[0] in 'aeiou' else 'a'} {name} but must be {expected}"


def read_toml(path: Path, error: type[Exception]) -> dict[str, Any]:
    """Parse a TOML file, turning I/O and syntax problems into ``error`` naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, expected a .toml file") from None
    except PermissionError:
        raise error(f"{path}: permission denied") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not valid UTF-8: {exc}") from None
