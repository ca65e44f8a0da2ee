"""What ``{base}/scene`` says and Home Assistant's scene ``select`` shows: the scene the mix is at.

Which scene that is, and whether the mix was modified since, the scene service knows (``SceneService.current()``,
mixerd/control/scenes/current.py); here it only gets MQTT's shape: the select shows the scene's name, or the
modified option while the mix is not (any more) at the scene it was at last, or at none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

#: What the select shows while the mix is at no scene. Home Assistant accepts only listed options as
#: the state, so it is one of the options; a scene that happens to carry this name gets it in more parentheses.
MODIFIED = "(modified)"


@dataclass(frozen=True)
class SceneState:
    """``id``/``name``: the scene the mix is at, or was at last (None: none yet); ``modified``: the mix is
    not that scene (any more); ``option``: what the select shows (the name, or the modified label)."""

    id: int | None
    name: str | None
    modified: bool
    option: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "modified": self.modified, "option": self.option}


def modified_label(names: Iterable[str]) -> str:
    """The modified option, unlike every scene name (names are unique without regard to case)."""
    taken = {n.casefold() for n in names}
    label = MODIFIED
    while label.casefold() in taken:
        label = f"({label})"
    return label


def scene_state(current: Mapping[str, Any] | None, label: str) -> SceneState:
    """``SceneService.current()`` as ``{base}/scene`` says it; ``label``: the modified option (``modified_label``
    of the scene names)."""
    if current is None:
        return SceneState(None, None, True, label)
    modified = bool(current["modified"])
    return SceneState(current["id"], current["name"], modified, label if modified else current["name"])
