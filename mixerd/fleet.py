"""The fleet: every mixerd that announces itself on this box's MQTT broker (no networking here).

Each mixerd publishes, retained, under its base topic: ``{base}/info`` (who it is: node_id, name, version, its web
app's address, how many channels and mixes; ``info_payload``), ``{base}/availability`` (``online``/``offline``, also
its will) and ``{base}/health`` (ok/degraded/down, xruns). The boxes of one fleet share the base topic's parent
(``mixerd/stage`` and ``mixerd/foh`` under ``mixerd``), so one filter per topic (``mixerd/+/info`` …) hears them
all, this box included.

``Fleet`` keeps what was heard: the MQTT bridge subscribes to ``filters()`` and hands every message on them to
``heard()`` from paho's network thread (a dict update under a lock: it never waits); the web asks ``status()``,
and ``on_change`` (the daemon's: a ``fleet`` notice for the WebSocket clients) hears every change of it.
A box is listed once its ``info`` came (a retained empty ``info`` forgets it); one that stops stays listed,
offline, with what it last said.

``ask()`` copies something onto another box: it publishes a document action (``scene_import``, ``channel_import``;
``mixerd.mqtt.imports``) to that box's ``{base}/action/…`` with a request id, through the bridge (``sender``), and
waits for the box's ``{base}/answer`` carrying that id (followed like the rest: ``+/answer``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from mixerd import __version__
from mixerd.links.names import read_sent
from mixerd.model.errors import CODES, MixerError

#: The topics under each box's base topic that the fleet follows.
FOLLOWED = ("info", "availability", "health")
#: Base topics heard without an ``info`` (not a mixerd, or one not announced yet) kept at most: a single-level base
#: topic's filters (``+/availability``) may hear much else on a busy broker.
MAX_UNANNOUNCED = 256
MAX_PAYLOAD = 16384  # an info naming the channels its links send (64 names each) fits
#: Not state: another box's answers to what this one asked (``ask``).
ANSWER = "answer"
MAX_ANSWER = 65536
#: How long ``ask`` waits for the other box's answer (it stores a scene or applies one batch: well under a second).
ASK_TIMEOUT = 10.0


def info_payload(node_id: str, name: str, web_url: str | None, channels: int, mixes: int,
                 links: list[dict[str, Any]] | None = None) -> str:
    """What ``{base}/info`` says (JSON): who this mixerd is and where its web app is (``web_url`` None: none); with
    ``links`` what its audio links send, so the receiving box names its channels after them
    (``mixerd.links.names``)."""
    info = {"node_id": node_id, "name": name, "version": __version__, "web_url": web_url,
            "channels": channels, "mixes": mixes}
    if links:
        info["links"] = links
    return json.dumps(info, ensure_ascii=False)


@dataclass
class _Heard:
    """What one base topic said last, and when (wall-clock seconds)."""

    info: dict[str, Any] | None = None
    online: bool | None = None
    health: dict[str, Any] | None = None
    last_heard: float = 0.0


class Fleet:
    """What the mixerd on this broker under ``base``'s parent topic said of themselves; ``base`` is this box's. With
    ``mqtt`` False there is no broker: only the boxes found on the LAN (``found``) are listed."""

    def __init__(self, base: str, node_id: str | None = None, clock: Callable[[], float] = time.time, *,
                 mqtt: bool = True):
        self.base = base
        self.mqtt = mqtt
        self.mdns = False  # set by whoever feeds found(): the LAN is looked at
        self._lan: dict[str, tuple[dict[str, Any], bool, bool, float]] = {}  # service → info, online, this, when
        parent, _, own = base.rpartition("/")
        self.node_id = node_id or own
        self._prefix = parent + "/" if parent else ""
        self._clock = clock
        self._lock = threading.Lock()
        self._heard: dict[str, _Heard] = {}
        self._connected = False
        self._waiting: dict[str, _Waiter] = {}
        #: called with ``status()`` after each change of the list (from paho's thread: it must not block)
        self.on_change: Callable[[dict[str, Any]], None] | None = None
        #: publishes ``(topic, payload)`` on the broker (QoS 1), False when not on it: the bridge's
        self.sender: Callable[[str, bytes], bool] | None = None

    def filters(self) -> list[str]:
        """The MQTT subscriptions that hear every box of the fleet (and their answers to this one)."""
        return [f"{self._prefix}+/{kind}" for kind in (*FOLLOWED, ANSWER)]

    def connected(self, connected: bool) -> None:
        """Whether the bridge is on the broker now (while not, the list is what was last heard)."""
        if connected != self._connected:
            self._connected = connected
            self._changed()

    def heard(self, topic: str, payload: bytes) -> bool:
        """Take a message; False when ``topic`` is none of the fleet's (the caller handles it)."""
        if not topic.startswith(self._prefix):
            return False
        node, _, kind = topic[len(self._prefix):].partition("/")
        if kind == ANSWER and node:
            self._answered(node, payload)
            return True
        if not node or kind not in FOLLOWED or "/" in kind:
            return False
        with self._lock:
            heard = self._heard.get(node)
            if heard is None:
                unannounced = sum(1 for h in self._heard.values() if h.info is None)
                if kind != "info" and unannounced >= MAX_UNANNOUNCED:
                    return True
                heard = self._heard[node] = _Heard()
            if kind == "info":
                heard.info = _read_info(payload)
            elif kind == "availability":
                word = payload.strip().lower()
                heard.online = True if word == b"online" else False if word == b"offline" else None
            else:
                heard.health = _read_health(payload)
            heard.last_heard = self._clock()
            if heard.info is None and heard.online is None and heard.health is None:
                del self._heard[node]  # every retained message of it cleared
            listed = heard.info is not None or kind == "info"
        if listed:
            self._changed()
        return True

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self.status())

    def nodes(self) -> list[dict[str, Any]]:
        """Every box announced, this one first, then by name: node_id, name, version, web_url, channels, mixes,
        online (None: not said), health (status, running, xruns; None: not said), last_heard, this (this box)."""
        with self._lock:
            found = [(base, h.info, h.online, h.health, h.last_heard) for base, h in self._heard.items()
                     if h.info is not None]
            lan = list(self._lan.values())
        out = []
        for node, info, online, health, last_heard in found:
            base = self._prefix + node
            out.append({**info, "base_topic": base, "online": online, "health": health,
                        "last_heard": round(last_heard, 3), "this": base == self.base, "broker": True, "lan": False})
        for info, online, this, when in lan:
            same = next((n for n in out if n["node_id"] == info["node_id"] and (n["this"] == this)
                         and info["base_topic"] in (None, n["base_topic"])), None)
            if same is not None:  # on the broker and on the LAN: one box
                same["lan"] = True
                same["web_url"] = same["web_url"] or info["web_url"]
                continue
            out.append({**info, "links": [], "online": online, "health": None, "last_heard": round(when, 3),
                        "this": this, "broker": False, "lan": True})
        out.sort(key=lambda n: (not n["this"], str(n["name"]).lower(), n["node_id"]))
        return out

    def status(self) -> dict[str, Any]:
        """What ``GET /api/v1/fleet`` answers: MQTT and mDNS on or off, whether on the broker now, the boxes."""
        return {"mqtt": "on" if self.mqtt else "off", "mdns": "on" if self.mdns else "off",
                "connected": self._connected, "nodes": self.nodes()}

    def found(self, service: str, info: dict[str, Any] | None, this: bool = False) -> None:
        """A box announced on the LAN (mDNS ``service``; ``info`` as ``mixerd.mdns.read_txt`` reads it), or None: it
        said goodbye (it stays listed, offline, as a box that left the broker does). ``this``: this box's own."""
        with self._lock:
            if info is None:
                if service not in self._lan:
                    return
                said, _, mine, _ = self._lan[service]
                self._lan[service] = (said, False, mine, self._clock())
            else:
                self._lan[service] = (info, True, this, self._clock())
        self._changed()

    # -- asking another box -----------------------------------------------------------------------------

    def ask(self, node_id: str, action: str, document: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Send ``document`` to box ``node_id``'s ``action`` and return its answer (``{"node", "ok": True, …}``).
        MixerError when it cannot be asked (unknown, this box, offline, not on the broker), does not answer within
        ``timeout`` (default ``ASK_TIMEOUT``; ``no_answer``), or refuses (its error, its message led by its name)."""
        timeout = ASK_TIMEOUT if timeout is None else timeout
        segment, name = self._target(node_id)
        request = secrets.token_hex(8)
        waiter = _Waiter(segment)
        with self._lock:
            self._waiting[request] = waiter
        try:
            payload = json.dumps({**document, "request": request, "from": self.node_id}, ensure_ascii=False)
            sender = self.sender
            if sender is None or not sender(f"{self._prefix}{segment}/action/{action}", payload.encode("utf-8")):
                raise MixerError("not_connected", "this mixer is not on its MQTT broker now, so it cannot reach "
                                 f"{name}; it reconnects by itself", None, "try again when the fleet is connected")
            if not waiter.done.wait(timeout):
                raise MixerError("no_answer", f"{name} did not answer within {timeout:.0f} s (is it busy, or does "
                                 "the broker's ACL let this box publish to its actions and read its answers?)", None,
                                 "try again")
        finally:
            with self._lock:
                self._waiting.pop(request, None)
        answer = waiter.answer
        if not answer.get("ok"):
            error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
            code = error.get("code") if error.get("code") in CODES else "invalid_value"
            raise MixerError(code, f"{name} refused it: {_text(error.get('message'), 500) or 'no reason given'}",
                             _text(error.get("address"), 200), _text(error.get("allowed"), 500))
        return {"node": node_id, **answer}

    def _target(self, node_id: str) -> tuple[str, str]:
        """The topic segment and name of the box ``node_id`` may be asked, or the MixerError saying why not."""
        with self._lock:
            found = [(seg, h) for seg, h in self._heard.items() if h.info is not None
                     and (seg == node_id or h.info["node_id"] == node_id)]
            known = sorted(h.info["node_id"] for seg, h in self._heard.items()
                           if h.info is not None and self._prefix + seg != self.base)
            connected = self._connected
            on_lan = any(info["node_id"] == node_id and not this for info, _, this, _ in self._lan.values())
        if not found and on_lan:
            raise MixerError("not_connected", f"{node_id!r} is found on the local network but not on "
                             + ("this box's MQTT broker" if self.mqtt else "an MQTT broker (MQTT is off here)")
                             + ": copies go over the broker both boxes are on", None,
                             "the same [mqtt] broker on both boxes")
        if not found:
            raise MixerError("not_found", f"no mixerd called {node_id!r} is announced on this MQTT broker",
                             None, ", ".join(known) or "no other mixerd is announced")
        segment, heard = found[0]
        name = f"{heard.info['name']} ({heard.info['node_id']})"
        if self._prefix + segment == self.base:
            raise MixerError("invalid_value", f"{node_id!r} is this mixer; choose another box", None,
                             ", ".join(known) or "no other mixerd is announced")
        if not connected:
            raise MixerError("not_connected", f"this mixer is not on its MQTT broker now, so it cannot reach {name}; "
                             "it reconnects by itself", None, "try again when the fleet is connected")
        if heard.online is False:
            raise MixerError("box_offline", f"{name} is offline (its availability says so)", None,
                             ", ".join(n for n in known if n != heard.info["node_id"]) or "an online box")
        return segment, name

    def _answered(self, segment: str, payload: bytes) -> None:
        if not payload or len(payload) > MAX_ANSWER:
            return
        answer = _read_json_any(payload)
        if not isinstance(answer, dict) or not isinstance(answer.get("request"), str):
            return
        with self._lock:
            waiter = self._waiting.get(answer["request"])
        if waiter is not None and waiter.segment == segment:  # only the box asked answers
            waiter.answer = answer
            waiter.done.set()


class _Waiter:
    """One question on its way: which box must answer, and its answer once come."""

    def __init__(self, segment: str):
        self.segment = segment
        self.done = threading.Event()
        self.answer: dict[str, Any] = {}


def _read_json(payload: bytes) -> Any:
    if not payload or len(payload) > MAX_PAYLOAD:
        return None
    return _read_json_any(payload)


def _read_json_any(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _text(value: Any, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100000 else None


def _read_info(payload: bytes) -> dict[str, Any] | None:
    """An ``info`` as the fleet lists it, or None (empty: the box was forgotten; not a mixerd's: ignored)."""
    info = _read_json(payload)
    if not isinstance(info, dict) or not _text(info.get("node_id"), 64):
        return None
    url = _text(info.get("web_url"), 500)
    if url is not None and not url.startswith(("http://", "https://")):
        url = None  # the web app links only to web addresses
    node_id = _text(info["node_id"], 64)
    return {"node_id": node_id, "name": _text(info.get("name")) or node_id, "version": _text(info.get("version"), 64),
            "web_url": url, "channels": _count(info.get("channels")), "mixes": _count(info.get("mixes")),
            "links": read_sent(info.get("links"))}


def _read_health(payload: bytes) -> dict[str, Any] | None:
    health = _read_json(payload)
    if not isinstance(health, dict) or health.get("status") not in ("ok", "degraded", "down"):
        return None
    return {"status": health["status"], "running": health.get("running") is True,
            "xruns": _count(health.get("xruns")) or 0}
