"""The boxes on the local network without a broker: mDNS/DNS-SD, service type ``_mixerd._tcp`` (issue 22).

``LanPresence`` announces this box's web app (python-zeroconf) with who it is in the TXT record — node id, name,
version, web address, MQTT base topic, channels, mixes — and browses for the others, handing each announcement (and
each goodbye) to the fleet (``mixerd.fleet.Fleet.found``), which lists them beside the boxes heard on the broker.
A network on which multicast cannot be opened is logged; the mixer runs on without it.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

SERVICE = "_mixerd._tcp.local."
RESOLVE_MS = 3000
TXT_MAX = 200  # a TXT value is at most 255 bytes


def instance_name(name: str, node_id: str) -> str:
    """The announced instance: ``"<name> (<node_id>)"`` within DNS's 63-byte label."""
    tail = f" ({node_id})"
    room = 63 - len(tail.encode())
    head = name.encode()[:max(room, 0)].decode("utf-8", "ignore").rstrip()
    return f"{head}{tail}" if head else node_id[:63]


def txt(info: dict[str, Any]) -> dict[str, str]:
    """This box's info as a TXT record (strings, each short enough)."""
    return {k: str(v)[:TXT_MAX] for k, v in info.items() if v is not None}


def read_txt(properties: dict[bytes, bytes | None]) -> dict[str, Any] | None:
    """An announcement's TXT record as the fleet lists a box, or None when it is not a mixerd's."""
    said = {}
    for key, value in properties.items():
        try:
            said[key.decode()] = value.decode() if value is not None else ""
        except UnicodeDecodeError:
            continue
    node_id = said.get("node_id", "")[:64]
    if not node_id:
        return None
    url = said.get("url") or None
    count = lambda k: int(said[k]) if said.get(k, "").isdigit() else None  # noqa: E731
    return {"node_id": node_id, "name": said.get("name") or node_id, "version": said.get("version") or None,
            "web_url": url if url and url.startswith(("http://", "https://")) else None,
            "base_topic": said.get("base") or None, "channels": count("channels"), "mixes": count("mixes")}


class LanPresence:
    """Announce this box (``info``: node_id, name, version, url, base, channels, mixes; ``port``: its web app's) and
    follow the others, telling ``found(service, info or None, this)`` (from zeroconf's thread: it must not block)."""

    def __init__(self, info: dict[str, Any], port: int, found: Callable[[str, dict[str, Any] | None, bool], None],
                 interfaces: tuple[str, ...] = ()):
        self.info = info
        self.port = port
        self._found = found
        self._interfaces = list(interfaces)
        self._zc = None
        self._service = None
        self._browser = None
        self.error: str | None = None

    def start(self) -> None:
        """Announce and browse; a failure (no multicast here) is logged and leaves it off."""
        _outside_any_event_loop(self._start)

    def _start(self) -> None:
        from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceInfo, Zeroconf

        try:
            self._zc = Zeroconf(interfaces=self._interfaces or InterfaceChoice.All, ip_version=IPVersion.V4Only)
            if self.port:
                name = instance_name(str(self.info.get("name") or "mixerd"), str(self.info["node_id"]))
                host = socket.gethostname().split(".")[0] or "mixerd"
                self._service = ServiceInfo(SERVICE, f"{name}.{SERVICE}", port=self.port, properties=txt(self.info),
                                            server=f"{host}.local.",
                                            parsed_addresses=self._interfaces or None)
                self._zc.register_service(self._service, allow_name_change=True)
            self._browser = ServiceBrowser(self._zc, SERVICE, handlers=[self._changed])
            log.info("mdns: %s on the local network as %s", "announced" if self._service else "looking",
                     self._service.name if self._service else SERVICE)
        except Exception as exc:  # no interface with multicast, a socket refused: the mixer runs on without it
            self.error = f"{type(exc).__name__}: {exc}"
            log.warning("mdns: cannot announce or look on the local network (%s); the fleet lists only the boxes "
                        "on the MQTT broker", self.error)
            self._stop()

    def stop(self) -> None:
        """Say goodbye on the network and stop."""
        _outside_any_event_loop(self._stop)

    def _stop(self) -> None:
        zc, self._zc = self._zc, None
        if zc is None:
            return
        try:
            if self._browser is not None:
                self._browser.cancel()
            if self._service is not None:
                zc.unregister_service(self._service)
        except Exception:  # closing anyway
            log.debug("mdns: goodbye not sent", exc_info=True)
        finally:
            zc.close()
            self._browser = self._service = None

    def status(self) -> dict[str, Any]:
        """For /health: on or not, and as what."""
        return {"announced": self._service.name if self._service is not None else None,
                "running": self._zc is not None, "error": self.error}

    def _changed(self, zeroconf, service_type: str, name: str, state_change) -> None:
        from zeroconf import ServiceStateChange

        this = self._service is not None and name == self._service.name
        if state_change is ServiceStateChange.Removed:
            self._found(name, None, this)
            return
        resolved = zeroconf.get_service_info(service_type, name, RESOLVE_MS)
        info = read_txt(resolved.properties) if resolved is not None else None
        if info is not None:
            self._found(name, info, this)


def _outside_any_event_loop(work: Callable[[], None]) -> None:
    """Run ``work`` on a thread of its own and wait for it: zeroconf's blocking calls refuse to run in a thread that
    has an asyncio loop running (a caller's own, such as a test driving a browser), and make their own loop."""
    thread = threading.Thread(target=work, name="mixerd-mdns-setup", daemon=True)
    thread.start()
    thread.join(timeout=30)
