"""Home Assistant MQTT discovery: the mixer as one device with entities (no networking here).

Exposed strips (config ``expose``: the main, mixes, channels) get a fader as ``number`` (dB, slider,
the model's range) and a mute as ``switch``; the main and every exposed mix a loudness ``sensor``
(short-term LUFS from the sparse ``{base}/loudness``, diagnostic) unless ``loudness_interval`` is 0. The
mixer has a scene ``select`` (while there are scenes) whose state is the scene the mix is at, or the
modified option; ``button``s for undo and redo, a ``switch`` for the test tones, one per talk button
(talkback, named as the button is), a ring-out ``switch`` per exposed mix and the main, and the feedback finder's
watch and auto switches; with the problem
finder, a ``sensor`` counting the signal-flow problems (each one in its attributes) and a gain-staging
``button``. Every entity is tied to the availability topic. ``messages()`` gives topic → payload for all of them.

What MQTT may not change (``[mqtt] read_only``, ``writable``, ``actions``; see ``access``) is offered
read-only: a fader as a ``sensor`` (dB), a mute or the test tones as a ``binary_sensor``, the scene as a
``sensor`` showing the current scene; undo, redo and gain staging are left out (a button that is always
refused helps no one).

Entity ids: each config carries ``default_entity_id`` (``number.mixerd_<node>_main_fader``), which Home
Assistant 2025.10 and later use for a new entity (``object_id``, used before, is ignored from 2026.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from mixerd import __version__
from mixerd.model.address import segments
from mixerd.model.params import ParamTree
from mixerd.mqtt.access import Access
from mixerd.mqtt.scene_state import MODIFIED
from mixerd.mqtt.topics import Topics

#: What Home Assistant needs at the least for each entity type we publish (beyond name and unique_id).
REQUIRED = {
    "number": ("command_topic", "state_topic", "min", "max"),
    "switch": ("command_topic", "state_topic", "payload_on", "payload_off", "state_on", "state_off"),
    "select": ("command_topic", "options"),
    "button": ("command_topic",),
    "sensor": ("state_topic",),
    "binary_sensor": ("state_topic", "payload_on", "payload_off"),
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
        kind = segments(owner)[0]
        if owner in wanted or f"{kind}/*" in wanted:
            owners.append(owner)
    return owners


def messages(tree: ParamTree, values: Mapping[str, Any], topics: Topics, prefix: str, device: Device,
             expose: Iterable[str], scenes: list[str], loudness: bool, diagnostics: bool = False,
             access: Access | None = None, modified: str = MODIFIED, recorder: bool = False) -> dict[str, dict[str, Any]]:
    """Discovery topic → config payload for every entity this mixer exposes now. ``scenes``: the scene
    names (``modified``: the select's option for a mix at none of them); ``access``: what MQTT may
    change (None: everything); ``recorder``: the mixer records (a recording sensor, record and stop buttons)."""
    node = device.node_id
    block = device.block()
    out: dict[str, dict[str, Any]] = {}
    may_set = access.may_set if access is not None else (lambda address: True)
    may_run = access.may_run if access is not None else (lambda action, changes=(): True)

    def add(component: str, object_id: str, name: str, **fields: Any) -> None:
        unique = f"mixerd_{node}_{object_id}"
        out[f"{prefix}/{component}/{node}/{object_id}/config"] = {
            "name": name, "unique_id": unique, "default_entity_id": f"{component}.{unique}", "device": block,
            "availability_topic": topics.availability, "payload_available": "online",
            "payload_not_available": "offline", **fields}

    for owner in exposed_owners(tree, expose):
        label = "Main" if owner == "main" else values.get(f"{owner}/name", owner)
        oid = owner.replace("/", "_")
        fader, mute = tree.spec(f"{owner}/fader"), f"{owner}/mute"
        if may_set(fader.address):
            add("number", f"{oid}_fader", f"{label} fader", command_topic=topics.command(fader.address),
                state_topic=topics.state(fader.address), min=fader.min, max=fader.max, step=0.5,
                unit_of_measurement="dB", mode="slider", icon="mdi:tune-vertical")
        else:
            add("sensor", f"{oid}_fader", f"{label} fader", state_topic=topics.state(fader.address),
                unit_of_measurement="dB", state_class="measurement", icon="mdi:tune-vertical")
        if may_set(mute):
            add("switch", f"{oid}_mute", f"{label} mute", command_topic=topics.command(mute),
                state_topic=topics.state(mute), payload_on="true", payload_off="false",
                state_on="true", state_off="false", icon="mdi:volume-off")
        else:
            add("binary_sensor", f"{oid}_mute", f"{label} mute", state_topic=topics.state(mute),
                payload_on="true", payload_off="false", icon="mdi:volume-off")
        ringout = f"{owner}/ringout"
        if ringout in tree:  # the monitor engineer's ring-out switch of a mix (the main and the aux mixes)
            _switch(add, may_set, topics, f"{oid}_ringout", f"{label} ring-out", ringout, "mdi:waveform")
        if loudness and not owner.startswith("ch/"):
            add("sensor", f"{oid}_loudness", f"{label} loudness", state_topic=topics.loudness,
                value_template=f"{{{{ value_json['{owner}'] }}}}", unit_of_measurement="LUFS",
                state_class="measurement", suggested_display_precision=1, entity_category="diagnostic",
                icon="mdi:waveform")
    if scenes:
        current = {"state_topic": topics.scene, "value_template": "{{ value_json.option }}",
                   "json_attributes_topic": topics.scene, "icon": "mdi:playlist-play"}
        if may_run("scene_recall"):
            add("select", "scene", "Scene", command_topic=topics.action("scene_recall"),
                options=[*scenes, modified], **current)
        else:
            add("sensor", "scene", "Scene", **current)
    for action in ("undo", "redo"):
        if may_run(action):
            add("button", action, action.capitalize(), command_topic=topics.action(action), payload_press="",
                icon=f"mdi:{action}")
    if "gen/1/on" in tree:
        generators = [a for a in tree.addresses() if a.startswith("gen/") and a.endswith("/on")]
        if may_run("generators", generators):
            add("switch", "test_tones", "Test tones", command_topic=topics.action("generators"),
                state_topic=topics.state("gen/1/on"), payload_on="ON", payload_off="OFF", state_on="true",
                state_off="false", icon="mdi:sine-wave")
        else:
            add("binary_sensor", "test_tones", "Test tones", state_topic=topics.state("gen/1/on"),
                payload_on="true", payload_off="false", icon="mdi:sine-wave")
    t = 1
    while f"talkback/{t}/on" in tree:  # the talk buttons (talking to the mixes their setup names)
        on, label = f"talkback/{t}/on", values.get(f"talkback/{t}/name", f"Talk {t}")
        _switch(add, may_set, topics, f"talkback_{t}", label, on, "mdi:microphone-message")
        t += 1
    _switch(add, may_set, topics, "feedback_watch", "Feedback finder (always listening)", "feedback/watch",
            "mdi:ear-hearing")
    _switch(add, may_set, topics, "feedback_auto", "Feedback notches (automatic)", "feedback/auto", "mdi:filter")
    if diagnostics:
        add("sensor", "problems", "Signal problems", state_topic=topics.diagnostics,
            value_template="{{ value_json.count }}", unit_of_measurement="problems", state_class="measurement",
            json_attributes_topic=topics.diagnostics, entity_category="diagnostic", icon="mdi:alert-circle-outline")
        trims = [f"ch/{n}/trim" for n in range(1, tree.layout.n_inputs + 1)]
        if may_run("gain_staging", trims):
            add("button", "gain_staging", "Gain staging (listen 10 s, apply)",
                command_topic=topics.action("gain_staging"), payload_press='{"apply": true}',
                entity_category="config", icon="mdi:tune")
    if recorder:
        add("binary_sensor", "recording", "Recording", state_topic=topics.recorder,
            value_template="{{ 'ON' if value_json.recording else 'OFF' }}", json_attributes_topic=topics.recorder,
            icon="mdi:record-rec")
        if may_run("record"):
            add("button", "record", "Record (every channel and the main)", command_topic=topics.action("record"),
                payload_press="", icon="mdi:record")
        if may_run("record_stop"):
            add("button", "record_stop", "Stop recording", command_topic=topics.action("record_stop"),
                payload_press="", icon="mdi:stop")
    return out


def _switch(add, may_set, topics: Topics, object_id: str, name: str, address: str, icon: str) -> None:
    """A bool parameter as a ``switch`` (a ``binary_sensor`` where MQTT may not change it)."""
    if may_set(address):
        add("switch", object_id, name, command_topic=topics.command(address), state_topic=topics.state(address),
            payload_on="true", payload_off="false", state_on="true", state_off="false", icon=icon)
    else:
        add("binary_sensor", object_id, name, state_topic=topics.state(address), payload_on="true",
            payload_off="false", icon=icon)


def subscription(prefix: str, node_id: str) -> str:
    """The filter that brings back every discovery config this node may have published before."""
    return f"{prefix}/+/{node_id}/+/config"
