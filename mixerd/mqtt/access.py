"""What MQTT may change on this mixer: ``[mqtt] read_only``, ``writable`` and ``actions`` (no networking here).

These limits are a second line behind the broker's own access control (its ACLs decide who may publish
to ``{base}/#`` at all; see README "MQTT"). They hold for every client of the broker alike:

* ``read_only``: state is published, every ``/set`` and every action is refused;
* ``writable``: the address patterns (``*`` one segment, ``**`` several, as recall scopes and safes)
  a ``/set`` may change; any other address is refused with the patterns named;
* ``actions``: the actions that may run at all, and each only within ``writable``: ``undo``, ``redo``
  and ``scene_recall`` can change any address, so they need every address writable; ``generators``
  needs every ``gen/N/on``; ``gain_staging`` with ``"apply": true`` the trims of its channels (listening
  alone changes nothing); ``scene_save`` changes no value and needs only to be listed.

A refusal is a PayloadError ``forbidden`` (answered on ``{base}/error``); nothing is changed.
"""

from __future__ import annotations

import logging
from typing import Iterable

from mixerd.control.scenes import SceneError, compile_patterns
from mixerd.model.address import PatternSet
from mixerd.model.params import ParamTree
from mixerd.mqtt.topics import PayloadError

log = logging.getLogger(__name__)

#: Actions that may change any address (an undo step, a whole scene): allowed only when all is writable.
WHOLE_MIX = ("undo", "redo", "scene_recall")


class Access:
    """The limits of one bridge, compiled against this mixer's addresses."""

    def __init__(self, tree: ParamTree, read_only: bool = False, writable: Iterable[str] = ("**",),
                 actions: Iterable[str] = ()):
        self.tree = tree
        self.read_only = read_only
        self.actions = tuple(actions)
        self.writable = PatternSet(self._compile(list(writable)))
        self.patterns = ", ".join(self.writable.texts) or "none"
        self.everything = not read_only and all(a in self.writable for a in tree.addresses())

    @classmethod
    def from_config(cls, tree: ParamTree, config) -> "Access":
        return cls(tree, config.read_only, config.writable, config.actions)

    def _compile(self, texts: list[str]) -> list:
        """Each pattern that matches an address here; one that matches none is left out with a warning
        (the config may serve several interfaces; a pattern that names nothing lets nothing through)."""
        kept = []
        for text in texts:
            try:
                kept += compile_patterns([text], self.tree, "[mqtt] writable pattern")
            except SceneError as exc:
                log.warning("mqtt: %s; it lets nothing through", exc.message)
        return kept

    # -- the checks ---------------------------------------------------------------------------------

    def may_set(self, address: str) -> bool:
        return not self.read_only and address in self.writable

    def check_set(self, address: str) -> None:
        """Raise PayloadError ``forbidden`` unless MQTT may change ``address``."""
        if self.read_only:
            raise self._read_only()
        if address not in self.writable:
            raise PayloadError("forbidden", f"MQTT may not change {address} on this mixer: [mqtt] writable allows "
                               f"only {self.patterns}", address, f"addresses matching {self.patterns}")

    def may_run(self, action: str, changes: Iterable[str] = ()) -> bool:
        try:
            self.check_action(action, changes)
        except PayloadError:
            return False
        return True

    def check_action(self, action: str, changes: Iterable[str] = ()) -> None:
        """Raise PayloadError ``forbidden`` unless MQTT may run ``action``, which will change ``changes``
        (the addresses it is known to touch; the whole-mix actions may touch any)."""
        if self.read_only:
            raise self._read_only()
        if action not in self.actions:
            listed = ", ".join(self.actions) or "none"
            raise PayloadError("forbidden", f"MQTT may not run {action} on this mixer: [mqtt] actions allows only "
                               f"{listed}", allowed=listed)
        if action in WHOLE_MIX and not self.everything:
            raise PayloadError("forbidden", f"MQTT may not run {action} on this mixer: it can change any address, "
                               f"and [mqtt] writable allows only {self.patterns}", allowed=f"addresses matching {self.patterns}")
        blocked = [a for a in changes if a not in self.writable]
        if blocked:
            raise PayloadError("forbidden", f"MQTT may not run {action} on this mixer: it would change "
                               f"{', '.join(blocked[:3])}{' …' if len(blocked) > 3 else ''}, and [mqtt] writable "
                               f"allows only {self.patterns}", allowed=f"addresses matching {self.patterns}")

    @staticmethod
    def _read_only() -> PayloadError:
        return PayloadError("forbidden", "MQTT is read-only on this mixer ([mqtt] read_only = true): it publishes "
                            "the state and changes nothing; change it in the web app or the API", allowed="nothing")
