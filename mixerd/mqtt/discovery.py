"""Home Assistant MQTT discovery: the mixer as one device with entities (no networking here).

Exposed strips (config ``expose``: the main, mixes, channels) get a fader as ``number`` (dB, slider,
the model's range) and a mute as ``switch``; the main and every exposed mix a loudness ``sensor``
(short-term LUFS, measurement, diagnostic) when meters are published. The mixer has a scene ``select``
(while there are scenes), ``button``s for undo and redo and a ``switch`` for the test tones; with the
problem finder, a ``sensor`` counting the signal-flow problems (each one in its attributes) and a gain-staging
``button``. Every entity is tied to the availability topic. ``messages()`` gives topic → payload for all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from mixerd import __version__
from mixerd.model.params import ParamTree
from mixerd.mqtt.topics import Topics

#: What Home Assistant needs at the least for each entity type we publish (beyond name and unique_id).
REQUIRED = {
    "number": ("command_topic", "state_topic", "min", "max"),
    "switch": ("command_topic", "state_topic", "payload_on", "payload_off", "state_on", "state_off"),
    "select": ("command_topic", "options"),
    "button": ("command_topic",),
    "sensor": ("state_topic", "value_template", "unit_of_measurement", "state_class"),
}


@dataclass(frozen=True)
class Device:
    """The device block every entity carries."""

    node_id: str
    model: str
    configuration_url: str | None = None

    def block(self) -> dict[str, Any]:
        out = {"identifiers": [f"mixerd_{self.node_id}"], "name": f"mixerd {self.node_id}", "manufacturer": "mixerd",
               "model": self.model, "sw_version": __version__}
        if self.configuration_url:
            out["configuration_url"] = self.configuration_url
        return out


def exposed_owners(tree: ParamTree, expose: Iterable[str]) -> list[str]:
    """The strips (``main``, ``bus/B``, ``ch/N``) ``expose`` names that this mixer has, in tree order."""
    wanted = list(expose)
    owners: list[str] = []
    for address in tree.addresses():
        m = re.match(r"^(main|(?:ch|bus)/\d+)/fader$", address)
        if not m:
            continue
        owner = m[1]
        kind = owner.split("/")[0]
        if owner in wanted or f"{kind}/*" in wanted:
            owners.append(owner)
    return owners


def messages(tree: ParamTree, values: Mapping[str, Any], topics: Topics, prefix: str, device: Device,
             expose: Iterable[str], scenes: list[str], meters: bool,
             diagnostics: bool = False) -> dict[str, dict[str, Any]]:
    """Discovery topic → config payload for every entity this mixer exposes now."""
    node = device.node_id
    block = device.block()
    out: dict[str, dict[str, Any]] = {}

    def add(component: str, object_id: str, name: str, **fields: Any) -> None:
        unique = f"mixerd_{node}_{object_id}"
        out[f"{prefix}/{component}/{node}/{object_id}/config"] = {
            "name": name, "unique_id": unique, "object_id": unique, "device": block,
            "availability_topic": topics.availability, "payload_available": "online",
            "payload_not_available": "offline", **fields}

    for owner in exposed_owners(tree, expose):
        label = "Main" if owner == "main" else values.get(f"{owner}/name", owner)
        oid = owner.replace("/", "_")
        fader = tree.spec(f"{owner}/fader")
        add("number", f"{oid}_fader", f"{label} fader", command_topic=topics.command(f"{owner}/fader"),
            state_topic=topics.state(f"{owner}/fader"), min=fader.min, max=fader.max, step=0.5,
            unit_of_measurement="dB", mode="slider", icon="mdi:tune-vertical")
        add("switch", f"{oid}_mute", f"{label} mute", command_topic=topics.command(f"{owner}/mute"),
            state_topic=topics.state(f"{owner}/mute"), payload_on="true", payload_off="false",
            state_on="true", state_off="false", icon="mdi:volume-off")
        if meters and not owner.startswith("ch/"):
            add("sensor", f"{oid}_loudness", f"{label} loudness", state_topic=topics.meters,
                value_template=f"{{{{ value_json['{owner}'].lufs_s }}}}", unit_of_measurement="LUFS",
                state_class="measurement", entity_category="diagnostic", icon="mdi:waveform")
    if scenes:
        add("select", "scene", "Scene", command_topic=topics.action("scene_recall"), options=list(scenes),
            icon="mdi:playlist-play")
    for action in ("undo", "redo"):
        add("button", action, action.capitalize(), command_topic=topics.action(action), payload_press="",
            icon=f"mdi:{action}")
    if "gen/1/on" in tree:
        add("switch", "test_tones", "Test tones", command_topic=topics.action("generators"),
            state_topic=topics.state("gen/1/on"), payload_on="ON", payload_off="OFF", state_on="true",
            state_off="false", icon="mdi:sine-wave")
    if diagnostics:
        add("sensor", "problems", "Signal problems", state_topic=topics.diagnostics,
            value_template="{{ value_json.count }}", unit_of_measurement="problems", state_class="measurement",
            json_attributes_topic=topics.diagnostics, entity_category="diagnostic", icon="mdi:alert-circle-outline")
        add("button", "gain_staging", "Gain staging (listen 10 s, apply)", command_topic=topics.action("gain_staging"),
            payload_press='{"apply": true}', entity_category="config", icon="mdi:tune")
    return out


def subscription(prefix: str, node_id: str) -> str:
    """The filter that brings back every discovery config this node may have published before."""
    return f"{prefix}/+/{node_id}/+/config"
