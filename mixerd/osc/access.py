"""Who OSC answers and what it may change: ``[osc] allow``, ``read_only`` and ``mixes`` (no networking here).

OSC has no authentication, so these are the only gates:

* ``allow``: the networks a datagram may come from; anything else is ignored, as if nobody listened;
* ``read_only``: apps read and follow the mix, every change is refused;
* ``mixes``: the aux mixes (mixerd bus numbers) an app may change: each one's sends and master, the same
  rule as a mix link of the web app (``control.access.mix_addresses``); nothing else.

A refused change is ignored as an X AIR ignores what it cannot do; the server logs and counts it.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Iterable

from mixerd.control.access import mix_addresses
from mixerd.model.address import PatternSet
from mixerd.model.layout import Layout

log = logging.getLogger(__name__)


class OscAccess:
    """The limits of one OSC server, compiled once for this mixer's layout."""

    def __init__(self, layout: Layout, allow: Iterable[str], read_only: bool = False, mixes: Iterable[int] = ()):
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in allow)
        self.read_only = read_only
        self.mixes = tuple(mixes)
        self._writable = _mix_patterns(layout, self.mixes) if self.mixes else None
        self._verdicts: dict[str, bool] = {}  # host → permits (every datagram asks; a few hosts send them)

    @classmethod
    def from_config(cls, layout: Layout, config) -> "OscAccess":
        return cls(layout, config.allow, config.read_only, config.mixes)

    def permits(self, host: str) -> bool:
        """Whether a datagram from ``host`` (an IP address as the socket reports it) is answered."""
        verdict = self._verdicts.get(host)
        if verdict is None:
            verdict = self._permits(host)
            if len(self._verdicts) < 1024:
                self._verdicts[host] = verdict
        return verdict

    def _permits(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 scope (fe80::1%eth0) is not part of it
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:  # a dual-stack socket reports IPv4 senders this way
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def refusal(self, addresses: Iterable[str]) -> str | None:
        """Why OSC may not change ``addresses``, or None when it may."""
        if self.read_only:
            return "OSC is read-only on this mixer ([osc] read_only = true)"
        if self._writable is None:
            return None
        blocked = [a for a in addresses if a not in self._writable]
        if blocked:
            return (f"[osc] mixes = {list(self.mixes)} allows only those mixes' sends and masters, not "
                    f"{', '.join(blocked[:3])}")
        return None

    def recall_refusal(self) -> str | None:
        """Why OSC may not recall a scene (it changes every mix), or None when it may."""
        if self.read_only:
            return "OSC is read-only on this mixer ([osc] read_only = true)"
        if self.mixes:
            return f"[osc] mixes = {list(self.mixes)} allows only those mixes, and a snapshot changes them all"
        return None


def _mix_patterns(layout: Layout, mixes: tuple[int, ...]) -> PatternSet:
    """What ``mixes`` may change: each aux mix's sends and master. A number that is not an aux mix of this mixer
    lets nothing through (the config may serve several interfaces), with a warning."""
    aux = [b for b, bus in enumerate(layout.buses, start=1) if bus.is_aux]
    patterns: list[str] = []
    for b in mixes:
        if b in aux:
            patterns += mix_addresses(b)
        else:
            log.warning("osc: [osc] mixes lists %d, which is not an aux mix of this mixer (aux mixes: %s); it lets "
                        "nothing through", b, ", ".join(map(str, aux)) or "none")
    return PatternSet(patterns)
