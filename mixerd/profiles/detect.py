"""Recognising the connected interface from what ALSA reports, to pick its profile automatically.

Pure functions over the text of ``/proc/asound/cards`` (and optionally each card's ``usbid``), so they
are tested on sample text; ``read_asound()`` is the only part that touches the system.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mixerd.profiles.loader import load_profile
from mixerd.profiles.schema import BusSpec, PortSpec, Profile

# " 1 [USB            ]: USB-Audio - Scarlett 18i20 USB" followed by an indented long name line.
_CARD_RE = re.compile(r"^\s*(\d+)\s+\[([^\]]*)\]:\s*(\S.*?)\s+-\s+(.*?)\s*$")


@dataclass(frozen=True)
class AlsaCard:
    """One sound card as /proc/asound/cards lists it."""

    index: int
    id: str  # "USB": what hw:USB refers to
    driver: str  # "USB-Audio"
    name: str  # "Scarlett 18i20 USB"
    longname: str = ""  # "Focusrite Scarlett 18i20 USB at usb-…, high speed"


def parse_cards(cards_text: str) -> list[AlsaCard]:
    """The cards in /proc/asound/cards text, in card order ("--- no soundcards ---" gives [])."""
    cards: list[AlsaCard] = []
    for line in cards_text.splitlines():
        if m := _CARD_RE.match(line):
            cards.append(AlsaCard(int(m[1]), m[2].strip(), m[3], m[4]))
        elif cards and line.strip() and not cards[-1].longname:
            cards[-1] = dataclasses.replace(cards[-1], longname=line.strip())
    return cards


def detect_profile(cards_text: str, profiles: Iterable[Profile],
                   usb_ids: Mapping[int, str] | None = None) -> Profile | None:
    """The profile whose ``[match]`` rules fit a connected card, or None.

    A USB id (``usb_ids`` maps card index to "vvvv:pppp", from /proc/asound/cardN/usbid) is decisive and
    wins over a name match, since one product name can cover several hardware generations. An ALSA profile
    comes back with ``jack.device`` set to that card (``hw:USB_1`` when two cards share an id).
    """
    cards = parse_cards(cards_text)
    profiles = [p for p in profiles if not p.match.empty]
    usb_ids = {k: v.strip().lower() for k, v in (usb_ids or {}).items()}
    for by_usb in (True, False):
        for card in cards:
            for profile in profiles:
                if _matches(profile, card, usb_ids.get(card.index), by_usb):
                    return _for_card(profile, card)
    return None


def _matches(profile: Profile, card: AlsaCard, usb_id: str | None, by_usb: bool) -> bool:
    if by_usb:
        return usb_id is not None and usb_id in profile.match.usb_ids
    if usb_id is not None and profile.match.usb_ids:
        return False  # the card's id is known and is not one of this profile's: the name cannot overrule it
    names = {card.id.casefold(), card.name.casefold()}
    return any(rule.casefold() in names for rule in profile.match.alsa_cards)


def _for_card(profile: Profile, card: AlsaCard) -> Profile:
    if profile.jack.driver != "alsa":
        return profile
    return dataclasses.replace(profile, jack=dataclasses.replace(profile.jack, device=f"hw:{card.id}"))


def read_asound(root: Path = Path("/proc/asound")) -> tuple[str, dict[int, str]]:
    """The text of ``root/cards`` and the USB id of every USB card (``root/cardN/usbid``)."""
    try:
        cards_text = (root / "cards").read_text()
    except OSError:
        return "", {}
    usb_ids = {}
    for card in parse_cards(cards_text):
        try:
            usb_ids[card.index] = (root / f"card{card.index}" / "usbid").read_text().strip()
        except OSError:
            pass  # not a USB card
    return cards_text, usb_ids


GENERIC_ID = "generic-class-compliant"
_CHANNELS_RE = re.compile(r"^\s*Channels:\s*(\d+)", re.M)


def stream_channels(stream_text: str) -> tuple[int, int]:
    """(capture, playback) channel counts from a USB card's /proc/asound/cardN/stream0 (the widest format)."""
    counts = {"Playback": 0, "Capture": 0}
    section = None
    for line in stream_text.splitlines():
        head = line.strip().rstrip(":")
        if head in counts and line.rstrip().endswith(":"):
            section = head
        elif section and (m := _CHANNELS_RE.match(line)):
            counts[section] = max(counts[section], int(m[1]))
    return counts["Capture"], counts["Playback"]


def generic_profile(template: Profile, card: AlsaCard, n_in: int, n_out: int) -> Profile:
    """``template`` (the generic class-compliant profile: its JACK settings) for ``card`` with ``n_in``
    inputs and ``n_out`` outputs: a channel per input, main on outputs 1/2, stereo mixes on the next pairs
    (a mono one on an odd last output)."""
    inputs = tuple(PortSpec(f"system:capture_{k}", f"Input {k}") for k in range(1, n_in + 1))
    outputs = tuple(PortSpec(f"system:playback_{k}", f"Output {k}") for k in range(1, n_out + 1))
    buses = []
    k = 3
    while k <= n_out:
        stereo = k + 1 <= n_out
        ports = (f"system:playback_{k}", f"system:playback_{k + 1}") if stereo else (f"system:playback_{k}",)
        buses.append(BusSpec(name=f"Mix {len(buses) + 1}", outputs=ports, stereo=stereo))
        k += 2
    jack = dataclasses.replace(template.jack, driver="alsa", device=f"hw:{card.id}", capture=n_in, playback=n_out)
    return dataclasses.replace(template, name=f"{card.name} (generic {n_in}×{n_out})", jack=jack, inputs=inputs,
                               outputs=outputs, main_outputs=(outputs[0].port, outputs[1].port), buses=tuple(buses))


def generic_profile_for(cards_text: str, usb_ids: Mapping[int, str], root: Path = Path("/proc/asound"),
                        template: Profile | None = None) -> Profile | None:
    """The generic class-compliant profile for the first USB card with at least one input and two
    outputs, or None."""
    if template is None:
        template = load_profile(GENERIC_ID)
    for card in parse_cards(cards_text):
        if card.index not in usb_ids:
            continue
        try:
            n_in, n_out = stream_channels((root / f"card{card.index}" / "stream0").read_text())
        except OSError:
            continue
        if n_in >= 1 and n_out >= 2:
            return generic_profile(template, card, n_in, n_out)
    return None


@dataclass(frozen=True)
class Connected:
    """What is plugged in and the profile for it: a matching profile (``generic`` False), the generic
    class-compliant one for an unknown USB card (``generic`` True), or None."""

    cards: list[AlsaCard]
    usb_ids: dict[int, str]
    profile: Profile | None
    generic: bool = False


def connected(profiles: Iterable[Profile], root: Path = Path("/proc/asound")) -> Connected:
    """The connected cards (from ``root``, /proc/asound) and the profile mixer.profile = "auto" picks."""
    cards_text, usb_ids = read_asound(root)
    cards = parse_cards(cards_text)
    found = detect_profile(cards_text, profiles, usb_ids)
    if found is not None:
        return Connected(cards, usb_ids, found)
    generic = generic_profile_for(cards_text, usb_ids, root)
    return Connected(cards, usb_ids, generic, generic is not None)
