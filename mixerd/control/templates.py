"""Templates: a saved session layout (names, colours, routing, groups) to start a new session from.

A template keeps only the addresses that describe the layout — not levels or processing — and
applying one resets everything else to its default, so a fresh session starts from the layout alone.
Templates live in the store's meta table under ``templates``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mixerd.model.address import PatternSet
from mixerd.model.errors import ParamError
from mixerd.model.text import TextError, check_name, name_hint, quoted

#: What a layout is: every address matching one of these (``*`` = one path segment).
LAYOUT_PATTERNS = (
    "*/*/name", "*/*/color", "ch/*/main", "ch/*/order", "ch/*/send/*/on", "ch/*/send/*/pre", "ch/*/send/*/me",
    "ch/*/dca/*", "ch/*/mutegroup/*", "bus/*/fx/type", "gen/*/target",
    "talkback/source", "talkback/*/to/*",  # which channel is the talkback mic, and whom each button talks to
)
_LAYOUT = PatternSet(LAYOUT_PATTERNS)
NAME_MAX = 64
#: A template name is one URL path segment (``/templates/{name}``): the text rule for names, without '/'.
NAME_HINT = f"{name_hint(NAME_MAX)}, no '/'"
_META_KEY = "templates"


def layout_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``values`` a template keeps."""
    return {a: v for a, v in values.items() if a in _LAYOUT}


class Templates:
    """Save, list, read, delete and apply templates for one Control (which must have a store)."""

    def __init__(self, control):
        self.control = control

    @property
    def _store(self):
        store = getattr(self.control, "store", None)
        if store is None:
            raise RuntimeError("templates need the state store (mixerd runs with one; tests pass Store.open)")
        return store

    def _all(self) -> dict[str, dict[str, Any]]:
        return dict(self._store.meta(_META_KEY, {}))

    def list(self) -> list[dict[str, Any]]:
        return [{"name": name, "saved": t["saved"], "addresses": len(t["values"])} for name, t in sorted(self._all().items())]

    def get(self, name: str) -> dict[str, Any]:
        templates = self._all()
        if name not in templates:
            known = ", ".join(sorted(templates)) or "none yet"
            raise ParamError("not_found", f"no template named {name!r}; saved templates: {known}", name, known)
        return {"name": name, **templates[name]}

    def save(self, name: str) -> dict[str, Any]:
        """Keep the current layout as template ``name`` (replacing one of that name)."""
        try:
            name = check_name(name, NAME_MAX)
        except TextError as e:
            raise ParamError("invalid_value", f"template name {e.message}; allowed {NAME_HINT}", None,
                             NAME_HINT) from None
        if "/" in name:
            raise ParamError("invalid_value", f"template name {quoted(name)} contains '/'; allowed {NAME_HINT}",
                             None, NAME_HINT)
        templates = self._all()
        _, values = self.control.state()
        templates[name] = {"saved": time.time(), "values": layout_values(values)}
        self._store.set_meta(_META_KEY, templates)
        return self.list_entry(name, templates[name])

    @staticmethod
    def list_entry(name: str, t: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": name, "saved": t["saved"], "addresses": len(t["values"])}

    def delete(self, name: str) -> None:
        templates = self._all()
        self.get(name)
        del templates[name]
        self._store.set_meta(_META_KEY, templates)

    def apply(self, name: str, origin: str = "rest"):
        """Start from template ``name``: its layout, everything else back to defaults. One undo step."""
        template = self.get(name)
        tree = self.control.tree
        target = tree.defaults()
        # A template from a larger mixer may name channels this one lacks: those are skipped.
        target.update({a: v for a, v in template["values"].items() if a in target})
        _, current = self.control.state()
        changes = {a: v for a, v in target.items() if current[a] != v}
        return self.control.set_many(changes, origin)
