"""What the links of a config do on this mixer, in words (``mixerd profiles``): per link the channels it receives
and where they land, what it sends and from which ports, and the ``[[link]]`` the other box needs to match it."""

from __future__ import annotations

from collections.abc import Sequence

from mixerd.config import LinkConfig
from mixerd.links.supervisor import LinkError, link_channel_names, plan_sources
from mixerd.model.layout import Layout


def describe_links(links: Sequence[LinkConfig], hardware: Layout, client: str = "mixerd") -> list[str]:
    """Lines for each link of ``links`` on a mixer whose interface gives ``hardware`` (its layout before the
    links' channels are added)."""
    if not links:
        return ["Links: none. Two boxes? Give each a [[link]] (README \"Several boxes\"); this command then shows "
                "where each link's channels land and the [[link]] the other box needs."]
    out = ["Links:"]
    first = hardware.n_inputs + 1
    names = iter(link_channel_names(links))
    layout = Layout(inputs=hardware.inputs + link_channel_names(links), buses=hardware.buses,
                    generators=hardware.generators)
    for link in links:
        out.append(f"  {link.name} ({link.engine}):")
        if link.engine == "netjack2":
            out += _netjack(link, layout, client, first, [next(names) for _ in range(link.receive)])
            first += link.receive
            continue
        if link.receive:
            last = first + link.receive - 1
            got = [f'"{next(names)}"' for _ in range(link.receive)]
            where = f"ch/{first} … ch/{last} ({got[0]} … {got[-1]})" if last > first else f"ch/{first} ({got[0]})"
            out.append(f"    receives {link.receive} channel{'s' if link.receive > 1 else ''} on UDP {link.listen}:"
                       f"{link.port} and {link.port + 1} → {where}")
            first = last + 1
        if link.send:
            try:
                sources = plan_sources(link, layout, client)
            except LinkError as exc:
                out.append(f"    cannot send: {exc}")
                continue
            carried = ", ".join(f"{s.owner} " + ("as it comes in" if s.feeds else f"({s.port})") for s in sources)
            out.append(f"    sends {len(sources)} channel{'s' if len(sources) > 1 else ''} to {link.peer}:"
                       f"{link.send_port}: {carried}")
        out += ["    the other box's matching [[link]]:", "      [[link]]",
                '      name = "<what it calls this box>"']
        if link.receive:
            out += ['      peer = "<this box\'s address>"',
                    f"      send = [<{link.receive} of its channels, mixes or its main>]"]
            if link.port != 30200:
                out.append(f"      peer_port = {link.port}")
        if link.send:
            out += [f"      receive = {len(sources)}", f"      port = {link.send_port}"]
    return out


def _netjack(link: LinkConfig, layout: Layout, client: str, first: int, got: list[str]) -> list[str]:
    """The lines of a netjack2 link: who is the master, what rides it each way, the other box's [[link]]."""
    if link.peer:
        out = [f"    joins the netjack2 master at {link.peer}, UDP port {link.send_port} (this box keeps its own "
               "interface's clock; netadapter resamples)"]
    else:
        out = [f"    is the netjack2 master on UDP port {link.port}: the other box joins it"]
    if link.receive:
        last = first + link.receive - 1
        where = (f'ch/{first} … ch/{last} ("{got[0]}" … "{got[-1]}")' if last > first
                 else f'ch/{first} ("{got[0]}")')
        out.append(f"    receives {link.receive} channel{'s' if link.receive > 1 else ''} → {where}")
    sources = []
    if link.send:
        try:
            sources = plan_sources(link, layout, client)
        except LinkError as exc:
            return out + [f"    cannot send: {exc}"]
        carried = ", ".join(f"{s.owner} " + ("as it comes in" if s.feeds else f"({s.port})") for s in sources)
        out.append(f"    sends {len(sources)} channel{'s' if len(sources) > 1 else ''}: {carried}")
    out += ["    the other box's matching [[link]] (netjack2 pairs the two by name):", "      [[link]]",
            f'      name = "{link.name}"', '      engine = "netjack2"']
    out.append(f'      port = {link.send_port}' if link.peer else '      peer = "<this box\'s address>"')
    if not link.peer:
        out.append(f"      port = {link.port}")
    if link.receive:
        out.append(f"      send = [<{link.receive} of its channels, mixes or its main>]")
    if sources:
        out.append(f"      receive = {len(sources)}")
    return out
