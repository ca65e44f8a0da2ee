"""Hardware profiles: one TOML file per audio interface (``hw_profiles/``), its JACK settings, labelled
ports and default mixer layout; loading, listing and detecting the connected interface."""

from mixerd.profiles.detect import (
    AlsaCard,
    Connected,
    connected,
    detect_profile,
    generic_profile,
    generic_profile_for,
    parse_cards,
    read_asound,
    stream_channels,
)
from mixerd.profiles.loader import BUILTIN_DIR, list_profiles, load_profile, parse_profile
from mixerd.profiles.schema import (
    BusSpec,
    JackSettings,
    MatchRules,
    PortSpec,
    Profile,
    ProfileError,
    ProfileSummary,
)

__all__ = [
    "BUILTIN_DIR",
    "AlsaCard",
    "Connected",
    "BusSpec",
    "JackSettings",
    "MatchRules",
    "PortSpec",
    "Profile",
    "ProfileError",
    "ProfileSummary",
    "connected",
    "detect_profile",
    "generic_profile",
    "generic_profile_for",
    "list_profiles",
    "load_profile",
    "parse_cards",
    "parse_profile",
    "read_asound",
    "stream_channels",
]
