"""Channels received over a link are named from the sender (issue 22).

The sending box says, in its ``{base}/info`` on the MQTT broker (``sent()``), what each of its links carries: where
it goes (``to``: the peer and UDP port it sends to) and a name per channel — the channel's name for ``ch/N``, the
mix's with L/R for a stereo mix, "Main L"/"Main R" — and says it again when one of those names changes
(``watched()``: the addresses they come from). The receiving box hears it through its fleet
(``ReceivedNames.fleet_changed``), finds the box sending to its link's port (and, when several do, to one of its own
addresses), and names the received channels after the sender's.

A received channel follows the sender's name while it has the link's default name ("stage 3") or the name the link
gave it last (remembered in the store, so a restart does not mistake it for a person's); once someone names it
here, it keeps that name. The renames are one batch from ``system``, actor ``link``: no one's undo takes them
back, History says who made them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from mixerd.config import LinkConfig
from mixerd.links.supervisor import link_channel_names
from mixerd.model.layout import Layout

log = logging.getLogger(__name__)

#: The store's record of the names a link gave (address → name).
META_KEY = "link_names"
MAX_LINKS = 16
MAX_CHANNELS = 64
NAME_MAX = 64


def _sources(owner: str, layout: Layout) -> list[tuple[str, str]]:
    """(address of the name, suffix) per channel ``owner`` sends: ``ch/3`` one, a stereo mix or the main two."""
    if owner == "main":
        return [("", " L"), ("", " R")]
    kind, _, number = owner.partition("/")
    if kind == "ch":
        return [(f"ch/{number}/name", "")]
    stereo = layout.buses[int(number) - 1].stereo
    return [(f"bus/{number}/name", " L"), (f"bus/{number}/name", " R")] if stereo else [(f"bus/{number}/name", "")]


def watched(links: Sequence[LinkConfig], layout: Layout) -> frozenset[str]:
    """The addresses whose change changes what ``sent`` says."""
    return frozenset(address for link in links for owner in link.send
                     for address, _ in _sources(owner, layout) if address)


def sent(links: Sequence[LinkConfig], layout: Layout, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What this box's links send, for its ``{base}/info``: ``[{"name", "to": "<peer>:<port>", "channels": [...]}]``
    (``"*:<port>"`` for a netjack2 master: it sends to whichever box joins it there)."""
    out = []
    for link in links:
        if not link.send:
            continue
        names = [(values.get(address, "") if address else "Main") + suffix
                 for owner in link.send for address, suffix in _sources(owner, layout)]
        # a netjack2 master sends to whichever box joins it on its port: "*:<port>"
        out.append({"name": link.name, "to": f"{link.peer or '*'}:{link.send_port}", "channels": names})
    return out


class SentNames:
    """What this box's sending links carry, for its ``{base}/info``: ``self(values)`` says it (``sent``), ``watched``
    the addresses whose change changes it."""

    def __init__(self, links: Sequence[LinkConfig], layout: Layout):
        self.links = [link for link in links if link.send]
        self.layout = layout
        self.watched = watched(self.links, layout)

    def __call__(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        return sent(self.links, self.layout, values)


def read_sent(value: Any) -> list[dict[str, Any]]:
    """Another box's ``links`` as its info says them, checked (anything else: none)."""
    if not isinstance(value, list):
        return []
    out = []
    for entry in value[:MAX_LINKS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("to"), str) or \
                not isinstance(entry.get("channels"), list):
            continue
        host, _, port = entry["to"].rpartition(":")
        if not host or not port.isdigit():
            continue
        names = [n[:NAME_MAX] for n in entry["channels"][:MAX_CHANNELS] if isinstance(n, str)]
        if len(names) == len(entry["channels"][:MAX_CHANNELS]):
            out.append({"name": str(entry.get("name", ""))[:NAME_MAX], "host": host.strip("[]"), "port": int(port),
                        "channels": names})
    return out


class ReceivedNames:
    """Names the channels this box's links receive after the sender's (see the module docstring). Fed by the fleet
    (``fleet_changed``, from the MQTT thread: it only hands over); its own thread renames."""

    def __init__(self, links: Sequence[LinkConfig], first_input: int, control,
                 own_addresses: Callable[[], list[str]] = lambda: []):
        self._links = [(link, first_input + sum(o.receive for o in links[:i]))
                       for i, link in enumerate(links) if link.receive]
        self._control = control
        self._own = own_addresses
        self._store = getattr(control, "store", None)
        self._given: dict[str, str] = dict(self._store.meta(META_KEY, {}) or {}) if self._store is not None else {}
        self._nodes: list[dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mixerd-link-names", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def fleet_changed(self, status: Mapping[str, Any]) -> None:
        """The fleet's list changed (``Fleet.status()``): look at it on this object's thread."""
        with self._lock:
            self._nodes = list(status.get("nodes", []))
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                return
            with self._lock:
                nodes = self._nodes
            try:
                self.apply(nodes or [])
            except Exception:  # a bug must not end the naming
                log.exception("links: naming the received channels failed")

    def apply(self, nodes: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Rename what the sender's names say for ``nodes`` (the fleet's); returns the renames made."""
        _, values = self._control.state()
        changes: dict[str, str] = {}
        for link, first in self._links:
            names = self._sender_names(link, nodes)
            for k, (name, default) in enumerate(zip(names, link_channel_names([link]))):
                address = f"ch/{first + k}/name"
                now = values.get(address)
                name = name.strip() or default
                if now != name and now in (default, self._given.get(address)):
                    changes[address] = name
        if not changes:
            return {}
        try:
            self._control.set_many(changes, "system", actor="link")
        except Exception as exc:  # a name this mixer refuses (too long, a forbidden character): keep the old
            log.warning("links: could not name the received channels after the sender's: %s", exc)
            return {}
        self._given.update(changes)
        if self._store is not None:
            self._store.set_meta(META_KEY, self._given)
        log.info("links: named %d received channel(s) after the sender's", len(changes))
        return changes

    def _sender_names(self, link: LinkConfig, nodes: Sequence[Mapping[str, Any]]) -> list[str]:
        """The channel names of the box that sends to ``link``'s port (to one of this box's addresses, when several
        send to that port), or [] when none is known."""
        found = [entry for node in nodes if not node.get("this") for entry in node.get("links") or []
                 if entry["port"] == link.port]
        if len(found) > 1:
            mine = {"127.0.0.1", "localhost", "::1", *self._own()}
            found = [entry for entry in found if entry["host"] in mine] or found[:0]
        return found[0]["channels"] if found else []
