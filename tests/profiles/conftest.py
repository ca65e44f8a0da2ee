"""A small valid profile as data, and a writer that turns (edited) data into a .toml file in tmp_path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest

SMALL = {
    "profile": {"id": "small", "name": "Small test interface", "vendor": "Test"},
    "match": {"alsa_cards": ["Small"], "usb_ids": ["abcd:0001"]},
    "jack": {"driver": "dummy", "rate": 48000, "period": 64, "capture": 4, "playback": 6},
    "input": [
        {"port": "system:capture_1", "label": "Vox"},
        {"port": "system:capture_2", "label": "Gtr"},
        {"port": "", "label": "Spare"},
    ],
    "output": [{"port": f"system:playback_{n}", "label": f"Out {n}"} for n in range(1, 7)],
    "main": {"outputs": ["system:playback_1", "system:playback_2"]},
    "bus": [
        {"name": "Wedge", "outputs": ["system:playback_3"]},
        {"name": "IEM", "stereo": True, "kind": "aux", "outputs": ["system:playback_4", "system:playback_5"]},
    ],
}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return repr(v)


def to_toml(data: dict[str, Any]) -> str:
    """Enough TOML for profiles: scalars at top level, tables, arrays of tables."""
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if not isinstance(v, (dict, list))]
    lines += [f"{k} = {_value(v)}" for k, v in data.items()
              if isinstance(v, list) and not (v and all(isinstance(x, dict) for x in v))]
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for entry in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def small() -> dict[str, Any]:
    """A fresh, valid profile as data, to edit into an invalid one."""
    return copy.deepcopy(SMALL)


@pytest.fixture
def write_profile(tmp_path: Path) -> Callable[..., Path]:
    def write(data: dict[str, Any], name: str | None = None, directory: Path | None = None) -> Path:
        directory = directory or tmp_path
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name or data.get('profile', {}).get('id', 'broken')}.toml"
        path.write_text(to_toml(data))
        return path

    return write
