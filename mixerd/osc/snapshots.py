"""The X AIR's snapshots as mixerd's scenes (no I/O): which scene a snapshot number is, and what the
``/-snap/…`` paths read.

An X AIR has 64 snapshot slots; apps list them by reading ``/-snap/01/name`` … ``/-snap/64/name`` and load one
with ``/-snap/load ,i N``. mixerd's scenes have no fixed slots, so snapshot N is the N-th scene in the order the
web app lists them (oldest first): deleting a scene moves the later ones up a slot, as an app sees after it
reads the names again. A slot with no scene reads an empty name, and loading it is refused (ignored).

Paths served:

==========================  ======================================================================
``/-snap/load ,i N``        recall snapshot N (1-64; ``,s "N"`` too): the scene, through the scene service (safes,
                            one undo step of the app, an event to every front end)
``/-snap/index``            the snapshot the mix is at (the scene recalled or saved last), 0 if none
``/-snap/name``             that scene's name ("" if none)
``/-snap/NN/name``          snapshot NN's name ("" if the slot is empty)
==========================  ======================================================================

Not mapped: saving, deleting and renaming snapshots (``/-snap/save``, ``/-snap/delete``, a name written) and the
recall scope (``/-snap/NN/scope``, ``/-snap/…/sel``): scenes are made and named in the web app, over REST or MQTT,
where mixerd's scopes and safes are set.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

SLOTS = 64
LOAD, INDEX, NAME = "/-snap/load", "/-snap/index", "/-snap/name"
_SLOT_NAME = re.compile(r"/-snap/(\d{2})/name")


class SnapshotError(ValueError):
    """A snapshot request that cannot be carried out (said in words, for the refusal log)."""


class Snapshots:
    """Snapshot numbers and names over a ``SceneService``'s listing (``scenes``)."""

    def __init__(self, scenes):
        self.scenes = scenes

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` is one of the snapshot paths this module serves."""
        return path in (LOAD, INDEX, NAME) or _SLOT_NAME.fullmatch(path) is not None

    def read(self, path: str, listing: Mapping[str, Any] | None = None) -> tuple[str, Any] | None:
        """What ``path`` reads as an OSC (tag, value), from ``listing`` (a ``scenes`` notice's data; default: the
        service's); None for ``/-snap/load`` (a command) or an unknown path."""
        listing = self.scenes.listing() if listing is None else listing
        scenes = listing["scenes"][:SLOTS]
        if path in (INDEX, NAME):
            current = listing.get("current")
            slot = next((k for k, s in enumerate(scenes, 1) if current and s["id"] == current["id"]), 0)
            return ("i", slot) if path == INDEX else ("s", scenes[slot - 1]["name"] if slot else "")
        match = _SLOT_NAME.fullmatch(path)
        if match is None:
            return None
        slot = int(match.group(1))
        return ("s", scenes[slot - 1]["name"] if 1 <= slot <= len(scenes) else "")

    def scene_id(self, arg: Any) -> int:
        """The id of the scene snapshot ``arg`` stands for: an int 1-64, as apps send it, or the number as text, as
        Home Assistant's behringer-mixer library sends it; SnapshotError if none."""
        if isinstance(arg, float) and arg.is_integer():
            arg = int(arg)
        elif isinstance(arg, str) and arg.strip().isdecimal():
            arg = int(arg)
        if isinstance(arg, bool) or not isinstance(arg, int) or not 1 <= arg <= SLOTS:
            raise SnapshotError(f"a snapshot number is an integer from 1 to {SLOTS}, not {arg!r}")
        scenes = self.scenes.listing()["scenes"]
        if arg > len(scenes):
            raise SnapshotError(f"there is no snapshot {arg}: mixerd has {len(scenes)} scene(s)")
        return scenes[arg - 1]["id"]
