"""Which saved scene the mix is at: the one last recalled, saved or updated, and whether the mix changed since.

The control core records no "current scene" (a recall is just a batch of changes with origin ``scene``), so it
is read from the state: the mix is *at* a scene while every value the scene holds is the mix's value now — safe
addresses and monitoring (solo) left out, as a recall leaves them. That covers every way there: a recall from
the web app, the API or MQTT, an undo back to it, a scene just saved or updated. When the mix moves away it is
*modified* from the scene it was at last; changed back, it is at that scene again.

The comparison is kept up to date one change at a time: per scene, the set of addresses whose value differs
from the mix, so a change costs one look-up per scene that holds its address (a fader drag compares nothing
else). ``reset`` compares everything again when the scenes or the safes change.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from mixerd.model.params import ParamTree

__all__ = ["CurrentScene"]


class CurrentScene:
    """Follows the mix against the saved scenes; ``current()`` says where it is. Not thread-safe: the scene
    service calls it under its lock."""

    def __init__(self, tree: ParamTree):
        self.tree = tree
        self._names: dict[int, str] = {}
        self._values: dict[int, dict[str, Any]] = {}   # scene id → the values compared
        self._differ: dict[int, set[str]] = {}         # scene id → addresses where the mix differs now
        self._by_address: dict[str, list[int]] = {}    # address → the scenes holding it
        self._at: int | None = None
        self._fresh: list[int] = []                    # scenes the mix came to since the last current()

    def reset(self, scenes: Iterable[Any], safe: Iterable[str], values: Mapping[str, Any]) -> None:
        """Compare afresh: ``scenes`` (with ``id``, ``name``, ``values``), the safe addresses, the mix now. The
        mix stays at its scene while it holds that scene's values; else a scene it holds the values of now and
        did not before is the one it came to."""
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
        if self._at not in self._names:
            self._at = None
        if self._at is not None and not self._differ[self._at]:
            self._fresh = []  # the mix is still at its scene: new safes or an imported twin do not move it
        else:
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

    def mark(self, scene_id: int) -> None:
        """The mix was brought to ``scene_id`` (recalled, saved, updated): it is the scene the mix is at when the
        mix holds its values, even if another scene holds the same ones."""
        if scene_id in self._differ and not self._differ[scene_id]:
            self._fresh.append(scene_id)

    def current(self) -> dict[str, Any] | None:
        """``{"id", "name", "modified"}``: the scene the mix stays at, else the one it came to last, else the
        first it matches; modified from the last one when it matches none. None: at no scene, ever (or the
        one it was at is gone)."""
        fresh = [i for i in self._fresh if i in self._differ and not self._differ[i]]
        self._fresh = []
        if fresh:
            self._at = fresh[-1]
        elif self._at is None or self._differ.get(self._at):
            self._at = next((i for i, d in self._differ.items() if not d), self._at)
        if self._at is None:
            return None
        return {"id": self._at, "name": self._names[self._at], "modified": bool(self._differ[self._at])}
