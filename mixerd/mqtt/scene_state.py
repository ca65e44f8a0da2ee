"""Which saved scene the mix is at: what ``{base}/scene`` says and Home Assistant's scene ``select`` shows.

The control core does not record a "current scene" (a recall is just a batch of changes with origin
``scene``), so it is read from the state: the mix is *at* a scene while every value the scene holds is
the mix's value now — safe addresses and monitoring (solo) left out, as a recall leaves them. That covers
every way there: a recall from the web app, the API or MQTT, an undo back to it, a scene just saved.
When the mix moves away, it is *modified* from the scene it was at last.

The comparison is kept up to date one change at a time: per scene, the set of addresses whose value
differs from the mix (a change costs one look-up per scene). ``reset`` rebuilds it all when the scenes
or the safes change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from mixerd.model.params import ParamTree

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


class CurrentScene:
    """Follows the mix against the saved scenes; ``state()`` says where it is."""

    def __init__(self, tree: ParamTree):
        self.tree = tree
        self._names: dict[int, str] = {}
        self._values: dict[int, dict[str, Any]] = {}   # scene id → the values compared
        self._differ: dict[int, set[str]] = {}         # scene id → addresses where the mix differs now
        self._by_address: dict[str, list[int]] = {}    # address → the scenes holding it
        self._at: int | None = None
        self._fresh: list[int] = []                    # scenes the mix came to since the last state()
        self.label = MODIFIED

    def reset(self, scenes: Iterable[Any], safe: Iterable[str], values: Mapping[str, Any]) -> None:
        """Compare afresh: ``scenes`` (with ``id``, ``name``, ``values``), the safe addresses, the mix now."""
        safe = set(safe)
        before = {i for i, d in self._differ.items() if not d}
        self._names, self._values, self._differ, self._by_address = {}, {}, {}, {}
        for scene in scenes:
            kept = {a: v for a, v in scene.values.items()
                    if a in self.tree and a not in safe and self.tree.spec(a).scene}
            self._names[scene.id], self._values[scene.id] = scene.name, kept
            self._differ[scene.id] = {a for a, v in kept.items() if values.get(a) != v}
            for address in kept:
                self._by_address.setdefault(address, []).append(scene.id)
        self.label = modified_label(self._names.values())
        if self._at not in self._names:
            self._at = None
        self._fresh = [i for i, d in self._differ.items() if not d and i not in before]

    def change(self, address: str, value: Any) -> None:
        """One applied change."""
        for scene_id in self._by_address.get(address, ()):
            differ = self._differ[scene_id]
            was_at = not differ
            if self._values[scene_id][address] == value:
                differ.discard(address)
            else:
                differ.add(address)
            if not differ and not was_at:
                self._fresh.append(scene_id)

    def state(self) -> SceneState:
        """Where the mix is now: the scene it stays at, else the one it came to last, else the first it
        matches; modified from the last one when it matches none."""
        fresh = [i for i in self._fresh if i in self._differ and not self._differ[i]]
        self._fresh = []
        if fresh:
            self._at = fresh[-1]
        elif self._at is None or self._differ.get(self._at):
            self._at = next((i for i, d in self._differ.items() if not d), self._at)
        if self._at is None:
            return SceneState(None, None, True, self.label)
        modified = bool(self._differ[self._at])
        name = self._names[self._at]
        return SceneState(self._at, name, modified, self.label if modified else name)
